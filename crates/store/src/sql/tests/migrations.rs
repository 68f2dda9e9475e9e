//! Migrations that change what existing rows mean: each test brings a database to an older migration, writes rows as
//! a build of that time did, migrates, and checks what the rows became, on SQLite and PostgreSQL.

use super::*;

/// Brings the database at `url` to migration 0004 (as a build before address prefixes left it) and writes an `auto`
/// VPC, and a `manual` VPC with a subnet.
async fn hold_vpcs_from_before_address_prefixes(url: &str, migrations: &sqlx::migrate::Migrator) {
    use sqlx::Connection;

    super::connection::install_drivers();
    let before = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(migrations.iter().filter(|m| m.version < 5).cloned().collect()),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    let mut connection = sqlx::AnyConnection::connect(url).await.unwrap();
    before.run(&mut connection).await.unwrap();
    for (id, name, management, endpoint) in
        [("r006-auto", "old-auto", "auto", "127.53.0.1"), ("r006-manual", "old-manual", "manual", "127.53.0.2")]
    {
        sqlx::query(
            "INSERT INTO vpcs (id, account, name, created_at, classic_access, address_prefix_management, enable_hub, \
             resolver_type, resolver_vpc, dns_endpoint, version) VALUES ($1, $2, $3, 5, 0, $4, 0, 'system', NULL, $5, 1)",
        )
        .bind(id)
        .bind(OWNER)
        .bind(name)
        .bind(management)
        .bind(endpoint)
        .execute(&mut connection)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO subnets (id, account, vpc_id, zone, cidr, name, created_at) \
         VALUES ('r006-subnet', $1, 'r006-manual', 'us-south-2', '192.168.4.0/24', 'apps', 6)",
    )
    .bind(OWNER)
    .execute(&mut connection)
    .await
    .unwrap();
    connection.close().await.unwrap();
}

/// Migration 0005 gave the VPCs of [`hold_vpcs_from_before_address_prefixes`] the prefixes they implied: the
/// region's three defaults for the `auto` VPC, and for the `manual` one a prefix of its subnet's own range, so that
/// every subnet lies in a prefix.
async fn assert_prefixes_after_migration(store: &SqlStore) {
    use hubspoke_vpc::model::AddressPrefix;
    use hubspoke_vpc::world::Entity;

    let (entities, _) = store.load_world().await.unwrap();
    let mut prefixes: Vec<AddressPrefix> = entities
        .into_iter()
        .filter_map(|entity| if let Entity::AddressPrefix(prefix) = entity { Some(prefix) } else { None })
        .collect();
    prefixes.sort_by(|a, b| a.id.cmp(&b.id));
    let seen: Vec<(&str, &str, &str, String, &str, bool)> = prefixes
        .iter()
        .map(|p| (p.id.as_str(), p.vpc.as_str(), p.zone.as_str(), p.cidr.to_string(), p.name.as_str(), p.is_default))
        .collect();
    assert_eq!(
        seen,
        [
            ("r006-auto-prefix-1", "r006-auto", "us-south-1", "10.240.0.0/18".into(), "us-south-1-default", true),
            ("r006-auto-prefix-2", "r006-auto", "us-south-2", "10.240.64.0/18".into(), "us-south-2-default", true),
            ("r006-auto-prefix-3", "r006-auto", "us-south-3", "10.240.128.0/18".into(), "us-south-3-default", true),
            ("r006-subnet-prefix", "r006-manual", "us-south-2", "192.168.4.0/24".into(), "apps", false),
        ]
    );
    assert!(prefixes.iter().all(|p| p.account.as_str() == OWNER));
}

#[tokio::test]
async fn migrating_a_sqlite_database_gives_existing_vpcs_their_address_prefixes() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("hubspoke.db");
    let url = super::connection::sqlite_url(&path, "rwc");
    hold_vpcs_from_before_address_prefixes(&url, &super::connection::SQLITE_MIGRATIONS).await;
    assert_prefixes_after_migration(&SqlStore::open_sqlite(&path).await.unwrap()).await;
}

