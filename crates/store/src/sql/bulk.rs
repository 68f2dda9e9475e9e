//! Reading every policy at startup through the database's own library rather than sqlx's `Any`, decoding the bodies on
//! every core.
//!
//! This one scan reads a million rows when a replica starts. Through `Any`, every value of every row is first
//! converted into `Any`'s own representation and then decoded again; the native driver decodes each column once.
//! SQLite is read with rusqlite, on the same library sqlx links: sqlx's SQLite driver hands each row from its worker
//! thread to the caller through a channel, a thread wake per row, which cost ten seconds for a million rows that
//! SQLite itself steps through in half a second. The rows are read on connections of their own (the pools hold `Any`
//! connections), in read transactions that also read the revision, so policies and revision are one snapshot as
//! before.

use std::path::Path;
use std::str::FromStr;

use hubspoke_iam::Policy;
use rusqlite::OpenFlags;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};

use super::policies::RawPolicy;
use crate::{Revision, StoreError, StoreResult};

/// A policy row as the native drivers decode it, in [`COLUMNS`] order.
type Row = (String, String, Option<String>, String, i64, i64, String, i64, String, Option<String>);

/// The columns of [`Row`]; `body` as in `POLICY_COLUMNS` (only when written at the row's version).
const COLUMNS: &str = "id, owner, description, state, version, created_at, created_by_id, last_modified_at, \
                       last_modified_by_id, CASE WHEN body_version = version THEN body END AS body";

/// How many times the SQLite scan opens its readers again when a write landed between their snapshots.
const SNAPSHOT_ATTEMPTS: usize = 8;

/// Every policy, oldest first, and the revision they are at; `None` when a row has no body (written before the body
/// column, or by an older build), which only the `Any` path assembles from child rows.
pub(super) async fn sqlite(url: &str) -> StoreResult<Option<(Vec<Policy>, Revision)>> {
    let path = SqliteConnectOptions::from_str(url)?.get_filename().to_owned();
    tokio::task::spawn_blocking(move || scan_sqlite(&path))
        .await
        .map_err(|error| StoreError::Database(format!("reading every policy: {error}")))?
}

/// [`sqlite`], on one reader per core, each scanning its own range of row ids.
fn scan_sqlite(path: &Path) -> StoreResult<Option<(Vec<Policy>, Revision)>> {
    let threads = cores();
    for _ in 0..SNAPSHOT_ATTEMPTS {
        // In WAL mode a read transaction's snapshot is taken at its first read. Every write moves the revision, so
        // readers that all read the same revision see the same commit; otherwise a write landed in between, and the
        // readers start again.
        let mut readers = Vec::with_capacity(threads);
        let mut revisions = Vec::with_capacity(threads);
        for _ in 0..threads {
            let reader = rusqlite::Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(scan_error)?;
            reader.execute_batch("BEGIN").map_err(scan_error)?;
            let revision: i64 = reader
                .query_row("SELECT revision FROM revision_counter WHERE slot = 1", [], |row| row.get(0))
                .map_err(scan_error)?;
            readers.push(reader);
            revisions.push(revision);
        }
        if revisions.windows(2).any(|pair| pair[0] != pair[1]) {
            continue;
        }
        // Both are NULL when there is no policy.
        let bounds: Option<(i64, i64)> = readers[0]
            .query_row("SELECT min(rowid), max(rowid) FROM policies", [], |row| {
                Ok(row.get::<_, Option<i64>>(0)?.zip(row.get::<_, Option<i64>>(1)?))
            })
            .map_err(scan_error)?;
        let revision = revisions[0] as Revision;
        let Some((low, high)) = bounds else { return Ok(Some((Vec::new(), revision))) };
        // Row ids are dense enough (policy rows are deleted only by a reset or a state load) that equal ranges are
        // close to equal work; uneven ranges would cost time, never rows.
        let span = (high - low) / threads as i64 + 1;
        let parts = std::thread::scope(|scope| {
            let workers: Vec<_> = readers
                .into_iter()
                .enumerate()
                .map(|(n, reader)| {
                    let from = low + span * n as i64;
                    scope.spawn(move || scan_range(&reader, from, from + span - 1))
                })
                .collect();
            workers
                .into_iter()
                .map(|worker| worker.join().expect("scanning policies does not panic"))
                .collect::<StoreResult<Option<Vec<Vec<Policy>>>>>()
        })?;
        let Some(parts) = parts else { return Ok(None) };
        let mut policies: Vec<Policy> = parts.into_iter().flatten().collect();
        // Each part came sorted, so this sort only merges them. SQLite compares text byte by byte, as Rust does, so
        // the order is the one `ORDER BY created_at, id` gives.
        policies.sort_by(oldest_first);
        return Ok(Some((policies, revision)));
    }
    Err(StoreError::Contended("writes kept landing while every policy was being read".to_owned()))
}

