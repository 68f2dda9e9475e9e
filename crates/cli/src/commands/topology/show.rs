//! `hubspoke topology show [FILE]`: the hub-and-spoke topology as it stands, outside the console: a text tree, or a
//! Graphviz DOT or SVG picture of hubs, spokes, bindings with their health, delegation and authorizations.
//!
//! It reads what the API shows the file's accounts (or, without a file, the CLI's account): each VPC, the bindings
//! each side lists, gateways, and the hub accounts' `DNSBindingConnector` authorizations. Nothing is inferred that
//! the API does not say.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Context;
use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::{DNS_ROLE, File, open};
use crate::Connection;
use crate::client::Client;
use crate::commands::is::cell;
use crate::output::Printer;

/// `topology show [FILE] [--format text|dot|svg] [--out PATH]`.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// A topology file whose accounts to show; the CLI's own account without one.
    file: Option<std::path::PathBuf>,
    /// `text` (a tree), `dot` (Graphviz) or `svg`.
    #[arg(long, default_value = "text", value_parser = ["text", "dot", "svg"])]
    format: String,
    /// Write the picture to this file instead of standard output.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
}

/// A VPC as the picture shows it.
#[derive(Clone, Debug, Default)]
struct Node {
    id: String,
    name: String,
    account: String,
    hub: bool,
    resolver: String,
    delegated_to: Option<String>,
    health: String,
    gateways: Vec<String>,
}

/// A binding as the picture shows it, once per pair of VPCs.
#[derive(Clone, Debug)]
struct Edge {
    spoke: String,
    hub: String,
    name: String,
    lifecycle: String,
    health: String,
    reasons: Vec<String>,
}

/// An authorization of a spoke account (or one spoke VPC) on a hub.
#[derive(Clone, Debug)]
struct Grant {
    policy: String,
    hub: String,
    spoke_account: String,
    spoke_vpc: Option<String>,
}

#[derive(Debug, Default)]
struct Picture {
    nodes: BTreeMap<String, Node>,
    edges: Vec<Edge>,
    grants: Vec<Grant>,
}

impl Show {
    pub(super) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let clients: Vec<Client> = match &self.file {
            Some(file) => {
                let (_, clients) = open(&File { file: file.clone() }, connection).await?;
                clients.0.into_values().map(|(client, _)| client).collect()
            }
            None => vec![Client::connect(connection)?],
        };
        let mut picture = Picture::default();
        for client in &clients {
            gather(client, &mut picture).await?;
        }
        if printer.json() {
            printer.value(&picture.to_json());
            return Ok(());
        }
        let text = match self.format.as_str() {
            "dot" => picture.dot(),
            "svg" => picture.svg(),
            _ => picture.tree(),
        };
        match &self.out {
            Some(path) => {
                std::fs::write(path, text).with_context(|| format!("writing `{}`", path.display()))?;
                printer.ok();
                printer.progress(&format!("Wrote the topology to {}", path.display()));
            }
            None => text.lines().for_each(|line| printer.line(line)),
        }
        Ok(())
    }
}

/// Every page of a VPC API list.
async fn all(client: &Client, path: &str, key: &str) -> anyhow::Result<Vec<Value>> {
    Ok(client.vpc_all(path, key).await?)
}

