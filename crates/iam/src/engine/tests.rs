//! Decision tests: a table of scenarios and property tests of the invariants.

use proptest::prelude::*;

use super::*;
use crate::account::AccountId;
use crate::attribute::{Attribute, AttributeValue, Operator};
use crate::policy::{PolicyDraft, Timestamp};

const HUB_ACCOUNT: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SPOKE_ACCOUNT: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const DNS_ROLE: &str = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector";
const VIEWER: &str = "crn:v1:bluemix:public:iam::::role:Viewer";
const CONNECT: &str = "is.vpc.dns-resolution-binding.connect";

fn policy(id: &str, owner: &str, subject: Vec<Attribute>, resource: Vec<Attribute>, role: &str) -> Policy {
    let mut resource_with_account = vec![Attribute::equals("accountId", owner)];
    resource_with_account.extend(resource);
    Policy {
        id: id.into(),
        draft: PolicyDraft {
            owner: AccountId::parse(owner).unwrap(),
            description: None,
            subject,
            resource: resource_with_account,
            roles: vec![role.into()],
        },
        state: PolicyState::Active,
        version: 1,
        created_at: Timestamp(0),
        created_by_id: "creator".into(),
        last_modified_at: Timestamp(0),
        last_modified_by_id: "creator".into(),
    }
}

fn spoke_subject(extra: &[(&str, &str)]) -> Vec<Attribute> {
    let mut attributes = vec![
        Attribute::equals("accountId", SPOKE_ACCOUNT),
        Attribute::equals("serviceName", "is"),
        Attribute::equals("resourceType", "vpc"),
    ];
    attributes.extend(extra.iter().map(|(k, v)| Attribute::equals(k, v)));
    attributes
}

fn connect(spoke_vpc: &str, hub_vpc: &str) -> AccessRequest {
    AccessRequest {
        subject: RequestAttributes::new([
            ("accountId", SPOKE_ACCOUNT),
            ("serviceName", "is"),
            ("resourceType", "vpc"),
            ("resource", spoke_vpc),
        ]),
        action: CONNECT.into(),
        resource: RequestAttributes::new([
            ("accountId", HUB_ACCOUNT),
            ("serviceName", "is"),
            ("resourceType", "vpc"),
            ("vpcId", hub_vpc),
        ]),
    }
}

