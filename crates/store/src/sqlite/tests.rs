//! Tests of the SQLite store against real databases (in memory and on disk).

use hubspoke_iam::{AttributeValue, Operator, PolicyState};

use super::*;

const OWNER: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn policy(id: &str, vpc: &str, created_at: i64) -> Policy {
    Policy {
        id: id.into(),
        draft: PolicyDraft {
            owner: AccountId::parse(OWNER).unwrap(),
            description: Some(format!("policy {id}")),
            subject: vec![
                Attribute::equals("accountId", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
                Attribute::equals("serviceName", "is"),
                Attribute {
                    key: "resourceGroupId".into(),
                    operator: Operator::StringExists,
                    value: AttributeValue::Flag(true),
                },
            ],
            resource: vec![
                Attribute::equals("accountId", OWNER),
                Attribute::equals("serviceName", "is"),
                Attribute {
                    key: "vpcId".into(),
                    operator: Operator::StringMatchAnyOf,
                    value: AttributeValue::List(vec![vpc.into(), "x:1".into()]),
                },
            ],
            roles: vec!["crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector".into()],
        },
        state: PolicyState::Active,
        version: 1,
        created_at: Timestamp(created_at),
        created_by_id: "IBMid-creator".into(),
        last_modified_at: Timestamp(created_at),
        last_modified_by_id: "IBMid-creator".into(),
    }
}

fn query() -> PolicyQuery {
    PolicyQuery {
        owner: AccountId::parse(OWNER).unwrap(),
        state: None,
        resource_service: None,
        sort: None,
        offset: 0,
        limit: None,
    }
}

#[tokio::test]
async fn policies_round_trip_with_order_and_kinds() {
    let store = SqliteStore::in_memory().await.unwrap();
    let original = policy("p1", "hub-1", 10);
    let revision = store.insert_policy(&original, &[]).await.unwrap();
    assert_eq!(revision, 1);
    assert_eq!(store.policy("p1").await.unwrap(), Some(original));
    assert_eq!(store.policy("nope").await.unwrap(), None);
}

#[tokio::test]
async fn identical_active_policies_are_refused_by_the_database() {
    let store = SqliteStore::in_memory().await.unwrap();
    store.insert_policy(&policy("p1", "hub-1", 10), &[]).await.unwrap();
    let error = store.insert_policy(&policy("p2", "hub-1", 11), &[]).await.unwrap_err();
    assert!(matches!(error, StoreError::DuplicatePolicy { ref existing } if existing == "p1"), "{error}");
    // Nothing of the refused policy was written, and the change log did not move.
    assert_eq!(store.policy("p2").await.unwrap(), None);
    assert_eq!(store.revision().await.unwrap(), 1);

    // Once the first is deleted, the same content may be created again; restoring the first then conflicts.
    let mut deleted = policy("p1", "hub-1", 10);
    deleted.state = PolicyState::Deleted;
    deleted.version = 2;
    store.update_policy(&deleted, &[]).await.unwrap();
    store.insert_policy(&policy("p2", "hub-1", 11), &[]).await.unwrap();
    let mut restored = deleted.clone();
    restored.state = PolicyState::Active;
    restored.version = 3;
    let error = store.update_policy(&restored, &[]).await.unwrap_err();
    assert!(matches!(error, StoreError::DuplicatePolicy { ref existing } if existing == "p2"), "{error}");
}

#[tokio::test]
async fn updates_are_optimistic() {
    let store = SqliteStore::in_memory().await.unwrap();
    store.insert_policy(&policy("p1", "hub-1", 10), &[]).await.unwrap();
    let mut next = policy("p1", "hub-2", 10);
    next.version = 2;
    next.draft.description = None;
    store.update_policy(&next, &[]).await.unwrap();
    assert_eq!(store.policy("p1").await.unwrap(), Some(next.clone()));
    // A second writer that also read version 1 loses.
    let error = store.update_policy(&next, &[]).await.unwrap_err();
    assert!(matches!(error, StoreError::Stale { current: 2, .. }), "{error}");
    let mut missing = next.clone();
    missing.id = "ghost".into();
    assert!(matches!(store.update_policy(&missing, &[]).await.unwrap_err(), StoreError::NotFound(_)));
}

#[tokio::test]
async fn lists_page_sort_and_filter() {
    let store = SqliteStore::in_memory().await.unwrap();
    for n in 0..5 {
        store.insert_policy(&policy(&format!("p{n}"), &format!("hub-{n}"), 100 - n), &[]).await.unwrap();
    }
    let mut deleted = policy("p4", "hub-4", 96);
    deleted.state = PolicyState::Deleted;
    deleted.version = 2;
    store.update_policy(&deleted, &[]).await.unwrap();

    let all = store.list_policies(&query()).await.unwrap();
    let ids: Vec<_> = all.policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["p4", "p3", "p2", "p1", "p0"], "oldest first by default");
    assert_eq!(all.total, 5);

    let page = store
        .list_policies(&PolicyQuery { sort: Some((PolicySortField::Id, true)), offset: 1, limit: Some(2), ..query() })
        .await
        .unwrap();
    let ids: Vec<_> = page.policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!((ids, page.total), (vec!["p3", "p2"], 5));

    let active = store.list_policies(&PolicyQuery { state: Some(PolicyState::Active), ..query() }).await.unwrap();
    assert_eq!(active.total, 4);
    let other_service =
        store.list_policies(&PolicyQuery { resource_service: Some("kms".into()), ..query() }).await.unwrap();
    assert_eq!(other_service.total, 0);
    let other_owner = PolicyQuery { owner: AccountId::parse("cccccccccccccccccccccccccccccccc").unwrap(), ..query() };
    assert_eq!(store.list_policies(&other_owner).await.unwrap().total, 0);
}