#[tokio::test]
async fn migrating_a_postgres_database_gives_existing_vpcs_their_address_prefixes() {
    let cluster = hubspoke_testdb::Cluster::start().unwrap();
    let url = cluster.create_database().await.unwrap();
    hold_vpcs_from_before_address_prefixes(&url, &super::connection::POSTGRES_MIGRATIONS).await;
    SqlStore::migrate_postgres(&url).await.unwrap();
    let store = SqlStore::connect_postgres(&url, &PoolSettings::default()).await.unwrap();
    assert_prefixes_after_migration(&store).await;
}

/// The rows of a VPC, a subnet and a gateway as a database at migration 0004 holds them.
async fn seed_before_0006(pool: &sqlx::AnyPool) {
    for statement in [
        "INSERT INTO vpcs (id, account, name, created_at, classic_access, address_prefix_management, enable_hub, \
         resolver_type, dns_endpoint, version) VALUES ('r006-old', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'old', 5, 0, \
         'auto', 0, 'system', '127.53.0.1', 1)",
        "INSERT INTO subnets (id, account, vpc_id, zone, cidr, name, created_at) VALUES ('r006-sn', \
         'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'r006-old', 'us-south-1', '10.240.0.0/24', 'sn', 6)",
        "INSERT INTO endpoint_gateways (id, account, vpc_id, name, target_type, target_value, mode, created_at, phase, \
         settles_at) VALUES ('r006-gw', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'r006-old', 'gw', \
         'provider_infrastructure_service', 'ibm-ntp-server', 'disabled', 7, 'pending', 7)",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(pool).await.unwrap();
    }
}

/// What migration 0006 must have made of [`seed_before_0006`]'s rows: the defaults a new VPC gets, under the ids its
/// representation already showed, existing subnets on the default ACL and gateways in the default security group.
async fn assert_defaults_after_0006(store: &SqlStore) {
    use hubspoke_vpc::model::{AclAction, Direction, Remote, RuleProtocol};
    use hubspoke_vpc::world::Entity;

    let (entities, _) = store.load_world().await.unwrap();
    let world = hubspoke_vpc::World::from_entities(entities.clone(), 0);
    let group = world.security_group("r006-old-sg").expect("the default security group");
    assert_eq!((group.vpc.as_str(), group.name.as_str()), ("r006-old", "old-default-sg"));
    assert_eq!(group.rules[0].remote, Remote::Group("r006-old-sg".into()));
    assert_eq!((group.rules[1].direction, group.rules[1].protocol), (Direction::Outbound, RuleProtocol::IcmpTcpUdp));
    let acl = world.network_acl("r006-old-acl").expect("the default network ACL");
    let rules: Vec<(&str, AclAction)> = acl.rules.iter().map(|r| (r.name.as_str(), r.action)).collect();
    assert_eq!(rules, [("allow-inbound", AclAction::Allow), ("allow-outbound", AclAction::Allow)]);
    assert!(world.routing_table("r006-old-rt").is_some());
    assert_eq!(world.subnet("r006-sn").unwrap().network_acl, "r006-old-acl");
    assert_eq!(world.gateway("r006-gw").unwrap().security_groups, ["r006-old-sg"]);
    // Rows written before migration 0008 belong to their account's default resource group.
    let default = hubspoke_vpc::model::default_resource_group_id(&world.vpc("r006-old").unwrap().account);
    let groups = [
        &world.vpc("r006-old").unwrap().resource_group,
        &world.subnet("r006-sn").unwrap().resource_group,
        &world.gateway("r006-gw").unwrap().resource_group,
        &group.resource_group,
        &acl.resource_group,
    ];
    assert!(groups.iter().all(|group| **group == default), "{groups:?}");
    // What the migration wrote is exactly what a new VPC gets.
    let vpc = world.vpc("r006-old").unwrap();
    let expected = [
        Entity::SecurityGroup(hubspoke_vpc::rules::security_group::default_group(vpc)),
        Entity::NetworkAcl(hubspoke_vpc::rules::network_acl::default_acl(vpc)),
    ];
    for entity in expected {
        assert!(entities.contains(&entity), "{entity:?}");
    }
}

