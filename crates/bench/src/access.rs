//! The access-policy workloads of the decide suite: a seeded installation of accounts with users, service IDs,
//! access groups, resource groups, custom roles and access policies, the requests asked of it, and the engines that
//! decide them (hubspoke's index and, with the `compare` feature, Cedar on the whole set and sliced by account).
//!
//! Every account holds about [`POLICIES_PER_ACCOUNT`] policies, so the installation grows by accounts, as a shared
//! one would: what one identity's decision has to consider stays the same from 10k to 1M policies.

use hubspoke_iam::access::{AccessQuery, AccessSubject, evaluate};
use hubspoke_iam::catalog::access::access_service;
use hubspoke_iam::{
    AccountId, Attribute, CustomRole, CustomRoleContent, Policy, PolicyDraft, PolicyIndex, PolicyState,
    RequestAttributes, RoleCatalog, Timestamp,
};

use crate::data::{ProbeKind, Seeded};
use crate::engines::Engine;

/// Policies per account (the last account holds the rest).
pub const POLICIES_PER_ACCOUNT: usize = 1_000;
const USERS: usize = 150;
const SERVICE_IDS: usize = 50;
const GROUPS: usize = 60;
const RESOURCE_GROUPS: usize = 10;
const VPCS: usize = 100;
const DNS_INSTANCES: usize = 20;
/// The fewest and most groups an identity is a member of.
const MEMBERSHIPS: (usize, usize) = (3, 6);

const PLATFORM_ROLES: [&str; 4] = [
    "crn:v1:bluemix:public:iam::::role:Viewer",
    "crn:v1:bluemix:public:iam::::role:Operator",
    "crn:v1:bluemix:public:iam::::role:Editor",
    "crn:v1:bluemix:public:iam::::role:Administrator",
];
const SERVICE_ROLES: [&str; 3] = [
    "crn:v1:bluemix:public:iam::::serviceRole:Reader",
    "crn:v1:bluemix:public:iam::::serviceRole:Writer",
    "crn:v1:bluemix:public:iam::::serviceRole:Manager",
];
const CONNECTOR: &str = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector";
/// The services resources belong to.
const SERVICES: [&str; 2] = ["is", "dns-svcs"];

/// One resource of an account, with the attributes a request about it carries.
#[derive(Clone, Debug)]
struct Resource {
    service: &'static str,
    attributes: RequestAttributes,
}

/// One account: its identities (each with its groups), resources and custom roles.
#[derive(Clone, Debug)]
struct Account {
    n: usize,
    id: AccountId,
    identities: Vec<AccessSubject>,
    /// The members of each group, by index into `identities`.
    members: Vec<Vec<usize>>,
    resources: Vec<Resource>,
    custom_roles: Vec<CustomRole>,
}

/// One request of a workload.
#[derive(Clone, Debug)]
pub struct Probe {
    /// What it exercises.
    pub kind: ProbeKind,
    /// The question.
    pub query: AccessQuery,
}

/// An installation's access policies and custom roles, and the requests asked of it.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Every access policy, active.
    pub policies: Vec<Policy>,
    /// Every account's custom roles.
    pub custom_roles: Vec<CustomRole>,
    /// The requests, `per_kind` of each kind, interleaved.
    pub probes: Vec<Probe>,
}

fn account_id(n: usize) -> AccountId {
    AccountId::parse(&format!("a0000000{n:024x}")).expect("32 lowercase hex digits")
}

fn pick<'a, T>(random: &mut Seeded, items: &'a [T]) -> &'a T {
    &items[random.below(items.len())]
}

fn group_id(account: usize, group: usize) -> String {
    format!("AccessGroupId-{account:06x}-{group:04}")
}