/// (name, policies, request, expected: Ok(granting ids) or Err(fragment of the explanation)).
type Case = (&'static str, Vec<Policy>, AccessRequest, Result<Vec<&'static str>, &'static str>);

fn cases() -> Vec<Case> {
    let hub = |extra: &[(&str, &str)]| -> Vec<Attribute> {
        let mut attributes = vec![Attribute::equals("serviceName", "is")];
        attributes.extend(extra.iter().map(|(k, v)| Attribute::equals(k, v)));
        attributes
    };
    vec![
        (
            "specific spoke, specific hub",
            vec![policy(
                "p1",
                HUB_ACCOUNT,
                spoke_subject(&[("resource", "spoke-1")]),
                hub(&[("vpcId", "hub-1")]),
                DNS_ROLE,
            )],
            connect("spoke-1", "hub-1"),
            Ok(vec!["p1"]),
        ),
        (
            "specific policy does not cover another spoke",
            vec![policy(
                "p1",
                HUB_ACCOUNT,
                spoke_subject(&[("resource", "spoke-1")]),
                hub(&[("vpcId", "hub-1")]),
                DNS_ROLE,
            )],
            connect("spoke-2", "hub-1"),
            Err("subject `resource` is `spoke-2` but the policy requires resource stringEquals `spoke-1`"),
        ),
        (
            "all vpc instances: no resource attribute on the subject",
            vec![policy("p1", HUB_ACCOUNT, spoke_subject(&[]), hub(&[("vpcId", "hub-1")]), DNS_ROLE)],
            connect("spoke-9", "hub-1"),
            Ok(vec!["p1"]),
        ),
        (
            "resource type form covers every hub vpc",
            vec![policy("p1", HUB_ACCOUNT, spoke_subject(&[]), hub(&[("resourceType", "vpc")]), DNS_ROLE)],
            connect("spoke-1", "hub-7"),
            Ok(vec!["p1"]),
        ),
        (
            "other hub",
            vec![policy("p1", HUB_ACCOUNT, spoke_subject(&[]), hub(&[("vpcId", "hub-1")]), DNS_ROLE)],
            connect("spoke-1", "hub-2"),
            Err("resource `vpcId` is `hub-2` but the policy requires vpcId stringEquals `hub-1`"),
        ),
        (
            "viewer does not grant connect",
            vec![policy("p1", HUB_ACCOUNT, spoke_subject(&[]), hub(&[("vpcId", "hub-1")]), VIEWER)],
            connect("spoke-1", "hub-1"),
            Err(
                "no role of the policy (crn:v1:bluemix:public:iam::::role:Viewer) grants `is.vpc.dns-resolution-binding.connect`",
            ),
        ),
        (
            "no policies at all",
            vec![],
            connect("spoke-1", "hub-1"),
            Err(
                "account `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa` has no active authorization policy for subjects in account `bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb`",
            ),
        ),
        (
            "a policy for another subject account is reported as the nearest",
            vec![policy(
                "p1",
                HUB_ACCOUNT,
                vec![
                    Attribute::equals("accountId", "cccccccccccccccccccccccccccccccc"),
                    Attribute::equals("serviceName", "is"),
                ],
                hub(&[]),
                DNS_ROLE,
            )],
            connect("spoke-1", "hub-1"),
            Err(
                "policy `p1`: subject `accountId` is `bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb` but the policy requires accountId stringEquals `cccccccccccccccccccccccccccccccc`",
            ),
        ),
        (
            "glob on the hub id",
            vec![policy(
                "p1",
                HUB_ACCOUNT,
                spoke_subject(&[]),
                vec![
                    Attribute::equals("serviceName", "is"),
                    Attribute {
                        key: "vpcId".into(),
                        operator: Operator::StringMatch,
                        value: AttributeValue::Text("hub-*".into()),
                    },
                ],
                DNS_ROLE,
            )],
            connect("spoke-1", "hub-42"),
            Ok(vec!["p1"]),
        ),
        (
            "stringExists false forbids the attribute",
            vec![policy(
                "p1",
                HUB_ACCOUNT,
                vec![
                    Attribute::equals("accountId", SPOKE_ACCOUNT),
                    Attribute::equals("serviceName", "is"),
                    Attribute {
                        key: "resource".into(),
                        operator: Operator::StringExists,
                        value: AttributeValue::Flag(false),
                    },
                ],
                hub(&[]),
                DNS_ROLE,
            )],
            connect("spoke-1", "hub-1"),
            Err("subject `resource` is `spoke-1` but the policy requires resource stringExists false"),
        ),
        (
            "two granting policies are both named",
            vec![
                policy("p1", HUB_ACCOUNT, spoke_subject(&[]), hub(&[]), DNS_ROLE),
                policy("p2", HUB_ACCOUNT, spoke_subject(&[("resource", "spoke-1")]), hub(&[]), DNS_ROLE),
            ],
            connect("spoke-1", "hub-1"),
            Ok(vec!["p1", "p2"]),
        ),
        (
            "a policy written by the spoke account grants nothing on the hub",
            vec![policy("p1", SPOKE_ACCOUNT, spoke_subject(&[]), hub(&[]), DNS_ROLE)],
            connect("spoke-1", "hub-1"),
            Err("has no active authorization policy"),
        ),
    ]
}

#[test]
fn decision_table() {
    for (name, policies, request, expected) in cases() {
        let index = PolicyIndex::build(&policies, 7, &RoleCatalog);
        let decision = index.decide(&request);
        assert_eq!(decision.revision, 7);
        let explanation = decision.explain(&request);
        match expected {
            Ok(ids) => {
                assert!(decision.permitted, "{name}: {explanation}");
                assert_eq!(decision.granted_by, ids, "{name}");
                assert!(explanation.contains("is permitted by authorization policy"), "{name}: {explanation}");
            }
            Err(fragment) => {
                assert!(!decision.permitted, "{name}");
                assert!(explanation.contains(fragment), "{name}: expected `{fragment}` in `{explanation}`");
            }
        }
    }
}

#[test]
fn deleted_and_replaced_policies_leave_the_index() {
    let mut granting =
        policy("p1", HUB_ACCOUNT, spoke_subject(&[]), vec![Attribute::equals("serviceName", "is")], DNS_ROLE);
    let mut index = PolicyIndex::build([&granting], 1, &RoleCatalog);
    assert!(index.decide(&connect("s", "h")).permitted);
    granting.draft.roles = vec![VIEWER.into()];
    index.apply(&granting, &RoleCatalog);
    assert_eq!(index.len(), 1);
    assert!(!index.decide(&connect("s", "h")).permitted);
    granting.state = PolicyState::Deleted;
    index.apply(&granting, &RoleCatalog);
    assert!(index.is_empty());
}

#[test]
fn access_policies_stay_out_of_authorization_decisions() {
    let authorization =
        policy("p1", HUB_ACCOUNT, spoke_subject(&[]), vec![Attribute::equals("serviceName", "is")], DNS_ROLE);
    let mut access = policy(
        "a1",
        HUB_ACCOUNT,
        vec![Attribute::equals("iam_id", "IBMid-550002G2B4")],
        vec![Attribute::equals("serviceName", "is")],
        DNS_ROLE,
    );
    let mut index = PolicyIndex::build([&access], 1, &RoleCatalog);
    assert!(index.is_empty(), "an access policy is no authorization");
    assert!(!index.decide(&connect("s", "h")).permitted);
    assert_eq!(index.access_policies(HUB_ACCOUNT).map(|p| p.id.as_str()).collect::<Vec<_>>(), ["a1"]);
    assert_eq!(index.access_policies(SPOKE_ACCOUNT).count(), 0);
    index.apply(&authorization, &RoleCatalog);
    assert_eq!(index.len(), 1);
    assert_eq!(index.decide(&connect("s", "h")).granted_by, ["p1"]);
    access.state = PolicyState::Deleted;
    index.apply(&access, &RoleCatalog);
    assert_eq!(index.access_policies(HUB_ACCOUNT).count(), 0);
    assert_eq!(index.len(), 1);
}

/// A build large enough to be spread over the cores decides as following the same changes one by one does: later
/// states of an id replace earlier ones, deleted policies and access policies stay out, every bucket is complete.
#[test]
fn a_build_spread_over_cores_equals_following_the_changes() {
    let accounts = [HUB_ACCOUNT, "cccccccccccccccccccccccccccccccc", "dddddddddddddddddddddddddddddddd"];
    // Spoke `i` lives in one of 50 accounts, so that the buckets stay small enough to follow change by change.
    let spoke = |i: usize| format!("spoke-{}", i % 5_000);
    let spoke_account = |i: usize| format!("{:032x}", i % 50);
    let mut changes = Vec::new();
    for i in 0..PARALLEL_FROM + 4_000 {
        let owner = accounts[i % accounts.len()];
        let mut subject = spoke_subject(&[("resource", &spoke(i))]);
        subject[0] = Attribute::equals("accountId", &spoke_account(i));
        changes.push(policy(&format!("p{i}"), owner, subject, vec![Attribute::equals("serviceName", "is")], DNS_ROLE));
    }
    // Every seventh policy later loses its grant, every eleventh is deleted, and one is an access policy.
    for i in (0..changes.len()).step_by(7) {
        let mut replaced = changes[i].clone();
        replaced.draft.roles = vec![VIEWER.into()];
        changes.push(replaced);
    }
    for i in (0..changes.len()).step_by(11) {
        let mut deleted = changes[i].clone();
        deleted.state = PolicyState::Deleted;
        changes.push(deleted);
    }
    changes.push(policy("a1", HUB_ACCOUNT, vec![Attribute::equals("iam_id", "IBMid-1")], vec![], DNS_ROLE));

    let built = PolicyIndex::build(&changes, 3, &RoleCatalog);
    let mut followed = PolicyIndex::default();
    for change in &changes {
        followed.apply(change, &RoleCatalog);
    }
    assert_eq!(built.len(), followed.len());
    assert!(built.len() > PARALLEL_FROM / 2, "{} policies indexed", built.len());
    assert_eq!(built.access_policies(HUB_ACCOUNT).count(), 1);
    let granted = |index: &PolicyIndex, request: &AccessRequest| {
        let mut ids = index.decide(request).granted_by;
        ids.sort();
        ids
    };
    for i in (0..5_000).step_by(97) {
        let mut request = connect(&spoke(i), "hub-1");
        request.subject.set("accountId".into(), spoke_account(i));
        for owner in accounts {
            request.resource.set("accountId".into(), owner.into());
            assert_eq!(granted(&built, &request), granted(&followed, &request), "spoke {i}, owner {owner}");
        }
    }
    let permitted = (0..5_000)
        .filter(|i| {
            let mut request = connect(&spoke(*i), "hub-1");
            request.subject.set("accountId".into(), spoke_account(*i));
            built.decide(&request).permitted
        })
        .count();
    assert!(permitted > 0 && permitted < 5_000, "{permitted} spokes permitted");
}

#[test]
fn an_older_snapshot_is_not_affected_by_later_changes() {
    let granting =
        policy("p1", HUB_ACCOUNT, spoke_subject(&[]), vec![Attribute::equals("serviceName", "is")], DNS_ROLE);
    let before = PolicyIndex::build([&granting], 1, &RoleCatalog);
    let mut after = before.clone();
    after.remove("p1");
    assert!(before.decide(&connect("s", "h")).permitted);
    assert!(!after.decide(&connect("s", "h")).permitted);
}

fn account() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        HUB_ACCOUNT,
        SPOKE_ACCOUNT,
        "cccccccccccccccccccccccccccccccc",
        "dddddddddddddddddddddddddddddddd",
    ])
    .prop_map(str::to_owned)
}

