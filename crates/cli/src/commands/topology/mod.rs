//! `hubspoke topology plan|apply|destroy FILE`: a whole hub-and-spoke topology from one declarative file, built in
//! the order its dependencies need (the policy needs the spoke VPC's id, the binding needs the policy, delegation
//! needs the binding) and removed in the order IBM requires, in one pass, idempotently.
//!
//! Every step first checks whether it is already done, so `plan` shows exactly what `apply` would do, and a second
//! `apply` (or `destroy`) does nothing. [`destroy`] holds the removal steps, [`show`] draws what stands.

mod destroy;
mod show;

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::commands::is::{cell, find};
use crate::output::Printer;

const DNS_ROLE: &str = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector";

/// The `topology` commands.
#[derive(Clone, Debug, Subcommand)]
pub enum Topology {
    /// Show what `apply` would do.
    #[command(after_help = "EXAMPLE:\n  hubspoke topology plan hub-and-spoke.toml")]
    Plan(File),
    /// Build the topology: every step not yet done, in order.
    #[command(after_help = "EXAMPLE:\n  HUB_APIKEY=... SPOKE_APIKEY=... hubspoke topology apply hub-and-spoke.toml")]
    Apply(File),
    /// Remove what the file declares, in the order IBM requires: resolvers back to `system`, bindings, policies,
    /// gateways, DNS zones (records, permitted network, zone), the custom resolver, subnets, network ACLs, VPCs.
    #[command(
        after_help = "EXAMPLE:\n  HUB_APIKEY=... SPOKE_APIKEY=... hubspoke topology destroy hub-and-spoke.toml -f"
    )]
    Destroy(destroy::Destroy),
    /// Show the topology as it stands: a tree, or a Graphviz DOT or SVG picture of hubs, spokes, bindings with their
    /// health, delegation and authorizations.
    #[command(
        after_help = "EXAMPLES:\n  hubspoke topology show\n  hubspoke topology show hub-and-spoke.toml --format svg --out topology.svg\n  hubspoke topology show --format dot | dot -Tpng > topology.png"
    )]
    Show(show::Show),
}

/// The topology file argument.
#[derive(Clone, Debug, Args)]
pub struct File {
    /// A TOML topology file (see `docs/cli.md`).
    file: std::path::PathBuf,
}

/// The file's shape.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    /// The server; defaults to the CLI's endpoint.
    endpoint: Option<String>,
    /// The VPC region every VPC of the topology is in; the server's default region when not given.
    region: Option<String>,
    accounts: BTreeMap<String, AccountSpec>,
    hub: HubSpec,
    #[serde(default)]
    spokes: Vec<SpokeSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountSpec {
    apikey: Option<String>,
    apikey_env: Option<String>,
    /// With `create`, the account is created (by the operator) when it does not exist yet, with this id (random
    /// otherwise), this name (the table's key otherwise) and the API key above as its administrator's key.
    #[serde(default)]
    create: bool,
    id: Option<String>,
    name: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HubSpec {
    account: String,
    vpc: String,
    /// The subnet's zone; the region's first zone when not given.
    zone: Option<String>,
    subnet: String,
    /// The subnet's range; 256 addresses of the zone's prefix when not given.
    subnet_cidr: Option<String>,
    /// The VPC's address prefixes: when given, the VPC manages its prefixes manually and has exactly these.
    #[serde(default)]
    address_prefixes: Vec<PrefixSpec>,
    /// A network ACL for the subnet, with its rules in order.
    network_acl: Option<AclSpec>,
    /// A public gateway (by name) in the subnet's zone, created if missing and attached to the subnet.
    public_gateway: Option<String>,
    custom_resolver: ResolverSpec,
    /// Private DNS zones of the resolver's DNS Services instance, each permitted to the hub VPC, with their records.
    #[serde(default)]
    dns_zones: Vec<ZoneSpec>,
    #[serde(default)]
    gateways: Vec<GatewaySpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrefixSpec {
    name: String,
    zone: String,
    cidr: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AclSpec {
    name: String,
    #[serde(default)]
    rules: Vec<AclRuleSpec>,
}

/// An ACL rule as the VPC API takes it (`protocol` `any`, `icmp_tcp_udp`, `tcp`, `udp` or `icmp`, ports for TCP and
/// UDP).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AclRuleSpec {
    name: String,
    action: String,
    direction: String,
    source: String,
    destination: String,
    #[serde(default = "default_protocol")]
    protocol: String,
    port_min: Option<u16>,
    port_max: Option<u16>,
    source_port_min: Option<u16>,
    source_port_max: Option<u16>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolverSpec {
    instance: String,
    name: String,
    /// Zone forwarding rules of the resolver (its default rule comes with it).
    #[serde(default)]
    forwarding_rules: Vec<ForwardingRuleSpec>,
}

/// A zone forwarding rule: the zone it matches and where its queries go.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForwardingRuleSpec {
    #[serde(rename = "match")]
    matches: String,
    forward_to: Vec<String>,
    description: Option<String>,
}

/// A private DNS zone: `label` tells apart zones of one name in the instance.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ZoneSpec {
    name: String,
    description: Option<String>,
    label: Option<String>,
    #[serde(default)]
    records: Vec<RecordSpec>,
}

impl ZoneSpec {
    /// The name as the service stores it: lower case, no final dot.
    fn stored_name(&self) -> String {
        self.name.trim_end_matches('.').to_ascii_lowercase()
    }
}

/// The record types a topology file declares: the ones named by their type and name alone.
const RECORD_TYPES: &[&str] = &["A", "AAAA", "CNAME", "MX", "TXT"];

/// A resource record of a zone, with the `rdata` members its type needs.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordSpec {
    #[serde(rename = "type")]
    kind: String,
    name: String,
    ttl: Option<u32>,
    /// A and AAAA.
    ip: Option<String>,
    /// CNAME.
    cname: Option<String>,
    /// TXT.
    text: Option<String>,
    /// MX.
    exchange: Option<String>,
    /// MX.
    preference: Option<u16>,
}

impl RecordSpec {
    fn kind(&self) -> String {
        self.kind.to_ascii_uppercase()
    }

    /// The record's `rdata` as the API takes it.
    fn rdata(&self) -> Value {
        let mut rdata = json!({});
        for (member, value) in [
            ("ip", self.ip.as_ref().map(|v| json!(v))),
            ("cname", self.cname.as_ref().map(|v| json!(v))),
            ("text", self.text.as_ref().map(|v| json!(v))),
            ("preference", self.preference.map(|v| json!(v))),
            ("exchange", self.exchange.as_ref().map(|v| json!(v))),
        ] {
            if let Some(value) = value {
                rdata[member] = value;
            }
        }
        rdata
    }

    /// The data in words, as plans show it.
    fn data_text(&self) -> String {
        self.rdata().as_object().into_iter().flatten().map(|(_, value)| cell(value)).collect::<Vec<_>>().join(" ")
    }

