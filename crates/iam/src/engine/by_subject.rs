//! Access policies indexed by subject, so that an access decision reads only the policies about the identity and its
//! access groups, however many policies the account and the installation hold.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use crate::access::{
    AccessQuery, AccessVerdict, ResourceCondition, Roles, custom_role_holds, grants_with, resource_attribute_matches,
};
use crate::attribute::{Attribute, AttributeValue, Expected, Operator, value_matches};
use crate::catalog::access::{AccessService, PLATFORM, SERVICES, access_service};
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

/// The catalog's roles as bits, so that whether a policy's catalog roles hold an action is one `and` of two masks.
struct CatalogRoles {
    /// Each role CRN any service offers to access policies, and its bit.
    bits: HashMap<&'static str, u64>,
    /// Per service, per action, the bits of the roles that hold the action there ([`AccessService::holds`]).
    holding: HashMap<&'static str, HashMap<&'static str, u64>>,
}

static CATALOG_ROLES: LazyLock<CatalogRoles> = LazyLock::new(|| {
    let mut bits: HashMap<&'static str, u64> = HashMap::new();
    for service in SERVICES {
        for role in PLATFORM.iter().chain(service.roles) {
            let next = bits.len();
            bits.entry(role.crn).or_insert_with(|| {
                assert!(next < 64, "the access catalog offers more than 64 roles: widen the role masks");
                1 << next
            });
        }
    }
    let holding = SERVICES
        .iter()
        .map(|service| {
            let actions = service
                .actions()
                .map(|(action, _)| {
                    let mask =
                        bits.iter().filter(|(crn, _)| service.holds(crn, action)).fold(0, |mask, (_, bit)| mask | bit);
                    (action, mask)
                })
                .collect();
            (service.name, actions)
        })
        .collect();
    CatalogRoles { bits, holding }
});

impl CatalogRoles {
    /// The bit of a catalog role, 0 for a CRN no service offers (it holds nothing).
    fn bit(&self, crn: &str) -> u64 {
        self.bits.get(crn).copied().unwrap_or(0)
    }

    /// The bits of the catalog roles that hold `action` on `service`.
    fn holding(&self, service: &AccessService, action: &str) -> u64 {
        self.holding.get(service.name).and_then(|actions| actions.get(action)).copied().unwrap_or(0)
    }

    /// The bits of the catalog roles that hold the query's action on its resource's service: 0 without a known service.
    fn holding_for(&self, query: &AccessQuery) -> u64 {
        let service = query.resource.get("serviceName").and_then(access_service);
        service.map_or(0, |service| self.holding(service, &query.action))
    }
}

/// Up to three exact values a policy requires of the resource (a slot of [`PREFILTER_KEYS`] and a hash of the value)
/// and its roles, held beside the record in the map's own nodes: most policies about an identity's groups are for other
/// services, resource groups, resources or actions, and a decision turns them down by comparing numbers instead of
/// reading each record from wherever it lies in memory. A prefilter only turns down what the evaluation would: equal
/// values hash alike, and a catalog role's bit is in the action's mask exactly when the role holds the action.
#[derive(Clone, Copy, Debug, Default)]
struct Prefilter {
    hashes: [u32; 3],
    slots: [u8; 3],
    count: u8,
    /// Whether the policy names a custom role, whose actions are read from the role at decision time.
    custom: bool,
    /// The bits of the policy's catalog roles (see [`CatalogRoles`]).
    roles: u64,
}

/// The hash a prefilter compares: a request's value and a policy's equal one hash alike.
fn value_hash(value: &str) -> u32 {
    let hash = spoke_hash(value);
    (hash ^ (hash >> 32)) as u32
}

impl Prefilter {
    fn of(policy: &Policy) -> Prefilter {
        let mut prefilter = Prefilter::default();
        for role in &policy.draft.roles {
            prefilter.custom |= role.starts_with(CUSTOM_ROLE_PREFIX);
            prefilter.roles |= CATALOG_ROLES.bit(role);
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
            let at = usize::from(prefilter.count);
            if at < prefilter.hashes.len() {
                prefilter.hashes[at] = value_hash(value);
                prefilter.slots[at] = slot as u8;
                prefilter.count += 1;
            }
        }
        prefilter
    }

    /// Whether the request's values (hashed, by slot) may satisfy the policy and its roles may hold the action (`held`:
    /// the bits of the catalog roles that do).
    fn admits(&self, request: &[Option<u32>; PREFILTER_KEYS.len()], held: u64) -> bool {
        (self.roles & held != 0 || self.custom)
            && (0..usize::from(self.count)).all(|at| request[usize::from(self.slots[at])] == Some(self.hashes[at]))
    }
}