fn account(n: usize, random: &mut Seeded) -> Account {
    let id = account_id(n);
    let mut members = vec![Vec::new(); GROUPS];
    let identities = (0..USERS + SERVICE_IDS)
        .map(|i| {
            let iam_id =
                if i < USERS { format!("IBMid-{n:06x}{i:04}") } else { format!("iam-ServiceId-{n:06x}-{i:04}") };
            let count = MEMBERSHIPS.0 + random.below(MEMBERSHIPS.1 - MEMBERSHIPS.0 + 1);
            let mut groups: Vec<usize> = Vec::new();
            while groups.len() < count {
                let group = random.below(GROUPS);
                if !groups.contains(&group) {
                    groups.push(group);
                    members[group].push(i);
                }
            }
            AccessSubject { iam_id, access_groups: groups.iter().map(|group| group_id(n, *group)).collect() }
        })
        .collect();
    let mut resources = Vec::new();
    for vpc in 0..VPCS {
        let vpc_id = format!("r006-{n:06x}-{vpc:04}");
        let group = format!("rg-{n:06x}-{}", random.below(RESOURCE_GROUPS));
        resources.push(Resource {
            service: "is",
            attributes: RequestAttributes::new([
                ("accountId", id.as_str()),
                ("serviceName", "is"),
                ("resourceGroupId", &group),
                ("resourceType", "vpc"),
                ("vpcId", &vpc_id),
                ("resource", &vpc_id),
            ]),
        });
    }
    for instance in 0..DNS_INSTANCES {
        let instance_id = format!("dns-{n:06x}-{instance:04}");
        let group = format!("rg-{n:06x}-{}", random.below(RESOURCE_GROUPS));
        resources.push(Resource {
            service: "dns-svcs",
            attributes: RequestAttributes::new([
                ("accountId", id.as_str()),
                ("serviceName", "dns-svcs"),
                ("resourceGroupId", &group),
                ("serviceInstance", &instance_id),
                ("resource", &instance_id),
            ]),
        });
    }
    // Two custom roles per service, each holding a few of the service's actions.
    let mut custom_roles = Vec::new();
    for (s, service) in SERVICES.iter().enumerate() {
        let actions: Vec<&str> = access_service(service).expect("a known service").actions().map(|(a, _)| a).collect();
        for r in 0..2 {
            let mut held: Vec<String> = Vec::new();
            for _ in 0..4 {
                let action = pick(random, &actions).to_string();
                if !held.contains(&action) {
                    held.push(action);
                }
            }
            custom_roles.push(CustomRole {
                id: format!("{n:024x}{:08x}", s * 2 + r),
                name: format!("Bench{}{r}", if *service == "is" { "Vpc" } else { "Dns" }),
                account_id: id.clone(),
                service_name: service.to_string(),
                content: CustomRoleContent {
                    display_name: format!("bench {service} {r}"),
                    description: None,
                    actions: held,
                },
                version: 1,
                created_at: Timestamp(1),
                created_by_id: "IBMid-bench".into(),
                last_modified_at: Timestamp(1),
                last_modified_by_id: "IBMid-bench".into(),
            });
        }
    }
    Account { n, id, identities, members, resources, custom_roles }
}

/// The roles of one policy on `service` (`None`: every service, where only platform and generic roles are valid).
fn roles(random: &mut Seeded, account: &Account, service: Option<&str>) -> Vec<String> {
    let one = |random: &mut Seeded| -> String {
        let kind = random.below(20);
        match (kind, service) {
            // Custom roles: 15% of the policies that name a service.
            (0..3, Some(service)) => {
                let mine: Vec<&CustomRole> =
                    account.custom_roles.iter().filter(|r| r.service_name == service).collect();
                pick(random, &mine).crn()
            }
            (3, Some("is")) => CONNECTOR.to_owned(),
            // Service roles: 35%.
            (3..10, _) => pick(random, &SERVICE_ROLES).to_string(),
            // Platform roles, the reading ones most often: 50%.
            _ => PLATFORM_ROLES[[0, 0, 0, 1, 2, 2, 3][random.below(7)]].to_owned(),
        }
    };
    let mut roles = vec![one(random)];
    if random.below(4) == 0 {
        let second = one(random);
        if !roles.contains(&second) {
            roles.push(second);
        }
    }
    roles
}