    /// The full name the service stores for this record in `zone`: a relative name gets the zone appended, `@` is
    /// the zone itself.
    fn stored_name(&self, zone: &str) -> String {
        let name = self.name.trim_end_matches('.').to_ascii_lowercase();
        if name.is_empty() || name == "@" || name == zone {
            zone.to_owned()
        } else if name.ends_with(&format!(".{zone}")) {
            name
        } else {
            format!("{name}.{zone}")
        }
    }

    /// Whether a stored record of this type and name carries this data (names compared as DNS does).
    fn same_data(&self, record: &Value) -> bool {
        let text = |value: &Value| cell(value).trim_end_matches('.').to_ascii_lowercase();
        self.rdata()
            .as_object()
            .into_iter()
            .flatten()
            .all(|(member, value)| text(&record["rdata"][member.as_str()]) == text(value))
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GatewaySpec {
    name: String,
    target: String,
    #[serde(default = "default_mode")]
    mode: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpokeSpec {
    account: String,
    vpc: String,
    /// The subnet's zone; the region's first zone when not given.
    zone: Option<String>,
    subnet: Option<String>,
    subnet_cidr: Option<String>,
    #[serde(default)]
    address_prefixes: Vec<PrefixSpec>,
    network_acl: Option<AclSpec>,
    /// A public gateway (by name) in the subnet's zone, created if missing and attached to the subnet.
    public_gateway: Option<String>,
    /// `vpc` (this spoke VPC only), `all` (every VPC of the spoke account) or `none`.
    #[serde(default = "default_authorize")]
    authorize: String,
    binding: Option<String>,
    #[serde(default)]
    delegate: bool,
    #[serde(default)]
    gateways: Vec<GatewaySpec>,
}

fn default_protocol() -> String {
    "any".to_owned()
}
fn default_mode() -> String {
    "primary".to_owned()
}
fn default_authorize() -> String {
    "vpc".to_owned()
}

/// One step of the plan.
#[derive(Clone, Debug)]
enum Step {
    /// `prefixes`: the CIDRs of the address prefixes the file declares; none for a VPC with automatic ones.
    Vpc {
        account: String,
        name: String,
        hub: bool,
        prefixes: Vec<String>,
    },
    Prefix {
        account: String,
        vpc: String,
        spec: PrefixSpec,
    },
    Acl {
        account: String,
        vpc: String,
        spec: AclSpec,
    },
    PublicGateway {
        account: String,
        vpc: String,
        name: String,
        zone: String,
    },
    Subnet {
        account: String,
        vpc: String,
        name: String,
        zone: String,
        cidr: Option<String>,
        acl: Option<String>,
        public_gateway: Option<String>,
    },
    Resolver {
        account: String,
        subnet: String,
        instance: String,
        name: String,
    },
    ForwardingRule {
        account: String,
        instance: String,
        resolver: String,
        spec: ForwardingRuleSpec,
    },
    Zone {
        account: String,
        instance: String,
        spec: ZoneSpec,
    },
    /// The zone permits the hub VPC, so the hub (and every spoke delegated to it) resolves it.
    ZonePermit {
        account: String,
        instance: String,
        vpc: String,
        zone: ZoneSpec,
    },
    /// `siblings`: every record of the zone the file declares with this one's type and name.
    Record {
        account: String,
        instance: String,
        zone: ZoneSpec,
        spec: RecordSpec,
        siblings: Vec<RecordSpec>,
    },
    Gateway {
        account: String,
        vpc: String,
        subnet: Option<String>,
        spec: GatewaySpec,
    },
    Policy {
        spoke: SpokeSpec,
        hub_account: String,
        hub_vpc: String,
    },
    Binding {
        spoke: SpokeSpec,
        hub_account: String,
        hub_vpc: String,
    },
    Delegate {
        spoke: SpokeSpec,
        hub_account: String,
        hub_vpc: String,
    },
}

impl Step {
    fn describe(&self) -> String {
        match self {
            Step::Vpc { account, name, hub, prefixes } => format!(
                "create {}VPC `{name}`{} in account `{account}`",
                if *hub { "hub " } else { "" },
                if prefixes.is_empty() { "" } else { " with manual address prefixes" }
            ),
            Step::Prefix { vpc, spec, .. } => {
                format!("add address prefix `{}` {} ({}) to `{vpc}`", spec.name, spec.cidr, spec.zone)
            }
            Step::Acl { vpc, spec, .. } => {
                format!("create network ACL `{}` with {} rules in `{vpc}`", spec.name, spec.rules.len())
            }
            Step::PublicGateway { vpc, name, zone, .. } => {
                format!("create public gateway `{name}` in `{vpc}` ({zone})")
            }
            Step::Subnet { account, vpc, name, zone, cidr, acl, public_gateway } => format!(
                "create subnet `{name}`{} in `{vpc}` ({zone}){}{} in account `{account}`",
                cidr.as_deref().map(|cidr| format!(" {cidr}")).unwrap_or_default(),
                acl.as_deref().map(|acl| format!(" on ACL `{acl}`")).unwrap_or_default(),
                public_gateway
                    .as_deref()
                    .map(|gateway| format!(" with public gateway `{gateway}`"))
                    .unwrap_or_default()
            ),
            Step::Resolver { subnet, instance, name, .. } => {
                format!("create and enable custom resolver `{name}` (instance `{instance}`) in subnet `{subnet}`")
            }
            Step::ForwardingRule { resolver, spec, .. } => {
                format!("forward `{}` to {} on custom resolver `{resolver}`", spec.matches, spec.forward_to.join(", "))
            }
            Step::Zone { instance, spec, .. } => format!(
                "create DNS zone `{}`{} in instance `{instance}`",
                spec.stored_name(),
                spec.label.as_deref().map(|label| format!(" (label `{label}`)")).unwrap_or_default()
            ),
            Step::ZonePermit { vpc, zone, .. } => {
                format!("permit hub VPC `{vpc}` to resolve DNS zone `{}`", zone.stored_name())
            }
            Step::Record { zone, spec, .. } => format!(
                "add {} record `{}` {}{} to DNS zone `{}`",
                spec.kind(),
                spec.stored_name(&zone.stored_name()),
                spec.data_text(),
                spec.ttl.map(|ttl| format!(" (TTL {ttl} s)")).unwrap_or_default(),
                zone.stored_name()
            ),
            Step::Gateway { vpc, spec, .. } => {
                format!("create endpoint gateway `{}` ({}) in `{vpc}`", spec.name, spec.mode)
            }
            Step::Policy { spoke, hub_vpc, .. } => format!(
                "authorize {} of account `{}` as DNSBindingConnector on hub `{hub_vpc}`",
                if spoke.authorize == "all" { "all VPCs".to_owned() } else { format!("VPC `{}`", spoke.vpc) },
                spoke.account
            ),
            Step::Binding { spoke, hub_vpc, .. } => format!("bind `{}` to hub `{hub_vpc}`", spoke.vpc),
            Step::Delegate { spoke, hub_vpc, .. } => {
                format!("delegate the resolver of `{}` to hub `{hub_vpc}`", spoke.vpc)
            }
        }
    }
}

/// The clients, by account name.
struct Clients(BTreeMap<String, (Client, String)>);

impl Clients {
    fn get(&self, account: &str) -> anyhow::Result<&(Client, String)> {
        self.0
            .get(account)
            .with_context(|| format!("the topology names account `{account}`, which `[accounts]` does not define"))
    }
}

async fn vpc_named(client: &Client, name: &str) -> Option<Value> {
    find(client, "/v1/vpcs", "vpcs", name).await.ok()
}

impl Topology {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let (file, apply) = match self {
            Topology::Plan(file) => (file, false),
            Topology::Apply(file) => (file, true),
            Topology::Destroy(destroy) => return destroy.run(connection, printer).await,
            Topology::Show(show) => return show.run(connection, printer).await,
        };
        let (spec, clients) = open(&file, connection).await?;
        let steps = steps(&spec);
        let mut pending = Vec::new();
        let mut conflicts = Vec::new();
        let mut descriptions = Vec::new();
        for step in &steps {
            if let Some(conflict) = conflict(&clients, step).await? {
                conflicts.push(format!("{}: {conflict}", step.describe()));
            } else if !done(&clients, step).await? {
                pending.push(step.clone());
            }
            descriptions.push(describe_now(&clients, step).await?);
        }
        if printer.json() && !apply {
            let plan: Vec<Value> = steps.iter().map(|s| json!({ "step": s.describe(), "pending": pending.iter().any(|p| p.describe() == s.describe()) })).collect();
            printer.value(&json!({ "steps": plan }));
            return Ok(());
        }
        printer.progress(&format!(
            "Plan for {} ({} of {} steps to do):",
            file.file.display(),
            pending.len(),
            steps.len()
        ));
        for (step, description) in steps.iter().zip(&descriptions) {
            let todo = pending.iter().any(|p| p.describe() == step.describe());
            printer.progress(&format!("  {} {description}", if todo { "+" } else { "=" }));
        }
        // What already exists but differs in a way no step can change is reported before anything is done, so an
        // apply never stops half-way on it.
        if !conflicts.is_empty() {
            bail!("the topology cannot be applied as it stands:\n  {}", conflicts.join("\n  "));
        }
        if !apply {
            return Ok(());
        }
        for step in &pending {
            printer.progress(&format!("Applying: {}...", describe_now(&clients, step).await?));
            run(&clients, step).await.with_context(|| format!("while trying to {}", step.describe()))?;
        }
        printer.ok();
        printer.progress(if pending.is_empty() {
            "Nothing to do: the topology is already in place."
        } else {
            "The topology is in place."
        });
        Ok(())
    }
}

/// One VPC's network as a file declares it, for a hub or a spoke alike.
struct Network<'a> {
    account: &'a str,
    vpc: &'a str,
    hub: bool,
    zone: String,
    subnet: Option<&'a str>,
    subnet_cidr: Option<&'a str>,
    prefixes: &'a [PrefixSpec],
    acl: Option<&'a AclSpec>,
    public_gateway: Option<&'a str>,
}

/// The VPC, its prefixes, its ACL and its subnet, in the order the rules need them (a subnet lies in a prefix and is
/// attached to its ACL when created).
fn network_steps(network: Network) -> Vec<Step> {
    let (account, vpc) = (network.account.to_owned(), network.vpc.to_owned());
    let mut steps = vec![Step::Vpc {
        account: account.clone(),
        name: vpc.clone(),
        hub: network.hub,
        prefixes: network.prefixes.iter().map(|prefix| prefix.cidr.clone()).collect(),
    }];
    steps.extend(network.prefixes.iter().map(|spec| Step::Prefix {
        account: account.clone(),
        vpc: vpc.clone(),
        spec: spec.clone(),
    }));
    steps.extend(network.acl.map(|spec| Step::Acl { account: account.clone(), vpc: vpc.clone(), spec: spec.clone() }));
    steps.extend(network.public_gateway.map(|gateway| Step::PublicGateway {
        account: account.clone(),
        vpc: vpc.clone(),
        name: gateway.to_owned(),
        zone: network.zone.clone(),
    }));
    steps.extend(network.subnet.map(|subnet| Step::Subnet {
        account: account.clone(),
        vpc: vpc.clone(),
        name: subnet.to_owned(),
        zone: network.zone,
        cidr: network.subnet_cidr.map(str::to_owned),
        acl: network.acl.map(|acl| acl.name.clone()),
        public_gateway: network.public_gateway.map(str::to_owned),
    }));
    steps
}

/// Reads a topology file and connects to each of its accounts.
async fn open(file: &File, connection: &Connection) -> anyhow::Result<(Spec, Clients)> {
    let operator = std::env::var("HUBSPOKE_OPERATOR_APIKEY").ok();
    open_at(&file.file, connection.endpoint.clone(), operator.as_deref()).await
}

/// Reads a topology file and connects to each of its accounts at `endpoint` (the file's own `endpoint` wins, then the
/// profile's), creating the accounts marked `create` that do not exist yet with the operator's key.
async fn open_at(
    path: &std::path::Path,
    endpoint: Option<String>,
    operator_key: Option<&str>,
) -> anyhow::Result<(Spec, Clients)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading `{}`", path.display()))?;
    let spec: Spec = toml::from_str(&text).with_context(|| format!("`{}` is not a valid topology", path.display()))?;
    for zone in &spec.hub.dns_zones {
        if let Some(record) = zone.records.iter().find(|record| !RECORD_TYPES.contains(&record.kind().as_str())) {
            bail!(
                "`{}`: record `{}` of DNS zone `{}` has the type `{}`; a topology file declares {} records",
                path.display(),
                record.name,
                zone.name,
                record.kind,
                RECORD_TYPES.join(", ")
            );
        }
    }
    let endpoint = match spec.endpoint.clone().or(endpoint) {
        Some(endpoint) => endpoint,
        None => crate::profile::load()?
            .endpoint
            .context("no endpoint: set `endpoint` in the file, --endpoint or HUBSPOKE_ENDPOINT")?,
    };
    let mut clients = BTreeMap::new();
    for (name, account) in &spec.accounts {
        let key = match (&account.apikey, &account.apikey_env) {
            (Some(key), _) => key.clone(),
            (None, Some(variable)) => std::env::var(variable)
                .with_context(|| format!("account `{name}`: the environment variable `{variable}` is not set"))?,
            (None, None) => bail!("account `{name}` needs `apikey` or `apikey_env`"),
        };
        if account.create {
            let operator = operator_key.with_context(|| {
                format!("account `{name}` is to be created, which needs the operator's key (HUBSPOKE_OPERATOR_APIKEY)")
            })?;
            ensure_account(&Client::new(&endpoint, operator), name, account, &key).await?;
        }
        let client = Client::new(&endpoint, &key).in_region(spec.region.as_deref());
        let id = client.account_id().await?;
        clients.insert(name.clone(), (client, id));
    }
    Ok((spec, Clients(clients)))
}

