//! `hubspoke dns ...`: DNS Services custom resolvers with their forwarding rules and secondary zones, and lookups as
//! a VPC sees them.

mod custom_resolver;
mod forwarding;
mod lookup;

use clap::Subcommand;

use crate::Connection;
use crate::output::Printer;

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
        }
    }
}
