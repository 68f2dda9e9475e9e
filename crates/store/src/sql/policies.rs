//! Policy rows: each policy as one row with its encoded body, plus attribute and role rows that list filters search.

use std::collections::HashMap;

use hubspoke_iam::{AccountId, Attribute, Policy, PolicyDraft, PolicyKind, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Executor, Row};

use super::changes::{append_changes, change_statements};
use super::group::Scope;
use super::statement::{Argument, Script, Statement, insert_statements};
use super::{Backend, SqlStore};
use crate::codec::{Body, decode_body, decode_operator, decode_state, decode_value, encode_body, encode_value};
use crate::{
    AttributeSide, EntityKind, EventRecord, PolicyPage, PolicyPosition, PolicyQuery, PolicySortField, Revision,
    SortValue, StoreError, StoreResult,
};

/// How many times a write is retried when the policy it collided with was deleted between the collision and the look
/// for it (a create racing a delete of its twin): the second try almost always succeeds.
const RACE_ATTEMPTS: usize = 8;

/// The columns a policy is read from. `body` is there only when it was written at the row's version (migration 0004
/// says why); otherwise it reads NULL and the policy is assembled from its child rows.
const POLICY_COLUMNS: &str = "id, owner, description, state, version, created_at, created_by_id, last_modified_at, \
                              last_modified_by_id, CASE WHEN body_version = version THEN body END AS body";

/// How many policies one `IN` list of `assemble` names: well under both databases' limits on bound values.
const ASSEMBLE_CHUNK: usize = 5_000;

/// What a unique violation on a policy write turned out to be.
enum Collision {
    /// An identical active policy exists.
    Duplicate(StoreError),
    /// The colliding policy is gone by now (deleted meanwhile): the write may be tried again.
    Vanished,
}

impl SqlStore {
    pub(super) async fn insert_policy(&self, policy: &Policy, events: &[EventRecord]) -> StoreResult<Revision> {
        let (policy, events, backend) = (policy.clone(), events.to_vec(), self.backend);
        self.group
            .write(move |connection, scope| {
                Box::pin(async move {
                    for _ in 0..RACE_ATTEMPTS {
                        // The row and everything after it go in one script. Only the row can collide (the child
                        // rows belong to it, events and changes have fresh keys), and a failed statement stops
                        // the script, so a unique violation is the row's and nothing after it ran.
                        let mut script = Script::default();
                        script.extend(policy_row_statements(&[&policy]));
                        finish_policy_script(&mut script, &policy, &events, false);
                        match script.fetch_all(connection).await {
                            Ok(rows) => return super::changes::appended(connection, backend, &rows).await,
                            Err(error) => match collision(connection, scope, &[&policy], error).await? {
                                Collision::Duplicate(duplicate) => return Err(duplicate),
                                Collision::Vanished => continue,
                            },
                        }
                    }
                    Err(contended(&policy))
                })
            })
            .await
    }

    pub(super) async fn insert_policies(&self, policies: &[Policy]) -> StoreResult<Revision> {
        let mut tx = self.write().await?;
        let all: Vec<&Policy> = policies.iter().collect();
        if let Err(error) = insert_policy_rows(&mut tx, &all).await {
            let unique = error.as_database_error().is_some_and(|e| e.is_unique_violation());
            // SQLite's one writer must be free for the look below: end the transaction first.
            tx.rollback().await?;
            if !unique {
                return Err(error.into());
            }
            let mut connection = self.writer.acquire().await?;
            return Err(match find_duplicate(&mut connection, &all).await? {
                Some(duplicate) => duplicate,
                // Two policies of one import duplicate each other, or an id is taken.
                None => StoreError::Database(
                    "the imported policies duplicate each other or reuse an id that is taken".to_owned(),
                ),
            });
        }
        write_policy_children(&mut tx, &all, false).await?;
        let ids: Vec<&str> = policies.iter().map(|policy| policy.id.as_str()).collect();
        let at = policies.iter().map(|policy| policy.last_modified_at.0).max().unwrap_or_default();
        let revision = append_changes(&mut tx, self.backend, EntityKind::Policy, &ids, at).await?;
        tx.commit().await?;
        if policies.len() >= 1_000 {
            // Fresh statistics, or PostgreSQL plans the next reads for the tables as they were before (it scanned all
            // attributes for one page of a list, 36 ms at 100k policies); autovacuum would get there, later.
            let tables = match self.backend {
                Backend::Postgres => "ANALYZE policies, policy_attributes, policy_roles",
                Backend::SqliteFile | Backend::SqliteMemory => "ANALYZE",
            };
            self.writer.execute(tables).await?;
        }
        Ok(revision)
    }

