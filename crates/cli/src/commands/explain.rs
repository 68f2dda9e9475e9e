//! `hubspoke explain binding --spoke VPC --hub VPC`: what creating a DNS resolution binding would do now, and why, as
//! the server explains it to the caller (`POST /_hubspoke/explain/binding`).
//!
//! The rules are the server's: this command names the two VPCs and prints the answer. It never decides anything
//! itself, so it cannot disagree with the binding create it explains.

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::commands::is::{cell, vpc_identity};
use crate::output::Printer;

/// The `explain` commands.
#[derive(Clone, Debug, Subcommand)]
pub enum Explain {
    /// Says whether the spoke VPC may bind to the hub VPC now: every rule that would refuse, and the IAM decision.
    #[command(
        after_help = "EXAMPLES:\n  hubspoke explain binding --spoke spoke-vpc --hub crn:v1:bluemix:public:is:us-south:a/HUB_ACCOUNT::vpc:HUB_VPC_ID\n  hubspoke explain binding --spoke crn:v1:bluemix:public:is:us-south:a/SPOKE_ACCOUNT::vpc:SPOKE_VPC_ID --hub hub-vpc"
    )]
    Binding(Binding),
}

/// `explain binding`.
#[derive(Clone, Debug, Args)]
pub struct Binding {
    /// The spoke VPC: name or id if yours, CRN if another account's (the hub's administrator names the spoke so).
    #[arg(long)]
    spoke: String,
    /// The hub VPC: name or id if yours, CRN if another account's.
    #[arg(long)]
    hub: String,
}

impl Explain {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        match self {
            Explain::Binding(command) => command.run(&client, printer).await,
        }
    }
}

impl Binding {
    /// Asks the server and prints its answer. A refused binding is an answer, not a failure: the command exits 0
    /// either way, and 1 only when the server cannot answer (an unknown VPC, no access).
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let body = json!({
            "spoke": vpc_identity(client, &self.spoke).await?,
            "hub": vpc_identity(client, &self.hub).await?,
        });
        let explanation = client.call(Method::POST, "/_hubspoke/explain/binding", Some(&body)).await?;
        if printer.json() {
            printer.value(&explanation);
        } else {
            print_explanation(printer, &explanation);
        }
        Ok(())
    }
}

/// The explanation as text: the verdict, each refusal in order, the decision, and the grant that would fix a denial.
fn print_explanation(printer: &Printer, explanation: &Value) {
    let vpc = |side: &Value| format!("VPC `{}` (account `{}`)", cell(&side["id"]), cell(&side["account_id"]));
    let verdict = if explanation["allowed"] == true { "ALLOWED" } else { "REFUSED" };
    printer.line(&format!(
        "A DNS resolution binding from {} to {} would be {verdict}.",
        vpc(&explanation["spoke"]),
        vpc(&explanation["hub"])
    ));

    let refusals = explanation["refusals"].as_array().map(Vec::as_slice).unwrap_or_default();
    if !refusals.is_empty() {
        printer.line("");
        printer.line("Refusals, in the order a create applies them (it would answer with the first):");
        for (index, refusal) in refusals.iter().enumerate() {
            let rule = refusal["rule"].as_str().map(|rule| format!("rule {rule}, ")).unwrap_or_default();
            printer.line(&format!(
                "{}. {rule}{} (HTTP {}): {}",
                index + 1,
                cell(&refusal["code"]),
                cell(&refusal["status"]),
                cell(&refusal["message"])
            ));
        }
    }

    let perspective = explanation["perspective"].as_str().unwrap_or_default();
    let decision = &explanation["decision"];
    let mut rows = vec![
        ("Action", cell(&decision["action"])),
        ("Permitted", if decision["permitted"] == true { "yes" } else { "no" }.to_owned()),
        ("Enforcement", cell(&decision["enforcement"])),
    ];
    // The server gives the policies only to the hub's administrator (and the operator); say so rather than leave
    // the spoke's administrator wondering why they are missing.
    let granted_by: Vec<String> =
        decision["granted_by"].as_array().into_iter().flatten().map(|id| format!("`{}`", cell(id))).collect();
    if !granted_by.is_empty() {
        rows.push(("Granted by", granted_by.join(", ")));
    }
    if let Some(text) = decision["explanation"].as_str() {
        rows.push(("Explanation", text.to_owned()));
    }
    rows.push((
        "Seen as",
        match perspective {
            "spoke" => "the spoke's administrator (the hub account's policies are its own to see)",
            "hub" => "the hub's administrator",
            _ => "the operator, or an administrator of both accounts",
        }
        .to_owned(),
    ));
    printer.line("");
    printer.line("IAM decision:");
    printer.block(&rows);

    // The grant that would lift a denial, as the server's refusal names it.
    for command in refusals.iter().filter_map(|refusal| refusal["details"]["missing_grant"]["cli"].as_str()) {
        printer.line("");
        printer.line(if perspective == "spoke" {
            "The hub's administrator can grant it with:"
        } else {
            "Grant it with:"
        });
        printer.line(&format!("    {command}"));
    }
}
