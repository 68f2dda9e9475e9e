//! `hubspoke is ...`: regions and zones, VPCs and their address prefixes, subnets, endpoint gateways, DNS resolution
//! bindings, security groups, network ACLs, routing tables and public gateways, as the `ibmcloud is` plugin has them.

mod binding;
mod gateway;
mod network_acl;
mod prefix;
mod public_gateway;
mod region;
mod resource_binding;
mod security_group;
mod subnet;
mod vpc;

use std::time::{Duration, Instant};

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::output::Printer;

/// The `is` commands.
#[derive(Clone, Debug, Subcommand)]
pub enum Is {
    /// Create a VPC.
    #[command(
        name = "vpc-create",
        after_help = "EXAMPLES:\n  hubspoke is vpc-create hub-vpc --dns-enable-hub true\n  hubspoke is vpc-create spoke-vpc\n  hubspoke is vpc-create manual-vpc --dns-resolver-type manual --dns-resolver-manual-servers '[{\"address\":\"10.240.0.4\"}]'"
    )]
    VpcCreate(vpc::Create),
    /// Update a VPC: name, DNS hub, resolver (manual servers, delegation).
    #[command(
        name = "vpc-update",
        visible_alias = "vpcu",
        after_help = "EXAMPLES:\n  hubspoke is vpc-update spoke-vpc --dns-resolver-type delegated --delegate-to-vpc HUB_VPC_CRN\n  hubspoke is vpc-update spoke-vpc --dns-resolver-type system"
    )]
    VpcUpdate(vpc::Update),
    /// List VPCs.
    #[command(after_help = "EXAMPLE:\n  hubspoke is vpcs --output json")]
    Vpcs(vpc::List),
    /// Show a VPC.
    #[command(after_help = "EXAMPLE:\n  hubspoke is vpc hub-vpc")]
    Vpc(vpc::Show),
    /// Delete VPCs.
    #[command(name = "vpc-delete", after_help = "EXAMPLE:\n  hubspoke is vpc-delete old-vpc -f")]
    VpcDelete(vpc::Delete),
    /// List a VPC's address prefixes.
    #[command(name = "vpc-address-prefixes", after_help = "EXAMPLE:\n  hubspoke is vpc-address-prefixes spoke-vpc")]
    AddressPrefixes(prefix::List),
    /// Show an address prefix.
    #[command(name = "vpc-address-prefix", after_help = "EXAMPLE:\n  hubspoke is vpc-address-prefix spoke-vpc apps")]
    AddressPrefix(prefix::Show),
    /// Create an address prefix.
    #[command(
        name = "vpc-address-prefix-create",
        after_help = "EXAMPLES:\n  hubspoke is vpc-address-prefix-create apps spoke-vpc us-south-1 10.10.0.0/16 --default\n  hubspoke is vpc-address-prefix-create data spoke-vpc us-south-2 10.20.0.0/16"
    )]
    AddressPrefixCreate(prefix::Create),
    /// Rename an address prefix or change whether it is its zone's default.
    #[command(
        name = "vpc-address-prefix-update",
        after_help = "EXAMPLE:\n  hubspoke is vpc-address-prefix-update spoke-vpc apps --name apps-east --default false"
    )]
    AddressPrefixUpdate(prefix::Update),
    /// Delete address prefixes.
    #[command(
        name = "vpc-address-prefix-delete",
        after_help = "EXAMPLE:\n  hubspoke is vpc-address-prefix-delete spoke-vpc apps -f"
    )]
    AddressPrefixDelete(prefix::Delete),
    /// List regions.
    #[command(after_help = "EXAMPLE:\n  hubspoke is regions")]
    Regions(region::List),
    /// Show a region.
    #[command(after_help = "EXAMPLE:\n  hubspoke is region us-south")]
    Region(region::Show),
    /// List a region's zones.
    #[command(after_help = "EXAMPLE:\n  hubspoke is zones us-south")]
    Zones(region::Zones),
    /// Create a subnet.
    #[command(
        name = "subnet-create",
        after_help = "EXAMPLE:\n  hubspoke is subnet-create hub-subnet hub-vpc --zone us-south-1 --ipv4-address-count 256"
    )]
    SubnetCreate(subnet::Create),
    /// List subnets.
    #[command(after_help = "EXAMPLE:\n  hubspoke is subnets --vpc hub-vpc")]
    Subnets(subnet::List),
    /// Delete subnets (their reserved IPs must be released first: delete the endpoint gateways and custom resolver
    /// locations in them).
    #[command(name = "subnet-delete", after_help = "EXAMPLE:\n  hubspoke is subnet-delete hub-subnet -f")]
    SubnetDelete(subnet::Delete),
    /// List a subnet's reserved IPs.
    #[command(name = "subnet-reserved-ips", after_help = "EXAMPLE:\n  hubspoke is subnet-reserved-ips hub-subnet")]
    SubnetReservedIps(subnet::ReservedIps),
    /// Delete reserved IPs of a subnet (one bound to an endpoint gateway cannot be).
    #[command(
        name = "subnet-reserved-ip-delete",
        after_help = "EXAMPLE:\n  hubspoke is subnet-reserved-ip-delete hub-subnet 10.240.0.9 -f"
    )]
    SubnetReservedIpDelete(subnet::ReservedIpDelete),
    /// Create an endpoint gateway (VPE).
    #[command(
        name = "endpoint-gateway-create",
        after_help = "EXAMPLE:\n  hubspoke is endpoint-gateway-create --vpc hub-vpc --subnet hub-subnet --name hub-cos \\\n    --target crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud --wait"
    )]
    EndpointGatewayCreate(gateway::Create),
    /// List endpoint gateways.
    #[command(name = "endpoint-gateways", after_help = "EXAMPLE:\n  hubspoke is endpoint-gateways --vpc hub-vpc")]
    EndpointGateways(gateway::List),
    /// Show an endpoint gateway.
    #[command(name = "endpoint-gateway", after_help = "EXAMPLE:\n  hubspoke is endpoint-gateway hub-cos")]
    EndpointGateway(gateway::Show),
    /// Update an endpoint gateway's name or DNS resolution binding mode.
    #[command(
        name = "endpoint-gateway-update",
        visible_alias = "egu",
        after_help = "EXAMPLE:\n  hubspoke is endpoint-gateway-update spoke-cos --dns-resolution-binding-mode disabled --wait"
    )]
    EndpointGatewayUpdate(gateway::Update),
    /// Delete endpoint gateways.
    #[command(
        name = "endpoint-gateway-delete",
        after_help = "EXAMPLE:\n  hubspoke is endpoint-gateway-delete spoke-cos -f"
    )]
    EndpointGatewayDelete(gateway::Delete),
    /// List an endpoint gateway's resource bindings.
    #[command(
        name = "endpoint-gateway-resource-bindings",
        after_help = "EXAMPLE:\n  hubspoke is endpoint-gateway-resource-bindings spoke-cos"
    )]
    EndpointGatewayResourceBindings(resource_binding::List),
    /// View a resource binding of an endpoint gateway.
    #[command(
        name = "endpoint-gateway-resource-binding",
        after_help = "EXAMPLE:\n  hubspoke is endpoint-gateway-resource-binding spoke-cos logs-bucket"
    )]
    EndpointGatewayResourceBinding(resource_binding::Show),
    /// Bind a Cloud Object Storage bucket to a `per_resource_binding` endpoint gateway.
    #[command(
        name = "endpoint-gateway-resource-binding-create",
        after_help = "EXAMPLE:\n  hubspoke is endpoint-gateway-resource-binding-create spoke-cos --target-crn crn:v1:bluemix:public:cloud-object-storage:global:a/<account>:<instance>:bucket:logs --name logs-bucket"
    )]
    EndpointGatewayResourceBindingCreate(resource_binding::Create),
    /// Delete resource bindings of an endpoint gateway.
    #[command(
        name = "endpoint-gateway-resource-binding-delete",
        after_help = "EXAMPLE:\n  hubspoke is endpoint-gateway-resource-binding-delete spoke-cos logs-bucket -f"
    )]
    EndpointGatewayResourceBindingDelete(resource_binding::Delete),
    /// Bind a DNS-shared VPC to a hub (run as the spoke's account).
    #[command(
        name = "vpc-dns-resolution-binding-create",
        after_help = "EXAMPLE:\n  hubspoke is vpc-dns-resolution-binding-create spoke-vpc --target-vpc HUB_VPC_CRN --name to-hub --wait"
    )]
    BindingCreate(binding::Create),
    /// List a VPC's DNS resolution bindings.
    #[command(
        name = "vpc-dns-resolution-bindings",
        after_help = "EXAMPLE:\n  hubspoke is vpc-dns-resolution-bindings hub-vpc --account-id SPOKE_ACCOUNT"
    )]
    Bindings(binding::List),
    /// Show a DNS resolution binding.
    #[command(
        name = "vpc-dns-resolution-binding",
        after_help = "EXAMPLE:\n  hubspoke is vpc-dns-resolution-binding spoke-vpc to-hub"
    )]
    Binding(binding::Show),
    /// Rename a DNS resolution binding.
    #[command(
        name = "vpc-dns-resolution-binding-update",
        after_help = "EXAMPLE:\n  hubspoke is vpc-dns-resolution-binding-update spoke-vpc to-hub --name to-transit-hub"
    )]
    BindingUpdate(binding::Update),
    /// Delete DNS resolution bindings.
    #[command(
        name = "vpc-dns-resolution-binding-delete",
        after_help = "EXAMPLE:\n  hubspoke is vpc-dns-resolution-binding-delete spoke-vpc to-hub -f"
    )]
    BindingDelete(binding::Delete),
    /// List security groups.
    #[command(name = "security-groups", after_help = "EXAMPLE:\n  hubspoke is security-groups --vpc hub-vpc")]
    SecurityGroups(security_group::List),
    /// Show a security group with its rules and targets.
    #[command(name = "security-group", after_help = "EXAMPLE:\n  hubspoke is security-group web")]
    SecurityGroup(security_group::Show),
    /// Create a security group (without rules it allows nothing).
    #[command(name = "security-group-create", after_help = "EXAMPLE:\n  hubspoke is security-group-create web hub-vpc")]
    SecurityGroupCreate(security_group::Create),
    /// Delete security groups.
    #[command(name = "security-group-delete", after_help = "EXAMPLE:\n  hubspoke is security-group-delete web -f")]
    SecurityGroupDelete(security_group::Delete),
    /// List a security group's rules.
    #[command(name = "security-group-rules", after_help = "EXAMPLE:\n  hubspoke is security-group-rules web")]
    SecurityGroupRules(security_group::Rules),
    /// Add a rule to a security group.
    #[command(
        name = "security-group-rule-add",
        after_help = "EXAMPLES:\n  hubspoke is security-group-rule-add web inbound tcp --port-min 443 --port-max 443 --remote 10.0.0.0/8\n  hubspoke is security-group-rule-add web inbound icmp --icmp-type 8 --remote web"
    )]
    SecurityGroupRuleAdd(security_group::RuleAdd),
    /// Delete a rule of a security group.
    #[command(
        name = "security-group-rule-delete",
        after_help = "EXAMPLE:\n  hubspoke is security-group-rule-delete web RULE_ID -f"
    )]
    SecurityGroupRuleDelete(security_group::RuleDelete),
    /// List network ACLs.
    #[command(name = "network-acls", after_help = "EXAMPLE:\n  hubspoke is network-acls --vpc hub-vpc")]
    NetworkAcls(network_acl::List),
    /// Show a network ACL with its rules in order.
    #[command(name = "network-acl", after_help = "EXAMPLE:\n  hubspoke is network-acl strict")]
    NetworkAcl(network_acl::Show),
    /// Create a network ACL (without rules it allows nothing).
    #[command(
        name = "network-acl-create",
        after_help = "EXAMPLES:\n  hubspoke is network-acl-create strict hub-vpc\n  hubspoke is network-acl-create copy hub-vpc --source-acl-id strict"
    )]
    NetworkAclCreate(network_acl::Create),
    /// Delete network ACLs (one a subnet uses cannot be).
    #[command(name = "network-acl-delete", after_help = "EXAMPLE:\n  hubspoke is network-acl-delete strict -f")]
    NetworkAclDelete(network_acl::Delete),
    /// Add a rule to a network ACL, last or before another rule.
    #[command(
        name = "network-acl-rule-add",
        after_help = "EXAMPLES:\n  hubspoke is network-acl-rule-add strict allow inbound tcp 10.0.0.0/8 0.0.0.0/0 --name ssh --destination-port-min 22 --destination-port-max 22\n  hubspoke is network-acl-rule-add strict deny inbound any 0.0.0.0/0 0.0.0.0/0 --name deny-rest"
    )]
    NetworkAclRuleAdd(network_acl::RuleAdd),
    /// List a network ACL's rules, in order.
    #[command(
        name = "network-acl-rules",
        after_help = "EXAMPLE:\n  hubspoke is network-acl-rules strict --direction inbound"
    )]
    NetworkAclRules(network_acl::Rules),
    /// Delete a rule of a network ACL.
    #[command(
        name = "network-acl-rule-delete",
        after_help = "EXAMPLE:\n  hubspoke is network-acl-rule-delete strict ssh -f"
    )]
    NetworkAclRuleDelete(network_acl::RuleDelete),
    /// List public gateways.
    #[command(name = "public-gateways", after_help = "EXAMPLE:\n  hubspoke is public-gateways --output json")]
    PublicGateways(public_gateway::List),
    /// Show a public gateway with its floating IP.
    #[command(name = "public-gateway", after_help = "EXAMPLE:\n  hubspoke is public-gateway hub-pgw-1")]
    PublicGateway(public_gateway::Show),
    /// Create a public gateway in a zone of a VPC (one per zone).
    #[command(
        name = "public-gateway-create",
        after_help = "EXAMPLES:\n  hubspoke is public-gateway-create hub-pgw-1 hub-vpc us-south-1\n  hubspoke is public-gateway-create hub-pgw-2 hub-vpc us-south-2 --floating-ip-address 203.0.113.10"
    )]
    PublicGatewayCreate(public_gateway::Create),
    /// Rename a public gateway.
    #[command(
        name = "public-gateway-update",
        after_help = "EXAMPLE:\n  hubspoke is public-gateway-update hub-pgw-1 --name hub-egress-1"
    )]
    PublicGatewayUpdate(public_gateway::Update),
    /// Delete public gateways (detach them from their subnets first).
    #[command(
        name = "public-gateway-delete",
        after_help = "EXAMPLE:\n  hubspoke is public-gateway-delete hub-pgw-1 -f"
    )]
    PublicGatewayDelete(public_gateway::Delete),
    /// Attach a public gateway to a subnet of its VPC and zone.
    #[command(
        name = "subnet-public-gateway-attach",
        after_help = "EXAMPLE:\n  hubspoke is subnet-public-gateway-attach hub-subnet-1 hub-pgw-1"
    )]
    SubnetPublicGatewayAttach(public_gateway::Attach),
    /// Detach a subnet's public gateway.
    #[command(
        name = "subnet-public-gateway-detach",
        after_help = "EXAMPLE:\n  hubspoke is subnet-public-gateway-detach hub-subnet-1 -f"
    )]
    SubnetPublicGatewayDetach(public_gateway::Detach),
    /// Rename a reserved IP or change whether it goes with its target.
    #[command(
        name = "subnet-reserved-ip-update",
        after_help = "EXAMPLE:\n  hubspoke is subnet-reserved-ip-update hub-subnet-1 resolver-ip --name resolver-1 --auto-delete false"
    )]
    SubnetReservedIpUpdate(public_gateway::ReservedIpUpdate),
    /// List a VPC's routing tables.
    #[command(name = "vpc-routing-tables", after_help = "EXAMPLE:\n  hubspoke is vpc-routing-tables hub-vpc")]
    VpcRoutingTables(network_acl::RoutingTables),
}

