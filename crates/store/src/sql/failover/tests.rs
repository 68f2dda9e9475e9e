//! Tests of multi-host URLs: how one is split into a URL per host, and a store (with its listener) following the
//! primary to a promoted standby without being reopened.

use std::time::{Duration, Instant};

use hubspoke_testdb::Cluster;

use super::{SplitUrl, UrlError, split_hosts};
use crate::sql::listen::{ChangeListener, Heard};
use crate::{EventOutcome, EventRecord, PoolSettings, Revision, SqlStore, Store, StoreError};

fn urls(pairs: &[(&str, &str)]) -> Option<SplitUrl> {
    Some(SplitUrl { urls: pairs.iter().map(|(a, u)| (a.to_string(), u.to_string())).collect() })
}

#[test]
fn a_url_is_split_into_one_url_per_host() {
    let cases: [(&str, Result<Option<SplitUrl>, UrlError>); 9] = [
        // One host: handed to sqlx untouched.
        ("postgres://u:p@db:5432/hubspoke", Ok(None)),
        ("postgres://db/hubspoke?sslmode=disable", Ok(None)),
        ("not a url", Ok(None)),
        (
            "postgres://u:p@127.0.0.1:5432,127.0.0.1:5433/hubspoke",
            Ok(urls(&[
                ("127.0.0.1:5432", "postgres://u:p@127.0.0.1:5432/hubspoke"),
                ("127.0.0.1:5433", "postgres://u:p@127.0.0.1:5433/hubspoke"),
            ])),
        ),
        (
            "postgresql://a,b:6000/db?sslmode=disable&target_session_attrs=read-write",
            Ok(urls(&[
                ("a", "postgresql://a/db?sslmode=disable"),
                ("b:6000", "postgresql://b:6000/db?sslmode=disable"),
            ])),
        ),
        // One host that asks for a primary is checked like several.
        (
            "postgres://u@[::1]:5432/db?target_session_attrs=primary",
            Ok(urls(&[("[::1]:5432", "postgres://u@[::1]:5432/db")])),
        ),
        (
            "postgres://u%40x:p%40ss@a,b",
            Ok(urls(&[("a", "postgres://u%40x:p%40ss@a"), ("b", "postgres://u%40x:p%40ss@b")])),
        ),
        ("postgres://a,,b/db", Err(UrlError::EmptyHost)),
        ("postgres://a,b/db?target_session_attrs=any", Err(UrlError::SessionAttributes("any".to_owned()))),
    ];
    for (url, expected) in cases {
        assert_eq!(split_hosts(url), expected, "{url}");
    }
}

/// One write of the store: an activity event recorded on its own.
async fn write(store: &SqlStore, id: &str) -> Result<Revision, StoreError> {
    let event = EventRecord {
        sequence: 0,
        id: id.to_owned(),
        at: 1,
        actor: "IBMid-test".into(),
        account: None,
        other_account: None,
        action: "test".into(),
        target_kind: "test".into(),
        target_id: id.to_owned(),
        outcome: EventOutcome::Success,
        reason: String::new(),
    };
    store.record_events(&[event]).await
}

/// Waits (at most a second) for the listener to report a revision at least `wanted`.
async fn hears(listener: &mut ChangeListener, wanted: Revision) -> bool {
    let deadline = Instant::now() + Duration::from_secs(1);
    while let Ok(next) = tokio::time::timeout_at(deadline.into(), listener.next()).await {
        match next {
            Ok(Heard::Revision(revision)) if revision >= wanted => return true,
            Ok(_) => {}
            // No host accepts writes yet: `next` fails at once, so pause as the follower does.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    false
}

// Several threads: the cluster commands block while the store's pool keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_and_its_listener_follow_the_primary_to_a_promoted_standby() {
    let primary = Cluster::start_primary().unwrap();
    let standby = primary.start_standby().unwrap();
    let single = primary.create_database().await.unwrap();
    SqlStore::migrate_postgres(&single).await.unwrap();
    let database = single.rsplit('/').next().unwrap();
    // The standby is listed first: it is skipped, since it does not accept writes.
    let url = format!("postgres://postgres@127.0.0.1:{},127.0.0.1:{}/{database}", standby.port(), primary.port());
    let settings = PoolSettings { acquire_timeout: Duration::from_secs(2), ..PoolSettings::default() };
    let store = SqlStore::connect_postgres(&url, &settings).await.unwrap();
    let mut listener = store.change_listener().await.unwrap().expect("PostgreSQL listens");
    let before = write(&store, "before").await.unwrap();
    assert!(hears(&mut listener, before).await, "the listener hears the primary");

    primary.crash().unwrap();
    let refused = write(&store, "during").await.unwrap_err();
    assert!(refused.is_outage(), "{refused}");
    // Once the loss is known, a write fails at once rather than after the acquire timeout.
    let started = Instant::now();
    let refused = write(&store, "during-2").await.unwrap_err();
    assert!(refused.to_string().contains("no host of the database URL accepts writes"), "{refused}");
    assert!(started.elapsed() < Duration::from_secs(1), "refused in {:?}", started.elapsed());

    standby.promote().unwrap();
    let promoted = Instant::now();
    let after = loop {
        match write(&store, "after").await {
            Ok(revision) => break revision,
            Err(error) if error.is_outage() && promoted.elapsed() < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(error) => panic!("writes resume on the promoted standby within 10 s: {error}"),
        }
    };
    assert!(after > before, "the change log goes on from the acknowledged writes: {before} then {after}");
    assert!(store.changes_since(0, 100).await.unwrap().iter().any(|change| change.revision == before));

    // The listener follows too: notifications sent while it reconnected are lost, so write until one is heard.
    let mut heard = false;
    for n in 0..20 {
        let revision = write(&store, &format!("heard-{n}")).await.unwrap();
        if hears(&mut listener, revision).await {
            heard = true;
            break;
        }
    }
    assert!(heard, "the listener hears the promoted standby");
}
