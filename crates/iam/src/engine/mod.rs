//! The decision engine: may this subject perform this action on this resource, and why (or why not)?
//!
//! Policies are indexed by the pair (owner account, subject account). Validation guarantees both accounts are exact
//! (`stringEquals`) on every policy, so a request only ever looks at the policies one account wrote about another: the
//! cost of a decision does not grow with the number of policies in unrelated accounts (the proptests check the
//! consequence: unrelated policies never change a decision).
//!
//! [`PolicyIndex`] is an immutable value built on persistent maps. A write clones it (cheap: the maps share structure),
//! applies the change and publishes the new value; readers keep whichever whole revision they loaded.

mod explain;

use std::sync::Arc;

use crate::attribute::Attribute;
use crate::catalog::{Role, RoleCatalog};
use crate::policy::{Policy, PolicyId, PolicyState};

pub use explain::{Mismatch, NearMiss};

/// How many near misses a denial reports.
const NEAR_MISS_LIMIT: usize = 3;
/// How many other subject-account buckets of the same owner a denial looks into for near misses.
const NEIGHBOUR_BUCKET_LIMIT: usize = 8;

/// A request's attributes (subject or resource), as name/value pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestAttributes(Vec<(String, String)>);

impl RequestAttributes {
    /// Builds the set from pairs; a later pair with the same name replaces an earlier one.
    pub fn new<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> RequestAttributes {
        let mut attributes = RequestAttributes::default();
        for (key, value) in pairs {
            attributes.set(key.into(), value.into());
        }
        attributes
    }

    /// Sets one attribute.
    pub fn set(&mut self, key: String, value: String) {
        match self.0.iter_mut().find(|(known, _)| *known == key) {
            Some(pair) => pair.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// The value of one attribute.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(known, _)| known == key).map(|(_, value)| value.as_str())
    }

    /// Every pair, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// One question for the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRequest {
    /// The calling resource, for example a spoke VPC: `accountId`, `serviceName`, `resourceType`, `resource`.
    pub subject: RequestAttributes,
    /// The action, for example `is.vpc.dns-resolution-binding.connect`.
    pub action: String,
    /// The target, for example a hub VPC: `accountId`, `serviceName`, `vpcId`.
    pub resource: RequestAttributes,
}

/// The engine's answer. Never an error: a request the engine cannot match is simply denied, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the action is permitted.
    pub permitted: bool,
    /// On permit, every active policy that grants the request, in index order.
    pub granted_by: Vec<PolicyId>,
    /// On deny, the policies that came closest, fewest mismatches first.
    pub near_misses: Vec<NearMiss>,
    /// The index revision the decision was made at.
    pub revision: u64,
}

/// A policy as the index holds it: only what decisions need, with roles resolved against the catalog.
#[derive(Debug)]
struct IndexedPolicy {
    id: PolicyId,
    subject: Vec<Attribute>,
    resource: Vec<Attribute>,
    role_ids: Vec<String>,
    roles: Vec<&'static Role>,
}

/// (owner account, subject account).
type BucketKey = (String, String);

/// The active authorization policies, indexed for decisions.
#[derive(Clone, Debug, Default)]
pub struct PolicyIndex {
    buckets: imbl::HashMap<BucketKey, Arc<Vec<Arc<IndexedPolicy>>>>,
    subject_accounts_by_owner: imbl::HashMap<String, imbl::OrdSet<String>>,
    located: imbl::HashMap<PolicyId, BucketKey>,
    revision: u64,
}