/// Creates the account unless one with its id (or, without an id, its name) exists.
async fn ensure_account(operator: &Client, key_name: &str, account: &AccountSpec, apikey: &str) -> anyhow::Result<()> {
    let name = account.name.as_deref().unwrap_or(key_name);
    let listed = operator.call(Method::GET, "/_hubspoke/accounts", None).await?;
    let exists = listed["accounts"].as_array().into_iter().flatten().any(|existing| match &account.id {
        Some(id) => existing["id"] == id.as_str(),
        None => existing["name"] == name,
    });
    if !exists {
        let mut body = json!({ "name": name, "apikey": apikey });
        if let Some(id) = &account.id {
            body["id"] = json!(id);
        }
        operator.call(Method::POST, "/_hubspoke/accounts", Some(&body)).await?;
    }
    Ok(())
}

/// Applies a topology file against the server at `endpoint`, as the operator (who creates the accounts the file marks
/// `create`), telling `report` each step before it runs; as `apply`, nothing is done while a conflict remains.
pub async fn apply_file(
    path: &std::path::Path,
    endpoint: &str,
    operator_key: &str,
    report: &(dyn Fn(&std::path::Path, &str) + Send + Sync),
) -> anyhow::Result<()> {
    let (spec, clients) = open_at(path, Some(endpoint.to_owned()), Some(operator_key)).await?;
    let steps = steps(&spec);
    let mut conflicts = Vec::new();
    for step in &steps {
        if let Some(conflict) = conflict(&clients, step).await? {
            conflicts.push(format!("{}: {conflict}", step.describe()));
        }
    }
    if !conflicts.is_empty() {
        bail!("`{}` cannot be applied as it stands:\n  {}", path.display(), conflicts.join("\n  "));
    }
    for step in &steps {
        if !done(&clients, step).await? {
            report(path, &step.describe());
            run(&clients, step)
                .await
                .with_context(|| format!("`{}`: while trying to {}", path.display(), step.describe()))?;
        }
    }
    Ok(())
}

