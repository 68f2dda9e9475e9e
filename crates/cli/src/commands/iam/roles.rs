//! `hubspoke iam roles --service S [--source-service S]`.

use clap::Args;
use reqwest::Method;

use crate::Connection;
use crate::client::Client;
use crate::output::Printer;

/// The `roles` command.
#[derive(Clone, Debug, Args)]
pub struct Roles {
    /// The (target) service.
    #[arg(long)]
    service: Option<String>,
    /// The source service: lists the roles an authorization from it may grant.
    #[arg(long)]
    source_service: Option<String>,
}

impl Roles {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(service) = &self.service {
            query.append_pair("service_name", service);
        }
        if let Some(source) = &self.source_service {
            query.append_pair("source_service_name", source).append_pair("policy_type", "authorization");
        }
        printer.progress("Getting roles...");
        let body = client.call(Method::GET, &format!("/v2/roles?{}", query.finish()), None).await?;
        if printer.json() {
            printer.value(&body);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = ["service_roles", "system_roles", "custom_roles"]
            .iter()
            .flat_map(|kind| body[*kind].as_array().cloned().unwrap_or_default())
            .map(|role| {
                ["display_name", "crn", "description"]
                    .iter()
                    .map(|f| role[*f].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .collect();
        printer.list("roles", &["Name", "ID", "Description"], &rows);
        Ok(())
    }
}
