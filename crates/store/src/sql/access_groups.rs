//! Access groups: groups, their members, their dynamic rules with conditions, the account's group settings, and the
//! joint write that lands group changes together with new users and policies.

use hubspoke_iam::AccountId;
use hubspoke_iam::access_group::{
    AccessGroup, Condition, ConditionOperator, GroupSettings, Member, MemberKind, Rule, RuleDraft,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::SqlStore;
use super::changes::append_change;
use super::policies::{insert_policy_rows, update_policy_row, write_policy_children};
use crate::{AccessGroupSet, AccessGroupWrite, EntityKind, JointWrite, PolicyWrite, Revision, StoreError, StoreResult};

fn version(row: &AnyRow) -> StoreResult<u32> {
    let version: i64 = row.get("version");
    u32::try_from(version).map_err(|_| StoreError::Corrupt(format!("access group version {version}")))
}

fn group_from_row(row: &AnyRow, account: &AccountId) -> StoreResult<AccessGroup> {
    Ok(AccessGroup {
        id: row.get("id"),
        account: account.clone(),
        name: row.get("name"),
        description: row.get("description"),
        created_at: row.get("created_at"),
        created_by_id: row.get("created_by_id"),
        last_modified_at: row.get("last_modified_at"),
        last_modified_by_id: row.get("last_modified_by_id"),
        version: version(row)?,
    })
}

fn member_from_row(row: &AnyRow) -> StoreResult<(String, Member)> {
    let kind: String = row.get("kind");
    let kind = MemberKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("member kind `{kind}`")))?;
    let member = Member {
        iam_id: row.get("iam_id"),
        kind,
        created_at: row.get("created_at"),
        created_by_id: row.get("created_by_id"),
    };
    Ok((row.get("group_id"), member))
}