    pub(super) async fn update_policy(&self, policy: &Policy, events: &[EventRecord]) -> StoreResult<Revision> {
        let (policy, events, backend) = (policy.clone(), events.to_vec(), self.backend);
        self.group
            .write(move |connection, scope| {
                Box::pin(async move {
                    for _ in 0..RACE_ATTEMPTS {
                        let updated = update_policy_row(connection, &policy).await;
                        let updated = match updated {
                            Ok(updated) => updated,
                            Err(error) => match collision(connection, scope, &[&policy], error).await? {
                                Collision::Duplicate(duplicate) => return Err(duplicate),
                                Collision::Vanished => continue,
                            },
                        };
                        if updated.rows_affected() == 0 {
                            let current: Option<i64> = sqlx::query_scalar("SELECT version FROM policies WHERE id = $1")
                                .bind(&policy.id)
                                .fetch_optional(&mut *connection)
                                .await?;
                            return Err(match current {
                                None => StoreError::NotFound(policy.id.clone()),
                                Some(current) => StoreError::Stale { id: policy.id.clone(), current: current as u32 },
                            });
                        }
                        return finish_policy_write(connection, backend, &policy, &events, true).await;
                    }
                    Err(contended(&policy))
                })
            })
            .await
    }

    pub(super) async fn read_policy(&self, id: &str) -> StoreResult<Option<Policy>> {
        let mut connection = self.reader.acquire().await?;
        let sql = format!("SELECT {POLICY_COLUMNS} FROM policies WHERE id = $1");
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_all(&mut *connection).await?;
        Ok(assemble(&mut connection, rows).await?.pop())
    }

    pub(super) async fn read_policy_page(&self, filter: &PolicyQuery) -> StoreResult<PolicyPage> {
        let (field, descending) = filter.sort.unwrap_or((PolicySortField::CreatedAt, false));
        let column = sort_column(field);
        // A page before a policy is read in the reverse order, then turned around.
        let backwards = matches!(filter.position, PolicyPosition::Before(_));
        let mut select = Statement::new(&format!("SELECT {POLICY_COLUMNS} FROM policies"));
        push_policy_filters(&mut select, filter);
        if let PolicyPosition::After(key) | PolicyPosition::Before(key) = &filter.position {
            // Strictly after (or before) the key in the order `column` (ascending or descending), then `id`.
            let later = if descending != backwards { "<" } else { ">" };
            let id_side = if backwards { "<" } else { ">" };
            let value = || match &key.value {
                SortValue::Int(number) => Argument::Integer(*number),
                SortValue::Text(text) => Argument::Text(text.clone()),
            };
            select.push(&format!(" AND ({column} {later} ")).bind(value());
            select.push(&format!(" OR ({column} = ")).bind(value());
            select.push(&format!(" AND id {id_side} ")).push_bind(&key.id).push("))");
        }
        let column_order = if descending != backwards { "DESC" } else { "ASC" };
        let id_order = if backwards { "DESC" } else { "ASC" };
        // The bound is a number this function formats; one more than asked tells whether more follow. i64::MAX is
        // "no limit" to both databases.
        let fetch = filter.limit.map_or(i64::MAX, |limit| limit.saturating_add(1).min(i64::MAX as u64) as i64);
        select.push(&format!(" ORDER BY {column} {column_order}, id {id_order} LIMIT {fetch}"));
        let mut tx = self.snapshot().await?;
        let rows = select.fetch_all(&mut tx).await?;
        let mut policies = assemble(&mut tx, rows).await?;
        tx.commit().await?;
        let more = filter.limit.is_some_and(|limit| policies.len() as u64 > limit);
        if more {
            policies.pop();
        }
        if backwards {
            policies.reverse();
        }
        let (more_after, more_before) = filter.position.page_flags(more);
        Ok(PolicyPage { policies, more_after, more_before })
    }

