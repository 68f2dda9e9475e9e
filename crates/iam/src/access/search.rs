//! Searching access policies, and explaining an access denial: who holds an action on a resource, which actions an
//! identity holds on a resource, which of a set of resources an identity may act on, and what stood in the way.
//!
//! Every search answers exactly what [`evaluate`] would answer for each of its results: a subject, action or resource
//! a search returns, asked about on its own, is permitted.

use std::collections::BTreeMap;

use super::{AccessQuery, AccessSubject, RoleList, evaluate, resource_attribute_matches, role_holds, subject_matches};
use crate::access_group::PUBLIC_ACCESS_GROUP_ID;
use crate::attribute::Attribute;
use crate::catalog::access::{access_service, is_account_management};
use crate::custom_role::CustomRole;
use crate::engine::{Mismatch, NearMiss, RequestAttributes};
use crate::identity::{IdentityKind, kind_of_iam_id};
use crate::policy::{Policy, PolicyId, PolicyKind, PolicyState};

/// Most near misses an explanation names, as for authorization decisions.
const NEAR_MISS_LIMIT: usize = 3;

/// The prefix of a trusted profile's IAM id, the third kind of identity an access policy may name.
pub const PROFILE_PREFIX: &str = "iam-Profile-";

/// What kind of subject a subject search asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectKind {
    /// Users (`IBMid-…`).
    User,
    /// Service IDs (`iam-ServiceId-…`).
    ServiceId,
    /// Every identity: users, service IDs and trusted profiles.
    Identity,
    /// Access groups.
    AccessGroup,
}

impl SubjectKind {
    /// Whether an identity's IAM id is of this kind.
    fn admits_identity(self, iam_id: &str) -> bool {
        match self {
            SubjectKind::User => kind_of_iam_id(iam_id) == Some(IdentityKind::User),
            SubjectKind::ServiceId => kind_of_iam_id(iam_id) == Some(IdentityKind::ServiceId),
            SubjectKind::Identity => is_identity(iam_id),
            SubjectKind::AccessGroup => false,
        }
    }
}

/// Whether `iam_id` has the form of an identity an access policy may name: a user, a service ID or a trusted profile.
pub fn is_identity(iam_id: &str) -> bool {
    kind_of_iam_id(iam_id).is_some() || iam_id.strip_prefix(PROFILE_PREFIX).is_some_and(|rest| !rest.is_empty())
}

/// One subject a subject search found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundSubject {
    /// The IAM id of an identity, or the id of an access group.
    pub id: String,
    /// The policies that grant it the action, directly or through its groups, in the order the policies were given.
    pub granted_by: Vec<PolicyId>,
    /// The access groups through which it holds the action (none when only a policy naming it grants it).
    pub through: Vec<String>,
}

/// The answer of a subject search.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubjectAnswer {
    /// The subjects, by id.
    pub found: Vec<FoundSubject>,
    /// The policies of the Public Access group that grant the action: when there are some, every identity of the
    /// account holds it, including identities no other policy or group names.
    pub public_access: Vec<PolicyId>,
}

/// The active access policies among `policies` that grant `action` on `resource` to whoever their subject is.
fn granting<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    custom_roles: &[CustomRole],
    action: &str,
    resource: &RequestAttributes,
) -> Vec<&'a Policy> {
    // The subject does not take part here; the query's is never looked at.
    let query = AccessQuery {
        subject: AccessSubject { iam_id: String::new(), access_groups: Vec::new() },
        action: action.to_owned(),
        resource: resource.clone(),
    };
    policies
        .into_iter()
        .filter(|policy| policy.state == PolicyState::Active && policy.draft.kind() == PolicyKind::Access)
        .filter(|policy| policy.draft.resource.iter().all(|attribute| resource_attribute_matches(attribute, &query)))
        .filter(|policy| {
            policy.draft.roles.iter().any(|role| role_holds(role, policy, &RoleList(custom_roles), &query))
        })
        .collect()
}

/// The subject one policy names: `("iam_id" | "access_group_id", id)`. Validation allows exactly one attribute,
/// with `stringEquals`.
fn named_subject(policy: &Policy) -> Option<(&str, &str)> {
    match policy.draft.subject.as_slice() {
        [attribute] => attribute.text().map(|id| (attribute.key.as_str(), id)),
        _ => None,
    }
}

