//! Resource bindings of endpoint gateways: create, read, list, rename and delete.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::model::ResourceBinding;
use hubspoke_vpc::rules::resource_binding;

use super::{Activity, Visible};
use crate::paging::{Cursor, Page, PageRequest, SortPart, paginate};
use crate::{App, AppResult};

pub use hubspoke_vpc::rules::resource_binding::NewResourceBinding;

/// A resource binding as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceBindingRead {
    /// The binding.
    pub binding: ResourceBinding,
    /// `lifecycle_state` now: `pending` after creation for `--propagation-delay`, then `stable`.
    pub lifecycle_state: &'static str,
}

fn read(visible: &Visible, binding: &ResourceBinding) -> ResourceBindingRead {
    ResourceBindingRead { binding: binding.clone(), lifecycle_state: binding.settling.state_at(visible.now) }
}

impl Visible {
    /// A resource binding of a visible endpoint gateway, or 404.
    pub fn resource_binding(&self, gateway: &str, id: &str) -> AppResult<&ResourceBinding> {
        let gateway = self.gateway(gateway)?;
        let found = self.world.resource_binding(id).filter(|binding| binding.gateway == gateway.id);
        super::visible(found, "endpoint gateway resource binding", id)
    }
}

impl App {
    /// `POST /endpoint_gateways/{id}/resource_bindings`.
    pub async fn create_resource_binding(
        &self,
        caller: &Caller,
        input: NewResourceBinding,
    ) -> AppResult<ResourceBindingRead> {
        let gateway = input.gateway.clone();
        let activity = Activity::creating(
            "is.endpoint-gateway.endpoint-gateway-resource-binding.create",
            "endpoint_gateway_resource_binding",
        );
        let (id, _) =
            self.change(caller, activity, |world, ctx| resource_binding::create(world, ctx, input.clone())).await?;
        self.resource_binding(caller, &gateway, &id)
    }

    /// `GET /endpoint_gateways/{id}/resource_bindings/{binding}`.
    pub fn resource_binding(&self, caller: &Caller, gateway: &str, id: &str) -> AppResult<ResourceBindingRead> {
        let visible = self.visible(caller);
        Ok(read(&visible, visible.resource_binding(gateway, id)?))
    }

    /// `GET /endpoint_gateways/{id}/resource_bindings`: newest first, then by name.
    pub fn list_resource_bindings(
        &self,
        caller: &Caller,
        gateway: &str,
        page: &PageRequest,
    ) -> AppResult<Page<ResourceBindingRead>> {
        let visible = self.visible(caller);
        let gateway = visible.gateway(gateway)?;
        let bindings: Vec<&ResourceBinding> = visible.world.resource_bindings_of(&gateway.id).collect();
        let newest_first = |b: &&ResourceBinding| {
            Cursor(vec![SortPart::Int(-b.created_at.0), SortPart::Text(b.name.clone()), SortPart::Text(b.id.clone())])
        };
        Ok(paginate(bindings, newest_first, page).map(|binding| read(&visible, binding)))
    }

    /// `PATCH /endpoint_gateways/{id}/resource_bindings/{binding}`: renames it (a request without a name changes
    /// nothing).
    pub async fn rename_resource_binding(
        &self,
        caller: &Caller,
        gateway: &str,
        id: &str,
        name: Option<&str>,
    ) -> AppResult<ResourceBindingRead> {
        if let Some(name) = name {
            let activity = Activity::on(
                "is.endpoint-gateway.endpoint-gateway-resource-binding.update",
                "endpoint_gateway_resource_binding",
                id,
            );
            self.change(caller, activity, |world, ctx| resource_binding::rename(world, ctx, gateway, id, name)).await?;
        }
        self.resource_binding(caller, gateway, id)
    }

    /// `DELETE /endpoint_gateways/{id}/resource_bindings/{binding}`.
    pub async fn delete_resource_binding(&self, caller: &Caller, gateway: &str, id: &str) -> AppResult<Revision> {
        let activity = Activity::on(
            "is.endpoint-gateway.endpoint-gateway-resource-binding.delete",
            "endpoint_gateway_resource_binding",
            id,
        );
        let (_, revision) =
            self.change(caller, activity, |world, ctx| resource_binding::delete(world, ctx, gateway, id)).await?;
        Ok(revision)
    }
}
