//! How the index holds a policy: only what decisions need, compactly (a million policies must fit in memory many
//! times over), and grouped into buckets that a request can narrow further by the spoke it names.

use std::sync::Arc;

use crate::attribute::{Attribute, AttributeValue, Expected, Operator, value_matches};
use crate::catalog::{Role, RoleCatalog};
use crate::policy::Policy;

/// Attribute keys policies use again and again: held as shared statics instead of one string per policy.
const KNOWN_KEYS: [&str; 9] = [
    "accountId",
    "serviceName",
    "resourceType",
    "resource",
    "vpcId",
    "resourceGroupId",
    "region",
    "serviceInstance",
    "id",
];

/// An attribute key: a position in [`KNOWN_KEYS`], or its own string.
#[derive(Debug)]
enum Key {
    Known(u8),
    Other(Box<str>),
}

impl Key {
    fn new(key: &str) -> Key {
        match KNOWN_KEYS.iter().position(|known| *known == key) {
            Some(at) => Key::Known(at as u8),
            None => Key::Other(key.into()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Key::Known(at) => KNOWN_KEYS[*at as usize],
            Key::Other(key) => key,
        }
    }
}

/// An attribute value.
#[derive(Debug)]
enum Value {
    Text(Box<str>),
    Flag(bool),
    List(Box<[Box<str>]>),
}

/// One condition of a policy on the subject or the resource.
#[derive(Debug)]
pub(super) struct Condition {
    key: Key,
    operator: Operator,
    value: Value,
}

impl Condition {
    fn new(attribute: &Attribute) -> Condition {
        let value = match &attribute.value {
            AttributeValue::Text(text) => Value::Text(text.as_str().into()),
            AttributeValue::Flag(flag) => Value::Flag(*flag),
            AttributeValue::List(items) => Value::List(items.iter().map(|item| item.as_str().into()).collect()),
        };
        Condition { key: Key::new(&attribute.key), operator: attribute.operator, value }
    }

    /// The attribute's key.
    pub(super) fn key(&self) -> &str {
        self.key.as_str()
    }

    /// Whether the request's value for the key (`None` when absent) satisfies the condition.
    pub(super) fn matches(&self, actual: Option<&str>) -> bool {
        let expected = match &self.value {
            Value::Text(text) => Expected::Text(text),
            Value::Flag(flag) => Expected::Flag(*flag),
            Value::List(items) => Expected::List(items),
        };
        value_matches(self.operator, expected, actual)
    }

    /// The exact value, for `stringEquals` on a text.
    fn exact(&self) -> Option<&str> {
        match (&self.value, self.operator) {
            (Value::Text(text), Operator::StringEquals) => Some(text),
            _ => None,
        }
    }

    /// The attribute again, for explanations (only built on the denial path).
    pub(super) fn to_attribute(&self) -> Attribute {
        let value = match &self.value {
            Value::Text(text) => AttributeValue::Text(text.to_string()),
            Value::Flag(flag) => AttributeValue::Flag(*flag),
            Value::List(items) => AttributeValue::List(items.iter().map(|item| item.to_string()).collect()),
        };
        Attribute { key: self.key.as_str().to_owned(), operator: self.operator, value }
    }
}

/// A role of a policy: the catalog's, or an id the catalog does not grant for the policy's services (kept only to
/// be named in explanations; it grants nothing).
#[derive(Debug)]
enum RoleRef {
    Catalog(&'static Role),
    Unknown(Box<str>),
}

/// A policy as the index holds it.
#[derive(Debug)]
pub(super) struct IndexedPolicy {
    pub(super) id: Arc<str>,
    pub(super) subject: Box<[Condition]>,
    pub(super) resource: Box<[Condition]>,
    roles: Box<[RoleRef]>,
    /// When the policy was last created or changed (milliseconds since the epoch), for propagation delays.
    pub(super) changed_at: i64,
}

impl IndexedPolicy {
    pub(super) fn new(policy: &Policy, catalog: &RoleCatalog) -> IndexedPolicy {
        let draft = &policy.draft;
        let target_service = draft.resource_attribute("serviceName").and_then(Attribute::text).unwrap_or_default();
        let source_service = draft.subject_attribute("serviceName").and_then(Attribute::text);
        let roles = draft
            .roles
            .iter()
            .map(|crn| match catalog.authorization_role(target_service, source_service, crn) {
                Some(role) => RoleRef::Catalog(role),
                None => RoleRef::Unknown(crn.as_str().into()),
            })
            .collect();
        IndexedPolicy {
            id: policy.id.as_str().into(),
            subject: draft.subject.iter().map(Condition::new).collect(),
            resource: draft.resource.iter().map(Condition::new).collect(),
            roles,
            changed_at: policy.last_modified_at.0,
        }
    }

    /// Whether one of the policy's roles grants the action.
    pub(super) fn grants_action(&self, action: &str) -> bool {
        self.roles.iter().any(|role| matches!(role, RoleRef::Catalog(role) if role.grants(action)))
    }

    /// The role ids, for explanations.
    pub(super) fn role_ids(&self) -> Vec<String> {
        self.roles
            .iter()
            .map(|role| match role {
                RoleRef::Catalog(role) => role.crn.to_owned(),
                RoleRef::Unknown(crn) => crn.to_string(),
            })
            .collect()
    }

