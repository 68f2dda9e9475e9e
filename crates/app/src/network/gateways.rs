//! Endpoint gateways and their reserved IPs: create, read, list, update (name and DNS sharing mode), delete, bind
//! and unbind IPs.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::World;
use hubspoke_vpc::model::{EndpointGateway, ReservedIp};
use hubspoke_vpc::region::crn;
use hubspoke_vpc::rules::gateway;

use super::subnets::{ReservedIpRead, by_address, read_ip};
use super::{Activity, GroupReference, Reference, Visible};
use crate::access::Target;
use crate::paging::{Cursor, Page, PageRequest, SortPart, paginate};
use crate::precondition::{Precondition, Tagged};
use crate::{App, AppResult};

pub use hubspoke_vpc::model::{BindingMode, GatewayTarget, Phase};
pub use hubspoke_vpc::rules::gateway::{GatewayIp, NewGateway};

/// An endpoint gateway as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayRead {
    /// The gateway.
    pub gateway: EndpointGateway,
    /// Its reserved IPs.
    pub ips: Vec<ReservedIp>,
    /// Its VPC.
    pub vpc: Reference,
    /// Its resource group.
    pub resource_group: GroupReference,
    /// Its security groups.
    pub security_groups: Vec<Reference>,
    /// `lifecycle_state` now.
    pub lifecycle: &'static str,
}

impl Tagged for GatewayRead {
    // `lifecycle_state` ripens with time alone.
    fn tagged(&self) -> impl std::fmt::Debug + '_ {
        (&self.gateway, &self.ips, &self.vpc, &self.resource_group, &self.security_groups)
    }
}

/// Which gateways `GET /endpoint_gateways` lists; every filter set must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayFilter {
    /// `name`.
    pub name: Option<String>,
    /// `vpc.id`.
    pub vpc_id: Option<String>,
    /// `vpc.crn`.
    pub vpc_crn: Option<String>,
    /// `vpc.name`.
    pub vpc_name: Option<String>,
    /// `lifecycle_state`: any of these.
    pub lifecycle_states: Option<Vec<String>>,
    /// `resource_group.id`.
    pub resource_group: Option<String>,
    /// `dns_resolution_binding_mode`: any of these.
    pub modes: Option<Vec<String>>,
    /// Legacy `allow_dns_resolution_binding`: whether the mode shares names.
    pub shared: Option<bool>,
}

fn read(visible: &Visible, gateway: &EndpointGateway) -> GatewayRead {
    GatewayRead {
        gateway: gateway.clone(),
        ips: visible.world.gateway_ips(&gateway.id).cloned().collect(),
        vpc: visible.vpc_reference(&gateway.vpc),
        resource_group: visible.group_reference(&gateway.account, &gateway.resource_group),
        security_groups: gateway
            .security_groups
            .iter()
            .map(|id| match visible.world.security_group(id) {
                Some(group) => Reference::to(visible, &group.id, &group.name, &group.account),
                None => Reference::deleted(id),
            })
            .collect(),
        lifecycle: gateway.settling.state_at(visible.now),
    }
}

impl GatewayFilter {
    fn matches(&self, visible: &Visible, gateway: &EndpointGateway) -> bool {
        let vpc = visible.world.vpc(&gateway.vpc);
        let any_of =
            |wanted: &Option<Vec<String>>, value: &str| wanted.as_ref().is_none_or(|w| w.iter().any(|w| w == value));
        self.name.as_ref().is_none_or(|name| *name == gateway.name)
            && self.vpc_id.as_ref().is_none_or(|id| *id == gateway.vpc)
            && self.vpc_crn.as_ref().is_none_or(|c| vpc.is_some_and(|vpc| crn(&vpc.account, "vpc", &vpc.id) == *c))
            && self.vpc_name.as_ref().is_none_or(|name| vpc.is_some_and(|vpc| vpc.name == *name))
            && any_of(&self.lifecycle_states, gateway.settling.state_at(visible.now))
            && self.resource_group.as_ref().is_none_or(|g| *g == gateway.resource_group)
            && any_of(&self.modes, gateway.mode.as_str())
            && self.shared.is_none_or(|shared| shared == (gateway.mode != BindingMode::Disabled))
    }
}

impl App {
    /// `POST /endpoint_gateways`.
    pub async fn create_gateway(&self, caller: &Caller, input: NewGateway) -> AppResult<GatewayRead> {
        self.authorize(
            caller,
            "is.endpoint-gateway.endpoint-gateway.create",
            Target::InGroup(input.resource_group.as_deref()),
        )
        .await?;
        let activity = Activity::creating("is.endpoint-gateway.endpoint-gateway.create", "endpoint_gateway");
        let (id, _) = self.change(caller, activity, |world, ctx| gateway::create(world, ctx, input.clone())).await?;
        self.gateway(caller, &id)
    }

