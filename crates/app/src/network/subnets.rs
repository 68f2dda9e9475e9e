//! Subnets and their reserved IPs: create, read, list, rename and delete.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::World;
use hubspoke_vpc::model::{IpTarget, ReservedIp, Subnet};
use hubspoke_vpc::rules::subnet;

use super::{Activity, GroupReference, Reference, Visible};
use crate::access::Target;
use crate::paging::{Cursor, Page, PageRequest, SortPart, paginate};
use crate::precondition::{Precondition, Tagged};
use crate::{App, AppResult};

pub use hubspoke_vpc::model::IpOwner;
pub use hubspoke_vpc::rules::subnet::{NewReservedIp, NewSubnet, ReservedIpPatch, SubnetRange};

/// A subnet as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubnetRead {
    /// The subnet.
    pub subnet: Subnet,
    /// Its VPC.
    pub vpc: Reference,
    /// How many of its addresses are reserved (IBM's four not included).
    pub reserved: u64,
    /// Its resource group.
    pub resource_group: GroupReference,
    /// Its network ACL.
    pub network_acl: Reference,
    /// Its routing table (its VPC's default: hubspoke has no other).
    pub routing_table: Reference,
    /// Its public gateway, if it has one.
    pub public_gateway: Option<Reference>,
}

impl Tagged for SubnetRead {
    fn tagged(&self) -> impl std::fmt::Debug + '_ {
        self
    }
}

/// A reserved IP as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReservedIpRead {
    /// The reserved IP.
    pub ip: ReservedIp,
    /// The endpoint gateway it is bound to, if any.
    pub target: Option<Reference>,
}

/// Which subnets `GET /subnets` lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubnetFilter {
    /// Only those of this VPC.
    pub vpc: Option<String>,
    /// Only those in this zone.
    pub zone: Option<String>,
    /// `resource_group.id`.
    pub resource_group: Option<String>,
}

fn read(visible: &Visible, subnet: &Subnet) -> SubnetRead {
    SubnetRead {
        subnet: subnet.clone(),
        vpc: visible.vpc_reference(&subnet.vpc),
        reserved: visible.world.reserved_ips_of(&subnet.id).count() as u64,
        resource_group: visible.group_reference(&subnet.account, &subnet.resource_group),
        network_acl: match visible.world.network_acl(&subnet.network_acl) {
            Some(acl) => Reference::to(visible, &acl.id, &acl.name, &acl.account),
            None => Reference::deleted(&subnet.network_acl),
        },
        routing_table: {
            let id = hubspoke_vpc::model::default_routing_table_id(&subnet.vpc);
            match visible.world.routing_table(&id) {
                Some(table) => Reference::to(visible, &table.id, &table.name, &table.account),
                None => Reference::deleted(&id),
            }
        },
        public_gateway: subnet.public_gateway.as_deref().map(|id| match visible.world.public_gateway(id) {
            Some(gateway) => Reference::to(visible, &gateway.id, &gateway.name, &gateway.account),
            None => Reference::deleted(id),
        }),
    }
}

/// A reserved IP as `visible`'s caller reads it (a gateway's IPs are listed through the gateway too).
pub(crate) fn read_ip(visible: &Visible, ip: &ReservedIp) -> ReservedIpRead {
    let target = match &ip.target {
        Some(IpTarget::EndpointGateway(gateway)) => visible.world.gateway(gateway).map(|gateway| Reference {
            id: gateway.id.clone(),
            name: Some(gateway.name.clone()),
            account: Some(gateway.account.clone()),
            remote: false,
        }),
        _ => None,
    };
    ReservedIpRead { ip: ip.clone(), target }
}

/// Reserved IPs in address order, then by id.
pub(crate) fn by_address(ip: &&ReservedIp) -> Cursor {
    Cursor(vec![SortPart::Int(i64::from(u32::from(ip.address))), SortPart::Text(ip.id.clone())])
}

impl App {
    /// `POST /subnets`, with `ipv4_cidr_block` or `total_ipv4_address_count`.
    pub async fn create_subnet(&self, caller: &Caller, input: NewSubnet) -> AppResult<SubnetRead> {
        self.authorize(caller, "is.subnet.subnet.create", Target::InGroup(input.resource_group.as_deref())).await?;
        let activity = Activity::creating("is.subnet.subnet.create", "subnet");
        let (id, _) = self.change(caller, activity, |world, ctx| subnet::create(world, ctx, input.clone())).await?;
        self.subnet(caller, &id)
    }

    /// `GET /subnets/{id}`.
    pub fn subnet(&self, caller: &Caller, id: &str) -> AppResult<SubnetRead> {
        let visible = self.visible(caller);
        Ok(read(&visible, visible.subnet(id)?))
    }