/// What one account's API shows: its VPCs with their gateways and bindings, and its authorizations on its hubs.
async fn gather(client: &Client, picture: &mut Picture) -> anyhow::Result<()> {
    let account = client.account_id().await?;
    for vpc in all(client, "/v1/vpcs", "vpcs").await? {
        let id = cell(&vpc["id"]);
        let gateways = all(client, &format!("/v1/endpoint_gateways?vpc.id={id}"), "endpoint_gateways")
            .await?
            .iter()
            .map(|g| format!("{} ({})", cell(&g["name"]), cell(&g["dns_resolution_binding_mode"])))
            .collect();
        picture.nodes.insert(
            id.clone(),
            Node {
                id: id.clone(),
                name: cell(&vpc["name"]),
                account: account.clone(),
                hub: vpc["dns"]["enable_hub"] == true,
                resolver: cell(&vpc["dns"]["resolver"]["type"]),
                delegated_to: vpc["dns"]["resolver"]["vpc"]["id"].as_str().map(str::to_owned),
                health: cell(&vpc["health_state"]),
                gateways,
            },
        );
        for binding in all(client, &format!("/v1/vpcs/{id}/dns_resolution_bindings"), "dns_resolution_bindings").await?
        {
            let other = &binding["vpc"];
            let other_id = cell(&other["id"]);
            // Another account's VPC is known by what the binding shows of it until its own account is gathered.
            picture.nodes.entry(other_id.clone()).or_insert_with(|| Node {
                id: other_id.clone(),
                name: cell(&other["name"]),
                account: other["remote"]["account"]["id"].as_str().unwrap_or(&account).to_owned(),
                hub: !vpc["dns"]["enable_hub"].as_bool().unwrap_or(false),
                ..Node::default()
            });
            let (spoke, hub) =
                if vpc["dns"]["enable_hub"] == true { (other_id, id.clone()) } else { (id.clone(), other_id) };
            let edge = Edge {
                spoke,
                hub,
                name: cell(&binding["name"]),
                lifecycle: cell(&binding["lifecycle_state"]),
                health: cell(&binding["health_state"]),
                reasons: binding["health_reasons"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| format!("{}: {}", cell(&r["code"]), cell(&r["message"])))
                    .collect(),
            };
            // Each side lists the binding; the hub's view of its health wins when both are there, as the hub's side
            // is the one left `faulted` when a spoke drops its side alone.
            match picture.edges.iter_mut().find(|e| e.spoke == edge.spoke && e.hub == edge.hub) {
                Some(existing) if vpc["dns"]["enable_hub"] == true => *existing = edge,
                Some(_) => {}
                None => picture.edges.push(edge),
            }
        }
    }
    let body = client.call(Method::GET, &format!("/v1/policies?account_id={account}&type=authorization"), None).await?;
    for policy in body["policies"].as_array().into_iter().flatten() {
        let attribute = |side: &str, name: &str| {
            policy[side][0]["attributes"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["name"] == name)
                .and_then(|a| a["value"].as_str())
                .map(str::to_owned)
        };
        let grants_dns = policy["roles"].as_array().is_some_and(|roles| roles.iter().any(|r| r["role_id"] == DNS_ROLE));
        if let (true, Some(hub), Some(spoke_account)) =
            (grants_dns, attribute("resources", "vpcId"), attribute("subjects", "accountId"))
        {
            picture.grants.push(Grant {
                policy: cell(&policy["id"]),
                hub,
                spoke_account,
                spoke_vpc: attribute("subjects", "resource"),
            });
        }
    }
    Ok(())
}

impl Picture {
    fn name(&self, id: &str) -> String {
        self.nodes.get(id).map_or_else(|| id.to_owned(), |node| node.name.clone())
    }

    /// The authorizations that cover a spoke on a hub.
    fn grants_for(&self, spoke: &Node, hub: &str) -> Vec<&Grant> {
        self.grants
            .iter()
            .filter(|g| g.hub == hub && g.spoke_account == spoke.account)
            .filter(|g| g.spoke_vpc.as_deref().is_none_or(|vpc| vpc == spoke.id))
            .collect()
    }

    fn hubs(&self) -> impl Iterator<Item = &Node> {
        self.nodes.values().filter(|node| node.hub)
    }