/// Policy `i` of `account`: a subject (an access group 70% of the time, else a user or service ID), a scope (5% the
/// whole account's services, 30% one service, 25% one resource group, 40% one resource) and its roles.
fn policy(i: usize, account: &Account, random: &mut Seeded) -> (Policy, Whom, Vec<usize>) {
    let (subject, whom) = if random.below(10) < 7 {
        let group = random.below(GROUPS);
        (Attribute::equals("access_group_id", &group_id(account.n, group)), Whom::Group(group))
    } else {
        let identity = random.below(account.identities.len());
        (Attribute::equals("iam_id", &account.identities[identity].iam_id), Whom::Identity(identity))
    };
    let all: Vec<usize> = (0..account.resources.len()).collect();
    let of = |keep: &dyn Fn(&Resource) -> bool| all.iter().copied().filter(|r| keep(&account.resources[*r])).collect();
    let mut resource = vec![Attribute::equals("accountId", account.id.as_str())];
    let scope = random.below(20);
    let (service, reached) = match scope {
        0 => {
            resource.push(Attribute::equals("serviceType", "service"));
            (None, all.clone())
        }
        1..7 => {
            let service = *pick(random, &SERVICES);
            resource.push(Attribute::equals("serviceName", service));
            (Some(service), of(&|r| r.service == service))
        }
        7..12 => {
            let group = pick(random, &account.resources).attributes.get("resourceGroupId").unwrap().to_owned();
            resource.push(Attribute::equals("resourceGroupId", &group));
            (None, of(&|r| r.attributes.get("resourceGroupId") == Some(group.as_str())))
        }
        _ => {
            let at = random.below(account.resources.len());
            let target = &account.resources[at];
            resource.push(Attribute::equals("serviceName", target.service));
            let key = if target.service == "is" { "vpcId" } else { "serviceInstance" };
            resource.push(Attribute::equals(key, target.attributes.get(key).unwrap()));
            (Some(target.service), vec![at])
        }
    };
    let roles = roles(random, account, service);
    let policy = Policy {
        id: format!("access-{:06x}-{i:04}", account.n),
        draft: PolicyDraft { owner: account.id.clone(), description: None, subject: vec![subject], resource, roles },
        state: PolicyState::Active,
        version: 1,
        created_at: Timestamp(1),
        created_by_id: "IBMid-bench".into(),
        last_modified_at: Timestamp(1),
        last_modified_by_id: "IBMid-bench".into(),
    };
    (policy, whom, reached)
}

/// Whom a generated policy is about.
#[derive(Clone, Copy, Debug)]
enum Whom {
    Identity(usize),
    Group(usize),
}

/// The actions `role` holds on `service` in `account`.
fn actions_of(account: &Account, role: &str, service: &str) -> Vec<String> {
    match account.custom_roles.iter().find(|custom| custom.crn() == role) {
        Some(custom) if custom.service_name == service => custom.content.actions.clone(),
        Some(_) => Vec::new(),
        None => access_service(service)
            .map(|s| s.actions_of(role))
            .unwrap_or_default()
            .into_iter()
            .map(str::to_owned)
            .collect(),
    }
}

fn query(account: &Account, identity: usize, resource: &Resource, action: &str) -> AccessQuery {
    AccessQuery {
        subject: account.identities[identity].clone(),
        action: action.to_owned(),
        resource: resource.attributes.clone(),
    }
}

