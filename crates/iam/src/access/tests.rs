//! Access evaluation tests: a table of scenarios and property tests of its invariants.

use proptest::prelude::*;

use super::*;
use crate::account::AccountId;
use crate::custom_role::CustomRoleContent;
use crate::policy::{PolicyDraft, Timestamp};

const ACCOUNT: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const OTHER: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const USER: &str = "IBMid-550002G2B4";
const GROUP: &str = "AccessGroupId-11111111-2222-3333-4444-555555555555";
const VIEWER: &str = "crn:v1:bluemix:public:iam::::role:Viewer";
const EDITOR: &str = "crn:v1:bluemix:public:iam::::role:Editor";
const ADMINISTRATOR: &str = "crn:v1:bluemix:public:iam::::role:Administrator";
const MANAGER: &str = "crn:v1:bluemix:public:iam::::serviceRole:Manager";
const CONNECTOR: &str = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector";

pub(super) fn policy(id: &str, subject: (&str, &str), resource: &[(&str, &str)], roles: &[&str]) -> Policy {
    let mut attributes = vec![Attribute::equals("accountId", ACCOUNT)];
    attributes.extend(resource.iter().map(|(key, value)| Attribute::equals(key, value)));
    Policy {
        id: id.into(),
        draft: PolicyDraft {
            owner: AccountId::parse(ACCOUNT).unwrap(),
            description: None,
            subject: vec![Attribute::equals(subject.0, subject.1)],
            resource: attributes,
            roles: roles.iter().map(|role| role.to_string()).collect(),
        },
        state: PolicyState::Active,
        version: 1,
        created_at: Timestamp(0),
        created_by_id: "creator".into(),
        last_modified_at: Timestamp(0),
        last_modified_by_id: "creator".into(),
    }
}

fn query(groups: &[&str], action: &str, resource: &[(&str, &str)]) -> AccessQuery {
    let mut attributes = vec![("accountId", ACCOUNT)];
    attributes.extend_from_slice(resource);
    AccessQuery {
        subject: AccessSubject { iam_id: USER.into(), access_groups: groups.iter().map(|g| g.to_string()).collect() },
        action: action.into(),
        resource: RequestAttributes::new(attributes),
    }
}

fn vpc(id: &str) -> Vec<(&'static str, String)> {
    vec![("serviceName", "is".into()), ("vpcId", id.into()), ("resourceGroupId", "rg1".into())]
}

fn custom_role() -> CustomRole {
    CustomRole {
        id: "c1".into(),
        name: "VpcLister".into(),
        account_id: AccountId::parse(ACCOUNT).unwrap(),
        service_name: "is".into(),
        content: CustomRoleContent {
            display_name: "VPC lister".into(),
            description: None,
            actions: vec!["is.vpc.vpc.list".into()],
        },
        version: 1,
        created_at: Timestamp(0),
        created_by_id: "creator".into(),
        last_modified_at: Timestamp(0),
        last_modified_by_id: "creator".into(),
    }
}

