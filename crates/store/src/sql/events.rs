//! The activity log's rows.

use sqlx::AnyConnection;
use sqlx::Row;

use super::statement::{Argument, Script, Statement, insert_statements};
use crate::{EventOutcome, EventQuery, EventRecord, StoreError, StoreResult};

pub(super) async fn insert(connection: &mut AnyConnection, events: &[EventRecord]) -> StoreResult<()> {
    let mut script = Script::default();
    script.extend(statements(events));
    script.fetch_all(connection).await?;
    Ok(())
}

/// The statements that insert `events`, for a write to run in its script.
pub(super) fn statements(events: &[EventRecord]) -> Vec<Statement> {
    let rows = events
        .iter()
        .map(|event| {
            vec![
                Argument::Text(event.id.clone()),
                Argument::Integer(event.at),
                Argument::Text(event.actor.clone()),
                Argument::OptionalText(event.account.clone()),
                Argument::OptionalText(event.other_account.clone()),
                Argument::Text(event.action.clone()),
                Argument::Text(event.target_kind.clone()),
                Argument::Text(event.target_id.clone()),
                Argument::Text(event.outcome.as_str().to_owned()),
                Argument::Text(event.reason.clone()),
            ]
        })
        .collect();
    insert_statements(
        "events (id, at, actor, account, other_account, action, target_kind, target_id, outcome, reason)",
        rows,
    )
}

pub(super) async fn list(connection: &mut AnyConnection, query: &EventQuery) -> StoreResult<(Vec<EventRecord>, u64)> {
    let filter = "WHERE ($1 IS NULL OR account = $1 OR other_account = $1)";
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM events {filter}")))
        .bind(&query.account)
        .fetch_one(&mut *connection)
        .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT sequence, id, at, actor, account, other_account, action, target_kind, target_id, outcome, reason \
         FROM events {filter} AND ($2 IS NULL OR sequence < $2) ORDER BY sequence DESC LIMIT $3"
    )))
    .bind(&query.account)
    .bind(query.before)
    .bind(query.limit as i64)
    .fetch_all(&mut *connection)
    .await?;
    let events = rows
        .into_iter()
        .map(|row| {
            let outcome = match row.get::<&str, _>("outcome") {
                "success" => EventOutcome::Success,
                "refused" => EventOutcome::Refused,
                "waived" => EventOutcome::Waived,
                other => return Err(StoreError::Corrupt(format!("event outcome `{other}`"))),
            };
            Ok(EventRecord {
                sequence: row.get("sequence"),
                id: row.get("id"),
                at: row.get("at"),
                actor: row.get("actor"),
                account: row.get("account"),
                other_account: row.get("other_account"),
                action: row.get("action"),
                target_kind: row.get("target_kind"),
                target_id: row.get("target_id"),
                outcome,
                reason: row.get("reason"),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((events, total as u64))
}