/// A workload of `size` access policies (in accounts of [`POLICIES_PER_ACCOUNT`]) and `per_kind` requests of each
/// [`ProbeKind`]: *allow* is permitted by a policy chosen at random (for a member of its group, on a resource of its
/// scope, with an action of its roles); *deny* is an identity of an account asking for an action on one of the
/// account's resources that none of its policies grants; *unknown account* asks about an account without policies.
/// Each probe's kind is checked by evaluating every policy of its account.
pub fn workload(size: usize, seed: u64, per_kind: usize) -> Workload {
    let mut random = Seeded::new(seed);
    let count = size.div_ceil(POLICIES_PER_ACCOUNT).max(1);
    let accounts: Vec<Account> = (0..count).map(|n| account(n, &mut random)).collect();
    let mut policies = Vec::with_capacity(size);
    let mut generated: Vec<(usize, Whom, Vec<usize>)> = Vec::with_capacity(size);
    let mut by_account: Vec<std::ops::Range<usize>> = Vec::new();
    for (n, account) in accounts.iter().enumerate() {
        let start = policies.len();
        for i in 0..(size - start).min(POLICIES_PER_ACCOUNT) {
            let (policy, whom, reached) = policy(i, account, &mut random);
            policies.push(policy);
            generated.push((n, whom, reached));
        }
        by_account.push(start..policies.len());
    }
    let permitted = |n: usize, query: &AccessQuery| {
        evaluate(&policies[by_account[n].clone()], &accounts[n].custom_roles, query).permitted
    };
    let mut probes = Vec::with_capacity(per_kind * 3);
    for _ in 0..per_kind {
        if !policies.is_empty() {
            probes
                .push(Probe { kind: ProbeKind::Allow, query: allowed(&policies, &generated, &accounts, &mut random) });
            let denied = (0..10_000)
                .map(|_| {
                    let n = random.below(accounts.len());
                    let account = &accounts[n];
                    let resource = pick(&mut random, &account.resources);
                    let actions: Vec<&str> =
                        access_service(resource.service).expect("a known service").actions().map(|(a, _)| a).collect();
                    let action = *pick(&mut random, &actions);
                    (n, query(account, random.below(account.identities.len()), resource, action))
                })
                .find(|(n, query)| !permitted(*n, query))
                .expect("a denied request within 10,000 tries");
            probes.push(Probe { kind: ProbeKind::Deny, query: denied.1 });
        }
        let mut stranger = query(&accounts[0], random.below(USERS), &accounts[0].resources[0], "is.vpc.vpc.read");
        let unknown = account_id(count + random.below(1 << 20));
        stranger.resource.set("accountId".into(), unknown.as_str().into());
        probes.push(Probe { kind: ProbeKind::UnknownAccount, query: stranger });
    }
    for probe in &probes {
        if let Some(n) = accounts.iter().position(|a| Some(a.id.as_str()) == probe.query.resource.get("accountId")) {
            assert_eq!(permitted(n, &probe.query), probe.kind == ProbeKind::Allow, "{probe:?}");
        }
    }
    let custom_roles = accounts.into_iter().flat_map(|account| account.custom_roles).collect();
    Workload { policies, custom_roles, probes }
}

/// A request a policy chosen at random permits.
fn allowed(
    policies: &[Policy],
    generated: &[(usize, Whom, Vec<usize>)],
    accounts: &[Account],
    random: &mut Seeded,
) -> AccessQuery {
    loop {
        let i = random.below(policies.len());
        let (n, whom, reached) = &generated[i];
        let account = &accounts[*n];
        let identity = match whom {
            Whom::Identity(identity) => *identity,
            Whom::Group(group) if account.members[*group].is_empty() => continue,
            Whom::Group(group) => *pick(random, &account.members[*group]),
        };
        let resource = &account.resources[*pick(random, reached)];
        let actions: Vec<String> =
            policies[i].draft.roles.iter().flat_map(|role| actions_of(account, role, resource.service)).collect();
        if actions.is_empty() {
            continue;
        }
        let action = pick(random, &actions).clone();
        return query(account, identity, resource, &action);
    }
}

/// hubspoke's index, deciding access.
pub struct Hubspoke(PolicyIndex);

impl Hubspoke {
    /// Builds the index over the workload's policies and custom roles.
    pub fn load(workload: &Workload) -> Hubspoke {
        let mut index = PolicyIndex::build(&workload.policies, 1, &RoleCatalog);
        for role in &workload.custom_roles {
            index.apply_custom_role(role);
        }
        Hubspoke(index)
    }
}

impl Engine<AccessQuery> for Hubspoke {
    fn name(&self) -> &'static str {
        "hubspoke"
    }

    fn permits(&mut self, query: &AccessQuery) -> bool {
        self.0.access_decision(query).permitted
    }
}

#[cfg(feature = "compare")]
pub mod cedar {
    //! Cedar 4 deciding access: each policy a `permit` whose scope names the user or service ID
    //! (`principal == User::…`) or the access group (`principal in Group::…`, the request's principal carrying its
    //! groups as parents), whose `when` holds the resource attributes, and whose roles are expanded to the actions
    //! they hold on each service the policy reaches (`resource["serviceName"] == … && action in [...]`).

    use std::collections::{HashMap, HashSet};
    use std::str::FromStr;

    use cedar_policy::{
        Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, Request,
        RestrictedExpression,
    };
    use hubspoke_iam::access::AccessQuery;
    use hubspoke_iam::catalog::access::{SERVICES, is_account_management};
    use hubspoke_iam::validate::custom_role_serves;
    use hubspoke_iam::{CustomRole, Operator, Policy};

