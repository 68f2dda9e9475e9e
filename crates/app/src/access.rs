//! Who may perform an operation: each operation names its IAM action and resource, and the account's access policies
//! decide it for users and service IDs.
//!
//! The operator and an account's administrator (the account's owner) may do everything, as IBM's account owner may;
//! every other identity of an account needs an active access policy of its account that grants the action on the
//! resource, to it or to one of its access groups (the Public Access group included). The resource is described by
//! IBM's attributes: `accountId`, `serviceName`, `region`, and for a named resource its `resourceType`, `resource`,
//! its own id attribute (`vpcId`, `subnetId`, `serviceInstance`, …) and the `resourceGroupId` it was created in, so
//! that resource group policies reach it. A resource the caller cannot see (another account's, another region's, or
//! none) is described by its id alone: no resource group policy reaches it, and the operation, if allowed, answers
//! 404 as it would to the account's administrator.
//!
//! What the refusal tells the refused caller is its own request: the action and the resource it named. Which
//! policies came close is for whoever may read the account's policies (AuthZEN).

use std::collections::HashMap;
use std::sync::Arc;

use hubspoke_iam::access::{AccessQuery, AccessSubject};
use hubspoke_iam::attribute::Operator;
use hubspoke_iam::{AccountId, Caller, CallerKind, PolicyDraft, RequestAttributes};
use hubspoke_store::EventOutcome;
use hubspoke_vpc::Enforcement;

use crate::events::event;
use crate::network::Visible;
use crate::{App, AppError, AppResult};

/// What an operation acts on, as its request names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// The service in the caller's account: lists of top-level resources, and what the IAM services manage.
    Account,
    /// A new resource of the service in this resource group of the caller's account (the default group when `None`):
    /// creates, which a resource group policy allows in its group only.
    InGroup(Option<&'a str>),
    /// The resource with this id: a VPC, subnet, endpoint gateway, security group, network ACL or public gateway of
    /// the VPC service, a DNS Services instance, an access group.
    Resource(&'a str),
}

/// A refused operation: who asked, the action it needed and the resource it named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial {
    /// The caller's IAM id.
    pub iam_id: String,
    /// The IAM action the operation needs, for example `is.vpc.vpc.create`.
    pub action: String,
    /// The resource as the caller named it, for example ``VPC `r006-…` `` or ``the account's `is` service``.
    pub resource: String,
}

