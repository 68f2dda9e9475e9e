//! The policies as stored, by id and by account in creation order: what policy reads and list pages are served from.
//!
//! A list page sorted by creation time (the default order, and the one the SDK pagers and Terraform walk) is read
//! here at the replica's revision, with the same filters, order and page bounds as the store's query; other orders
//! are rare enough to be left to the store's indexes.

use std::ops::Bound;
use std::sync::Arc;

use hubspoke_iam::{AccountId, AttributeValue, Policy};
use hubspoke_store::{AttributeSide, PolicyPage, PolicyPosition, PolicyQuery, PolicySortField, SortValue};
use imbl::OrdMap;

/// A policy's place in its account's list: its creation time in milliseconds, then its id.
type ListKey = (i64, Arc<str>);

/// Every stored policy by id, whatever its state, as a GET renders it, and each account's policies in creation
/// order: the read model of the policy APIs, on persistent maps so that a write publishes a new book in O(log n).
#[derive(Clone, Debug, Default)]
pub struct PolicyBook {
    by_id: imbl::HashMap<Arc<str>, Arc<Policy>>,
    /// The same policies again, under their place in their account's list: a page walks one of these alone.
    by_account: imbl::HashMap<AccountId, OrdMap<ListKey, Arc<Policy>>>,
}

/// A page of a policy list read from the book: the store's [`PolicyPage`], sharing the book's policies.
#[derive(Clone, Debug)]
pub struct BookPage {
    /// The policies of the page, in the list's order.
    pub policies: Vec<Arc<Policy>>,
    /// Whether policies follow the page.
    pub more_after: bool,
    /// Whether policies precede the page.
    pub more_before: bool,
}

impl From<PolicyPage> for BookPage {
    fn from(page: PolicyPage) -> BookPage {
        BookPage {
            policies: page.policies.into_iter().map(Arc::new).collect(),
            more_after: page.more_after,
            more_before: page.more_before,
        }
    }
}

impl PolicyBook {
    /// The book of these policies (the newest state of each, as the store holds them).
    pub fn of(policies: impl IntoIterator<Item = Policy>) -> PolicyBook {
        PolicyBook::shared(policies.into_iter().map(Arc::new))
    }

    /// The book of these policies, sharing them with whoever else holds them.
    pub fn shared(policies: impl IntoIterator<Item = Arc<Policy>>) -> PolicyBook {
        let mut by_id = imbl::HashMap::new();
        // Each account's list is gathered first and built once, while nothing else shares it, so that no insert
        // copies a path of a map another book still holds.
        let mut lists: std::collections::HashMap<AccountId, Vec<(ListKey, Arc<Policy>)>> =
            std::collections::HashMap::new();
        for policy in policies {
            let id: Arc<str> = Arc::from(policy.id.as_str());
            let key = (policy.created_at.0, id.clone());
            // Most policies join a list already started: looking it up first spares a copy of the owner per policy.
            match lists.get_mut(&policy.draft.owner) {
                Some(list) => list.push((key, policy.clone())),
                None => {
                    lists.insert(policy.draft.owner.clone(), vec![(key, policy.clone())]);
                }
            }
            by_id.insert(id, policy);
        }
        let by_account = lists.into_iter().map(|(account, entries)| (account, entries.into_iter().collect())).collect();
        PolicyBook { by_id, by_account }
    }

    /// Files the newest state of a policy, replacing the one before.
    pub fn insert(&mut self, policy: Policy) {
        let id: Arc<str> = Arc::from(policy.id.as_str());
        if let Some(old) = self.by_id.get(&id) {
            // A policy keeps its owner and creation time, but the book does not rely on it.
            let key = (old.created_at.0, id.clone());
            if let Some(list) = self.by_account.get_mut(&old.draft.owner) {
                list.remove(&key);
            }
        }
        let policy = Arc::new(policy);
        let key = (policy.created_at.0, id.clone());
        self.by_account.entry(policy.draft.owner.clone()).or_default().insert(key, policy.clone());
        self.by_id.insert(id, policy);
    }

    /// Forgets a policy the store no longer holds.
    pub fn remove(&mut self, id: &str) {
        if let Some(old) = self.by_id.remove(id)
            && let Some(list) = self.by_account.get_mut(&old.draft.owner)
        {
            list.remove(&(old.created_at.0, Arc::from(id)));
        }
    }

    /// The policy with this id, if the replica has taken it in.
    pub fn get(&self, id: &str) -> Option<Arc<Policy>> {
        self.by_id.get(id).cloned()
    }

