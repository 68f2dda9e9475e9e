//! Group commit: concurrent writes share a transaction, each is answered its own outcome, revisions stay gapless.

use std::sync::Arc;

use super::*;

on_both_databases!(
    concurrent_writers_are_all_stored_with_gapless_revisions,
    a_refused_write_in_a_batch_leaves_the_others_committed,
    a_second_world_write_from_the_same_world_in_a_batch_finds_it_moved
);

fn event(id: &str) -> EventRecord {
    EventRecord {
        sequence: 0,
        id: id.into(),
        at: 1,
        actor: "IBMid-a".into(),
        account: None,
        other_account: None,
        action: "test".into(),
        target_kind: "vpc".into(),
        target_id: "x".into(),
        outcome: crate::EventOutcome::Success,
        reason: String::new(),
    }
}

async fn concurrent_writers_are_all_stored_with_gapless_revisions(store: SqlStore) {
    let store = Arc::new(store);
    let writers = (0..16).map(|writer| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut revisions = Vec::new();
            for n in 0..8 {
                let id = format!("w{writer}-{n}");
                revisions.push(store.insert_policy(&policy(&id, &format!("hub-{writer}-{n}"), n), &[]).await.unwrap());
            }
            revisions
        })
    });
    let mut acknowledged = Vec::new();
    for writer in writers.collect::<Vec<_>>() {
        acknowledged.extend(writer.await.unwrap());
    }
    acknowledged.sort();
    assert_eq!(acknowledged, (1..=128).collect::<Vec<_>>(), "every write is answered its own revision");
    let changes = store.changes_since(0, 1000).await.unwrap();
    assert_eq!(changes.iter().map(|c| c.revision).collect::<Vec<_>>(), (1..=128).collect::<Vec<_>>());
    for writer in 0..16 {
        for n in 0..8 {
            let id = format!("w{writer}-{n}");
            assert!(store.policy(&id).await.unwrap().is_some(), "acknowledged `{id}` is stored");
        }
    }
    assert!(store.group.batches() < 128, "concurrent writes shared transactions ({} batches)", store.group.batches());
}

async fn a_refused_write_in_a_batch_leaves_the_others_committed(store: SqlStore) {
    store.insert_policy(&policy("p0", "hub-0", 1), &[]).await.unwrap();
    let before = store.group.batches();
    let mut missing = policy("ghost", "hub-ghost", 1);
    missing.version = 2;
    let (p1, p1_twin, p2, p0_twin) = (
        policy("p1", "hub-1", 2),
        policy("p1-twin", "hub-1", 3),
        policy("p2", "hub-2", 4),
        policy("p0-twin", "hub-0", 5),
    );
    // Polled together, the writes are queued before the writer task runs, so they form one batch.
    let (first, twin, ghost, second, earlier_twin) = tokio::join!(
        store.insert_policy(&p1, &[]),
        store.insert_policy(&p1_twin, &[]),
        store.update_policy(&missing, &[]),
        store.insert_policy(&p2, &[]),
        store.insert_policy(&p0_twin, &[]),
    );
    assert_eq!(store.group.batches(), before + 1, "the five writes shared one transaction");
    assert_eq!((first.unwrap(), second.unwrap()), (2, 3));
    // The twin of a policy written earlier in the same batch is refused too.
    assert!(matches!(twin, Err(StoreError::DuplicatePolicy { ref existing }) if existing == "p1"), "{twin:?}");
    assert!(matches!(ghost, Err(StoreError::NotFound(_))), "{ghost:?}");
    assert!(matches!(earlier_twin, Err(StoreError::DuplicatePolicy { ref existing }) if existing == "p0"));
    for (id, stored) in [("p1", true), ("p2", true), ("p1-twin", false), ("ghost", false), ("p0-twin", false)] {
        assert_eq!(store.policy(id).await.unwrap().is_some(), stored, "{id}");
    }
    let changes = store.changes_since(0, 10).await.unwrap();
    assert_eq!(
        changes.iter().map(|c| (c.revision, c.entity_id.as_str())).collect::<Vec<_>>(),
        [(1, "p0"), (2, "p1"), (3, "p2")]
    );
    assert_eq!(store.revision().await.unwrap(), 3);
}

async fn a_second_world_write_from_the_same_world_in_a_batch_finds_it_moved(store: SqlStore) {
    let based_on = store.load_world().await.unwrap().1;
    let before = store.group.batches();
    let (e1, e2, e3) = ([event("e1")], [event("e2")], [event("e3")]);
    let (first, second, events) = tokio::join!(
        store.write_world(based_on, &[], &e1),
        store.write_world(based_on, &[], &e2),
        store.record_events(&e3),
    );
    assert_eq!(store.group.batches(), before + 1, "the three writes shared one transaction");
    let first = first.unwrap();
    assert!(
        matches!(second, Err(StoreError::WorldMoved { based_on: b, current }) if b == based_on && current == first),
        "{second:?}"
    );
    assert_eq!(events.unwrap(), first + 1);
    // Retried from the world it moved to, the second write commits.
    let (_, current) = store.load_world().await.unwrap();
    assert_eq!(current, first);
    let retried = store.write_world(first, &[], &[event("e2")]).await.unwrap();
    assert_eq!(retried, first + 2);
    let (_, total) = store.list_events(&crate::EventQuery { account: None, before: None, limit: 10 }).await.unwrap();
    assert_eq!(total, 3);
}
