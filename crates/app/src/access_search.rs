//! Access decisions and searches for AuthZEN callers: an identity's access by the access policies of a resource's
//! account, who holds an action, what an identity may do on a resource, and on which of the account's resources.
//!
//! Everything is read from the replica's in-memory access policies, custom roles and VPC world; only an account's
//! access groups (one read of the account's groups) come from the store, as every access-group read does.
//!
//! Who may ask, as for authorization decisions ([`Visibility`]): whoever may read the resource account's policies
//! sees everything, with the policies that decided; an identity asking about itself, or an account's administrator
//! asking about one of its own service IDs, gets the answers only (what that identity could find out by asking
//! itself); anyone else is refused, so another account learns nothing of the account's policies or resources.

use std::collections::BTreeMap;

use hubspoke_iam::access::search::{
    self, AccessExplanation, Candidate, SubjectAnswer, SubjectKind, explain, search_actions, search_resources,
    search_subjects,
};
use hubspoke_iam::access::{AccessQuery, AccessSubject};
use hubspoke_iam::access_group::PUBLIC_ACCESS_GROUP_ID;
use hubspoke_iam::authority::may_manage_policies_of;
use hubspoke_iam::identity::service_id_entity;
use hubspoke_iam::{AccountId, Caller, PolicyId, RequestAttributes};
use hubspoke_vpc::World;
use hubspoke_vpc::region::region_of_id;

use crate::decisions::Visibility;
use crate::paging::{Cursor, Page, PageRequest, SortPart, paginate};
use crate::{App, AppError, AppResult};

/// One access decision: the explanation (emptied of policies for [`Visibility::DecisionOnly`]), the query it
/// answered (with the identity's groups) and the index revision it was made at.
#[derive(Clone, Debug)]
pub struct AccessAnswer {
    /// The decision and why.
    pub explanation: AccessExplanation,
    /// The question, with the access groups the identity was found in.
    pub query: AccessQuery,
    /// How much of the explanation the caller may see.
    pub visibility: Visibility,
    /// The revision of the policies decided on.
    pub revision: u64,
}

/// The kinds of hubspoke's own resources a resource search lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    /// VPCs (`is`, `vpcId`).
    Vpc,
    /// Subnets (`is`, `subnetId`).
    Subnet,
    /// Endpoint gateways (`is`, `endpointGatewayId`).
    EndpointGateway,
    /// Security groups (`is`, `securityGroupId`).
    SecurityGroup,
    /// Network ACLs (`is`, `networkAclId`).
    NetworkAcl,
    /// Public gateways (`is`, `publicGatewayId`).
    PublicGateway,
    /// DNS Services instances (`dns-svcs`, `serviceInstance`).
    DnsInstance,
    /// Access groups (`iam-groups`, `resource`), the Public Access group included.
    AccessGroup,
}

impl ResourceKind {
    /// Every kind, with its name on the wire.
    pub const ALL: [(ResourceKind, &'static str); 8] = [
        (ResourceKind::Vpc, "vpc"),
        (ResourceKind::Subnet, "subnet"),
        (ResourceKind::EndpointGateway, "endpoint_gateway"),
        (ResourceKind::SecurityGroup, "security_group"),
        (ResourceKind::NetworkAcl, "network_acl"),
        (ResourceKind::PublicGateway, "public_gateway"),
        (ResourceKind::DnsInstance, "dns_instance"),
        (ResourceKind::AccessGroup, "access_group"),
    ];

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<ResourceKind> {
        ResourceKind::ALL.iter().find(|(_, known)| *known == name).map(|(kind, _)| *kind)
    }

    /// Its name on the wire.
    pub fn name(self) -> &'static str {
        ResourceKind::ALL.iter().find(|(kind, _)| *kind == self).map(|(_, name)| *name).unwrap_or_default()
    }
}

/// The key subjects, actions and resources are paged by: their id.
fn by_id(id: &str) -> Cursor {
    Cursor(vec![SortPart::Text(id.to_owned())])
}

impl App {
    /// How much a caller may see of decisions about `iam_id` on resources of the account named by `resource`.
    async fn access_visibility(
        &self,
        caller: &Caller,
        iam_id: &str,
        resource: &RequestAttributes,
    ) -> AppResult<Visibility> {
        let owner = resource.get("accountId").and_then(AccountId::parse);
        if owner.as_ref().is_some_and(|owner| may_manage_policies_of(caller, owner)) {
            return Ok(Visibility::Full);
        }
        if caller.iam_id == iam_id {
            return Ok(Visibility::DecisionOnly);
        }
        if let Some(entity) = service_id_entity(iam_id)
            && self.store.service_id(entity).await?.is_some_and(|record| caller.administers(&record.account))
        {
            return Ok(Visibility::DecisionOnly);
        }
        Err(AppError::Forbidden(
            "you may only ask about an identity's access in an account whose policies you manage, or about yourself and your own account's service IDs"
                .into(),
        ))
    }