impl SqlStore {
    pub(super) async fn read_access_groups(&self, account: &AccountId) -> StoreResult<AccessGroupSet> {
        let mut tx = self.snapshot().await?;
        let groups = sqlx::query(
            "SELECT id, name, description, created_at, created_by_id, last_modified_at, last_modified_by_id, version \
             FROM access_groups WHERE account = $1 ORDER BY created_at, id",
        )
        .bind(account.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let groups = groups.iter().map(|row| group_from_row(row, account)).collect::<StoreResult<Vec<_>>>()?;
        let members = sqlx::query(
            "SELECT group_id, iam_id, kind, created_at, created_by_id FROM access_group_members \
             WHERE account = $1 ORDER BY created_at, iam_id",
        )
        .bind(account.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let members = members.iter().map(member_from_row).collect::<StoreResult<Vec<_>>>()?;
        let rule_rows = sqlx::query(
            "SELECT id, group_id, name, expiration, realm_name, created_at, created_by_id, last_modified_at, \
             last_modified_by_id, version FROM access_group_rules WHERE account = $1 ORDER BY created_at, id",
        )
        .bind(account.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let condition_rows = sqlx::query(
            "SELECT c.rule_id, c.claim, c.operator, c.value FROM access_group_rule_conditions c \
             JOIN access_group_rules r ON r.id = c.rule_id WHERE r.account = $1 ORDER BY c.rule_id, c.position",
        )
        .bind(account.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let mut rules = Vec::with_capacity(rule_rows.len());
        for row in &rule_rows {
            let id: String = row.get("id");
            let mut conditions = Vec::new();
            for condition in condition_rows.iter().filter(|c| c.get::<String, _>("rule_id") == id) {
                let operator: String = condition.get("operator");
                conditions.push(Condition {
                    claim: condition.get("claim"),
                    operator: ConditionOperator::parse(&operator)
                        .ok_or_else(|| StoreError::Corrupt(format!("rule operator `{operator}`")))?,
                    value: condition.get("value"),
                });
            }
            let expiration: i64 = row.get("expiration");
            rules.push(Rule {
                id,
                group_id: row.get("group_id"),
                account: account.clone(),
                draft: RuleDraft {
                    name: row.get("name"),
                    expiration: u32::try_from(expiration)
                        .map_err(|_| StoreError::Corrupt(format!("rule expiration {expiration}")))?,
                    realm_name: row.get("realm_name"),
                    conditions,
                },
                created_at: row.get("created_at"),
                created_by_id: row.get("created_by_id"),
                last_modified_at: row.get("last_modified_at"),
                last_modified_by_id: row.get("last_modified_by_id"),
                version: version(row)?,
            });
        }
        let settings = sqlx::query(
            "SELECT public_access_enabled, last_modified_at, last_modified_by_id FROM access_group_settings \
             WHERE account = $1",
        )
        .bind(account.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| GroupSettings {
            account: account.clone(),
            public_access_enabled: row.get::<i64, _>("public_access_enabled") != 0,
            last_modified_at: row.get("last_modified_at"),
            last_modified_by_id: row.get("last_modified_by_id"),
        });
        tx.commit().await?;
        Ok(AccessGroupSet { groups, members, rules, settings })
    }

    pub(super) async fn write_access_group_rows(
        &self,
        account: &AccountId,
        writes: &[AccessGroupWrite],
        at: i64,
    ) -> StoreResult<Revision> {
        let mut tx = self.write().await?;
        for write in writes {
            apply(&mut tx, account, write).await?;
        }
        let first = writes.first().map(AccessGroupWrite::subject).unwrap_or_default();
        let revision = append_change(&mut tx, self.backend, EntityKind::AccessGroup, first, at).await?;
        tx.commit().await?;
        Ok(revision)
    }
}

impl SqlStore {
    pub(super) async fn write_joint_rows(
        &self,
        account: &AccountId,
        write: &JointWrite,
        at: i64,
    ) -> StoreResult<Revision> {
        let mut tx = self.write().await?;
        for user in &write.users {
            super::identities::insert_user(&mut tx, user).await?;
        }
        for change in &write.groups {
            apply(&mut tx, account, change).await?;
        }
        for change in &write.policies {
            write_policy(&mut tx, change).await?;
        }
        // A policy naming a group this write deletes, created after the caller read the group's policies, would be
        // left naming no group: the caller reads again and retries.
        for change in &write.groups {
            if let AccessGroupWrite::DeleteGroup(id) = change
                && let Some((policy, version)) = active_policy_naming(&mut tx, account, id).await?
            {
                return Err(StoreError::Stale { id: policy, current: version });
            }
        }
        super::events::insert(&mut tx, &write.events).await?;
        // One change row: the policies' ids when there are any (followers re-read each), else what else was written.
        let (entity, subject) = if write.policies.is_empty() {
            match (write.groups.first(), write.users.first()) {
                (Some(change), _) => (EntityKind::AccessGroup, change.subject().to_owned()),
                (None, Some(user)) => (EntityKind::Account, user.iam_id.clone()),
                (None, None) => (EntityKind::AccessGroup, account.as_str().to_owned()),
            }
        } else {
            let ids: Vec<&str> = write.policies.iter().map(|change| change.policy().id.as_str()).collect();
            (EntityKind::Policy, ids.join("\n"))
        };
        let revision = append_change(&mut tx, self.backend, entity, &subject, at).await?;
        tx.commit().await?;
        Ok(revision)
    }
}

/// Writes one policy of a joint write with its attribute and role rows.
async fn write_policy(connection: &mut AnyConnection, change: &PolicyWrite) -> StoreResult<()> {
    match change {
        PolicyWrite::Insert(policy) => {
            insert_policy_rows(connection, &[policy]).await?;
            write_policy_children(connection, &[policy], false).await
        }
        PolicyWrite::Replace(policy) => {
            if update_policy_row(connection, policy).await?.rows_affected() == 0 {
                return Err(stale(connection, "policies", &policy.id).await);
            }
            write_policy_children(connection, &[policy], true).await
        }
    }
}

/// An active policy of `account` whose subject is the access group `group_id`, with its version.
async fn active_policy_naming(
    connection: &mut AnyConnection,
    account: &AccountId,
    group_id: &str,
) -> StoreResult<Option<(String, u32)>> {
    let row = sqlx::query(
        "SELECT p.id, p.version FROM policies p JOIN policy_attributes a ON a.policy_id = p.id \
         WHERE p.owner = $1 AND p.state = 'active' AND a.side = 'subject' AND a.key = 'access_group_id' \
         AND a.value_kind = 'text' AND a.value = $2 LIMIT 1",
    )
    .bind(account.as_str())
    .bind(group_id)
    .fetch_optional(&mut *connection)
    .await?;
    Ok(row.map(|row| (row.get("id"), row.get::<i64, _>("version") as u32)))
}

/// Applies one write. Every statement names the account too, so a write can never touch another account's rows.
async fn apply(connection: &mut AnyConnection, account: &AccountId, write: &AccessGroupWrite) -> StoreResult<()> {
    let account = account.as_str();
    match write {
        AccessGroupWrite::InsertGroup(group) => {
            sqlx::query(
                "INSERT INTO access_groups (id, account, name, description, created_at, created_by_id, \
                 last_modified_at, last_modified_by_id, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&group.id)
            .bind(account)
            .bind(&group.name)
            .bind(&group.description)
            .bind(group.created_at)
            .bind(&group.created_by_id)
            .bind(group.last_modified_at)
            .bind(&group.last_modified_by_id)
            .bind(i64::from(group.version))
            .execute(&mut *connection)
            .await?;
        }
        AccessGroupWrite::UpdateGroup(group) => {
            let updated = sqlx::query(
                "UPDATE access_groups SET name = $1, description = $2, last_modified_at = $3, \
                 last_modified_by_id = $4, version = $5 WHERE id = $6 AND account = $7 AND version = $8",
            )
            .bind(&group.name)
            .bind(&group.description)
            .bind(group.last_modified_at)
            .bind(&group.last_modified_by_id)
            .bind(i64::from(group.version))
            .bind(&group.id)
            .bind(account)
            .bind(i64::from(group.version) - 1)
            .execute(&mut *connection)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(stale(connection, "access_groups", &group.id).await);
            }
        }
        AccessGroupWrite::DeleteGroup(id) => {
            sqlx::query(
                "DELETE FROM access_group_rule_conditions WHERE rule_id IN \
                 (SELECT id FROM access_group_rules WHERE group_id = $1 AND account = $2)",
            )
            .bind(id)
            .bind(account)
            .execute(&mut *connection)
            .await?;
            for table in ["access_group_rules", "access_group_members"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE group_id = $1 AND account = $2")))
                    .bind(id)
                    .bind(account)
                    .execute(&mut *connection)
                    .await?;
            }
            let deleted = sqlx::query("DELETE FROM access_groups WHERE id = $1 AND account = $2")
                .bind(id)
                .bind(account)
                .execute(&mut *connection)
                .await?;
            if deleted.rows_affected() == 0 {
                return Err(StoreError::NotFound(id.clone()));
            }
        }
        AccessGroupWrite::InsertMember { group_id, member } => {
            sqlx::query(
                "INSERT INTO access_group_members (group_id, account, iam_id, kind, created_at, created_by_id) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (group_id, iam_id) DO NOTHING",
            )
            .bind(group_id)
            .bind(account)
            .bind(&member.iam_id)
            .bind(member.kind.as_str())
            .bind(member.created_at)
            .bind(&member.created_by_id)
            .execute(&mut *connection)
            .await?;
        }
        AccessGroupWrite::DeleteMember { group_id, iam_id } => {
            sqlx::query("DELETE FROM access_group_members WHERE group_id = $1 AND iam_id = $2 AND account = $3")
                .bind(group_id)
                .bind(iam_id)
                .bind(account)
                .execute(&mut *connection)
                .await?;
        }
        AccessGroupWrite::InsertRule(rule) => {
            sqlx::query(
                "INSERT INTO access_group_rules (id, group_id, account, name, expiration, realm_name, created_at, \
                 created_by_id, last_modified_at, last_modified_by_id, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&rule.id)
            .bind(&rule.group_id)
            .bind(account)
            .bind(&rule.draft.name)
            .bind(i64::from(rule.draft.expiration))
            .bind(&rule.draft.realm_name)
            .bind(rule.created_at)
            .bind(&rule.created_by_id)
            .bind(rule.last_modified_at)
            .bind(&rule.last_modified_by_id)
            .bind(i64::from(rule.version))
            .execute(&mut *connection)
            .await?;
            insert_conditions(connection, rule).await?;
        }
        AccessGroupWrite::UpdateRule(rule) => {
            let updated = sqlx::query(
                "UPDATE access_group_rules SET name = $1, expiration = $2, realm_name = $3, last_modified_at = $4, \
                 last_modified_by_id = $5, version = $6 WHERE id = $7 AND account = $8 AND version = $9",
            )
            .bind(&rule.draft.name)
            .bind(i64::from(rule.draft.expiration))
            .bind(&rule.draft.realm_name)
            .bind(rule.last_modified_at)
            .bind(&rule.last_modified_by_id)
            .bind(i64::from(rule.version))
            .bind(&rule.id)
            .bind(account)
            .bind(i64::from(rule.version) - 1)
            .execute(&mut *connection)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(stale(connection, "access_group_rules", &rule.id).await);
            }
            sqlx::query("DELETE FROM access_group_rule_conditions WHERE rule_id = $1")
                .bind(&rule.id)
                .execute(&mut *connection)
                .await?;
            insert_conditions(connection, rule).await?;
        }
        AccessGroupWrite::DeleteRule(id) => {
            sqlx::query(
                "DELETE FROM access_group_rule_conditions WHERE rule_id IN \
                 (SELECT id FROM access_group_rules WHERE id = $1 AND account = $2)",
            )
            .bind(id)
            .bind(account)
            .execute(&mut *connection)
            .await?;
            sqlx::query("DELETE FROM access_group_rules WHERE id = $1 AND account = $2")
                .bind(id)
                .bind(account)
                .execute(&mut *connection)
                .await?;
        }
        AccessGroupWrite::PutSettings(settings) => {
            sqlx::query(
                "INSERT INTO access_group_settings (account, public_access_enabled, last_modified_at, \
                 last_modified_by_id) VALUES ($1, $2, $3, $4) ON CONFLICT (account) DO UPDATE SET \
                 public_access_enabled = excluded.public_access_enabled, last_modified_at = excluded.last_modified_at, \
                 last_modified_by_id = excluded.last_modified_by_id",
            )
            .bind(account)
            .bind(i64::from(settings.public_access_enabled))
            .bind(settings.last_modified_at)
            .bind(&settings.last_modified_by_id)
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(())
}

async fn insert_conditions(connection: &mut AnyConnection, rule: &Rule) -> StoreResult<()> {
    for (position, condition) in rule.draft.conditions.iter().enumerate() {
        sqlx::query(
            "INSERT INTO access_group_rule_conditions (rule_id, position, claim, operator, value) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&rule.id)
        .bind(position as i64)
        .bind(&condition.claim)
        .bind(condition.operator.as_str())
        .bind(&condition.value)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Why a versioned update matched no row: the row moved on ([`StoreError::Stale`]) or is gone.
async fn stale(connection: &mut AnyConnection, table: &str, id: &str) -> StoreError {
    let current =
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT version FROM {table} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&mut *connection)
            .await;
    match current {
        Ok(Some(version)) => StoreError::Stale { id: id.to_owned(), current: version as u32 },
        Ok(None) => StoreError::NotFound(id.to_owned()),
        Err(error) => error.into(),
    }
}
