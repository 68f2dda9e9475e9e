//! DNS Services custom resolvers and their locations: create, read, list, update, delete. Each operation names a
//! DNS Services instance of the caller's account, or is answered 404.

use std::net::Ipv4Addr;

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::model::{CustomResolver, ResolverLocation};
use hubspoke_vpc::region::crn;
use hubspoke_vpc::rules::resolver;

use super::{Activity, Visible};
use crate::{App, AppError, AppResult};

pub use hubspoke_vpc::rules::resolver::{CustomResolverPatch, LocationPatch, NewCustomResolver, NewLocation};

/// A custom resolver as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomResolverRead {
    /// The resolver.
    pub resolver: CustomResolver,
    /// Its locations, in order.
    pub locations: Vec<LocationRead>,
    /// `lifecycle.state`: `updating` while a profile change is in progress, else `stable`.
    pub lifecycle: &'static str,
}

/// One location of a custom resolver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocationRead {
    /// The location.
    pub location: ResolverLocation,
    /// The CRN of its subnet.
    pub subnet_crn: String,
    /// The address it answers on.
    pub address: Option<Ipv4Addr>,
    /// Whether its resolver is enabled (a location serves only then).
    pub resolver_enabled: bool,
}

fn read(visible: &Visible, resolver: &CustomResolver) -> CustomResolverRead {
    let locations = resolver
        .locations
        .iter()
        .map(|location| LocationRead {
            location: location.clone(),
            subnet_crn: visible
                .world
                .subnet(&location.subnet)
                .map(|subnet| crn(&subnet.account, "subnet", &subnet.id))
                .unwrap_or_default(),
            address: visible.world.reserved_ip(&location.reserved_ip).map(|ip| ip.address),
            resolver_enabled: resolver.enabled,
        })
        .collect();
    let lifecycle = if resolver::is_updating(resolver, visible.now) { "updating" } else { "stable" };
    CustomResolverRead { resolver: resolver.clone(), locations, lifecycle }
}

impl App {
    /// `POST /instances/{instance}/custom_resolvers`: created disabled; enabling it is an update.
    pub async fn create_resolver(
        &self,
        caller: &Caller,
        instance: &str,
        input: NewCustomResolver,
    ) -> AppResult<CustomResolverRead> {
        self.dns_instance(caller, instance)?;
        let activity = Activity::creating("dns-svcs.custom-resolver.create", "custom_resolver");
        let (id, _) =
            self.change(caller, activity, |world, ctx| resolver::create(world, ctx, instance, &input)).await?;
        self.resolver(caller, instance, &id)
    }

    /// `GET /instances/{instance}/custom_resolvers/{id}`.
    pub fn resolver(&self, caller: &Caller, instance: &str, id: &str) -> AppResult<CustomResolverRead> {
        let visible = self.visible(caller);
        visible.dns_instance(instance)?;
        Ok(read(&visible, visible.resolver(instance, id)?))
    }

    /// `GET /instances/{instance}/custom_resolvers`: oldest first.
    pub fn list_resolvers(&self, caller: &Caller, instance: &str) -> AppResult<Vec<CustomResolverRead>> {
        let visible = self.visible(caller);
        visible.dns_instance(instance)?;
        let mut resolvers: Vec<&CustomResolver> =
            visible.world.resolvers().filter(|r| r.instance == instance && visible.sees(&r.account)).collect();
        resolvers.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(resolvers.into_iter().map(|resolver| read(&visible, resolver)).collect())
    }

    /// `PATCH /instances/{instance}/custom_resolvers/{id}`: name, description, enabled, profile,
    /// allow_disruptive_updates.
    pub async fn update_resolver(
        &self,
        caller: &Caller,
        instance: &str,
        id: &str,
        patch: CustomResolverPatch,
    ) -> AppResult<CustomResolverRead> {
        self.dns_instance(caller, instance)?;
        let activity = Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", id);
        self.change(caller, activity, |world, ctx| resolver::update(world, ctx, instance, id, &patch)).await?;
        self.resolver(caller, instance, id)
    }

    /// `PUT /instances/{instance}/custom_resolvers/{id}/locations_order`.
    pub async fn order_resolver_locations(
        &self,
        caller: &Caller,
        instance: &str,
        id: &str,
        order: Vec<String>,
    ) -> AppResult<CustomResolverRead> {
        let activity = Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", id);
        self.change(caller, activity, |world, ctx| resolver::order_locations(world, ctx, instance, id, &order)).await?;
        self.resolver(caller, instance, id)
    }

    /// `DELETE /instances/{instance}/custom_resolvers/{id}`.
    pub async fn delete_resolver(&self, caller: &Caller, instance: &str, id: &str) -> AppResult<Revision> {
        self.dns_instance(caller, instance)?;
        let activity = Activity::on("dns-svcs.custom-resolver.delete", "custom_resolver", id);
        let (_, revision) =
            self.change(caller, activity, |world, ctx| resolver::delete(world, ctx, instance, id)).await?;
        Ok(revision)
    }

    /// `GET .../custom_resolvers/{id}/locations/{location}` (the answer of a location's create and update).
    pub fn resolver_location(
        &self,
        caller: &Caller,
        instance: &str,
        id: &str,
        location: &str,
    ) -> AppResult<LocationRead> {
        let read = self.resolver(caller, instance, id)?;
        read.locations
            .into_iter()
            .find(|found| found.location.id == location)
            .ok_or_else(|| AppError::Rule(hubspoke_vpc::RuleError::not_found("custom resolver location", location)))
    }

    /// `POST .../custom_resolvers/{id}/locations`.
    pub async fn add_resolver_location(
        &self,
        caller: &Caller,
        instance: &str,
        id: &str,
        input: NewLocation,
    ) -> AppResult<LocationRead> {
        self.dns_instance(caller, instance)?;
        let activity = Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", id);
        let (location, _) = self
            .change(caller, activity, |world, ctx| resolver::create_location(world, ctx, instance, id, &input))
            .await?;
        self.resolver_location(caller, instance, id, &location)
    }

    /// `PATCH .../custom_resolvers/{id}/locations/{location}`: enables or disables it, or moves it to another subnet.
    pub async fn update_resolver_location(
        &self,
        caller: &Caller,
        instance: &str,
        id: &str,
        location: &str,
        patch: LocationPatch,
    ) -> AppResult<LocationRead> {
        self.dns_instance(caller, instance)?;
        let activity = Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", id);
        self.change(caller, activity, |world, ctx| {
            resolver::update_location(world, ctx, instance, id, location, &patch)
        })
        .await?;
        self.resolver_location(caller, instance, id, location)
    }

    /// `DELETE .../custom_resolvers/{id}/locations/{location}`.
    pub async fn delete_resolver_location(
        &self,
        caller: &Caller,
        instance: &str,
        id: &str,
        location: &str,
    ) -> AppResult<Revision> {
        self.dns_instance(caller, instance)?;
        let activity = Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", id);
        let (_, revision) = self
            .change(caller, activity, |world, ctx| resolver::delete_location(world, ctx, instance, id, location))
            .await?;
        Ok(revision)
    }
}
