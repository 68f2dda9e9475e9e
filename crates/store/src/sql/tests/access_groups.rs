//! Access groups on both databases: groups, members, rules and settings round-trip; versions guard updates; a
//! delete takes the group's members and rules along; another account's rows are never touched.

use hubspoke_iam::access_group::{
    AccessGroup, Condition, ConditionOperator, GroupSettings, Member, MemberKind, Rule, RuleDraft,
};

use super::*;
use crate::{AccessGroupWrite, EntityKind, ResetScope};

const OTHER: &str = "cccccccccccccccccccccccccccccccc";

on_both_databases!(access_groups_round_trip_and_deletes_cascade);

fn group(id: &str, account: &str, version: u32) -> AccessGroup {
    AccessGroup {
        id: id.into(),
        account: AccountId::parse(account).unwrap(),
        name: format!("name of {id}"),
        description: String::new(),
        created_at: 1,
        created_by_id: "IBMid-a".into(),
        last_modified_at: version.into(),
        last_modified_by_id: "IBMid-a".into(),
        version,
    }
}

fn member(iam_id: &str) -> Member {
    Member { iam_id: iam_id.into(), kind: MemberKind::User, created_at: 2, created_by_id: "IBMid-a".into() }
}

fn rule(id: &str, group_id: &str, version: u32, value: &str) -> Rule {
    Rule {
        id: id.into(),
        group_id: group_id.into(),
        account: AccountId::parse(OWNER).unwrap(),
        draft: RuleDraft {
            name: "r".into(),
            expiration: 12,
            realm_name: "https://idp.example.com".into(),
            conditions: vec![
                Condition { claim: "blueGroups".into(), operator: ConditionOperator::Equals, value: value.into() },
                Condition { claim: "dept".into(), operator: ConditionOperator::In, value: "[\"a\"]".into() },
            ],
        },
        created_at: 3,
        created_by_id: "IBMid-a".into(),
        last_modified_at: 3,
        last_modified_by_id: "IBMid-a".into(),
        version,
    }
}

async fn access_groups_round_trip_and_deletes_cascade(store: SqlStore) {
    let owner = AccountId::parse(OWNER).unwrap();
    let other = AccountId::parse(OTHER).unwrap();
    let writes = [
        AccessGroupWrite::InsertGroup(group("AccessGroupId-1", OWNER, 1)),
        AccessGroupWrite::InsertGroup(group("AccessGroupId-2", OWNER, 1)),
        AccessGroupWrite::InsertMember { group_id: "AccessGroupId-1".into(), member: member("IBMid-x") },
        AccessGroupWrite::InsertMember { group_id: "AccessGroupId-2".into(), member: member("IBMid-x") },
        AccessGroupWrite::InsertRule(rule("ClaimRule-1", "AccessGroupId-1", 1, "admins")),
        AccessGroupWrite::PutSettings(GroupSettings {
            account: owner.clone(),
            public_access_enabled: false,
            last_modified_at: 4,
            last_modified_by_id: "IBMid-a".into(),
        }),
    ];
    let revision = store.write_access_groups(&owner, &writes, 5).await.unwrap();
    let changes = store.changes_since(revision - 1, 10).await.unwrap();
    assert_eq!((changes[0].entity, changes[0].entity_id.as_str()), (EntityKind::AccessGroup, "AccessGroupId-1"));
    store
        .write_access_groups(&other, &[AccessGroupWrite::InsertGroup(group("AccessGroupId-3", OTHER, 1))], 5)
        .await
        .unwrap();

    let set = store.access_groups(&owner).await.unwrap();
    assert_eq!(set.groups, vec![group("AccessGroupId-1", OWNER, 1), group("AccessGroupId-2", OWNER, 1)]);
    assert_eq!(set.groups_of("IBMid-x"), ["AccessGroupId-1", "AccessGroupId-2"]);
    assert_eq!(set.rules, vec![rule("ClaimRule-1", "AccessGroupId-1", 1, "admins")]);
    assert_eq!(set.settings.as_ref().map(|s| s.public_access_enabled), Some(false));

    // An update must be based on the stored version; a stale one changes nothing.
    let stale = [AccessGroupWrite::UpdateGroup(group("AccessGroupId-1", OWNER, 3))];
    assert!(matches!(store.write_access_groups(&owner, &stale, 6).await, Err(StoreError::Stale { current: 1, .. })));
    let updates = [
        AccessGroupWrite::UpdateGroup(group("AccessGroupId-1", OWNER, 2)),
        AccessGroupWrite::UpdateRule(rule("ClaimRule-1", "AccessGroupId-1", 2, "editors")),
    ];
    store.write_access_groups(&owner, &updates, 6).await.unwrap();
    let set = store.access_groups(&owner).await.unwrap();
    assert_eq!(set.groups[0].version, 2);
    assert_eq!(set.rules[0].draft.conditions[0].value, "editors");
    assert_eq!(set.rules[0].draft.conditions.len(), 2);

    // Another account's write cannot reach this account's group.
    let foreign = [AccessGroupWrite::DeleteGroup("AccessGroupId-1".into())];
    assert!(matches!(store.write_access_groups(&other, &foreign, 7).await, Err(StoreError::NotFound(_))));

    store.write_access_groups(&owner, &[AccessGroupWrite::DeleteGroup("AccessGroupId-1".into())], 7).await.unwrap();
    let set = store.access_groups(&owner).await.unwrap();
    assert_eq!(set.groups.len(), 1);
    assert_eq!(set.groups_of("IBMid-x"), ["AccessGroupId-2"]);
    assert!(set.rules.is_empty());

    store.reset(&ResetScope::Account(owner.clone()), 8).await.unwrap();
    let set = store.access_groups(&owner).await.unwrap();
    assert!(set.groups.is_empty() && set.members.is_empty() && set.settings.is_none());
    assert_eq!(store.access_groups(&other).await.unwrap().groups.len(), 1);
}
