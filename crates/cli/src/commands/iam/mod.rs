//! `hubspoke iam ...`: authorization policies, roles, service IDs, API keys and users, as `ibmcloud iam` has them.

mod api_keys;
mod policies;
mod policy_create;
mod render;
mod roles;
mod service_ids;
mod users;

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
    /// Create a service ID in your account.
    #[command(
        name = "service-id-create",
        after_help = "EXAMPLE:\n  hubspoke iam service-id-create deployer -d \"CI deployments\""
    )]
    ServiceIdCreate(service_ids::Create),
    /// List the service IDs of your account.
    #[command(name = "service-ids", after_help = "EXAMPLE:\n  hubspoke iam service-ids")]
    ServiceIds(service_ids::List),
    /// Show one service ID, by name or UUID.
    #[command(name = "service-id", after_help = "EXAMPLE:\n  hubspoke iam service-id deployer")]
    ServiceId(service_ids::Show),
    /// Delete a service ID and its API keys.
    #[command(name = "service-id-delete", after_help = "EXAMPLE:\n  hubspoke iam service-id-delete deployer -f")]
    ServiceIdDelete(service_ids::Delete),
    /// Lock a service ID against changes.
    #[command(name = "service-id-lock", after_help = "EXAMPLE:\n  hubspoke iam service-id-lock deployer")]
    ServiceIdLock(service_ids::Lock),
    /// Unlock a service ID.
    #[command(name = "service-id-unlock", after_help = "EXAMPLE:\n  hubspoke iam service-id-unlock deployer")]
    ServiceIdUnlock(service_ids::Lock),
    /// Create an API key for a service ID; its secret is shown only this once.
    #[command(
        name = "service-api-key-create",
        after_help = "EXAMPLE:\n  hubspoke iam service-api-key-create deployer-key deployer --file deployer-key.json"
    )]
    ServiceApiKeyCreate(api_keys::ServiceCreate),
    /// List a service ID's API keys.
    #[command(name = "service-api-keys", after_help = "EXAMPLE:\n  hubspoke iam service-api-keys deployer")]
    ServiceApiKeys(api_keys::ServiceList),
    /// Create an API key for yourself; its secret is shown only this once.
    #[command(
        name = "api-key-create",
        after_help = "EXAMPLE:\n  hubspoke iam api-key-create laptop -d \"my laptop\" --file laptop.json"
    )]
    ApiKeyCreate(api_keys::Create),
    /// List your API keys.
    #[command(name = "api-keys", after_help = "EXAMPLE:\n  hubspoke iam api-keys")]
    ApiKeys(api_keys::List),
    /// Delete one of your API keys, by name or UUID.
    #[command(name = "api-key-delete", after_help = "EXAMPLE:\n  hubspoke iam api-key-delete laptop -f")]
    ApiKeyDelete(api_keys::Delete),
    /// List the users of your account.
    #[command(name = "account-users", after_help = "EXAMPLE:\n  hubspoke iam account-users")]
    AccountUsers(users::List),
    /// Invite a user to your account by e-mail address.
    #[command(name = "user-invite", after_help = "EXAMPLE:\n  hubspoke iam user-invite ana@example.com")]
    UserInvite(users::Invite),
}

impl Iam {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        match self {
            Iam::AuthorizationPolicyCreate(command) => command.run(connection, printer).await,
            Iam::AuthorizationPolicies(command) => command.run(connection, printer).await,
            Iam::AuthorizationPolicy(command) => command.run(connection, printer).await,
            Iam::AuthorizationPolicyDelete(command) => command.run(connection, printer).await,
            Iam::Roles(command) => command.run(connection, printer).await,
            Iam::ServiceIdCreate(command) => command.run(connection, printer).await,
            Iam::ServiceIds(command) => command.run(connection, printer).await,
            Iam::ServiceId(command) => command.run(connection, printer).await,
            Iam::ServiceIdDelete(command) => command.run(connection, printer).await,
            Iam::ServiceIdLock(command) => command.run(connection, printer, true).await,
            Iam::ServiceIdUnlock(command) => command.run(connection, printer, false).await,
            Iam::ServiceApiKeyCreate(command) => command.run(connection, printer).await,
            Iam::ServiceApiKeys(command) => command.run(connection, printer).await,
            Iam::ApiKeyCreate(command) => command.run(connection, printer).await,
            Iam::ApiKeys(command) => command.run(connection, printer).await,
            Iam::ApiKeyDelete(command) => command.run(connection, printer).await,
            Iam::AccountUsers(command) => command.run(connection, printer).await,
            Iam::UserInvite(command) => command.run(connection, printer).await,
        }
    }
}
