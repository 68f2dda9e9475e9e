//! DNS Services private zones and their permitted networks: create, read, list, update, delete a zone; permit a VPC,
//! read, list and remove its permission. Every operation names a DNS Services instance of the caller's account.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::model::{DnsZone, PermittedNetwork};
use hubspoke_vpc::rules::dns_zone;

use super::{Activity, Visible};
use crate::{App, AppResult};

pub use hubspoke_vpc::rules::dns_zone::NewZone;

/// `PATCH /instances/{instance}/dnszones/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ZonePatch {
    /// `description`.
    pub description: Option<String>,
    /// `label`.
    pub label: Option<String>,
}

impl Visible {
    /// A zone of the visible instance `instance`, or 404 (the instance first).
    pub fn dns_zone(&self, instance: &str, id: &str) -> AppResult<&DnsZone> {
        let instance = self.dns_instance(instance)?;
        super::visible(self.world.dns_zone(id).filter(|zone| zone.instance == instance.id), "DNS zone", id)
    }
}

impl App {
    /// `POST /instances/{instance}/dnszones`: `pending_network_add` until a VPC is permitted.
    pub async fn create_dns_zone(&self, caller: &Caller, instance: &str, input: NewZone) -> AppResult<DnsZone> {
        let instance = self.dns_instance(caller, instance)?.id;
        let activity = Activity::creating("dns-svcs.zone.create", "dnszone");
        let (id, _) =
            self.change(caller, activity, |world, ctx| dns_zone::create(world, ctx, &instance, &input)).await?;
        self.dns_zone(caller, &instance, &id)
    }

    /// `GET /instances/{instance}/dnszones/{id}`.
    pub fn dns_zone(&self, caller: &Caller, instance: &str, id: &str) -> AppResult<DnsZone> {
        self.visible(caller).dns_zone(instance, id).cloned()
    }

    /// `GET /instances/{instance}/dnszones`: oldest first; with `vpc`, only the zones that permit that VPC.
    pub fn list_dns_zones(&self, caller: &Caller, instance: &str, vpc: Option<&str>) -> AppResult<Vec<DnsZone>> {
        let visible = self.visible(caller);
        let instance = visible.dns_instance(instance)?;
        let mut zones: Vec<DnsZone> = visible
            .world
            .zones_of(&instance.id)
            .filter(|zone| vpc.is_none_or(|vpc| zone.permitted_networks.iter().any(|network| network.vpc == vpc)))
            .cloned()
            .collect();
        zones.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(zones)
    }

    /// `PATCH /instances/{instance}/dnszones/{id}`: description and label.
    pub async fn update_dns_zone(
        &self,
        caller: &Caller,
        instance: &str,
        id: &str,
        patch: ZonePatch,
    ) -> AppResult<DnsZone> {
        let instance = self.dns_instance(caller, instance)?.id;
        let activity = Activity::on("dns-svcs.zone.update", "dnszone", id);
        self.change(caller, activity, |world, ctx| {
            dns_zone::update(world, ctx, &instance, id, patch.description.as_deref(), patch.label.as_deref())
        })
        .await?;
        self.dns_zone(caller, &instance, id)
    }

    /// `DELETE /instances/{instance}/dnszones/{id}`: refused while VPCs are permitted; its records go with it.
    pub async fn delete_dns_zone(&self, caller: &Caller, instance: &str, id: &str) -> AppResult<Revision> {
        let instance = self.dns_instance(caller, instance)?.id;
        let activity = Activity::on("dns-svcs.zone.delete", "dnszone", id);
        let (_, revision) =
            self.change(caller, activity, |world, ctx| dns_zone::delete(world, ctx, &instance, id)).await?;
        Ok(revision)
    }

    /// `POST …/dnszones/{zone}/permitted_networks`: `ACTIVE` at once.
    pub async fn permit_network(
        &self,
        caller: &Caller,
        instance: &str,
        zone: &str,
        network_type: &str,
        vpc_crn: &str,
    ) -> AppResult<PermittedNetwork> {
        let instance = self.dns_instance(caller, instance)?.id;
        let activity = Activity::on("dns-svcs.permitted-network.create", "dnszone", zone);
        let (id, _) = self
            .change(caller, activity, |world, ctx| dns_zone::permit(world, ctx, &instance, zone, network_type, vpc_crn))
            .await?;
        self.permitted_network(caller, &instance, zone, &id)
    }

    /// `GET …/dnszones/{zone}/permitted_networks/{id}` (the id is the VPC's).
    pub fn permitted_network(
        &self,
        caller: &Caller,
        instance: &str,
        zone: &str,
        id: &str,
    ) -> AppResult<PermittedNetwork> {
        let visible = self.visible(caller);
        let zone = visible.dns_zone(instance, zone)?;
        super::visible(zone.permitted_networks.iter().find(|network| network.vpc == id), "permitted network", id)
            .cloned()
    }

    /// `GET …/dnszones/{zone}/permitted_networks`, in the order they were added.
    pub fn list_permitted_networks(
        &self,
        caller: &Caller,
        instance: &str,
        zone: &str,
    ) -> AppResult<Vec<PermittedNetwork>> {
        Ok(self.visible(caller).dns_zone(instance, zone)?.permitted_networks.clone())
    }

    /// `DELETE …/dnszones/{zone}/permitted_networks/{id}`: the VPC stops resolving the zone at once; answers the
    /// permitted network as it was.
    pub async fn remove_permitted_network(
        &self,
        caller: &Caller,
        instance: &str,
        zone: &str,
        id: &str,
    ) -> AppResult<PermittedNetwork> {
        let instance = self.dns_instance(caller, instance)?.id;
        let removed = self.permitted_network(caller, &instance, zone, id)?;
        let activity = Activity::on("dns-svcs.permitted-network.delete", "dnszone", zone);
        self.change(caller, activity, |world, ctx| dns_zone::remove_permitted(world, ctx, &instance, zone, id)).await?;
        Ok(removed)
    }
}
