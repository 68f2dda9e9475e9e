//! The Global Catalog entries hubspoke serves: the DNS Services offering (`dns-svcs`), its two plans and one `global`
//! deployment of each. The ids are hubspoke's own, chosen to be readable and stable across releases.

use crate::model::DnsPlan;

/// The catalog id of DNS Services; Resource Controller answers it as an instance's `resource_id`.
pub const SERVICE_ID: &str = "dns-svcs";

/// The location of every deployment: DNS Services is global.
pub const LOCATION: &str = "global";

/// What an entry is: the `kind` of the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A service offering.
    Service,
    /// A plan of a service.
    Plan,
    /// Where a plan is provisioned.
    Deployment,
}

impl EntryKind {
    /// The catalog's `kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Service => "service",
            EntryKind::Plan => "plan",
            EntryKind::Deployment => "deployment",
        }
    }
}

/// One catalog entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its id, which names it in a path.
    pub id: &'static str,
    /// Its name (for a plan, the name a Terraform configuration gives).
    pub name: &'static str,
    /// What it is.
    pub kind: EntryKind,
    /// The entry it belongs to: a plan's service, a deployment's plan; `None` for the service.
    pub parent: Option<&'static str>,
    /// The name the console shows.
    pub display_name: &'static str,
    /// One line on what it is.
    pub description: &'static str,
    /// The DNS Services plan it is or belongs to; `None` for the service.
    pub plan: Option<DnsPlan>,
}

/// Every entry, the service first, then each plan followed by its deployment.
pub const ENTRIES: &[Entry] = &[
    Entry {
        id: SERVICE_ID,
        name: "dns-svcs",
        kind: EntryKind::Service,
        parent: None,
        display_name: "DNS Services",
        description: "Private DNS for the VPCs of an account: zones, records, permitted networks, custom resolvers",
        plan: None,
    },
    Entry {
        id: "dns-svcs-standard-dns",
        name: "standard-dns",
        kind: EntryKind::Plan,
        parent: Some(SERVICE_ID),
        display_name: "Standard",
        description: "Zones, records and custom resolvers, billed by use",
        plan: Some(DnsPlan::Standard),
    },
    Entry {
        id: "dns-svcs-standard-dns-global",
        name: "global",
        kind: EntryKind::Deployment,
        parent: Some("dns-svcs-standard-dns"),
        display_name: "Global",
        description: "The standard plan, served in every region",
        plan: Some(DnsPlan::Standard),
    },
    Entry {
        id: "dns-svcs-free-plan",
        name: "free-plan",
        kind: EntryKind::Plan,
        parent: Some(SERVICE_ID),
        display_name: "Free",
        description: "Zones and records for trying the service",
        plan: Some(DnsPlan::Free),
    },
    Entry {
        id: "dns-svcs-free-plan-global",
        name: "global",
        kind: EntryKind::Deployment,
        parent: Some("dns-svcs-free-plan"),
        display_name: "Global",
        description: "The free plan, served in every region",
        plan: Some(DnsPlan::Free),
    },
];

/// The entry with this id.
pub fn entry(id: &str) -> Option<&'static Entry> {
    ENTRIES.iter().find(|entry| entry.id == id)
}

/// The entries of `kind` that belong to the entry `parent`, in catalog order.
pub fn children(parent: &str, kind: EntryKind) -> Vec<&'static Entry> {
    ENTRIES.iter().filter(|entry| entry.parent == Some(parent) && entry.kind == kind).collect()
}

/// The services a search finds: with no query, every service; otherwise those whose name, id or display name holds
/// every word of the query, ignoring case.
pub fn search(query: Option<&str>) -> Vec<&'static Entry> {
    let words: Vec<String> = query.unwrap_or("").split_whitespace().map(str::to_ascii_lowercase).collect();
    ENTRIES
        .iter()
        .filter(|entry| entry.kind == EntryKind::Service)
        .filter(|entry| {
            let haystack = format!("{} {} {}", entry.name, entry.id, entry.display_name).to_ascii_lowercase();
            words.iter().all(|word| haystack.contains(word.as_str()))
        })
        .collect()
}