    pub(super) async fn read_all_policies(&self) -> StoreResult<(Vec<Policy>, Revision)> {
        // The bulk read needs a connection of its own, which the in-memory database cannot give (it lives in its one
        // connection); it is small anyway.
        let url = self.reader.connect_options().database_url.to_string();
        let native = match self.backend {
            Backend::SqliteFile => super::bulk::sqlite(&url).await?,
            Backend::Postgres => super::bulk::postgres(&url).await?,
            Backend::SqliteMemory => None,
        };
        if let Some(loaded) = native {
            return Ok(loaded);
        }
        self.read_all_policies_any().await
    }

    /// [`SqlStore::read_all_policies`] through the `Any` pool, assembling rows written without a body from their
    /// child rows.
    pub(super) async fn read_all_policies_any(&self) -> StoreResult<(Vec<Policy>, Revision)> {
        let mut tx = self.snapshot().await?;
        let revision: i64 =
            sqlx::query_scalar("SELECT revision FROM revision_counter WHERE slot = 1").fetch_one(&mut *tx).await?;
        let policies = load_all(&mut tx).await?;
        tx.commit().await?;
        Ok((policies, revision as Revision))
    }
}

fn contended(policy: &Policy) -> StoreError {
    StoreError::Contended(format!("policy `{}` kept colliding with policies being deleted", policy.id))
}

/// Rewrites a policy's row if it is still at the version before `policy`'s.
pub(super) async fn update_policy_row(
    connection: &mut AnyConnection,
    policy: &Policy,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    sqlx::query(
        "UPDATE policies SET description = $1, state = $2, version = $3, fingerprint = $4, \
         last_modified_at = $5, last_modified_by_id = $6, body = $7, body_version = $3 WHERE id = $8 AND version = $9",
    )
    .bind(&policy.draft.description)
    .bind(policy.state.as_str())
    .bind(policy.version as i64)
    .bind(policy.draft.fingerprint())
    .bind(policy.last_modified_at.0)
    .bind(&policy.last_modified_by_id)
    .bind(encode_body(&policy.draft))
    .bind(&policy.id)
    .bind(policy.version as i64 - 1)
    .execute(&mut *connection)
    .await
}

/// The end of a policy create or replace whose row is written: its attributes and roles, its events, and its change
/// row, all of one revision.
async fn finish_policy_write(
    connection: &mut AnyConnection,
    backend: Backend,
    policy: &Policy,
    events: &[EventRecord],
    replacing: bool,
) -> StoreResult<Revision> {
    let mut script = Script::default();
    finish_policy_script(&mut script, policy, events, replacing);
    let rows = script.fetch_all(connection).await?;
    super::changes::appended(connection, backend, &rows).await
}

/// Adds to `script` the statements of [`finish_policy_write`]; the script's rows then hold the write's revision.
fn finish_policy_script(script: &mut Script, policy: &Policy, events: &[EventRecord], replacing: bool) {
    script.extend(policy_children_statements(&[policy], replacing));
    script.extend(super::events::statements(events));
    script.extend(change_statements(EntityKind::Policy, &[&policy.id], policy.last_modified_at.0));
}

/// Undoes a write that failed on `error` and says what it was: the active policy that one of `policies`
/// duplicates, a collision with a policy deleted since, or the error itself.
async fn collision(
    connection: &mut AnyConnection,
    scope: Scope,
    policies: &[&Policy],
    error: sqlx::Error,
) -> StoreResult<Collision> {
    if !error.as_database_error().is_some_and(|e| e.is_unique_violation()) {
        return Err(error.into());
    }
    // PostgreSQL refuses every further statement of a transaction that failed: undo the write first. The look then
    // runs in the same transaction, so it also sees a twin written earlier in the same batch.
    scope.undo(connection).await?;
    Ok(match find_duplicate(connection, policies).await? {
        Some(duplicate) => Collision::Duplicate(duplicate),
        None => Collision::Vanished,
    })
}

