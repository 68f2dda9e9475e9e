//! Transit gateways and their VPC connections: create, read, list, update and delete, every connection of the
//! account, and the locations (the regions of the catalog). Only the bookkeeping is kept: no traffic is routed.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::model::{TransitConnection, TransitGateway};
use hubspoke_vpc::region::{REGIONS, Region, region};
use hubspoke_vpc::rules::transit_gateway;

use super::{Activity, Visible, default_resource_group};
use crate::paging::{Cursor, Page, PageRequest, SortPart, paginate};
use crate::{App, AppError, AppResult};

pub use hubspoke_vpc::rules::transit_gateway::{NewTransitConnection, NewTransitGateway, TransitGatewayPatch};

/// A transit gateway as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitGatewayRead {
    /// The gateway.
    pub gateway: TransitGateway,
    /// `pending` or `available`.
    pub status: &'static str,
    /// How many connections it has.
    pub connection_count: usize,
    /// The id of its resource group.
    pub resource_group: String,
}

/// A connection as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitConnectionRead {
    /// The connection.
    pub connection: TransitConnection,
    /// `pending` or `attached`.
    pub status: &'static str,
    /// The gateway it belongs to.
    pub gateway: TransitGateway,
}

impl Visible {
    /// A transit gateway the caller may see, or 404.
    pub fn transit_gateway(&self, id: &str) -> AppResult<&TransitGateway> {
        super::visible(self.world.transit_gateway(id).filter(|g| self.sees(&g.account)), "transit gateway", id)
    }

    /// A connection of a visible transit gateway, or 404.
    pub fn transit_connection(&self, gateway: &str, id: &str) -> AppResult<&TransitConnection> {
        self.transit_gateway(gateway)?;
        let found = self.world.transit_connection(id).filter(|c| c.gateway == gateway);
        super::visible(found, "transit gateway connection", id)
    }
}

fn read(visible: &Visible, gateway: &TransitGateway) -> TransitGatewayRead {
    TransitGatewayRead {
        gateway: gateway.clone(),
        status: if visible.now < gateway.available_at { "pending" } else { "available" },
        connection_count: visible.world.connections_of(&gateway.id).count(),
        resource_group: default_resource_group(&gateway.account),
    }
}

fn read_connection(visible: &Visible, connection: &TransitConnection) -> Option<TransitConnectionRead> {
    let gateway = visible.world.transit_gateway(&connection.gateway)?.clone();
    Some(TransitConnectionRead {
        connection: connection.clone(),
        status: if visible.now < connection.attached_at { "pending" } else { "attached" },
        gateway,
    })
}

fn oldest_first_gateway(gateway: &&TransitGateway) -> Cursor {
    Cursor(vec![SortPart::Int(gateway.created_at.0), SortPart::Text(gateway.id.clone())])
}

fn oldest_first_connection(connection: &&TransitConnection) -> Cursor {
    Cursor(vec![SortPart::Int(connection.created_at.0), SortPart::Text(connection.id.clone())])
}

impl App {
    /// `POST /transit_gateways`.
    pub async fn create_transit_gateway(
        &self,
        caller: &Caller,
        input: NewTransitGateway,
    ) -> AppResult<TransitGatewayRead> {
        let activity = Activity::creating("transit.gateway.create", "transit_gateway");
        let (id, _) = self
            .change(caller, activity, |world, ctx| transit_gateway::create_gateway(world, ctx, input.clone()))
            .await?;
        self.transit_gateway(caller, &id)
    }

    /// `GET /transit_gateways/{id}`.
    pub fn transit_gateway(&self, caller: &Caller, id: &str) -> AppResult<TransitGatewayRead> {
        let visible = self.visible(caller);
        Ok(read(&visible, visible.transit_gateway(id)?))
    }

    /// `GET /transit_gateways`: the caller's gateways, oldest first.
    pub fn list_transit_gateways(&self, caller: &Caller, page: &PageRequest) -> Page<TransitGatewayRead> {
        let visible = self.visible(caller);
        let gateways: Vec<&TransitGateway> =
            visible.world.transit_gateways().filter(|g| visible.sees(&g.account)).collect();
        paginate(gateways, oldest_first_gateway, page).map(|gateway| read(&visible, gateway))
    }

    /// `PATCH /transit_gateways/{id}`: renames it or changes `global`.
    pub async fn update_transit_gateway(
        &self,
        caller: &Caller,
        id: &str,
        patch: &TransitGatewayPatch,
    ) -> AppResult<TransitGatewayRead> {
        let activity = Activity::on("transit.gateway.update", "transit_gateway", id);
        self.change(caller, activity, |world, ctx| transit_gateway::update_gateway(world, ctx, id, patch)).await?;
        self.transit_gateway(caller, id)
    }

