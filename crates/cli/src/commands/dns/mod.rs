//! `hubspoke dns ...`: DNS Services custom resolvers with their forwarding rules and secondary zones, zones with their
//! permitted networks and records, and lookups as a VPC sees them.

mod custom_resolver;
mod forwarding;
mod lookup;
mod zone;

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::commands::is::cell;
use crate::output::Printer;

/// The account's DNS Services instance with this GUID, CRN or name, if it has one.
async fn find_instance(client: &Client, named: &str) -> anyhow::Result<Option<Value>> {
    let body = client.call(Method::GET, "/v2/resource_instances?limit=100", None).await?;
    let resources = body["resources"].as_array().cloned().unwrap_or_default();
    Ok(resources.into_iter().find(|r| r["guid"] == named || r["id"] == named || r["name"] == named))
}

/// The GUID of the DNS Services instance `named` (its GUID, CRN or name), as `ibmcloud dns -i` takes it.
pub(crate) async fn instance_guid(client: &Client, named: &str) -> anyhow::Result<String> {
    find_instance(client, named)
        .await?
        .map(|instance| cell(&instance["guid"]))
        .ok_or_else(|| anyhow::anyhow!("no DNS Services instance named or with id `{named}`"))
}

/// The GUID of the DNS Services instance `named`, if the account has it.
pub(crate) async fn existing_instance(client: &Client, named: &str) -> anyhow::Result<Option<String>> {
    Ok(find_instance(client, named).await?.map(|instance| cell(&instance["guid"])))
}

/// The GUID of the DNS Services instance `named`, created (plan `standard-dns`) when the account has none.
pub(crate) async fn ensure_instance(client: &Client, named: &str) -> anyhow::Result<String> {
    if let Some(guid) = existing_instance(client, named).await? {
        return Ok(guid);
    }
    let body = json!({ "name": named, "target": "global", "resource_plan_id": "standard-dns" });
    let created = client.call(Method::POST, "/v2/resource_instances", Some(&body)).await?;
    Ok(cell(&created["guid"]))
}