/// Who holds `action` on `resource`: the subjects of `kind` that the granting policies name, and for identities the
/// members of the access groups they name (`members` gives a group's member IAM ids). The Public Access group's
/// members are every identity of the account, which no list holds: its grants are reported apart
/// ([`SubjectAnswer::public_access`]).
pub fn search_subjects<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    custom_roles: &[CustomRole],
    action: &str,
    resource: &RequestAttributes,
    kind: SubjectKind,
    members: &dyn Fn(&str) -> Vec<String>,
) -> SubjectAnswer {
    let mut found: BTreeMap<String, FoundSubject> = BTreeMap::new();
    let mut public_access = Vec::new();
    let mut add = |id: &str, policy: &PolicyId, through: Option<&str>| {
        let entry = found.entry(id.to_owned()).or_insert_with(|| FoundSubject {
            id: id.to_owned(),
            granted_by: Vec::new(),
            through: Vec::new(),
        });
        if !entry.granted_by.contains(policy) {
            entry.granted_by.push(policy.clone());
        }
        if let Some(group) = through.filter(|group| !entry.through.iter().any(|known| known == group)) {
            entry.through.push(group.to_owned());
        }
    };
    for policy in granting(policies, custom_roles, action, resource) {
        match named_subject(policy) {
            Some(("iam_id", iam_id)) if kind.admits_identity(iam_id) => add(iam_id, &policy.id, None),
            Some(("access_group_id", group)) if kind == SubjectKind::AccessGroup => add(group, &policy.id, None),
            Some(("access_group_id", PUBLIC_ACCESS_GROUP_ID)) => public_access.push(policy.id.clone()),
            Some(("access_group_id", group)) => {
                for member in members(group).iter().filter(|member| kind.admits_identity(member)) {
                    add(member, &policy.id, Some(group));
                }
            }
            _ => {}
        }
    }
    SubjectAnswer { found: found.into_values().collect(), public_access }
}

/// The actions `subject` holds on `resource`, of the catalog of the resource's `serviceName`, by name, each with the
/// policies that grant it. A service hubspoke has no catalog of holds none.
pub fn search_actions<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    custom_roles: &[CustomRole],
    subject: &AccessSubject,
    resource: &RequestAttributes,
) -> Vec<(String, Vec<PolicyId>)> {
    let Some(service) = resource.get("serviceName").and_then(access_service) else { return Vec::new() };
    // Only the subject's own policies can grant anything; they are chosen once rather than once per action.
    let own: Vec<&Policy> = policies.into_iter().filter(|policy| subject_matches(policy, subject)).collect();
    let mut actions: Vec<&str> = service.actions().map(|(action, _)| action).collect();
    actions.sort_unstable();
    actions.dedup();
    actions
        .into_iter()
        .filter_map(|action| {
            let query = AccessQuery { subject: subject.clone(), action: action.to_owned(), resource: resource.clone() };
            let verdict = evaluate(own.iter().copied(), custom_roles, &query);
            verdict.permitted.then(|| (action.to_owned(), verdict.granted_by))
        })
        .collect()
}

/// One resource a resource search may return: its type, its id and the attributes a decision about it reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Its type, for example `vpc`.
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Its attributes: `accountId`, `serviceName`, `vpcId`, …
    pub attributes: RequestAttributes,
}

/// The candidates `subject` may perform `action` on, in the order given, each with the policies that grant it.
pub fn search_resources<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    custom_roles: &[CustomRole],
    subject: &AccessSubject,
    action: &str,
    candidates: impl IntoIterator<Item = Candidate>,
) -> Vec<(Candidate, Vec<PolicyId>)> {
    let own: Vec<&Policy> = policies.into_iter().filter(|policy| subject_matches(policy, subject)).collect();
    candidates
        .into_iter()
        .filter_map(|candidate| {
            let query = AccessQuery {
                subject: subject.clone(),
                action: action.to_owned(),
                resource: candidate.attributes.clone(),
            };
            let verdict = evaluate(own.iter().copied(), custom_roles, &query);
            verdict.permitted.then_some((candidate, verdict.granted_by))
        })
        .collect()
}

