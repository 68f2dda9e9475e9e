//! `zone-*`, `zones`, `permitted-network-*`, `permitted-networks`, `resource-record-*`, `resource-records` and
//! `resource-records-export`: DNS Services zones, the VPCs permitted to resolve them, and their records, as
//! `ibmcloud dns` has them. Every command takes `--instance` (name, GUID or CRN); a zone is named by id or name.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::commands::is::{cell, confirm, find};
use crate::output::Printer;

fn print_zone(printer: &Printer, zone: &Value) {
    printer.block(&[
        ("ID", cell(&zone["id"])),
        ("Name", cell(&zone["name"])),
        ("Description", cell(&zone["description"])),
        ("Label", cell(&zone["label"])),
        ("State", cell(&zone["state"])),
        ("Created On", cell(&zone["created_on"])),
        ("Modified On", cell(&zone["modified_on"])),
    ]);
}

fn print_network(printer: &Printer, network: &Value) {
    printer.block(&[
        ("ID", cell(&network["id"])),
        ("Type", cell(&network["type"])),
        ("VPC CRN", cell(&network["permitted_network"]["vpc_crn"])),
        ("State", cell(&network["state"])),
    ]);
}

/// A record's data as `ibmcloud dns` prints it: the values of its `rdata`, in the record type's order.
fn rdata_text(record: &Value) -> String {
    let rdata = &record["rdata"];
    let members: &[&str] = match record["type"].as_str().unwrap_or_default() {
        "A" | "AAAA" => &["ip"],
        "CNAME" => &["cname"],
        "MX" => &["preference", "exchange"],
        "SRV" => &["priority", "weight", "port", "target"],
        "TXT" => &["text"],
        "PTR" => &["ptrdname"],
        _ => &[],
    };
    members.iter().map(|member| cell(&rdata[*member])).collect::<Vec<_>>().join(" ")
}

fn print_record(printer: &Printer, record: &Value) {
    printer.block(&[
        ("ID", cell(&record["id"])),
        ("Name", cell(&record["name"])),
        ("Type", cell(&record["type"])),
        ("TTL", cell(&record["ttl"])),
        ("Data", rdata_text(record)),
    ]);
}

/// `/v1/instances/{guid}/dnszones`.
async fn zones_path(client: &Client, instance: &str) -> anyhow::Result<String> {
    Ok(format!("/v1/instances/{}/dnszones", super::instance_guid(client, instance).await?))
}

/// `…/dnszones/{id}` of the instance's zone with this id or name.
async fn zone_path(client: &Client, instance: &str, wanted: &str) -> anyhow::Result<String> {
    let zones = zones_path(client, instance).await?;
    let body = client.call(Method::GET, &format!("{zones}?limit=1000"), None).await?;
    let zone = body["dnszones"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|zone| zone["id"] == wanted || zone["name"] == wanted)
        .ok_or_else(|| anyhow::anyhow!("no DNS zone named or with id `{wanted}` in instance `{instance}`"))?;
    Ok(format!("{zones}/{}", cell(&zone["id"])))
}

/// `zone-create NAME --instance I [-d DESCRIPTION] [-l LABEL]`.
#[derive(Clone, Debug, Args)]
pub struct ZoneCreate {
    /// The zone's name.
    name: String,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
    /// A description.
    #[arg(short = 'd', long)]
    description: Option<String>,
    /// A label.
    #[arg(short = 'l', long)]
    label: Option<String>,
}

impl ZoneCreate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        printer.progress(&format!("Creating zone {} in instance {}...", self.name, self.instance));
        let body = json!({ "name": self.name, "description": self.description.unwrap_or_default(),
                           "label": self.label.unwrap_or_default() });
        let zone = client.call(Method::POST, &zones_path(&client, &self.instance).await?, Some(&body)).await?;
        printer.resource(&zone, print_zone);
        Ok(())
    }
}

/// `zones --instance I`.
#[derive(Clone, Debug, Args)]
pub struct Zones {
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
}

impl Zones {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        printer.progress(&format!("Listing zones in instance {}...", self.instance));
        let path = format!("{}?limit=1000", zones_path(&client, &self.instance).await?);
        let body = client.call(Method::GET, &path, None).await?;
        if printer.json() {
            printer.value(&body["dnszones"]);
            return Ok(());
        }
        printer.ok();
        let rows: Vec<Vec<String>> = body["dnszones"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|z| vec![cell(&z["id"]), cell(&z["name"]), cell(&z["state"]), cell(&z["label"])])
            .collect();
        printer.table(&["ID", "Name", "State", "Label"], &rows);
        Ok(())
    }
}