    /// `GET /endpoint_gateways/{id}`.
    pub fn gateway(&self, caller: &Caller, id: &str) -> AppResult<GatewayRead> {
        let visible = self.visible(caller);
        Ok(read(&visible, visible.gateway(id)?))
    }

    /// `GET /endpoint_gateways`: newest first, then by name.
    pub fn list_gateways(&self, caller: &Caller, filter: &GatewayFilter, page: &PageRequest) -> Page<GatewayRead> {
        let visible = self.visible(caller);
        let gateways: Vec<&EndpointGateway> = visible
            .world
            .gateways()
            .filter(|g| visible.sees_at(&g.account, &g.id) && filter.matches(&visible, g))
            .collect();
        let order = |g: &&EndpointGateway| {
            Cursor(vec![SortPart::Int(-g.created_at.0), SortPart::Text(g.name.clone()), SortPart::Text(g.id.clone())])
        };
        paginate(gateways, order, page).map(|gateway| read(&visible, gateway))
    }

    /// `PATCH /endpoint_gateways/{id}`: name and DNS sharing mode.
    pub async fn update_gateway(
        &self,
        caller: &Caller,
        id: &str,
        name: Option<&str>,
        mode: Option<BindingMode>,
        precondition: &Precondition,
    ) -> AppResult<GatewayRead> {
        self.change_guarded(
            caller,
            Activity::on("is.endpoint-gateway.endpoint-gateway.update", "endpoint_gateway", id),
            |world| self.check_gateway_etag(caller, world, id, precondition),
            |world, ctx| gateway::update(world, ctx, id, name, mode),
        )
        .await?;
        self.gateway(caller, id)
    }

    /// `DELETE /endpoint_gateways/{id}`.
    pub async fn delete_gateway(&self, caller: &Caller, id: &str, precondition: &Precondition) -> AppResult<Revision> {
        let (_, revision) = self
            .change_guarded(
                caller,
                Activity::on("is.endpoint-gateway.endpoint-gateway.delete", "endpoint_gateway", id),
                |world| self.check_gateway_etag(caller, world, id, precondition),
                |world, ctx| gateway::delete(world, ctx, id),
            )
            .await?;
        Ok(revision)
    }

    fn check_gateway_etag(
        &self,
        caller: &Caller,
        world: &World,
        id: &str,
        precondition: &Precondition,
    ) -> AppResult<()> {
        let resource = format!("endpoint gateway `{id}`");
        self.check_etag(
            caller,
            world,
            precondition,
            &resource,
            |visible| Ok(read(visible, visible.gateway(id)?).etag()),
        )
    }

    /// `GET /endpoint_gateways/{id}/ips`: in address order.
    pub fn list_gateway_ips(&self, caller: &Caller, id: &str, page: &PageRequest) -> AppResult<Page<ReservedIpRead>> {
        let visible = self.visible(caller);
        visible.gateway(id)?;
        let ips: Vec<&ReservedIp> = visible.world.gateway_ips(id).collect();
        Ok(paginate(ips, by_address, page).map(|ip| read_ip(&visible, ip)))
    }

    /// `GET /endpoint_gateways/{id}/ips/{ip}`.
    pub fn gateway_ip(&self, caller: &Caller, id: &str, ip: &str) -> AppResult<ReservedIpRead> {
        let visible = self.visible(caller);
        Ok(read_ip(&visible, visible.gateway_ip(id, ip)?))
    }

    /// `PUT /endpoint_gateways/{id}/ips/{ip}`: binds a reserved IP.
    pub async fn bind_gateway_ip(&self, caller: &Caller, id: &str, ip: &str) -> AppResult<ReservedIpRead> {
        let activity = Activity::on("is.endpoint-gateway.endpoint-gateway.update", "endpoint_gateway", id);
        self.change(caller, activity, |world, ctx| gateway::bind_ip(world, ctx, id, ip)).await?;
        self.gateway_ip(caller, id, ip)
    }

    /// `DELETE /endpoint_gateways/{id}/ips/{ip}`: unbinds it (deleting it if `auto_delete`).
    pub async fn unbind_gateway_ip(&self, caller: &Caller, id: &str, ip: &str) -> AppResult<Revision> {
        let activity = Activity::on("is.endpoint-gateway.endpoint-gateway.update", "endpoint_gateway", id);
        let (_, revision) = self.change(caller, activity, |world, ctx| gateway::unbind_ip(world, ctx, id, ip)).await?;
        Ok(revision)
    }
}