/// An access decision with its explanation: the granting policies, or the subject's policies that came closest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessExplanation {
    /// Whether the action is permitted.
    pub permitted: bool,
    /// Every active access policy that grants it.
    pub granted_by: Vec<PolicyId>,
    /// On a denial, the subject's own active access policies (naming it or one of its groups) that came closest,
    /// fewest mismatches first; empty when the account has none for it.
    pub near_misses: Vec<NearMiss>,
}

/// Decides `query` as [`evaluate`] does and explains a denial.
pub fn explain<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    custom_roles: &[CustomRole],
    query: &AccessQuery,
) -> AccessExplanation {
    let own: Vec<&Policy> = policies
        .into_iter()
        .filter(|policy| policy.state == PolicyState::Active && policy.draft.kind() == PolicyKind::Access)
        .filter(|policy| subject_matches(policy, &query.subject))
        .collect();
    let verdict = evaluate(own.iter().copied(), custom_roles, query);
    if verdict.permitted {
        return AccessExplanation { permitted: true, granted_by: verdict.granted_by, near_misses: Vec::new() };
    }
    let mut near_misses: Vec<NearMiss> = own
        .iter()
        .map(|policy| NearMiss { policy_id: policy.id.clone(), mismatches: mismatches(policy, custom_roles, query) })
        .filter(|miss| !miss.mismatches.is_empty())
        .collect();
    // A stable sort keeps the policies' own order among equally near ones.
    near_misses.sort_by_key(|miss| miss.mismatches.len());
    near_misses.truncate(NEAR_MISS_LIMIT);
    AccessExplanation { permitted: false, granted_by: Vec::new(), near_misses }
}

/// What keeps one of the subject's policies from granting the query.
fn mismatches(policy: &Policy, custom_roles: &[CustomRole], query: &AccessQuery) -> Vec<Mismatch> {
    let mut found: Vec<Mismatch> = policy
        .draft
        .resource
        .iter()
        .filter(|attribute| !resource_attribute_matches(*attribute, query))
        .map(|attribute| Mismatch::Resource { expected: attribute.clone(), actual: actual_value(attribute, query) })
        .collect();
    if !policy.draft.roles.iter().any(|role| role_holds(role, policy, &RoleList(custom_roles), query)) {
        found.push(Mismatch::Action { action: query.action.clone(), roles: policy.draft.roles.clone() });
    }
    found
}

/// The request's value of what an attribute looks at: most name a request attribute; `serviceType` and
/// `service_group_id` are derived from the resource's service.
fn actual_value(attribute: &Attribute, query: &AccessQuery) -> Option<String> {
    let service = query.resource.get("serviceName");
    match attribute.key.as_str() {
        "serviceType" => service
            .map(|name| if is_account_management(name) { "platform_service".to_owned() } else { "service".to_owned() }),
        "service_group_id" => service.and_then(access_service).and_then(|known| known.group).map(str::to_owned),
        key => query.resource.get(key).map(str::to_owned),
    }
}

impl AccessExplanation {
    /// The explanation in one sentence, for the resource account's administrator.
    pub fn reason(&self, query: &AccessQuery) -> String {
        let owner = query.resource.get("accountId").unwrap_or("(none)");
        let subject = &query.subject.iam_id;
        let ids = |ids: &mut dyn Iterator<Item = &PolicyId>| ids.map(|id| format!("`{id}`")).collect::<Vec<_>>();
        if self.permitted {
            let granting = ids(&mut self.granted_by.iter()).join(", ");
            return format!("`{}` is permitted for `{subject}` by access policy {granting}", query.action);
        }
        let holders = holding_roles(query);
        if self.near_misses.is_empty() {
            return format!(
                "`{}` is denied: account `{owner}` has no active access policy for `{subject}` or its access groups{holders}",
                query.action
            );
        }
        let misses: Vec<String> = self
            .near_misses
            .iter()
            .map(|miss| {
                let reasons: Vec<String> = miss.mismatches.iter().map(Mismatch::to_string).collect();
                format!("policy `{}`: {}", miss.policy_id, reasons.join("; "))
            })
            .collect();
        format!(
            "`{}` is denied: no active access policy of account `{owner}` grants it to `{subject}` or its access groups{holders}; nearest: {}",
            query.action,
            misses.join(" | ")
        )
    }
}