impl PolicyIndex {
    /// An index over the active policies among `policies`, at `revision`.
    pub fn build<'a>(
        policies: impl IntoIterator<Item = &'a Policy>,
        revision: u64,
        catalog: &RoleCatalog,
    ) -> PolicyIndex {
        let mut index = PolicyIndex::default();
        for policy in policies {
            index.apply(policy, catalog);
        }
        index.revision = revision;
        index
    }

    /// The revision of the newest change applied.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Sets the revision after a batch of changes has been applied.
    pub fn set_revision(&mut self, revision: u64) {
        self.revision = revision;
    }

    /// How many active policies the index holds.
    pub fn len(&self) -> usize {
        self.located.len()
    }

    /// Whether the index holds no policy.
    pub fn is_empty(&self) -> bool {
        self.located.is_empty()
    }

    /// Brings the index in line with the new state of one policy: active policies are (re)indexed, deleted ones removed.
    pub fn apply(&mut self, policy: &Policy, catalog: &RoleCatalog) {
        self.remove(&policy.id);
        if policy.state != PolicyState::Active {
            return;
        }
        let draft = &policy.draft;
        let target_service = draft.resource_attribute("serviceName").and_then(Attribute::text).unwrap_or_default();
        let source_service = draft.subject_attribute("serviceName").and_then(Attribute::text);
        let roles = draft
            .roles
            .iter()
            .filter_map(|crn| catalog.authorization_role(target_service, source_service, crn))
            .collect();
        let indexed = Arc::new(IndexedPolicy {
            id: policy.id.clone(),
            subject: draft.subject.clone(),
            resource: draft.resource.clone(),
            role_ids: draft.roles.clone(),
            roles,
        });
        let key = (draft.owner.as_str().to_owned(), draft.subject_account().to_owned());
        let mut bucket: Vec<Arc<IndexedPolicy>> = self.buckets.get(&key).map(|b| (**b).clone()).unwrap_or_default();
        bucket.push(indexed);
        self.buckets.insert(key.clone(), Arc::new(bucket));
        self.subject_accounts_by_owner.entry(key.0.clone()).or_default().insert(key.1.clone());
        self.located.insert(policy.id.clone(), key);
    }

    /// Removes a policy if it is indexed.
    pub fn remove(&mut self, id: &str) {
        let Some(key) = self.located.remove(id) else { return };
        let Some(bucket) = self.buckets.get(&key) else { return };
        let rest: Vec<Arc<IndexedPolicy>> = bucket.iter().filter(|p| p.id != id).cloned().collect();
        if rest.is_empty() {
            self.buckets.remove(&key);
            if let Some(subjects) = self.subject_accounts_by_owner.get_mut(&key.0) {
                subjects.remove(&key.1);
                if subjects.is_empty() {
                    self.subject_accounts_by_owner.remove(&key.0);
                }
            }
        } else {
            self.buckets.insert(key, Arc::new(rest));
        }
    }

    /// Decides one request.
    pub fn decide(&self, request: &AccessRequest) -> Decision {
        let owner = request.resource.get("accountId").unwrap_or_default();
        let subject_account = request.subject.get("accountId").unwrap_or_default();
        let mut decision =
            Decision { permitted: false, granted_by: Vec::new(), near_misses: Vec::new(), revision: self.revision };
        let key = (owner.to_owned(), subject_account.to_owned());
        let candidates = self.buckets.get(&key);
        for policy in candidates.iter().flat_map(|bucket| bucket.iter()) {
            let mismatches = explain::mismatches(policy, request);
            if mismatches.is_empty() {
                decision.granted_by.push(policy.id.clone());
            } else if decision.granted_by.is_empty() {
                decision.near_misses.push(NearMiss { policy_id: policy.id.clone(), mismatches });
            }
        }
        if !decision.granted_by.is_empty() {
            decision.permitted = true;
            decision.near_misses.clear();
            return decision;
        }
        // Nothing in the exact bucket: policies the owner wrote for other subject accounts may still explain the
        // denial ("a policy exists, but for account X").
        if decision.near_misses.len() < NEAR_MISS_LIMIT {
            let neighbours = self.subject_accounts_by_owner.get(owner).into_iter().flatten();
            let neighbours = neighbours.filter(|account| *account != subject_account).take(NEIGHBOUR_BUCKET_LIMIT);
            for account in neighbours {
                let bucket = self.buckets.get(&(owner.to_owned(), account.clone()));
                for policy in bucket.iter().flat_map(|bucket| bucket.iter()) {
                    let mismatches = explain::mismatches(policy, request);
                    decision.near_misses.push(NearMiss { policy_id: policy.id.clone(), mismatches });
                }
            }
        }
        decision.near_misses.sort_by_key(|miss| miss.mismatches.len());
        decision.near_misses.truncate(NEAR_MISS_LIMIT);
        decision
    }
}

#[cfg(test)]
mod tests;
