//! `security-groups`, `security-group`, `security-group-create`, `security-group-delete`, `security-group-rules`,
//! `security-group-rule-add`, `security-group-rule-delete`.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::{cell, confirm, find, list_in_vpc};
use crate::client::Client;
use crate::output::Printer;

/// One line per rule: direction, protocol with its ports or ICMP type, remote.
pub(crate) fn rule_row(rule: &Value) -> Vec<String> {
    let detail = match (rule.get("port_min"), rule.get("type")) {
        (Some(min), _) => format!("ports {}-{}", cell(min), cell(&rule["port_max"])),
        (None, Some(kind)) => format!("type {} code {}", cell(kind), rule.get("code").map(cell).unwrap_or("-".into())),
        _ => "-".to_owned(),
    };
    let remote = &rule["remote"];
    let remote = remote["cidr_block"]
        .as_str()
        .or(remote["address"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{} ({})", cell(&remote["name"]), cell(&remote["id"])));
    vec![cell(&rule["id"]), cell(&rule["name"]), cell(&rule["direction"]), cell(&rule["protocol"]), detail, remote]
}

const RULE_HEADER: [&str; 6] = ["ID", "Name", "Direction", "Protocol", "Ports or ICMP", "Remote"];

fn print_group(printer: &Printer, group: &Value) {
    let targets: Vec<String> = group["targets"].as_array().into_iter().flatten().map(|t| cell(&t["name"])).collect();
    printer.block(&[
        ("ID", cell(&group["id"])),
        ("Name", cell(&group["name"])),
        ("CRN", cell(&group["crn"])),
        ("VPC", format!("{} ({})", cell(&group["vpc"]["name"]), cell(&group["vpc"]["id"]))),
        ("Rules", group["rules"].as_array().map_or(0, Vec::len).to_string()),
        ("Targets", if targets.is_empty() { "-".to_owned() } else { targets.join(", ") }),
    ]);
    let rows: Vec<Vec<String>> = group["rules"].as_array().into_iter().flatten().map(rule_row).collect();
    if !rows.is_empty() {
        printer.list("security group rules", &RULE_HEADER, &rows);
    }
}

async fn group(client: &Client, wanted: &str) -> anyhow::Result<Value> {
    find(client, "/v1/security_groups", "security_groups", wanted).await
}

/// `security-groups [--vpc VPC]`.
#[derive(Clone, Debug, Args)]
pub struct List {
    /// Only the groups of this VPC (id or name).
    #[arg(long)]
    vpc: Option<String>,
}

impl List {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let body = list_in_vpc(client, "security_groups", self.vpc.as_deref()).await?;
        if printer.json() {
            printer.value(&body["security_groups"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["security_groups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| {
                vec![
                    cell(&g["id"]),
                    cell(&g["name"]),
                    g["rules"].as_array().map_or(0, Vec::len).to_string(),
                    g["targets"].as_array().map_or(0, Vec::len).to_string(),
                    cell(&g["vpc"]["name"]),
                ]
            })
            .collect();
        printer.list("security groups", &["ID", "Name", "Rules", "Targets", "VPC"], &rows);
        Ok(())
    }
}

/// `security-group GROUP`.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The security group: id or name.
    group: String,
}

impl Show {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = group(client, &self.group).await?;
        let body = client.vpc(Method::GET, &format!("/v1/security_groups/{}", cell(&found["id"])), None).await?;
        printer.resource(&body, print_group);
        Ok(())
    }
}

/// `security-group-create GROUP_NAME VPC`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The group's name.
    name: String,
    /// The VPC: id or name.
    vpc: String,
}

impl Create {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = find(client, "/v1/vpcs", "vpcs", &self.vpc).await?;
        printer.progress(&format!(
            "Creating security group {} in VPC {} as {}...",
            self.name,
            cell(&vpc["id"]),
            client.iam_id().await?
        ));
        let body = json!({ "name": self.name, "vpc": { "id": vpc["id"] } });
        let created = client.vpc(Method::POST, "/v1/security_groups", Some(&body)).await?;
        printer.resource(&created, print_group);
        Ok(())
    }
}

/// `security-group-delete GROUP... [-f]`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The security groups: ids or names.
    #[arg(required = true)]
    groups: Vec<String>,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        for wanted in &self.groups {
            let found = group(client, wanted).await?;
            confirm(&format!("security group {wanted}"), self.force)?;
            printer.progress(&format!("Deleting security group {}...", cell(&found["id"])));
            client.vpc(Method::DELETE, &format!("/v1/security_groups/{}", cell(&found["id"])), None).await?;
            printer.ok();
        }
        Ok(())
    }
}