    /// The identity with the access groups it belongs to in `account` (none when the account is unknown).
    async fn access_subject(&self, account: Option<&AccountId>, iam_id: &str) -> AppResult<AccessSubject> {
        let access_groups = match account {
            Some(account) => self.access_group_ids_of(account, iam_id).await?,
            None => Vec::new(),
        };
        Ok(AccessSubject { iam_id: iam_id.to_owned(), access_groups })
    }

    /// Decides whether identity `iam_id` may perform `action` on the resource described by `resource` (its
    /// `accountId` names the account whose access policies decide), with the explanation the caller may see.
    pub async fn decide_access(
        &self,
        caller: &Caller,
        iam_id: &str,
        action: &str,
        resource: RequestAttributes,
    ) -> AppResult<AccessAnswer> {
        let visibility = self.access_visibility(caller, iam_id, &resource).await?;
        let account = resource.get("accountId").and_then(AccountId::parse);
        let subject = self.access_subject(account.as_ref(), iam_id).await?;
        let query = AccessQuery { subject, action: action.to_owned(), resource };
        let index = self.replica.index();
        let mut explanation = match &account {
            Some(account) => {
                explain(index.access_policies(account.as_str()), &index.custom_roles_of(account.as_str()), &query)
            }
            None => AccessExplanation::default(),
        };
        let result = if explanation.permitted { "permit" } else { "deny" };
        metrics::counter!("hubspoke_decisions_total", "point" => "authzen", "result" => result).increment(1);
        if visibility == Visibility::DecisionOnly {
            explanation.granted_by.clear();
            explanation.near_misses.clear();
        }
        Ok(AccessAnswer { explanation, query, visibility, revision: index.revision() })
    }

    /// Who holds `action` on the resource described by `resource`: the subjects of `kind` of its account's access
    /// policies, access groups expanded to their members. Only whoever may read that account's policies may ask.
    pub async fn search_access_subjects(
        &self,
        caller: &Caller,
        kind: SubjectKind,
        action: &str,
        resource: &RequestAttributes,
        page: &PageRequest,
    ) -> AppResult<(Page<search::FoundSubject>, Vec<PolicyId>)> {
        let account = resource
            .get("accountId")
            .and_then(AccountId::parse)
            .filter(|account| may_manage_policies_of(caller, account))
            .ok_or_else(|| {
                AppError::Forbidden(
                    "you may only search the subjects of an account whose policies you manage: `resource.properties.accountId` must name it"
                        .into(),
                )
            })?;
        let groups = self.store.access_groups(&account).await?;
        let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (group, member) in &groups.members {
            members.entry(group.clone()).or_default().push(member.iam_id.clone());
        }
        let members_of = |group: &str| members.get(group).cloned().unwrap_or_default();
        let index = self.replica.index();
        let SubjectAnswer { found, public_access } = search_subjects(
            index.access_policies(account.as_str()),
            &index.custom_roles_of(account.as_str()),
            action,
            resource,
            kind,
            &members_of,
        );
        Ok((paginate(found, |subject| by_id(&subject.id), page), public_access))
    }

    /// The actions of the resource's service that identity `iam_id` may perform on the resource described by
    /// `resource`, by name, each with its granting policies (none shown for [`Visibility::DecisionOnly`]).
    pub async fn search_access_actions(
        &self,
        caller: &Caller,
        iam_id: &str,
        resource: &RequestAttributes,
        page: &PageRequest,
    ) -> AppResult<(Page<(String, Vec<PolicyId>)>, Visibility)> {
        let visibility = self.access_visibility(caller, iam_id, resource).await?;
        let account = resource.get("accountId").and_then(AccountId::parse);
        let subject = self.access_subject(account.as_ref(), iam_id).await?;
        let found = match &account {
            Some(account) => {
                let index = self.replica.index();
                search_actions(
                    index.access_policies(account.as_str()),
                    &index.custom_roles_of(account.as_str()),
                    &subject,
                    resource,
                )
            }
            None => Vec::new(),
        };
        let page = paginate(found, |(action, _)| by_id(action), page);
        Ok((hide(page, visibility), visibility))
    }

