//! Tests of the store against real databases: SQLite (in memory and on disk) and PostgreSQL on a throwaway cluster.

use hubspoke_iam::{Attribute, AttributeValue, Operator, PolicyDraft, PolicyState, Timestamp};

use crate::{IdentityKeyRecord, IdentityWrite, KeyOwner, PolicyPage, PolicySortField, ServiceIdRecord, UserRecord};

use super::*;

async fn sqlite() -> SqlStore {
    SqlStore::in_memory().await.unwrap()
}

/// A fresh database on its own throwaway cluster, migrated; the cluster lives as long as the returned guard.
async fn postgres() -> (hubspoke_testdb::Cluster, SqlStore) {
    let cluster = hubspoke_testdb::Cluster::start().unwrap();
    let url = cluster.create_database().await.unwrap();
    SqlStore::migrate_postgres(&url).await.unwrap();
    let store = SqlStore::connect_postgres(&url, &PoolSettings::default()).await.unwrap();
    (cluster, store)
}

/// Runs each named test body against both databases, as `sqlite::<name>` and `postgres::<name>`.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::sqlite().await).await
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                let (_cluster, store) = super::postgres().await;
                super::$name(store).await
            })*
        }
    };
}

on_both_databases!(
    imports_are_all_or_nothing_with_a_change_per_policy,
    policies_round_trip_with_order_and_kinds,
    identical_active_policies_are_refused_by_the_database,
    updates_are_optimistic,
    lists_page_sort_and_filter,
    every_write_appends_to_the_change_log,
    identities_write_together_and_keys_know_their_administrator,
    policies_written_before_the_body_column_are_read_from_their_children,
    access_policies_are_filtered_and_custom_roles_kept,
    scripts_bind_in_order_across_statements_and_stop_at_a_failure
);

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
        kind: None,
        attributes: Vec::new(),
        sort: None,
        position: crate::PolicyPosition::First,
        limit: None,
    }
}

async fn policies_round_trip_with_order_and_kinds(store: SqlStore) {
    let original = policy("p1", "hub-1", 10);
    let revision = store.insert_policy(&original, &[]).await.unwrap();
    assert_eq!(revision, 1);
    assert_eq!(store.policy("p1").await.unwrap(), Some(original));
    assert_eq!(store.policy("nope").await.unwrap(), None);
}

/// Migration 0004 leaves older rows without a body, and a replica of an older build updates a policy without
/// rewriting its body; both are read from the child tables, wherever policies are read, and an update writes the body
/// again.
async fn policies_written_before_the_body_column_are_read_from_their_children(store: SqlStore) {
    let (old, new) = (policy("p-old", "vpc-old", 10), policy("p-new", "vpc-new", 11));
    store.import_policies(&[old.clone(), new.clone()]).await.unwrap();
    sqlx::query("UPDATE policies SET body = NULL, body_version = NULL WHERE id = 'p-old'")
        .execute(&store.writer)
        .await
        .unwrap();
    // An older build's update: a new version and new child rows, the body left as it was.
    let mut stale = new.clone();
    stale.version = 2;
    stale.draft.description = Some("changed by an older replica".into());
    stale.draft.roles = vec!["crn:v1:bluemix:public:iam::::role:Editor".into()];
    sqlx::query("UPDATE policies SET version = 2, description = 'changed by an older replica' WHERE id = 'p-new'")
        .execute(&store.writer)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE policy_roles SET role_id = 'crn:v1:bluemix:public:iam::::role:Editor' WHERE policy_id = 'p-new'",
    )
    .execute(&store.writer)
    .await
    .unwrap();
    assert_eq!(store.policy("p-new").await.unwrap(), Some(stale.clone()));
    let new = stale;
    assert_eq!(store.policy("p-old").await.unwrap(), Some(old.clone()));
    assert_eq!(store.list_policies(&query()).await.unwrap().policies, vec![old.clone(), new.clone()]);
    assert_eq!(store.all_policies().await.unwrap().0, vec![old.clone(), new.clone()]);
    let mut changed = old.clone();
    changed.version = 2;
    changed.draft.roles.push("crn:v1:bluemix:public:iam::::role:Viewer".into());
    store.update_policy(&changed, &[]).await.unwrap();
    let body: Option<String> =
        sqlx::query_scalar("SELECT body FROM policies WHERE id = 'p-old'").fetch_one(&store.writer).await.unwrap();
    assert!(body.is_some(), "an update writes the body");
    assert_eq!(store.policy("p-old").await.unwrap(), Some(changed));
}