    /// `DELETE /transit_gateways/{id}`.
    pub async fn delete_transit_gateway(&self, caller: &Caller, id: &str) -> AppResult<Revision> {
        let activity = Activity::on("transit.gateway.delete", "transit_gateway", id);
        let (_, revision) =
            self.change(caller, activity, |world, ctx| transit_gateway::delete_gateway(world, ctx, id)).await?;
        Ok(revision)
    }

    /// `POST /transit_gateways/{id}/connections`.
    pub async fn create_transit_connection(
        &self,
        caller: &Caller,
        input: NewTransitConnection,
    ) -> AppResult<TransitConnectionRead> {
        let gateway = input.gateway.clone();
        let activity = Activity::creating("transit.connection.create", "transit_connection");
        let (id, _) = self
            .change(caller, activity, |world, ctx| transit_gateway::create_connection(world, ctx, input.clone()))
            .await?;
        self.transit_connection(caller, &gateway, &id)
    }

    /// `GET /transit_gateways/{gateway}/connections/{id}`.
    pub fn transit_connection(&self, caller: &Caller, gateway: &str, id: &str) -> AppResult<TransitConnectionRead> {
        let visible = self.visible(caller);
        let connection = visible.transit_connection(gateway, id)?;
        read_connection(&visible, connection)
            .ok_or_else(|| AppError::Rule(hubspoke_vpc::RuleError::not_found("transit gateway connection", id)))
    }

    /// `GET /transit_gateways/{gateway}/connections`: oldest first.
    pub fn list_transit_connections(
        &self,
        caller: &Caller,
        gateway: &str,
        page: &PageRequest,
    ) -> AppResult<Page<TransitConnectionRead>> {
        let visible = self.visible(caller);
        let gateway = visible.transit_gateway(gateway)?;
        let connections: Vec<&TransitConnection> = visible.world.connections_of(&gateway.id).collect();
        Ok(paginate(connections, oldest_first_connection, page)
            .map(|connection| read_connection(&visible, connection).expect("a gateway's connection has its gateway")))
    }

    /// `GET /connections`: every connection of the caller's gateways, oldest first; with `network_id` only the
    /// connections of that network, with `network_type` only those of that type (`vpc`, the one hubspoke models).
    pub fn list_all_transit_connections(
        &self,
        caller: &Caller,
        network_id: Option<&str>,
        network_type: Option<&str>,
        page: &PageRequest,
    ) -> Page<TransitConnectionRead> {
        let visible = self.visible(caller);
        let connections: Vec<&TransitConnection> = visible
            .world
            .transit_connections()
            .filter(|c| visible.sees(&c.account) && visible.world.transit_gateway(&c.gateway).is_some())
            .filter(|c| network_id.is_none_or(|id| c.network_crn == id) && network_type.is_none_or(|t| t == "vpc"))
            .collect();
        paginate(connections, oldest_first_connection, page)
            .map(|connection| read_connection(&visible, connection).expect("only connections with their gateway"))
    }

    /// `PATCH /transit_gateways/{gateway}/connections/{id}`: renames it.
    pub async fn update_transit_connection(
        &self,
        caller: &Caller,
        gateway: &str,
        id: &str,
        name: Option<&str>,
    ) -> AppResult<TransitConnectionRead> {
        let activity = Activity::on("transit.connection.update", "transit_connection", id);
        self.change(caller, activity, |world, ctx| transit_gateway::update_connection(world, ctx, gateway, id, name))
            .await?;
        self.transit_connection(caller, gateway, id)
    }

    /// `DELETE /transit_gateways/{gateway}/connections/{id}`.
    pub async fn delete_transit_connection(&self, caller: &Caller, gateway: &str, id: &str) -> AppResult<Revision> {
        let activity = Activity::on("transit.connection.delete", "transit_connection", id);
        let (_, revision) = self
            .change(caller, activity, |world, ctx| transit_gateway::delete_connection(world, ctx, gateway, id))
            .await?;
        Ok(revision)
    }

    /// `GET /locations`: where gateways may be created, the regions of the catalog.
    pub fn transit_locations(&self) -> Vec<&'static Region> {
        REGIONS.iter().collect()
    }

    /// `GET /locations/{name}`, or 404.
    pub fn transit_location(&self, name: &str) -> AppResult<&'static Region> {
        region(name).ok_or_else(|| AppError::Rule(hubspoke_vpc::RuleError::not_found("location", name)))
    }
}