    use crate::engines::Engine;

    fn quoted(text: &str) -> String {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    }

    /// The policy in Cedar's language, with `custom_roles` (its account's) expanded to their actions. Panics on any
    /// shape the generator does not make: a silent mistranslation would make Cedar's decisions meaningless.
    pub fn text(policy: &Policy, custom_roles: &[CustomRole]) -> String {
        let [subject] = policy.draft.subject.as_slice() else { panic!("one subject attribute: {policy:?}") };
        assert_eq!(subject.operator, Operator::StringEquals, "{policy:?}");
        let who = subject.text().expect("a text subject");
        let principal = match subject.key.as_str() {
            "iam_id" => format!("principal == User::{}", quoted(who)),
            "access_group_id" => format!("principal in Group::{}", quoted(who)),
            other => panic!("no Cedar form for the subject `{other}`"),
        };
        let mut conditions = Vec::new();
        let mut reached: Vec<&str> = SERVICES.iter().map(|service| service.name).collect();
        for attribute in &policy.draft.resource {
            assert_eq!(attribute.operator, Operator::StringEquals, "{policy:?}");
            let value = attribute.text().expect("a text value");
            match attribute.key.as_str() {
                "serviceName" => {
                    assert!(!value.starts_with("is."), "no sub-service in generated policies");
                    reached.retain(|service| *service == value);
                }
                "serviceType" => {
                    let management = value != "service";
                    reached.retain(|service| is_account_management(service) == management);
                }
                "service_group_id" => panic!("no service group in generated policies"),
                key => conditions.push(format!(
                    "resource has {} && resource[{}] == {}",
                    quoted(key),
                    quoted(key),
                    quoted(value)
                )),
            }
        }
        let mut services = Vec::new();
        for service in reached {
            let mut actions: Vec<String> = Vec::new();
            for role in &policy.draft.roles {
                let held: Vec<String> = match custom_roles.iter().find(|custom| &custom.crn() == role) {
                    Some(custom) if custom.account_id == policy.draft.owner && custom_role_serves(custom, service) => {
                        custom.content.actions.clone()
                    }
                    Some(_) => Vec::new(),
                    None => hubspoke_iam::catalog::access::access_service(service)
                        .map(|known| known.actions_of(role).into_iter().map(str::to_owned).collect())
                        .unwrap_or_default(),
                };
                for action in held {
                    if !actions.contains(&action) {
                        actions.push(action);
                    }
                }
            }
            if !actions.is_empty() {
                let list: Vec<String> = actions.iter().map(|action| format!("Action::{}", quoted(action))).collect();
                services.push(format!(
                    "(resource has \"serviceName\" && resource[\"serviceName\"] == {} && action in [{}])",
                    quoted(service),
                    list.join(", ")
                ));
            }
        }
        conditions.push(if services.is_empty() { "false".to_owned() } else { format!("({})", services.join(" || ")) });
        format!("permit({principal}, action, resource) when {{ {} }};\n", conditions.join(" && "))
    }

    fn uid(kind: &str, id: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(EntityTypeName::from_str(kind).unwrap(), EntityId::new(id))
    }

    fn authorize(authorizer: &Authorizer, policies: &PolicySet, query: &AccessQuery) -> bool {
        let groups: HashSet<EntityUid> = query.subject.access_groups.iter().map(|group| uid("Group", group)).collect();
        let principal = uid("User", &query.subject.iam_id);
        let mut entities: Vec<Entity> = groups.iter().map(|group| Entity::with_uid(group.clone())).collect();
        entities.push(Entity::new(principal.clone(), HashMap::new(), groups).expect("a principal"));
        let resource = uid("Resource", query.resource.get("resource").unwrap_or_default());
        let attributes: HashMap<String, RestrictedExpression> = query
            .resource
            .iter()
            .map(|(key, value)| (key.to_owned(), RestrictedExpression::new_string(value.to_owned())))
            .collect();
        entities.push(Entity::new(resource.clone(), attributes, HashSet::new()).expect("a resource"));
        let entities = Entities::from_entities(entities, None).expect("entities");
        let request =
            Request::new(principal, uid("Action", &query.action), resource, Context::empty(), None).expect("request");
        authorizer.is_authorized(&request, policies, &entities).decision() == Decision::Allow
    }

