//! Security groups, their rules and their targets: create, read, list, rename, delete, and rule create, read, update
//! and delete.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::World;
use hubspoke_vpc::model::{SecurityGroup, SecurityGroupRule};
use hubspoke_vpc::region::crn;
use hubspoke_vpc::rules::security_group;

use super::{Activity, GroupReference, Reference, Visible};
use crate::access::Target;
use crate::paging::{Cursor, Page, PageRequest, SortPart, paginate};
use crate::precondition::{Precondition, Tagged};
use crate::{App, AppResult};

pub use hubspoke_vpc::model::{Direction, Local, PortRange, Remote, RuleProtocol};
pub use hubspoke_vpc::rules::security_group::{NewSecurityGroup, NewSecurityGroupRule, SecurityGroupRulePatch};

/// A security group as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityGroupRead {
    /// The group, with its rules.
    pub group: SecurityGroup,
    /// Its VPC.
    pub vpc: Reference,
    /// The names of the groups its rules name as `remote`, by id (a deleted one is absent).
    pub remote_groups: Vec<Reference>,
    /// Its targets: the endpoint gateways that use it.
    pub targets: Vec<Reference>,
    /// Its resource group.
    pub resource_group: GroupReference,
}

impl Tagged for SecurityGroupRead {
    fn tagged(&self) -> impl std::fmt::Debug + '_ {
        self
    }
}

/// A rule of a security group as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityGroupRuleRead {
    /// The group's id.
    pub group: String,
    /// The rule.
    pub rule: SecurityGroupRule,
    /// The group its `remote` names, if it names one.
    pub remote_group: Option<Reference>,
}

/// Which groups `GET /security_groups` lists; every filter set must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecurityGroupFilter {
    /// `vpc.id`.
    pub vpc_id: Option<String>,
    /// `vpc.crn`.
    pub vpc_crn: Option<String>,
    /// `vpc.name`.
    pub vpc_name: Option<String>,
    /// `resource_group.id`.
    pub resource_group: Option<String>,
}

fn group_reference(visible: &Visible, id: &str) -> Reference {
    match visible.world.security_group(id) {
        Some(group) => Reference::to(visible, &group.id, &group.name, &group.account),
        None => Reference::deleted(id),
    }
}

fn read(visible: &Visible, group: &SecurityGroup) -> SecurityGroupRead {
    let mut remote_groups: Vec<Reference> = Vec::new();
    for rule in &group.rules {
        if let Remote::Group(id) = &rule.remote
            && !remote_groups.iter().any(|r| r.id == *id)
        {
            remote_groups.push(group_reference(visible, id));
        }
    }
    let targets = visible
        .world
        .gateways()
        .filter(|gateway| gateway.security_groups.contains(&group.id))
        .map(|gateway| Reference::to(visible, &gateway.id, &gateway.name, &gateway.account))
        .collect();
    SecurityGroupRead {
        group: group.clone(),
        vpc: visible.vpc_reference(&group.vpc),
        remote_groups,
        targets,
        resource_group: visible.group_reference(&group.account, &group.resource_group),
    }
}

fn read_rule(visible: &Visible, group: &SecurityGroup, rule: &SecurityGroupRule) -> SecurityGroupRuleRead {
    let remote_group = match &rule.remote {
        Remote::Group(id) => Some(group_reference(visible, id)),
        _ => None,
    };
    SecurityGroupRuleRead { group: group.id.clone(), rule: rule.clone(), remote_group }
}

impl SecurityGroupFilter {
    fn matches(&self, visible: &Visible, group: &SecurityGroup) -> bool {
        let vpc = visible.world.vpc(&group.vpc);
        self.vpc_id.as_ref().is_none_or(|id| *id == group.vpc)
            && self.vpc_crn.as_ref().is_none_or(|c| vpc.is_some_and(|vpc| crn(&vpc.account, "vpc", &vpc.id) == *c))
            && self.vpc_name.as_ref().is_none_or(|name| vpc.is_some_and(|vpc| vpc.name == *name))
            && self.resource_group.as_ref().is_none_or(|g| *g == group.resource_group)
    }
}