/// A span of a record's text.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    end: u32,
}

/// A condition's value, its texts in the record's text.
#[derive(Debug)]
enum Value {
    Text(Span),
    Flag(bool),
    List(Box<[Box<str>]>),
}

/// A condition of a record on the resource.
#[derive(Debug)]
struct Condition {
    key: Span,
    operator: Operator,
    value: Value,
}

/// A condition read against its record's text: what [`resource_attribute_matches`] matches.
struct Bound<'a> {
    text: &'a str,
    condition: &'a Condition,
}

impl Bound<'_> {
    fn span(&self, span: Span) -> &str {
        &self.text[span.start as usize..span.end as usize]
    }
}

impl ResourceCondition for Bound<'_> {
    fn key(&self) -> &str {
        self.span(self.condition.key)
    }

    fn text(&self) -> Option<&str> {
        match self.condition.value {
            Value::Text(span) => Some(self.span(span)),
            _ => None,
        }
    }

    fn matches(&self, actual: Option<&str>) -> bool {
        let expected = match &self.condition.value {
            Value::Text(span) => Expected::Text(self.span(*span)),
            Value::Flag(flag) => Expected::Flag(*flag),
            Value::List(items) => Expected::List(items),
        };
        value_matches(self.condition.operator, expected, actual)
    }
}

/// A filed policy as a decision reads it: the id, the resource conditions and the custom roles, their texts in one
/// string, so that checking a candidate reads a few neighbouring cache lines instead of following a pointer per
/// attribute, key, value and role of the policy. The subject is not kept: a filed policy is found by its subject.
/// Neither is a condition `accountId stringEquals` the owner: the account's policies are only asked about the owner's
/// resources. Catalog roles are bits of the [`Prefilter`]; a role id that is neither a catalog role nor a custom role
/// CRN grants nothing, and is dropped.
#[derive(Debug)]
struct Record {
    /// The id, then the texts of the conditions and custom roles.
    text: Box<str>,
    id_end: u32,
    conditions: Box<[Condition]>,
    custom_roles: Box<[Span]>,
}

impl Record {
    fn of(policy: &Policy) -> Record {
        let mut text = String::with_capacity(policy.id.len() + 64);
        let mut push = |value: &str| {
            let start = text.len() as u32;
            text.push_str(value);
            Span { start, end: text.len() as u32 }
        };
        let id_end = push(&policy.id).end;
        let owner = policy.draft.owner.as_str();
        let implied = |attribute: &Attribute| {
            attribute.key == "accountId"
                && attribute.operator == Operator::StringEquals
                && attribute.text() == Some(owner)
        };
        let conditions = policy
            .draft
            .resource
            .iter()
            .filter(|attribute| !implied(attribute))
            .map(|attribute| Condition {
                key: push(&attribute.key),
                operator: attribute.operator,
                value: match &attribute.value {
                    AttributeValue::Text(value) => Value::Text(push(value)),
                    AttributeValue::Flag(flag) => Value::Flag(*flag),
                    AttributeValue::List(items) => Value::List(items.iter().map(|item| item.as_str().into()).collect()),
                },
            })
            .collect();
        let custom_roles = policy
            .draft
            .roles
            .iter()
            .filter(|role| role.starts_with(CUSTOM_ROLE_PREFIX))
            .map(|role| push(role))
            .collect();
        Record { text: text.into_boxed_str(), id_end, conditions, custom_roles }
    }

    fn id(&self) -> &str {
        &self.text[..self.id_end as usize]
    }

    fn span(&self, span: Span) -> &str {
        &self.text[span.start as usize..span.end as usize]
    }

    /// Whether the policy grants `query`, its subject being the query's and `catalog` its roles' bit holding the
    /// action: what [`grants_with`] answers for the policy.
    fn grants(&self, catalog: bool, query: &AccessQuery, custom: &CustomRolesByCrn, account: &str) -> bool {
        self.conditions
            .iter()
            .all(|condition| resource_attribute_matches(&Bound { text: &self.text, condition }, query))
            && (catalog
                || self.custom_roles.iter().any(|crn| {
                    custom.find(account, self.span(*crn)).is_some_and(|role| custom_role_holds(role, account, query))
                }))
    }
}

