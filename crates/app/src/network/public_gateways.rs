//! Public gateways: create, read, list, rename and delete, and which public gateway a subnet uses.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::World;
use hubspoke_vpc::model::PublicGateway;
use hubspoke_vpc::rules::public_gateway;

use super::{Activity, GroupReference, Reference, Visible};
use crate::access::Target;
use crate::paging::{Cursor, Page, PageRequest, paginate};
use crate::precondition::{Precondition, Tagged};
use crate::{App, AppResult};

pub use hubspoke_vpc::rules::public_gateway::{FloatingIpRequest, NewPublicGateway};

/// A public gateway as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicGatewayRead {
    /// The gateway, with its floating IP.
    pub gateway: PublicGateway,
    /// Its VPC.
    pub vpc: Reference,
    /// Its resource group.
    pub resource_group: GroupReference,
    /// `status` now: `pending`, then `available`.
    pub status: &'static str,
}

impl Tagged for PublicGatewayRead {
    // `status` ripens with time alone.
    fn tagged(&self) -> impl std::fmt::Debug + '_ {
        (&self.gateway, &self.vpc, &self.resource_group)
    }
}

/// Which public gateways `GET /public_gateways` lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicGatewayFilter {
    /// `resource_group.id`.
    pub resource_group: Option<String>,
}

fn read(visible: &Visible, gateway: &PublicGateway) -> PublicGatewayRead {
    PublicGatewayRead {
        gateway: gateway.clone(),
        vpc: visible.vpc_reference(&gateway.vpc),
        resource_group: visible.group_reference(&gateway.account, &gateway.resource_group),
        status: gateway.status_at(visible.now),
    }
}

impl Visible {
    /// A public gateway the caller may see, or 404.
    pub fn public_gateway(&self, id: &str) -> AppResult<&PublicGateway> {
        super::visible(self.world.public_gateway(id).filter(|g| self.sees_at(&g.account, id)), "public gateway", id)
    }
}

impl App {
    /// `POST /public_gateways`.
    pub async fn create_public_gateway(
        &self,
        caller: &Caller,
        input: NewPublicGateway,
    ) -> AppResult<PublicGatewayRead> {
        self.authorize(
            caller,
            "is.public-gateway.public-gateway.create",
            Target::InGroup(input.resource_group.as_deref()),
        )
        .await?;
        let activity = Activity::creating("is.public-gateway.public-gateway.create", "public_gateway");
        let (id, _) =
            self.change(caller, activity, |world, ctx| public_gateway::create(world, ctx, input.clone())).await?;
        self.public_gateway(caller, &id)
    }

    /// `GET /public_gateways/{id}`.
    pub fn public_gateway(&self, caller: &Caller, id: &str) -> AppResult<PublicGatewayRead> {
        let visible = self.visible(caller);
        Ok(read(&visible, visible.public_gateway(id)?))
    }

    /// `GET /public_gateways`: newest first.
    pub fn list_public_gateways(
        &self,
        caller: &Caller,
        filter: &PublicGatewayFilter,
        page: &PageRequest,
    ) -> Page<PublicGatewayRead> {
        let visible = self.visible(caller);
        let gateways: Vec<&PublicGateway> = visible
            .world
            .public_gateways()
            .filter(|g| visible.sees_at(&g.account, &g.id))
            .filter(|g| filter.resource_group.as_ref().is_none_or(|rg| *rg == g.resource_group))
            .collect();
        let newest_first = |g: &&PublicGateway| Cursor::newest_first(g.created_at, &g.id);
        paginate(gateways, newest_first, page).map(|gateway| read(&visible, gateway))
    }

    /// `PATCH /public_gateways/{id}`: renames it (a request without a name changes nothing).
    pub async fn rename_public_gateway(
        &self,
        caller: &Caller,
        id: &str,
        name: Option<&str>,
        precondition: &Precondition,
    ) -> AppResult<PublicGatewayRead> {
        self.rename_checked(
            caller,
            Activity::on("is.public-gateway.public-gateway.update", "public_gateway", id),
            name,
            |world| self.check_public_gateway_etag(caller, world, id, precondition),
            |world, ctx, name| public_gateway::rename(world, ctx, id, name),
        )
        .await?;
        self.public_gateway(caller, id)
    }

    /// `DELETE /public_gateways/{id}`: with its floating IP.
    pub async fn delete_public_gateway(
        &self,
        caller: &Caller,
        id: &str,
        precondition: &Precondition,
    ) -> AppResult<Revision> {
        let (_, revision) = self
            .change_guarded(
                caller,
                Activity::on("is.public-gateway.public-gateway.delete", "public_gateway", id),
                |world| self.check_public_gateway_etag(caller, world, id, precondition),
                |world, ctx| public_gateway::delete(world, ctx, id),
            )
            .await?;
        Ok(revision)
    }

    fn check_public_gateway_etag(
        &self,
        caller: &Caller,
        world: &World,
        id: &str,
        precondition: &Precondition,
    ) -> AppResult<()> {
        let resource = format!("public gateway `{id}`");
        self.check_etag(caller, world, precondition, &resource, |visible| {
            Ok(read(visible, visible.public_gateway(id)?).etag())
        })
    }

    /// `GET /subnets/{id}/public_gateway`: 404 when the subnet has none.
    pub fn subnet_public_gateway(&self, caller: &Caller, subnet: &str) -> AppResult<PublicGatewayRead> {
        let visible = self.visible(caller);
        let subnet = visible.subnet(subnet)?;
        let id = subnet.public_gateway.as_deref().unwrap_or_default();
        let gateway = super::visible(visible.world.public_gateway(id), "public gateway of subnet", &subnet.id)?;
        Ok(read(&visible, gateway))
    }

    /// `PUT /subnets/{id}/public_gateway`: attaches a public gateway of the subnet's VPC and zone.
    pub async fn set_subnet_public_gateway(
        &self,
        caller: &Caller,
        subnet: &str,
        gateway: &str,
    ) -> AppResult<PublicGatewayRead> {
        let activity = Activity::on("is.subnet.subnet.update", "subnet", subnet);
        self.change(caller, activity, |world, ctx| public_gateway::attach(world, ctx, subnet, gateway)).await?;
        self.subnet_public_gateway(caller, subnet)
    }

    /// `DELETE /subnets/{id}/public_gateway`.
    pub async fn unset_subnet_public_gateway(&self, caller: &Caller, subnet: &str) -> AppResult<Revision> {
        let activity = Activity::on("is.subnet.subnet.update", "subnet", subnet);
        let (_, revision) =
            self.change(caller, activity, |world, ctx| public_gateway::detach(world, ctx, subnet)).await?;
        Ok(revision)
    }
}
