//! The policy book answers list pages as the store does: over generated policies (with many ties in creation time,
//! both states and both kinds) and generated filters, every page walked forward and every page before it is the same
//! from the book as from the database, with the same `more` flags.

use hubspoke_app::policy_book::PolicyBook;
use hubspoke_iam::{AccountId, Attribute, Policy, PolicyDraft, PolicyKind, PolicyState, Timestamp};
use hubspoke_store::{
    AttributeSide, PolicyKey, PolicyPosition, PolicyQuery, PolicySortField, SortValue, SqlStore, Store,
};
use proptest::prelude::*;

const ACCOUNTS: [&str; 2] = ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"];

/// One generated policy: its account, creation time (few values, so that ties are common), whether it is an access
/// policy, its service and resource type, whether it ends deleted, and a prefix that scatters ids against time.
#[derive(Clone, Debug)]
struct Spec {
    account: usize,
    created_at: i64,
    access: bool,
    service: &'static str,
    resource_type: &'static str,
    deleted: bool,
    id_prefix: u8,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0..2usize,
        0..5i64,
        any::<bool>(),
        prop_oneof![Just("is"), Just("dns-svcs")],
        any::<bool>(),
        any::<bool>(),
        any::<u8>(),
    )
        .prop_map(|(account, created_at, access, service, zone, deleted, id_prefix)| Spec {
            account,
            created_at: 1_700_000_000_000 + created_at,
            access,
            service,
            resource_type: if zone { "zone" } else { "vpc" },
            deleted,
            id_prefix,
        })
}

/// What a list asks for, but its position.
#[derive(Clone, Debug)]
struct Filter {
    account: usize,
    state: Option<PolicyState>,
    kind: Option<PolicyKind>,
    service: Option<&'static str>,
    attribute: Option<(AttributeSide, &'static str, &'static str)>,
    descending: bool,
    limit: Option<u64>,
}

fn filter() -> impl Strategy<Value = Filter> {
    (
        0..2usize,
        prop_oneof![Just(None), Just(Some(PolicyState::Active)), Just(Some(PolicyState::Deleted))],
        prop_oneof![Just(None), Just(Some(PolicyKind::Access)), Just(Some(PolicyKind::Authorization))],
        prop_oneof![Just(None), Just(Some("is")), Just(Some("dns-svcs"))],
        prop_oneof![
            Just(None),
            Just(Some((AttributeSide::Resource, "resourceType", "zone"))),
            Just(Some((AttributeSide::Subject, "iam_id", "IBMid-reader"))),
        ],
        any::<bool>(),
        prop_oneof![Just(None), (1..6u64).prop_map(Some)],
    )
        .prop_map(|(account, state, kind, service, attribute, descending, limit)| Filter {
            account,
            state,
            kind,
            service,
            attribute,
            descending,
            limit,
        })
}

fn policy(index: usize, spec: &Spec) -> Policy {
    let owner = ACCOUNTS[spec.account];
    let subject = if spec.access {
        vec![Attribute::equals("accountId", owner), Attribute::equals("iam_id", "IBMid-reader")]
    } else {
        vec![Attribute::equals("accountId", ACCOUNTS[1 - spec.account]), Attribute::equals("serviceName", "is")]
    };
    Policy {
        id: format!("{:03}-{index:03}", spec.id_prefix),
        draft: PolicyDraft {
            owner: AccountId::parse(owner).unwrap(),
            description: None,
            subject,
            resource: vec![
                Attribute::equals("accountId", owner),
                Attribute::equals("serviceName", spec.service),
                Attribute::equals("resourceType", spec.resource_type),
                // Every policy is distinct, so that none is refused as a duplicate.
                Attribute::equals("resource", &format!("r-{index}")),
            ],
            roles: vec!["crn:v1:bluemix:public:iam::::role:Viewer".into()],
        },
        state: PolicyState::Active,
        version: 1,
        created_at: Timestamp(spec.created_at),
        created_by_id: "IBMid-creator".into(),
        last_modified_at: Timestamp(spec.created_at),
        last_modified_by_id: "IBMid-creator".into(),
    }
}

fn query(filter: &Filter, position: PolicyPosition) -> PolicyQuery {
    PolicyQuery {
        owner: AccountId::parse(ACCOUNTS[filter.account]).unwrap(),
        state: filter.state,
        resource_service: filter.service.map(str::to_owned),
        kind: filter.kind,
        attributes: filter
            .attribute
            .iter()
            .map(|(side, key, value)| (*side, (*key).to_owned(), (*value).to_owned()))
            .collect(),
        sort: Some((PolicySortField::CreatedAt, filter.descending)),
        position,
        limit: filter.limit,
    }
}

fn key(policy: &Policy) -> PolicyKey {
    PolicyKey { value: SortValue::Int(policy.created_at.0), id: policy.id.clone() }
}

/// The ids of a page and its flags, from either source.
type Seen = (Vec<String>, bool, bool);

async fn compare(book: &PolicyBook, store: &SqlStore, query: &PolicyQuery) -> Result<Vec<Policy>, TestCaseError> {
    let from_book = book.page(query).expect("the book answers lists in creation order");
    let from_store = store.list_policies(query).await.unwrap();
    let seen = |ids: Vec<String>, after, before| -> Seen { (ids, after, before) };
    prop_assert_eq!(
        seen(from_book.policies.iter().map(|p| p.id.clone()).collect(), from_book.more_after, from_book.more_before),
        seen(from_store.policies.iter().map(|p| p.id.clone()).collect(), from_store.more_after, from_store.more_before),
        "{:?}",
        query
    );
    Ok(from_store.policies)
}

async fn agree(specs: Vec<Spec>, filters: Vec<Filter>) -> Result<(), TestCaseError> {
    let store = SqlStore::in_memory().await.unwrap();
    let policies: Vec<Policy> = specs.iter().enumerate().map(|(index, spec)| policy(index, spec)).collect();
    store.import_policies(&policies).await.unwrap();
    // The book is built whole from the active policies, then takes in each deletion one at a time, as a replica
    // does when it follows the change log.
    let mut book = PolicyBook::of(policies.clone());
    for (policy, _) in policies.iter().zip(&specs).filter(|(_, spec)| spec.deleted) {
        let deleted = Policy { state: PolicyState::Deleted, version: 2, ..policy.clone() };
        store.update_policy(&deleted, &[]).await.unwrap();
        book.insert(deleted);
    }
    for filter in &filters {
        // Forward through the whole list, and from each page back to the one before it.
        let mut position = PolicyPosition::First;
        for _ in 0..=specs.len() {
            let page = compare(&book, &store, &query(filter, position.clone())).await?;
            if let Some(first) = page.first().filter(|_| !matches!(position, PolicyPosition::First)) {
                compare(&book, &store, &query(filter, PolicyPosition::Before(key(first)))).await?;
            }
            match page.last() {
                Some(last) if filter.limit.is_some() => position = PolicyPosition::After(key(last)),
                _ => break,
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn book_pages_agree_with_store(specs in prop::collection::vec(spec(), 0..30), filters in prop::collection::vec(filter(), 1..6)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(agree(specs, filters))?;
    }
}
