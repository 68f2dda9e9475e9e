//! DNS Services rows: instances, zones with permitted networks and records of every type round-trip on both
//! databases, and migration 0011 gives the custom resolvers of older builds an instance.

use hubspoke_vpc::EntityKey;
use hubspoke_vpc::model::{
    DnsPlan, DnsZone, PermittedNetwork, PrefixManagement, RecordData, ResolverSetting, ResourceRecord, ServiceInstance,
    Vpc, default_resource_group_id,
};
use hubspoke_vpc::world::Entity;

use super::*;
use crate::WorldWrite;

fn records(owner: &AccountId) -> Vec<ResourceRecord> {
    let data = [
        RecordData::A("10.0.0.5".parse().unwrap()),
        RecordData::Aaaa("2001:db8::5".parse().unwrap()),
        RecordData::Cname("www.example.com".into()),
        RecordData::Mx { exchange: "mail.example.com".into(), preference: 10 },
        RecordData::Srv {
            service: "_sip".into(),
            protocol: "udp".into(),
            priority: 1,
            weight: 2,
            port: 5060,
            target: "sip.example.com".into(),
        },
        RecordData::Txt("v=spf1 -all".into()),
        RecordData::Ptr("host.example.com".into()),
    ];
    data.into_iter()
        .enumerate()
        .map(|(n, data)| ResourceRecord {
            id: format!("{}:{n}", data.type_name()),
            account: owner.clone(),
            zone: "zone-1".into(),
            name: format!("r{n}.example.com"),
            ttl: 900,
            data,
            created_at: Timestamp(8),
            modified_at: Timestamp(9),
        })
        .collect()
}

async fn dns_entities_round_trip_and_go_children_first(store: SqlStore) {
    let owner = AccountId::parse(OWNER).unwrap();
    let vpc = Vpc {
        id: "r006-vpc".into(),
        account: owner.clone(),
        name: "hub".into(),
        created_at: Timestamp(5),
        classic_access: false,
        address_prefix_management: PrefixManagement::Manual,
        enable_hub: false,
        resolver: ResolverSetting::System,
        dns_endpoint: "127.53.0.1".parse().unwrap(),
        version: 1,
        resource_group: default_resource_group_id(&owner),
    };
    let instance = ServiceInstance {
        id: "instance-1".into(),
        account: owner.clone(),
        name: "dns".into(),
        plan: DnsPlan::Free,
        resource_group: default_resource_group_id(&owner),
        created_at: Timestamp(6),
        updated_at: Timestamp(6),
        removed_at: None,
    };
    let zone = DnsZone {
        id: "zone-1".into(),
        account: owner.clone(),
        instance: instance.id.clone(),
        name: "example.com".into(),
        description: "hub zone".into(),
        label: "hub".into(),
        permitted_networks: vec![PermittedNetwork {
            vpc: vpc.id.clone(),
            vpc_crn: "crn:v1:bluemix:public:is:us-south:a/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa::vpc:r006-vpc".into(),
            created_at: Timestamp(7),
            modified_at: Timestamp(7),
        }],
        created_at: Timestamp(7),
        modified_at: Timestamp(7),
    };
    let mut writes = vec![
        WorldWrite::Put(Entity::ResourceRecord(records(&owner)[0].clone())),
        WorldWrite::Put(Entity::DnsZone(zone.clone())),
        WorldWrite::Put(Entity::ServiceInstance(instance.clone())),
        WorldWrite::Put(Entity::Vpc(vpc)),
    ];
    writes.extend(records(&owner).into_iter().skip(1).map(|r| WorldWrite::Put(Entity::ResourceRecord(r))));
    let revision = store.write_world(0, &writes, &[]).await.unwrap();
    let (entities, _) = store.load_world().await.unwrap();
    for expected in records(&owner)
        .into_iter()
        .map(Entity::ResourceRecord)
        .chain([Entity::DnsZone(zone.clone()), Entity::ServiceInstance(instance.clone())])
    {
        assert!(entities.contains(&expected), "{expected:?}");
    }
    // A zone, its records and its instance go in one write, whatever order the keys are given in.
    let mut deletes: Vec<WorldWrite> = vec![
        WorldWrite::Delete(EntityKey::ServiceInstance(instance.id.clone())),
        WorldWrite::Delete(EntityKey::DnsZone(zone.id.clone())),
    ];
    deletes.extend(records(&owner).into_iter().map(|r| WorldWrite::Delete(EntityKey::ResourceRecord(r.id))));
    store.write_world(revision, &deletes, &[]).await.unwrap();
    let (entities, _) = store.load_world().await.unwrap();
    assert!(
        !entities
            .iter()
            .any(|e| matches!(e, Entity::ServiceInstance(_) | Entity::DnsZone(_) | Entity::ResourceRecord(_))),
        "{entities:?}"
    );
}

on_both_databases!(dns_entities_round_trip_and_go_children_first);

/// A custom resolver written before migration 0011 named an instance id that nothing stored; after it, that id is an
/// instance of the resolver's account, so the resolver stays reachable.
#[tokio::test]
async fn migration_0011_gives_older_resolvers_their_instance() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("hubspoke.db");
    {
        super::connection::install_drivers();
        let url = super::connection::sqlite_url(&path, "rwc");
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        super::connection::SQLITE_MIGRATIONS.run_to(10, &pool).await.unwrap();
        sqlx::query(
            "INSERT INTO custom_resolvers (id, account, instance_id, name, description, enabled, created_at, modified_at) \
             VALUES ('resolver-1', $1, 'dns-hub', 'hub-resolver', NULL, 0, 5, 5)",
        )
        .bind(OWNER)
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let store = SqlStore::open_sqlite(&path).await.unwrap();
    let (entities, _) = store.load_world().await.unwrap();
    let world = hubspoke_vpc::World::from_entities(entities, 0);
    let instance = world.service_instance("dns-hub").expect("the resolver's instance");
    assert_eq!(
        (instance.account.as_str(), instance.name.as_str(), instance.plan, instance.created_at),
        (OWNER, "dns-hub", DnsPlan::Standard, Timestamp(5))
    );
}