impl Visible {
    /// A security group the caller may see, or 404.
    pub fn security_group(&self, id: &str) -> AppResult<&SecurityGroup> {
        super::visible(self.world.security_group(id).filter(|g| self.sees_at(&g.account, id)), "security group", id)
    }

    /// A rule of a visible security group, or 404.
    pub fn security_group_rule(&self, group: &str, id: &str) -> AppResult<(&SecurityGroup, &SecurityGroupRule)> {
        let group = self.security_group(group)?;
        let rule = super::visible(group.rules.iter().find(|rule| rule.id == id), "security group rule", id)?;
        Ok((group, rule))
    }
}

impl App {
    /// `POST /security_groups`.
    pub async fn create_security_group(
        &self,
        caller: &Caller,
        input: NewSecurityGroup,
    ) -> AppResult<SecurityGroupRead> {
        self.authorize(
            caller,
            "is.security-group.security-group.create",
            Target::InGroup(input.resource_group.as_deref()),
        )
        .await?;
        let activity = Activity::creating("is.security-group.security-group.create", "security_group");
        let (id, _) =
            self.change(caller, activity, |world, ctx| security_group::create(world, ctx, input.clone())).await?;
        self.security_group(caller, &id)
    }

    /// `GET /security_groups/{id}`.
    pub fn security_group(&self, caller: &Caller, id: &str) -> AppResult<SecurityGroupRead> {
        let visible = self.visible(caller);
        Ok(read(&visible, visible.security_group(id)?))
    }

    /// `GET /vpcs/{id}/default_security_group`.
    pub fn vpc_default_security_group(&self, caller: &Caller, vpc: &str) -> AppResult<SecurityGroupRead> {
        let visible = self.visible(caller);
        let vpc = visible.vpc(vpc)?;
        Ok(read(&visible, visible.security_group(&hubspoke_vpc::model::default_security_group_id(&vpc.id))?))
    }

    /// `GET /security_groups`: newest first.
    pub fn list_security_groups(
        &self,
        caller: &Caller,
        filter: &SecurityGroupFilter,
        page: &PageRequest,
    ) -> Page<SecurityGroupRead> {
        let visible = self.visible(caller);
        let groups: Vec<&SecurityGroup> = visible
            .world
            .security_groups()
            .filter(|g| visible.sees_at(&g.account, &g.id) && filter.matches(&visible, g))
            .collect();
        let newest_first = |g: &&SecurityGroup| Cursor::newest_first(g.created_at, &g.id);
        paginate(groups, newest_first, page).map(|group| read(&visible, group))
    }

    /// `PATCH /security_groups/{id}`: renames it (a request without a name changes nothing).
    pub async fn rename_security_group(
        &self,
        caller: &Caller,
        id: &str,
        name: Option<&str>,
        precondition: &Precondition,
    ) -> AppResult<SecurityGroupRead> {
        self.rename_checked(
            caller,
            Activity::on("is.security-group.security-group.update", "security_group", id),
            name,
            |world| self.check_security_group_etag(caller, world, id, precondition),
            |world, ctx, name| security_group::rename(world, ctx, id, name),
        )
        .await?;
        self.security_group(caller, id)
    }

    /// `DELETE /security_groups/{id}`.
    pub async fn delete_security_group(
        &self,
        caller: &Caller,
        id: &str,
        precondition: &Precondition,
    ) -> AppResult<Revision> {
        let (_, revision) = self
            .change_guarded(
                caller,
                Activity::on("is.security-group.security-group.delete", "security_group", id),
                |world| self.check_security_group_etag(caller, world, id, precondition),
                |world, ctx| security_group::delete(world, ctx, id),
            )
            .await?;
        Ok(revision)
    }

    fn check_security_group_etag(
        &self,
        caller: &Caller,
        world: &World,
        id: &str,
        precondition: &Precondition,
    ) -> AppResult<()> {
        let resource = format!("security group `{id}`");
        self.check_etag(caller, world, precondition, &resource, |visible| {
            Ok(read(visible, visible.security_group(id)?).etag())
        })
    }

