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
    /// The VPC whose resolver answers: id or name.
    #[arg(long)]
    vpc: String,
    /// The record type to ask for (A unless given): A, AAAA, CNAME, MX, SRV, TXT, PTR, SOA, NS.
    #[arg(long = "type")]
    record_type: Option<String>,
    /// The client's address, against which forwarding rules' views are evaluated.
    #[arg(long)]
    source: Option<String>,
}

impl DnsLookup {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        // A name is resolved among the caller's VPCs; an id the list does not hold (the operator's view of another
        // account's VPC, for one) is passed on as given and the server says whether it exists.
        let vpc = match crate::commands::is::find(&client, "/v1/vpcs", "vpcs", &self.vpc).await {
            Ok(found) => found["id"].as_str().unwrap_or(&self.vpc).to_owned(),
            Err(_) => self.vpc.clone(),
        };
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("name", &self.name);
        if let Some(record_type) = &self.record_type {
            query.append_pair("type", record_type);
        }
        if let Some(source) = &self.source {
            query.append_pair("source", source);
        }
        let path = format!("/_hubspoke/vpcs/{vpc}/dns_lookup?{}", query.finish());
        let body = client.call(Method::GET, &path, None).await?;
        if printer.json() {
            printer.value(&body);
            return Ok(());
        }
        // Every record answered, in zone-file spelling; an A record shows just its address, as before.
        let answers: Vec<String> = body["records"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| match (r["type"].as_str(), r["data"].as_str()) {
                (Some("A"), Some(data)) => Some(data.to_owned()),
                (Some(kind), Some(data)) => Some(format!("{kind} {data}")),
                _ => None,
            })
            .collect();
        let endpoint = client.call(Method::GET, &format!("/_hubspoke/vpcs/{vpc}/dns_endpoint"), None).await?;
        let (address, port) = (endpoint["address"].as_str().unwrap_or_default(), &endpoint["port"]);
        printer.block(&[
            ("Name", self.name.clone()),
            ("VPC", vpc.clone()),
            ("Answer", if answers.is_empty() { "(none)".to_owned() } else { answers.join(", ") }),
            ("DNS endpoint", format!("{address}:{port} (dig @{address} -p {port} {})", self.name)),
        ]);
        println!();
        for line in body["explanation"].as_array().into_iter().flatten().filter_map(|l| l.as_str()) {
            println!("{line}");
        }
        Ok(())
    }
}
