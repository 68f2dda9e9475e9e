//! The decision engine: may this subject perform this action on this resource, and why (or why not)?
//!
//! Policies are indexed by the pair (owner account, subject account). Validation guarantees both accounts are exact
//! (`stringEquals`) on every policy, so a request only ever looks at the policies one account wrote about another: the
//! cost of a decision does not grow with the number of policies in unrelated accounts (the proptests check the
//! consequence: unrelated policies never change a decision).
//!
//! [`PolicyIndex`] is an immutable value built on persistent maps. A write clones it (cheap: the maps share structure),
//! applies the change and publishes the new value; readers keep whichever whole revision they loaded.

mod by_subject;
mod explain;
mod indexed;

use std::collections::hash_map::Entry;
use std::sync::Arc;

use crate::access::{AccessQuery, AccessVerdict};
use crate::catalog::RoleCatalog;
use crate::custom_role::CustomRole;
use crate::policy::{Policy, PolicyId, PolicyKind, PolicyState, Timestamp};
use by_subject::{AccountAccess, CustomRolesByCrn};
use indexed::{Bucket, IndexedPolicy};

pub use explain::{Mismatch, NearMiss};

/// How many near misses a denial reports.
const NEAR_MISS_LIMIT: usize = 3;
/// How many other subject-account buckets of the same owner a denial looks into for near misses.
const NEIGHBOUR_BUCKET_LIMIT: usize = 8;
/// How many policies a denial compares with the request, at most, to find the nearest.
const EXPLAIN_LIMIT: usize = 64;

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
    /// On permit, every active policy that grants the request, by id.
    pub granted_by: Vec<PolicyId>,
    /// On deny, the policies that came closest, fewest mismatches first.
    pub near_misses: Vec<NearMiss>,
    /// The index revision the decision was made at.
    pub revision: u64,
    /// Policies that grant the request but whose last change had not propagated at the moment asked (see
    /// [`PolicyIndex::decide_as_of`]), each with the time of that change; they are not in `granted_by`.
    pub propagating: Vec<(PolicyId, Timestamp)>,
}

/// (owner account, subject account).
type BucketKey = (String, String);

/// The active authorization policies, indexed for decisions.
#[derive(Clone, Debug, Default)]
pub struct PolicyIndex {
    buckets: imbl::HashMap<BucketKey, Arc<Bucket>>,
    subject_accounts_by_owner: imbl::HashMap<String, imbl::OrdSet<String>>,
    /// Where each policy is; the key is shared with its bucket.
    located: imbl::HashMap<Arc<str>, Arc<BucketKey>>,
    /// The active access policies, by owner account and id. They never take part in authorization decisions; the
    /// access evaluation ([`crate::access`]) reads them.
    access: imbl::HashMap<String, imbl::OrdMap<Arc<str>, Arc<Policy>>>,
    /// The owner of each access policy in `access`.
    access_owners: imbl::HashMap<Arc<str>, String>,
    /// The same access policies by owner account and then by subject (identity or access group), so that an access
    /// decision reads only those about the identity and its groups ([`PolicyIndex::access_decision`]).
    access_by_subject: imbl::HashMap<String, AccountAccess>,
    /// Every account's custom roles, by id.
    custom_roles: imbl::OrdMap<Arc<str>, Arc<CustomRole>>,
    /// The same custom roles by CRN, for access decisions.
    custom_roles_by_crn: CustomRolesByCrn,
    revision: u64,
}