/// `zone ZONE --instance I`.
#[derive(Clone, Debug, Args)]
pub struct Zone {
    /// The zone: id or name.
    zone: String,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
}

impl Zone {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let zone = client.call(Method::GET, &zone_path(&client, &self.instance, &self.zone).await?, None).await?;
        printer.resource(&zone, print_zone);
        Ok(())
    }
}

/// `zone-update ZONE --instance I [-d DESCRIPTION] [-l LABEL]`.
#[derive(Clone, Debug, Args)]
pub struct ZoneUpdate {
    /// The zone: id or name.
    zone: String,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
    /// A new description.
    #[arg(short = 'd', long)]
    description: Option<String>,
    /// A new label.
    #[arg(short = 'l', long)]
    label: Option<String>,
}

impl ZoneUpdate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let path = zone_path(&client, &self.instance, &self.zone).await?;
        printer.progress(&format!("Updating zone {}...", self.zone));
        let mut body = json!({});
        if let Some(description) = &self.description {
            body["description"] = json!(description);
        }
        if let Some(label) = &self.label {
            body["label"] = json!(label);
        }
        let zone = client.call(Method::PATCH, &path, Some(&body)).await?;
        printer.resource(&zone, print_zone);
        Ok(())
    }
}

/// `zone-delete ZONE --instance I [-f]`.
#[derive(Clone, Debug, Args)]
pub struct ZoneDelete {
    /// The zone: id or name.
    zone: String,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl ZoneDelete {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let path = zone_path(&client, &self.instance, &self.zone).await?;
        confirm(&format!("zone {}", self.zone), self.force)?;
        printer.progress(&format!("Deleting zone {}...", self.zone));
        client.call(Method::DELETE, &path, None).await?;
        printer.ok();
        Ok(())
    }
}

/// `permitted-network-add ZONE --vpc-crn CRN --instance I` (a VPC's id or name is taken too).
#[derive(Clone, Debug, Args)]
pub struct NetworkAdd {
    /// The zone: id or name.
    zone: String,
    /// The VPC to permit: its CRN (or its id or name).
    #[arg(long = "vpc-crn")]
    vpc: String,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
    /// The network type: `vpc`.
    #[arg(long = "type", default_value = "vpc")]
    kind: String,
}

impl NetworkAdd {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let path = format!("{}/permitted_networks", zone_path(&client, &self.instance, &self.zone).await?);
        let crn = if self.vpc.starts_with("crn:") {
            self.vpc.clone()
        } else {
            cell(&find(&client, "/v1/vpcs", "vpcs", &self.vpc).await?["crn"])
        };
        printer.progress(&format!("Adding permitted network {} to zone {}...", self.vpc, self.zone));
        let body = json!({ "type": self.kind, "permitted_network": { "vpc_crn": crn } });
        let network = client.call(Method::POST, &path, Some(&body)).await?;
        printer.resource(&network, print_network);
        Ok(())
    }
}

/// `permitted-networks ZONE --instance I`.
#[derive(Clone, Debug, Args)]
pub struct Networks {
    /// The zone: id or name.
    zone: String,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
}

impl Networks {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let path = format!("{}/permitted_networks", zone_path(&client, &self.instance, &self.zone).await?);
        printer.progress(&format!("Listing permitted networks of zone {}...", self.zone));
        let body = client.call(Method::GET, &path, None).await?;
        if printer.json() {
            printer.value(&body["permitted_networks"]);
            return Ok(());
        }
        printer.ok();
        let rows: Vec<Vec<String>> = body["permitted_networks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| vec![cell(&n["id"]), cell(&n["type"]), cell(&n["state"])])
            .collect();
        printer.table(&["ID", "Type", "State"], &rows);
        Ok(())
    }
}

/// `permitted-network-remove ZONE NETWORK --instance I [-f]`.
#[derive(Clone, Debug, Args)]
pub struct NetworkRemove {
    /// The zone: id or name.
    zone: String,
    /// The permitted network: the VPC's id.
    network: String,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
    /// Remove without asking.
    #[arg(short, long)]
    force: bool,
}

impl NetworkRemove {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let zone = zone_path(&client, &self.instance, &self.zone).await?;
        confirm(&format!("permitted network {}", self.network), self.force)?;
        printer.progress(&format!("Removing permitted network {} from zone {}...", self.network, self.zone));
        client.call(Method::DELETE, &format!("{zone}/permitted_networks/{}", self.network), None).await?;
        printer.ok();
        Ok(())
    }
}

