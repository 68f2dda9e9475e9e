//! What only PostgreSQL has to hold: several replicas (here, separate pools) writing one database at once.

use super::*;
use crate::sql::listen::Heard;

async fn two_replicas() -> (hubspoke_testdb::Cluster, std::sync::Arc<SqlStore>, std::sync::Arc<SqlStore>) {
    let (cluster, first) = postgres().await;
    let url = first.url.clone().unwrap();
    let second = SqlStore::connect_postgres(&url, &PoolSettings::default()).await.unwrap();
    (cluster, std::sync::Arc::new(first), std::sync::Arc::new(second))
}

#[tokio::test]
async fn of_two_identical_concurrent_creates_exactly_one_succeeds() {
    let (_cluster, a, b) = two_replicas().await;
    for round in 0..20 {
        let vpc = format!("hub-{round}");
        let (first, second) = (policy(&format!("a{round}"), &vpc, 10), policy(&format!("b{round}"), &vpc, 10));
        let (left, right) = tokio::join!(a.insert_policy(&first, &[]), b.insert_policy(&second, &[]));
        let duplicates =
            [&left, &right].iter().filter(|result| matches!(result, Err(StoreError::DuplicatePolicy { .. }))).count();
        assert_eq!((left.is_ok() as u8 + right.is_ok() as u8, duplicates), (1, 1), "{left:?} {right:?}");
    }
    let page = a.list_policies(&query()).await.unwrap();
    assert_eq!(page.policies.len(), 20);
}

#[tokio::test]
async fn of_two_world_writes_from_one_revision_exactly_one_commits() {
    let (_cluster, a, b) = two_replicas().await;
    for round in 0..10u64 {
        let based_on = a.load_world().await.unwrap().1;
        let event = |id: &str| EventRecord {
            sequence: 0,
            id: format!("{id}{round}"),
            at: 1,
            actor: "IBMid-a".into(),
            account: None,
            other_account: None,
            action: "test".into(),
            target_kind: "vpc".into(),
            target_id: "x".into(),
            outcome: crate::EventOutcome::Success,
            reason: String::new(),
        };
        let (first, second) = ([event("a")], [event("b")]);
        let (left, right) = tokio::join!(a.write_world(based_on, &[], &first), b.write_world(based_on, &[], &second));
        let moved = [&left, &right].iter().filter(|r| matches!(r, Err(StoreError::WorldMoved { .. }))).count();
        assert_eq!((left.is_ok() as u8 + right.is_ok() as u8, moved), (1, 1), "{left:?} {right:?}");
    }
}

#[tokio::test]
async fn revisions_are_gapless_in_commit_order_and_every_one_is_notified() {
    let (_cluster, a, b) = two_replicas().await;
    let mut listener = b.change_listener().await.unwrap().expect("PostgreSQL listens");
    let writers = (0..4).map(|writer| {
        let store = if writer % 2 == 0 { a.clone() } else { b.clone() };
        tokio::spawn(async move {
            for n in 0..25 {
                store
                    .insert_policy(&policy(&format!("w{writer}-{n}"), &format!("hub-{writer}-{n}"), n), &[])
                    .await
                    .unwrap();
            }
        })
    });
    for writer in writers.collect::<Vec<_>>() {
        writer.await.unwrap();
    }
    let changes = a.changes_since(0, 1000).await.unwrap();
    let revisions: Vec<Revision> = changes.iter().map(|change| change.revision).collect();
    assert_eq!(revisions, (1..=100).collect::<Vec<_>>());
    let mut heard = Vec::new();
    while heard.len() < 100 {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), listener.next()).await;
        match next.expect("every revision is notified within 10 s").unwrap() {
            Heard::Revision(revision) => heard.push(revision),
            Heard::Gap => panic!("the connection was not lost"),
        }
    }
    assert_eq!(heard, revisions, "notifications arrive in commit order");
}

#[tokio::test]
async fn serving_refuses_a_database_that_is_not_migrated() {
    let cluster = hubspoke_testdb::Cluster::start().unwrap();
    let url = cluster.create_database().await.unwrap();
    let error = SqlStore::connect_postgres(&url, &PoolSettings::default()).await.unwrap_err();
    assert!(matches!(error, StoreError::NotMigrated { applied: None, .. }), "{error}");
    assert!(error.to_string().contains("hubspoke migrate --database-url"), "{error}");
    let status = SqlStore::migrate_postgres(&url).await.unwrap();
    assert!(status.is_current(), "{status:?}");
    // Migrating again changes nothing.
    assert_eq!(SqlStore::migrate_postgres(&url).await.unwrap(), status);
    let store = SqlStore::connect_postgres(&url, &PoolSettings::default()).await.unwrap();

    // A newer build migrated the database (a rolling upgrade): this build still serves it.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from a newer build', TRUE, '\\x00'::bytea, 0)",
    )
    .execute(&store.writer)
    .await
    .unwrap();
    SqlStore::connect_postgres(&url, &PoolSettings::default()).await.unwrap();
    // A database missing one of this build's migrations is refused.
    let newest = *status.known.last().unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1").bind(newest).execute(&store.writer).await.unwrap();
    let error = SqlStore::connect_postgres(&url, &PoolSettings::default()).await.unwrap_err();
    assert!(matches!(error, StoreError::NotMigrated { .. }), "{error}");
}