/// The `dns` commands.
#[derive(Clone, Debug, Subcommand)]
pub enum Dns {
    /// Resolve a name as a VPC's resolver does, and explain the answer.
    #[command(
        after_help = "EXAMPLE:\n  hubspoke dns lookup s3.direct.us-south.cloud-object-storage.appdomain.cloud --vpc SPOKE_VPC_ID"
    )]
    Lookup(lookup::DnsLookup),
    /// Create a custom resolver with locations in subnets (created disabled unless --enable).
    #[command(
        name = "custom-resolver-create",
        after_help = "EXAMPLE:\n  hubspoke dns custom-resolver-create --instance dns-1 --name hub-resolver --location hub-subnet --enable"
    )]
    CustomResolverCreate(custom_resolver::Create),
    /// Enable, disable or rename a custom resolver.
    #[command(
        name = "custom-resolver-update",
        after_help = "EXAMPLE:\n  hubspoke dns custom-resolver-update --instance dns-hub RESOLVER_ID --enabled false"
    )]
    CustomResolverUpdate(custom_resolver::Update),
    /// Delete a custom resolver.
    #[command(
        name = "custom-resolver-delete",
        after_help = "EXAMPLE:\n  hubspoke dns custom-resolver-delete --instance dns-hub RESOLVER_ID -f"
    )]
    CustomResolverDelete(custom_resolver::Delete),
    /// List the custom resolvers of a DNS Services instance.
    #[command(name = "custom-resolvers", after_help = "EXAMPLE:\n  hubspoke dns custom-resolvers --instance dns-hub")]
    CustomResolvers(custom_resolver::List),
    /// Put the locations of a custom resolver in a new order.
    #[command(
        name = "custom-resolver-location-order",
        after_help = "EXAMPLE:\n  hubspoke dns custom-resolver-location-order --instance dns-hub hub-resolver LOCATION_2 LOCATION_1"
    )]
    CustomResolverLocationOrder(forwarding::LocationOrder),
    /// Create a forwarding rule for a zone.
    #[command(
        name = "custom-resolver-forwarding-rule-create",
        after_help = "EXAMPLE:\n  hubspoke dns custom-resolver-forwarding-rule-create --instance dns-hub hub-resolver --type zone --match example.com --dns-svcs 10.0.0.7,10.0.0.8"
    )]
    ForwardingRuleCreate(forwarding::RuleCreate),
    /// Change a forwarding rule's match, addresses, views or description.
    #[command(
        name = "custom-resolver-forwarding-rule-update",
        after_help = "EXAMPLE:\n  hubspoke dns custom-resolver-forwarding-rule-update --instance dns-hub hub-resolver RULE_ID --dns-svcs 10.0.0.9"
    )]
    ForwardingRuleUpdate(forwarding::RuleUpdate),
    /// Show a forwarding rule.
    #[command(
        name = "custom-resolver-forwarding-rule",
        after_help = "EXAMPLE:\n  hubspoke dns custom-resolver-forwarding-rule --instance dns-hub hub-resolver RULE_ID"
    )]
    ForwardingRule(forwarding::Child),
    /// List the forwarding rules of a custom resolver, its default rule first.
    #[command(
        name = "custom-resolver-forwarding-rules",
        after_help = "EXAMPLE:\n  hubspoke dns custom-resolver-forwarding-rules --instance dns-hub hub-resolver"
    )]
    ForwardingRules(forwarding::Listing),
    /// Delete a forwarding rule (not the default one).
    #[command(
        name = "custom-resolver-forwarding-rule-delete",
        after_help = "EXAMPLE:\n  hubspoke dns custom-resolver-forwarding-rule-delete --instance dns-hub hub-resolver RULE_ID -f"
    )]
    ForwardingRuleDelete(forwarding::Child),
    /// Create a secondary zone on a custom resolver.
    #[command(
        name = "secondary-zone-create",
        after_help = "EXAMPLE:\n  hubspoke dns secondary-zone-create --instance dns-hub hub-resolver --name onprem.example --transfer-from 10.0.0.7"
    )]
    SecondaryZoneCreate(forwarding::ZoneCreate),
    /// Change a secondary zone's primaries, description or state.
    #[command(
        name = "secondary-zone-update",
        after_help = "EXAMPLE:\n  hubspoke dns secondary-zone-update --instance dns-hub hub-resolver ZONE_ID --enabled false"
    )]
    SecondaryZoneUpdate(forwarding::ZoneUpdate),
    /// Show a secondary zone.
    #[command(
        name = "secondary-zone",
        after_help = "EXAMPLE:\n  hubspoke dns secondary-zone --instance dns-hub hub-resolver ZONE_ID"
    )]
    SecondaryZone(forwarding::Child),
    /// List the secondary zones of a custom resolver.
    #[command(
        name = "secondary-zones",
        after_help = "EXAMPLE:\n  hubspoke dns secondary-zones --instance dns-hub hub-resolver"
    )]
    SecondaryZones(forwarding::Listing),
    /// Delete a secondary zone.
    #[command(
        name = "secondary-zone-delete",
        after_help = "EXAMPLE:\n  hubspoke dns secondary-zone-delete --instance dns-hub hub-resolver ZONE_ID -f"
    )]
    SecondaryZoneDelete(forwarding::Child),
    /// Create a DNS zone (pending until a VPC is permitted).
    #[command(name = "zone-create", after_help = "EXAMPLE:\n  hubspoke dns zone-create example.com -i dns-hub -l hub")]
    ZoneCreate(zone::ZoneCreate),
    /// List the zones of a DNS Services instance.
    #[command(after_help = "EXAMPLE:\n  hubspoke dns zones -i dns-hub")]
    Zones(zone::Zones),
    /// Show a zone.
    #[command(after_help = "EXAMPLE:\n  hubspoke dns zone example.com -i dns-hub")]
    Zone(zone::Zone),
    /// Change a zone's description or label.
    #[command(
        name = "zone-update",
        after_help = "EXAMPLE:\n  hubspoke dns zone-update example.com -i dns-hub -d shared"
    )]
    ZoneUpdate(zone::ZoneUpdate),
    /// Delete a zone that permits no VPC.
    #[command(name = "zone-delete", after_help = "EXAMPLE:\n  hubspoke dns zone-delete example.com -i dns-hub -f")]
    ZoneDelete(zone::ZoneDelete),
    /// Permit a VPC to resolve a zone.
    #[command(
        name = "permitted-network-add",
        after_help = "EXAMPLE:\n  hubspoke dns permitted-network-add example.com --vpc-crn hub-vpc -i dns-hub"
    )]
    PermittedNetworkAdd(zone::NetworkAdd),
    /// List the VPCs permitted to resolve a zone.
    #[command(
        name = "permitted-networks",
        after_help = "EXAMPLE:\n  hubspoke dns permitted-networks example.com -i dns-hub"
    )]
    PermittedNetworks(zone::Networks),
    /// Stop permitting a VPC to resolve a zone.
    #[command(
        name = "permitted-network-remove",
        after_help = "EXAMPLE:\n  hubspoke dns permitted-network-remove example.com VPC_ID -i dns-hub -f"
    )]
    PermittedNetworkRemove(zone::NetworkRemove),
    /// Create a resource record.
    #[command(
        name = "resource-record-create",
        after_help = "EXAMPLE:\n  hubspoke dns resource-record-create example.com --type A --name www --ipv4 10.0.0.5 -i dns-hub"
    )]
    ResourceRecordCreate(zone::RecordCreate),
    /// Replace a resource record's name, data and TTL (its type stays).
    #[command(
        name = "resource-record-update",
        after_help = "EXAMPLE:\n  hubspoke dns resource-record-update example.com A:ID --name www --ipv4 10.0.0.6 -i dns-hub"
    )]
    ResourceRecordUpdate(zone::RecordUpdate),
    /// Show a resource record.
    #[command(
        name = "resource-record",
        after_help = "EXAMPLE:\n  hubspoke dns resource-record example.com A:ID -i dns-hub"
    )]
    ResourceRecord(zone::Record),
    /// List a zone's resource records.
    #[command(
        name = "resource-records",
        after_help = "EXAMPLE:\n  hubspoke dns resource-records example.com -i dns-hub"
    )]
    ResourceRecords(zone::Records),
    /// Create a zone's records from a zone file.
    #[command(
        name = "resource-records-import",
        after_help = "EXAMPLE:\n  hubspoke dns resource-records-import example.com --file example.com.zone -i dns-hub"
    )]
    ResourceRecordsImport(zone::RecordsImport),
    /// Write a zone's records as a zone file.
    #[command(
        name = "resource-records-export",
        after_help = "EXAMPLE:\n  hubspoke dns resource-records-export example.com --file example.com.zone -i dns-hub"
    )]
    ResourceRecordsExport(zone::RecordsExport),
    /// Delete a resource record.
    #[command(
        name = "resource-record-delete",
        after_help = "EXAMPLE:\n  hubspoke dns resource-record-delete example.com A:ID -i dns-hub -f"
    )]
    ResourceRecordDelete(zone::RecordDelete),
}

