//! VPCs: create, read, list, update (name and DNS settings) and delete, with what the topology derives for each.

use std::sync::Arc;

use hubspoke_iam::{AccountId, Caller};
use hubspoke_store::Revision;
use hubspoke_vpc::World;
use hubspoke_vpc::model::{DnsServer, ResolverSetting, Vpc};
use hubspoke_vpc::model::{default_network_acl_id, default_routing_table_id, default_security_group_id};
use hubspoke_vpc::rules::{IfMatch, vpc};
use hubspoke_vpc::topology::{binding_count, resolver_view, vpc_health};

use super::{Activity, GroupReference, Reference, Visible};
use crate::access::Target;
use crate::paging::{Cursor, Page, PageRequest, paginate};
use crate::precondition::{Precondition, Tagged};
use crate::{App, AppResult};

pub use hubspoke_vpc::model::PrefixManagement;
pub use hubspoke_vpc::rules::vpc::{NewResolver, NewVpc, ResolverPatch, VpcPatch};

/// A VPC as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpcRead {
    /// The VPC.
    pub vpc: Vpc,
    /// `dns.resolution_binding_count`.
    pub binding_count: usize,
    /// `dns.resolver.servers`.
    pub servers: Vec<DnsServer>,
    /// `dns.resolver.configuration`, for a `system` resolver.
    pub configuration: Option<&'static str>,
    /// `dns.resolver.vpc`, for a `delegated` resolver.
    pub delegated_to: Option<Reference>,
    /// `health_state`.
    pub health: &'static str,
    /// `health_reasons`, as (code, message).
    pub health_reasons: Vec<(&'static str, String)>,
    /// Its resource group.
    pub resource_group: GroupReference,
    /// `default_network_acl`.
    pub default_network_acl: Reference,
    /// `default_security_group`.
    pub default_security_group: Reference,
    /// `default_routing_table`.
    pub default_routing_table: Reference,
}

impl Tagged for VpcRead {
    fn tagged(&self) -> impl std::fmt::Debug + '_ {
        self
    }
}

/// Which VPCs `GET /vpcs` lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct VpcFilter {
    /// Only those with this `classic_access`.
    pub classic_access: Option<bool>,
    /// Only those in this resource group.
    pub resource_group: Option<String>,
}

/// What a kept read model is filed under: the VPC's address in the world it was read from (a generation of kept
/// models lives no longer than its world), and whether the operator reads it. Only the VPC's own account and the
/// operator see a VPC, so that names the reader without comparing account ids.
pub(crate) type ReadKey = (usize, bool);

