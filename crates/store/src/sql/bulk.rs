//! Reading every policy at startup through the database's own driver rather than sqlx's `Any`, decoding the bodies on
//! every core.
//!
//! This one scan reads a million rows when a replica starts. Through `Any`, every value of every row is first
//! converted into `Any`'s own representation and then decoded again; the native driver decodes each column once. The
//! rows are read on their own connection (the pools hold `Any` connections), in one read transaction that also reads
//! the revision, so policies and revision are one snapshot as before.

use std::str::FromStr;

use hubspoke_iam::Policy;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Executor};

use super::policies::RawPolicy;
use crate::{Revision, StoreError, StoreResult};

/// A policy row as the native drivers decode it, in [`COLUMNS`] order.
type Row = (String, String, Option<String>, String, i64, i64, String, i64, String, Option<String>);

/// The columns of [`Row`]; `body` as in `POLICY_COLUMNS` (only when written at the row's version).
const COLUMNS: &str = "id, owner, description, state, version, created_at, created_by_id, last_modified_at, \
                       last_modified_by_id, CASE WHEN body_version = version THEN body END AS body";

/// Every policy, oldest first, and the revision they are at; `None` when a row has no body (written before the body
/// column, or by an older build), which only the `Any` path assembles from child rows.
pub(super) async fn sqlite(url: &str) -> StoreResult<Option<(Vec<Policy>, Revision)>> {
    let options = SqliteConnectOptions::from_str(url)?.read_only(true);
    let mut connection: SqliteConnection = options.connect().await?;
    let mut tx = connection.begin().await?;
    let revision: i64 =
        sqlx::query_scalar("SELECT revision FROM revision_counter WHERE slot = 1").fetch_one(&mut *tx).await?;
    // Read in table order and sorted here: SQLite would sort a million rows with their bodies in a temporary b-tree,
    // while sorting the keys in memory takes a fraction of that. SQLite compares text byte by byte, as Rust does, so
    // the order is the one `ORDER BY created_at, id` gives.
    let sql = format!("SELECT {COLUMNS} FROM policies");
    let mut rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    connection.close().await.ok();
    rows.sort_unstable_by(|a, b| (a.5, &a.0).cmp(&(b.5, &b.0)));
    decode(rows, revision).await
}

/// [`sqlite`] for PostgreSQL; `url` is the pool's (the primary's, with several hosts).
pub(super) async fn postgres(url: &str) -> StoreResult<Option<(Vec<Policy>, Revision)>> {
    let mut connection: PgConnection = PgConnectOptions::from_str(url)?.connect().await?;
    let mut tx = connection.begin().await?;
    tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
    let revision: i64 =
        sqlx::query_scalar("SELECT revision FROM revision_counter WHERE slot = 1").fetch_one(&mut *tx).await?;
    // Sorted by the database, whose collation decides the order of ids as it always did.
    let sql = format!("SELECT {COLUMNS} FROM policies ORDER BY created_at, id");
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    connection.close().await.ok();
    decode(rows, revision).await
}

/// Decodes the rows on every core, keeping their order.
async fn decode(rows: Vec<Row>, revision: i64) -> StoreResult<Option<(Vec<Policy>, Revision)>> {
    if rows.iter().any(|row| row.9.is_none()) {
        return Ok(None);
    }
    let policies = tokio::task::spawn_blocking(move || {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = rows.len().div_ceil(threads).max(1);
        let mut rows = rows;
        let mut parts = Vec::new();
        while !rows.is_empty() {
            let rest = rows.split_off(chunk.min(rows.len()));
            parts.push(std::mem::replace(&mut rows, rest));
        }
        std::thread::scope(|scope| {
            let workers: Vec<_> = parts
                .into_iter()
                .map(|part| scope.spawn(move || part.into_iter().map(decode_row).collect::<StoreResult<Vec<_>>>()))
                .collect();
            let mut policies = Vec::new();
            for worker in workers {
                policies.extend(worker.join().expect("decoding a policy does not panic")?);
            }
            Ok::<_, StoreError>(policies)
        })
    })
    .await
    .map_err(|error| StoreError::Database(format!("decoding the policies: {error}")))??;
    Ok(Some((policies, revision as Revision)))
}

fn decode_row(row: Row) -> StoreResult<Policy> {
    let (
        id,
        owner,
        description,
        state,
        version,
        created_at,
        created_by_id,
        last_modified_at,
        last_modified_by_id,
        body,
    ) = row;
    RawPolicy {
        id,
        owner,
        description,
        state,
        version,
        created_at,
        created_by_id,
        last_modified_at,
        last_modified_by_id,
        body,
    }
    .into_policy(None)
}
