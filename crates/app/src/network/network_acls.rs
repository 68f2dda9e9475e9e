//! Network ACLs and their ordered rules: create, read, list, rename, delete, rule create, read, update and delete,
//! and which ACL a subnet uses.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::World;
use hubspoke_vpc::model::{NetworkAcl, NetworkAclRule};
use hubspoke_vpc::rules::network_acl;

use super::{Activity, GroupReference, Reference, Visible};
use crate::access::Target;
use crate::paging::{Cursor, Page, PageRequest, SortPart, paginate};
use crate::precondition::{Precondition, Tagged};
use crate::{App, AppResult};

pub use hubspoke_vpc::model::AclAction;
pub use hubspoke_vpc::rules::network_acl::{AclRulePatch, NewAcl, NewAclRule};

/// A network ACL as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkAclRead {
    /// The ACL, with its rules in order.
    pub acl: NetworkAcl,
    /// Its VPC.
    pub vpc: Reference,
    /// The subnets attached to it.
    pub subnets: Vec<Reference>,
    /// Its resource group.
    pub resource_group: GroupReference,
}

impl Tagged for NetworkAclRead {
    fn tagged(&self) -> impl std::fmt::Debug + '_ {
        self
    }
}

/// A rule of a network ACL as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkAclRuleRead {
    /// The ACL's id.
    pub acl: String,
    /// The rule.
    pub rule: NetworkAclRule,
    /// The rule after it, which IBM shows as `before`.
    pub before: Option<Reference>,
}

/// Which ACLs `GET /network_acls` lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkAclFilter {
    /// `resource_group.id`.
    pub resource_group: Option<String>,
    /// `vpc.id` (hubspoke also accepts it, as the console and CLI filter by VPC).
    pub vpc_id: Option<String>,
}

fn read(visible: &Visible, acl: &NetworkAcl) -> NetworkAclRead {
    let subnets = visible
        .world
        .subnets()
        .filter(|subnet| subnet.network_acl == acl.id)
        .map(|subnet| Reference::to(visible, &subnet.id, &subnet.name, &subnet.account))
        .collect();
    NetworkAclRead {
        acl: acl.clone(),
        vpc: visible.vpc_reference(&acl.vpc),
        subnets,
        resource_group: visible.group_reference(&acl.account, &acl.resource_group),
    }
}

/// Every rule of `acl` as read, in order, each naming the one after it.
pub fn read_rules(acl: &NetworkAcl) -> Vec<NetworkAclRuleRead> {
    acl.rules
        .iter()
        .enumerate()
        .map(|(index, rule)| NetworkAclRuleRead {
            acl: acl.id.clone(),
            rule: rule.clone(),
            before: acl.rules.get(index + 1).map(|next| Reference {
                id: next.id.clone(),
                name: Some(next.name.clone()),
                account: Some(acl.account.clone()),
                remote: false,
            }),
        })
        .collect()
}

impl Visible {
    /// A network ACL the caller may see, or 404.
    pub fn network_acl(&self, id: &str) -> AppResult<&NetworkAcl> {
        super::visible(self.world.network_acl(id).filter(|a| self.sees_at(&a.account, id)), "network ACL", id)
    }
}

impl App {
    /// `POST /network_acls`.
    pub async fn create_network_acl(&self, caller: &Caller, input: NewAcl) -> AppResult<NetworkAclRead> {
        self.authorize(caller, "is.network-acl.network-acl.create", Target::InGroup(input.resource_group.as_deref()))
            .await?;
        let activity = Activity::creating("is.network-acl.network-acl.create", "network_acl");
        let (id, _) =
            self.change(caller, activity, |world, ctx| network_acl::create(world, ctx, input.clone())).await?;
        self.network_acl(caller, &id)
    }

    /// `GET /network_acls/{id}`.
    pub fn network_acl(&self, caller: &Caller, id: &str) -> AppResult<NetworkAclRead> {
        let visible = self.visible(caller);
        Ok(read(&visible, visible.network_acl(id)?))
    }

    /// `GET /vpcs/{id}/default_network_acl`.
    pub fn vpc_default_network_acl(&self, caller: &Caller, vpc: &str) -> AppResult<NetworkAclRead> {
        let visible = self.visible(caller);
        let vpc = visible.vpc(vpc)?;
        Ok(read(&visible, visible.network_acl(&hubspoke_vpc::model::default_network_acl_id(&vpc.id))?))
    }

    /// `GET /network_acls`: newest first.
    pub fn list_network_acls(
        &self,
        caller: &Caller,
        filter: &NetworkAclFilter,
        page: &PageRequest,
    ) -> Page<NetworkAclRead> {
        let visible = self.visible(caller);
        let acls: Vec<&NetworkAcl> = visible
            .world
            .network_acls()
            .filter(|a| visible.sees_at(&a.account, &a.id))
            .filter(|a| filter.vpc_id.as_ref().is_none_or(|vpc| *vpc == a.vpc))
            .filter(|a| filter.resource_group.as_ref().is_none_or(|g| *g == a.resource_group))
            .collect();
        let newest_first = |a: &&NetworkAcl| Cursor::newest_first(a.created_at, &a.id);
        paginate(acls, newest_first, page).map(|acl| read(&visible, acl))
    }