/// `" (on `is`, it is held by …)"`: the roles of the resource's service that hold the action, to say what is missing.
fn holding_roles(query: &AccessQuery) -> String {
    let Some(service) = query.resource.get("serviceName").and_then(access_service) else { return String::new() };
    let roles: Vec<&str> = service.roles_holding(&query.action).iter().map(|role| role.display_name).collect();
    if roles.is_empty() {
        return format!(" (`{}` is not an action of `{}`)", query.action, service.name);
    }
    format!(" (on `{}` it is held by {})", service.name, roles.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountId;
    use crate::custom_role::CustomRoleContent;
    use crate::policy::Timestamp;

    const ACCOUNT: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const USER: &str = "IBMid-550002G2B4";
    const OTHER_USER: &str = "IBMid-660003H3C5";
    const SERVICE_ID: &str = "iam-ServiceId-5d9e0c3a-0ef1-4b1c-9c0f-0123456789ab";
    const PROFILE: &str = "iam-Profile-1234";
    const GROUP: &str = "AccessGroupId-11111111-2222-3333-4444-555555555555";
    const VIEWER: &str = "crn:v1:bluemix:public:iam::::role:Viewer";
    const EDITOR: &str = "crn:v1:bluemix:public:iam::::role:Editor";
    const READER: &str = "crn:v1:bluemix:public:iam::::serviceRole:Reader";

    /// The access tests' policy of `ACCOUNT` (same account, same shape).
    fn policy(id: &str, subject: (&str, &str), resource: &[(&str, &str)], roles: &[&str]) -> Policy {
        crate::access::tests::policy(id, subject, resource, roles)
    }

    fn custom_role() -> CustomRole {
        CustomRole {
            id: "c1".into(),
            name: "VpcDeleter".into(),
            account_id: AccountId::parse(ACCOUNT).unwrap(),
            service_name: "is".into(),
            content: CustomRoleContent {
                display_name: "VPC deleter".into(),
                description: None,
                actions: vec!["is.vpc.vpc.delete".into()],
            },
            version: 1,
            created_at: Timestamp(0),
            created_by_id: "creator".into(),
            last_modified_at: Timestamp(0),
            last_modified_by_id: "creator".into(),
        }
    }

    /// The account's policies: a user with Viewer on `is`, a group with Editor on one VPC, a service ID with the
    /// custom role, a profile with Reader on DNS Services, the Public Access group with Viewer on `dns-svcs`, and a
    /// deleted policy that grants nothing.
    fn policies() -> Vec<Policy> {
        let mut deleted = policy("p-deleted", ("iam_id", OTHER_USER), &[("serviceName", "is")], &[EDITOR]);
        deleted.state = PolicyState::Deleted;
        vec![
            policy("p-user", ("iam_id", USER), &[("serviceName", "is")], &[VIEWER]),
            policy("p-group", ("access_group_id", GROUP), &[("serviceName", "is"), ("vpcId", "r006-1")], &[EDITOR]),
            policy("p-custom", ("iam_id", SERVICE_ID), &[("serviceName", "is")], &[&custom_role().crn()]),
            policy("p-profile", ("iam_id", PROFILE), &[("serviceName", "dns-svcs")], &[READER]),
            policy("p-public", ("access_group_id", PUBLIC_ACCESS_GROUP_ID), &[("serviceName", "dns-svcs")], &[VIEWER]),
            deleted,
        ]
    }

    fn vpc(id: &str) -> RequestAttributes {
        RequestAttributes::new([("accountId", ACCOUNT), ("serviceName", "is"), ("vpcId", id)])
    }

    fn dns() -> RequestAttributes {
        RequestAttributes::new([("accountId", ACCOUNT), ("serviceName", "dns-svcs"), ("serviceInstance", "i-1")])
    }

    fn members(group: &str) -> Vec<String> {
        if group == GROUP { vec![SERVICE_ID.to_owned(), OTHER_USER.to_owned()] } else { Vec::new() }
    }

    #[test]
    fn subject_search_table() {
        // (kind, action, resource, expected (id, granted_by, through), Public Access grants)
        type Row = (
            SubjectKind,
            &'static str,
            RequestAttributes,
            Vec<(&'static str, Vec<&'static str>, Vec<&'static str>)>,
            Vec<&'static str>,
        );
        let rows: Vec<Row> = vec![
            (
                SubjectKind::User,
                "is.vpc.vpc.read",
                vpc("r006-1"),
                vec![(USER, vec!["p-user"], vec![]), (OTHER_USER, vec!["p-group"], vec![GROUP])],
                vec![],
            ),
            // The group reaches r006-1 only; the deleted policy reaches nobody.
            (SubjectKind::User, "is.vpc.vpc.read", vpc("r006-2"), vec![(USER, vec!["p-user"], vec![])], vec![]),
            (
                SubjectKind::User,
                "is.vpc.vpc.update",
                vpc("r006-1"),
                vec![(OTHER_USER, vec!["p-group"], vec![GROUP])],
                vec![],
            ),
            (
                SubjectKind::ServiceId,
                "is.vpc.vpc.delete",
                vpc("r006-1"),
                vec![(SERVICE_ID, vec!["p-group", "p-custom"], vec![GROUP])],
                vec![],
            ),
            (
                SubjectKind::ServiceId,
                "is.vpc.vpc.delete",
                vpc("r006-2"),
                vec![(SERVICE_ID, vec!["p-custom"], vec![])],
                vec![],
            ),
            (
                SubjectKind::AccessGroup,
                "is.vpc.vpc.update",
                vpc("r006-1"),
                vec![(GROUP, vec!["p-group"], vec![])],
                vec![],
            ),
            (SubjectKind::AccessGroup, "is.vpc.vpc.update", vpc("r006-2"), vec![], vec![]),
            (SubjectKind::Identity, "dns-svcs.zones.read", dns(), vec![(PROFILE, vec!["p-profile"], vec![])], vec![]),
            (SubjectKind::Identity, "resource-controller.instance.retrieve", dns(), vec![], vec!["p-public"]),
            (SubjectKind::Identity, "is.vpc.vpc.create", vpc("r006-3"), vec![], vec![]),
        ];
        let roles = [custom_role()];
        for (kind, action, resource, expected, public) in rows {
            let answer = search_subjects(&policies(), &roles, action, &resource, kind, &members);
            let found: Vec<(&str, Vec<&str>, Vec<&str>)> = answer
                .found
                .iter()
                .map(|subject| {
                    let granted = subject.granted_by.iter().map(|id| id.as_str()).collect();
                    (subject.id.as_str(), granted, subject.through.iter().map(String::as_str).collect())
                })
                .collect();
            assert_eq!(found, expected, "{kind:?} {action} {resource:?}");
            assert_eq!(answer.public_access, public, "{kind:?} {action}");
        }
    }

    fn subject(iam_id: &str, groups: &[&str]) -> AccessSubject {
        AccessSubject { iam_id: iam_id.into(), access_groups: groups.iter().map(|g| g.to_string()).collect() }
    }

    #[test]
    fn action_search_table() {
        // (subject, resource, actions that must be found, actions that must not)
        let rows: Vec<(AccessSubject, RequestAttributes, Vec<&str>, Vec<&str>)> = vec![
            (
                subject(USER, &[]),
                vpc("r006-1"),
                vec!["is.vpc.vpc.read", "is.subnet.subnet.list"],
                vec!["is.vpc.vpc.create"],
            ),
            (
                subject(USER, &[GROUP]),
                vpc("r006-1"),
                vec!["is.vpc.vpc.create", "is.vpc.vpc.read"],
                vec!["is.vpc.vpc.operate-x"],
            ),
            (subject(SERVICE_ID, &[]), vpc("r006-2"), vec!["is.vpc.vpc.delete"], vec!["is.vpc.vpc.read"]),
            (subject(OTHER_USER, &[]), vpc("r006-1"), vec![], vec!["is.vpc.vpc.read"]),
            (
                subject(PROFILE, &[PUBLIC_ACCESS_GROUP_ID]),
                dns(),
                vec!["dns-svcs.zones.read", "resource-controller.instance.retrieve"],
                vec!["dns-svcs.zones.update"],
            ),
        ];
        let roles = [custom_role()];
        for (who, resource, present, absent) in rows {
            let found = search_actions(&policies(), &roles, &who, &resource);
            let names: Vec<&str> = found.iter().map(|(action, _)| action.as_str()).collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            assert_eq!(names, sorted, "results come by name");
            for action in &present {
                assert!(names.contains(action), "{} holds {action}: {names:?}", who.iam_id);
            }
            for action in &absent {
                assert!(!names.contains(action), "{} does not hold {action}", who.iam_id);
            }
            if present.is_empty() {
                assert!(names.is_empty(), "{names:?}");
            }
            // Every action found is one the evaluation permits.
            for (action, granted_by) in &found {
                let query = AccessQuery { subject: who.clone(), action: action.clone(), resource: resource.clone() };
                assert_eq!(evaluate(&policies(), &roles, &query).granted_by, *granted_by, "{action}");
            }
        }
        let unknown = RequestAttributes::new([("accountId", ACCOUNT), ("serviceName", "cloud-object-storage")]);
        assert!(search_actions(&policies(), &[], &subject(USER, &[]), &unknown).is_empty());
    }

    #[test]
    fn resource_search_table() {
        let candidates =
            || ["r006-1", "r006-2"].map(|id| Candidate { kind: "vpc".into(), id: id.into(), attributes: vpc(id) });
        // (subject, action, the ids found)
        let rows: Vec<(AccessSubject, &str, Vec<&str>)> = vec![
            (subject(USER, &[]), "is.vpc.vpc.read", vec!["r006-1", "r006-2"]),
            (subject(USER, &[]), "is.vpc.vpc.update", vec![]),
            (subject(OTHER_USER, &[GROUP]), "is.vpc.vpc.update", vec!["r006-1"]),
            (subject(SERVICE_ID, &[]), "is.vpc.vpc.delete", vec!["r006-1", "r006-2"]),
            (subject(SERVICE_ID, &[]), "is.vpc.vpc.read", vec![]),
        ];
        let roles = [custom_role()];
        for (who, action, expected) in rows {
            let found = search_resources(&policies(), &roles, &who, action, candidates());
            let ids: Vec<&str> = found.iter().map(|(candidate, _)| candidate.id.as_str()).collect();
            assert_eq!(ids, expected, "{} {action}", who.iam_id);
        }
    }

    #[test]
    fn a_denial_names_the_subjects_nearest_policies_and_the_roles_that_would_grant() {
        let roles = [custom_role()];
        let query = |who: AccessSubject, action: &str, resource: RequestAttributes| AccessQuery {
            subject: who,
            action: action.into(),
            resource,
        };
        let permitted = explain(&policies(), &roles, &query(subject(USER, &[]), "is.vpc.vpc.read", vpc("r006-1")));
        assert_eq!((permitted.permitted, permitted.granted_by.clone()), (true, vec![PolicyId::from("p-user")]));

        // Viewer does not hold update; the group's policy is for another VPC.
        let denied = query(subject(USER, &[GROUP]), "is.vpc.vpc.update", vpc("r006-2"));
        let explanation = explain(&policies(), &roles, &denied);
        assert!(!explanation.permitted);
        let nearest: Vec<(&str, usize)> =
            explanation.near_misses.iter().map(|miss| (miss.policy_id.as_str(), miss.mismatches.len())).collect();
        assert_eq!(nearest, [("p-user", 1), ("p-group", 1)]);
        assert!(matches!(&explanation.near_misses[0].mismatches[0], Mismatch::Action { .. }));
        match &explanation.near_misses[1].mismatches[0] {
            Mismatch::Resource { expected, actual } => {
                assert_eq!((expected.key.as_str(), actual.as_deref()), ("vpcId", Some("r006-2")));
            }
            other => panic!("{other:?}"),
        }
        let reason = explanation.reason(&denied);
        assert!(reason.contains("nearest: policy `p-user`") && reason.contains("Editor"), "{reason}");

        // Nobody else's policies are near misses of this subject.
        let stranger = query(subject("IBMid-000000AAAA", &[]), "is.vpc.vpc.read", vpc("r006-1"));
        let explanation = explain(&policies(), &roles, &stranger);
        assert!(explanation.near_misses.is_empty());
        assert!(
            explanation.reason(&stranger).contains("has no active access policy"),
            "{}",
            explanation.reason(&stranger)
        );
    }

    #[test]
    fn identity_forms() {
        for (iam_id, identity) in
            [(USER, true), (SERVICE_ID, true), (PROFILE, true), ("iam-Profile-", false), (GROUP, false), ("vpc", false)]
        {
            assert_eq!(is_identity(iam_id), identity, "{iam_id}");
        }
    }
}