/// What a kept page is filed under: the reader (`None` for the operator), the region, the filter and the page.
pub(crate) type PageKey = (Option<AccountId>, &'static str, VpcFilter, PageRequest);

/// A VPC as `visible`'s caller reads it.
pub(crate) fn read(visible: &Visible, vpc: &Vpc) -> VpcRead {
    let world: &World = &visible.world;
    let resolver = resolver_view(world, vpc);
    let delegated_to = match &vpc.resolver {
        ResolverSetting::Delegated { vpc: target } => Some(visible.vpc_reference(target)),
        _ => None,
    };
    let (health, health_reasons) = vpc_health(world, vpc);
    VpcRead {
        vpc: vpc.clone(),
        binding_count: binding_count(world, &vpc.id),
        servers: resolver.servers,
        configuration: resolver.configuration,
        delegated_to,
        health,
        health_reasons,
        resource_group: visible.group_reference(&vpc.account, &vpc.resource_group),
        default_network_acl: companion(
            visible,
            &default_network_acl_id(&vpc.id),
            world.network_acl(&default_network_acl_id(&vpc.id)).map(|a| (&a.name, &a.account)),
        ),
        default_security_group: companion(
            visible,
            &default_security_group_id(&vpc.id),
            world.security_group(&default_security_group_id(&vpc.id)).map(|g| (&g.name, &g.account)),
        ),
        default_routing_table: companion(
            visible,
            &default_routing_table_id(&vpc.id),
            world.routing_table(&default_routing_table_id(&vpc.id)).map(|t| (&t.name, &t.account)),
        ),
    }
}

/// A reference to one of a VPC's default resources, named as it is now.
fn companion(visible: &Visible, id: &str, found: Option<(&String, &hubspoke_iam::AccountId)>) -> Reference {
    match found {
        Some((name, account)) => Reference::to(visible, id, name, account),
        None => Reference::deleted(id),
    }
}

/// The newest first, then by id.
fn newest_first(vpc: &&Vpc) -> Cursor {
    Cursor::newest_first(vpc.created_at, &vpc.id)
}

impl App {
    /// `POST /vpcs`.
    pub async fn create_vpc(&self, caller: &Caller, input: NewVpc) -> AppResult<Arc<VpcRead>> {
        self.authorize(caller, "is.vpc.vpc.create", Target::InGroup(input.resource_group.as_deref())).await?;
        let activity = Activity::creating("is.vpc.vpc.create", "vpc");
        let (id, _) = self.change(caller, activity, |world, ctx| vpc::create(world, ctx, input.clone())).await?;
        self.vpc(caller, &id)
    }

    /// `GET /vpcs/{id}`.
    pub fn vpc(&self, caller: &Caller, id: &str) -> AppResult<Arc<VpcRead>> {
        let visible = self.visible(caller);
        Ok(self.kept_read(&visible, visible.vpc(id)?))
    }

    /// The read model of `vpc`, a VPC of `visible`'s world, as kept for that world or assembled now.
    fn kept_read(&self, visible: &Visible, vpc: &Vpc) -> Arc<VpcRead> {
        debug_assert!(visible.account.as_ref().is_none_or(|reader| *reader == vpc.account));
        let key = (std::ptr::from_ref(vpc) as usize, visible.account.is_none());
        self.kept_vpcs.get_or_make(&visible.world, key, || read(visible, vpc))
    }

    /// `GET /vpcs`: newest first. A page is kept for the world it was read from, like its items.
    pub fn list_vpcs(&self, caller: &Caller, filter: &VpcFilter, page: &PageRequest) -> Arc<Page<Arc<VpcRead>>> {
        let visible = self.visible(caller);
        let key = (visible.account.clone(), visible.region.name, filter.clone(), page.clone());
        self.kept_vpc_pages.get_or_make(&visible.world, key, || {
            let vpcs: Vec<&Vpc> = visible
                .world
                .vpcs()
                .filter(|vpc| visible.sees_at(&vpc.account, &vpc.id))
                .filter(|vpc| filter.classic_access.is_none_or(|wanted| wanted == vpc.classic_access))
                .filter(|vpc| filter.resource_group.as_ref().is_none_or(|g| *g == vpc.resource_group))
                .collect();
            paginate(vpcs, newest_first, page).map(|vpc| self.kept_read(&visible, vpc))
        })
    }

    /// `PATCH /vpcs/{id}` (a merge patch; `If-Match` is required when it sets `manual_servers`).
    pub async fn update_vpc(
        &self,
        caller: &Caller,
        id: &str,
        patch: VpcPatch,
        precondition: &Precondition,
    ) -> AppResult<(Arc<VpcRead>, Revision)> {
        let if_match = if *precondition == Precondition::Absent { IfMatch::Absent } else { IfMatch::Given };
        let (_, revision) = self
            .change_guarded(
                caller,
                Activity::on("is.vpc.vpc.update", "vpc", id),
                |world| self.check_vpc_etag(caller, world, id, precondition),
                |world, ctx| vpc::update(world, ctx, id, patch.clone(), if_match),
            )
            .await?;
        Ok((self.vpc(caller, id)?, revision))
    }

    /// `DELETE /vpcs/{id}`.
    pub async fn delete_vpc(&self, caller: &Caller, id: &str, precondition: &Precondition) -> AppResult<Revision> {
        let (_, revision) = self
            .change_guarded(
                caller,
                Activity::on("is.vpc.vpc.delete", "vpc", id),
                |world| self.check_vpc_etag(caller, world, id, precondition),
                |world, ctx| vpc::delete(world, ctx, id),
            )
            .await?;
        Ok(revision)
    }

    fn check_vpc_etag(&self, caller: &Caller, world: &World, id: &str, precondition: &Precondition) -> AppResult<()> {
        let resource = format!("VPC `{id}`");
        self.check_etag(caller, world, precondition, &resource, |visible| Ok(read(visible, visible.vpc(id)?).etag()))
    }
}
