//! `network-acls`, `network-acl`, `network-acl-create`, `network-acl-rule-add`, `network-acl-rules`,
//! `network-acl-rule-delete`, and `vpc-routing-tables`.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::{cell, confirm, find, list_in_vpc};
use crate::client::Client;
use crate::output::Printer;

fn rule_row(rule: &Value) -> Vec<String> {
    let detail = match (rule.get("destination_port_min"), rule.get("type")) {
        (Some(min), _) => format!(
            "dst {}-{} src {}-{}",
            cell(min),
            cell(&rule["destination_port_max"]),
            cell(&rule["source_port_min"]),
            cell(&rule["source_port_max"])
        ),
        (None, Some(kind)) => format!("type {} code {}", cell(kind), rule.get("code").map(cell).unwrap_or("-".into())),
        _ => "-".to_owned(),
    };
    vec![
        cell(&rule["id"]),
        cell(&rule["name"]),
        cell(&rule["action"]),
        cell(&rule["direction"]),
        cell(&rule["protocol"]),
        cell(&rule["source"]),
        cell(&rule["destination"]),
        detail,
    ]
}

const RULE_HEADER: [&str; 8] =
    ["ID", "Name", "Action", "Direction", "Protocol", "Source", "Destination", "Ports or ICMP"];

fn print_acl(printer: &Printer, acl: &Value) {
    let subnets: Vec<String> = acl["subnets"].as_array().into_iter().flatten().map(|s| cell(&s["name"])).collect();
    printer.block(&[
        ("ID", cell(&acl["id"])),
        ("Name", cell(&acl["name"])),
        ("CRN", cell(&acl["crn"])),
        ("VPC", format!("{} ({})", cell(&acl["vpc"]["name"]), cell(&acl["vpc"]["id"]))),
        ("Subnets", if subnets.is_empty() { "-".to_owned() } else { subnets.join(", ") }),
    ]);
    let rows: Vec<Vec<String>> = acl["rules"].as_array().into_iter().flatten().map(rule_row).collect();
    if !rows.is_empty() {
        printer.list("network ACL rules", &RULE_HEADER, &rows);
    }
}

async fn acl(client: &Client, wanted: &str) -> anyhow::Result<Value> {
    find(client, "/v1/network_acls", "network_acls", wanted).await
}

/// `network-acls [--vpc VPC]`.
#[derive(Clone, Debug, Args)]
pub struct List {
    /// Only the ACLs of this VPC (id or name).
    #[arg(long)]
    vpc: Option<String>,
}

impl List {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let body = list_in_vpc(client, "network_acls", self.vpc.as_deref()).await?;
        if printer.json() {
            printer.value(&body["network_acls"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["network_acls"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                vec![
                    cell(&a["id"]),
                    cell(&a["name"]),
                    a["rules"].as_array().map_or(0, Vec::len).to_string(),
                    a["subnets"].as_array().map_or(0, Vec::len).to_string(),
                    cell(&a["vpc"]["name"]),
                ]
            })
            .collect();
        printer.list("network ACLs", &["ID", "Name", "Rules", "Subnets", "VPC"], &rows);
        Ok(())
    }
}

/// `network-acl ACL`.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The network ACL: id or name.
    acl: String,
}

impl Show {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = acl(client, &self.acl).await?;
        let body = client.vpc(Method::GET, &format!("/v1/network_acls/{}", cell(&found["id"])), None).await?;
        printer.resource(&body, print_acl);
        Ok(())
    }
}

/// `network-acl-create ACL_NAME VPC [--source-acl-id ACL]`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The ACL's name.
    name: String,
    /// The VPC: id or name.
    vpc: String,
    /// Copy the rules of this ACL (id or name); without it the new ACL has no rules.
    #[arg(long)]
    source_acl_id: Option<String>,
}

impl Create {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = find(client, "/v1/vpcs", "vpcs", &self.vpc).await?;
        let mut body = json!({ "name": self.name, "vpc": { "id": vpc["id"] } });
        if let Some(source) = &self.source_acl_id {
            body["source_network_acl"] = json!({ "id": acl(client, source).await?["id"] });
        }
        printer.progress(&format!(
            "Creating network ACL {} in VPC {} as {}...",
            self.name,
            cell(&vpc["id"]),
            client.iam_id().await?
        ));
        let created = client.vpc(Method::POST, "/v1/network_acls", Some(&body)).await?;
        printer.resource(&created, print_acl);
        Ok(())
    }
}

/// `network-acl-rules ACL [--direction inbound|outbound]`.
#[derive(Clone, Debug, Args)]
pub struct Rules {
    /// The network ACL: id or name.
    acl: String,
    /// Only the rules of this direction.
    #[arg(long)]
    direction: Option<String>,
}