    /// `GET /subnets`: newest first.
    pub fn list_subnets(&self, caller: &Caller, filter: &SubnetFilter, page: &PageRequest) -> Page<SubnetRead> {
        let visible = self.visible(caller);
        let subnets: Vec<&Subnet> = visible
            .world
            .subnets()
            .filter(|s| visible.sees_at(&s.account, &s.id))
            .filter(|s| filter.vpc.as_ref().is_none_or(|vpc| *vpc == s.vpc))
            .filter(|s| filter.zone.as_ref().is_none_or(|zone| *zone == s.zone))
            .filter(|s| filter.resource_group.as_ref().is_none_or(|g| *g == s.resource_group))
            .collect();
        let newest_first = |s: &&Subnet| Cursor::newest_first(s.created_at, &s.id);
        paginate(subnets, newest_first, page).map(|subnet| read(&visible, subnet))
    }

    /// `PATCH /subnets/{id}`: renames it (a request without a name changes nothing).
    pub async fn rename_subnet(
        &self,
        caller: &Caller,
        id: &str,
        name: Option<&str>,
        precondition: &Precondition,
    ) -> AppResult<SubnetRead> {
        if let Some(name) = name {
            self.change_guarded(
                caller,
                Activity::on("is.subnet.subnet.update", "subnet", id),
                |world| self.check_subnet_etag(caller, world, id, precondition),
                |world, ctx| subnet::rename(world, ctx, id, name),
            )
            .await?;
        } else {
            self.check_subnet_etag(caller, &self.replica.world(), id, precondition)?;
        }
        self.subnet(caller, id)
    }

    /// `DELETE /subnets/{id}`.
    pub async fn delete_subnet(&self, caller: &Caller, id: &str, precondition: &Precondition) -> AppResult<Revision> {
        let (_, revision) = self
            .change_guarded(
                caller,
                Activity::on("is.subnet.subnet.delete", "subnet", id),
                |world| self.check_subnet_etag(caller, world, id, precondition),
                |world, ctx| subnet::delete(world, ctx, id),
            )
            .await?;
        Ok(revision)
    }

    fn check_subnet_etag(
        &self,
        caller: &Caller,
        world: &World,
        id: &str,
        precondition: &Precondition,
    ) -> AppResult<()> {
        let resource = format!("subnet `{id}`");
        self.check_etag(caller, world, precondition, &resource, |visible| Ok(read(visible, visible.subnet(id)?).etag()))
    }

    /// `GET /subnets/{id}/reserved_ips`: in address order.
    pub fn list_reserved_ips(&self, caller: &Caller, id: &str, page: &PageRequest) -> AppResult<Page<ReservedIpRead>> {
        let visible = self.visible(caller);
        let subnet = visible.subnet(id)?;
        let ips: Vec<&ReservedIp> = visible.world.reserved_ips_of(&subnet.id).collect();
        Ok(paginate(ips, by_address, page).map(|ip| read_ip(&visible, ip)))
    }

    /// `POST /subnets/{id}/reserved_ips`.
    pub async fn create_reserved_ip(
        &self,
        caller: &Caller,
        id: &str,
        input: NewReservedIp,
    ) -> AppResult<ReservedIpRead> {
        let activity = Activity::creating("is.subnet.reserved-ip.create", "subnet_reserved_ip");
        let (ip, _) = self
            .change(caller, activity, |world, ctx| subnet::create_reserved_ip(world, ctx, id, input.clone()))
            .await?;
        self.reserved_ip(caller, id, &ip)
    }

    /// `GET /subnets/{id}/reserved_ips/{ip}`.
    pub fn reserved_ip(&self, caller: &Caller, subnet: &str, id: &str) -> AppResult<ReservedIpRead> {
        let visible = self.visible(caller);
        Ok(read_ip(&visible, visible.reserved_ip(subnet, id)?))
    }

    /// `PATCH /subnets/{id}/reserved_ips/{ip}`: its name and `auto_delete`.
    pub async fn update_reserved_ip(
        &self,
        caller: &Caller,
        subnet_id: &str,
        id: &str,
        patch: ReservedIpPatch,
    ) -> AppResult<ReservedIpRead> {
        let activity = Activity::on("is.subnet.reserved-ip.update", "subnet_reserved_ip", id);
        self.change(caller, activity, |world, ctx| {
            subnet::update_reserved_ip(world, ctx, subnet_id, id, patch.clone())
        })
        .await?;
        self.reserved_ip(caller, subnet_id, id)
    }

    /// `DELETE /subnets/{id}/reserved_ips/{ip}`.
    pub async fn delete_reserved_ip(&self, caller: &Caller, subnet_id: &str, id: &str) -> AppResult<Revision> {
        let activity = Activity::on("is.subnet.reserved-ip.delete", "subnet_reserved_ip", id);
        let (_, revision) =
            self.change(caller, activity, |world, ctx| subnet::delete_reserved_ip(world, ctx, subnet_id, id)).await?;
        Ok(revision)
    }
}