/// The active policy, other than itself, that one of `policies` duplicates.
async fn find_duplicate(connection: &mut AnyConnection, policies: &[&Policy]) -> StoreResult<Option<StoreError>> {
    for policy in policies {
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT id FROM policies WHERE owner = $1 AND fingerprint = $2 AND state = 'active' AND id <> $3",
        )
        .bind(policy.draft.owner.as_str())
        .bind(policy.draft.fingerprint())
        .bind(&policy.id)
        .fetch_optional(&mut *connection)
        .await?;
        if let Some(existing) = existing {
            return Ok(Some(StoreError::DuplicatePolicy { existing }));
        }
    }
    Ok(None)
}

/// Every policy, oldest first.
pub(super) async fn load_all(connection: &mut AnyConnection) -> StoreResult<Vec<Policy>> {
    let sql = format!("SELECT {POLICY_COLUMNS} FROM policies ORDER BY created_at, id");
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *connection).await?;
    // Every policy written since the body column exists is read from its row; older ones from their children.
    let children = if rows.iter().any(|row| row.get::<Option<&str>, _>("body").is_none()) {
        read_children(connection, None).await?
    } else {
        Children::default()
    };
    build_policies(rows, children)
}

/// Inserts the rows of new policies (children not included).
pub(super) async fn insert_policy_rows(
    connection: &mut AnyConnection,
    policies: &[&Policy],
) -> Result<(), sqlx::Error> {
    let mut script = Script::default();
    script.extend(policy_row_statements(policies));
    script.fetch_all(connection).await?;
    Ok(())
}

/// The statements that insert the rows of new policies (children not included).
fn policy_row_statements(policies: &[&Policy]) -> Vec<Statement> {
    let rows = policies
        .iter()
        .map(|policy| {
            vec![
                Argument::Text(policy.id.clone()),
                Argument::Text(policy.draft.owner.as_str().to_owned()),
                Argument::OptionalText(policy.draft.description.clone()),
                Argument::Text(policy.state.as_str().to_owned()),
                Argument::Integer(policy.version as i64),
                Argument::Text(policy.draft.fingerprint()),
                Argument::Integer(policy.created_at.0),
                Argument::Text(policy.created_by_id.clone()),
                Argument::Integer(policy.last_modified_at.0),
                Argument::Text(policy.last_modified_by_id.clone()),
                Argument::Text(encode_body(&policy.draft)),
                Argument::Integer(policy.version as i64),
            ]
        })
        .collect();
    insert_statements(
        "policies (id, owner, description, state, version, fingerprint, created_at, created_by_id, last_modified_at, \
         last_modified_by_id, body, body_version)",
        rows,
    )
}

/// Writes the attribute and role rows of `policies` (after deleting their old ones when `replacing`): a handful of
/// statements however many policies and attributes there are.
pub(super) async fn write_policy_children(
    connection: &mut AnyConnection,
    policies: &[&Policy],
    replacing: bool,
) -> StoreResult<()> {
    let mut script = Script::default();
    script.extend(policy_children_statements(policies, replacing));
    script.fetch_all(connection).await?;
    Ok(())
}

/// The statements of [`write_policy_children`].
fn policy_children_statements(policies: &[&Policy], replacing: bool) -> Vec<Statement> {
    let mut statements = Vec::new();
    if replacing {
        let ids: Vec<String> = policies.iter().map(|policy| policy.id.clone()).collect();
        for table in ["policy_attributes", "policy_roles"] {
            let mut delete = Statement::new(&format!("DELETE FROM {table} WHERE policy_id IN "));
            delete.push_list(&ids);
            statements.push(delete);
        }
    }
    let mut attributes = Vec::new();
    let mut roles = Vec::new();
    for policy in policies {
        let sides = [("subject", &policy.draft.subject), ("resource", &policy.draft.resource)];
        for (side, list) in sides {
            for (position, attribute) in list.iter().enumerate() {
                let (kind, value) = encode_value(&attribute.value);
                attributes.push(vec![
                    Argument::Text(policy.id.clone()),
                    Argument::Text(side.to_owned()),
                    Argument::Integer(position as i64),
                    Argument::Text(attribute.key.clone()),
                    Argument::Text(attribute.operator.as_str().to_owned()),
                    Argument::Text(kind.to_owned()),
                    Argument::Text(value),
                ]);
            }
        }
        for (position, role) in policy.draft.roles.iter().enumerate() {
            roles.push(vec![
                Argument::Text(policy.id.clone()),
                Argument::Integer(position as i64),
                Argument::Text(role.clone()),
            ]);
        }
    }
    statements.extend(insert_statements(
        "policy_attributes (policy_id, side, position, key, operator, value_kind, value)",
        attributes,
    ));
    statements.extend(insert_statements("policy_roles (policy_id, position, role_id)", roles));
    statements
}

