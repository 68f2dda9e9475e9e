//! Saving and loading the state on both databases: a saved state loads back to the same rows, and a state of another
//! version, with foreign tables or columns, with rows the constraints refuse, or with a world the rules refuse is
//! refused whole, leaving the state as it was.

use hubspoke_vpc::model::{PrefixManagement, ResolverSetting, Vpc};
use hubspoke_vpc::world::Entity;

use super::*;
use crate::{Cell, StateSnapshot, WorldWrite};

on_both_databases!(a_saved_state_loads_back_and_a_broken_one_is_refused_whole);

fn vpc(id: &str) -> Vpc {
    Vpc {
        id: id.into(),
        account: AccountId::parse(OWNER).unwrap(),
        name: id.into(),
        created_at: Timestamp(5),
        classic_access: false,
        address_prefix_management: PrefixManagement::Manual,
        enable_hub: false,
        resolver: ResolverSetting::System,
        dns_endpoint: "127.53.0.1".parse().unwrap(),
        version: 1,
        resource_group: hubspoke_vpc::model::default_resource_group_id(&AccountId::parse(OWNER).unwrap()),
    }
}

fn accept(_: Vec<Entity>) -> Result<(), String> {
    Ok(())
}

async fn a_saved_state_loads_back_and_a_broken_one_is_refused_whole(store: SqlStore) {
    let account = AccountRecord { id: AccountId::parse(OWNER).unwrap(), name: "hub".into(), created_at: 1 };
    let (administrator, admin_key) = super::administrator_of(&account);
    store.create_account(&account, &administrator, &admin_key, "d1").await.unwrap();
    store.insert_policy(&policy("p1", "hub-1", 10), &[]).await.unwrap();
    store.write_world(0, &[WorldWrite::Put(Entity::Vpc(vpc("r006-saved")))], &[]).await.unwrap();
    let saved = store.export_state().await.unwrap();
    let rows = |snapshot: &StateSnapshot, table: &str| {
        snapshot.tables.iter().find(|t| t.name == table).map_or(0, |t| t.rows.len())
    };
    assert_eq!((rows(&saved, "accounts"), rows(&saved, "api_keys"), rows(&saved, "vpcs")), (1, 1, 1));
    assert_eq!(rows(&saved, "users"), 1, "the administrator is saved with the account");
    assert_eq!(saved.tables[0].name, "accounts", "parents come first");

    // Changes after the save are undone by loading it; the load is one change that makes replicas reload.
    store.insert_policy(&policy("p2", "hub-2", 11), &[]).await.unwrap();
    let before = store.revision().await.unwrap();
    let loaded = store.import_state(&saved, &accept, 20).await.unwrap();
    assert!(loaded > before);
    assert_eq!(store.export_state().await.unwrap(), saved);
    assert!(store.policy("p2").await.unwrap().is_none() && store.policy("p1").await.unwrap().is_some());
    let changes = store.changes_since(before, 10).await.unwrap();
    assert_eq!((changes[0].entity, changes[0].entity_id.as_str()), (EntityKind::Reset, "*"));

    // Each broken state is refused, and the state stays what it was.
    let edit = |change: &dyn Fn(&mut StateSnapshot)| {
        let mut broken = saved.clone();
        change(&mut broken);
        broken
    };
    let table = |snapshot: &mut StateSnapshot, name: &str| -> usize {
        snapshot.tables.iter().position(|t| t.name == name).unwrap()
    };
    let cases: Vec<(&str, StateSnapshot)> = vec![
        ("schema version", edit(&|s| s.schema_version -= 1)),
        ("a table `secrets`", edit(&|s| s.tables[0].name = "secrets".into())),
        ("has the columns", edit(&|s| s.tables[0].columns[1] = "nickname".into())),
        ("holds integers", edit(&|s| s.tables[0].rows[0][2] = Cell::Text("yesterday".into()))),
        (
            "refused by the database",
            edit(&|s| {
                // The same VPC twice.
                let vpcs = table(s, "vpcs");
                let row = s.tables[vpcs].rows[0].clone();
                s.tables[vpcs].rows.push(row);
            }),
        ),
        (
            "refused by the database",
            edit(&|s| {
                // An API key of an account the state does not hold.
                let keys = table(s, "api_keys");
                let account = s.tables[keys].columns.iter().position(|c| c == "account_id").unwrap();
                s.tables[keys].rows[0][account] = Cell::Text("cccccccccccccccccccccccccccccccc".into());
            }),
        ),
    ];
    for (reason, broken) in cases {
        let refused = store.import_state(&broken, &accept, 30).await;
        match refused {
            Err(StoreError::Rejected(message)) => assert!(message.contains(reason), "{reason}: {message}"),
            other => panic!("{reason}: {other:?}"),
        }
        assert_eq!(store.export_state().await.unwrap(), saved, "{reason}: nothing was written");
    }
    let refuse = |_: Vec<Entity>| Err("subnet `x` lies in no address prefix (rule P8)".to_owned());
    let refused = store.import_state(&saved, &refuse, 40).await;
    assert!(matches!(&refused, Err(StoreError::Rejected(m)) if m.contains("rule P8")), "{refused:?}");
    assert_eq!(store.export_state().await.unwrap(), saved);
}