/// An entry's `catalog_crn`.
pub fn catalog_crn(entry: &Entry) -> String {
    format!("crn:v1:bluemix:public:globalcatalog::::{}:{}", entry.kind.as_str(), entry.id)
}

/// The CRN of the target a deployment provisions into; its last segment names the location as Resource Controller
/// does (`bluemix-global`).
pub fn target_crn() -> String {
    format!("crn:v1:bluemix:public:resource-catalog::::deployment-target:bluemix-{LOCATION}")
}

/// A plan's catalog id.
pub fn plan_id(plan: DnsPlan) -> &'static str {
    plan_entry(plan, EntryKind::Plan).id
}

/// The deployment of a plan.
pub fn deployment(plan: DnsPlan) -> &'static Entry {
    plan_entry(plan, EntryKind::Deployment)
}

fn plan_entry(plan: DnsPlan, kind: EntryKind) -> &'static Entry {
    // Every plan has exactly one plan entry and one deployment in `ENTRIES`; the unit tests check it.
    ENTRIES.iter().find(|entry| entry.kind == kind && entry.plan == Some(plan)).unwrap_or(&ENTRIES[0])
}

/// The plan a Resource Controller request names, by its catalog id or by its name.
pub fn plan(text: &str) -> Option<DnsPlan> {
    DnsPlan::parse(text).or_else(|| entry(text).filter(|entry| entry.kind == EntryKind::Plan).and_then(|e| e.plan))
}

/// Whether `target` is where `plan` may be provisioned: the location (`global` or `bluemix-global`) or the
/// `catalog_crn` of the plan's deployment, which the Terraform provider sends.
pub fn is_target_of(plan: DnsPlan, target: &str) -> bool {
    target == LOCATION || target == format!("bluemix-{LOCATION}") || target == catalog_crn(deployment(plan))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plan_has_one_plan_entry_and_one_deployment_under_it() {
        for plan in [DnsPlan::Standard, DnsPlan::Free] {
            let entry = plan_entry(plan, EntryKind::Plan);
            assert_eq!((entry.kind, entry.name, entry.parent), (EntryKind::Plan, plan.as_str(), Some(SERVICE_ID)));
            assert_eq!(children(entry.id, EntryKind::Deployment), vec![deployment(plan)]);
            assert_eq!(deployment(plan).parent, Some(entry.id));
        }
        assert_eq!(children(SERVICE_ID, EntryKind::Plan).len(), 2);
    }

    #[test]
    fn plans_are_found_by_name_or_id_and_nothing_else() {
        assert_eq!(plan("standard-dns"), Some(DnsPlan::Standard));
        assert_eq!(plan("dns-svcs-free-plan"), Some(DnsPlan::Free));
        assert_eq!(plan(SERVICE_ID), None);
        assert_eq!(plan("dns-svcs-free-plan-global"), None);
        assert_eq!(plan("lite"), None);
    }

    #[test]
    fn targets_are_the_location_or_the_plan_s_own_deployment() {
        let standard = catalog_crn(deployment(DnsPlan::Standard));
        assert!(is_target_of(DnsPlan::Standard, &standard));
        assert!(is_target_of(DnsPlan::Free, "bluemix-global"));
        assert!(!is_target_of(DnsPlan::Free, &standard));
        assert!(!is_target_of(DnsPlan::Free, "us-south"));
        assert!(target_crn().ends_with(":bluemix-global"));
    }

    #[test]
    fn search_matches_every_word_of_the_query() {
        assert_eq!(search(Some("dns-svcs")).len(), 1);
        assert_eq!(search(Some("DNS services")).len(), 1);
        assert_eq!(search(None).len(), 1);
        assert!(search(Some("cloud-object-storage")).is_empty());
    }
}
