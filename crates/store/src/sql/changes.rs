//! The change log: every write appends its rows in its own transaction, with revisions from one counter row.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::statement::{Argument, MAX_ARGUMENTS, Script, Statement};
use super::{Backend, CHANGES_CHANNEL, SqlStore};
use crate::{Change, EntityKind, Revision, StoreError, StoreResult};

/// Appends the change row of a write, in its transaction, and returns its revision.
pub(super) async fn append_change(
    connection: &mut AnyConnection,
    backend: Backend,
    entity: EntityKind,
    entity_id: &str,
    at: i64,
) -> StoreResult<Revision> {
    append_changes(connection, backend, entity, &[entity_id], at).await
}

/// Appends one change row per id, in the write's transaction, with consecutive revisions; returns the last.
///
/// Revisions come from the one `revision_counter` row, whose lock is held until the transaction ends: revisions are
/// therefore handed out in commit order with no gaps, so a follower that has read revision N has seen every write up
/// to N (a sequence would let a later revision commit before an earlier one, and a follower could skip the earlier).
pub(super) async fn append_changes(
    connection: &mut AnyConnection,
    backend: Backend,
    entity: EntityKind,
    entity_ids: &[&str],
    at: i64,
) -> StoreResult<Revision> {
    let mut script = Script::default();
    script.extend(change_statements(entity, entity_ids, at));
    let rows = script.fetch_all(connection).await?;
    appended(connection, backend, &rows).await
}

/// The statements that append one change row per id with consecutive revisions, for a write to run in its own
/// script after its other statements. The first takes the revisions from the counter and returns the last of them,
/// which [`appended`] reads from the script's rows; the change rows count back from it.
pub(super) fn change_statements(entity: EntityKind, entity_ids: &[&str], at: i64) -> Vec<Statement> {
    let entity = match entity {
        EntityKind::Account => "account",
        EntityKind::Policy => "policy",
        EntityKind::CustomRole => "custom_role",
        EntityKind::World => "world",
        EntityKind::Event => "event",
        EntityKind::Reset => "reset",
        EntityKind::AccessGroup => "access_group",
    };
    let count = entity_ids.len() as i64;
    let mut take = Statement::new("UPDATE revision_counter SET revision = revision + ");
    take.bind(Argument::Integer(count)).push(" WHERE slot = 1 RETURNING revision");
    let mut statements = vec![take];
    // The rows are written in chunks of four bound values each; each row counts back from the counter, which the
    // first statement has moved.
    let per_statement = MAX_ARGUMENTS / 4;
    for (chunk, ids) in entity_ids.chunks(per_statement).enumerate() {
        let mut insert = Statement::new("INSERT INTO changes (revision, entity, entity_id, at) VALUES ");
        for (i, id) in ids.iter().enumerate() {
            let back = count - 1 - (chunk * per_statement + i) as i64;
            if i > 0 {
                insert.push(", ");
            }
            insert.push("((SELECT revision FROM revision_counter WHERE slot = 1) - ");
            insert.bind(Argument::Integer(back)).push(", ");
            insert.push_bind(entity).push(", ").push_bind(id).push(", ");
            insert.bind(Argument::Integer(at)).push(")");
        }
        statements.push(insert);
    }
    statements
}

/// The last revision a script with [`change_statements`] took, read from the script's rows (the counter's is the
/// only row such a script returns); on PostgreSQL it also tells the followers.
pub(super) async fn appended(
    connection: &mut AnyConnection,
    backend: Backend,
    rows: &[AnyRow],
) -> StoreResult<Revision> {
    let [row] = rows else {
        return Err(StoreError::Corrupt(format!("a change script returned {} rows, not one revision", rows.len())));
    };
    let last: i64 = row.try_get(0)?;
    if backend.is_postgres() {
        // NOTIFY takes no parameters; the payload is a number this function produced. PostgreSQL delivers it only if
        // the transaction commits, and in commit order; followers read every change up to it.
        sqlx::query(AssertSqlSafe(format!("NOTIFY {CHANGES_CHANNEL}, '{last}'"))).execute(&mut *connection).await?;
    }
    Ok(last as Revision)
}

impl SqlStore {
    pub(super) async fn newest_revision(&self) -> StoreResult<Revision> {
        let revision: i64 =
            sqlx::query_scalar("SELECT revision FROM revision_counter WHERE slot = 1").fetch_one(&self.reader).await?;
        Ok(revision as Revision)
    }

    pub(super) async fn read_changes(&self, after: Revision, limit: u32) -> StoreResult<Vec<Change>> {
        let rows = sqlx::query(
            "SELECT revision, entity, entity_id FROM changes WHERE revision > $1 ORDER BY revision LIMIT $2",
        )
        .bind(after as i64)
        .bind(limit as i64)
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter()
            .map(|row| {
                let entity = match row.get::<&str, _>("entity") {
                    "account" => EntityKind::Account,
                    "policy" => EntityKind::Policy,
                    "custom_role" => EntityKind::CustomRole,
                    "world" => EntityKind::World,
                    "event" => EntityKind::Event,
                    "reset" => EntityKind::Reset,
                    "access_group" => EntityKind::AccessGroup,
                    other => return Err(StoreError::Corrupt(format!("change entity `{other}`"))),
                };
                Ok(Change {
                    revision: row.get::<i64, _>("revision") as Revision,
                    entity,
                    entity_id: row.get("entity_id"),
                })
            })
            .collect()
    }

    /// A write that changes nothing but still reaches the disk (the counter row is rewritten), to learn whether
    /// writes succeed again after they failed.
    pub(super) async fn probe(&self) -> StoreResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("UPDATE revision_counter SET revision = revision WHERE slot = 1").execute(&mut *tx).await?;
        tx.commit().await
    }
}