/// `security-group-rules GROUP`.
#[derive(Clone, Debug, Args)]
pub struct Rules {
    /// The security group: id or name.
    group: String,
}

impl Rules {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = group(client, &self.group).await?;
        let body = client.vpc(Method::GET, &format!("/v1/security_groups/{}/rules", cell(&found["id"])), None).await?;
        if printer.json() {
            printer.value(&body["rules"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["rules"].as_array().into_iter().flatten().map(rule_row).collect();
        printer.list("security group rules", &RULE_HEADER, &rows);
        Ok(())
    }
}

/// `security-group-rule-add GROUP DIRECTION PROTOCOL [--remote R] [--local L] [--port-min N --port-max N]
/// [--icmp-type N [--icmp-code N]] [--name NAME]`.
#[derive(Clone, Debug, Args)]
pub struct RuleAdd {
    /// The security group: id or name.
    group: String,
    /// `inbound` or `outbound`.
    direction: String,
    /// `icmp_tcp_udp`, `any`, `icmp`, `tcp` or `udp`.
    protocol: String,
    /// The far end: an address, a CIDR block, or a security group of the same VPC (id or name); anywhere by default.
    #[arg(long)]
    remote: Option<String>,
    /// The near end: an address or a CIDR block; every local address by default.
    #[arg(long)]
    local: Option<String>,
    /// The lowest destination port (tcp and udp).
    #[arg(long)]
    port_min: Option<u32>,
    /// The highest destination port (tcp and udp).
    #[arg(long)]
    port_max: Option<u32>,
    /// The ICMP type.
    #[arg(long)]
    icmp_type: Option<u32>,
    /// The ICMP code (with a type).
    #[arg(long)]
    icmp_code: Option<u32>,
    /// The rule's name.
    #[arg(long)]
    name: Option<String>,
}

/// `{address}` or `{cidr_block}` for an address or range.
pub(crate) fn address_or_cidr(text: &str) -> Option<Value> {
    if text.contains('/') {
        Some(json!({ "cidr_block": text }))
    } else if text.parse::<std::net::Ipv4Addr>().is_ok() {
        Some(json!({ "address": text }))
    } else {
        None
    }
}

impl RuleAdd {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = group(client, &self.group).await?;
        let mut body = json!({ "direction": self.direction, "protocol": self.protocol });
        let optional = [
            ("name", self.name.as_ref().map(|n| json!(n))),
            ("port_min", self.port_min.map(|n| json!(n))),
            ("port_max", self.port_max.map(|n| json!(n))),
            ("type", self.icmp_type.map(|n| json!(n))),
            ("code", self.icmp_code.map(|n| json!(n))),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                body[key] = value;
            }
        }
        if let Some(remote) = &self.remote {
            body["remote"] = match address_or_cidr(remote) {
                Some(value) => value,
                None => json!({ "id": group(client, remote).await?["id"] }),
            };
        }
        if let Some(local) = &self.local {
            body["local"] = address_or_cidr(local)
                .ok_or_else(|| anyhow::anyhow!("`--local` must be an IPv4 address or CIDR block, not `{local}`"))?;
        }
        printer.progress(&format!("Creating rule for security group {}...", cell(&found["id"])));
        let path = format!("/v1/security_groups/{}/rules", cell(&found["id"]));
        let rule = client.vpc(Method::POST, &path, Some(&body)).await?;
        printer.resource(&rule, |printer, rule| printer.table(&RULE_HEADER, &[rule_row(rule)]));
        Ok(())
    }
}

/// `security-group-rule-delete GROUP RULE [-f]`.
#[derive(Clone, Debug, Args)]
pub struct RuleDelete {
    /// The security group: id or name.
    group: String,
    /// The rule: id or name.
    rule: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl RuleDelete {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = group(client, &self.group).await?;
        let rule = found["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["id"] == self.rule.as_str() || r["name"] == self.rule.as_str())
            .ok_or_else(|| anyhow::anyhow!("security group `{}` has no rule `{}`", self.group, self.rule))?;
        confirm(&format!("rule {} of security group {}", self.rule, self.group), self.force)?;
        printer.progress(&format!("Deleting rule {}...", cell(&rule["id"])));
        let path = format!("/v1/security_groups/{}/rules/{}", cell(&found["id"]), cell(&rule["id"]));
        client.vpc(Method::DELETE, &path, None).await?;
        printer.ok();
        Ok(())
    }
}