/// Migration 0006 on SQLite, from a database that holds a VPC.
#[tokio::test]
async fn migrating_a_database_with_a_vpc_creates_its_defaults() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("hubspoke.db");
    {
        super::connection::install_drivers();
        let url = super::connection::sqlite_url(&path, "rwc");
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        super::connection::SQLITE_MIGRATIONS.run_to(4, &pool).await.unwrap();
        seed_before_0006(&pool).await;
        pool.close().await;
    }
    assert_defaults_after_0006(&SqlStore::open_sqlite(&path).await.unwrap()).await;
}

/// Migration 0006 on PostgreSQL, from a database that holds a VPC.
#[tokio::test]
async fn migrating_a_postgres_database_with_a_vpc_creates_its_defaults() {
    let cluster = hubspoke_testdb::Cluster::start().unwrap();
    let url = cluster.create_database().await.unwrap();
    {
        super::connection::install_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        super::connection::POSTGRES_MIGRATIONS.run_to(4, &pool).await.unwrap();
        seed_before_0006(&pool).await;
        pool.close().await;
    }
    SqlStore::migrate_postgres(&url).await.unwrap();
    let store = SqlStore::connect_postgres(&url, &PoolSettings::default()).await.unwrap();
    assert_defaults_after_0006(&store).await;
}

/// Two custom resolvers as a database at migration 0011 holds them, before forwarding rules existed.
async fn seed_resolvers_before_0012(pool: &sqlx::AnyPool) {
    for id in ["old-resolver-1", "old-resolver-2"] {
        sqlx::query(
            "INSERT INTO custom_resolvers (id, account, instance_id, name, description, enabled, created_at, modified_at) \
             VALUES ($1, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'instance', $1, NULL, 0, 9, 9)",
        )
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    }
}

/// What migration 0012 must have made of [`seed_resolvers_before_0012`]'s rows: the `essential` profile, and one
/// default forwarding rule each (rule F1) with an id of its own, as a new resolver gets.
async fn assert_default_rules_after_0012(store: &SqlStore) {
    use hubspoke_vpc::model::{ForwardingRuleKind, ResolverProfile};

    let (entities, _) = store.load_world().await.unwrap();
    let world = hubspoke_vpc::World::from_entities(entities, 0);
    let mut ids = std::collections::HashSet::new();
    for resolver in ["old-resolver-1", "old-resolver-2"] {
        assert_eq!(world.resolver(resolver).unwrap().profile, ResolverProfile::Essential);
        let rules = world.forwarding_rules_of(resolver);
        assert_eq!(rules.len(), 1, "{rules:?}");
        let rule = rules[0];
        assert_eq!((rule.kind, rule.matches.as_str()), (ForwardingRuleKind::Default, "*"));
        assert_eq!(rule.description, "default forwarding rule");
        let targets: Vec<String> = rule.forward_to.iter().map(ToString::to_string).collect();
        assert_eq!(targets, ["161.26.0.7", "161.26.0.8"]);
        assert_eq!(rule.id.len(), 36, "{}", rule.id);
        assert!(ids.insert(rule.id.clone()), "two default rules share the id `{}`", rule.id);
    }
    assert!(world.violations().is_empty(), "{:?}", world.violations());
}

/// Migration 0012 on SQLite, from a database that holds custom resolvers.
#[tokio::test]
async fn migrating_a_database_with_resolvers_gives_each_its_default_rule() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("hubspoke.db");
    {
        super::connection::install_drivers();
        let url = super::connection::sqlite_url(&path, "rwc");
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        super::connection::SQLITE_MIGRATIONS.run_to(11, &pool).await.unwrap();
        seed_resolvers_before_0012(&pool).await;
        pool.close().await;
    }
    assert_default_rules_after_0012(&SqlStore::open_sqlite(&path).await.unwrap()).await;
}

