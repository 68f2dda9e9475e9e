//! Statements built piece by piece, with placeholders spelled for the connection they run on, and multi-row inserts.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::StoreResult;

/// A statement built piece by piece, whose placeholders are spelled for the connection it runs on: `$1`, `$2`, ...
/// for PostgreSQL, and `?` for SQLite. (sqlx's `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL does not
/// accept; and SQLite looks each `$N` up by name in a list, which makes binding a statement with thousands of
/// numbered placeholders quadratic.)
#[derive(Default)]
pub(super) struct Statement {
    sql: String,
    arguments: Vec<Argument>,
}

/// One bound value.
pub(super) enum Argument {
    Text(String),
    OptionalText(Option<String>),
    Integer(i64),
}

/// Where a bound value goes in [`Statement::sql`]; a control character no statement text contains.
const PLACEHOLDER: char = '\u{1}';

/// Keeps multi-row statements under both databases' limits on bound values (SQLite 32,766; PostgreSQL 65,535).
const MAX_ARGUMENTS: usize = 30_000;

impl Statement {
    pub(super) fn new(sql: &str) -> Statement {
        Statement { sql: sql.to_owned(), arguments: Vec::new() }
    }

    pub(super) fn push(&mut self, sql: &str) -> &mut Statement {
        self.sql.push_str(sql);
        self
    }

    pub(super) fn bind(&mut self, argument: Argument) -> &mut Statement {
        self.arguments.push(argument);
        self.sql.push(PLACEHOLDER);
        self
    }

    pub(super) fn push_bind(&mut self, value: &str) -> &mut Statement {
        self.bind(Argument::Text(value.to_owned()))
    }

    /// `(value, value, ...)`: an `IN` list, or one row of a multi-row `VALUES`.
    pub(super) fn push_tuple(&mut self, values: impl IntoIterator<Item = Argument>) -> &mut Statement {
        self.push("(");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self.push(")")
    }

    pub(super) fn push_list(&mut self, values: &[String]) -> &mut Statement {
        self.push_tuple(values.iter().map(|value| Argument::Text(value.clone())))
    }

    fn query(&self, connection: &AnyConnection) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments> {
        let numbered = connection.backend_name() == "PostgreSQL";
        let mut sql = String::with_capacity(self.sql.len() + 4 * self.arguments.len());
        let mut number = 0;
        for character in self.sql.chars() {
            match character {
                PLACEHOLDER if numbered => {
                    number += 1;
                    sql.push_str(&format!("${number}"));
                }
                PLACEHOLDER => sql.push('?'),
                other => sql.push(other),
            }
        }
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for argument in &self.arguments {
            query = match argument {
                Argument::Text(text) => query.bind(text.clone()),
                Argument::OptionalText(text) => query.bind(text.clone()),
                Argument::Integer(value) => query.bind(*value),
            };
        }
        query
    }

    pub(super) async fn fetch_all(&self, connection: &mut AnyConnection) -> StoreResult<Vec<AnyRow>> {
        Ok(self.query(connection).fetch_all(&mut *connection).await?)
    }

    pub(super) async fn execute(&self, connection: &mut AnyConnection) -> Result<u64, sqlx::Error> {
        Ok(self.query(connection).execute(&mut *connection).await?.rows_affected())
    }
}

/// Runs `INSERT INTO <head> VALUES <row>, <row>, ...` over `rows`, in as few statements as the limits allow.
pub(super) async fn insert_rows(
    connection: &mut AnyConnection,
    head: &str,
    rows: Vec<Vec<Argument>>,
) -> Result<(), sqlx::Error> {
    let Some(width) = rows.first().map(Vec::len) else { return Ok(()) };
    let per_statement = (MAX_ARGUMENTS / width.max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut statement = Statement::new(&format!("INSERT INTO {head} VALUES "));
        for (i, row) in rows.by_ref().take(per_statement).enumerate() {
            if i > 0 {
                statement.push(", ");
            }
            statement.push_tuple(row);
        }
        statement.execute(connection).await?;
    }
    Ok(())
}