#[tokio::test]
async fn every_write_appends_to_the_change_log() {
    let store = SqliteStore::in_memory().await.unwrap();
    let account = AccountRecord { id: AccountId::parse(OWNER).unwrap(), name: "hub".into(), created_at: 1 };
    let key = ApiKeyRecord {
        digest: "d1".into(),
        iam_id: "iam-admin".into(),
        owner: KeyOwner::AccountAdministrator(account.id.clone()),
        created_at: 1,
    };
    assert_eq!(store.create_account(&account, &key).await.unwrap(), 1);
    assert_eq!(store.insert_policy(&policy("p1", "hub-1", 10), &[]).await.unwrap(), 2);
    let changes = store.changes_since(0, 10).await.unwrap();
    assert_eq!(
        changes,
        vec![
            Change { revision: 1, entity: EntityKind::Account, entity_id: OWNER.into() },
            Change { revision: 2, entity: EntityKind::Policy, entity_id: "p1".into() },
        ]
    );
    assert_eq!(store.changes_since(1, 10).await.unwrap().len(), 1);
    assert_eq!(store.api_key("d1").await.unwrap(), Some(key));
    assert_eq!(store.list_accounts().await.unwrap(), vec![account.clone()]);
    assert_eq!(store.account(&account.id).await.unwrap(), Some(account));
}

#[tokio::test]
async fn a_file_database_keeps_everything_across_reopening() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("hubspoke.db");
    let first_key = SigningKeyRecord { kid: "k1".into(), private_key_pem: "pem-1".into() };
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.insert_policy(&policy("p1", "hub-1", 10), &[]).await.unwrap();
        assert_eq!(store.signing_key_or_insert(&first_key, 1).await.unwrap(), first_key);
        let operator = ApiKeyRecord {
            digest: "op".into(),
            iam_id: "iam-operator".into(),
            owner: KeyOwner::Operator,
            created_at: 1,
        };
        store.ensure_operator_key(&operator).await.unwrap();
        store.ensure_operator_key(&operator).await.unwrap();
    }
    let store = SqliteStore::open(&path).await.unwrap();
    let (policies, revision) = store.all_policies().await.unwrap();
    assert_eq!((policies, revision), (vec![policy("p1", "hub-1", 10)], 1));
    let second = SigningKeyRecord { kid: "k2".into(), private_key_pem: "pem-2".into() };
    assert_eq!(store.signing_key_or_insert(&second, 2).await.unwrap(), first_key, "the first key wins");
    assert_eq!(store.api_key("op").await.unwrap().map(|k| k.owner), Some(KeyOwner::Operator));
}

