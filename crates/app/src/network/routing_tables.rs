//! Routing tables: each VPC's default table, read-only (hubspoke keeps no routes).

use hubspoke_iam::Caller;
use hubspoke_vpc::model::RoutingTable;

use super::{GroupReference, Reference, Visible};
use crate::paging::{Cursor, Page, PageRequest, paginate};
use crate::{App, AppResult};

/// A routing table as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingTableRead {
    /// The table.
    pub table: RoutingTable,
    /// Whether it is its VPC's default table.
    pub is_default: bool,
    /// The subnets that use it.
    pub subnets: Vec<Reference>,
    /// Its resource group: its VPC's.
    pub resource_group: GroupReference,
}

fn read(visible: &Visible, table: &RoutingTable) -> RoutingTableRead {
    // Every subnet uses its VPC's default table: hubspoke has no other tables to attach.
    let subnets = visible
        .world
        .subnets()
        .filter(|subnet| subnet.vpc == table.vpc)
        .map(|subnet| Reference::to(visible, &subnet.id, &subnet.name, &subnet.account))
        .collect();
    let group = visible.world.vpc(&table.vpc).map(|vpc| vpc.resource_group.clone());
    let group = group.unwrap_or_else(|| super::default_resource_group(&table.account));
    RoutingTableRead {
        resource_group: visible.group_reference(&table.account, &group),
        is_default: table.id == hubspoke_vpc::model::default_routing_table_id(&table.vpc),
        table: table.clone(),
        subnets,
    }
}

impl App {
    /// `GET /vpcs/{id}/routing_tables`: newest first; `is_default` keeps only the default table or only the others.
    pub fn list_vpc_routing_tables(
        &self,
        caller: &Caller,
        vpc: &str,
        is_default: Option<bool>,
        page: &PageRequest,
    ) -> AppResult<Page<RoutingTableRead>> {
        let visible = self.visible(caller);
        let vpc = visible.vpc(vpc)?;
        let default = hubspoke_vpc::model::default_routing_table_id(&vpc.id);
        let tables: Vec<&RoutingTable> = visible
            .world
            .routing_tables()
            .filter(|t| t.vpc == vpc.id && is_default.is_none_or(|wanted| (t.id == default) == wanted))
            .collect();
        let newest_first = |t: &&RoutingTable| Cursor::newest_first(t.created_at, &t.id);
        Ok(paginate(tables, newest_first, page).map(|table| read(&visible, table)))
    }

    /// `GET /vpcs/{id}/default_routing_table`.
    pub fn vpc_default_routing_table(&self, caller: &Caller, vpc: &str) -> AppResult<RoutingTableRead> {
        let id = hubspoke_vpc::model::default_routing_table_id(vpc);
        self.vpc_routing_table(caller, vpc, &id)
    }

    /// `GET /vpcs/{id}/routing_tables/{table}`.
    pub fn vpc_routing_table(&self, caller: &Caller, vpc: &str, id: &str) -> AppResult<RoutingTableRead> {
        let visible = self.visible(caller);
        let vpc = visible.vpc(vpc)?;
        let table = super::visible(visible.world.routing_table(id).filter(|t| t.vpc == vpc.id), "routing table", id)?;
        Ok(read(&visible, table))
    }
}