async fn imports_are_all_or_nothing_with_a_change_per_policy(store: SqlStore) {
    let batch = [policy("p1", "hub-1", 10), policy("p2", "hub-2", 11), policy("p3", "hub-3", 12)];
    assert_eq!(store.import_policies(&batch).await.unwrap(), 3);
    let changes = store.changes_since(0, 10).await.unwrap();
    assert_eq!(
        changes.iter().map(|c| (c.revision, c.entity_id.as_str())).collect::<Vec<_>>(),
        [(1, "p1"), (2, "p2"), (3, "p3")]
    );
    assert_eq!(store.policy("p2").await.unwrap().as_ref(), Some(&batch[1]));
    // A duplicate anywhere in a batch refuses all of it.
    let error = store.import_policies(&[policy("p4", "hub-4", 13), policy("p5", "hub-1", 14)]).await.unwrap_err();
    assert!(matches!(error, StoreError::DuplicatePolicy { ref existing } if existing == "p1"), "{error}");
    assert_eq!(store.policy("p4").await.unwrap(), None);
    assert_eq!(store.revision().await.unwrap(), 3);
}

async fn identical_active_policies_are_refused_by_the_database(store: SqlStore) {
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

async fn updates_are_optimistic(store: SqlStore) {
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

async fn lists_page_sort_and_filter(store: SqlStore) {
    for n in 0..5 {
        store.insert_policy(&policy(&format!("p{n}"), &format!("hub-{n}"), 100 - n), &[]).await.unwrap();
    }
    let mut deleted = policy("p4", "hub-4", 96);
    deleted.state = PolicyState::Deleted;
    deleted.version = 2;
    store.update_policy(&deleted, &[]).await.unwrap();

    let ids = |page: &PolicyPage| page.policies.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    let all = store.list_policies(&query()).await.unwrap();
    assert_eq!(ids(&all), ["p4", "p3", "p2", "p1", "p0"], "oldest first by default");
    assert!(!all.more_after && !all.more_before);

    // Pages by position, in both directions, by id descending.
    let by_id = |position, limit| PolicyQuery { sort: Some((PolicySortField::Id, true)), position, limit, ..query() };
    let key = |id: &str| crate::PolicyKey { value: crate::SortValue::Text(id.into()), id: id.into() };
    let first = store.list_policies(&by_id(crate::PolicyPosition::First, Some(2))).await.unwrap();
    assert_eq!((ids(&first), first.more_after, first.more_before), (vec!["p4".into(), "p3".into()], true, false));
    let second = store.list_policies(&by_id(crate::PolicyPosition::After(key("p3")), Some(2))).await.unwrap();
    assert_eq!((ids(&second), second.more_after), (vec!["p2".into(), "p1".into()], true));
    // A policy deleted between two pages does not shift the next one.
    store
        .update_policy(&Policy { state: PolicyState::Deleted, version: 2, ..policy("p1", "hub-1", 99) }, &[])
        .await
        .unwrap();
    let active = |position| PolicyQuery { state: Some(PolicyState::Active), ..by_id(position, Some(2)) };
    let third = store.list_policies(&active(crate::PolicyPosition::After(key("p1")))).await.unwrap();
    assert_eq!((ids(&third), third.more_after), (vec!["p0".into()], false));
    let back = store.list_policies(&active(crate::PolicyPosition::Before(key("p0")))).await.unwrap();
    assert_eq!((ids(&back), back.more_before), (vec!["p3".into(), "p2".into()], false));
    // By creation time, ascending, with the time as the key.
    let by_time = PolicyQuery {
        position: crate::PolicyPosition::After(crate::PolicyKey { value: crate::SortValue::Int(97), id: "p3".into() }),
        ..query()
    };
    assert_eq!(ids(&store.list_policies(&by_time).await.unwrap()), ["p2", "p1", "p0"]);

    let active = store.list_policies(&PolicyQuery { state: Some(PolicyState::Active), ..query() }).await.unwrap();
    assert_eq!(active.policies.len(), 3);
    let other_service =
        store.list_policies(&PolicyQuery { resource_service: Some("kms".into()), ..query() }).await.unwrap();
    assert!(other_service.policies.is_empty());
    let other_owner = PolicyQuery { owner: AccountId::parse("cccccccccccccccccccccccccccccccc").unwrap(), ..query() };
    assert!(store.list_policies(&other_owner).await.unwrap().policies.is_empty());
}

/// An account's administrator and that user's key, as `App::create_account` makes them.
pub(super) fn administrator_of(account: &AccountRecord) -> (UserRecord, IdentityKeyRecord) {
    let user = UserRecord {
        account: account.id.clone(),
        iam_id: "IBMid-ADMIN00001".into(),
        email: "admin@example.com".into(),
        firstname: "Account".into(),
        lastname: "Administrator".into(),
        state: "ACTIVE".into(),
        administrator: true,
        added_on: account.created_at,
    };
    (user.clone(), key_of(&account.id, "ApiKey-admin", &user.iam_id))
}

fn key_of(account: &AccountId, id: &str, iam_id: &str) -> IdentityKeyRecord {
    IdentityKeyRecord {
        id: id.into(),
        account: account.clone(),
        iam_id: iam_id.into(),
        name: "key".into(),
        description: None,
        created_by: iam_id.into(),
        locked: false,
        version: 1,
        created_at: 1,
        modified_at: 1,
        stored_value: None,
        action_when_leaked: "disable".into(),
        expires_at: None,
        support_sessions: false,
    }
}

async fn every_write_appends_to_the_change_log(store: SqlStore) {
    let account = AccountRecord { id: AccountId::parse(OWNER).unwrap(), name: "hub".into(), created_at: 1 };
    let (administrator, admin_key) = administrator_of(&account);
    assert_eq!(store.create_account(&account, &administrator, &admin_key, "d1").await.unwrap(), 1);
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
    let key = ApiKeyRecord {
        digest: "d1".into(),
        iam_id: administrator.iam_id.clone(),
        owner: KeyOwner::AccountAdministrator(account.id.clone()),
        created_at: 1,
    };
    assert_eq!(store.api_key("d1").await.unwrap(), Some(key));
    assert_eq!(store.list_accounts().await.unwrap(), vec![account.clone()]);
    assert_eq!(store.account(&account.id).await.unwrap(), Some(account));
}

async fn identities_write_together_and_keys_know_their_administrator(store: SqlStore) {
    let account = AccountRecord { id: AccountId::parse(OWNER).unwrap(), name: "hub".into(), created_at: 1 };
    let (administrator, admin_key) = administrator_of(&account);
    store.create_account(&account, &administrator, &admin_key, "d-admin").await.unwrap();
    let service = ServiceIdRecord {
        id: "ServiceId-1".into(),
        account: account.id.clone(),
        name: "builder".into(),
        description: Some("builds".into()),
        unique_instance_crns: vec!["crn:a".into(), "crn:b".into()],
        locked: false,
        version: 1,
        created_by: administrator.iam_id.clone(),
        created_at: 2,
        modified_at: 2,
    };
    let service_key = key_of(&account.id, "ApiKey-s", "iam-ServiceId-1");
    store
        .write_identities(
            &account.id,
            &[
                IdentityWrite::InsertServiceId(service.clone()),
                IdentityWrite::InsertKey { record: service_key.clone(), digest: "d-service".into() },
            ],
            2,
        )
        .await
        .unwrap();
    assert_eq!(store.service_id("ServiceId-1").await.unwrap(), Some(service.clone()));
    assert_eq!(store.identity_key_by_digest("d-service").await.unwrap(), Some(service_key));
    // Only the administrator's key authenticates as the administrator.
    let admin_owner = store.api_key("d-admin").await.unwrap().map(|key| key.owner);
    assert_eq!(admin_owner, Some(KeyOwner::AccountAdministrator(account.id.clone())));
    let service_owner = store.api_key("d-service").await.unwrap().map(|key| key.owner);
    assert_eq!(service_owner, Some(KeyOwner::AccountIdentity(account.id.clone())));
    // An update based on an old version is refused and changes nothing.
    let renamed = ServiceIdRecord { name: "renamed".into(), version: 2, ..service.clone() };
    store
        .write_identities(&account.id, &[IdentityWrite::UpdateServiceId { record: renamed.clone(), expected: 1 }], 3)
        .await
        .unwrap();
    let stale = store
        .write_identities(&account.id, &[IdentityWrite::UpdateServiceId { record: renamed, expected: 1 }], 4)
        .await;
    assert!(matches!(stale, Err(StoreError::Stale { current: 2, .. })), "{stale:?}");
    // Deleting the service ID takes its keys along.
    store.write_identities(&account.id, &[IdentityWrite::DeleteServiceId("ServiceId-1".into())], 5).await.unwrap();
    assert_eq!(store.service_id("ServiceId-1").await.unwrap(), None);
    assert_eq!(store.api_key("d-service").await.unwrap(), None);
    assert_eq!(store.identity_keys(&account.id).await.unwrap().len(), 1);
    assert_eq!(store.users(&account.id).await.unwrap(), vec![administrator]);
}

#[tokio::test]
async fn a_file_database_keeps_everything_across_reopening() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("hubspoke.db");
    let first_key = SigningKeyRecord { kid: "k1".into(), private_key_pem: "pem-1".into() };
    {
        let store = SqlStore::open_sqlite(&path).await.unwrap();
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
    let store = SqlStore::open_sqlite(&path).await.unwrap();
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
        resource_group: hubspoke_vpc::model::default_resource_group_id(&owner),
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
        security_groups: Vec::new(),
        resource_group: "0123456789abcdef0123456789abcdef".into(),
    };
    let event = EventRecord {
        sequence: 0,
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
        let store = SqlStore::open_sqlite(&path).await.unwrap();
        let writes = [WorldWrite::Put(Entity::Vpc(vpc.clone())), WorldWrite::Put(Entity::Gateway(gateway.clone()))];
        let revision = store.write_world(0, &writes, std::slice::from_ref(&event)).await.unwrap();
        // A writer that computed its change from the old world loses.
        let stale = store
            .write_world(0, &[WorldWrite::Delete(hubspoke_vpc::EntityKey::Gateway(gateway.id.clone()))], &[])
            .await;
        assert!(matches!(stale, Err(StoreError::WorldMoved { based_on: 0, .. })), "{stale:?}");
        revision
    };
    let store = SqlStore::open_sqlite(&path).await.unwrap();
    let (entities, loaded_revision) = store.load_world().await.unwrap();
    assert_eq!(loaded_revision, revision);
    assert!(entities.contains(&Entity::Vpc(vpc.clone())));
    assert!(entities.contains(&Entity::Gateway(gateway.clone())));
    let (events, total) =
        store.list_events(&EventQuery { account: Some(OWNER.into()), before: None, limit: 10 }).await.unwrap();
    assert!(events.first().is_some_and(|read| read.sequence > 0), "the store numbers each event");
    let numbered = EventRecord { sequence: events[0].sequence, ..event };
    assert_eq!((events, total), (vec![numbered], 1));
    let (_, other) = store
        .list_events(&EventQuery { account: Some("cccccccccccccccccccccccccccccccc".into()), before: None, limit: 10 })
        .await
        .unwrap();
    assert_eq!(other, 0);
    // Deleting the VPC while its gateway still references it is refused by the foreign key, and nothing is written.
    let refused =
        store.write_world(revision, &[WorldWrite::Delete(hubspoke_vpc::EntityKey::Vpc(vpc.id.clone()))], &[]).await;
    assert!(refused.is_err());
    assert_eq!(store.load_world().await.unwrap().1, revision);
}

/// A resolver with a profile change in progress, a forwarding rule with views (targets with and without ports) and a
/// secondary zone come back as they were written; deleting the resolver with them removes all three.
#[tokio::test]
async fn forwarding_rules_and_secondary_zones_round_trip() {
    use hubspoke_vpc::EntityKey;
    use hubspoke_vpc::expression::Expression;
    use hubspoke_vpc::model::{
        CustomResolver, ForwardingRule, ForwardingRuleKind, Phase, ResolverProfile, RuleView, SecondaryZone, Settling,
        Target,
    };
    use hubspoke_vpc::world::Entity;

    use crate::WorldWrite;

    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open_sqlite(&directory.path().join("hubspoke.db")).await.unwrap();
    let owner = AccountId::parse(OWNER).unwrap();
    let target = |text: &str| Target::parse(text).unwrap();
    let resolver = CustomResolver {
        id: "resolver".into(),
        account: owner.clone(),
        instance: "instance".into(),
        name: "hub".into(),
        description: Some("the hub's".into()),
        enabled: false,
        locations: Vec::new(),
        profile: ResolverProfile::Advanced,
        allow_disruptive_updates: true,
        settling: Some(Settling { phase: Phase::Updating, until: Timestamp(20) }),
        created_at: Timestamp(5),
        modified_at: Timestamp(6),
    };
    let rule = ForwardingRule {
        id: "rule".into(),
        account: owner.clone(),
        resolver: resolver.id.clone(),
        sequence: 3,
        kind: ForwardingRuleKind::Zone,
        description: String::new(),
        matches: "example.com".into(),
        forward_to: vec![target("10.0.0.7"), target("[2001:db8::7]:5353")],
        views: vec![RuleView {
            name: "spoke".into(),
            description: "the spoke's clients".into(),
            expression: Expression::parse("ipInRange(source.ip, '10.1.0.0/16')").unwrap(),
            forward_to: vec![target("127.0.0.1:5300")],
        }],
        created_at: Timestamp(7),
        modified_at: Timestamp(8),
    };
    let zone = SecondaryZone {
        id: "zone".into(),
        account: owner,
        resolver: resolver.id.clone(),
        sequence: 1,
        zone: "onprem.example".into(),
        description: String::new(),
        enabled: true,
        transfer_from: vec![target("10.9.0.1:53"), target("10.9.0.2")],
        created_at: Timestamp(9),
        modified_at: Timestamp(9),
    };
    let writes = [
        WorldWrite::Put(Entity::SecondaryZone(zone.clone())),
        WorldWrite::Put(Entity::ForwardingRule(rule.clone())),
        WorldWrite::Put(Entity::Resolver(resolver.clone())),
    ];
    let revision = store.write_world(0, &writes, &[]).await.unwrap();
    let (entities, _) = store.load_world().await.unwrap();
    for entity in
        [Entity::Resolver(resolver.clone()), Entity::ForwardingRule(rule.clone()), Entity::SecondaryZone(zone)]
    {
        assert!(entities.contains(&entity), "{entity:?} in {entities:?}");
    }
    let deletes = [
        WorldWrite::Delete(EntityKey::Resolver(resolver.id.clone())),
        WorldWrite::Delete(EntityKey::ForwardingRule(rule.id.clone())),
        WorldWrite::Delete(EntityKey::SecondaryZone("zone".into())),
    ];
    store.write_world(revision, &deletes, &[]).await.unwrap();
    assert!(store.load_world().await.unwrap().0.is_empty());
}

mod access_groups;
mod bulk;
mod dns;
mod group;
mod migrations;
mod replicas;
mod reset;
mod state;

/// Access policies share the policy tables: lists filter them by kind and attribute, their duplicate key leaves the
/// roles out, and a custom role they name cannot be deleted.
async fn access_policies_are_filtered_and_custom_roles_kept(store: SqlStore) {
    use hubspoke_iam::{CustomRole, CustomRoleContent, PolicyKind};
    let account = crate::AccountRecord { id: AccountId::parse(OWNER).unwrap(), name: "a".into(), created_at: 1 };
    let (administrator, admin_key) = administrator_of(&account);
    store.create_account(&account, &administrator, &admin_key, "d").await.unwrap();
    let role = CustomRole {
        id: "c1".into(),
        name: "VpcLister".into(),
        account_id: account.id.clone(),
        service_name: "is".into(),
        content: CustomRoleContent {
            display_name: "VPC lister".into(),
            description: Some("lists".into()),
            actions: vec!["is.vpc.vpc.list".into(), "is.vpc.vpc.read".into()],
        },
        version: 1,
        created_at: Timestamp(5),
        created_by_id: "IBMid-admin".into(),
        last_modified_at: Timestamp(5),
        last_modified_by_id: "IBMid-admin".into(),
    };
    store.insert_custom_role(&role, &[]).await.unwrap();
    assert_eq!(store.custom_role("c1").await.unwrap(), Some(role.clone()));
    let twin = CustomRole { id: "c2".into(), ..role.clone() };
    assert!(matches!(store.insert_custom_role(&twin, &[]).await, Err(StoreError::DuplicateCustomRole { .. })));
    let mut access = policy("a1", "x", 20);
    access.draft.subject = vec![Attribute::equals("iam_id", "IBMid-user")];
    access.draft.roles = vec![role.crn()];
    store.insert_policy(&access, &[]).await.unwrap();
    store.insert_policy(&policy("p1", "hub-1", 10), &[]).await.unwrap();
    // The same subject and resource with other roles is a duplicate of an access policy.
    let mut again = access.clone();
    again.id = "a2".into();
    again.draft.roles = vec!["crn:v1:bluemix:public:iam::::role:Viewer".into()];
    assert!(
        matches!(store.insert_policy(&again, &[]).await, Err(StoreError::DuplicatePolicy { existing }) if existing == "a1")
    );
    let ids = |page: PolicyPage| page.policies.into_iter().map(|p| p.id).collect::<Vec<_>>();
    let by_kind = |kind| PolicyQuery { kind: Some(kind), ..query() };
    assert_eq!(ids(store.list_policies(&by_kind(PolicyKind::Access)).await.unwrap()), ["a1"]);
    assert_eq!(ids(store.list_policies(&by_kind(PolicyKind::Authorization)).await.unwrap()), ["p1"]);
    let by_user = |iam_id: &str| PolicyQuery {
        attributes: vec![(crate::AttributeSide::Subject, "iam_id".into(), iam_id.into())],
        ..query()
    };
    assert_eq!(ids(store.list_policies(&by_user("IBMid-user")).await.unwrap()), ["a1"]);
    assert!(ids(store.list_policies(&by_user("IBMid-other")).await.unwrap()).is_empty());
    // In use: refused; once the policy is deleted, the role goes.
    assert!(
        matches!(store.delete_custom_role(&role, 30, &[]).await, Err(StoreError::RoleInUse { policies }) if policies == ["a1"])
    );
    let mut deleted = access.clone();
    deleted.version = 2;
    deleted.state = PolicyState::Deleted;
    store.update_policy(&deleted, &[]).await.unwrap();
    let mut renamed = role.clone();
    renamed.version = 2;
    renamed.content.display_name = "Lister".into();
    store.update_custom_role(&renamed, &[]).await.unwrap();
    assert!(matches!(store.update_custom_role(&renamed, &[]).await, Err(StoreError::Stale { .. })));
    assert!(matches!(store.delete_custom_role(&role, 31, &[]).await, Err(StoreError::Stale { .. })));
    let revision = store.delete_custom_role(&renamed, 32, &[]).await.unwrap();
    assert_eq!(store.changes_since(revision - 1, 1).await.unwrap()[0].entity, EntityKind::CustomRole);
    assert!(store.all_custom_roles().await.unwrap().is_empty());
}

/// A script runs as one query on SQLite and statement by statement on PostgreSQL: either way each statement gets its
/// own arguments, the rows come back in order, and a failed statement stops the ones after it.
async fn scripts_bind_in_order_across_statements_and_stop_at_a_failure(store: SqlStore) {
    use sqlx::Row;

    use super::statement::{Argument, Script, Statement};
    let change = |revision: i64, id: &str| {
        let mut insert = Statement::new("INSERT INTO changes (revision, entity, entity_id, at) VALUES ");
        insert.push_tuple([
            Argument::Integer(revision),
            Argument::Text("policy".into()),
            Argument::Text(id.into()),
            Argument::Integer(revision * 10),
        ]);
        insert
    };
    let mut select = Statement::new("SELECT entity_id FROM changes WHERE revision = ");
    select.bind(Argument::Integer(2)).push(" OR at = ").bind(Argument::Integer(10)).push(" ORDER BY revision");
    let mut connection = store.writer.acquire().await.unwrap();
    let mut script = Script::default();
    script.extend([change(1, "first"), change(2, "second"), select]);
    let rows = script.fetch_all(&mut connection).await.unwrap();
    let ids: Vec<String> = rows.iter().map(|row| row.get("entity_id")).collect();
    assert_eq!(ids, ["first", "second"]);

    // Revision 2 is taken: the second statement fails, and the third never runs.
    let mut script = Script::default();
    script.extend([change(3, "third"), change(2, "taken"), change(4, "fourth")]);
    let error = script.fetch_all(&mut connection).await.err().expect("a taken revision fails the script");
    assert!(error.as_database_error().is_some_and(|e| e.is_unique_violation()), "{error}");
    drop(connection);
    let revisions: Vec<u64> = store.changes_since(0, 10).await.unwrap().iter().map(|c| c.revision).collect();
    assert_eq!(revisions, [1, 2, 3]);
}
