//! Resource records of DNS Services zones: create, read, list (by type and name), replace, delete, and a zone's
//! zone file, exported and imported. Every operation names a DNS Services instance of the caller's account and one of its zones.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::model::ResourceRecord;
use hubspoke_vpc::rules::{record, record_import};

use super::Activity;
use crate::{App, AppResult};

pub use hubspoke_vpc::rules::record::{RdataInput, RecordInput};
pub use hubspoke_vpc::rules::record_import::{ImportFailure, ImportReport};

/// `GET …/resource_records` filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordQuery {
    /// `type`.
    pub record_type: Option<String>,
    /// `name`: the stored name, or the name relative to the zone.
    pub name: Option<String>,
}

impl App {
    /// `POST …/dnszones/{zone}/resource_records`.
    pub async fn create_record(
        &self,
        caller: &Caller,
        instance: &str,
        zone: &str,
        input: RecordInput,
    ) -> AppResult<ResourceRecord> {
        let instance = self.dns_instance(caller, instance)?.id;
        let activity = Activity::on("dns-svcs.resource-record.create", "dnszone", zone);
        let (id, _) =
            self.change(caller, activity, |world, ctx| record::create(world, ctx, &instance, zone, &input)).await?;
        self.record(caller, &instance, zone, &id)
    }

    /// `GET …/resource_records/{id}`.
    pub fn record(&self, caller: &Caller, instance: &str, zone: &str, id: &str) -> AppResult<ResourceRecord> {
        let visible = self.visible(caller);
        let zone = visible.dns_zone(instance, zone)?;
        super::visible(visible.world.record(id).filter(|record| record.zone == zone.id), "resource record", id).cloned()
    }

    /// `GET …/resource_records`: oldest first, filtered by `type` and `name`.
    pub fn list_records(
        &self,
        caller: &Caller,
        instance: &str,
        zone: &str,
        query: &RecordQuery,
    ) -> AppResult<Vec<ResourceRecord>> {
        let visible = self.visible(caller);
        let zone = visible.dns_zone(instance, zone)?;
        let wanted_name = query.name.as_ref().map(|name| {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == zone.name || name.ends_with(&format!(".{}", zone.name)) {
                name
            } else {
                format!("{name}.{}", zone.name)
            }
        });
        let mut records: Vec<ResourceRecord> = visible
            .world
            .records_of(&zone.id)
            .filter(|r| query.record_type.as_ref().is_none_or(|kind| kind.eq_ignore_ascii_case(r.data.type_name())))
            .filter(|r| wanted_name.as_ref().is_none_or(|name| *name == r.name))
            .cloned()
            .collect();
        records.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(records)
    }

    /// `PUT …/resource_records/{id}`: a new name, data and TTL; the type is fixed.
    pub async fn replace_record(
        &self,
        caller: &Caller,
        instance: &str,
        zone: &str,
        id: &str,
        input: RecordInput,
    ) -> AppResult<ResourceRecord> {
        let instance = self.dns_instance(caller, instance)?.id;
        let activity = Activity::on("dns-svcs.resource-record.update", "resource_record", id);
        self.change(caller, activity, |world, ctx| record::replace(world, ctx, &instance, zone, id, &input)).await?;
        self.record(caller, &instance, zone, id)
    }

    /// `DELETE …/resource_records/{id}`; an A or AAAA record takes the PTR record of its address with it.
    pub async fn delete_record(&self, caller: &Caller, instance: &str, zone: &str, id: &str) -> AppResult<Revision> {
        let instance = self.dns_instance(caller, instance)?.id;
        let activity = Activity::on("dns-svcs.resource-record.delete", "resource_record", id);
        let (_, revision) =
            self.change(caller, activity, |world, ctx| record::delete(world, ctx, &instance, zone, id)).await?;
        Ok(revision)
    }

    /// `GET …/dnszones/{zone}/export_resource_records`: the zone file, records by name then creation.
    pub fn export_records(&self, caller: &Caller, instance: &str, zone: &str) -> AppResult<String> {
        let visible = self.visible(caller);
        let zone = visible.dns_zone(instance, zone)?;
        let mut records: Vec<&ResourceRecord> = visible.world.records_of(&zone.id).collect();
        records.sort_by(|a, b| a.name.cmp(&b.name).then(a.created_at.cmp(&b.created_at)).then(a.id.cmp(&b.id)));
        Ok(record::zone_file(zone, records))
    }

    /// `POST …/dnszones/{zone}/import_resource_records`: every record of a zone file created as a create would, in
    /// one change; the records refused are reported rather than failing the import.
    pub async fn import_records(
        &self,
        caller: &Caller,
        instance: &str,
        zone: &str,
        file: &str,
    ) -> AppResult<ImportReport> {
        let instance = self.dns_instance(caller, instance)?.id;
        let activity = Activity::on("dns-svcs.resource-record.import", "dnszone", zone);
        let (report, _) = self
            .change(caller, activity, |world, ctx| record_import::import(world, ctx, &instance, zone, file))
            .await?;
        Ok(report)
    }
}
