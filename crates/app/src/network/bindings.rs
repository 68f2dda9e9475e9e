//! DNS resolution bindings: one binding, one id, seen from the spoke and from the hub; create (from the spoke),
//! read, list, rename and delete (from either side).

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::model::{Binding, Vpc};
use hubspoke_vpc::region::crn;
use hubspoke_vpc::rules::binding;
use hubspoke_vpc::topology::{binding_gateways, binding_health};

use super::{Activity, Reference, Visible, VpcIdentity};
use crate::access::Target;
use crate::paging::{Cursor, Page, PageRequest, SortPart, paginate};
use crate::{App, AppResult};

/// A binding as one of its VPCs lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingRead {
    /// The binding.
    pub binding: Binding,
    /// The VPC it is seen from.
    pub from: String,
    /// Its name as that VPC lists it.
    pub name: String,
    /// The other VPC (remote when in another account).
    pub other: Reference,
    /// The spoke's gateways it shares (`primary` and `per_resource_binding`).
    pub gateways: Vec<Reference>,
    /// `health_state`.
    pub health: &'static str,
    /// `health_reasons`, as (code, message).
    pub health_reasons: Vec<(&'static str, String)>,
    /// `lifecycle_state`.
    pub lifecycle: &'static str,
}

/// Which bindings a VPC's list shows; every filter set must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BindingFilter {
    /// `name`, as this VPC lists it.
    pub name: Option<String>,
    /// `vpc.crn`: the other VPC's CRN.
    pub vpc_crn: Option<String>,
    /// `vpc.name`: the other VPC's name.
    pub vpc_name: Option<String>,
    /// `account.id`: the other VPC's account.
    pub account: Option<String>,
}

/// The order of a VPC's binding list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BindingSort {
    /// Oldest first.
    CreatedAt,
    /// Newest first (the default).
    #[default]
    CreatedAtDescending,
    /// By name.
    Name,
    /// By name, descending.
    NameDescending,
}

fn read(visible: &Visible, from: &Vpc, binding: &Binding, lifecycle: Option<&'static str>) -> BindingRead {
    let (other, _) = binding.other(&from.id);
    let other = match visible.world.vpc(other) {
        Some(vpc) => Reference::relative_to(&from.account, &vpc.id, &vpc.name, &vpc.account),
        None => Reference { id: other.to_owned(), name: None, account: None, remote: false },
    };
    let gateways = binding_gateways(&visible.world, binding)
        .map(|gateway| Reference::relative_to(&from.account, &gateway.id, &gateway.name, &gateway.account))
        .collect();
    let (health, health_reasons) = binding_health(binding);
    BindingRead {
        binding: binding.clone(),
        from: from.id.clone(),
        name: binding.name_for(&from.id).to_owned(),
        other,
        gateways,
        health,
        health_reasons,
        lifecycle: lifecycle.unwrap_or_else(|| binding.settling.state_at(visible.now)),
    }
}

impl BindingFilter {
    fn matches(&self, visible: &Visible, vpc: &str, binding: &Binding) -> bool {
        let (other, other_account) = binding.other(vpc);
        let other_vpc = visible.world.vpc(other);
        self.name.as_ref().is_none_or(|name| binding.name_for(vpc) == name)
            && self.vpc_crn.as_ref().is_none_or(|c| crn(other_account, "vpc", other) == *c)
            && self.vpc_name.as_ref().is_none_or(|name| other_vpc.is_some_and(|o| o.name == *name))
            && self.account.as_ref().is_none_or(|account| other_account.as_str() == account)
    }
}

impl App {
    /// `POST /vpcs/{spoke}/dns_resolution_bindings`, from the spoke.
    pub async fn create_binding(
        &self,
        caller: &Caller,
        spoke: &str,
        hub: &VpcIdentity,
        name: Option<&str>,
    ) -> AppResult<BindingRead> {
        let activity = Activity::creating("is.vpc.dns-resolution-binding.create", "dns_resolution_binding");
        let ((id, _), _) =
            self.change(caller, activity, |world, ctx| binding::create(world, ctx, spoke, hub, name)).await?;
        self.binding(caller, spoke, &id)
    }