impl Is {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        match self {
            Is::VpcCreate(command) => command.run(&client, printer).await,
            Is::VpcUpdate(command) => command.run(&client, printer).await,
            Is::Vpcs(command) => command.run(&client, printer).await,
            Is::Vpc(command) => command.run(&client, printer).await,
            Is::VpcDelete(command) => command.run(&client, printer).await,
            Is::AddressPrefixes(command) => command.run(&client, printer).await,
            Is::AddressPrefix(command) => command.run(&client, printer).await,
            Is::AddressPrefixCreate(command) => command.run(&client, printer).await,
            Is::AddressPrefixUpdate(command) => command.run(&client, printer).await,
            Is::AddressPrefixDelete(command) => command.run(&client, printer).await,
            Is::Regions(command) => command.run(&client, printer).await,
            Is::Region(command) => command.run(&client, printer).await,
            Is::Zones(command) => command.run(&client, printer).await,
            Is::SubnetCreate(command) => command.run(&client, printer).await,
            Is::Subnets(command) => command.run(&client, printer).await,
            Is::SubnetDelete(command) => command.run(&client, printer).await,
            Is::SubnetReservedIps(command) => command.run(&client, printer).await,
            Is::SubnetReservedIpDelete(command) => command.run(&client, printer).await,
            Is::EndpointGatewayCreate(command) => command.run(&client, printer).await,
            Is::EndpointGateways(command) => command.run(&client, printer).await,
            Is::EndpointGateway(command) => command.run(&client, printer).await,
            Is::EndpointGatewayUpdate(command) => command.run(&client, printer).await,
            Is::EndpointGatewayDelete(command) => command.run(&client, printer).await,
            Is::EndpointGatewayResourceBindings(command) => command.run(&client, printer).await,
            Is::EndpointGatewayResourceBinding(command) => command.run(&client, printer).await,
            Is::EndpointGatewayResourceBindingCreate(command) => command.run(&client, printer).await,
            Is::EndpointGatewayResourceBindingDelete(command) => command.run(&client, printer).await,
            Is::BindingCreate(command) => command.run(&client, printer).await,
            Is::Bindings(command) => command.run(&client, printer).await,
            Is::Binding(command) => command.run(&client, printer).await,
            Is::BindingUpdate(command) => command.run(&client, printer).await,
            Is::BindingDelete(command) => command.run(&client, printer).await,
            Is::SecurityGroups(command) => command.run(&client, printer).await,
            Is::SecurityGroup(command) => command.run(&client, printer).await,
            Is::SecurityGroupCreate(command) => command.run(&client, printer).await,
            Is::SecurityGroupDelete(command) => command.run(&client, printer).await,
            Is::SecurityGroupRules(command) => command.run(&client, printer).await,
            Is::SecurityGroupRuleAdd(command) => command.run(&client, printer).await,
            Is::SecurityGroupRuleDelete(command) => command.run(&client, printer).await,
            Is::NetworkAcls(command) => command.run(&client, printer).await,
            Is::NetworkAcl(command) => command.run(&client, printer).await,
            Is::NetworkAclCreate(command) => command.run(&client, printer).await,
            Is::NetworkAclDelete(command) => command.run(&client, printer).await,
            Is::NetworkAclRuleAdd(command) => command.run(&client, printer).await,
            Is::NetworkAclRules(command) => command.run(&client, printer).await,
            Is::NetworkAclRuleDelete(command) => command.run(&client, printer).await,
            Is::PublicGateways(command) => command.run(&client, printer).await,
            Is::PublicGateway(command) => command.run(&client, printer).await,
            Is::PublicGatewayCreate(command) => command.run(&client, printer).await,
            Is::PublicGatewayUpdate(command) => command.run(&client, printer).await,
            Is::PublicGatewayDelete(command) => command.run(&client, printer).await,
            Is::SubnetPublicGatewayAttach(command) => command.run(&client, printer).await,
            Is::SubnetPublicGatewayDetach(command) => command.run(&client, printer).await,
            Is::SubnetReservedIpUpdate(command) => command.run(&client, printer).await,
            Is::VpcRoutingTables(command) => command.run(&client, printer).await,
        }
    }
}