/// Reads the attributes and roles of the policies whose rows were fetched and assembles them, keeping row order.
async fn assemble(connection: &mut AnyConnection, rows: Vec<AnyRow>) -> StoreResult<Vec<Policy>> {
    let mut policies = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<AnyRow> = rows.by_ref().take(ASSEMBLE_CHUNK).collect();
        policies.extend(assemble_chunk(connection, chunk).await?);
    }
    Ok(policies)
}

async fn assemble_chunk(connection: &mut AnyConnection, rows: Vec<AnyRow>) -> StoreResult<Vec<Policy>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Only rows written before the body column existed need their child rows.
    let ids: Vec<String> = rows
        .iter()
        .filter(|row| row.get::<Option<&str>, _>("body").is_none())
        .map(|row| row.get::<String, _>("id"))
        .collect();
    let children = if ids.is_empty() { Children::default() } else { read_children(connection, Some(&ids)).await? };
    build_policies(rows, children)
}

/// Every policy's attributes (subject, resource) and roles, by policy id.
type Children = (HashMap<String, (Vec<Attribute>, Vec<Attribute>)>, HashMap<String, Vec<String>>);

/// The attribute and role rows of the policies `ids`, or of every policy (one scan of each table, for loading the
/// whole index at startup).
async fn read_children(connection: &mut AnyConnection, ids: Option<&[String]>) -> StoreResult<Children> {
    let scoped = |head: &str, order: &str| {
        let mut query = Statement::new(head);
        if let Some(ids) = ids {
            query.push(" WHERE policy_id IN ").push_list(ids);
        }
        query.push(order);
        query
    };
    let mut attributes: HashMap<String, (Vec<Attribute>, Vec<Attribute>)> = HashMap::new();
    let query = scoped(
        "SELECT policy_id, side, key, operator, value_kind, value FROM policy_attributes",
        " ORDER BY policy_id, side, position",
    );
    for row in query.fetch_all(connection).await? {
        let attribute = Attribute {
            key: row.get("key"),
            operator: decode_operator(row.get("operator"))?,
            value: decode_value(row.get("value_kind"), row.get("value"))?,
        };
        let entry = attributes.entry(row.get("policy_id")).or_default();
        match row.get::<&str, _>("side") {
            "subject" => entry.0.push(attribute),
            _ => entry.1.push(attribute),
        }
    }
    let mut roles: HashMap<String, Vec<String>> = HashMap::new();
    let query = scoped("SELECT policy_id, role_id FROM policy_roles", " ORDER BY policy_id, position");
    for row in query.fetch_all(connection).await? {
        roles.entry(row.get("policy_id")).or_default().push(row.get("role_id"));
    }
    Ok((attributes, roles))
}

/// Policies from their rows and children, keeping row order.
fn build_policies(rows: Vec<AnyRow>, (mut attributes, mut roles): Children) -> StoreResult<Vec<Policy>> {
    rows.into_iter()
        .map(|row| {
            let raw = RawPolicy::from_row(&row);
            let children = match raw.body {
                Some(_) => None,
                None => {
                    let (subject, resource) = attributes.remove(&raw.id).unwrap_or_default();
                    Some((subject, resource, roles.remove(&raw.id).unwrap_or_default()))
                }
            };
            raw.into_policy(children)
        })
        .collect()
}

/// A policy's row as read, before its body and state are decoded.
pub(super) struct RawPolicy {
    pub(super) id: String,
    pub(super) owner: String,
    pub(super) description: Option<String>,
    pub(super) state: String,
    pub(super) version: i64,
    pub(super) created_at: i64,
    pub(super) created_by_id: String,
    pub(super) last_modified_at: i64,
    pub(super) last_modified_by_id: String,
    /// Absent for a row written before the body column existed (or by an older build).
    pub(super) body: Option<String>,
}

