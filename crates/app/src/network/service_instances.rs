//! DNS Services instances as Resource Controller serves them (`/v2/resource_instances`): create, read, list,
//! update, delete; and [`App::dns_instance`], the check every DNS Services operation starts with.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::global_catalog;
use hubspoke_vpc::model::ServiceInstance;
use hubspoke_vpc::rules::service_instance;

use super::{Activity, Visible};
use crate::access::Target;
use crate::{App, AppResult};

pub use hubspoke_vpc::rules::service_instance::NewServiceInstance;

/// The CRN of a DNS Services instance: DNS Services is global, so its location is `global`.
pub fn instance_crn(instance: &ServiceInstance) -> String {
    format!("crn:v1:bluemix:public:dns-svcs:global:a/{}:{}::", instance.account, instance.id)
}

/// The GUID an instance is named by in a path: Resource Controller takes the CRN or the GUID.
pub fn instance_guid(id: &str) -> &str {
    match id.strip_prefix("crn:") {
        Some(_) => id.split(':').nth(7).unwrap_or(id),
        None => id,
    }
}

/// `GET /v2/resource_instances` filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstanceQuery {
    /// `name`: exactly this name.
    pub name: Option<String>,
    /// `resource_group_id`.
    pub resource_group: Option<String>,
    /// `resource_plan_id`: the plan's catalog id or name.
    pub plan: Option<String>,
}

/// `PATCH /v2/resource_instances/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstancePatch {
    /// `name`.
    pub name: Option<String>,
    /// `resource_plan_id`.
    pub plan: Option<String>,
}

impl Visible {
    /// A live DNS Services instance the caller may see, by GUID or CRN, or 404 (a deleted one too).
    pub fn dns_instance(&self, id: &str) -> AppResult<&ServiceInstance> {
        let found = self.resource_instance(id).ok().filter(|instance| instance.is_live());
        super::visible(found, "DNS Services instance", id)
    }

    /// A DNS Services instance the caller may see, live or deleted (`removed`), by GUID or CRN, or 404.
    pub fn resource_instance(&self, id: &str) -> AppResult<&ServiceInstance> {
        let guid = instance_guid(id);
        let found = self.world.service_instance(guid).filter(|instance| self.sees(&instance.account));
        super::visible(found, "DNS Services instance", id)
    }
}

impl App {
    /// The DNS Services instance `id` as the caller sees it, or 404: an unknown instance and another account's are
    /// answered alike. Every DNS Services operation starts here.
    pub fn dns_instance(&self, caller: &Caller, id: &str) -> AppResult<ServiceInstance> {
        self.visible(caller).dns_instance(id).cloned()
    }

    /// `POST /v2/resource_instances`.
    pub async fn create_service_instance(
        &self,
        caller: &Caller,
        input: NewServiceInstance,
    ) -> AppResult<ServiceInstance> {
        self.authorize(caller, "resource-controller.instance.create", Target::InGroup(input.resource_group.as_deref()))
            .await?;
        let activity = Activity::creating("resource-controller.instance.create", "resource_instance");
        let (id, _) = self.change(caller, activity, |world, ctx| service_instance::create(world, ctx, &input)).await?;
        self.dns_instance(caller, &id)
    }

    /// `GET /v2/resource_instances/{id}`: a live instance, or a deleted one in state `removed` (what a client that
    /// deleted it waits to read).
    pub fn service_instance(&self, caller: &Caller, id: &str) -> AppResult<ServiceInstance> {
        self.visible(caller).resource_instance(id).cloned()
    }

    /// `GET /v2/resource_instances`: the caller's live instances, oldest first.
    pub fn list_service_instances(&self, caller: &Caller, query: &InstanceQuery) -> Vec<ServiceInstance> {
        let visible = self.visible(caller);
        let mut instances: Vec<ServiceInstance> = visible
            .world
            .service_instances()
            .filter(|instance| instance.is_live() && visible.sees(&instance.account))
            .filter(|instance| query.name.as_ref().is_none_or(|name| *name == instance.name))
            .filter(|instance| query.resource_group.as_ref().is_none_or(|group| *group == instance.resource_group))
            .filter(|instance| query.plan.as_ref().is_none_or(|plan| global_catalog::plan(plan) == Some(instance.plan)))
            .cloned()
            .collect();
        instances.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        instances
    }

    /// `PATCH /v2/resource_instances/{id}`: the name and the plan.
    pub async fn update_service_instance(
        &self,
        caller: &Caller,
        id: &str,
        patch: InstancePatch,
    ) -> AppResult<ServiceInstance> {
        let guid = self.dns_instance(caller, id)?.id;
        let activity = Activity::on("resource-controller.instance.update", "resource_instance", &guid);
        self.change(caller, activity, |world, ctx| {
            service_instance::update(world, ctx, &guid, patch.name.as_deref(), patch.plan.as_deref())
        })
        .await?;
        self.dns_instance(caller, &guid)
    }

    /// `DELETE /v2/resource_instances/{id}`: refused while it holds zones or custom resolvers.
    pub async fn delete_service_instance(&self, caller: &Caller, id: &str) -> AppResult<Revision> {
        let guid = self.dns_instance(caller, id)?.id;
        let activity = Activity::on("resource-controller.instance.delete", "resource_instance", &guid);
        let (_, revision) =
            self.change(caller, activity, |world, ctx| service_instance::delete(world, ctx, &guid)).await?;
        Ok(revision)
    }
}