impl Rules {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = acl(client, &self.acl).await?;
        let mut path = format!("/v1/network_acls/{}/rules", cell(&found["id"]));
        if let Some(direction) = &self.direction {
            path.push_str(&format!("?direction={direction}"));
        }
        let body = serde_json::json!({ "rules": client.vpc_all(&path, "rules").await? });
        if printer.json() {
            printer.value(&body["rules"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["rules"].as_array().into_iter().flatten().map(rule_row).collect();
        printer.list("network ACL rules", &RULE_HEADER, &rows);
        Ok(())
    }
}

/// `network-acl-rule-add ACL ACTION DIRECTION PROTOCOL SOURCE DESTINATION [--name] [--before-rule-id]
/// [--source-port-min ...] [--icmp-type ...]`.
#[derive(Clone, Debug, Args)]
pub struct RuleAdd {
    /// The network ACL: id or name.
    acl: String,
    /// `allow` or `deny`.
    action: String,
    /// `inbound` or `outbound`.
    direction: String,
    /// `icmp_tcp_udp`, `any`, `icmp`, `tcp` or `udp`.
    protocol: String,
    /// The source address or CIDR block.
    source: String,
    /// The destination address or CIDR block.
    destination: String,
    /// The rule's name.
    #[arg(long)]
    name: Option<String>,
    /// Insert the rule before this one (id or name); last by default.
    #[arg(long)]
    before_rule_id: Option<String>,
    /// The lowest source port (tcp and udp).
    #[arg(long)]
    source_port_min: Option<u32>,
    /// The highest source port (tcp and udp).
    #[arg(long)]
    source_port_max: Option<u32>,
    /// The lowest destination port (tcp and udp).
    #[arg(long)]
    destination_port_min: Option<u32>,
    /// The highest destination port (tcp and udp).
    #[arg(long)]
    destination_port_max: Option<u32>,
    /// The ICMP type.
    #[arg(long)]
    icmp_type: Option<u32>,
    /// The ICMP code (with a type).
    #[arg(long)]
    icmp_code: Option<u32>,
}

impl RuleAdd {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = acl(client, &self.acl).await?;
        let mut body = json!({
            "action": self.action, "direction": self.direction, "protocol": self.protocol,
            "source": self.source, "destination": self.destination,
        });
        let optional = [
            ("name", self.name.as_ref().map(|n| json!(n))),
            ("source_port_min", self.source_port_min.map(|n| json!(n))),
            ("source_port_max", self.source_port_max.map(|n| json!(n))),
            ("destination_port_min", self.destination_port_min.map(|n| json!(n))),
            ("destination_port_max", self.destination_port_max.map(|n| json!(n))),
            ("type", self.icmp_type.map(|n| json!(n))),
            ("code", self.icmp_code.map(|n| json!(n))),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                body[key] = value;
            }
        }
        if let Some(before) = &self.before_rule_id {
            let rule = found["rules"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["id"] == before.as_str() || r["name"] == before.as_str())
                .ok_or_else(|| anyhow::anyhow!("network ACL `{}` has no rule `{before}`", self.acl))?;
            body["before"] = json!({ "id": rule["id"] });
        }
        printer.progress(&format!("Creating rule for network ACL {}...", cell(&found["id"])));
        let path = format!("/v1/network_acls/{}/rules", cell(&found["id"]));
        let rule = client.vpc(Method::POST, &path, Some(&body)).await?;
        printer.resource(&rule, |printer, rule| printer.table(&RULE_HEADER, &[rule_row(rule)]));
        Ok(())
    }
}

/// `network-acl-rule-delete ACL RULE [-f]`.
#[derive(Clone, Debug, Args)]
pub struct RuleDelete {
    /// The network ACL: id or name.
    acl: String,
    /// The rule: id or name.
    rule: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl RuleDelete {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = acl(client, &self.acl).await?;
        let rule = found["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["id"] == self.rule.as_str() || r["name"] == self.rule.as_str())
            .ok_or_else(|| anyhow::anyhow!("network ACL `{}` has no rule `{}`", self.acl, self.rule))?;
        confirm(&format!("rule {} of network ACL {}", self.rule, self.acl), self.force)?;
        printer.progress(&format!("Deleting rule {}...", cell(&rule["id"])));
        let path = format!("/v1/network_acls/{}/rules/{}", cell(&found["id"]), cell(&rule["id"]));
        client.vpc(Method::DELETE, &path, None).await?;
        printer.ok();
        Ok(())
    }
}

/// `vpc-routing-tables VPC`.
#[derive(Clone, Debug, Args)]
pub struct RoutingTables {
    /// The VPC: id or name.
    vpc: String,
}

impl RoutingTables {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = find(client, "/v1/vpcs", "vpcs", &self.vpc).await?;
        let path = format!("/v1/vpcs/{}/routing_tables", cell(&vpc["id"]));
        let body = serde_json::json!({ "routing_tables": client.vpc_all(&path, "routing_tables").await? });
        if printer.json() {
            printer.value(&body["routing_tables"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["routing_tables"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                vec![
                    cell(&t["id"]),
                    cell(&t["name"]),
                    cell(&t["is_default"]),
                    t["routes"].as_array().map_or(0, Vec::len).to_string(),
                    t["subnets"].as_array().map_or(0, Vec::len).to_string(),
                ]
            })
            .collect();
        printer.list("routing tables", &["ID", "Name", "Default", "Routes", "Subnets"], &rows);
        Ok(())
    }
}

/// `network-acl-delete ACL... [-f]`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The network ACLs: ids or names.
    #[arg(required = true)]
    acls: Vec<String>,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        for wanted in &self.acls {
            let found = acl(client, wanted).await?;
            confirm(&format!("network ACL {wanted}"), self.force)?;
            printer.progress(&format!("Deleting network ACL {}...", cell(&found["id"])));
            client.vpc(Method::DELETE, &format!("/v1/network_acls/{}", cell(&found["id"])), None).await?;
            printer.ok();
        }
        Ok(())
    }
}