#[tokio::test]
async fn the_vpc_world_round_trips_and_writes_are_compare_and_set() {
    use hubspoke_vpc::model::{
        BindingMode, EndpointGateway, GatewayTarget, Phase, PrefixManagement, ResolverSetting, Settling, Vpc,
    };
    use hubspoke_vpc::world::Entity;

    use crate::{EventOutcome, EventQuery, WorldWrite};

    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("hubspoke.db");
    let owner = AccountId::parse(OWNER).unwrap();
    let vpc = Vpc {
        id: "r006-vpc".into(),
        account: owner.clone(),
        name: "hub".into(),
        created_at: Timestamp(5),
        classic_access: false,
        address_prefix_management: PrefixManagement::Auto,
        enable_hub: true,
        resolver: ResolverSetting::Manual(vec![hubspoke_vpc::model::DnsServer {
            address: "10.0.0.9".parse().unwrap(),
            zone_affinity: Some("us-south-1".into()),
        }]),
        dns_endpoint: "127.53.0.1".parse().unwrap(),
        version: 1,
    };
    let gateway = EndpointGateway {
        id: "r006-gw".into(),
        account: owner.clone(),
        vpc: vpc.id.clone(),
        name: "cos".into(),
        target: GatewayTarget::ProviderCloudService { crn: "crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud".into() },
        service_endpoints: vec!["s3.direct.us-south.cloud-object-storage.appdomain.cloud".into()],
        mode: BindingMode::Primary,
        created_at: Timestamp(6),
        settling: Settling { phase: Phase::Pending, until: Timestamp(9) },
    };
    let event = EventRecord {
        id: "e1".into(),
        at: 7,
        actor: "IBMid-admin".into(),
        account: Some(OWNER.into()),
        other_account: None,
        action: "is.vpc.vpc.create".into(),
        target_kind: "vpc".into(),
        target_id: vpc.id.clone(),
        outcome: EventOutcome::Success,
        reason: String::new(),
    };
    let revision = {
        let store = SqliteStore::open(&path).await.unwrap();
        let writes = [WorldWrite::Put(Entity::Vpc(vpc.clone())), WorldWrite::Put(Entity::Gateway(gateway.clone()))];
        let revision = store.write_world(0, &writes, std::slice::from_ref(&event)).await.unwrap();
        // A writer that computed its change from the old world loses.
        let stale = store
            .write_world(0, &[WorldWrite::Delete(hubspoke_vpc::EntityKey::Gateway(gateway.id.clone()))], &[])
            .await;
        assert!(matches!(stale, Err(StoreError::WorldMoved { based_on: 0, .. })), "{stale:?}");
        revision
    };
    let store = SqliteStore::open(&path).await.unwrap();
    let (entities, loaded_revision) = store.load_world().await.unwrap();
    assert_eq!(loaded_revision, revision);
    assert!(entities.contains(&Entity::Vpc(vpc.clone())));
    assert!(entities.contains(&Entity::Gateway(gateway.clone())));
    let (events, total) =
        store.list_events(&EventQuery { account: Some(OWNER.into()), offset: 0, limit: 10 }).await.unwrap();
    assert_eq!((events, total), (vec![event], 1));
    let (_, other) = store
        .list_events(&EventQuery { account: Some("cccccccccccccccccccccccccccccccc".into()), offset: 0, limit: 10 })
        .await
        .unwrap();
    assert_eq!(other, 0);
    // Deleting the VPC while its gateway still references it is refused by the foreign key, and nothing is written.
    let refused =
        store.write_world(revision, &[WorldWrite::Delete(hubspoke_vpc::EntityKey::Vpc(vpc.id.clone()))], &[]).await;
    assert!(refused.is_err());
    assert_eq!(store.load_world().await.unwrap().1, revision);
}