fn steps(spec: &Spec) -> Vec<Step> {
    let zone = |zone: &Option<String>| {
        zone.clone().unwrap_or_else(|| format!("{}-1", spec.region.as_deref().unwrap_or("us-south")))
    };
    let hub = &spec.hub;
    let instance = &hub.custom_resolver.instance;
    // The zones come first: they need only the DNS Services instance, so a name the service refuses (rules Z1 and Z2)
    // stops an apply before any VPC is built.
    let mut steps: Vec<Step> = hub
        .dns_zones
        .iter()
        .map(|zone| Step::Zone { account: hub.account.clone(), instance: instance.clone(), spec: zone.clone() })
        .collect();
    steps.extend(network_steps(Network {
        account: &hub.account,
        vpc: &hub.vpc,
        hub: true,
        zone: zone(&hub.zone),
        subnet: Some(&hub.subnet),
        subnet_cidr: hub.subnet_cidr.as_deref(),
        prefixes: &hub.address_prefixes,
        acl: hub.network_acl.as_ref(),
        public_gateway: hub.public_gateway.as_deref(),
    }));
    steps.extend([Step::Resolver {
        account: hub.account.clone(),
        subnet: hub.subnet.clone(),
        instance: hub.custom_resolver.instance.clone(),
        name: hub.custom_resolver.name.clone(),
    }]);
    steps.extend(hub.custom_resolver.forwarding_rules.iter().map(|rule| Step::ForwardingRule {
        account: hub.account.clone(),
        instance: hub.custom_resolver.instance.clone(),
        resolver: hub.custom_resolver.name.clone(),
        spec: rule.clone(),
    }));
    for zone in &hub.dns_zones {
        steps.push(Step::ZonePermit {
            account: hub.account.clone(),
            instance: instance.clone(),
            vpc: hub.vpc.clone(),
            zone: zone.clone(),
        });
        let name = |record: &RecordSpec| (record.kind(), record.stored_name(&zone.stored_name()));
        steps.extend(zone.records.iter().map(|record| Step::Record {
            account: hub.account.clone(),
            instance: instance.clone(),
            zone: zone.clone(),
            spec: record.clone(),
            siblings: zone.records.iter().filter(|other| name(other) == name(record)).cloned().collect(),
        }));
    }
    steps.extend(hub.gateways.iter().map(|g| Step::Gateway {
        account: hub.account.clone(),
        vpc: hub.vpc.clone(),
        subnet: Some(hub.subnet.clone()),
        spec: g.clone(),
    }));
    for spoke in &spec.spokes {
        steps.extend(network_steps(Network {
            account: &spoke.account,
            vpc: &spoke.vpc,
            hub: false,
            zone: zone(&spoke.zone),
            subnet: spoke.subnet.as_deref(),
            subnet_cidr: spoke.subnet_cidr.as_deref(),
            prefixes: &spoke.address_prefixes,
            acl: spoke.network_acl.as_ref(),
            public_gateway: spoke.public_gateway.as_deref(),
        }));
        steps.extend(spoke.gateways.iter().map(|g| Step::Gateway {
            account: spoke.account.clone(),
            vpc: spoke.vpc.clone(),
            subnet: spoke.subnet.clone(),
            spec: g.clone(),
        }));
    }
    for spoke in &spec.spokes {
        let (hub_account, hub_vpc) = (hub.account.clone(), hub.vpc.clone());
        if spoke.authorize != "none" {
            steps.push(Step::Policy {
                spoke: spoke.clone(),
                hub_account: hub_account.clone(),
                hub_vpc: hub_vpc.clone(),
            });
        }
        steps.push(Step::Binding { spoke: spoke.clone(), hub_account: hub_account.clone(), hub_vpc: hub_vpc.clone() });
        if spoke.delegate {
            steps.push(Step::Delegate { spoke: spoke.clone(), hub_account, hub_vpc });
        }
    }
    steps
}

async fn subnet_of(client: &Client, vpc: &Value, name: &str) -> Option<Value> {
    find(client, &format!("/v1/subnets?vpc.id={}", cell(&vpc["id"])), "subnets", name).await.ok()
}

/// A public gateway of the account by name (names are unique within an account).
async fn public_gateway_named(client: &Client, name: &str) -> Option<Value> {
    find(client, "/v1/public_gateways", "public_gateways", name).await.ok()
}

/// A network ACL of the VPC by name.
async fn acl_of(client: &Client, vpc: &Value, name: &str) -> Option<Value> {
    find(client, &format!("/v1/network_acls?vpc.id={}", cell(&vpc["id"])), "network_acls", name).await.ok()
}

/// An ACL rule prototype of the VPC API.
fn acl_rule(rule: &AclRuleSpec) -> Value {
    let mut body = json!({
        "name": rule.name,
        "action": rule.action,
        "direction": rule.direction,
        "source": rule.source,
        "destination": rule.destination,
        "protocol": rule.protocol,
    });
    for (field, value) in [
        ("destination_port_min", rule.port_min),
        ("destination_port_max", rule.port_max),
        ("source_port_min", rule.source_port_min),
        ("source_port_max", rule.source_port_max),
    ] {
        if let Some(value) = value {
            body[field] = json!(value);
        }
    }
    body
}

