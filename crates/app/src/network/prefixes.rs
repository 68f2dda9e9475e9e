//! Address prefixes of a VPC: create, read, list, update (name, `is_default`) and delete.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::World;
use hubspoke_vpc::model::AddressPrefix;
use hubspoke_vpc::rules::prefix;

use super::{Activity, Visible};
use crate::paging::{Cursor, Page, PageRequest, SortPart, paginate};
use crate::precondition::{Precondition, Tagged};
use crate::{App, AppResult};

pub use hubspoke_vpc::rules::prefix::{AddressPrefixPatch, NewAddressPrefix};

/// An address prefix as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressPrefixRead {
    /// The prefix.
    pub prefix: AddressPrefix,
    /// Whether a subnet uses addresses of it (`has_subnets`).
    pub has_subnets: bool,
}

impl Tagged for AddressPrefixRead {
    fn tagged(&self) -> impl std::fmt::Debug + '_ {
        self
    }
}

fn read(visible: &Visible, prefix: &AddressPrefix) -> AddressPrefixRead {
    AddressPrefixRead { prefix: prefix.clone(), has_subnets: visible.world.prefix_has_subnets(prefix) }
}

impl App {
    /// `POST /vpcs/{vpc_id}/address_prefixes`.
    pub async fn create_address_prefix(
        &self,
        caller: &Caller,
        input: NewAddressPrefix,
    ) -> AppResult<AddressPrefixRead> {
        let activity = Activity::creating("is.vpc.address-prefix.create", "address_prefix");
        let vpc = input.vpc.clone();
        let (id, _) = self.change(caller, activity, |world, ctx| prefix::create(world, ctx, input.clone())).await?;
        self.address_prefix(caller, &vpc, &id)
    }

    /// `GET /vpcs/{vpc_id}/address_prefixes/{id}`.
    pub fn address_prefix(&self, caller: &Caller, vpc: &str, id: &str) -> AppResult<AddressPrefixRead> {
        let visible = self.visible(caller);
        Ok(read(&visible, visible.address_prefix(vpc, id)?))
    }

    /// `GET /vpcs/{vpc_id}/address_prefixes`: oldest first (so the defaults come in zone order), then by id.
    pub fn list_address_prefixes(
        &self,
        caller: &Caller,
        vpc: &str,
        page: &PageRequest,
    ) -> AppResult<Page<AddressPrefixRead>> {
        let visible = self.visible(caller);
        let vpc = visible.vpc(vpc)?;
        let prefixes: Vec<&AddressPrefix> = visible.world.prefixes_of(&vpc.id).collect();
        let oldest_first = |p: &&AddressPrefix| {
            Cursor(vec![SortPart::Int(p.created_at.0), SortPart::Text(p.zone.clone()), SortPart::Text(p.id.clone())])
        };
        Ok(paginate(prefixes, oldest_first, page).map(|prefix| read(&visible, prefix)))
    }

    /// `PATCH /vpcs/{vpc_id}/address_prefixes/{id}` (merge patch of `name` and `is_default`).
    pub async fn update_address_prefix(
        &self,
        caller: &Caller,
        vpc: &str,
        id: &str,
        patch: &AddressPrefixPatch,
        precondition: &Precondition,
    ) -> AppResult<AddressPrefixRead> {
        self.change_guarded(
            caller,
            Activity::on("is.vpc.address-prefix.update", "address_prefix", id),
            |world| self.check_prefix_etag(caller, world, vpc, id, precondition),
            |world, ctx| prefix::update(world, ctx, vpc, id, patch),
        )
        .await?;
        self.address_prefix(caller, vpc, id)
    }

    /// `DELETE /vpcs/{vpc_id}/address_prefixes/{id}`.
    pub async fn delete_address_prefix(
        &self,
        caller: &Caller,
        vpc: &str,
        id: &str,
        precondition: &Precondition,
    ) -> AppResult<Revision> {
        let (_, revision) = self
            .change_guarded(
                caller,
                Activity::on("is.vpc.address-prefix.delete", "address_prefix", id),
                |world| self.check_prefix_etag(caller, world, vpc, id, precondition),
                |world, ctx| prefix::delete(world, ctx, vpc, id),
            )
            .await?;
        Ok(revision)
    }

    fn check_prefix_etag(
        &self,
        caller: &Caller,
        world: &World,
        vpc: &str,
        id: &str,
        precondition: &Precondition,
    ) -> AppResult<()> {
        let resource = format!("address prefix `{id}`");
        self.check_etag(caller, world, precondition, &resource, |visible| {
            Ok(read(visible, visible.address_prefix(vpc, id)?).etag())
        })
    }
}