impl Denial {
    /// The service whose API refused: the first segment of the action (`is`, `dns-svcs`, `iam-identity`, …).
    pub fn service(&self) -> &str {
        self.action.split('.').next().unwrap_or_default()
    }
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` holds no access policy that grants `{}` on {}", self.iam_id, self.action, self.resource)
    }
}

/// The service whose access policies decide `action`. Resource Controller's instance actions are decided on the
/// instance's service, and the only instances hubspoke serves are DNS Services'.
fn service_of(action: &str) -> &str {
    match action.split('.').next().unwrap_or_default() {
        "resource-controller" => "dns-svcs",
        service => service,
    }
}

impl App {
    /// Decides whether `caller` may perform `action` on `target`: the question every operation asks before it runs.
    /// With `--enforcement soft` a denial is recorded as a `waived` event and the operation goes ahead; with `off`
    /// nothing is checked.
    pub async fn authorize(&self, caller: &Caller, action: &str, target: Target<'_>) -> AppResult<()> {
        let CallerKind::AccountIdentity { account, .. } = &caller.kind else { return Ok(()) };
        if self.settings.enforcement == Enforcement::Off {
            return Ok(());
        }
        let visible = self.visible(caller);
        let (resource, described) = describe(&visible, account, action, target);
        let mut resources = vec![resource];
        if target == Target::Account && matches!(service_of(action), "is" | "dns-svcs") {
            // Listing a service's resources is allowed by a policy on any of the account's resource groups too, as
            // IBM lists a group's resources to whoever may read them there (hubspoke does not narrow the list to
            // those groups; docs/iam.md says so).
            let default = crate::network::default_resource_group(account);
            let groups = visible.world.resource_groups().filter(|group| group.account == *account);
            for group in std::iter::once(default.as_str()).chain(groups.map(|group| group.id.as_str())) {
                let mut in_group = resources[0].clone();
                in_group.set("resourceGroupId".to_owned(), group.to_owned());
                resources.push(in_group);
            }
        }
        self.require(caller, action, resources, described).await
    }

    /// Decides `action` on a resource the operation described itself (a policy's resource, a hub VPC reached through
    /// a binding): permitted when a policy grants it on any of `resources`, with the same enforcement modes as
    /// [`App::authorize`].
    pub(crate) async fn require(
        &self,
        caller: &Caller,
        action: &str,
        resources: Vec<RequestAttributes>,
        described: impl std::fmt::Display,
    ) -> AppResult<()> {
        if self.granted(caller, action, resources).await? {
            return Ok(());
        }
        let denial =
            Denial { iam_id: caller.iam_id.clone(), action: action.to_owned(), resource: described.to_string() };
        let waived = self.settings.enforcement == Enforcement::Soft;
        let (outcome, reason) = if waived {
            (EventOutcome::Waived, format!("{denial}; let through by `--enforcement soft`"))
        } else {
            (EventOutcome::Refused, denial.to_string())
        };
        metrics::counter!("hubspoke_decisions_total", "point" => "access", "result" => if waived { "waived" } else { "deny" })
            .increment(1);
        let record = event(caller, None, None, action, ("access", &denial.resource), outcome, reason);
        self.store.record_events(&[record]).await?;
        if waived { Ok(()) } else { Err(AppError::AccessDenied(Box::new(denial))) }
    }

    /// Whether an access policy grants `caller` the `action` on any of `resources`; always for the operator and
    /// administrators, and when `--enforcement off`.
    async fn granted(&self, caller: &Caller, action: &str, resources: Vec<RequestAttributes>) -> AppResult<bool> {
        let CallerKind::AccountIdentity { account, .. } = &caller.kind else { return Ok(true) };
        if self.settings.enforcement == Enforcement::Off {
            return Ok(true);
        }
        let subject = AccessSubject {
            iam_id: caller.iam_id.clone(),
            access_groups: self.groups_of(account, &caller.iam_id).await?,
        };
        let mut query = AccessQuery { subject, action: action.to_owned(), resource: RequestAttributes::default() };
        for resource in resources {
            query.resource = resource;
            if self.access_decision(&query).permitted {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether `caller` may perform `action` on `resource`, without recording anything: for filtering what a list
    /// shows. With `--enforcement soft` everything is shown, as everything is allowed.
    pub(crate) async fn permits(&self, caller: &Caller, action: &str, resource: RequestAttributes) -> AppResult<bool> {
        Ok(self.settings.enforcement == Enforcement::Soft || self.granted(caller, action, vec![resource]).await?)
    }
}

/// The access groups of identities as last read from the store, each with the replica's revision at the time: valid
/// while that revision is current. Every write (a membership among them) moves the revision, and a replica moves it
/// when it follows another's writes, so an entry never outlives a change; between writes, a user's requests skip
/// the store read. Bounded: it starts afresh once it holds [`GroupCache::CAPACITY`] identities.
#[derive(Debug, Default)]
pub(crate) struct GroupCache(std::sync::Mutex<HashMap<(AccountId, String), GroupsRead>>);

/// An identity's access groups and the revision they were read at.
type GroupsRead = (u64, Arc<Vec<String>>);

impl GroupCache {
    const CAPACITY: usize = 10_000;
}

impl App {
    /// The ids of the access groups `iam_id` belongs to in `account` (the Public Access group included).
    async fn groups_of(&self, account: &AccountId, iam_id: &str) -> AppResult<Vec<String>> {
        let revision = self.replica.revision();
        let key = (account.clone(), iam_id.to_owned());
        let cached = self.group_cache.0.lock().expect("the group cache lock is never poisoned").get(&key).cloned();
        if let Some((read_at, groups)) = cached
            && read_at == revision
        {
            return Ok(groups.to_vec());
        }
        let groups = self.access_group_ids_of(account, iam_id).await?;
        let mut cache = self.group_cache.0.lock().expect("the group cache lock is never poisoned");
        if cache.len() >= GroupCache::CAPACITY {
            cache.clear();
        }
        cache.insert(key, (revision, Arc::new(groups.clone())));
        Ok(groups)
    }
}

/// How a refusal names what was refused, formatted only when a request is refused.
enum Described<'a> {
    Service(&'a str),
    InGroup { service: &'a str, group: String },
    Resource { service: &'a str, kind: &'static str, id: &'a str },
}

impl std::fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Described::Service(service) => write!(f, "the account's `{service}` service"),
            Described::InGroup { service, group } => {
                write!(f, "the `{service}` service in the resource group `{group}`")
            }
            Described::Resource { service, kind, id } => write!(f, "the `{service}` {kind} `{id}`"),
        }
    }
}

/// The attributes of `target` for an access decision on `action`, and how a refusal names it. Only what `visible`
/// shows the caller adds a resource group or a resource type, so a refusal never tells whether another account's id
/// exists.
fn describe<'a>(
    visible: &Visible,
    account: &AccountId,
    action: &'a str,
    target: Target<'a>,
) -> (RequestAttributes, Described<'a>) {
    let service = service_of(action);
    let mut attributes = RequestAttributes::new([("accountId", account.as_str()), ("serviceName", service)]);
    if service == "is" {
        attributes.set("region".to_owned(), visible.region.name.to_owned());
    }
    let id = match target {
        Target::Account => return (attributes, Described::Service(service)),
        Target::InGroup(group) => {
            let default = crate::network::default_resource_group(account);
            let group = group.unwrap_or(&default);
            attributes.set("resourceGroupId".to_owned(), group.to_owned());
            return (attributes, Described::InGroup { service, group: group.to_owned() });
        }
        Target::Resource(id) => id,
    };
    attributes.set("resource".to_owned(), id.to_owned());
    let found = match service {
        "is" => vpc_resource(visible, id),
        "dns-svcs" => visible
            .world
            .service_instance(id)
            .filter(|instance| visible.sees(&instance.account))
            .map(|instance| ("instance", "serviceInstance", instance.resource_group.as_str())),
        _ => None,
    };
    match found {
        Some((kind, id_attribute, group)) => {
            attributes.set(id_attribute.to_owned(), id.to_owned());
            attributes.set("resourceType".to_owned(), kind.to_owned());
            attributes.set("resourceGroupId".to_owned(), group.to_owned());
            (attributes, Described::Resource { service, kind, id })
        }
        None => (attributes, Described::Resource { service, kind: "resource", id }),
    }
}

/// The resource type, id attribute and resource group of the VPC resource `id`, if the caller sees it.
fn vpc_resource<'a>(visible: &'a Visible, id: &str) -> Option<(&'static str, &'static str, &'a str)> {
    let world = &visible.world;
    let seen = |owner| visible.sees_at(owner, id);
    if let Some(vpc) = world.vpc(id).filter(|vpc| seen(&vpc.account)) {
        return Some(("vpc", "vpcId", &vpc.resource_group));
    }
    if let Some(subnet) = world.subnet(id).filter(|subnet| seen(&subnet.account)) {
        return Some(("subnet", "subnetId", &subnet.resource_group));
    }
    if let Some(gateway) = world.gateway(id).filter(|gateway| seen(&gateway.account)) {
        return Some(("endpoint-gateway", "endpointGatewayId", &gateway.resource_group));
    }
    if let Some(group) = world.security_group(id).filter(|group| seen(&group.account)) {
        return Some(("security-group", "securityGroupId", &group.resource_group));
    }
    if let Some(acl) = world.network_acl(id).filter(|acl| seen(&acl.account)) {
        return Some(("network-acl", "networkAclId", &acl.resource_group));
    }
    world
        .public_gateway(id)
        .filter(|gateway| seen(&gateway.account))
        .map(|gateway| ("public-gateway", "publicGatewayId", gateway.resource_group.as_str()))
}

/// Whether `owner`'s policies are the caller's to manage as far as accounts go: the operator's, the administrator's
/// of `owner`, and another identity's of `owner`, which then needs the policy management action on each policy's
/// resource ([`App::require_on_policy`]).
pub(crate) fn in_policy_account(caller: &Caller, owner: &AccountId) -> bool {
    match &caller.kind {
        CallerKind::AccountIdentity { account, .. } => account == owner,
        _ => hubspoke_iam::authority::may_manage_policies_of(caller, owner),
    }
}

/// The resource a policy management action acts on: the policy's own resource, by the attributes it names exactly
/// (`accountId`, `serviceName`, `resourceGroupId`, …), so that Administrator on `is` manages the policies on `is`.
fn policy_resource(draft: &PolicyDraft) -> (RequestAttributes, String) {
    let exact = draft.resource.iter().filter(|attribute| attribute.operator == Operator::StringEquals);
    let attributes = RequestAttributes::new(
        exact.filter_map(|attribute| Some((attribute.key.clone(), attribute.text()?.to_owned()))),
    );
    let described = match attributes.get("serviceName") {
        Some(service) => format!("the policies of the `{service}` service"),
        None => "policies on every service".to_owned(),
    };
    (attributes, described)
}

impl App {
    /// Requires the policy management `action` (`iam.policy.create`, `.read`, `.update`, `.delete`) on the resource of
    /// `draft` for a user or service ID; the operator and administrators pass.
    pub(crate) async fn require_on_policy(&self, caller: &Caller, action: &str, draft: &PolicyDraft) -> AppResult<()> {
        let (resource, described) = policy_resource(draft);
        self.require(caller, action, vec![resource], described).await
    }

    /// Whether a user or service ID may read a policy with this content (for lists, which leave out what it may not
    /// read); the operator and administrators may read every policy of their accounts.
    pub(crate) async fn may_read_policy(&self, caller: &Caller, draft: &PolicyDraft) -> AppResult<bool> {
        self.permits(caller, "iam.policy.read", policy_resource(draft).0).await
    }
}
