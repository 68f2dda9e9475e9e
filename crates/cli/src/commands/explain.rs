//! `hubspoke explain binding --spoke VPC --hub VPC`: would a binding be allowed now, and if not, what is missing.

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::commands::is::{cell, find};
use crate::output::Printer;

/// The `explain` commands.
#[derive(Clone, Debug, Subcommand)]
pub enum Explain {
    /// Says whether the spoke VPC may bind to the hub VPC now, and which policy is missing if not.
    #[command(
        after_help = "EXAMPLE:\n  hubspoke explain binding --spoke spoke-vpc --hub crn:v1:bluemix:public:is:us-south:a/HUB_ACCOUNT::vpc:HUB_VPC_ID"
    )]
    Binding(Binding),
}

/// `explain binding`.
#[derive(Clone, Debug, Args)]
pub struct Binding {
    /// The spoke VPC (yours): id or name.
    #[arg(long)]
    spoke: String,
    /// The hub VPC: id or name if yours, CRN if another account's.
    #[arg(long)]
    hub: String,
}

impl Explain {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let Explain::Binding(command) = self;
        command.run(connection, printer).await
    }
}

/// The account and id named by a VPC CRN.
fn crn_parts(crn: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = crn.split(':').collect();
    (parts.len() == 10 && parts[8] == "vpc")
        .then(|| (parts[6].trim_start_matches("a/").to_owned(), parts[9].to_owned()))
}

impl Binding {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let spoke = find(&client, "/v1/vpcs", "vpcs", &self.spoke).await?;
        let spoke_account = crn_parts(&cell(&spoke["crn"])).map(|p| p.0).unwrap_or_default();
        let (hub_account, hub_id, hub) = match crn_parts(&self.hub) {
            Some((account, id)) => {
                let visible = find(&client, "/v1/vpcs", "vpcs", &id).await.ok();
                (account, id, visible)
            }
            None => {
                let hub = find(&client, "/v1/vpcs", "vpcs", &self.hub).await?;
                let (account, id) = crn_parts(&cell(&hub["crn"])).unwrap_or_default();
                (account, id, Some(hub))
            }
        };
        let mut problems: Vec<String> = Vec::new();
        if spoke["dns"]["enable_hub"] == true {
            problems.push(format!(
                "rule C1: `{}` is a DNS hub; bindings are created from a DNS-shared VPC",
                cell(&spoke["id"])
            ));
        }
        if spoke["dns"]["resolution_binding_count"].as_u64().unwrap_or(0) > 0 {
            problems.push(format!(
                "rule C2: `{}` already has a DNS resolution binding; a DNS-shared VPC binds to one hub",
                cell(&spoke["id"])
            ));
        }
        if hub_id == cell(&spoke["id"]) {
            problems.push("rule C3: a VPC cannot bind to itself".to_owned());
        }
        if hub.as_ref().is_some_and(|hub| hub["dns"]["enable_hub"] != true) {
            problems.push(format!("rule C3: `{hub_id}` is not a DNS hub (`dns.enable_hub` is false)"));
        }
        // The IAM question, asked of the decision engine through the AuthZEN API.
        let question = json!({
            "subject": { "type": "vpc", "id": spoke["id"], "properties": { "accountId": spoke_account, "serviceName": "is" } },
            "action": { "name": "is.vpc.dns-resolution-binding.connect" },
            "resource": { "type": "vpc", "id": hub_id, "properties": { "accountId": hub_account, "serviceName": "is", "vpcId": hub_id } }
        });
        let decision = client.call(Method::POST, "/access/v1/evaluation", Some(&question)).await?;
        let permitted = decision["decision"] == true;
        let policy = json!({
            "type": "authorization",
            "subjects": [{ "attributes": [
                { "name": "accountId", "value": spoke_account }, { "name": "serviceName", "value": "is" },
                { "name": "resourceType", "value": "vpc" }, { "name": "resource", "value": spoke["id"] } ] }],
            "roles": [{ "role_id": "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector" }],
            "resources": [{ "attributes": [
                { "name": "accountId", "value": hub_account }, { "name": "serviceName", "value": "is" }, { "name": "vpcId", "value": hub_id } ] }]
        });
        let allowed = permitted && problems.is_empty();
        if printer.json() {
            printer.value(&json!({ "allowed": allowed, "authorized": permitted, "problems": problems, "decision": decision, "missing_policy": if permitted { Value::Null } else { policy } }));
            return Ok(());
        }
        println!(
            "A DNS resolution binding from `{}` to `{hub_id}` would be {}.",
            cell(&spoke["id"]),
            if allowed { "ALLOWED" } else { "REFUSED" }
        );
        for problem in &problems {
            println!("- {problem}");
        }
        let reason = decision["context"]["reason_admin"]["en"]
            .as_str()
            .or(decision["context"]["reason_user"]["en"].as_str())
            .unwrap_or_default();
        if permitted {
            println!("- IAM: the hub account authorizes it ({reason})");
        } else {
            println!(
                "- IAM: the hub account `{hub_account}` has no policy granting `DNSBindingConnector` to this VPC ({reason})."
            );
            println!("  The hub administrator can grant it with:");
            println!(
                "    hubspoke iam authorization-policy-create is is DNSBindingConnector --source-service-account {spoke_account} --source-resource-type vpc --source-resource {} --target-resource-type vpc --target-resource {hub_id}",
                cell(&spoke["id"])
            );
            println!("  or POST /v1/policies with:\n    {policy}");
        }
        Ok(())
    }
}