/// Every item of a collection (`/v1/{collection}`), only those of one VPC (an id or name) when `vpc` is given, in
/// the shape of one page (`{collection: [...]}`).
pub(crate) async fn list_in_vpc(client: &Client, collection: &str, vpc: Option<&str>) -> anyhow::Result<Value> {
    let mut path = format!("/v1/{collection}");
    if let Some(vpc) = vpc {
        path.push_str(&format!("?vpc.id={}", cell(&find(client, "/v1/vpcs", "vpcs", vpc).await?["id"])));
    }
    let items = client.vpc_all(&path, collection).await?;
    Ok(serde_json::json!({ collection: items }))
}

/// Finds one of the caller's resources by id or name in a list (`key` is the collection member).
pub(crate) async fn find(client: &Client, path: &str, key: &str, wanted: &str) -> anyhow::Result<Value> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut start: Option<String> = None;
    loop {
        let page = match &start {
            None => format!("{path}{separator}limit=100"),
            Some(token) => format!("{path}{separator}limit=100&start={token}"),
        };
        let body = client.vpc(Method::GET, &page, None).await?;
        if let Some(found) =
            body[key].as_array().into_iter().flatten().find(|item| item["id"] == wanted || item["name"] == wanted)
        {
            return Ok(found.clone());
        }
        // The next page's token is the `start` parameter of `next.href`.
        start = body["next"]["href"]
            .as_str()
            .and_then(|href| href.split("start=").nth(1))
            .map(|rest| rest.split('&').next().unwrap_or_default().to_owned());
        if start.is_none() {
            anyhow::bail!("no {} named or with id `{wanted}`", key.trim_end_matches('s').replace('_', " "));
        }
    }
}