    /// `PATCH /network_acls/{id}`: renames it (a request without a name changes nothing).
    pub async fn rename_network_acl(
        &self,
        caller: &Caller,
        id: &str,
        name: Option<&str>,
        precondition: &Precondition,
    ) -> AppResult<NetworkAclRead> {
        self.rename_checked(
            caller,
            Activity::on("is.network-acl.network-acl.update", "network_acl", id),
            name,
            |world| self.check_network_acl_etag(caller, world, id, precondition),
            |world, ctx, name| network_acl::rename(world, ctx, id, name),
        )
        .await?;
        self.network_acl(caller, id)
    }

    /// `DELETE /network_acls/{id}`.
    pub async fn delete_network_acl(
        &self,
        caller: &Caller,
        id: &str,
        precondition: &Precondition,
    ) -> AppResult<Revision> {
        let (_, revision) = self
            .change_guarded(
                caller,
                Activity::on("is.network-acl.network-acl.delete", "network_acl", id),
                |world| self.check_network_acl_etag(caller, world, id, precondition),
                |world, ctx| network_acl::delete(world, ctx, id),
            )
            .await?;
        Ok(revision)
    }

    fn check_network_acl_etag(
        &self,
        caller: &Caller,
        world: &World,
        id: &str,
        precondition: &Precondition,
    ) -> AppResult<()> {
        let resource = format!("network ACL `{id}`");
        self.check_etag(caller, world, precondition, &resource, |visible| {
            Ok(read(visible, visible.network_acl(id)?).etag())
        })
    }

    /// `GET /network_acls/{id}/rules`: in evaluation order, optionally one direction, paged.
    pub fn list_network_acl_rules(
        &self,
        caller: &Caller,
        id: &str,
        direction: Option<hubspoke_vpc::model::Direction>,
        page: &PageRequest,
    ) -> AppResult<Page<NetworkAclRuleRead>> {
        let visible = self.visible(caller);
        let acl = visible.network_acl(id)?;
        // The cursor is the rule's position; a page token therefore names a place in the order, as IBM's does.
        let rules: Vec<(usize, NetworkAclRuleRead)> = read_rules(acl)
            .into_iter()
            .enumerate()
            .filter(|(_, read)| direction.is_none_or(|d| read.rule.direction == d))
            .collect();
        let by_position = |entry: &(usize, NetworkAclRuleRead)| Cursor(vec![SortPart::Int(entry.0 as i64)]);
        Ok(paginate(rules, by_position, page).map(|(_, read)| read))
    }

    /// `POST /network_acls/{id}/rules`.
    pub async fn create_network_acl_rule(
        &self,
        caller: &Caller,
        id: &str,
        input: NewAclRule,
    ) -> AppResult<NetworkAclRuleRead> {
        let activity = Activity::creating("is.network-acl.rule.create", "network_acl_rule");
        let (rule, _) =
            self.change(caller, activity, |world, ctx| network_acl::create_rule(world, ctx, id, input.clone())).await?;
        self.network_acl_rule(caller, id, &rule)
    }

    /// `GET /network_acls/{id}/rules/{rule}`.
    pub fn network_acl_rule(&self, caller: &Caller, acl: &str, id: &str) -> AppResult<NetworkAclRuleRead> {
        let visible = self.visible(caller);
        let acl = visible.network_acl(acl)?;
        let found = read_rules(acl).into_iter().find(|read| read.rule.id == id);
        super::visible(found.as_ref(), "network ACL rule", id).cloned()
    }

    /// `PATCH /network_acls/{id}/rules/{rule}`.
    pub async fn update_network_acl_rule(
        &self,
        caller: &Caller,
        acl: &str,
        id: &str,
        patch: AclRulePatch,
    ) -> AppResult<NetworkAclRuleRead> {
        let activity = Activity::on("is.network-acl.rule.update", "network_acl_rule", id);
        self.change(caller, activity, |world, ctx| network_acl::update_rule(world, ctx, acl, id, patch.clone()))
            .await?;
        self.network_acl_rule(caller, acl, id)
    }

    /// `DELETE /network_acls/{id}/rules/{rule}`.
    pub async fn delete_network_acl_rule(&self, caller: &Caller, acl: &str, id: &str) -> AppResult<Revision> {
        let activity = Activity::on("is.network-acl.rule.delete", "network_acl_rule", id);
        let (_, revision) =
            self.change(caller, activity, |world, ctx| network_acl::delete_rule(world, ctx, acl, id)).await?;
        Ok(revision)
    }

    /// `GET /subnets/{id}/network_acl`.
    pub fn subnet_network_acl(&self, caller: &Caller, subnet: &str) -> AppResult<NetworkAclRead> {
        let visible = self.visible(caller);
        let subnet = visible.subnet(subnet)?;
        Ok(read(&visible, visible.network_acl(&subnet.network_acl)?))
    }

    /// `PUT /subnets/{id}/network_acl`: attaches another ACL of the subnet's VPC.
    pub async fn replace_subnet_network_acl(
        &self,
        caller: &Caller,
        subnet: &str,
        acl: &str,
    ) -> AppResult<NetworkAclRead> {
        let activity = Activity::on("is.subnet.subnet.update", "subnet", subnet);
        self.change(caller, activity, |world, ctx| network_acl::replace_subnet_acl(world, ctx, subnet, acl)).await?;
        self.subnet_network_acl(caller, subnet)
    }
}