    fn roles_by_account(custom_roles: &[CustomRole]) -> HashMap<&str, Vec<CustomRole>> {
        let mut by_account: HashMap<&str, Vec<CustomRole>> = HashMap::new();
        for role in custom_roles {
            by_account.entry(role.account_id.as_str()).or_default().push(role.clone());
        }
        by_account
    }

    fn texts<'a>(policies: &'a [Policy], custom_roles: &[CustomRole]) -> HashMap<&'a str, String> {
        let roles = roles_by_account(custom_roles);
        let mut texts: HashMap<&str, String> = HashMap::new();
        for policy in policies {
            let owner = policy.draft.owner.as_str();
            let text = text(policy, roles.get(owner).map(Vec::as_slice).unwrap_or_default());
            texts.entry(owner).or_default().push_str(&text);
        }
        texts
    }

    /// Every account's policies in one `PolicySet`.
    pub struct Whole {
        authorizer: Authorizer,
        policies: PolicySet,
    }

    impl Whole {
        /// Translates and parses every policy into one set.
        pub fn load(policies: &[Policy], custom_roles: &[CustomRole]) -> Whole {
            let text: String = texts(policies, custom_roles).into_values().collect();
            Whole { authorizer: Authorizer::new(), policies: PolicySet::from_str(&text).expect("Cedar parses") }
        }
    }

    impl Engine<AccessQuery> for Whole {
        fn name(&self) -> &'static str {
            "Cedar"
        }

        fn permits(&mut self, query: &AccessQuery) -> bool {
            authorize(&self.authorizer, &self.policies, query)
        }
    }

    /// One `PolicySet` per account, chosen by the resource's account.
    pub struct Sliced {
        authorizer: Authorizer,
        slices: HashMap<String, PolicySet>,
        empty: PolicySet,
    }

    impl Sliced {
        /// Translates the policies and parses each account's into its own set.
        pub fn load(policies: &[Policy], custom_roles: &[CustomRole]) -> Sliced {
            let slices = texts(policies, custom_roles)
                .into_iter()
                .map(|(owner, text)| (owner.to_owned(), PolicySet::from_str(&text).expect("Cedar parses")))
                .collect();
            Sliced { authorizer: Authorizer::new(), slices, empty: PolicySet::new() }
        }
    }

    impl Engine<AccessQuery> for Sliced {
        fn name(&self) -> &'static str {
            "Cedar sliced"
        }

        fn permits(&mut self, query: &AccessQuery) -> bool {
            let account = query.resource.get("accountId").unwrap_or_default();
            authorize(&self.authorizer, self.slices.get(account).unwrap_or(&self.empty), query)
        }
    }
}

#[cfg(test)]
mod tests {
    use hubspoke_iam::validate::validate_access;
    use hubspoke_iam::{Dialect, RawAttribute, RawValue, UncheckedDraft};

    use super::*;

    /// Every generated policy is one the API would accept (with its account's custom roles), and the probes mean
    /// what they say in hubspoke's index as in the evaluation the generator checked them with.
    #[test]
    fn policies_are_valid_and_probes_mean_what_they_say() {
        let workload = workload(2_500, 5, 40);
        assert_eq!(workload.policies.len(), 2_500);
        for policy in &workload.policies {
            let raw = |attributes: &[Attribute]| -> Vec<RawAttribute> {
                attributes
                    .iter()
                    .map(|a| RawAttribute {
                        key: a.key.clone(),
                        operator: Some(a.operator.as_str().into()),
                        value: RawValue::Text(a.text().unwrap().to_owned()),
                    })
                    .collect()
            };
            let draft = UncheckedDraft {
                description: None,
                subject: raw(&policy.draft.subject),
                resource: raw(&policy.draft.resource),
                roles: policy.draft.roles.clone(),
            };
            assert_eq!(validate_access(draft, Dialect::V2, &workload.custom_roles).as_ref(), Ok(&policy.draft));
        }
        let mut engine = Hubspoke::load(&workload);
        for probe in &workload.probes {
            assert_eq!(engine.permits(&probe.query), probe.kind == ProbeKind::Allow, "{probe:?}");
        }
    }
}
