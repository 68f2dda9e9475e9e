//! Saving and loading the whole state: every account, API key digest, policy and network resource as the rows of
//! their tables, so a test suite can capture a world once and load it into SQLite or PostgreSQL later.
//!
//! A snapshot names the schema migration its rows follow; loading one of another migration is refused, as is one
//! whose tables or columns are not this schema's, and one whose rows the database's constraints or the VPC rules
//! refuse. A load replaces the state in one transaction, recorded as one change that makes every replica reload.

use sqlx::any::{AnyTypeInfoKind, AnyValueRef};
use sqlx::{AnyConnection, AssertSqlSafe, Row, ValueRef};

use super::SqlStore;
use super::changes::append_change;
use super::connection::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use super::reset::EMPTIED;
use crate::{Cell, EntityKind, Revision, StateSnapshot, StoreError, StoreResult, TableRows};

/// The tables a snapshot holds, parents before the children whose foreign keys name them: accounts, their identities and
/// their keys,
/// then what a reset empties, except the activity log (history, not state).
fn snapshot_tables() -> Vec<&'static str> {
    let mut tables = vec!["accounts", "users", "service_ids", "api_keys"];
    tables.extend(EMPTIED.iter().rev().map(|(table, _)| *table).filter(|table| *table != "events"));
    tables
}

/// Rows a snapshot leaves out of a table: the operator's key belongs to the server, not to the state.
fn selection(table: &str) -> &'static str {
    if table == "api_keys" { " WHERE operator = 0" } else { "" }
}

/// The migration this build's schema is at.
fn schema_version() -> i64 {
    SQLITE_MIGRATIONS.iter().chain(POSTGRES_MIGRATIONS.iter()).map(|m| m.version).max().unwrap_or(0)
}