fn small_value() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["v1", "v2", "v3"]).prop_map(str::to_owned)
}

prop_compose! {
    fn arbitrary_policy(id: usize)(
        owner in account(),
        subject_account in account(),
        resource_value in prop::option::of(small_value()),
        vpc in prop::option::of(small_value()),
        glob in any::<bool>(),
        role in prop::sample::select(vec![DNS_ROLE, VIEWER]),
    ) -> Policy {
        let mut subject = vec![Attribute::equals("accountId", &subject_account), Attribute::equals("serviceName", "is")];
        if let Some(value) = resource_value {
            subject.push(Attribute::equals("resource", &value));
        }
        let mut resource = vec![Attribute::equals("serviceName", "is")];
        if let Some(vpc) = vpc {
            let operator = if glob { Operator::StringMatch } else { Operator::StringEquals };
            let value = if glob { format!("{}*", &vpc[..1]) } else { vpc };
            resource.push(Attribute { key: "vpcId".into(), operator, value: AttributeValue::Text(value) });
        }
        policy(&format!("p{id}"), &owner, subject, resource, role)
    }
}

prop_compose! {
    fn arbitrary_request()(subject_account in account(), owner in account(), resource in small_value(), vpc in small_value()) -> AccessRequest {
        AccessRequest {
            subject: RequestAttributes::new([("accountId", subject_account.as_str()), ("serviceName", "is"), ("resource", resource.as_str())]),
            action: CONNECT.into(),
            resource: RequestAttributes::new([("accountId", owner.as_str()), ("serviceName", "is"), ("vpcId", vpc.as_str())]),
        }
    }
}

