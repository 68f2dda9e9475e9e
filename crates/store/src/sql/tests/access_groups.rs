//! Access groups on both databases: groups, members, rules and settings round-trip; versions guard updates; a
//! delete takes the group's members and rules along; another account's rows are never touched.

use hubspoke_iam::access_group::{
    AccessGroup, Condition, ConditionOperator, GroupSettings, Member, MemberKind, Rule, RuleDraft,
};

use super::*;
use crate::{AccessGroupWrite, EntityKind, JointWrite, PolicyWrite, ResetScope};

const OTHER: &str = "cccccccccccccccccccccccccccccccc";

on_both_databases!(
    access_groups_round_trip_and_deletes_cascade,
    joint_writes_land_whole_with_one_change_naming_their_policies
);

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

/// An access policy of the owner's account whose subject is `subject` (`access_group_id` or `iam_id`).
fn access_policy(id: &str, subject: (&str, &str), vpc: &str) -> Policy {
    let mut policy = policy(id, vpc, 10);
    policy.draft.subject = vec![hubspoke_iam::Attribute::equals(subject.0, subject.1)];
    policy
}

fn deleted(policy: &Policy) -> Policy {
    Policy { state: PolicyState::Deleted, version: policy.version + 1, ..policy.clone() }
}

/// A group deleted with its policies, and users invited with memberships and policies: one transaction each, all or
/// none, whose one change row names every policy written.
async fn joint_writes_land_whole_with_one_change_naming_their_policies(store: SqlStore) {
    let account = crate::AccountRecord { id: AccountId::parse(OWNER).unwrap(), name: "a".into(), created_at: 1 };
    let (administrator, admin_key) = super::administrator_of(&account);
    store.create_account(&account, &administrator, &admin_key, "d").await.unwrap();
    let owner = account.id.clone();
    let groups = [
        AccessGroupWrite::InsertGroup(group("AccessGroupId-1", OWNER, 1)),
        AccessGroupWrite::InsertGroup(group("AccessGroupId-2", OWNER, 1)),
    ];
    store.write_access_groups(&owner, &groups, 2).await.unwrap();
    let first = access_policy("g1-a", ("access_group_id", "AccessGroupId-1"), "v1");
    let second = access_policy("g1-b", ("access_group_id", "AccessGroupId-1"), "v2");
    let other = access_policy("g2-a", ("access_group_id", "AccessGroupId-2"), "v1");
    for policy in [&first, &second, &other] {
        store.insert_policy(policy, &[]).await.unwrap();
    }

    // Deleting a group without a policy that names it is refused as stale, and nothing changes.
    let partial = JointWrite {
        groups: vec![AccessGroupWrite::DeleteGroup("AccessGroupId-1".into())],
        policies: vec![PolicyWrite::Replace(deleted(&first))],
        ..JointWrite::default()
    };
    let before = store.revision().await.unwrap();
    assert!(matches!(store.write_access_groups_with(&owner, &partial, 3).await, Err(StoreError::Stale { .. })));
    assert_eq!(store.revision().await.unwrap(), before);
    assert_eq!(store.access_groups(&owner).await.unwrap().groups.len(), 2);
    assert_eq!(store.policy("g1-a").await.unwrap().unwrap().state, PolicyState::Active);

    // With every policy that names it, the group and its policies go in one change.
    let whole = JointWrite {
        groups: vec![AccessGroupWrite::DeleteGroup("AccessGroupId-1".into())],
        policies: vec![PolicyWrite::Replace(deleted(&first)), PolicyWrite::Replace(deleted(&second))],
        ..JointWrite::default()
    };
    let revision = store.write_access_groups_with(&owner, &whole, 3).await.unwrap();
    let changes = store.changes_since(before, 10).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].revision, changes[0].entity), (revision, EntityKind::Policy));
    assert_eq!(changes[0].entity_id, "g1-a\ng1-b");
    assert_eq!(store.policy("g1-b").await.unwrap().unwrap(), deleted(&second));
    assert_eq!(store.policy("g2-a").await.unwrap().unwrap().state, PolicyState::Active);
    assert_eq!(store.access_groups(&owner).await.unwrap().groups, vec![group("AccessGroupId-2", OWNER, 1)]);
    // A replaced policy must be at the version before: a second delete is stale.
    let again = JointWrite { policies: vec![PolicyWrite::Replace(deleted(&first))], ..JointWrite::default() };
    assert!(matches!(store.write_access_groups_with(&owner, &again, 4).await, Err(StoreError::Stale { .. })));

    // An invitation: the user, its membership and its policy together.
    let user = UserRecord {
        account: owner.clone(),
        iam_id: "IBMid-INVITED001".into(),
        email: "invited@example.com".into(),
        firstname: "invited".into(),
        lastname: String::new(),
        state: "ACTIVE".into(),
        administrator: false,
        added_on: 4,
    };
    let granted = access_policy("u-a", ("iam_id", "IBMid-INVITED001"), "v3");
    let invitation = JointWrite {
        users: vec![user.clone()],
        groups: vec![AccessGroupWrite::InsertMember {
            group_id: "AccessGroupId-2".into(),
            member: member("IBMid-INVITED001"),
        }],
        policies: vec![PolicyWrite::Insert(granted.clone())],
        events: Vec::new(),
    };
    let revision = store.write_access_groups_with(&owner, &invitation, 4).await.unwrap();
    let changes = store.changes_since(revision - 1, 10).await.unwrap();
    assert_eq!((changes.len(), changes[0].entity, changes[0].entity_id.as_str()), (1, EntityKind::Policy, "u-a"));
    assert!(store.users(&owner).await.unwrap().contains(&user));
    assert_eq!(store.access_groups(&owner).await.unwrap().groups_of("IBMid-INVITED001"), ["AccessGroupId-2"]);
    assert_eq!(store.policy("u-a").await.unwrap(), Some(granted));

    // Without policies, the change is the groups' (or, with users alone, the identities').
    let member_only = JointWrite {
        groups: vec![AccessGroupWrite::InsertMember { group_id: "AccessGroupId-2".into(), member: member("IBMid-y") }],
        ..JointWrite::default()
    };
    let revision = store.write_access_groups_with(&owner, &member_only, 5).await.unwrap();
    let changes = store.changes_since(revision - 1, 10).await.unwrap();
    assert_eq!((changes[0].entity, changes[0].entity_id.as_str()), (EntityKind::AccessGroup, "AccessGroupId-2"));
}
