//! Resets on both databases: every table is either kept or emptied, and one account's reset leaves the others alone.

use hubspoke_vpc::model::{PrefixManagement, ResolverSetting, Vpc};
use hubspoke_vpc::world::Entity;

use super::*;
use crate::sql::reset::{EMPTIED, KEPT};
use crate::{ResetScope, WorldWrite};

const OTHER: &str = "cccccccccccccccccccccccccccccccc";

on_both_databases!(every_table_is_kept_or_emptied_by_a_reset, a_reset_removes_one_account_or_all_and_keeps_accounts);

fn vpc(id: &str, account: &str, endpoint: &str) -> Vpc {
    Vpc {
        id: id.into(),
        account: AccountId::parse(account).unwrap(),
        name: id.into(),
        created_at: Timestamp(5),
        classic_access: false,
        address_prefix_management: PrefixManagement::Auto,
        enable_hub: false,
        resolver: ResolverSetting::System,
        dns_endpoint: endpoint.parse().unwrap(),
        version: 1,
        resource_group: hubspoke_vpc::model::default_resource_group_id(&AccountId::parse(account).unwrap()),
    }
}

async fn every_table_is_kept_or_emptied_by_a_reset(store: SqlStore) {
    let listing = if store.backend.is_postgres() {
        "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = current_schema()"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    };
    let mut tables: Vec<String> = sqlx::query_scalar(listing).fetch_all(&store.reader).await.unwrap();
    tables.sort();
    let mut named: Vec<String> =
        KEPT.iter().chain(EMPTIED.iter().map(|(table, _)| table)).map(|t| t.to_string()).collect();
    named.sort();
    // A table the migrations create must be in one of the two lists, or a reset would leave its rows behind.
    assert_eq!(tables, named);
}

async fn a_reset_removes_one_account_or_all_and_keeps_accounts(store: SqlStore) {
    let writes = [
        WorldWrite::Put(Entity::Vpc(vpc("r006-mine", OWNER, "127.53.0.1"))),
        WorldWrite::Put(Entity::Vpc(vpc("r006-theirs", OTHER, "127.53.0.2"))),
    ];
    let mut revision = store.write_world(0, &writes, &[]).await.unwrap();
    revision = store.insert_policy(&policy("p1", "hub-1", 10), &[]).await.unwrap().max(revision);

    let reset = store.reset(&ResetScope::Account(AccountId::parse(OWNER).unwrap()), 20).await.unwrap();
    assert!(reset > revision);
    let (entities, world_revision) = store.load_world().await.unwrap();
    assert_eq!(world_revision, reset, "a world write based on an older revision is refused");
    let ids: Vec<&str> =
        entities.iter().map(|entity| if let Entity::Vpc(v) = entity { v.id.as_str() } else { "" }).collect();
    assert_eq!(ids, ["r006-theirs"]);
    assert!(store.policy("p1").await.unwrap().is_none());
    let changes = store.changes_since(revision, 10).await.unwrap();
    assert_eq!((changes[0].entity, changes[0].entity_id.as_str()), (EntityKind::Reset, OWNER));
    let stale = store.write_world(revision, &[], &[]).await;
    assert!(matches!(stale, Err(StoreError::WorldMoved { .. })), "{stale:?}");

    let everything = store.reset(&ResetScope::Everything, 30).await.unwrap();
    assert!(store.load_world().await.unwrap().0.is_empty());
    assert_eq!(store.changes_since(reset, 10).await.unwrap()[0].entity_id, "*");
    assert_eq!(store.revision().await.unwrap(), everything);
}