/// The policies whose row ids are in `from..=to`, oldest first; `None` if one of them has no body.
fn scan_range(reader: &rusqlite::Connection, from: i64, to: i64) -> StoreResult<Option<Vec<Policy>>> {
    let sql = format!("SELECT {COLUMNS} FROM policies WHERE rowid BETWEEN ?1 AND ?2");
    let mut statement = reader.prepare(&sql).map_err(scan_error)?;
    let mut rows = statement.query([from, to]).map_err(scan_error)?;
    let mut policies = Vec::new();
    while let Some(row) = rows.next().map_err(scan_error)? {
        let raw = (|| {
            Ok::<_, rusqlite::Error>(RawPolicy {
                id: row.get(0)?,
                owner: row.get(1)?,
                description: row.get(2)?,
                state: row.get(3)?,
                version: row.get(4)?,
                created_at: row.get(5)?,
                created_by_id: row.get(6)?,
                last_modified_at: row.get(7)?,
                last_modified_by_id: row.get(8)?,
                body: row.get(9)?,
            })
        })()
        .map_err(scan_error)?;
        if raw.body.is_none() {
            return Ok(None);
        }
        policies.push(raw.into_policy(None)?);
    }
    policies.sort_by(oldest_first);
    Ok(Some(policies))
}

/// The order `ORDER BY created_at, id` gives.
fn oldest_first(a: &Policy, b: &Policy) -> std::cmp::Ordering {
    (a.created_at.0, &a.id).cmp(&(b.created_at.0, &b.id))
}

/// How many readers a scan uses: one per core.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn scan_error(error: rusqlite::Error) -> StoreError {
    StoreError::Database(format!("reading every policy: {error}"))
}

/// [`sqlite`] for PostgreSQL; `url` is the pool's (the primary's, with several hosts).
///
/// One reader per core, each over its own range of the table's pages (a TID range scan), all in the one snapshot the
/// first exports: the rows travel and are decoded on every core instead of one. No `ORDER BY`: each part is sorted
/// where it is decoded, in byte order of ids within a millisecond as on SQLite and in the policy book, not in the
/// database's collation, and the final sort merges the parts. `None` also when the database cannot export a snapshot
/// for the readers to share (PostgreSQL-compatible engines without `pg_export_snapshot`).
pub(super) async fn postgres(url: &str) -> StoreResult<Option<(Vec<Policy>, Revision)>> {
    let options = PgConnectOptions::from_str(url)?;
    let readers = cores() as i64;
    let mut leader: PgConnection = options.connect().await?;
    let mut tx = leader.begin().await?;
    tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
    let exported: Result<(i64, String, i64), _> = sqlx::query_as(
        "SELECT (SELECT revision FROM revision_counter WHERE slot = 1), pg_export_snapshot(), \
                pg_relation_size('policies') / current_setting('block_size')::bigint",
    )
    .fetch_one(&mut *tx)
    .await;
    // An engine that speaks PostgreSQL's protocol without exporting snapshots still starts, through the `Any` path.
    let (revision, snapshot, pages) = match exported {
        Ok(exported) => exported,
        Err(error) => {
            tracing::warn!(%error, "no exported snapshot for the startup scan; reading every policy on one connection");
            return Ok(None);
        }
    };
    // The snapshot's name goes into a SET statement, which takes no parameters: it is the server's own (hex digits and
    // dashes), checked all the same.
    if !snapshot.bytes().all(|byte| byte.is_ascii_hexdigit() || byte == b'-') {
        return Err(StoreError::Database(format!("unexpected snapshot name `{snapshot}`")));
    }
    // The table only grows while the snapshot is held (nothing it sees can be vacuumed away), and a row it sees lies
    // below the size read inside it; the last range is open all the same.
    let span = pages / readers + 1;
    let range = |n: i64| {
        let upper = if n + 1 < readers { format!(" AND ctid < '({},0)'::tid", span * (n + 1)) } else { String::new() };
        format!("SELECT {COLUMNS} FROM policies WHERE ctid >= '({},0)'::tid{upper}", span * n)
    };
    let helpers: Vec<_> = (1..readers)
        .map(|n| {
            let (options, snapshot, sql) = (options.clone(), snapshot.clone(), range(n));
            tokio::spawn(async move {
                let mut connection: PgConnection = options.connect().await?;
                let mut tx = connection.begin().await?;
                tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
                tx.execute(sqlx::AssertSqlSafe(format!("SET TRANSACTION SNAPSHOT '{snapshot}'"))).await?;
                let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await?;
                tx.commit().await?;
                connection.close().await.ok();
                Ok::<_, StoreError>(rows)
            })
        })
        .collect();
    let mut parts = vec![sqlx::query_as(sqlx::AssertSqlSafe(range(0))).fetch_all(&mut *tx).await?];
    for helper in helpers {
        parts.push(helper.await.map_err(|error| StoreError::Database(format!("reading every policy: {error}")))??);
    }
    // The exported snapshot lives as long as this transaction: it ends only once every helper has read in it.
    tx.commit().await?;
    leader.close().await.ok();
    decode(parts, revision).await
}

/// Decodes each part of the rows on a core of its own, sorts it oldest first, and merges the parts.
async fn decode(parts: Vec<Vec<Row>>, revision: i64) -> StoreResult<Option<(Vec<Policy>, Revision)>> {
    if parts.iter().flatten().any(|row| row.9.is_none()) {
        return Ok(None);
    }
    let policies = tokio::task::spawn_blocking(move || {
        std::thread::scope(|scope| {
            let workers: Vec<_> = parts
                .into_iter()
                .map(|part| {
                    scope.spawn(move || {
                        let mut policies = part.into_iter().map(decode_row).collect::<StoreResult<Vec<_>>>()?;
                        policies.sort_by(oldest_first);
                        Ok::<_, StoreError>(policies)
                    })
                })
                .collect();
            let mut policies = Vec::new();
            for worker in workers {
                policies.extend(worker.join().expect("decoding a policy does not panic")?);
            }
            // Each part came sorted, so this sort only merges them.
            policies.sort_by(oldest_first);
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
