//! Secondary zones of DNS Services custom resolvers: create, read, list, update, delete. Transferring the zones is the
//! DNS data plane's.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::RuleError;
use hubspoke_vpc::model::SecondaryZone;
use hubspoke_vpc::rules::secondary_zone;

use super::Activity;
use crate::{App, AppError, AppResult};

pub use hubspoke_vpc::rules::secondary_zone::{NewSecondaryZone, SecondaryZonePatch};

impl App {
    /// `GET .../custom_resolvers/{resolver}/secondary_zones`: in order of creation.
    pub fn list_secondary_zones(
        &self,
        caller: &Caller,
        instance: &str,
        resolver: &str,
    ) -> AppResult<Vec<SecondaryZone>> {
        let visible = self.visible(caller);
        let resolver = visible.resolver(instance, resolver)?;
        Ok(visible.world.secondary_zones_of(&resolver.id).into_iter().cloned().collect())
    }

    /// `GET .../custom_resolvers/{resolver}/secondary_zones/{id}`.
    pub fn secondary_zone(
        &self,
        caller: &Caller,
        instance: &str,
        resolver: &str,
        id: &str,
    ) -> AppResult<SecondaryZone> {
        let visible = self.visible(caller);
        let resolver = visible.resolver(instance, resolver)?;
        visible
            .world
            .secondary_zone(id)
            .filter(|zone| zone.resolver == resolver.id)
            .cloned()
            .ok_or_else(|| AppError::Rule(RuleError::not_found("secondary zone", id)))
    }

    /// `POST .../custom_resolvers/{resolver}/secondary_zones`.
    pub async fn create_secondary_zone(
        &self,
        caller: &Caller,
        instance: &str,
        resolver: &str,
        input: NewSecondaryZone,
    ) -> AppResult<SecondaryZone> {
        let activity = Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", resolver);
        let (id, _) = self
            .change(caller, activity, |world, ctx| secondary_zone::create(world, ctx, instance, resolver, &input))
            .await?;
        self.secondary_zone(caller, instance, resolver, &id)
    }

    /// `PATCH .../secondary_zones/{id}`.
    pub async fn update_secondary_zone(
        &self,
        caller: &Caller,
        instance: &str,
        resolver: &str,
        id: &str,
        patch: SecondaryZonePatch,
    ) -> AppResult<SecondaryZone> {
        let activity = Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", resolver);
        self.change(caller, activity, |world, ctx| secondary_zone::update(world, ctx, instance, resolver, id, &patch))
            .await?;
        self.secondary_zone(caller, instance, resolver, id)
    }

    /// `DELETE .../secondary_zones/{id}`.
    pub async fn delete_secondary_zone(
        &self,
        caller: &Caller,
        instance: &str,
        resolver: &str,
        id: &str,
    ) -> AppResult<Revision> {
        let activity = Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", resolver);
        let (_, revision) = self
            .change(caller, activity, |world, ctx| secondary_zone::delete(world, ctx, instance, resolver, id))
            .await?;
        Ok(revision)
    }
}