/// The forwarding rule of the named resolver that matches `matches` (as the service stores it: lowercase, no final
/// dot); `None` when the resolver or the rule does not exist.
async fn rule_matching(
    client: &Client,
    instance: &str,
    resolver: &str,
    matches: &str,
) -> anyhow::Result<Option<Value>> {
    let Some(found) = resolver_named(client, instance, resolver).await? else { return Ok(None) };
    let Some(instance) = super::dns::existing_instance(client, instance).await? else { return Ok(None) };
    let path = format!("/v1/instances/{instance}/custom_resolvers/{}/forwarding_rules?limit=1000", cell(&found["id"]));
    let wanted = matches.trim_end_matches('.').to_ascii_lowercase();
    let rules = client.call(Method::GET, &path, None).await?;
    Ok(rules["forwarding_rules"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|rule| rule["match"] == wanted.as_str())
        .cloned())
}

/// The resolver `name` of the DNS Services instance named `instance`, if both exist.
pub(super) async fn resolver_named(client: &Client, instance: &str, name: &str) -> anyhow::Result<Option<Value>> {
    let Some(instance) = super::dns::existing_instance(client, instance).await? else {
        return Ok(None);
    };
    let body = client.call(Method::GET, &format!("/v1/instances/{instance}/custom_resolvers"), None).await?;
    Ok(body["custom_resolvers"].as_array().into_iter().flatten().find(|r| r["name"] == name).cloned())
}

/// The zone the file declares, as `(path, zone)` with its `…/dnszones/{id}` path, if the instance and the zone exist
/// (with the file's label when it gives one).
async fn zone_named(client: &Client, instance: &str, spec: &ZoneSpec) -> anyhow::Result<Option<(String, Value)>> {
    let Some(instance) = super::dns::existing_instance(client, instance).await? else { return Ok(None) };
    let zones = format!("/v1/instances/{instance}/dnszones");
    let body = client.call(Method::GET, &format!("{zones}?limit=1000"), None).await?;
    let name = spec.stored_name();
    Ok(body["dnszones"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|zone| zone["name"] == name.as_str() && spec.label.as_deref().is_none_or(|label| zone["label"] == label))
        .map(|zone| (format!("{zones}/{}", cell(&zone["id"])), zone.clone())))
}

/// The records of the zone at `zone` with this record's type and name.
async fn records_like(client: &Client, zone: &str, zone_name: &str, spec: &RecordSpec) -> anyhow::Result<Vec<Value>> {
    let path = format!("{zone}/resource_records?limit=1000&type={}", spec.kind());
    let body = client.call(Method::GET, &path, None).await?;
    let name = spec.stored_name(zone_name);
    Ok(body["resource_records"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|record| record["type"] == spec.kind().as_str() && record["name"] == name.as_str())
        .cloned()
        .collect())
}

/// Whether the zone at `zone` permits the VPC.
async fn permits(client: &Client, zone: &str, vpc: &Value) -> anyhow::Result<bool> {
    let body = client.call(Method::GET, &format!("{zone}/permitted_networks"), None).await?;
    Ok(body["permitted_networks"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|network| network["permitted_network"]["vpc_crn"] == vpc["crn"]))
}

/// The hub VPC's CRN and id, if it exists.
async fn hub_of(clients: &Clients, account: &str, vpc: &str) -> anyhow::Result<Option<Value>> {
    Ok(vpc_named(&clients.get(account)?.0, vpc).await)
}

/// The hub's authorization policy for the spoke as the file declares it, if there is one.
async fn policy_of(
    clients: &Clients,
    spoke: &SpokeSpec,
    spoke_vpc: &Value,
    hub_account: &str,
    hub: &Value,
) -> anyhow::Result<Option<Value>> {
    let (hub_client, hub_id) = clients.get(hub_account)?;
    let spoke_account = &clients.get(&spoke.account)?.1;
    let body =
        hub_client.call(Method::GET, &format!("/v1/policies?account_id={hub_id}&type=authorization"), None).await?;
    let attribute = |policy: &Value, side: &str, name: &str| -> Option<String> {
        policy[side][0]["attributes"]
            .as_array()?
            .iter()
            .find(|a| a["name"] == name)
            .and_then(|a| a["value"].as_str())
            .map(str::to_owned)
    };
    Ok(body["policies"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| {
            let resource = attribute(p, "subjects", "resource");
            attribute(p, "subjects", "accountId").as_deref() == Some(spoke_account)
                && attribute(p, "resources", "vpcId").as_deref() == hub["id"].as_str()
                && p["roles"].as_array().is_some_and(|roles| roles.iter().any(|r| r["role_id"] == DNS_ROLE))
                && match spoke.authorize.as_str() {
                    "all" => resource.is_none(),
                    _ => resource.as_deref() == spoke_vpc["id"].as_str(),
                }
        })
        .cloned())
}

/// What a step does now: a VPC that exists with the other hub flag is changed, not created.
async fn describe_now(clients: &Clients, step: &Step) -> anyhow::Result<String> {
    if let Step::Vpc { account, name, hub, .. } = step
        && let Some(vpc) = vpc_named(&clients.get(account)?.0, name).await
        && vpc["dns"]["enable_hub"] != *hub
    {
        return Ok(format!("make the existing VPC `{name}` {}", if *hub { "a hub" } else { "a spoke (not a hub)" }));
    }
    Ok(step.describe())
}

