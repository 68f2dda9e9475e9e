//! Regions and zones: the catalog every caller may read.

use hubspoke_vpc::RuleError;
use hubspoke_vpc::region::{REGIONS, Region, region};

use crate::{App, AppError, AppResult};

/// A zone as a caller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneRead {
    /// The zone's name, for example `us-south-1`.
    pub name: String,
    /// Its region.
    pub region: &'static Region,
}

fn known_region(name: &str) -> AppResult<&'static Region> {
    region(name).ok_or_else(|| AppError::Rule(RuleError::not_found("region", name)))
}

impl App {
    /// `GET /regions`: every region, in name order.
    pub fn regions(&self) -> Vec<&'static Region> {
        REGIONS.iter().collect()
    }

    /// `GET /regions/{name}`.
    pub fn region(&self, name: &str) -> AppResult<&'static Region> {
        known_region(name)
    }

    /// `GET /regions/{name}/zones`.
    pub fn zones(&self, region: &str) -> AppResult<Vec<ZoneRead>> {
        let region = known_region(region)?;
        Ok(region.zones().into_iter().map(|name| ZoneRead { name, region }).collect())
    }

    /// `GET /regions/{name}/zones/{zone}`.
    pub fn zone(&self, region: &str, zone: &str) -> AppResult<ZoneRead> {
        let region = known_region(region)?;
        if !region.has_zone(zone) {
            return Err(AppError::Rule(RuleError::not_found("zone", zone)));
        }
        Ok(ZoneRead { name: zone.to_owned(), region })
    }
}