    fn tree(&self) -> String {
        let mut text = String::new();
        let described = |node: &Node| {
            format!(
                "{} ({}, account {}, resolver {}, {})",
                node.name, node.id, node.account, node.resolver, node.health
            )
        };
        for hub in self.hubs() {
            let _ = writeln!(text, "hub {}", described(hub));
            for gateway in &hub.gateways {
                let _ = writeln!(text, "├── gateway {gateway}");
            }
            let spokes: Vec<&Edge> = self.edges.iter().filter(|e| e.hub == hub.id).collect();
            for (index, edge) in spokes.iter().enumerate() {
                let last = index + 1 == spokes.len();
                let (branch, rest) = if last { ("└──", "    ") } else { ("├──", "│   ") };
                let spoke = self.nodes.get(&edge.spoke).cloned().unwrap_or_default();
                let _ = writeln!(text, "{branch} spoke {}", described(&spoke));
                let _ = writeln!(text, "{rest}├── binding {}: {}, {}", edge.name, edge.lifecycle, edge.health);
                for reason in &edge.reasons {
                    let _ = writeln!(text, "{rest}│     {reason}");
                }
                let delegated = spoke.delegated_to.as_deref() == Some(hub.id.as_str());
                let _ = writeln!(
                    text,
                    "{rest}├── resolver {}",
                    if delegated { "delegated to this hub".to_owned() } else { spoke.resolver.clone() }
                );
                let grants = self.grants_for(&spoke, &hub.id);
                let authorization = if grants.is_empty() {
                    "none this account can see".to_owned()
                } else {
                    grants.iter().map(|g| g.policy.clone()).collect::<Vec<_>>().join(", ")
                };
                let _ = writeln!(text, "{rest}└── authorized by {authorization}");
            }
        }
        let bound: Vec<&str> = self.edges.iter().flat_map(|e| [e.spoke.as_str(), e.hub.as_str()]).collect();
        for node in self.nodes.values().filter(|n| !n.hub && !bound.contains(&n.id.as_str())) {
            let _ = writeln!(text, "vpc {}", described(node));
        }
        if text.is_empty() {
            text.push_str("No VPCs were found.\n");
        }
        text
    }

    fn dot(&self) -> String {
        let mut text = String::from("digraph topology {\n  rankdir=BT;\n  node [shape=box, style=rounded];\n");
        for node in self.nodes.values() {
            let shape = if node.hub { ", penwidth=2" } else { "" };
            let _ = writeln!(
                text,
                "  \"{}\" [label=\"{}\\n{}\\nresolver {}\"{shape}];",
                node.id,
                escape(&node.name),
                if node.hub { "hub" } else { "vpc" },
                escape(&node.resolver)
            );
        }
        for edge in &self.edges {
            let color = edge_color(edge);
            let _ = writeln!(
                text,
                "  \"{}\" -> \"{}\" [label=\"{} ({}, {})\", color={color}];",
                edge.spoke,
                edge.hub,
                escape(&edge.name),
                escape(&edge.lifecycle),
                escape(&edge.health)
            );
        }
        for node in self.nodes.values() {
            if let Some(target) = &node.delegated_to {
                let _ = writeln!(text, "  \"{}\" -> \"{target}\" [label=\"delegates DNS\", style=dashed];", node.id);
            }
        }
        for grant in &self.grants {
            let subject = grant.spoke_vpc.clone().unwrap_or_else(|| format!("account {}", grant.spoke_account));
            let _ = writeln!(
                text,
                "  \"{}\" -> \"{}\" [label=\"authorizes {}\", style=dotted, dir=back];",
                grant.hub,
                grant.spoke_vpc.clone().unwrap_or_else(|| grant.hub.clone()),
                escape(&subject)
            );
        }
        text.push_str("}\n");
        text
    }

