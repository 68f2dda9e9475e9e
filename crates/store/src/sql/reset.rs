//! Reset: one account's resources, or every account's, removed in one transaction recorded as one change, so that
//! test suites can start each test from a clean state without restarting the server, and every replica follows.

use sqlx::AssertSqlSafe;

use super::SqlStore;
use super::changes::append_change;
use crate::{EntityKind, ResetScope, Revision, StoreResult};

/// The tables a reset leaves as they are: the schema's bookkeeping, the change log (a reset is one more change in
/// it), the world's compare-and-set row (moved to the reset's revision instead), accounts and their API keys (clients
/// keep their tokens) and the signing key. Only the test that checks the schema against both lists reads it.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) const KEPT: &[&str] = &[
    "_sqlx_migrations",
    "changes",
    "revision_counter",
    "world_state",
    "accounts",
    "users",
    "service_ids",
    "api_keys",
    "signing_keys",
];

/// Every other table, children before the parents their foreign keys name, each with the condition that selects one
/// account's rows (`$1` is the account id). A test checks that the two lists name every table of the schema, so a
/// new table cannot be forgotten here.
pub(super) const EMPTIED: &[(&str, &str)] = &[
    ("policy_attributes", "policy_id IN (SELECT id FROM policies WHERE owner = $1)"),
    ("policy_roles", "policy_id IN (SELECT id FROM policies WHERE owner = $1)"),
    ("policies", "owner = $1"),
    ("access_group_rule_conditions", "rule_id IN (SELECT id FROM access_group_rules WHERE account = $1)"),
    ("access_group_rules", "account = $1"),
    ("access_group_members", "account = $1"),
    ("access_groups", "account = $1"),
    ("access_group_settings", "account = $1"),
    ("custom_roles", "account = $1"),
    ("events", "account = $1"),
    ("dns_resource_records", "account = $1"),
    ("dns_permitted_networks", "zone_id IN (SELECT id FROM dns_zones WHERE account = $1)"),
    ("dns_zones", "account = $1"),
    ("dns_service_instances", "account = $1"),
    ("transit_connections", "account = $1"),
    ("transit_gateways", "account = $1"),
    ("forwarding_rule_views", "rule_id IN (SELECT id FROM forwarding_rules WHERE account = $1)"),
    ("forwarding_rules", "account = $1"),
    ("secondary_zones", "account = $1"),
    ("custom_resolver_locations", "resolver_id IN (SELECT id FROM custom_resolvers WHERE account = $1)"),
    ("custom_resolvers", "account = $1"),
    ("dns_resolution_bindings", "spoke_account = $1 OR hub_account = $1"),
    ("endpoint_gateway_resource_bindings", "account = $1"),
    ("endpoint_gateway_security_groups", "gateway_id IN (SELECT id FROM endpoint_gateways WHERE account = $1)"),
    ("endpoint_gateway_service_endpoints", "gateway_id IN (SELECT id FROM endpoint_gateways WHERE account = $1)"),
    ("endpoint_gateways", "account = $1"),
    ("reserved_ips", "subnet_id IN (SELECT id FROM subnets WHERE account = $1)"),
    ("subnets", "account = $1"),
    ("public_gateways", "account = $1"),
    ("address_prefixes", "account = $1"),
    ("security_group_rules", "group_id IN (SELECT id FROM security_groups WHERE account = $1)"),
    ("security_groups", "account = $1"),
    ("network_acl_rules", "acl_id IN (SELECT id FROM network_acls WHERE account = $1)"),
    ("network_acls", "account = $1"),
    ("routing_tables", "account = $1"),
    ("vpc_manual_servers", "vpc_id IN (SELECT id FROM vpcs WHERE account = $1)"),
    ("vpcs", "account = $1"),
    ("resource_groups", "account = $1"),
];

impl SqlStore {
    pub(super) async fn reset_rows(&self, scope: &ResetScope, at: i64) -> StoreResult<Revision> {
        let mut tx = self.write().await?;
        match scope {
            ResetScope::Everything => {
                // One batch of statements, not one round trip each: a test suite resets between every two tests.
                let statements: Vec<String> = EMPTIED.iter().map(|(table, _)| format!("DELETE FROM {table}")).collect();
                sqlx::raw_sql(AssertSqlSafe(statements.join(";\n"))).execute(&mut *tx).await?;
            }
            ResetScope::Account(account) => {
                // Another account's VPC delegated to a hub that goes away falls back to the system resolver, as it
                // would have to before IBM let the hub be deleted; it is the one change made outside the account.
                sqlx::query(
                    "UPDATE vpcs SET resolver_type = 'system', resolver_vpc = NULL, version = version + 1 \
                     WHERE account <> $1 AND resolver_vpc IN (SELECT id FROM vpcs WHERE account = $1)",
                )
                .bind(account.as_str())
                .execute(&mut *tx)
                .await?;
                // Other accounts keep their own records of what they did with this one, but the reset account no
                // longer reads them as the other party.
                sqlx::query("UPDATE events SET other_account = NULL WHERE other_account = $1")
                    .bind(account.as_str())
                    .execute(&mut *tx)
                    .await?;
                for (table, condition) in EMPTIED {
                    sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE {condition}")))
                        .bind(account.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        let id = match scope {
            ResetScope::Everything => "*".to_owned(),
            ResetScope::Account(account) => account.to_string(),
        };
        let revision = append_change(&mut tx, self.backend, EntityKind::Reset, &id, at).await?;
        // A world write computed before the reset must not land on the emptied world: it is based on an older
        // revision, so the compare-and-set refuses it and the writer recomputes.
        sqlx::query("UPDATE world_state SET revision = $1 WHERE slot = 1")
            .bind(revision as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(revision)
    }
}
