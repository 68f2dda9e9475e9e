//! `hubspoke dns lookup NAME --vpc VPC`: the answer a VPC's resolver gives for a name, and why.

use clap::Args;
use reqwest::Method;

use crate::Connection;
use crate::client::Client;
use crate::output::Printer;

/// The `dns lookup` command.
#[derive(Clone, Debug, Args)]
pub struct DnsLookup {
    /// The name to resolve, for example `s3.direct.us-south.cloud-object-storage.appdomain.cloud`.
    name: String,
    /// The VPC whose resolver answers (its id).
    #[arg(long)]
    vpc: String,
}

impl DnsLookup {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("name", &self.name);
        let path = format!("/_hubspoke/vpcs/{}/dns_lookup?{}", self.vpc, query.finish());
        let body = client.call(Method::GET, &path, None).await?;
        if printer.json() {
            printer.value(&body);
            return Ok(());
        }
        let answers: Vec<String> = body["answers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["address"].as_str().map(str::to_owned))
            .collect();
        printer.block(&[
            ("Name", self.name.clone()),
            ("VPC", self.vpc.clone()),
            ("Answer", if answers.is_empty() { "(none)".to_owned() } else { answers.join(", ") }),
        ]);
        println!();
        for line in body["explanation"].as_array().into_iter().flatten().filter_map(|l| l.as_str()) {
            println!("{line}");
        }
        Ok(())
    }
}