/// A filed policy: its prefilter and its record.
#[derive(Clone, Debug)]
struct Prefiltered {
    prefilter: Prefilter,
    record: Arc<Record>,
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

/// Where a policy is filed among its account's: by the kind of its subject, then the subject.
pub(super) fn filing_order(policy: &Policy) -> (u8, &str) {
    match subject_key(policy) {
        SubjectKey::IamId(iam_id) => (0, iam_id),
        SubjectKey::Group(group) => (1, group),
        SubjectKey::Other => (2, ""),
    }
}

/// One account's active access policies, filed by subject.
#[derive(Clone, Debug, Default)]
pub(super) struct AccountAccess {
    by_iam_id: imbl::HashMap<Arc<str>, Filed>,
    by_group: imbl::HashMap<Arc<str>, Filed>,
    /// The policies about anything else, whole: every decision of the account evaluates them.
    other: ById<Policy>,
}

impl AccountAccess {
    pub(super) fn insert(&mut self, id: Arc<str>, policy: Arc<Policy>) {
        let filed = || Prefiltered { prefilter: Prefilter::of(&policy), record: Arc::new(Record::of(&policy)) };
        match subject_key(&policy) {
            SubjectKey::IamId(iam_id) => {
                self.by_iam_id.entry(Arc::from(iam_id)).or_default().insert(id, filed());
            }
            SubjectKey::Group(group) => {
                self.by_group.entry(Arc::from(group)).or_default().insert(id, filed());
            }
            SubjectKey::Other => {
                self.other.insert(id, policy.clone());
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

    /// The filed policies that could grant `query`: those about its identity and about each of its groups, less those
    /// their prefilter turns down; each with whether its catalog roles hold the action (`held`: the bits of those that
    /// do).
    fn candidates<'a>(&'a self, query: &'a AccessQuery, held: u64) -> impl Iterator<Item = (&'a Record, bool)> + 'a {
        let request = PREFILTER_KEYS.map(|key| query.resource.get(key).map(value_hash));
        let own = self.by_iam_id.get(query.subject.iam_id.as_str()).into_iter();
        let groups = query.subject.access_groups.iter().filter_map(|group| self.by_group.get(group.as_str()));
        own.chain(groups)
            .flat_map(|policies| policies.values())
            .filter(move |filed| filed.prefilter.admits(&request, held))
            .map(move |filed| (&*filed.record, filed.prefilter.roles & held != 0))
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

/// The roles as the index resolves them for the policies it keeps whole: custom roles by CRN, catalog roles by their
/// bits.
struct Resolver<'a> {
    account: &'a str,
    custom: &'a CustomRolesByCrn,
}

impl Roles for Resolver<'_> {
    fn custom_role(&self, crn: &str) -> Option<&CustomRole> {
        self.custom.find(self.account, crn)
    }

    fn holds(&self, service: &AccessService, crn: &str, action: &str) -> bool {
        CATALOG_ROLES.bit(crn) & CATALOG_ROLES.holding(service, action) != 0
    }
}

/// Decides `query` over `account`'s filed policies, exactly as [`crate::access::evaluate`] decides it over all the
/// account's active access policies (in id order) and its custom roles.
pub(super) fn decide(access: Option<&AccountAccess>, roles: &CustomRolesByCrn, query: &AccessQuery) -> AccessVerdict {
    let (Some(access), Some(account)) = (access, query.resource.get("accountId")) else {
        return AccessVerdict::default();
    };
    let held = CATALOG_ROLES.holding_for(query);
    let filed = access
        .candidates(query, held)
        .filter(|(record, catalog)| record.grants(*catalog, query, roles, account))
        .map(|(record, _)| record.id());
    let other = access
        .other
        .values()
        .filter(|policy| grants_with(policy, &Resolver { account, custom: roles }, query))
        .map(|policy| policy.id.as_str());
    let mut granted_by: Vec<&str> = filed.chain(other).collect();
    // A group named twice in the query reads its policies twice; the evaluation names each policy once, by id.
    granted_by.sort_unstable();
    granted_by.dedup();
    let granted_by: Vec<PolicyId> = granted_by.into_iter().map(str::to_owned).collect();
    AccessVerdict { permitted: !granted_by.is_empty(), granted_by }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every catalog role has its own bit, and the masks say what the catalog says.
    #[test]
    fn the_role_masks_agree_with_the_catalog() {
        let catalog = &*CATALOG_ROLES;
        let all = catalog.bits.values().fold(0u64, |mask, bit| {
            assert_eq!(mask & bit, 0, "two roles share a bit");
            mask | bit
        });
        assert_eq!(all.count_ones() as usize, catalog.bits.len());
        for service in SERVICES {
            for (action, _) in service.actions() {
                for (crn, bit) in &catalog.bits {
                    let held = catalog.holding(service, action) & bit != 0;
                    assert_eq!(held, service.holds(crn, action), "{crn} on {} for {action}", service.name);
                }
            }
        }
        assert_eq!(catalog.bit("crn:v1:bluemix:public:iam::::role:Nobody"), 0);
    }
}