impl RawPolicy {
    fn from_row(row: &AnyRow) -> RawPolicy {
        RawPolicy {
            id: row.get("id"),
            owner: row.get("owner"),
            description: row.get("description"),
            state: row.get("state"),
            version: row.get("version"),
            created_at: row.get("created_at"),
            created_by_id: row.get("created_by_id"),
            last_modified_at: row.get("last_modified_at"),
            last_modified_by_id: row.get("last_modified_by_id"),
            body: row.get("body"),
        }
    }

    /// The policy, its attributes and roles decoded from the body, or taken from `children` when the row has none.
    pub(super) fn into_policy(self, children: Option<Body>) -> StoreResult<Policy> {
        let (subject, resource, roles) = match (&self.body, children) {
            (Some(body), _) => decode_body(body)?,
            (None, Some(children)) => children,
            (None, None) => return Err(StoreError::Corrupt(format!("policy `{}` has no body", self.id))),
        };
        let owner = &self.owner;
        Ok(Policy {
            draft: PolicyDraft {
                owner: AccountId::parse(owner).ok_or_else(|| StoreError::Corrupt(format!("owner `{owner}`")))?,
                description: self.description,
                subject,
                resource,
                roles,
            },
            id: self.id,
            state: decode_state(&self.state)?,
            version: self.version as u32,
            created_at: Timestamp(self.created_at),
            created_by_id: self.created_by_id,
            last_modified_at: Timestamp(self.last_modified_at),
            last_modified_by_id: self.last_modified_by_id,
        })
    }
}

fn sort_column(field: PolicySortField) -> &'static str {
    match field {
        PolicySortField::Id => "id",
        PolicySortField::CreatedAt => "created_at",
        PolicySortField::CreatedById => "created_by_id",
        PolicySortField::LastModifiedAt => "last_modified_at",
        PolicySortField::LastModifiedById => "last_modified_by_id",
        PolicySortField::State => "state",
        // The kind is not a column: an access policy's subject is an `iam_id` or an `access_group_id`.
        PolicySortField::Kind => {
            "(CASE WHEN EXISTS (SELECT 1 FROM policy_attributes k WHERE k.policy_id = policies.id AND \
             k.side = 'subject' AND k.key IN ('iam_id', 'access_group_id')) THEN 'access' ELSE 'authorization' END)"
        }
    }
}

fn push_policy_filters(query: &mut Statement, filter: &PolicyQuery) {
    query.push(" WHERE owner = ").push_bind(filter.owner.as_str());
    if let Some(state) = filter.state {
        query.push(" AND state = ").push_bind(state.as_str());
    }
    // An access policy's subject is an `iam_id` or an `access_group_id`; an authorization's never is.
    let access_subject = "EXISTS (SELECT 1 FROM policy_attributes k WHERE k.policy_id = policies.id AND \
                          k.side = 'subject' AND k.key IN ('iam_id', 'access_group_id'))";
    match filter.kind {
        Some(PolicyKind::Access) => {
            query.push(&format!(" AND {access_subject}"));
        }
        Some(PolicyKind::Authorization) => {
            query.push(&format!(" AND NOT {access_subject}"));
        }
        None => {}
    }
    for (side, key, value) in &filter.attributes {
        let side = match side {
            AttributeSide::Subject => "subject",
            AttributeSide::Resource => "resource",
        };
        query
            .push(&format!(
                " AND EXISTS (SELECT 1 FROM policy_attributes a WHERE a.policy_id = policies.id AND a.side = '{side}' \
                 AND a.value_kind = 'text' AND a.key = "
            ))
            .push_bind(key)
            .push(" AND a.value = ")
            .push_bind(value)
            .push(")");
    }
    if let Some(service) = &filter.resource_service {
        query
            .push(
                " AND EXISTS (SELECT 1 FROM policy_attributes a WHERE a.policy_id = policies.id AND a.side = 'resource' \
                 AND a.key = 'serviceName' AND a.value_kind = 'text' AND a.value = ",
            )
            .push_bind(service)
            .push(")");
    }
}
