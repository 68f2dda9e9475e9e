//! The Global Catalog (`/api/v1`): the DNS Services offering, its plans and their deployments, read by anyone. The
//! catalog is the same for every caller and never changes while hubspoke runs.

use hubspoke_vpc::RuleError;
use hubspoke_vpc::global_catalog::{self, Entry, EntryKind};

use crate::{App, AppError, AppResult};

/// The entry `id`, or 404.
fn known(id: &str) -> AppResult<&'static Entry> {
    global_catalog::entry(id).ok_or_else(|| AppError::Rule(RuleError::not_found("catalog entry", id)))
}

impl App {
    /// `GET /api/v1/`: the services whose name holds every word of `query` (every service without one).
    pub fn search_catalog(&self, query: Option<&str>) -> Vec<&'static Entry> {
        global_catalog::search(query)
    }

    /// `GET /api/v1/{id}`: one entry, a service, a plan or a deployment.
    pub fn catalog_entry(&self, id: &str) -> AppResult<&'static Entry> {
        known(id)
    }

    /// `GET /api/v1/{id}/plan`: the plans of the entry `id` (none for a plan or a deployment).
    pub fn catalog_plans(&self, id: &str) -> AppResult<Vec<&'static Entry>> {
        Ok(global_catalog::children(known(id)?.id, EntryKind::Plan))
    }

    /// `GET /api/v1/{id}/deployment`: the deployments of the entry `id` (none for a service or a deployment).
    pub fn catalog_deployments(&self, id: &str) -> AppResult<Vec<&'static Entry>> {
        Ok(global_catalog::children(known(id)?.id, EntryKind::Deployment))
    }
}