/// Why a step cannot be done as the file says: what it names already exists with another attribute than the file
/// gives (a subnet's zone, range, ACL or public gateway; an ACL's rules; a gateway's target or mode; a public
/// gateway's zone) or one the API cannot change (a VPC's undeclared prefixes, a hub flag behind bindings). `plan`
/// reports each and `apply` does nothing while any remains.
async fn conflict(clients: &Clients, step: &Step) -> anyhow::Result<Option<String>> {
    match step {
        Step::Vpc { .. } => vpc_conflict(clients, step).await,
        Step::Subnet { account, vpc, name, zone, cidr, acl, public_gateway } => {
            let client = &clients.get(account)?.0;
            let Some(vpc) = vpc_named(client, vpc).await else { return Ok(None) };
            let Some(subnet) = subnet_of(client, &vpc, name).await else { return Ok(None) };
            let mut differences = Vec::new();
            if subnet["zone"]["name"] != zone.as_str() {
                differences.push(format!("is in zone `{}`, not `{zone}`", cell(&subnet["zone"]["name"])));
            }
            if let Some(cidr) = cidr.as_deref().filter(|cidr| subnet["ipv4_cidr_block"] != *cidr) {
                differences.push(format!("has the range {}, not {cidr}", cell(&subnet["ipv4_cidr_block"])));
            }
            if let Some(acl) = acl.as_deref().filter(|acl| subnet["network_acl"]["name"] != *acl) {
                differences.push(format!("is on network ACL `{}`, not `{acl}`", cell(&subnet["network_acl"]["name"])));
            }
            if let Some(gateway) = public_gateway.as_deref().filter(|g| subnet["public_gateway"]["name"] != *g) {
                differences
                    .push(format!("has public gateway `{}`, not `{gateway}`", cell(&subnet["public_gateway"]["name"])));
            }
            Ok((!differences.is_empty()).then(|| {
                format!("subnet `{name}` exists but {} (delete it to have it rebuilt)", differences.join(", "))
            }))
        }
        Step::Acl { account, vpc, spec } => {
            let client = &clients.get(account)?.0;
            let Some(vpc) = vpc_named(client, vpc).await else { return Ok(None) };
            let Some(acl) = acl_of(client, &vpc, &spec.name).await else { return Ok(None) };
            let path = format!("/v1/network_acls/{}/rules", cell(&acl["id"]));
            let existing: Vec<String> =
                client.vpc_all(&path, "rules").await?.iter().map(|r| cell(&r["name"])).collect();
            let wanted: Vec<String> = spec.rules.iter().map(|r| r.name.clone()).collect();
            Ok((existing != wanted).then(|| {
                format!(
                    "network ACL `{}` exists with the rules {}, and the file gives {}",
                    spec.name,
                    existing.join(", "),
                    wanted.join(", ")
                )
            }))
        }
        Step::Gateway { account, vpc, spec, .. } => {
            let client = &clients.get(account)?.0;
            let Some(vpc) = vpc_named(client, vpc).await else { return Ok(None) };
            let path = format!("/v1/endpoint_gateways?vpc.id={}", cell(&vpc["id"]));
            let Ok(gateway) = find(client, &path, "endpoint_gateways", &spec.name).await else { return Ok(None) };
            let target = if gateway["target"]["crn"].is_string() {
                &gateway["target"]["crn"]
            } else {
                &gateway["target"]["name"]
            };
            let mut differences = Vec::new();
            if *target != spec.target.as_str() {
                differences.push(format!("targets `{}`", cell(target)));
            }
            if gateway["dns_resolution_binding_mode"] != spec.mode.as_str() {
                differences.push(format!("is `{}`", cell(&gateway["dns_resolution_binding_mode"])));
            }
            Ok((!differences.is_empty()).then(|| {
                format!(
                    "endpoint gateway `{}` exists but {} (the file: `{}`, `{}`)",
                    spec.name,
                    differences.join(" and "),
                    spec.target,
                    spec.mode
                )
            }))
        }
        Step::ForwardingRule { account, instance, resolver, spec } => {
            let Some(rule) = rule_matching(&clients.get(account)?.0, instance, resolver, &spec.matches).await? else {
                return Ok(None);
            };
            Ok((rule["forward_to"] != json!(spec.forward_to)).then(|| {
                format!(
                    "the forwarding rule for `{}` exists and forwards to {}, not {} (delete it to have it rebuilt)",
                    spec.matches,
                    rule["forward_to"],
                    json!(spec.forward_to)
                )
            }))
        }
        Step::Zone { account, instance, spec } => {
            let Some((_, zone)) = zone_named(&clients.get(account)?.0, instance, spec).await? else { return Ok(None) };
            let description = spec.description.as_deref().filter(|wanted| zone["description"] != *wanted);
            Ok(description.map(|wanted| {
                format!(
                    "DNS zone `{}` exists with the description `{}`, not `{wanted}` (delete it to have it rebuilt)",
                    spec.stored_name(),
                    cell(&zone["description"])
                )
            }))
        }
        Step::Record { account, instance, zone, spec, siblings } => {
            let client = &clients.get(account)?.0;
            let Some((path, _)) = zone_named(client, instance, zone).await? else { return Ok(None) };
            let existing = records_like(client, &path, &zone.stored_name(), spec).await?;
            let name = spec.stored_name(&zone.stored_name());
            if let Some(record) = existing.iter().find(|record| spec.same_data(record)) {
                return Ok(spec.ttl.filter(|ttl| record["ttl"] != *ttl).map(|ttl| {
                    format!(
                        "the {} record `{name}` exists with the TTL {}, not {ttl} (delete it to have it rebuilt)",
                        spec.kind(),
                        cell(&record["ttl"])
                    )
                }));
            }
            // A record of this name the file does not declare stands where this one would go: changed by hand.
            let undeclared: Vec<String> = existing
                .iter()
                .filter(|record| !siblings.iter().any(|sibling| sibling.same_data(record)))
                .map(|record| format!("`{}`", rdata_words(record)))
                .collect();
            Ok((!undeclared.is_empty()).then(|| {
                format!(
                    "the {} record `{name}` exists with {}, not `{}` (delete it to have it rebuilt)",
                    spec.kind(),
                    undeclared.join(", "),
                    spec.data_text()
                )
            }))
        }
        Step::PublicGateway { account, name, zone, .. } => {
            let Some(gateway) = public_gateway_named(&clients.get(account)?.0, name).await else { return Ok(None) };
            Ok((gateway["zone"]["name"] != zone.as_str()).then(|| {
                format!("public gateway `{name}` exists in zone `{}`, not `{zone}`", cell(&gateway["zone"]["name"]))
            }))
        }
        _ => Ok(None),
    }
}