impl Dns {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        match self {
            Dns::Lookup(command) => command.run(connection, printer).await,
            Dns::CustomResolverCreate(command) => command.run(connection, printer).await,
            Dns::CustomResolverUpdate(command) => command.run(connection, printer).await,
            Dns::CustomResolverDelete(command) => command.run(connection, printer).await,
            Dns::CustomResolvers(command) => command.run(connection, printer).await,
            Dns::CustomResolverLocationOrder(command) => command.run(connection, printer).await,
            Dns::ForwardingRuleCreate(command) => command.run(connection, printer).await,
            Dns::ForwardingRuleUpdate(command) => command.run(connection, printer).await,
            Dns::ForwardingRule(command) => command.show_rule(connection, printer).await,
            Dns::ForwardingRules(command) => command.rules(connection, printer).await,
            Dns::ForwardingRuleDelete(command) => command.delete_rule(connection, printer).await,
            Dns::SecondaryZoneCreate(command) => command.run(connection, printer).await,
            Dns::SecondaryZoneUpdate(command) => command.run(connection, printer).await,
            Dns::SecondaryZone(command) => command.show_zone(connection, printer).await,
            Dns::SecondaryZones(command) => command.zones(connection, printer).await,
            Dns::SecondaryZoneDelete(command) => command.delete_zone(connection, printer).await,
            Dns::ZoneCreate(command) => command.run(connection, printer).await,
            Dns::Zones(command) => command.run(connection, printer).await,
            Dns::Zone(command) => command.run(connection, printer).await,
            Dns::ZoneUpdate(command) => command.run(connection, printer).await,
            Dns::ZoneDelete(command) => command.run(connection, printer).await,
            Dns::PermittedNetworkAdd(command) => command.run(connection, printer).await,
            Dns::PermittedNetworks(command) => command.run(connection, printer).await,
            Dns::PermittedNetworkRemove(command) => command.run(connection, printer).await,
            Dns::ResourceRecordCreate(command) => command.run(connection, printer).await,
            Dns::ResourceRecordUpdate(command) => command.run(connection, printer).await,
            Dns::ResourceRecord(command) => command.run(connection, printer).await,
            Dns::ResourceRecords(command) => command.run(connection, printer).await,
            Dns::ResourceRecordsImport(command) => command.run(connection, printer).await,
            Dns::ResourceRecordsExport(command) => command.run(connection, printer).await,
            Dns::ResourceRecordDelete(command) => command.run(connection, printer).await,
        }
    }
}
