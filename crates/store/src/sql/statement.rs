//! Statements built piece by piece, with placeholders spelled for the connection they run on, multi-row inserts, and
//! scripts of statements that reach SQLite in one trip.

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
pub(super) const MAX_ARGUMENTS: usize = 30_000;

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
}

/// The statements `INSERT INTO <head> VALUES <row>, <row>, ...` over `rows`: as few as the limits allow, none for no
/// rows.
pub(super) fn insert_statements(head: &str, rows: Vec<Vec<Argument>>) -> Vec<Statement> {
    let Some(width) = rows.first().map(Vec::len) else { return Vec::new() };
    let per_statement = (MAX_ARGUMENTS / width.max(1)).max(1);
    let mut statements = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut statement = Statement::new(&format!("INSERT INTO {head} VALUES "));
        for (i, row) in rows.by_ref().take(per_statement).enumerate() {
            if i > 0 {
                statement.push(", ");
            }
            statement.push_tuple(row);
        }
        statements.push(statement);
    }
    statements
}

/// Statements that run in order as one: on SQLite as one multi-statement query, which is one trip to the thread that
/// owns the connection instead of one per statement (each trip is a wake-up on both sides, and a write used to make
/// six); on PostgreSQL, whose prepared statements hold one statement each, one after another.
///
/// The first statement that fails stops the script, and its error is the script's: like statements run one by one,
/// the ones after it do not run.
#[derive(Default)]
pub(super) struct Script {
    statements: Vec<Statement>,
}

impl Script {
    pub(super) fn extend(&mut self, statements: impl IntoIterator<Item = Statement>) -> &mut Script {
        self.statements.extend(statements);
        self
    }

    /// Runs the script; returns the rows its statements returned, in order.
    pub(super) async fn fetch_all(self, connection: &mut AnyConnection) -> Result<Vec<AnyRow>, sqlx::Error> {
        if connection.backend_name() == "PostgreSQL" {
            let mut rows = Vec::new();
            for statement in &self.statements {
                rows.extend(statement.query(connection).fetch_all(&mut *connection).await?);
            }
            return Ok(rows);
        }
        // SQLite binds unnumbered `?` placeholders across the statements of one query in order, so the statements'
        // texts and arguments simply follow one another. Statements longer than the limit on bound values run in
        // several trips.
        let mut rows = Vec::new();
        let mut joined = Statement::default();
        for statement in self.statements {
            if !joined.sql.is_empty() && joined.arguments.len() + statement.arguments.len() > MAX_ARGUMENTS {
                rows.extend(joined.query(connection).fetch_all(&mut *connection).await?);
                joined = Statement::default();
            }
            if !joined.sql.is_empty() {
                joined.sql.push_str(";\n");
            }
            joined.sql.push_str(&statement.sql);
            joined.arguments.extend(statement.arguments);
        }
        if !joined.sql.is_empty() {
            rows.extend(joined.query(connection).fetch_all(&mut *connection).await?);
        }
        Ok(rows)
    }
}