/// A stored record's data in words, in the order the file's records give it.
fn rdata_words(record: &Value) -> String {
    ["ip", "cname", "text", "preference", "exchange"]
        .iter()
        .filter(|member| !record["rdata"][**member].is_null())
        .map(|member| cell(&record["rdata"][*member]))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A VPC that exists in a way the file cannot change.
async fn vpc_conflict(clients: &Clients, step: &Step) -> anyhow::Result<Option<String>> {
    let Step::Vpc { account, name, hub, prefixes } = step else { return Ok(None) };
    let client = &clients.get(account)?.0;
    let Some(vpc) = vpc_named(client, name).await else { return Ok(None) };
    // IBM does not say whether an existing VPC manages its prefixes manually; what matters is whether it has prefixes
    // the file does not declare (an automatic VPC's defaults), which the file's subnets would have to fit around.
    if !prefixes.is_empty() {
        let path = format!("/v1/vpcs/{}/address_prefixes", cell(&vpc["id"]));
        let undeclared: Vec<String> = client
            .vpc_all(&path, "address_prefixes")
            .await?
            .iter()
            .map(|prefix| cell(&prefix["cidr"]))
            .filter(|cidr| !prefixes.contains(cidr))
            .collect();
        if !undeclared.is_empty() {
            return Ok(Some(format!(
                "VPC `{name}` exists with address prefixes the file does not declare ({}); the file manages its \
                 prefixes manually, so delete those prefixes or the VPC first",
                undeclared.join(", ")
            )));
        }
    }
    let bindings = vpc["dns"]["resolution_binding_count"].as_u64().unwrap_or_default();
    if vpc["dns"]["enable_hub"] != *hub && bindings > 0 {
        return Ok(Some(format!(
            "VPC `{name}` exists {} with {bindings} DNS resolution bindings, so it cannot become {} (rule H2)",
            if *hub { "as a spoke" } else { "as a hub" },
            if *hub { "a hub" } else { "a spoke" }
        )));
    }
    Ok(None)
}

/// Whether a step is already done (a step whose prerequisites do not exist yet is not).
async fn done(clients: &Clients, step: &Step) -> anyhow::Result<bool> {
    Ok(match step {
        Step::Vpc { account, name, hub, .. } => {
            vpc_named(&clients.get(account)?.0, name).await.is_some_and(|vpc| vpc["dns"]["enable_hub"] == *hub)
        }
        Step::Subnet { account, vpc, name, .. } => {
            let client = &clients.get(account)?.0;
            match vpc_named(client, vpc).await {
                Some(vpc) => subnet_of(client, &vpc, name).await.is_some(),
                None => false,
            }
        }
        Step::PublicGateway { account, name, .. } => {
            public_gateway_named(&clients.get(account)?.0, name).await.is_some()
        }
        Step::Prefix { account, vpc, spec } => {
            let client = &clients.get(account)?.0;
            match vpc_named(client, vpc).await {
                Some(vpc) => {
                    let path = format!("/v1/vpcs/{}/address_prefixes", cell(&vpc["id"]));
                    find(client, &path, "address_prefixes", &spec.name).await.is_ok()
                }
                None => false,
            }
        }
        Step::Acl { account, vpc, spec } => {
            let client = &clients.get(account)?.0;
            match vpc_named(client, vpc).await {
                Some(vpc) => acl_of(client, &vpc, &spec.name).await.is_some(),
                None => false,
            }
        }
        Step::Resolver { account, instance, name, .. } => {
            resolver_named(&clients.get(account)?.0, instance, name).await?.is_some_and(|r| r["enabled"] == true)
        }
        Step::ForwardingRule { account, instance, resolver, spec } => {
            rule_matching(&clients.get(account)?.0, instance, resolver, &spec.matches).await?.is_some()
        }
        Step::Zone { account, instance, spec } => zone_named(&clients.get(account)?.0, instance, spec).await?.is_some(),
        Step::ZonePermit { account, instance, vpc, zone } => {
            let client = &clients.get(account)?.0;
            match (zone_named(client, instance, zone).await?, vpc_named(client, vpc).await) {
                (Some((path, _)), Some(vpc)) => permits(client, &path, &vpc).await?,
                _ => false,
            }
        }
        Step::Record { account, instance, zone, spec, .. } => {
            let client = &clients.get(account)?.0;
            match zone_named(client, instance, zone).await? {
                Some((path, _)) => records_like(client, &path, &zone.stored_name(), spec)
                    .await?
                    .iter()
                    .any(|record| spec.same_data(record)),
                None => false,
            }
        }
        Step::Gateway { account, vpc, spec, .. } => {
            let client = &clients.get(account)?.0;
            match vpc_named(client, vpc).await {
                Some(vpc) => find(
                    client,
                    &format!("/v1/endpoint_gateways?vpc.id={}", cell(&vpc["id"])),
                    "endpoint_gateways",
                    &spec.name,
                )
                .await
                .is_ok(),
                None => false,
            }
        }
        Step::Policy { spoke, hub_account, hub_vpc } => {
            let spoke_vpc = vpc_named(&clients.get(&spoke.account)?.0, &spoke.vpc).await;
            match (spoke_vpc, hub_of(clients, hub_account, hub_vpc).await?) {
                (Some(spoke_vpc), Some(hub)) => {
                    policy_of(clients, spoke, &spoke_vpc, hub_account, &hub).await?.is_some()
                }
                _ => false,
            }
        }
        Step::Binding { spoke, hub_account, hub_vpc } => {
            let client = &clients.get(&spoke.account)?.0;
            match (vpc_named(client, &spoke.vpc).await, hub_of(clients, hub_account, hub_vpc).await?) {
                (Some(spoke_vpc), Some(hub)) => {
                    let bindings = client
                        .vpc(Method::GET, &format!("/v1/vpcs/{}/dns_resolution_bindings", cell(&spoke_vpc["id"])), None)
                        .await?;
                    bindings["dns_resolution_bindings"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|b| b["vpc"]["id"] == hub["id"])
                }
                _ => false,
            }
        }
        Step::Delegate { spoke, hub_account, hub_vpc } => {
            let client = &clients.get(&spoke.account)?.0;
            match (vpc_named(client, &spoke.vpc).await, hub_of(clients, hub_account, hub_vpc).await?) {
                (Some(spoke_vpc), Some(hub)) => {
                    spoke_vpc["dns"]["resolver"]["type"] == "delegated"
                        && spoke_vpc["dns"]["resolver"]["vpc"]["id"] == hub["id"]
                }
                _ => false,
            }
        }
    })
}

async fn run(clients: &Clients, step: &Step) -> anyhow::Result<()> {
    match step {
        Step::Vpc { account, name, hub, prefixes } => {
            let client = &clients.get(account)?.0;
            match vpc_named(client, name).await {
                // It exists with the other hub flag (a conflict would have stopped the apply otherwise).
                Some(vpc) => {
                    let body = json!({ "dns": { "enable_hub": hub } });
                    client.vpc(Method::PATCH, &format!("/v1/vpcs/{}", cell(&vpc["id"])), Some(&body)).await?;
                }
                None => {
                    let management = if prefixes.is_empty() { "auto" } else { "manual" };
                    let body =
                        json!({ "name": name, "address_prefix_management": management, "dns": { "enable_hub": hub } });
                    client.vpc(Method::POST, "/v1/vpcs", Some(&body)).await?;
                }
            }
        }
        Step::Prefix { account, vpc, spec } => {
            let client = &clients.get(account)?.0;
            let vpc = find(client, "/v1/vpcs", "vpcs", vpc).await?;
            let body = json!({ "name": spec.name, "zone": { "name": spec.zone }, "cidr": spec.cidr });
            client.vpc(Method::POST, &format!("/v1/vpcs/{}/address_prefixes", cell(&vpc["id"])), Some(&body)).await?;
        }
        Step::Acl { account, vpc, spec } => {
            let client = &clients.get(account)?.0;
            let vpc = find(client, "/v1/vpcs", "vpcs", vpc).await?;
            let rules: Vec<Value> = spec.rules.iter().map(acl_rule).collect();
            let body = json!({ "name": spec.name, "vpc": { "id": vpc["id"] }, "rules": rules });
            client.vpc(Method::POST, "/v1/network_acls", Some(&body)).await?;
        }
        Step::PublicGateway { account, vpc, name, zone } => {
            let client = &clients.get(account)?.0;
            let vpc = find(client, "/v1/vpcs", "vpcs", vpc).await?;
            let body = json!({ "name": name, "vpc": { "id": vpc["id"] }, "zone": { "name": zone } });
            client.vpc(Method::POST, "/v1/public_gateways", Some(&body)).await?;
        }
        Step::Subnet { account, vpc, name, zone, cidr, acl, public_gateway } => {
            let client = &clients.get(account)?.0;
            let vpc = find(client, "/v1/vpcs", "vpcs", vpc).await?;
            let mut body = json!({ "name": name, "vpc": { "id": vpc["id"] }, "zone": { "name": zone } });
            match cidr {
                Some(cidr) => body["ipv4_cidr_block"] = json!(cidr),
                None => body["total_ipv4_address_count"] = json!(256),
            }
            if let Some(acl) = acl {
                let acl = acl_of(client, &vpc, acl).await.with_context(|| format!("no network ACL named `{acl}`"))?;
                body["network_acl"] = json!({ "id": acl["id"] });
            }
            if let Some(gateway) = public_gateway {
                let gateway = public_gateway_named(client, gateway)
                    .await
                    .with_context(|| format!("no public gateway named `{gateway}`"))?;
                body["public_gateway"] = json!({ "id": gateway["id"] });
            }
            client.vpc(Method::POST, "/v1/subnets", Some(&body)).await?;
        }
        Step::Resolver { account, subnet, instance, name } => {
            let client = &clients.get(account)?.0;
            let guid = super::dns::ensure_instance(client, instance).await?;
            let path = format!("/v1/instances/{guid}/custom_resolvers");
            let resolver = match resolver_named(client, instance, name).await? {
                Some(resolver) => resolver,
                None => {
                    let subnet = find(client, "/v1/subnets", "subnets", subnet).await?;
                    client.call(Method::POST, &path, Some(&json!({ "name": name, "locations": [{ "subnet_crn": subnet["crn"], "enabled": true }] }))).await?
                }
            };
            client
                .call(Method::PATCH, &format!("{path}/{}", cell(&resolver["id"])), Some(&json!({ "enabled": true })))
                .await?;
        }
        Step::ForwardingRule { account, instance, resolver, spec } => {
            let client = &clients.get(account)?.0;
            let found = resolver_named(client, instance, resolver)
                .await?
                .with_context(|| format!("no custom resolver named `{resolver}`"))?;
            let guid = super::dns::ensure_instance(client, instance).await?;
            let path = format!("/v1/instances/{guid}/custom_resolvers/{}/forwarding_rules", cell(&found["id"]));
            let mut body = json!({ "type": "zone", "match": spec.matches, "forward_to": spec.forward_to });
            if let Some(description) = &spec.description {
                body["description"] = json!(description);
            }
            client.call(Method::POST, &path, Some(&body)).await?;
        }
        Step::Zone { account, instance, spec } => {
            let client = &clients.get(account)?.0;
            let guid = super::dns::ensure_instance(client, instance).await?;
            let body = json!({
                "name": spec.name,
                "description": spec.description.clone().unwrap_or_default(),
                "label": spec.label.clone().unwrap_or_default(),
            });
            client.call(Method::POST, &format!("/v1/instances/{guid}/dnszones"), Some(&body)).await?;
        }
        Step::ZonePermit { account, instance, vpc, zone } => {
            let client = &clients.get(account)?.0;
            let (path, _) = zone_named(client, instance, zone)
                .await?
                .with_context(|| format!("no DNS zone named `{}`", zone.stored_name()))?;
            let vpc = find(client, "/v1/vpcs", "vpcs", vpc).await?;
            let body = json!({ "type": "vpc", "permitted_network": { "vpc_crn": vpc["crn"] } });
            client.call(Method::POST, &format!("{path}/permitted_networks"), Some(&body)).await?;
        }
        Step::Record { account, instance, zone, spec, .. } => {
            let client = &clients.get(account)?.0;
            let (path, _) = zone_named(client, instance, zone)
                .await?
                .with_context(|| format!("no DNS zone named `{}`", zone.stored_name()))?;
            let mut body = json!({ "type": spec.kind(), "name": spec.name, "rdata": spec.rdata() });
            if let Some(ttl) = spec.ttl {
                body["ttl"] = json!(ttl);
            }
            client.call(Method::POST, &format!("{path}/resource_records"), Some(&body)).await?;
        }
        Step::Gateway { account, vpc, subnet, spec } => {
            let client = &clients.get(account)?.0;
            let vpc = find(client, "/v1/vpcs", "vpcs", vpc).await?;
            let kind = if spec.target.starts_with("crn:") {
                "provider_cloud_service"
            } else {
                "provider_infrastructure_service"
            };
            let target = if kind == "provider_cloud_service" {
                json!({ "crn": spec.target, "resource_type": kind })
            } else {
                json!({ "name": spec.target, "resource_type": kind })
            };
            let mut body = json!({ "name": spec.name, "target": target, "vpc": { "id": vpc["id"] }, "dns_resolution_binding_mode": spec.mode });
            if let Some(subnet) = subnet {
                let subnet =
                    find(client, &format!("/v1/subnets?vpc.id={}", cell(&vpc["id"])), "subnets", subnet).await?;
                body["ips"] = json!([{ "subnet": { "id": subnet["id"] } }]);
            }
            client.vpc(Method::POST, "/v1/endpoint_gateways", Some(&body)).await?;
        }
        Step::Policy { spoke, hub_account, hub_vpc } => {
            let (hub_client, hub_id) = clients.get(hub_account)?;
            let (spoke_client, spoke_account) = clients.get(&spoke.account)?;
            let spoke_vpc = find(spoke_client, "/v1/vpcs", "vpcs", &spoke.vpc).await?;
            let hub = find(hub_client, "/v1/vpcs", "vpcs", hub_vpc).await?;
            let mut subject = vec![
                json!({ "name": "accountId", "value": spoke_account }),
                json!({ "name": "serviceName", "value": "is" }),
                json!({ "name": "resourceType", "value": "vpc" }),
            ];
            if spoke.authorize != "all" {
                subject.push(json!({ "name": "resource", "value": spoke_vpc["id"] }));
            }
            let body = json!({
                "type": "authorization",
                "subjects": [{ "attributes": subject }],
                "roles": [{ "role_id": DNS_ROLE }],
                "resources": [{ "attributes": [{ "name": "accountId", "value": hub_id }, { "name": "serviceName", "value": "is" }, { "name": "vpcId", "value": hub["id"] }] }]
            });
            hub_client.call(Method::POST, "/v1/policies", Some(&body)).await?;
        }
        Step::Binding { spoke, hub_account, hub_vpc } => {
            let client = &clients.get(&spoke.account)?.0;
            let spoke_vpc = find(client, "/v1/vpcs", "vpcs", &spoke.vpc).await?;
            let hub = find(&clients.get(hub_account)?.0, "/v1/vpcs", "vpcs", hub_vpc).await?;
            let mut body = json!({ "vpc": { "crn": hub["crn"] } });
            if let Some(name) = &spoke.binding {
                body["name"] = json!(name);
            }
            client
                .vpc(Method::POST, &format!("/v1/vpcs/{}/dns_resolution_bindings", cell(&spoke_vpc["id"])), Some(&body))
                .await?;
        }
        Step::Delegate { spoke, hub_account, hub_vpc } => {
            let client = &clients.get(&spoke.account)?.0;
            let spoke_vpc = find(client, "/v1/vpcs", "vpcs", &spoke.vpc).await?;
            let hub = find(&clients.get(hub_account)?.0, "/v1/vpcs", "vpcs", hub_vpc).await?;
            let body = json!({ "dns": { "resolver": { "type": "delegated", "vpc": { "crn": hub["crn"] } } } });
            client.vpc(Method::PATCH, &format!("/v1/vpcs/{}", cell(&spoke_vpc["id"])), Some(&body)).await?;
        }
    }
    Ok(())
}