    /// How many of the policy's conditions (and its roles, as one) the request fails. Allocates nothing: a denial ranks
    /// policies with it and explains only the nearest.
    pub(super) fn misses(&self, request: &super::AccessRequest) -> usize {
        let subject = self.subject.iter().filter(|c| !c.matches(request.subject.get(c.key()))).count();
        let resource = self.resource.iter().filter(|c| !c.matches(request.resource.get(c.key()))).count();
        subject + resource + usize::from(!self.grants_action(&request.action))
    }

    /// Whether the policy grants the request: every condition holds and a role grants the action. Allocates nothing.
    pub(super) fn grants(&self, request: &super::AccessRequest) -> bool {
        self.subject.iter().all(|condition| condition.matches(request.subject.get(condition.key())))
            && self.resource.iter().all(|condition| condition.matches(request.resource.get(condition.key())))
            && self.grants_action(&request.action)
    }

    /// The spoke this policy is about, when its subject names one `resource` exactly.
    pub(super) fn specific_subject(&self) -> Option<&str> {
        self.subject.iter().find(|condition| condition.key() == "resource").and_then(Condition::exact)
    }
}

/// The policies one account wrote about subjects of another account.
///
/// Policies naming one spoke resource exactly (most DNS-sharing grants do) are kept sorted by it, so a request only
/// looks at the policies about its own spoke and at the `general` ones (all VPCs of the spoke account, or any other
/// condition on the subject). A hub that granted thousands of specific spokes of one account stays cheap to ask.
#[derive(Debug)]
pub(super) struct Bucket {
    pub(super) key: Arc<(String, String)>,
    /// Sorted by a hash of [`IndexedPolicy::specific_subject`] (which every one of them has), held inline: a
    /// binary search then reads one contiguous array instead of following a pointer at every step, which is what
    /// keeps a crowded bucket fast when a million policies no longer fit in the processor's caches.
    specific: Vec<(u64, Arc<IndexedPolicy>)>,
    general: Vec<Arc<IndexedPolicy>>,
}

impl Bucket {
    pub(super) fn new(key: Arc<(String, String)>) -> Bucket {
        Bucket { key, specific: Vec::new(), general: Vec::new() }
    }

    pub(super) fn len(&self) -> usize {
        self.specific.len() + self.general.len()
    }

    /// A bucket holding `policies`, sorted once (building an index of many policies must not sort per insert).
    pub(super) fn of(key: Arc<(String, String)>, policies: &[Arc<IndexedPolicy>]) -> Bucket {
        let mut bucket = Bucket::new(key);
        for policy in policies {
            match policy.specific_subject() {
                Some(spoke) => bucket.specific.push((spoke_hash(spoke), policy.clone())),
                None => bucket.general.push(policy.clone()),
            }
        }
        // Stable, so policies about one spoke keep their order of arrival.
        bucket.specific.sort_by_key(|(hash, _)| *hash);
        bucket
    }

    /// The same bucket with `policy` added.
    pub(super) fn with(&self, policy: Arc<IndexedPolicy>) -> Bucket {
        let mut next = Bucket { key: self.key.clone(), specific: self.specific.clone(), general: self.general.clone() };
        match policy.specific_subject() {
            Some(spoke) => {
                let hash = spoke_hash(spoke);
                let at = next.specific.partition_point(|(other, _)| *other <= hash);
                next.specific.insert(at, (hash, policy.clone()));
            }
            None => next.general.push(policy),
        }
        next
    }

    /// The same bucket without the policy `id`.
    pub(super) fn without(&self, id: &str) -> Bucket {
        Bucket {
            key: self.key.clone(),
            specific: self.specific.iter().filter(|(_, policy)| &*policy.id != id).cloned().collect(),
            general: self.general.iter().filter(|policy| &*policy.id != id).cloned().collect(),
        }
    }

    /// The policies that could grant a request from `spoke`: those about that spoke, then the general ones.
    pub(super) fn candidates<'a>(
        &'a self,
        spoke: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Arc<IndexedPolicy>> + 'a {
        let (hash, range) = match spoke {
            Some(spoke) => {
                let hash = spoke_hash(spoke);
                let start = self.specific.partition_point(|(other, _)| *other < hash);
                let end = start + self.specific[start..].partition_point(|(other, _)| *other == hash);
                (hash, start..end)
            }
            None => (0, 0..0),
        };
        // Equal hashes of different spokes are possible, if rare: the key itself decides.
        let specific =
            self.specific[range].iter().filter(move |(h, policy)| *h == hash && policy.specific_subject() == spoke);
        specific.map(|(_, policy)| policy).chain(self.general.iter())
    }

    /// Every policy of the bucket, for explanations.
    pub(super) fn all(&self) -> impl Iterator<Item = &Arc<IndexedPolicy>> {
        self.specific.iter().map(|(_, policy)| policy).chain(self.general.iter())
    }
}

/// A hash of a spoke id, the same in every process (the index is rebuilt from the store, never shared, but a fixed
/// function keeps builds reproducible): FNV-1a.
pub(super) fn spoke_hash(spoke: &str) -> u64 {
    spoke.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}