impl PolicyIndex {
    /// An index over the active policies among `policies`, at `revision`. Builds each bucket once, so a million
    /// policies load in one pass (applying them one by one would copy crowded buckets again and again), and spreads
    /// the work that does not depend on other policies over the processor's cores.
    pub fn build<'a>(
        policies: impl IntoIterator<Item = &'a Policy>,
        revision: u64,
        catalog: &RoleCatalog,
    ) -> PolicyIndex {
        let policies: Vec<&Policy> = policies.into_iter().collect();
        // Later states of a policy id replace earlier ones, as `apply` would, in the place of the first. The maps of
        // this build are sized up front: growing one hashes every key again, and a million keys are a million cache
        // misses.
        let mut slots: FastMap<&str, usize> = fast_map(policies.len());
        let mut current: Vec<&Policy> = Vec::with_capacity(policies.len());
        for policy in policies {
            match slots.entry(&policy.id) {
                Entry::Occupied(slot) => current[*slot.get()] = policy,
                Entry::Vacant(slot) => {
                    slot.insert(current.len());
                    current.push(policy);
                }
            }
        }
        drop(slots);
        let (access, authorizations): (Vec<&Policy>, Vec<&Policy>) = current
            .into_iter()
            .filter(|policy| policy.state == PolicyState::Active)
            .partition(|policy| policy.draft.kind() == PolicyKind::Access);

        // Compiling a policy reads only that policy: the part of the build that grows with the policies' contents.
        let compiled = in_parallel(&authorizations, |policy| Arc::new(IndexedPolicy::new(policy, catalog)));
        let mut grouped: FastMap<(&str, &str), Vec<Arc<IndexedPolicy>>> = fast_map(authorizations.len() / 8);
        for (policy, indexed) in authorizations.iter().zip(compiled) {
            let key = (policy.draft.owner.as_str(), policy.draft.subject_account());
            grouped.entry(key).or_default().push(indexed);
        }
        let grouped: Vec<(Arc<BucketKey>, Vec<Arc<IndexedPolicy>>)> = grouped
            .into_iter()
            .map(|((owner, subject), policies)| (Arc::new((owner.to_owned(), subject.to_owned())), policies))
            .collect();

        let mut index = PolicyIndex::default();
        // Where each policy is (one entry per policy) and the buckets (one per account pair) are separate maps: one is
        // filed on another core while this one files the buckets and the access policies.
        let located = if grouped.len() > 1 && authorizations.len() >= PARALLEL_FROM {
            std::thread::scope(|scope| {
                let located = scope.spawn(|| locate(&grouped));
                index.file_buckets(&grouped, access);
                located.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
        } else {
            index.file_buckets(&grouped, access);
            locate(&grouped)
        };
        index.located = located;
        index.revision = revision;
        index
    }

    /// Files the built buckets and the active access policies (the rest of [`PolicyIndex::build`]).
    fn file_buckets(&mut self, grouped: &[(Arc<BucketKey>, Vec<Arc<IndexedPolicy>>)], mut access: Vec<&Policy>) {
        // Filing each subject's policies one after another places the records one decision reads next to each other in
        // memory, on a few pages instead of one per record: among a million policies, fewer pages read is most of
        // what a decision costs over one among ten thousand.
        access.sort_by_key(|policy| (policy.draft.owner.as_str(), by_subject::filing_order(policy)));
        // The whole policies are copied first, so that the records filed next are allocated one after another.
        let access: Vec<Arc<Policy>> = access.into_iter().map(|policy| self.keep_access(policy)).collect();
        for policy in access {
            self.file_access(policy);
        }
        for (key, policies) in grouped {
            self.subject_accounts_by_owner.entry(key.0.clone()).or_default().insert(key.1.clone());
            self.buckets.insert((**key).clone(), Arc::new(Bucket::of(key.clone(), policies)));
        }
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
        if policy.draft.kind() == PolicyKind::Access {
            self.insert_access(policy);
            return;
        }
        let indexed = Arc::new(IndexedPolicy::new(policy, catalog));
        let key = (policy.draft.owner.as_str().to_owned(), policy.draft.subject_account().to_owned());
        let bucket = match self.buckets.get(&key) {
            Some(bucket) => bucket.with(indexed.clone()),
            None => Bucket::of(Arc::new(key.clone()), std::slice::from_ref(&indexed)),
        };
        self.located.insert(indexed.id.clone(), bucket.key.clone());
        self.subject_accounts_by_owner.entry(key.0.clone()).or_default().insert(key.1.clone());
        self.buckets.insert(key, Arc::new(bucket));
    }

    fn insert_access(&mut self, policy: &Policy) {
        let policy = self.keep_access(policy);
        self.file_access(policy);
    }

    /// Keeps a copy of an active access policy by owner and id; [`PolicyIndex::file_access`] then files it by subject.
    fn keep_access(&mut self, policy: &Policy) -> Arc<Policy> {
        let owner = policy.draft.owner.as_str().to_owned();
        let id: Arc<str> = Arc::from(policy.id.as_str());
        let policy = Arc::new(policy.clone());
        self.access_owners.insert(id.clone(), owner.clone());
        self.access.entry(owner).or_default().insert(id, policy.clone());
        policy
    }

    fn file_access(&mut self, policy: Arc<Policy>) {
        let id = Arc::from(policy.id.as_str());
        self.access_by_subject.entry(policy.draft.owner.as_str().to_owned()).or_default().insert(id, policy);
    }

    /// Which active access policies of the resource's account (its `accountId`; without one nothing is granted) let
    /// the query's subject perform its action, with the account's custom roles: what [`crate::access::evaluate`]
    /// answers over [`PolicyIndex::access_policies`], reading only the policies about the identity and its groups.
    pub fn access_decision(&self, query: &AccessQuery) -> AccessVerdict {
        let account = query.resource.get("accountId").unwrap_or_default();
        by_subject::decide(self.access_by_subject.get(account), &self.custom_roles_by_crn, query)
    }

    /// The active access policies of `owner`, by id.
    pub fn access_policies(&self, owner: &str) -> impl Iterator<Item = &Policy> {
        self.access.get(owner).into_iter().flat_map(|policies| policies.values().map(|policy| &**policy))
    }

    /// Takes in the new state of a custom role.
    pub fn apply_custom_role(&mut self, role: &CustomRole) {
        let role = Arc::new(role.clone());
        if let Some(previous) = self.custom_roles.insert(Arc::from(role.id.as_str()), role.clone()) {
            self.custom_roles_by_crn.remove(&previous);
        }
        self.custom_roles_by_crn.insert(role);
    }

    /// Forgets a deleted custom role.
    pub fn remove_custom_role(&mut self, id: &str) {
        if let Some(previous) = self.custom_roles.remove(id) {
            self.custom_roles_by_crn.remove(&previous);
        }
    }

    /// The custom roles of `account`, oldest first by id.
    pub fn custom_roles_of(&self, account: &str) -> Vec<CustomRole> {
        self.custom_roles
            .values()
            .filter(|role| role.account_id.as_str() == account)
            .map(|role| (**role).clone())
            .collect()
    }

    /// Removes a policy if it is indexed.
    pub fn remove(&mut self, id: &str) {
        if let Some(owner) = self.access_owners.remove(id) {
            if let Some(policies) = self.access.get_mut(&owner)
                && let Some(policy) = policies.remove(id)
            {
                if policies.is_empty() {
                    self.access.remove(&owner);
                }
                if let Some(filed) = self.access_by_subject.get_mut(&owner) {
                    filed.remove(&policy);
                    if filed.is_empty() {
                        self.access_by_subject.remove(&owner);
                    }
                }
            }
            return;
        }
        let Some(key) = self.located.remove(id) else { return };
        let Some(bucket) = self.buckets.get(&*key) else { return };
        let rest = bucket.without(id);
        if rest.len() == 0 {
            self.buckets.remove(&*key);
            if let Some(subjects) = self.subject_accounts_by_owner.get_mut(&key.0) {
                subjects.remove(&key.1);
                if subjects.is_empty() {
                    self.subject_accounts_by_owner.remove(&key.0);
                }
            }
        } else {
            self.buckets.insert((*key).clone(), Arc::new(rest));
        }
    }

    /// Decides one request with every indexed policy in effect.
    pub fn decide(&self, request: &AccessRequest) -> Decision {
        self.decide_as_of(request, None)
    }

    /// Decides one request counting only policies changed at or before `propagated_by` (`None`: all of them), the
    /// way IAM decides while a new or changed policy is still propagating: it grants nothing until then.
    pub fn decide_as_of(&self, request: &AccessRequest, propagated_by: Option<Timestamp>) -> Decision {
        let owner = request.resource.get("accountId").unwrap_or_default();
        let subject_account = request.subject.get("accountId").unwrap_or_default();
        let mut decision = Decision {
            permitted: false,
            granted_by: Vec::new(),
            near_misses: Vec::new(),
            revision: self.revision,
            propagating: Vec::new(),
        };
        let bucket = self.buckets.get(&(owner.to_owned(), subject_account.to_owned()));
        let spoke = request.subject.get("resource");
        for policy in bucket.iter().flat_map(|bucket| bucket.candidates(spoke)) {
            if policy.grants(request) {
                match propagated_by {
                    Some(by) if policy.changed_at > by.0 => {
                        decision.propagating.push((policy.id.to_string(), Timestamp(policy.changed_at)))
                    }
                    _ => decision.granted_by.push(policy.id.to_string()),
                }
            }
        }
        if !decision.granted_by.is_empty() {
            decision.permitted = true;
            decision.granted_by.sort_unstable();
            return decision;
        }
        // Denied: explain with the nearest policies. The candidates come first (the policies about this very spoke),
        // then the rest of the bucket and the owner's policies for other subject accounts ("a policy exists, but for
        // account X"), looking at no more than EXPLAIN_LIMIT policies so that a crowded bucket stays cheap to deny.
        let mut nearest: Vec<&IndexedPolicy> = Vec::new();
        if let Some(bucket) = bucket {
            let candidates: Vec<&Arc<IndexedPolicy>> = bucket.candidates(spoke).take(EXPLAIN_LIMIT).collect();
            let others = bucket.all().filter(|p| !candidates.iter().any(|c| Arc::ptr_eq(c, p)));
            let chosen = candidates.iter().copied().chain(others).take(EXPLAIN_LIMIT);
            nearest.extend(chosen.map(|policy| &**policy));
        }
        if nearest.len() < NEAR_MISS_LIMIT {
            let neighbours = self.subject_accounts_by_owner.get(owner).into_iter().flatten();
            let neighbours = neighbours.filter(|account| *account != subject_account).take(NEIGHBOUR_BUCKET_LIMIT);
            let policies = neighbours
                .filter_map(|account| self.buckets.get(&(owner.to_owned(), account.clone())))
                .flat_map(|bucket| bucket.all());
            let room = EXPLAIN_LIMIT - nearest.len();
            nearest.extend(policies.take(room).map(|policy| &**policy));
        }
        // Rank by how many conditions fail (stable: the candidates stay ahead on ties), and explain only the winners.
        let mut ranked: Vec<(usize, &IndexedPolicy)> = nearest.into_iter().map(|p| (p.misses(request), p)).collect();
        ranked.sort_by_key(|(misses, _)| *misses);
        ranked.truncate(NEAR_MISS_LIMIT);
        decision.near_misses = ranked.into_iter().map(|(_, policy)| near_miss(policy, request)).collect();
        decision.near_misses.sort_by_key(|miss| miss.mismatches.len());
        decision.near_misses.truncate(NEAR_MISS_LIMIT);
        decision
    }
}

fn near_miss(policy: &IndexedPolicy, request: &AccessRequest) -> NearMiss {
    NearMiss { policy_id: policy.id.to_string(), mismatches: explain::mismatches(policy, request) }
}

/// From how many policies [`PolicyIndex::build`] spreads its work over the cores; below it, starting threads costs
/// more than it saves.
const PARALLEL_FROM: usize = 16_384;

/// The hash maps a build uses and drops: keyed by ids and account names the index already holds, never kept, so a
/// fast hash with a per-map seed is enough.
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

fn fast_map<K, V>(capacity: usize) -> FastMap<K, V> {
    FastMap::with_capacity_and_hasher(capacity, foldhash::fast::RandomState::default())
}

/// Where each built policy is: its id to its bucket's key.
fn locate(grouped: &[(Arc<BucketKey>, Vec<Arc<IndexedPolicy>>)]) -> imbl::HashMap<Arc<str>, Arc<BucketKey>> {
    let mut located = imbl::HashMap::new();
    for (key, policies) in grouped {
        for policy in policies {
            located.insert(policy.id.clone(), key.clone());
        }
    }
    located
}

/// `compile` applied to every item, in order; large inputs are split into one run of consecutive items per core.
fn in_parallel<T: Sync, R: Send>(items: &[T], compile: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if cores == 1 || items.len() < PARALLEL_FROM {
        return items.iter().map(compile).collect();
    }
    let compile = &compile;
    std::thread::scope(|scope| {
        let runs: Vec<_> = items
            .chunks(items.len().div_ceil(cores))
            .map(|run| scope.spawn(move || run.iter().map(compile).collect::<Vec<R>>()))
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for run in runs {
            all.extend(run.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        all
    })
}

#[cfg(test)]
mod tests;