/// (policy, the caller's groups, action, resource attributes, granted).
type Case<'a> = (Policy, &'a [&'a str], &'a str, &'a [(&'a str, &'a str)], bool);

#[test]
fn evaluation_table() {
    let custom = custom_role().crn();
    let r006: Vec<(&str, String)> = vpc("r006-1");
    let r006: Vec<(&str, &str)> = r006.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let identity = [("serviceName", "iam-identity")];
    let cases: Vec<Case> = vec![
        // A VPC viewer reads that VPC, not another one, and cannot change it.
        (
            policy("p", ("iam_id", USER), &[("serviceName", "is"), ("vpcId", "r006-1")], &[VIEWER]),
            &[],
            "is.vpc.vpc.read",
            &r006,
            true,
        ),
        (
            policy("p", ("iam_id", USER), &[("serviceName", "is"), ("vpcId", "r006-2")], &[VIEWER]),
            &[],
            "is.vpc.vpc.read",
            &r006,
            false,
        ),
        (policy("p", ("iam_id", USER), &[("serviceName", "is")], &[VIEWER]), &[], "is.vpc.vpc.update", &r006, false),
        (policy("p", ("iam_id", USER), &[("serviceName", "is")], &[EDITOR]), &[], "is.vpc.vpc.update", &r006, true),
        // Another identity's policy grants nothing.
        (
            policy("p", ("iam_id", "IBMid-OTHER"), &[("serviceName", "is")], &[EDITOR]),
            &[],
            "is.vpc.vpc.read",
            &r006,
            false,
        ),
        // Members inherit their groups' access.
        (
            policy("p", ("access_group_id", GROUP), &[("serviceName", "is")], &[VIEWER]),
            &[GROUP],
            "is.vpc.vpc.read",
            &r006,
            true,
        ),
        (
            policy("p", ("access_group_id", GROUP), &[("serviceName", "is")], &[VIEWER]),
            &[],
            "is.vpc.vpc.read",
            &r006,
            false,
        ),
        // A VPC policy does not reach a subnet, which carries no `vpcId` of its own here.
        (
            policy("p", ("iam_id", USER), &[("serviceName", "is"), ("vpcId", "r006-1")], &[EDITOR]),
            &[],
            "is.subnet.subnet.read",
            &[("serviceName", "is"), ("subnetId", "s1")],
            false,
        ),
        // `is.vpc` limits an `is` policy to the VPC sub-service.
        (policy("p", ("iam_id", USER), &[("serviceName", "is.vpc")], &[EDITOR]), &[], "is.vpc.vpc.delete", &r006, true),
        (
            policy("p", ("iam_id", USER), &[("serviceName", "is.vpc")], &[EDITOR]),
            &[],
            "is.subnet.subnet.read",
            &[("serviceName", "is")],
            false,
        ),
        // Resource groups: the resource's group must match.
        (policy("p", ("iam_id", USER), &[("resourceGroupId", "rg1")], &[VIEWER]), &[], "is.vpc.vpc.read", &r006, true),
        (policy("p", ("iam_id", USER), &[("resourceGroupId", "rg2")], &[VIEWER]), &[], "is.vpc.vpc.read", &r006, false),
        // Account management has no resource groups: a group policy does not reach it.
        (
            policy("p", ("iam_id", USER), &[("resourceGroupId", "rg1")], &[ADMINISTRATOR]),
            &[],
            "iam-identity.serviceid.get",
            &identity,
            false,
        ),
        // `serviceType=service` excludes account management, `platform_service` is exactly it.
        (policy("p", ("iam_id", USER), &[("serviceType", "service")], &[VIEWER]), &[], "is.vpc.vpc.list", &r006, true),
        (
            policy("p", ("iam_id", USER), &[("serviceType", "service")], &[ADMINISTRATOR]),
            &[],
            "iam-identity.serviceid.get",
            &identity,
            false,
        ),
        (
            policy("p", ("iam_id", USER), &[("serviceType", "platform_service")], &[ADMINISTRATOR]),
            &[],
            "iam-identity.serviceid.get",
            &identity,
            true,
        ),
        (
            policy("p", ("iam_id", USER), &[("serviceType", "platform-service")], &[VIEWER]),
            &[],
            "is.vpc.vpc.list",
            &r006,
            false,
        ),
        // The IAM service group.
        (
            policy("p", ("iam_id", USER), &[("service_group_id", "IAM")], &[VIEWER]),
            &[],
            "iam-identity.serviceid.get",
            &identity,
            true,
        ),
        (
            policy("p", ("iam_id", USER), &[("service_group_id", "IAM")], &[VIEWER]),
            &[],
            "is.vpc.vpc.list",
            &r006,
            false,
        ),
        // Service roles: Manager on DNS Services, DNS Binding Connector on `is`.
        (
            policy("p", ("iam_id", USER), &[("serviceName", "dns-svcs")], &[MANAGER]),
            &[],
            "dns-svcs.zones.manage",
            &[("serviceName", "dns-svcs")],
            true,
        ),
        (
            policy("p", ("iam_id", USER), &[("serviceName", "is")], &[CONNECTOR]),
            &[],
            "is.vpc.dns-resolution-binding.connect",
            &r006,
            true,
        ),
        (
            policy("p", ("iam_id", USER), &[("serviceName", "is")], &[EDITOR]),
            &[],
            "is.vpc.dns-resolution-binding.connect",
            &r006,
            false,
        ),
        // A custom role holds exactly its actions.
        (policy("p", ("iam_id", USER), &[("serviceName", "is")], &[&custom]), &[], "is.vpc.vpc.list", &r006, true),
        (policy("p", ("iam_id", USER), &[("serviceName", "is")], &[&custom]), &[], "is.vpc.vpc.read", &r006, false),
        // Another account's resource is not reached.
        (
            policy("p", ("iam_id", USER), &[("serviceName", "is")], &[EDITOR]),
            &[],
            "is.vpc.vpc.read",
            &[("accountId", OTHER), ("serviceName", "is")],
            false,
        ),
    ];
    let roles = [custom_role()];
    for (index, (policy, groups, action, resource, granted)) in cases.into_iter().enumerate() {
        let mut query = query(groups, action, resource);
        if let Some((_, account)) = resource.iter().find(|(key, _)| *key == "accountId") {
            query.resource.set("accountId".into(), account.to_string());
        }
        let verdict = evaluate([&policy], &roles, &query);
        assert_eq!(verdict.permitted, granted, "case {index}: {:?} {action}", policy.draft.resource);
        assert_eq!(verdict.granted_by, if granted { vec!["p".to_owned()] } else { vec![] }, "case {index}");
    }
}

#[test]
fn deleted_and_authorization_policies_grant_nothing() {
    let mut deleted = policy("d", ("iam_id", USER), &[("serviceName", "is")], &[EDITOR]);
    deleted.state = PolicyState::Deleted;
    let mut authorization = policy("a", ("iam_id", USER), &[("serviceName", "is")], &[EDITOR]);
    authorization.draft.subject = vec![Attribute::equals("accountId", ACCOUNT), Attribute::equals("serviceName", "is")];
    let granting = policy("g", ("iam_id", USER), &[("serviceName", "is")], &[VIEWER]);
    let resource = vpc("r006-1");
    let resource: Vec<(&str, &str)> = resource.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let verdict = evaluate([&deleted, &authorization, &granting], &[], &query(&[], "is.vpc.vpc.read", &resource));
    assert_eq!(verdict.granted_by, ["g"]);
}

const ACTIONS: &[&str] = &["is.vpc.vpc.read", "is.vpc.vpc.update", "is.subnet.subnet.read", "dns-svcs.zones.read"];
const ROLES: &[&str] = &[VIEWER, EDITOR, ADMINISTRATOR, MANAGER, CONNECTOR];

fn arbitrary_policy() -> impl Strategy<Value = Policy> {
    (
        0usize..1000,
        prop::bool::ANY,
        prop::sample::select(vec!["is", "dns-svcs", "is.vpc"]),
        prop::option::of(prop::sample::select(vec!["r006-1", "r006-2"])),
        prop::sample::subsequence(ROLES.to_vec(), 1..3),
    )
        .prop_map(|(n, group, service, vpc_id, roles)| {
            let subject = if group { ("access_group_id", GROUP) } else { ("iam_id", USER) };
            let mut resource = vec![("serviceName", service)];
            resource.extend(vpc_id.map(|id| ("vpcId", id)));
            policy(&format!("p{n}"), subject, &resource, &roles)
        })
}

proptest! {
    /// Access is the union of the policies: the verdict over all of them names exactly the policies that grant alone,
    /// and removing every granting policy turns a permit into a deny.
    #[test]
    fn access_is_the_union_of_policies(
        policies in prop::collection::vec(arbitrary_policy(), 0..8),
        action in prop::sample::select(ACTIONS.to_vec()),
        in_group in prop::bool::ANY,
    ) {
        let groups: &[&str] = if in_group { &[GROUP] } else { &[] };
        let resource = vpc("r006-1");
        let resource: Vec<(&str, &str)> = resource.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let query = query(groups, action, &resource);
        let verdict = evaluate(&policies, &[], &query);
        let alone: Vec<PolicyId> = policies
            .iter()
            .filter(|policy| evaluate([*policy], &[], &query).permitted)
            .map(|policy| policy.id.clone())
            .collect();
        prop_assert_eq!(&verdict.granted_by, &alone);
        prop_assert_eq!(verdict.permitted, !alone.is_empty());
        let rest: Vec<&Policy> = policies.iter().filter(|policy| !verdict.granted_by.contains(&policy.id)).collect();
        prop_assert!(!evaluate(rest, &[], &query).permitted);
        // A policy for another identity never changes the verdict.
        let mut with_stranger = policies.clone();
        with_stranger.push(policy("stranger", ("iam_id", "IBMid-STRANGER"), &[("serviceName", "is")], &[ADMINISTRATOR]));
        prop_assert_eq!(evaluate(&with_stranger, &[], &query), verdict);
    }
}

const GROUPS: &[&str] = &[GROUP, "AccessGroupId-other", "AccessGroupId-third"];
const IAM_IDS: &[&str] = &[USER, "IBMid-OTHER"];

/// A custom role `name` of `account` for `service`, holding `actions`.
fn custom_role_of(id: &str, account: &str, name: &str, service: &str, actions: &[&str]) -> CustomRole {
    CustomRole {
        id: id.into(),
        name: name.into(),
        account_id: AccountId::parse(account).unwrap(),
        service_name: service.into(),
        content: CustomRoleContent {
            display_name: name.into(),
            description: None,
            actions: actions.iter().map(|action| action.to_string()).collect(),
        },
        ..custom_role()
    }
}

/// Custom roles of both accounts: two of one account share a name (so a CRN), and one is for another service.
fn custom_roles() -> Vec<CustomRole> {
    vec![
        custom_role_of("c1", ACCOUNT, "Lister", "is", &["is.vpc.vpc.list", "is.vpc.vpc.read"]),
        custom_role_of("c0", ACCOUNT, "Lister", "is", &["is.vpc.vpc.update"]),
        custom_role_of("c2", ACCOUNT, "Zones", "dns-svcs", &["dns-svcs.zones.read"]),
        custom_role_of("c3", OTHER, "Lister", "is", &["is.vpc.vpc.read", "is.vpc.vpc.update"]),
    ]
}

/// Any access policy of either account, most of the shapes validation admits and some it does not (several subject
/// attributes, a glob subject, a deleted policy, an authorization).
fn any_access_policy() -> impl Strategy<Value = Policy> {
    let roles: Vec<String> = ROLES
        .iter()
        .map(|role| role.to_string())
        .chain(custom_roles().iter().map(CustomRole::crn))
        .chain(["crn:v1:bluemix:public:iam-access-management::a/unknown::customRole:Lister".to_owned()])
        .collect();
    (
        (0usize..40, prop::sample::select(vec![ACCOUNT, OTHER]), 0usize..8, 0usize..6),
        prop::option::of(prop::sample::select(vec!["is", "dns-svcs", "is.vpc", "iam-identity"])),
        prop::option::of(prop::sample::select(vec!["service", "platform_service"])),
        prop::option::of(prop::sample::select(vec!["rg1", "rg2"])),
        prop::option::of(prop::sample::select(vec!["r006-1", "r006-2"])),
        prop::sample::subsequence(roles, 1..3),
        prop::bool::weighted(0.9),
        prop::option::weighted(0.3, 0usize..6),
    )
        .prop_map(|((n, account, subject, odd), service, service_type, group, vpc_id, roles, active, extra)| {
            let subject = match subject {
                0..3 => vec![Attribute::equals("access_group_id", GROUPS[subject])],
                3..5 => vec![Attribute::equals("iam_id", IAM_IDS[subject - 3])],
                5 => vec![Attribute {
                    key: "iam_id".into(),
                    operator: crate::attribute::Operator::StringMatch,
                    value: crate::attribute::AttributeValue::Text("IBMid-*".into()),
                }],
                6 => vec![Attribute::equals("iam_id", USER), Attribute::equals("access_group_id", GROUP)],
                _ => vec![],
            };
            let mut resource = vec![Attribute::equals("accountId", account)];
            resource.extend(service.map(|service| Attribute::equals("serviceName", service)));
            resource.extend(service_type.map(|kind| Attribute::equals("serviceType", kind)));
            resource.extend(group.map(|group| Attribute::equals("resourceGroupId", group)));
            resource.extend(vpc_id.map(|id| Attribute::equals("vpcId", id)));
            // The other operators, an attribute requests never carry, and an account other than the owner's.
            let text = |value: &str| crate::attribute::AttributeValue::Text(value.into());
            let list =
                |items: &[&str]| crate::attribute::AttributeValue::List(items.iter().map(|i| i.to_string()).collect());
            let odd_attribute = |key: &str, operator, value| Attribute { key: key.into(), operator, value };
            use crate::attribute::{AttributeValue::Flag, Operator::*};
            resource.extend(extra.map(|extra| match extra {
                0 => odd_attribute("vpcId", StringMatch, text("r006-?")),
                1 => odd_attribute("resourceGroupId", StringEqualsAnyOf, list(&["rg2", "rg3"])),
                2 => odd_attribute("resourceGroupId", StringExists, Flag(false)),
                3 => odd_attribute("vpcId", StringMatchAnyOf, list(&["r006-2", "x*"])),
                4 => Attribute::equals("flavor", "bx2"),
                _ => Attribute::equals("accountId", if account == ACCOUNT { OTHER } else { ACCOUNT }),
            }));
            let mut policy = policy(&format!("p{n:02}"), ("iam_id", USER), &[], &[]);
            policy.draft.owner = AccountId::parse(account).unwrap();
            policy.draft.subject = subject;
            policy.draft.resource = resource;
            policy.draft.roles = roles;
            if odd == 0 {
                // An authorization policy: never part of an access decision.
                policy.draft.subject =
                    vec![Attribute::equals("accountId", OTHER), Attribute::equals("serviceName", "is")];
            }
            if !active {
                policy.state = PolicyState::Deleted;
            }
            policy
        })
}

fn any_access_query() -> impl Strategy<Value = AccessQuery> {
    (
        prop::sample::select(IAM_IDS.to_vec()),
        prop::sample::subsequence(GROUPS.to_vec(), 0..3),
        prop::bool::weighted(0.3),
        prop::sample::select(vec![
            "is.vpc.vpc.read",
            "is.vpc.vpc.list",
            "is.vpc.vpc.update",
            "is.vpc.dns-resolution-binding.connect",
            "dns-svcs.zones.read",
            "iam-identity.serviceid.get",
        ]),
        (
            prop::option::of(prop::sample::select(vec![ACCOUNT, OTHER])),
            prop::sample::select(vec!["is", "dns-svcs", "iam-identity", "is.vpc"]),
            prop::option::of(prop::sample::select(vec!["rg1", "rg2"])),
            prop::sample::select(vec!["r006-1", "r006-2"]),
        ),
    )
        .prop_map(|(iam_id, groups, twice, action, (account, service, group, vpc_id))| {
            let mut groups: Vec<String> = groups.into_iter().map(str::to_owned).collect();
            if twice && let Some(first) = groups.first().cloned() {
                groups.push(first);
            }
            let mut resource = RequestAttributes::new([("serviceName", service), ("vpcId", vpc_id)]);
            if let Some(account) = account {
                resource.set("accountId".into(), account.into());
            }
            if let Some(group) = group {
                resource.set("resourceGroupId".into(), group.into());
            }
            AccessQuery {
                subject: AccessSubject { iam_id: iam_id.into(), access_groups: groups },
                action: action.into(),
                resource,
            }
        })
}

proptest! {
    /// The index's access decision, which reads only the policies filed under the identity and its groups, agrees
    /// with the evaluation of every access policy of the account, whether the index was built at once or followed
    /// the policies and custom roles change by change (later states of an id replace earlier ones).
    #[test]
    fn the_indexed_access_decision_agrees_with_evaluating_every_policy(
        changes in prop::collection::vec(any_access_policy(), 0..24),
        deleted_role in prop::option::weighted(0.7, 0usize..4),
        queries in prop::collection::vec(any_access_query(), 1..16),
    ) {
        use crate::catalog::RoleCatalog;
        use crate::engine::PolicyIndex;

        let mut roles = custom_roles();
        let mut built = PolicyIndex::build(&changes, 1, &RoleCatalog);
        let mut followed = PolicyIndex::default();
        for role in custom_roles() {
            built.apply_custom_role(&role);
            followed.apply_custom_role(&role);
        }
        for policy in &changes {
            followed.apply(policy, &RoleCatalog);
        }
        if let Some(at) = deleted_role {
            let role = roles.remove(at);
            built.remove_custom_role(&role.id);
            followed.remove_custom_role(&role.id);
        }
        // The latest state of each policy, in id order, as the store would hold them.
        let mut latest: std::collections::BTreeMap<&str, &Policy> = std::collections::BTreeMap::new();
        for policy in &changes {
            latest.insert(&policy.id, policy);
        }
        for query in &queries {
            let account = query.resource.get("accountId");
            let own: Vec<&Policy> =
                latest.values().copied().filter(|policy| Some(policy.draft.owner.as_str()) == account).collect();
            let mut own_roles: Vec<CustomRole> =
                roles.iter().filter(|role| Some(role.account_id.as_str()) == account).cloned().collect();
            own_roles.sort_by(|a, b| a.id.cmp(&b.id));
            let expected = if account.is_some() { evaluate(own, &own_roles, query) } else { AccessVerdict::default() };
            prop_assert_eq!(&built.access_decision(query), &expected, "built at once: {:?}", query);
            prop_assert_eq!(&followed.access_decision(query), &expected, "followed: {:?}", query);
        }
    }
}