fn policies() -> impl Strategy<Value = Vec<Policy>> {
    (0usize..12).prop_flat_map(|n| (0..n).map(arbitrary_policy).collect::<Vec<_>>())
}

proptest! {
    #[test]
    fn a_policy_in_an_unrelated_account_never_changes_a_decision(
        existing in policies(),
        request in arbitrary_request(),
        extra in arbitrary_policy(1000),
    ) {
        let owner = request.resource.get("accountId").unwrap();
        // The extra policy is unrelated when it is owned by another account than the request's target.
        prop_assume!(extra.draft.owner.as_str() != owner);
        let before = PolicyIndex::build(&existing, 1, &RoleCatalog).decide(&request);
        let mut with_extra = existing.clone();
        with_extra.push(extra);
        let after = PolicyIndex::build(&with_extra, 1, &RoleCatalog).decide(&request);
        prop_assert_eq!(before.permitted, after.permitted);
        prop_assert_eq!(before.granted_by, after.granted_by);
    }

    #[test]
    fn deleting_the_granting_policies_turns_permit_into_deny(
        mut existing in policies(),
        request in arbitrary_request(),
        position in any::<prop::sample::Index>(),
    ) {
        // Make sure at least one policy grants the request, wherever it stands among the others.
        let owner = request.resource.get("accountId").unwrap();
        let subject = vec![
            Attribute::equals("accountId", request.subject.get("accountId").unwrap()),
            Attribute::equals("serviceName", "is"),
        ];
        let granting = policy("granting", owner, subject, vec![Attribute::equals("serviceName", "is")], DNS_ROLE);
        existing.insert(position.index(existing.len() + 1), granting);
        let mut index = PolicyIndex::build(&existing, 1, &RoleCatalog);
        let decision = index.decide(&request);
        prop_assert!(decision.permitted);
        for id in &decision.granted_by {
            let mut deleted = existing.iter().find(|p| &p.id == id).unwrap().clone();
            deleted.state = PolicyState::Deleted;
            index.apply(&deleted, &RoleCatalog);
        }
        let after = index.decide(&request);
        prop_assert!(!after.permitted);
        prop_assert!(after.granted_by.is_empty());
    }

    #[test]
    fn the_index_agrees_with_a_naive_scan(existing in policies(), request in arbitrary_request()) {
        let decision = PolicyIndex::build(&existing, 1, &RoleCatalog).decide(&request);
        let mut naive: Vec<String> = existing
            .iter()
            .filter(|p| {
                p.draft.subject.iter().all(|a| a.matches(request.subject.get(&a.key)))
                    && p.draft.resource.iter().all(|a| a.matches(request.resource.get(&a.key)))
                    && p.draft.roles.iter().any(|r| r == DNS_ROLE)
            })
            .map(|p| p.id.clone())
            .collect();
        // Granting policies are named by id.
        naive.sort();
        prop_assert_eq!(decision.granted_by, naive);
    }
}

#[test]
fn a_policy_grants_only_once_its_change_has_propagated() {
    let mut granting =
        policy("p1", HUB_ACCOUNT, spoke_subject(&[]), vec![Attribute::equals("serviceName", "is")], DNS_ROLE);
    granting.last_modified_at = Timestamp(1_000);
    let index = PolicyIndex::build([&granting], 1, &RoleCatalog);
    // (policies that have propagated by, permitted, propagating)
    for (by, permitted, propagating) in
        [(None, true, 0), (Some(999), false, 1), (Some(1_000), true, 0), (Some(5_000), true, 0)]
    {
        let decision = index.decide_as_of(&connect("s", "h"), by.map(Timestamp));
        assert_eq!((decision.permitted, decision.propagating.len()), (permitted, propagating), "{by:?}");
        if propagating > 0 {
            assert_eq!(decision.propagating[0], ("p1".to_owned(), Timestamp(1_000)));
            assert!(decision.explain(&connect("s", "h")).contains("once its change has propagated"));
        }
    }
}