    /// `GET /security_groups/{id}/rules`: every rule, in creation order (IBM does not page them).
    pub fn list_security_group_rules(&self, caller: &Caller, id: &str) -> AppResult<Vec<SecurityGroupRuleRead>> {
        let visible = self.visible(caller);
        let group = visible.security_group(id)?;
        Ok(group.rules.iter().map(|rule| read_rule(&visible, group, rule)).collect())
    }

    /// `POST /security_groups/{id}/rules`.
    pub async fn create_security_group_rule(
        &self,
        caller: &Caller,
        id: &str,
        input: NewSecurityGroupRule,
    ) -> AppResult<SecurityGroupRuleRead> {
        let activity = Activity::creating("is.security-group.rule.create", "security_group_rule");
        let (rule, _) = self
            .change(caller, activity, |world, ctx| security_group::create_rule(world, ctx, id, input.clone()))
            .await?;
        self.security_group_rule(caller, id, &rule)
    }

    /// `GET /security_groups/{id}/rules/{rule}`.
    pub fn security_group_rule(&self, caller: &Caller, group: &str, id: &str) -> AppResult<SecurityGroupRuleRead> {
        let visible = self.visible(caller);
        let (group, rule) = visible.security_group_rule(group, id)?;
        Ok(read_rule(&visible, group, rule))
    }

    /// `PATCH /security_groups/{id}/rules/{rule}`.
    pub async fn update_security_group_rule(
        &self,
        caller: &Caller,
        group: &str,
        id: &str,
        patch: SecurityGroupRulePatch,
    ) -> AppResult<SecurityGroupRuleRead> {
        let activity = Activity::on("is.security-group.rule.update", "security_group_rule", id);
        self.change(caller, activity, |world, ctx| security_group::update_rule(world, ctx, group, id, patch.clone()))
            .await?;
        self.security_group_rule(caller, group, id)
    }

    /// `DELETE /security_groups/{id}/rules/{rule}`.
    pub async fn delete_security_group_rule(&self, caller: &Caller, group: &str, id: &str) -> AppResult<Revision> {
        let activity = Activity::on("is.security-group.rule.delete", "security_group_rule", id);
        let (_, revision) =
            self.change(caller, activity, |world, ctx| security_group::delete_rule(world, ctx, group, id)).await?;
        Ok(revision)
    }

    /// `PUT /security_groups/{id}/targets/{target}`: adds the group to an endpoint gateway of its VPC.
    pub async fn add_security_group_target(&self, caller: &Caller, id: &str, target: &str) -> AppResult<Reference> {
        let activity = Activity::on("is.security-group.security-group.update", "security_group", id);
        self.change(caller, activity, |world, ctx| security_group::add_target(world, ctx, id, target)).await?;
        self.security_group_target(caller, id, target)
    }

    /// `GET /security_groups/{id}/targets/{target}`.
    pub fn security_group_target(&self, caller: &Caller, id: &str, target: &str) -> AppResult<Reference> {
        let visible = self.visible(caller);
        let group = read(&visible, visible.security_group(id)?);
        let found = group.targets.iter().find(|t| t.id == target);
        super::visible(found, "security group target", target).cloned()
    }

    /// `DELETE /security_groups/{id}/targets/{target}`.
    pub async fn remove_security_group_target(&self, caller: &Caller, id: &str, target: &str) -> AppResult<Revision> {
        let activity = Activity::on("is.security-group.security-group.update", "security_group", id);
        let (_, revision) =
            self.change(caller, activity, |world, ctx| security_group::remove_target(world, ctx, id, target)).await?;
        Ok(revision)
    }

    /// `GET /security_groups/{id}/targets`: the endpoint gateways that use it, by id, paged like every VPC list.
    pub fn list_security_group_targets(
        &self,
        caller: &Caller,
        id: &str,
        page: &PageRequest,
    ) -> AppResult<Page<Reference>> {
        let visible = self.visible(caller);
        let group = read(&visible, visible.security_group(id)?);
        let by_id = |target: &&Reference| Cursor(vec![SortPart::Text(target.id.clone())]);
        let targets: Vec<&Reference> = group.targets.iter().collect();
        Ok(paginate(targets, by_id, page).map(|target| target.clone()))
    }
}
