//! Access policies indexed by subject, so that an access decision reads only the policies about the identity and its
//! access groups, however many policies the account and the installation hold.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use crate::access::{AccessQuery, AccessVerdict, Roles, grants_with};
use crate::attribute::{AttributeValue, Operator};
use crate::catalog::access::{AccessService, PLATFORM, SERVICES};
use crate::custom_role::CustomRole;
use crate::policy::{Policy, PolicyId};

use super::indexed::spoke_hash;

/// Values by id, in id order (the order [`crate::access::evaluate`] names granting policies in).
type ById<T> = imbl::OrdMap<Arc<str>, Arc<T>>;

/// Filed policies by id, each with its [`Prefilter`].
type Filed = imbl::OrdMap<Arc<str>, Prefiltered>;

/// The resource attributes a prefilter can require exact values of.
const PREFILTER_KEYS: [&str; 6] =
    ["serviceName", "resourceGroupId", "vpcId", "serviceInstance", "resource", "resourceType"];

/// Up to three exact values a policy requires of the resource (a slot of [`PREFILTER_KEYS`] and the value's hash) and
/// the actions its roles can hold, held beside the policy in the map's own nodes: most policies about an identity's
/// groups are for other services, resource groups, resources or actions, and a decision turns them down by comparing
/// numbers instead of reading each policy from wherever it lies in memory. A prefilter only turns down what the
/// evaluation would: equal values hash alike, and an action a role holds sets its bit.
#[derive(Clone, Copy, Debug, Default)]
struct Prefilter {
    required: [(u8, u64); 3],
    count: u8,
    /// The actions the policy's catalog roles hold on any service, one bit per action's hash (see [`action_bit`]);
    /// every bit when it names a custom role, whose actions can change without the policy changing.
    actions: u128,
}

/// The bit an action sets in [`Prefilter::actions`].
fn action_bit(action: &str) -> u128 {
    1 << (spoke_hash(action) % 128)
}

impl Prefilter {
    fn of(policy: &Policy) -> Prefilter {
        let mut prefilter = Prefilter::default();
        for role in &policy.draft.roles {
            if role.starts_with(CUSTOM_ROLE_PREFIX) {
                prefilter.actions = u128::MAX;
            }
            for service in HOLDS.values() {
                for action in service.get(role.as_str()).into_iter().flatten() {
                    prefilter.actions |= action_bit(action);
                }
            }
        }
        for attribute in &policy.draft.resource {
            let (Operator::StringEquals, AttributeValue::Text(value)) = (attribute.operator, &attribute.value) else {
                continue;
            };
            // A sub-service of `is` matches by the action's prefix, not by equality.
            if attribute.key == "serviceName" && value.starts_with("is.") {
                continue;
            }
            let Some(slot) = PREFILTER_KEYS.iter().position(|key| *key == attribute.key) else { continue };
            if usize::from(prefilter.count) < prefilter.required.len() {
                prefilter.required[usize::from(prefilter.count)] = (slot as u8, spoke_hash(value));
                prefilter.count += 1;
            }
        }
        prefilter
    }

    /// Whether the request's values (hashed, by slot) may satisfy the policy and its roles may hold the action.
    fn admits(&self, request: &[Option<u64>; PREFILTER_KEYS.len()], action: u128) -> bool {
        self.actions & action != 0
            && self.required[..usize::from(self.count)]
                .iter()
                .all(|(slot, hash)| request[usize::from(*slot)] == Some(*hash))
    }
}

/// A filed policy and its prefilter.
#[derive(Clone, Debug)]
struct Prefiltered {
    prefilter: Prefilter,
    policy: Arc<Policy>,
}

/// Every custom role CRN starts with this; a role id without it is never a custom role.
const CUSTOM_ROLE_PREFIX: &str = "crn:v1:bluemix:public:iam-access-management::";

/// Whom a policy is about, as the index files it.
enum SubjectKey<'a> {
    IamId(&'a str),
    Group(&'a str),
    /// Anything but one exact `iam_id` or `access_group_id` (validation admits no such access policy, but the index
    /// must decide as the evaluation does whatever it holds): read by every decision of the account.
    Other,
}

fn subject_key(policy: &Policy) -> SubjectKey<'_> {
    let [attribute] = policy.draft.subject.as_slice() else { return SubjectKey::Other };
    let (Operator::StringEquals, AttributeValue::Text(value)) = (attribute.operator, &attribute.value) else {
        return SubjectKey::Other;
    };
    match attribute.key.as_str() {
        "iam_id" => SubjectKey::IamId(value),
        "access_group_id" => SubjectKey::Group(value),
        _ => SubjectKey::Other,
    }
}

/// One account's active access policies, filed by subject.
#[derive(Clone, Debug, Default)]
pub(super) struct AccountAccess {
    by_iam_id: imbl::HashMap<Arc<str>, Filed>,
    by_group: imbl::HashMap<Arc<str>, Filed>,
    other: Filed,
}

