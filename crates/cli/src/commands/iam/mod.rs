//! `hubspoke iam ...`: authorization and access policies, roles and custom roles, access groups, service IDs, API
//! keys and users, as `ibmcloud iam` has them.

mod access;
mod access_group;
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
    /// List the roles a service (pair) offers, with your account's custom roles of the service.
    #[command(after_help = "EXAMPLE:\n  hubspoke iam roles --service is --source-service is")]
    Roles(roles::Roles),
    /// Create an access group.
    #[command(
        name = "access-group-create",
        after_help = "EXAMPLE:\n  hubspoke iam access-group-create network-admins -d \"Administers the hub VPC\""
    )]
    AccessGroupCreate(access_group::Create),
    /// List the access groups of your account.
    #[command(name = "access-groups", after_help = "EXAMPLE:\n  hubspoke iam access-groups -u IBMid-550002G2B4")]
    AccessGroups(access_group::List),
    /// Show one access group.
    #[command(name = "access-group", after_help = "EXAMPLE:\n  hubspoke iam access-group network-admins")]
    AccessGroup(access_group::Show),
    /// Rename or describe an access group.
    #[command(
        name = "access-group-update",
        after_help = "EXAMPLE:\n  hubspoke iam access-group-update network-admins -n hub-admins -d \"Hub VPC\""
    )]
    AccessGroupUpdate(access_group::Update),
    /// Delete an access group (`-r` also removes its members and rules).
    #[command(
        name = "access-group-delete",
        after_help = "EXAMPLE:\n  hubspoke iam access-group-delete network-admins -f -r"
    )]
    AccessGroupDelete(access_group::Delete),
    /// Add users (by IBMid) to an access group.
    #[command(
        name = "access-group-user-add",
        after_help = "EXAMPLE:\n  hubspoke iam access-group-user-add network-admins IBMid-550002G2B4"
    )]
    AccessGroupUserAdd(access_group::UserAdd),
    /// Add service IDs to an access group.
    #[command(
        name = "access-group-service-id-add",
        after_help = "EXAMPLE:\n  hubspoke iam access-group-service-id-add network-admins ServiceId-1b3c4d5e-0000-4000-8000-000000000000"
    )]
    AccessGroupServiceIdAdd(access_group::ServiceIdAdd),
    /// List the members of an access group.
    #[command(
        name = "access-group-members",
        after_help = "EXAMPLE:\n  hubspoke iam access-group-members network-admins"
    )]
    AccessGroupMembers(access_group::Members),
    /// Remove a user from an access group.
    #[command(
        name = "access-group-user-remove",
        after_help = "EXAMPLE:\n  hubspoke iam access-group-user-remove network-admins IBMid-550002G2B4"
    )]
    AccessGroupUserRemove(access_group::UserRemove),
    /// Create an access policy for a user, named by IAM id.
    #[command(
        name = "user-policy-create",
        after_help = "EXAMPLES:\n  \
            hubspoke iam user-policy-create IBMid-550002G2B4 --roles Viewer --service-name is --attributes \"vpcId=*\"\n  \
            hubspoke iam user-policy-create IBMid-550002G2B4 --roles Administrator --account-management\n  \
            hubspoke iam user-policy-create IBMid-550002G2B4 --file policy.json"
    )]
    UserPolicyCreate(Box<access::Create>),
    /// List the access policies of a user.
    #[command(name = "user-policies", after_help = "EXAMPLE:\n  hubspoke iam user-policies IBMid-550002G2B4")]
    UserPolicies(access::List),
    /// Delete an access policy of a user.
    #[command(
        name = "user-policy-delete",
        after_help = "EXAMPLE:\n  hubspoke iam user-policy-delete IBMid-550002G2B4 0bbcb168-bf7b-4ebf-9684-769f1d7e80e7 -f"
    )]
    UserPolicyDelete(access::Delete),
    /// Create an access policy for a service ID.
    #[command(
        name = "service-policy-create",
        after_help = "EXAMPLE:\n  hubspoke iam service-policy-create ServiceId-5d9e0c3a-0ef1-4b1c-9c0f-0123456789ab --roles Reader --service-name dns-svcs"
    )]
    ServicePolicyCreate(Box<access::Create>),
    /// List the access policies of a service ID.
    #[command(
        name = "service-policies",
        after_help = "EXAMPLE:\n  hubspoke iam service-policies ServiceId-5d9e0c3a-0ef1-4b1c-9c0f-0123456789ab"
    )]
    ServicePolicies(access::List),
    /// Create an access policy for an access group.
    #[command(
        name = "access-group-policy-create",
        after_help = "EXAMPLE:\n  hubspoke iam access-group-policy-create AccessGroupId-0e9c1f3a-7b4d-4c2e-9f10-abcdef012345 --roles Editor --service-name is --resource-group-id \"*\""
    )]
    AccessGroupPolicyCreate(Box<access::Create>),
    /// List the access policies of an access group.
    #[command(
        name = "access-group-policies",
        after_help = "EXAMPLE:\n  hubspoke iam access-group-policies AccessGroupId-0e9c1f3a-7b4d-4c2e-9f10-abcdef012345"
    )]
    AccessGroupPolicies(access::List),
    /// Create a custom role holding some actions of one service.
    #[command(
        name = "role-create",
        after_help = "EXAMPLE:\n  hubspoke iam role-create VpcReader --display-name \"VPC reader\" --service-name is -a is.vpc.vpc.read,is.vpc.vpc.list"
    )]
    RoleCreate(roles::RoleCreate),
    /// Change a custom role's display name, description or actions.
    #[command(
        name = "role-update",
        after_help = "EXAMPLE:\n  hubspoke iam role-update 6f3c7e4b9a1d4e2f8b0c1d2e3f4a5b6c -a is.vpc.vpc.read"
    )]
    RoleUpdate(roles::RoleUpdate),
    /// Delete a custom role no policy grants.
    #[command(
        name = "role-delete",
        after_help = "EXAMPLE:\n  hubspoke iam role-delete 6f3c7e4b9a1d4e2f8b0c1d2e3f4a5b6c -f"
    )]
    RoleDelete(roles::RoleDelete),
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
            Iam::AccessGroupCreate(command) => command.run(connection, printer).await,
            Iam::AccessGroups(command) => command.run(connection, printer).await,
            Iam::AccessGroup(command) => command.run(connection, printer).await,
            Iam::AccessGroupUpdate(command) => command.run(connection, printer).await,
            Iam::AccessGroupDelete(command) => command.run(connection, printer).await,
            Iam::AccessGroupUserAdd(command) => command.run(connection, printer).await,
            Iam::AccessGroupServiceIdAdd(command) => command.run(connection, printer).await,
            Iam::AccessGroupMembers(command) => command.run(connection, printer).await,
            Iam::AccessGroupUserRemove(command) => command.run(connection, printer).await,
            Iam::UserPolicyCreate(command) => command.run(access::SubjectKind::User, connection, printer).await,
            Iam::UserPolicies(command) => command.run(access::SubjectKind::User, connection, printer).await,
            Iam::UserPolicyDelete(command) => command.run(connection, printer).await,
            Iam::ServicePolicyCreate(command) => command.run(access::SubjectKind::ServiceId, connection, printer).await,
            Iam::ServicePolicies(command) => command.run(access::SubjectKind::ServiceId, connection, printer).await,
            Iam::AccessGroupPolicyCreate(command) => {
                command.run(access::SubjectKind::AccessGroup, connection, printer).await
            }
            Iam::AccessGroupPolicies(command) => {
                command.run(access::SubjectKind::AccessGroup, connection, printer).await
            }
            Iam::RoleCreate(command) => command.run(connection, printer).await,
            Iam::RoleUpdate(command) => command.run(connection, printer).await,
            Iam::RoleDelete(command) => command.run(connection, printer).await,
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