    /// `GET /vpcs/{vpc}/dns_resolution_bindings/{id}`.
    pub fn binding(&self, caller: &Caller, vpc: &str, id: &str) -> AppResult<BindingRead> {
        let visible = self.visible(caller);
        let (from, binding) = visible.binding(vpc, id)?;
        Ok(read(&visible, from, binding, None))
    }

    /// `GET /vpcs/{vpc}/dns_resolution_bindings`.
    pub fn list_bindings(
        &self,
        caller: &Caller,
        vpc: &str,
        filter: &BindingFilter,
        sort: BindingSort,
        page: &PageRequest,
    ) -> AppResult<Page<BindingRead>> {
        let visible = self.visible(caller);
        let from = visible.vpc(vpc)?;
        let bindings: Vec<&Binding> =
            visible.world.bindings_of(vpc).filter(|b| filter.matches(&visible, vpc, b)).collect();
        let order = |b: &&Binding| {
            let first = match sort {
                BindingSort::CreatedAt => SortPart::Int(b.created_at.0),
                BindingSort::CreatedAtDescending => SortPart::Int(-b.created_at.0),
                BindingSort::Name => SortPart::Text(b.name_for(vpc).to_owned()),
                BindingSort::NameDescending => SortPart::TextDescending(b.name_for(vpc).to_owned()),
            };
            Cursor(vec![first, SortPart::Text(b.id.clone())])
        };
        Ok(paginate(bindings, order, page).map(|binding| read(&visible, from, binding, None)))
    }

    /// `PATCH /vpcs/{vpc}/dns_resolution_bindings/{id}`: renames it as this VPC lists it.
    pub async fn rename_binding(
        &self,
        caller: &Caller,
        vpc: &str,
        id: &str,
        name: Option<&str>,
    ) -> AppResult<BindingRead> {
        if let Some(name) = name {
            let activity = Activity::on("is.vpc.dns-resolution-binding.update", "dns_resolution_binding", id);
            self.change(caller, activity, |world, ctx| binding::rename(world, ctx, vpc, id, name)).await?;
        }
        self.binding(caller, vpc, id)
    }

    /// `DELETE /vpcs/{vpc}/dns_resolution_bindings/{id}` from either side: the binding as it was, `deleting`.
    pub async fn delete_binding(&self, caller: &Caller, vpc: &str, id: &str) -> AppResult<(BindingRead, Revision)> {
        let before = self.visible(caller);
        // Deleting from the hub's side disconnects the spoke, so a user or service ID of the hub needs
        // `is.vpc.dns-resolution-binding.disconnect` on the hub VPC as well as `delete` (which the operation's own
        // action already required).
        if let Ok((_, binding)) = before.binding(vpc, id)
            && binding.hub == vpc
        {
            self.authorize(caller, "is.vpc.dns-resolution-binding.disconnect", Target::Resource(vpc)).await?;
        }
        let activity = Activity::on("is.vpc.dns-resolution-binding.delete", "dns_resolution_binding", id);
        let (deleted, revision) =
            self.change(caller, activity, |world, ctx| binding::delete(world, ctx, vpc, id)).await?;
        let from = before.vpc(vpc)?;
        let mut read = read(&before, from, &deleted.binding, Some("deleting"));
        if deleted.hub_side_kept {
            // The spoke's side is going, but the hub's stays: say so where IBM's clients already look.
            read.health = "faulted";
            read.health_reasons = vec![(
                "dns_resolution_binding_hub_side_kept",
                format!(
                    "VPC `{vpc}` may not `is.vpc.dns-resolution-binding.disconnect` the hub, so only its side of the binding is deleted; the hub's side stays, faulted, until the hub's administrator deletes it (rule D4)"
                ),
            )];
        }
        Ok((read, revision))
    }
}