/// Migration 0012 on PostgreSQL, from a database that holds custom resolvers.
#[tokio::test]
async fn migrating_a_postgres_database_with_resolvers_gives_each_its_default_rule() {
    let cluster = hubspoke_testdb::Cluster::start().unwrap();
    let url = cluster.create_database().await.unwrap();
    {
        super::connection::install_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        super::connection::POSTGRES_MIGRATIONS.run_to(11, &pool).await.unwrap();
        seed_resolvers_before_0012(&pool).await;
        pool.close().await;
    }
    SqlStore::migrate_postgres(&url).await.unwrap();
    let store = SqlStore::connect_postgres(&url, &PoolSettings::default()).await.unwrap();
    assert_default_rules_after_0012(&store).await;
}

/// An account and its administrator's key as a database at migration 0012 holds them, with the operator's key.
async fn seed_account_before_0013(pool: &sqlx::AnyPool) {
    sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, 'old hub', 7)")
        .bind(OWNER)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO api_keys (digest, iam_id, account_id, operator, created_at) VALUES ('old-digest', $1, $2, 0, 7)",
    )
    .bind(format!("IBMid-admin-{OWNER}"))
    .bind(OWNER)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO api_keys (digest, iam_id, account_id, operator, created_at) \
         VALUES ('operator-digest', 'iam-hubspoke-operator', NULL, 1, 1)",
    )
    .execute(pool)
    .await
    .unwrap();
}

/// What migration 0013 must have made of [`seed_account_before_0013`]'s rows: the administrator is a user, and the
/// key still authenticates as the administrator, now an API key of that user with an id derived from the account.
async fn assert_administrator_after_0013(store: &SqlStore) {
    let account = AccountId::parse(OWNER).unwrap();
    let iam_id = format!("IBMid-admin-{OWNER}");
    let users = store.users(&account).await.unwrap();
    assert_eq!(users.len(), 1, "{users:?}");
    assert_eq!((users[0].iam_id.as_str(), users[0].administrator, users[0].added_on), (iam_id.as_str(), true, 7));
    assert_eq!(users[0].state, "ACTIVE");
    let key = store.api_key("old-digest").await.unwrap().unwrap();
    assert_eq!(
        (key.iam_id.as_str(), key.owner),
        (iam_id.as_str(), crate::KeyOwner::AccountAdministrator(account.clone()))
    );
    let keys = store.identity_keys(&account).await.unwrap();
    assert_eq!(keys.len(), 1, "the operator's key is no account's: {keys:?}");
    assert_eq!(keys[0].id, "ApiKey-aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa");
    assert_eq!((keys[0].created_by.as_str(), keys[0].locked, keys[0].version), (iam_id.as_str(), false, 1));
    assert_eq!(store.identity_key_by_digest("old-digest").await.unwrap().as_ref(), Some(&keys[0]));
    assert_eq!(store.api_key("operator-digest").await.unwrap().unwrap().owner, crate::KeyOwner::Operator);
}

/// Migration 0013 on SQLite, from a database with an account.
#[tokio::test]
async fn migrating_an_account_makes_its_administrator_a_user_whose_key_still_works() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("hubspoke.db");
    {
        super::connection::install_drivers();
        let url = super::connection::sqlite_url(&path, "rwc");
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        super::connection::SQLITE_MIGRATIONS.run_to(12, &pool).await.unwrap();
        seed_account_before_0013(&pool).await;
        pool.close().await;
    }
    assert_administrator_after_0013(&SqlStore::open_sqlite(&path).await.unwrap()).await;
}

/// Migration 0013 on PostgreSQL, from a database with an account.
#[tokio::test]
async fn migrating_a_postgres_account_makes_its_administrator_a_user_whose_key_still_works() {
    let cluster = hubspoke_testdb::Cluster::start().unwrap();
    let url = cluster.create_database().await.unwrap();
    {
        super::connection::install_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        super::connection::POSTGRES_MIGRATIONS.run_to(12, &pool).await.unwrap();
        seed_account_before_0013(&pool).await;
        pool.close().await;
    }
    SqlStore::migrate_postgres(&url).await.unwrap();
    let store = SqlStore::connect_postgres(&url, &PoolSettings::default()).await.unwrap();
    assert_administrator_after_0013(&store).await;
}