/// A VPC identity for a body: a CRN as given (it may be another account's), else the caller's VPC by id or name.
pub(crate) async fn vpc_identity(client: &Client, text: &str) -> anyhow::Result<Value> {
    if text.starts_with("crn:") {
        return Ok(json!({ "crn": text }));
    }
    let vpc = find(client, "/v1/vpcs", "vpcs", text).await?;
    Ok(json!({ "id": vpc["id"] }))
}

/// Waits, with a spinner on standard error, until `path` reports a lifecycle state other than pending/updating.
pub(crate) async fn wait_stable(client: &Client, path: &str, printer: &Printer) -> anyhow::Result<Value> {
    let spinner = indicatif::ProgressBar::new_spinner();
    if printer.json() {
        spinner.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    spinner.enable_steady_tick(Duration::from_millis(100));
    let started = Instant::now();
    loop {
        let body = client.vpc(Method::GET, path, None).await?;
        let state = body["lifecycle_state"].as_str().unwrap_or_default().to_owned();
        spinner.set_message(format!("waiting for `stable`: {state} ({}s)", started.elapsed().as_secs()));
        if !matches!(state.as_str(), "pending" | "updating" | "waiting") {
            spinner.finish_and_clear();
            if state != "stable" {
                anyhow::bail!("the resource became `{state}` instead of `stable`");
            }
            return Ok(body);
        }
        if started.elapsed() > Duration::from_secs(600) {
            spinner.finish_and_clear();
            anyhow::bail!("still `{state}` after 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Asks before deleting, unless forced; an answer other than yes stops the command with an error, so that a script
/// or a user can tell that nothing was deleted.
pub(crate) fn confirm(what: &str, force: bool) -> anyhow::Result<()> {
    use std::io::{BufRead, IsTerminal, Write};
    if force {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("refusing to delete {what} without confirmation: add -f to delete non-interactively");
    }
    print!("Really delete {what}? [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        anyhow::bail!("{what} was not deleted: the deletion was not confirmed");
    }
    Ok(())
}

/// A text cell for a JSON value.
pub(crate) fn cell(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}