    /// The page `query` asks for, exactly as the store would answer it at the book's revision; `None` when the
    /// query sorts by anything but the creation time, which only the store answers.
    pub fn page(&self, query: &PolicyQuery) -> Option<BookPage> {
        let (field, descending) = query.sort.unwrap_or((PolicySortField::CreatedAt, false));
        if field != PolicySortField::CreatedAt {
            return None;
        }
        let cursor = match &query.position {
            PolicyPosition::First => None,
            PolicyPosition::After(key) | PolicyPosition::Before(key) => match &key.value {
                SortValue::Int(at) => Some((*at, Arc::from(key.id.as_str()))),
                SortValue::Text(_) => return None,
            },
        };
        // A page before a cursor is read in the list's reverse order, then turned around, as the store does.
        let backwards = matches!(query.position, PolicyPosition::Before(_));
        let empty = OrdMap::new();
        let list = self.by_account.get(&query.owner).unwrap_or(&empty);
        let keys = ordered(list, cursor.as_ref(), descending == backwards, !backwards);
        let limit = query.limit.unwrap_or(u64::MAX);
        let mut policies = Vec::new();
        let mut more = false;
        for policy in keys {
            if !wanted(policy, query) {
                continue;
            }
            if policies.len() as u64 == limit {
                more = true;
                break;
            }
            policies.push(policy.clone());
        }
        if backwards {
            policies.reverse();
        }
        let (more_after, more_before) = query.position.page_flags(more);
        Some(BookPage { policies, more_after, more_before })
    }
}

/// An entry of an account's list.
type Entry<'a> = (&'a ListKey, &'a Arc<Policy>);

/// The policies of `list` strictly past `cursor` (all of them without one), by time ascending or descending, and
/// among policies of the same time by id ascending or descending.
fn ordered<'a>(
    list: &'a OrdMap<ListKey, Arc<Policy>>,
    cursor: Option<&ListKey>,
    time_ascending: bool,
    id_ascending: bool,
) -> Box<dyn Iterator<Item = &'a Arc<Policy>> + 'a> {
    let Some(cursor) = cursor else {
        return match (time_ascending, id_ascending) {
            (true, true) => Box::new(list.values()),
            (false, false) => Box::new(list.values().rev()),
            (true, false) => Box::new(FlipTies::new(list.iter()).map(|(_, policy)| policy)),
            (false, true) => Box::new(FlipTies::new(list.iter().rev()).map(|(_, policy)| policy)),
        };
    };
    let (at, id) = (cursor.0, cursor.1.clone());
    // The first key of the cursor's time, and the first of the time after it ("" sorts before every id).
    let from_time = (at, Arc::<str>::from(""));
    let past_time = at.checked_add(1).map(|next| (next, Arc::<str>::from("")));
    let cursor = (at, id);
    let policy = |(_, policy): Entry<'a>| policy;
    match (time_ascending, id_ascending) {
        (true, true) => Box::new(list.range((Bound::Excluded(cursor), Bound::Unbounded)).map(policy)),
        (false, false) => Box::new(list.range((Bound::Unbounded, Bound::Excluded(cursor))).rev().map(policy)),
        (true, false) => {
            // From the cursor's time on, the ties turned around; past the cursor's time, the ids below it come first.
            let rest = FlipTies::new(list.range((Bound::Included(from_time), Bound::Unbounded)));
            Box::new(rest.skip_while(move |(key, _)| key.0 == cursor.0 && key.1 >= cursor.1).map(policy))
        }
        (false, true) => {
            let upto = past_time.map_or(Bound::Unbounded, Bound::Excluded);
            let rest = FlipTies::new(list.range((Bound::Unbounded, upto)).rev());
            Box::new(rest.skip_while(move |(key, _)| key.0 == cursor.0 && key.1 <= cursor.1).map(policy))
        }
    }
}

/// Turns around each run of entries of the same time: from an order where time and id go the same way, the order
/// where the id goes the other way.
struct FlipTies<'a, I: Iterator<Item = Entry<'a>>> {
    entries: std::iter::Peekable<I>,
    run: Vec<Entry<'a>>,
}

impl<'a, I: Iterator<Item = Entry<'a>>> FlipTies<'a, I> {
    fn new(entries: I) -> Self {
        FlipTies { entries: entries.peekable(), run: Vec::new() }
    }
}

impl<'a, I: Iterator<Item = Entry<'a>>> Iterator for FlipTies<'a, I> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        if self.run.is_empty() {
            let first = self.entries.next()?;
            self.run.push(first);
            while let Some(tie) = self.entries.next_if(|(key, _)| key.0 == first.0.0) {
                self.run.push(tie);
            }
        }
        self.run.pop()
    }
}

/// Whether `policy` passes the filters of `query` (its owner is the list's already).
fn wanted(policy: &Policy, query: &PolicyQuery) -> bool {
    if query.state.is_some_and(|state| state != policy.state) {
        return false;
    }
    if query.kind.is_some_and(|kind| kind != policy.draft.kind()) {
        return false;
    }
    let text_of = |side: AttributeSide, key: &str, value: &str| {
        let list = match side {
            AttributeSide::Subject => &policy.draft.subject,
            AttributeSide::Resource => &policy.draft.resource,
        };
        list.iter().any(|attribute| {
            attribute.key == key && matches!(&attribute.value, AttributeValue::Text(text) if text == value)
        })
    };
    if !query.attributes.iter().all(|(side, key, value)| text_of(*side, key, value)) {
        return false;
    }
    query.resource_service.as_ref().is_none_or(|service| text_of(AttributeSide::Resource, "serviceName", service))
}