/// A table's columns in order, each with whether it holds integers.
async fn columns(connection: &mut AnyConnection, postgres: bool, table: &str) -> StoreResult<Vec<(String, bool)>> {
    let query = if postgres {
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
    } else {
        "SELECT name, type FROM pragma_table_info($1) ORDER BY cid"
    };
    let rows = sqlx::query(query).bind(table).fetch_all(&mut *connection).await?;
    rows.iter()
        .map(|row| {
            let name: String = row.try_get(0)?;
            let kind: String = row.try_get(1)?;
            Ok((name, kind.to_ascii_uppercase().contains("INT")))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

fn cell(value: AnyValueRef<'_>, index: usize, row: &sqlx::any::AnyRow) -> Result<Cell, sqlx::Error> {
    Ok(match value.type_info().kind() {
        AnyTypeInfoKind::Null => Cell::Null,
        AnyTypeInfoKind::SmallInt => Cell::Integer(row.try_get::<i16, _>(index)?.into()),
        AnyTypeInfoKind::Integer => Cell::Integer(row.try_get::<i32, _>(index)?.into()),
        AnyTypeInfoKind::BigInt => Cell::Integer(row.try_get::<i64, _>(index)?),
        AnyTypeInfoKind::Bool => Cell::Integer(row.try_get::<bool, _>(index)?.into()),
        _ => Cell::Text(row.try_get::<String, _>(index)?),
    })
}

impl SqlStore {
    pub(super) async fn export_rows(&self) -> StoreResult<StateSnapshot> {
        let mut tx = self.snapshot().await?;
        let mut tables = Vec::new();
        for table in snapshot_tables() {
            let columns = columns(&mut tx, self.backend.is_postgres(), table).await?;
            let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
            let query = format!("SELECT {} FROM {table}{} ORDER BY 1", names.join(", "), selection(table));
            let fetched = sqlx::query(AssertSqlSafe(query)).fetch_all(&mut *tx).await?;
            let mut rows = Vec::with_capacity(fetched.len());
            for row in &fetched {
                let cells =
                    (0..names.len())
                        .map(|index| cell(row.try_get_raw(index)?, index, row))
                        .collect::<Result<Vec<_>, sqlx::Error>>()?;
                rows.push(cells);
            }
            tables.push(TableRows {
                name: table.to_owned(),
                columns: names.into_iter().map(str::to_owned).collect(),
                rows,
            });
        }
        tx.commit().await?;
        Ok(StateSnapshot { schema_version: schema_version(), tables })
    }

    pub(super) async fn import_rows(
        &self,
        snapshot: &StateSnapshot,
        check: &(dyn Fn(Vec<hubspoke_vpc::world::Entity>) -> Result<(), String> + Send + Sync),
        at: i64,
    ) -> StoreResult<Revision> {
        let rejected = |reason: String| StoreError::Rejected(reason);
        if snapshot.schema_version != schema_version() {
            return Err(rejected(format!(
                "the snapshot follows schema version {}, and this build reads version {} only",
                snapshot.schema_version,
                schema_version()
            )));
        }
        let known = snapshot_tables();
        if let Some(unknown) = snapshot.tables.iter().find(|t| !known.contains(&t.name.as_str())) {
            return Err(rejected(format!(
                "the snapshot has a table `{}`, which a snapshot does not hold",
                unknown.name
            )));
        }
        let mut tx = self.write().await?;
        // Children first, so no foreign key is left dangling while the old state goes; the activity log goes with it,
        // since it names the accounts being replaced.
        for (table, _) in EMPTIED {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *tx).await?;
        }
        sqlx::query("DELETE FROM api_keys WHERE operator = 0").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM service_ids").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM users").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM accounts").execute(&mut *tx).await?;
        for table in known {
            let Some(given) = snapshot.tables.iter().find(|t| t.name == table) else { continue };
            let columns = columns(&mut tx, self.backend.is_postgres(), table).await?;
            let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
            if given.columns.iter().map(String::as_str).ne(names.iter().copied()) {
                return Err(rejected(format!(
                    "table `{table}` has the columns {}, and the snapshot gives {}",
                    names.join(", "),
                    given.columns.join(", ")
                )));
            }
            let placeholders: Vec<String> = (1..=names.len()).map(|n| format!("${n}")).collect();
            let statement = format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), placeholders.join(", "));
            for (number, row) in given.rows.iter().enumerate() {
                if row.len() != names.len() {
                    return Err(rejected(format!(
                        "row {} of `{table}` has {} values, not {}",
                        number + 1,
                        row.len(),
                        names.len()
                    )));
                }
                let mut query = sqlx::query(AssertSqlSafe(statement.clone()));
                for ((name, integer), value) in columns.iter().zip(row) {
                    query = match (value, integer) {
                        (Cell::Null, true) => query.bind(None::<i64>),
                        (Cell::Null, false) => query.bind(None::<String>),
                        (Cell::Integer(value), true) => query.bind(*value),
                        (Cell::Text(value), false) => query.bind(value.clone()),
                        _ => {
                            return Err(rejected(format!(
                                "row {} of `{table}`: column `{name}` holds {}",
                                number + 1,
                                if *integer { "integers" } else { "text" }
                            )));
                        }
                    };
                }
                query.execute(&mut *tx).await.map_err(|error| match StoreError::from(error) {
                    StoreError::Database(reason) => {
                        rejected(format!("row {} of `{table}` is refused by the database: {reason}", number + 1))
                    }
                    other => other,
                })?;
            }
        }
        // The rows must be policies and a world this build reads, and the world one the rules could have built.
        let unreadable = |error| match error {
            StoreError::Corrupt(reason) | StoreError::Database(reason) => rejected(reason),
            other => other,
        };
        super::policies::load_all(&mut tx).await.map_err(unreadable)?;
        let (entities, _) = super::world::load(&mut tx).await.map_err(unreadable)?;
        check(entities).map_err(rejected)?;
        let revision = append_change(&mut tx, self.backend, EntityKind::Reset, "*", at).await?;
        sqlx::query("UPDATE world_state SET revision = $1 WHERE slot = 1")
            .bind(revision as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(revision)
    }
}