    /// An SVG with hubs in the top row and spokes below, bindings as lines coloured by health, delegation dashed.
    fn svg(&self) -> String {
        const WIDTH: usize = 220;
        const HEIGHT: usize = 56;
        let hubs: Vec<&Node> = self.hubs().collect();
        let others: Vec<&Node> = self.nodes.values().filter(|n| !n.hub).collect();
        let columns = hubs.len().max(others.len()).max(1);
        let position = |row: usize, index: usize, count: usize| {
            let offset = (columns - count) * (WIDTH + 40) / 2;
            (20 + offset + index * (WIDTH + 40), 20 + row * (HEIGHT + 120))
        };
        let mut places = BTreeMap::new();
        for (index, node) in hubs.iter().enumerate() {
            places.insert(node.id.clone(), position(0, index, hubs.len()));
        }
        for (index, node) in others.iter().enumerate() {
            places.insert(node.id.clone(), position(1, index, others.len()));
        }
        let (width, height) = (40 + columns * (WIDTH + 40), 2 * HEIGHT + 160);
        let mut text = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n"
        );
        for edge in &self.edges {
            let (Some(&(x1, y1)), Some(&(x2, y2))) = (places.get(&edge.spoke), places.get(&edge.hub)) else { continue };
            let (x1, x2) = (x1 + WIDTH / 2, x2 + WIDTH / 2);
            let _ = writeln!(
                text,
                "  <line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\"/>",
                y2 + HEIGHT,
                edge_color(edge)
            );
            let _ = writeln!(
                text,
                "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} ({}, {})</text>",
                (x1 + x2) / 2,
                (y1 + y2 + HEIGHT) / 2,
                xml(&edge.name),
                xml(&edge.lifecycle),
                xml(&edge.health)
            );
        }
        for node in self.nodes.values() {
            let Some(&(x, y)) = places.get(&node.id) else { continue };
            if let Some(&(tx, ty)) = node.delegated_to.as_ref().and_then(|target| places.get(target)) {
                let _ = writeln!(
                    text,
                    "  <line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{}\" stroke=\"#555\" stroke-dasharray=\"6 4\"/>",
                    x + WIDTH / 2 + 12,
                    tx + WIDTH / 2 + 12,
                    ty + HEIGHT
                );
            }
            let stroke = if node.hub { "3" } else { "1" };
            let _ = writeln!(
                text,
                "  <rect x=\"{x}\" y=\"{y}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" rx=\"8\" fill=\"#fff\" stroke=\"#333\" stroke-width=\"{stroke}\"/>"
            );
            let _ = writeln!(
                text,
                "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
                x + WIDTH / 2,
                y + 22,
                xml(&node.name)
            );
            let detail = if node.hub { "hub".to_owned() } else { format!("resolver {}", node.resolver) };
            let _ = writeln!(
                text,
                "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + WIDTH / 2,
                y + 42,
                xml(&detail)
            );
        }
        text.push_str("</svg>\n");
        text
    }

    fn to_json(&self) -> Value {
        json!({
            "vpcs": self.nodes.values().map(|n| json!({
                "id": n.id, "name": n.name, "account_id": n.account, "hub": n.hub, "resolver": n.resolver,
                "delegated_to": n.delegated_to, "health_state": n.health, "endpoint_gateways": n.gateways,
            })).collect::<Vec<_>>(),
            "bindings": self.edges.iter().map(|e| json!({
                "spoke": { "id": e.spoke, "name": self.name(&e.spoke) }, "hub": { "id": e.hub, "name": self.name(&e.hub) },
                "name": e.name, "lifecycle_state": e.lifecycle, "health_state": e.health, "health_reasons": e.reasons,
            })).collect::<Vec<_>>(),
            "authorizations": self.grants.iter().map(|g| json!({
                "policy": g.policy, "hub": g.hub, "spoke_account_id": g.spoke_account, "spoke_vpc": g.spoke_vpc,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Green for a healthy stable binding, red for a faulted or failed one, amber for anything in between.
fn edge_color(edge: &Edge) -> &'static str {
    match (edge.lifecycle.as_str(), edge.health.as_str()) {
        ("stable", "ok") => "green",
        (_, "faulted") | ("failed", _) => "red",
        _ => "orange",
    }
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