impl AccountAccess {
    pub(super) fn insert(&mut self, id: Arc<str>, policy: Arc<Policy>) {
        let filed = Prefiltered { prefilter: Prefilter::of(&policy), policy: policy.clone() };
        match subject_key(&policy) {
            SubjectKey::IamId(iam_id) => {
                self.by_iam_id.entry(Arc::from(iam_id)).or_default().insert(id, filed);
            }
            SubjectKey::Group(group) => {
                self.by_group.entry(Arc::from(group)).or_default().insert(id, filed);
            }
            SubjectKey::Other => {
                self.other.insert(id, filed);
            }
        }
    }

    pub(super) fn remove(&mut self, policy: &Policy) {
        let id = policy.id.as_str();
        let emptied = |map: &mut imbl::HashMap<Arc<str>, Filed>, key: &str| {
            if let Some(policies) = map.get_mut(key) {
                policies.remove(id);
                if policies.is_empty() {
                    map.remove(key);
                }
            }
        };
        match subject_key(policy) {
            SubjectKey::IamId(iam_id) => emptied(&mut self.by_iam_id, iam_id),
            SubjectKey::Group(group) => emptied(&mut self.by_group, group),
            SubjectKey::Other => {
                self.other.remove(id);
            }
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.by_iam_id.is_empty() && self.by_group.is_empty() && self.other.is_empty()
    }

    /// The policies that could grant `query`: those about its identity, about each of its groups, and the others,
    /// less those their prefilter turns down.
    fn candidates<'a>(&'a self, query: &'a AccessQuery) -> impl Iterator<Item = &'a Arc<Policy>> + 'a {
        let request = PREFILTER_KEYS.map(|key| query.resource.get(key).map(spoke_hash));
        let action = action_bit(&query.action);
        let own = self.by_iam_id.get(query.subject.iam_id.as_str()).into_iter();
        let groups = query.subject.access_groups.iter().filter_map(|group| self.by_group.get(group.as_str()));
        own.chain(groups)
            .flat_map(|policies| policies.values())
            .chain(self.other.values())
            .filter(move |filed| filed.prefilter.admits(&request, action))
            .map(|filed| &filed.policy)
    }
}

/// The custom roles, by CRN then id, for the lookups of access decisions.
#[derive(Clone, Debug, Default)]
pub(super) struct CustomRolesByCrn(imbl::HashMap<String, ById<CustomRole>>);

impl CustomRolesByCrn {
    pub(super) fn insert(&mut self, role: Arc<CustomRole>) {
        self.0.entry(role.crn()).or_default().insert(Arc::from(role.id.as_str()), role);
    }

    pub(super) fn remove(&mut self, role: &CustomRole) {
        let crn = role.crn();
        if let Some(roles) = self.0.get_mut(&crn) {
            roles.remove(role.id.as_str());
            if roles.is_empty() {
                self.0.remove(&crn);
            }
        }
    }

    /// The first custom role by id of `account` whose CRN is `crn`: what the evaluation finds in the account's roles.
    fn find(&self, account: &str, crn: &str) -> Option<&CustomRole> {
        if !crn.starts_with(CUSTOM_ROLE_PREFIX) {
            return None;
        }
        self.0.get(crn)?.values().map(|role| &**role).find(|role| role.account_id.as_str() == account)
    }
}

/// Which actions each catalog role holds on each service (service name, role CRN, actions): what
/// [`AccessService::holds`] answers by scanning the service's action table, built once.
static HOLDS: LazyLock<HashMap<&'static str, HashMap<&'static str, HashSet<&'static str>>>> = LazyLock::new(|| {
    SERVICES
        .iter()
        .map(|service| {
            let roles = PLATFORM
                .iter()
                .chain(service.roles)
                .map(|role| (role.crn, service.actions_of(role.crn).into_iter().collect()))
                .collect();
            (service.name, roles)
        })
        .collect()
});

/// The roles as the index resolves them: custom roles by CRN, catalog roles from [`HOLDS`].
struct Resolver<'a> {
    account: &'a str,
    custom: &'a CustomRolesByCrn,
}

impl Roles for Resolver<'_> {
    fn custom_role(&self, crn: &str) -> Option<&CustomRole> {
        self.custom.find(self.account, crn)
    }

    fn holds(&self, service: &AccessService, crn: &str, action: &str) -> bool {
        HOLDS.get(service.name).and_then(|roles| roles.get(crn)).is_some_and(|actions| actions.contains(action))
    }
}

/// Decides `query` over `account`'s filed policies, exactly as [`crate::access::evaluate`] decides it over all the
/// account's active access policies (in id order) and its custom roles.
pub(super) fn decide(access: Option<&AccountAccess>, roles: &CustomRolesByCrn, query: &AccessQuery) -> AccessVerdict {
    let (Some(access), Some(account)) = (access, query.resource.get("accountId")) else {
        return AccessVerdict::default();
    };
    let mut granted_by: Vec<&str> = access
        .candidates(query)
        .filter(|policy| grants_with(policy, &Resolver { account, custom: roles }, query))
        .map(|policy| policy.id.as_str())
        .collect();
    // A group named twice in the query reads its policies twice; the evaluation names each policy once, by id.
    granted_by.sort_unstable();
    granted_by.dedup();
    let granted_by: Vec<PolicyId> = granted_by.into_iter().map(str::to_owned).collect();
    AccessVerdict { permitted: !granted_by.is_empty(), granted_by }
}