/// The data flags of `resource-record-create` and `-update`.
#[derive(Clone, Debug, Args)]
pub struct RecordData {
    /// The record's name (relative to the zone, or absolute; for PTR, the IP address).
    #[arg(long)]
    name: String,
    /// Time to live, in seconds.
    #[arg(long)]
    ttl: Option<u32>,
    /// A record: the IPv4 address.
    #[arg(long)]
    ipv4: Option<String>,
    /// AAAA record: the IPv6 address.
    #[arg(long)]
    ipv6: Option<String>,
    /// CNAME record: the canonical name.
    #[arg(long)]
    cname: Option<String>,
    /// PTR record: the host name of the A or AAAA record it maps.
    #[arg(long)]
    ptrdname: Option<String>,
    /// TXT record: the text.
    #[arg(long)]
    text: Option<String>,
    /// MX record: the exchange host.
    #[arg(long)]
    exchange: Option<String>,
    /// MX record: the preference.
    #[arg(long)]
    preference: Option<u16>,
    /// SRV record: the service (`_sip`).
    #[arg(long)]
    service: Option<String>,
    /// SRV record: the protocol (`udp`).
    #[arg(long)]
    protocol: Option<String>,
    /// SRV record: the priority.
    #[arg(long)]
    priority: Option<u16>,
    /// SRV record: the weight.
    #[arg(long)]
    weight: Option<u16>,
    /// SRV record: the port.
    #[arg(long)]
    port: Option<u16>,
    /// SRV record: the target host.
    #[arg(long)]
    target: Option<String>,
}

impl RecordData {
    /// The body's `name`, `ttl`, `rdata`, `service` and `protocol`; the server checks what the type needs.
    fn body(&self) -> Value {
        let mut rdata = json!({});
        let ip = self.ipv4.as_ref().or(self.ipv6.as_ref());
        for (member, value) in [
            ("ip", ip.map(|v| json!(v))),
            ("cname", self.cname.as_ref().map(|v| json!(v))),
            ("ptrdname", self.ptrdname.as_ref().map(|v| json!(v))),
            ("text", self.text.as_ref().map(|v| json!(v))),
            ("exchange", self.exchange.as_ref().map(|v| json!(v))),
            ("preference", self.preference.map(|v| json!(v))),
            ("priority", self.priority.map(|v| json!(v))),
            ("weight", self.weight.map(|v| json!(v))),
            ("port", self.port.map(|v| json!(v))),
            ("target", self.target.as_ref().map(|v| json!(v))),
        ] {
            if let Some(value) = value {
                rdata[member] = value;
            }
        }
        let mut body = json!({ "name": self.name, "rdata": rdata });
        if let Some(ttl) = self.ttl {
            body["ttl"] = json!(ttl);
        }
        if let Some(service) = &self.service {
            body["service"] = json!(service);
        }
        if let Some(protocol) = &self.protocol {
            body["protocol"] = json!(protocol);
        }
        body
    }
}

/// `resource-record-create ZONE --type T --name N <data flags> --instance I`.
#[derive(Clone, Debug, Args)]
pub struct RecordCreate {
    /// The zone: id or name.
    zone: String,
    /// The record type: A, AAAA, CNAME, MX, SRV, TXT or PTR.
    #[arg(long = "type")]
    kind: String,
    #[command(flatten)]
    data: RecordData,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
}

impl RecordCreate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let path = format!("{}/resource_records", zone_path(&client, &self.instance, &self.zone).await?);
        printer.progress(&format!("Creating {} record {} in zone {}...", self.kind, self.data.name, self.zone));
        let mut body = self.data.body();
        body["type"] = json!(self.kind.to_ascii_uppercase());
        let record = client.call(Method::POST, &path, Some(&body)).await?;
        printer.resource(&record, print_record);
        Ok(())
    }
}

/// `resource-record-update ZONE RECORD --name N <data flags> --instance I`: the type stays.
#[derive(Clone, Debug, Args)]
pub struct RecordUpdate {
    /// The zone: id or name.
    zone: String,
    /// The record's id.
    record: String,
    #[command(flatten)]
    data: RecordData,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
}

