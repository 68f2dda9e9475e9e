//! The startup scan through the native drivers reads what the `Any` path reads, in its order, or falls back to it.

use super::*;

/// Policies with equal creation times (the order then rests on the ids, which are not inserted in order), and one
/// without a description.
fn mixed() -> Vec<Policy> {
    let mut policies: Vec<Policy> =
        (0..300).map(|n| policy(&format!("p-{:03}", (n * 7919) % 300), &format!("hub-{n}"), n / 10)).collect();
    policies[3].draft.description = None;
    policies
}

/// Imported and created policies, one deleted: the native scan returns what the `Any` scan does, oldest first and
/// then by id.
async fn native_and_any_reads_agree(store: SqlStore) {
    // Nothing stored yet: no policy, and the revision the store starts at.
    assert!(store.all_policies().await.unwrap() == store.read_all_policies_any().await.unwrap());
    assert!(store.all_policies().await.unwrap().0.is_empty());
    let policies = mixed();
    // Imported newest first, so that row order is not time order and the scan's parts (one per core, by row id)
    // interleave in time.
    let imported: Vec<Policy> = policies[..200].iter().rev().cloned().collect();
    store.import_policies(&imported).await.unwrap();
    for policy in &policies[200..] {
        store.insert_policy(policy, &[]).await.unwrap();
    }
    let mut deleted = policies[10].clone();
    deleted.state = PolicyState::Deleted;
    deleted.version = 2;
    store.update_policy(&deleted, &[]).await.unwrap();
    let native = store.all_policies().await.unwrap();
    let any = store.read_all_policies_any().await.unwrap();
    assert_eq!((native.0.len(), native.1), (300, 301));
    assert!(native == any, "the native scan differs from the `Any` one");
    let mut expected = policies.clone();
    expected[10] = deleted;
    expected.sort_by(|a, b| (a.created_at.0, &a.id).cmp(&(b.created_at.0, &b.id)));
    assert_eq!(native.0, expected);

    // A row without a body (written by an older build) sends the whole scan down the `Any` path, which reads it
    // from its child rows.
    sqlx::query("UPDATE policies SET body = NULL, body_version = NULL WHERE id = 'p-005'")
        .execute(&store.writer)
        .await
        .unwrap();
    assert!(store.all_policies().await.unwrap() == any);
}

#[tokio::test]
async fn native_and_any_reads_agree_on_a_sqlite_file() {
    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open_sqlite(&directory.path().join("hubspoke.db")).await.unwrap();
    native_and_any_reads_agree(store).await;
}

#[tokio::test]
async fn native_and_any_reads_agree_on_postgres() {
    let (_cluster, store) = postgres().await;
    native_and_any_reads_agree(store).await;
}

/// A database that will not export a snapshot (here a role refused the function, as engines without it refuse
/// everyone) still gives every policy, read on one connection.
#[tokio::test]
async fn without_an_exported_snapshot_postgres_reads_on_one_connection() {
    let cluster = hubspoke_testdb::Cluster::start().unwrap();
    let url = cluster.create_database().await.unwrap();
    SqlStore::migrate_postgres(&url).await.unwrap();
    let owner = SqlStore::connect_postgres(&url, &PoolSettings::default()).await.unwrap();
    owner.import_policies(&mixed()).await.unwrap();
    let expected = owner.all_policies().await.unwrap();
    for statement in [
        "CREATE ROLE plain LOGIN",
        "GRANT ALL ON ALL TABLES IN SCHEMA public TO plain",
        "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO plain",
        "REVOKE EXECUTE ON FUNCTION pg_export_snapshot() FROM PUBLIC",
    ] {
        sqlx::query(statement).execute(&owner.writer).await.unwrap();
    }
    let plain_url = url.replacen("postgres://postgres@", "postgres://plain@", 1);
    assert_ne!(plain_url, url);
    let plain = SqlStore::connect_postgres(&plain_url, &PoolSettings::default()).await.unwrap();
    assert!(plain.all_policies().await.unwrap() == expected);
    assert_eq!(expected.0.len(), 300);
}
