//! `hubspoke iam ...`: authorization policies and roles, as `ibmcloud iam` has them.

mod policies;
mod policy_create;
mod render;
mod roles;

use clap::Subcommand;

use crate::Connection;
use crate::output::Printer;

/// The `iam` commands.
#[derive(Clone, Debug, Subcommand)]
pub enum Iam {
    /// Create an authorization policy between services (ibmcloud's arguments and flags, or `--file`).
    #[command(
        name = "authorization-policy-create",
        after_help = "EXAMPLES:\n  \
            hubspoke iam authorization-policy-create is is DNSBindingConnector --source-resource-type vpc --target-resource-type vpc\n  \
            hubspoke iam authorization-policy-create is DNSBindingConnector --source-resource-type vpc --target-resource-type vpc\n  \
            hubspoke iam authorization-policy-create is is \"DNS Binding Connector\" --source-service-account SPOKE_ACCOUNT \\\n      \
              --source-resource-type vpc --source-resource SPOKE_VPC --target-resource-type vpc --target-resource HUB_VPC\n  \
            hubspoke iam authorization-policy-create --file policy.json"
    )]
    AuthorizationPolicyCreate(Box<policy_create::PolicyCreate>),
    /// List the authorization policies of your account.
    #[command(
        name = "authorization-policies",
        after_help = "EXAMPLE:\n  hubspoke iam authorization-policies --output json"
    )]
    AuthorizationPolicies(policies::List),
    /// Show one authorization policy.
    #[command(
        name = "authorization-policy",
        after_help = "EXAMPLE:\n  hubspoke iam authorization-policy 0bbcb168-bf7b-4ebf-9684-769f1d7e80e7"
    )]
    AuthorizationPolicy(policies::Show),
    /// Delete an authorization policy.
    #[command(
        name = "authorization-policy-delete",
        after_help = "EXAMPLE:\n  hubspoke iam authorization-policy-delete 0bbcb168-bf7b-4ebf-9684-769f1d7e80e7 -f"
    )]
    AuthorizationPolicyDelete(policies::Delete),
    /// List the roles a service (pair) offers.
    #[command(after_help = "EXAMPLE:\n  hubspoke iam roles --service is --source-service is")]
    Roles(roles::Roles),
}

impl Iam {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        match self {
            Iam::AuthorizationPolicyCreate(command) => command.run(connection, printer).await,
            Iam::AuthorizationPolicies(command) => command.run(connection, printer).await,
            Iam::AuthorizationPolicy(command) => command.run(connection, printer).await,
            Iam::AuthorizationPolicyDelete(command) => command.run(connection, printer).await,
            Iam::Roles(command) => command.run(connection, printer).await,
        }
    }
}