    /// The resources of `kind` in `account` that identity `iam_id` may perform `action` on, by id, each with the
    /// attributes a decision about it reads and its granting policies (none shown for [`Visibility::DecisionOnly`]).
    pub async fn search_access_resources(
        &self,
        caller: &Caller,
        iam_id: &str,
        action: &str,
        kind: ResourceKind,
        account: &AccountId,
        page: &PageRequest,
    ) -> AppResult<(Page<(Candidate, Vec<PolicyId>)>, Visibility)> {
        let scope = RequestAttributes::new([("accountId", account.as_str())]);
        let visibility = self.access_visibility(caller, iam_id, &scope).await?;
        let subject = self.access_subject(Some(account), iam_id).await?;
        let candidates = match kind {
            ResourceKind::AccessGroup => {
                let groups = self.store.access_groups(account).await?;
                let ids =
                    std::iter::once(PUBLIC_ACCESS_GROUP_ID.to_owned()).chain(groups.groups.into_iter().map(|g| g.id));
                ids.map(|id| {
                    let attributes = RequestAttributes::new([
                        ("accountId", account.as_str()),
                        ("serviceName", "iam-groups"),
                        ("resourceType", kind.name()),
                        ("resource", id.as_str()),
                    ]);
                    Candidate { kind: kind.name().to_owned(), id, attributes }
                })
                .collect()
            }
            _ => world_candidates(&self.replica.world(), account, kind),
        };
        let index = self.replica.index();
        let found = search_resources(
            index.access_policies(account.as_str()),
            &index.custom_roles_of(account.as_str()),
            &subject,
            action,
            candidates,
        );
        let page = paginate(found, |(candidate, _)| by_id(&candidate.id), page);
        Ok((hide(page, visibility), visibility))
    }
}

/// A page with the granting policies taken out when the caller may not see them.
fn hide<T>(page: Page<(T, Vec<PolicyId>)>, visibility: Visibility) -> Page<(T, Vec<PolicyId>)> {
    match visibility {
        Visibility::Full => page,
        Visibility::DecisionOnly => page.map(|(item, _)| (item, Vec::new())),
    }
}

/// The account's VPC and DNS Services resources of `kind` in the world, each with the attributes IBM's access
/// policies name for it: `accountId`, `serviceName`, `region` (VPC resources), `resourceGroupId`, the id under its
/// own attribute (`vpcId`, `subnetId`, …; a VPC's attribute does not reach its subnets, as on IBM), and `resourceType`
/// and `resource`, which an AuthZEN evaluation derives from a resource's `type` and `id`.
fn world_candidates(world: &World, account: &AccountId, kind: ResourceKind) -> Vec<Candidate> {
    let owned = |owner: &AccountId| owner == account;
    let mut found: Vec<(&str, &str, &'static str, &'static str)> = Vec::new();
    match kind {
        ResourceKind::Vpc => found
            .extend(world.vpcs().filter(|v| owned(&v.account)).map(|v| (&*v.id, &*v.resource_group, "is", "vpcId"))),
        ResourceKind::Subnet => found.extend(
            world.subnets().filter(|s| owned(&s.account)).map(|s| (&*s.id, &*s.resource_group, "is", "subnetId")),
        ),
        ResourceKind::EndpointGateway => found.extend(
            world
                .gateways()
                .filter(|g| owned(&g.account))
                .map(|g| (&*g.id, &*g.resource_group, "is", "endpointGatewayId")),
        ),
        ResourceKind::SecurityGroup => found.extend(
            world
                .security_groups()
                .filter(|g| owned(&g.account))
                .map(|g| (&*g.id, &*g.resource_group, "is", "securityGroupId")),
        ),
        ResourceKind::NetworkAcl => found.extend(
            world
                .network_acls()
                .filter(|a| owned(&a.account))
                .map(|a| (&*a.id, &*a.resource_group, "is", "networkAclId")),
        ),
        ResourceKind::PublicGateway => found.extend(
            world
                .public_gateways()
                .filter(|g| owned(&g.account))
                .map(|g| (&*g.id, &*g.resource_group, "is", "publicGatewayId")),
        ),
        ResourceKind::DnsInstance => found.extend(
            world
                .service_instances()
                .filter(|i| owned(&i.account) && i.removed_at.is_none())
                .map(|i| (&*i.id, &*i.resource_group, "dns-svcs", "serviceInstance")),
        ),
        ResourceKind::AccessGroup => {}
    }
    found
        .into_iter()
        .map(|(id, resource_group, service, id_attribute)| {
            let mut attributes = RequestAttributes::new([
                ("accountId", account.as_str()),
                ("serviceName", service),
                ("resourceType", kind.name()),
                ("resource", id),
                (id_attribute, id),
            ]);
            if service == "is"
                && let Some(region) = region_of_id(id)
            {
                attributes.set("region".into(), region.name.to_owned());
            }
            if !resource_group.is_empty() {
                attributes.set("resourceGroupId".into(), resource_group.to_owned());
            }
            Candidate { kind: kind.name().to_owned(), id: id.to_owned(), attributes }
        })
        .collect()
}