impl RecordUpdate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let zone = zone_path(&client, &self.instance, &self.zone).await?;
        printer.progress(&format!("Updating record {}...", self.record));
        let path = format!("{zone}/resource_records/{}", self.record);
        let record = client.call(Method::PUT, &path, Some(&self.data.body())).await?;
        printer.resource(&record, print_record);
        Ok(())
    }
}

/// `resource-record ZONE RECORD --instance I`.
#[derive(Clone, Debug, Args)]
pub struct Record {
    /// The zone: id or name.
    zone: String,
    /// The record's id.
    record: String,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
}

impl Record {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let zone = zone_path(&client, &self.instance, &self.zone).await?;
        let record = client.call(Method::GET, &format!("{zone}/resource_records/{}", self.record), None).await?;
        printer.resource(&record, print_record);
        Ok(())
    }
}

/// `resource-records ZONE --instance I [--type T]`.
#[derive(Clone, Debug, Args)]
pub struct Records {
    /// The zone: id or name.
    zone: String,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
    /// Only records of this type.
    #[arg(long = "type")]
    kind: Option<String>,
}

impl Records {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let zone = zone_path(&client, &self.instance, &self.zone).await?;
        printer.progress(&format!("Listing resource records of zone {}...", self.zone));
        let mut path = format!("{zone}/resource_records?limit=1000");
        if let Some(kind) = &self.kind {
            path.push_str(&format!("&type={}", kind.to_ascii_uppercase()));
        }
        let body = client.call(Method::GET, &path, None).await?;
        if printer.json() {
            printer.value(&body["resource_records"]);
            return Ok(());
        }
        printer.ok();
        let rows: Vec<Vec<String>> = body["resource_records"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| vec![cell(&r["id"]), cell(&r["name"]), cell(&r["type"]), cell(&r["ttl"]), rdata_text(r)])
            .collect();
        printer.table(&["ID", "Name", "Type", "TTL", "Data"], &rows);
        Ok(())
    }
}

/// `resource-record-delete ZONE RECORD --instance I [-f]`.
#[derive(Clone, Debug, Args)]
pub struct RecordDelete {
    /// The zone: id or name.
    zone: String,
    /// The record's id.
    record: String,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl RecordDelete {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let zone = zone_path(&client, &self.instance, &self.zone).await?;
        confirm(&format!("resource record {}", self.record), self.force)?;
        printer.progress(&format!("Deleting resource record {}...", self.record));
        client.call(Method::DELETE, &format!("{zone}/resource_records/{}", self.record), None).await?;
        printer.ok();
        Ok(())
    }
}

/// `resource-records-import ZONE --file FILE --instance I`.
#[derive(Clone, Debug, Args)]
pub struct RecordsImport {
    /// The zone: id or name.
    zone: String,
    /// The zone file.
    #[arg(long)]
    file: std::path::PathBuf,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
}

impl RecordsImport {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let content = std::fs::read_to_string(&self.file)
            .map_err(|error| anyhow::anyhow!("reading `{}`: {error}", self.file.display()))?;
        let client = Client::connect(connection)?;
        let zone = zone_path(&client, &self.instance, &self.zone).await?;
        printer.progress(&format!("Importing resource records into zone {}...", self.zone));
        let report = client.upload(&format!("{zone}/import_resource_records"), "file", &content).await?;
        if printer.json() {
            printer.value(&report);
            return Ok(());
        }
        printer.ok();
        printer.block(&[
            ("Records parsed", cell(&report["total_records_parsed"])),
            ("Records added", cell(&report["records_added"])),
            ("Records failed", cell(&report["records_failed"])),
        ]);
        for error in report["errors"].as_array().into_iter().flatten() {
            printer.line(&format!("{}: {}", cell(&error["resource_record"]), cell(&error["error"]["message"])));
        }
        Ok(())
    }
}

/// `resource-records-export ZONE [--file FILE] --instance I`.
#[derive(Clone, Debug, Args)]
pub struct RecordsExport {
    /// The zone: id or name.
    zone: String,
    /// Where to write the zone file (standard output when absent).
    #[arg(long)]
    file: Option<std::path::PathBuf>,
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(short = 'i', long)]
    instance: String,
}

impl RecordsExport {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let zone = zone_path(&client, &self.instance, &self.zone).await?;
        let file = client.text(&format!("{zone}/export_resource_records")).await?;
        match &self.file {
            Some(path) => {
                std::fs::write(path, &file)
                    .map_err(|error| anyhow::anyhow!("writing `{}`: {error}", path.display()))?;
                printer.ok();
            }
            None => print!("{file}"),
        }
        Ok(())
    }
}
