//! The VPC and DNS Services use cases: one function per operation, one module per resource family.
//!
//! # Layout
//!
//! - [`write`]: how every change runs: the pure rule of the `vpc` crate against the current world, `If-Match`
//!   checked on that same world, persisted with compare-and-set together with its activity events, then published.
//! - [`Visible`]: the world as one caller may see it. "Visible or 404" is decided here and only here.
//! - [`regions`]: the catalog of regions and zones.
//! - [`vpcs`], [`prefixes`], [`subnets`], [`gateways`], [`bindings`], [`resolvers`], [`security_groups`],
//!   [`network_acls`], [`routing_tables`], [`public_gateways`], [`transit_gateways`], [`resource_groups`],
//!   [`service_instances`], [`dns_zones`], [`records`]: the
//!   operations, their inputs (the ones the rules define), list queries and read models (the entity with what the
//!   topology derives, at "now").
//! - [`explain`]: a binding create run on the current world without persisting, as its spoke's or hub's
//!   administrator may see it.
//! - [`lookup`]: each VPC's DNS endpoint, and a name as that VPC's resolver sees it.
//!
//! Every read model carries only what its reader may see: references to another account's resources say only what
//! IBM shows of them, and refusals keep what is confidential to a hub's administrator out of other accounts' sight.

pub mod bindings;
pub mod dns_zones;
pub mod explain;
pub mod forwarding_rules;
pub mod gateways;
pub mod lookup;
pub mod network_acls;
pub mod prefixes;
pub mod public_gateways;
pub mod records;
pub mod regions;
pub mod resolvers;
pub mod resource_bindings;
pub mod resource_groups;
pub mod routing_tables;
pub mod secondary_zones;
pub mod security_groups;
pub mod service_instances;
pub mod subnets;
pub mod transit_gateways;
pub mod vpcs;
pub mod write;

use std::sync::Arc;

use hubspoke_iam::{AccountId, Caller, Timestamp};
use hubspoke_vpc::model::{AddressPrefix, Binding, CustomResolver, EndpointGateway, ReservedIp, Subnet, Vpc};
use hubspoke_vpc::region::{Region, region, region_of_id};
use hubspoke_vpc::{RuleError, World};

pub use hubspoke_vpc::rules::{Patch, VpcIdentity};
pub use write::Activity;

use crate::precondition::Precondition;
use crate::{App, AppError, AppResult, now_millis};

/// The world as one caller may see it, at one moment.
pub struct Visible {
    /// The world.
    pub world: Arc<World>,
    /// The caller's account; `None` for the operator, who sees every account.
    pub account: Option<AccountId>,
    /// The region the request reached: regional resources of other regions are not seen through it.
    pub region: &'static Region,
    /// The time the world was taken (lifecycle states depend on it).
    pub now: Timestamp,
}

impl Visible {
    /// Whether a resource of `owner` is visible, wherever it is (DNS Services is a global service).
    pub fn sees(&self, owner: &AccountId) -> bool {
        self.account.as_ref().is_none_or(|account| account == owner)
    }

    /// Whether the regional resource `id` of `owner` is visible: the caller's, and in the request's region.
    pub fn sees_at(&self, owner: &AccountId, id: &str) -> bool {
        self.sees(owner) && region_of_id(id).is_some_and(|region| region.name == self.region.name)
    }

    /// The same view in the region of the resource `id`: for hubspoke's own operations (`/_hubspoke/…`), which are
    /// not regional and find a VPC in whichever region its id says.
    pub fn at_region_of(mut self, id: &str) -> Visible {
        self.region = region_of_id(id).unwrap_or(self.region);
        self
    }

    /// A VPC the caller may see, or 404.
    pub fn vpc(&self, id: &str) -> AppResult<&Vpc> {
        visible(self.world.vpc(id).filter(|vpc| self.sees_at(&vpc.account, id)), "VPC", id)
    }

    /// An address prefix of a visible VPC, or 404.
    pub fn address_prefix(&self, vpc: &str, id: &str) -> AppResult<&AddressPrefix> {
        self.vpc(vpc)?;
        visible(self.world.address_prefix(id).filter(|prefix| prefix.vpc == vpc), "address prefix", id)
    }

    /// A subnet the caller may see, or 404.
    pub fn subnet(&self, id: &str) -> AppResult<&Subnet> {
        visible(self.world.subnet(id).filter(|subnet| self.sees_at(&subnet.account, id)), "subnet", id)
    }

    /// A reserved IP of a visible subnet, or 404.
    pub fn reserved_ip(&self, subnet: &str, id: &str) -> AppResult<&ReservedIp> {
        self.subnet(subnet)?;
        visible(self.world.reserved_ip(id).filter(|ip| ip.subnet == subnet), "reserved IP", id)
    }

    /// An endpoint gateway the caller may see, or 404.
    pub fn gateway(&self, id: &str) -> AppResult<&EndpointGateway> {
        visible(self.world.gateway(id).filter(|gateway| self.sees_at(&gateway.account, id)), "endpoint gateway", id)
    }

    /// A reserved IP bound to a visible endpoint gateway, or 404.
    pub fn gateway_ip(&self, gateway: &str, id: &str) -> AppResult<&ReservedIp> {
        let gateway = self.gateway(gateway)?;
        let found = self.world.reserved_ip(id).filter(|ip| {
            matches!(&ip.target, Some(hubspoke_vpc::model::IpTarget::EndpointGateway(bound)) if *bound == gateway.id)
        });
        visible(found, "reserved IP", id)
    }

    /// A binding as the visible VPC `vpc` lists it, or 404.
    pub fn binding(&self, vpc: &str, id: &str) -> AppResult<(&Vpc, &Binding)> {
        let from = self.vpc(vpc)?;
        let binding = visible(self.world.binding(id).filter(|b| b.seen_from(vpc)), "DNS resolution binding", id)?;
        Ok((from, binding))
    }

    /// A custom resolver of `instance` the caller may see, or 404.
    pub fn resolver(&self, instance: &str, id: &str) -> AppResult<&CustomResolver> {
        let found = self.world.resolver(id).filter(|r| r.instance == instance && self.sees(&r.account));
        visible(found, "custom resolver", id)
    }

    /// A reference to the VPC `id` as the caller may name it; `None` for one that no longer exists.
    pub fn vpc_reference(&self, id: &str) -> Reference {
        match self.world.vpc(id) {
            Some(vpc) => Reference::to(self, &vpc.id, &vpc.name, &vpc.account),
            None => Reference::deleted(id),
        }
    }
}

fn visible<'a, T>(found: Option<&'a T>, kind: &str, id: &str) -> AppResult<&'a T> {
    // Another account's resource is reported exactly as a missing one, so ids do not leak across accounts.
    found.ok_or_else(|| AppError::Rule(RuleError::not_found(kind, id)))
}

/// Another resource as a read model names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Its id.
    pub id: String,
    /// Its name; `None` when it was deleted.
    pub name: Option<String>,
    /// Its account; `None` when it was deleted.
    pub account: Option<AccountId>,
    /// Whether it is in another account than the reader's (IBM then adds `remote.account`).
    pub remote: bool,
}

impl Reference {
    fn to(visible: &Visible, id: &str, name: &str, account: &AccountId) -> Reference {
        match &visible.account {
            Some(reader) => Reference::relative_to(reader, id, name, account),
            None => Reference::relative_to(account, id, name, account),
        }
    }

    /// A reference that is `remote` when `account` is not `home` (a binding's VPCs are remote to each other).
    pub(crate) fn relative_to(home: &AccountId, id: &str, name: &str, account: &AccountId) -> Reference {
        Reference {
            id: id.to_owned(),
            name: Some(name.to_owned()),
            account: Some(account.clone()),
            remote: account != home,
        }
    }

    fn deleted(id: &str) -> Reference {
        Reference { id: id.to_owned(), name: None, account: None, remote: false }
    }
}

/// The id of an account's default resource group, as resources reference it.
pub fn default_resource_group(account: &AccountId) -> String {
    hubspoke_vpc::model::default_resource_group_id(account)
}

/// A resource group as a VPC resource names it (`ResourceGroupReference`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GroupReference {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

impl Visible {
    /// The group `id` of `account`'s resource, with its current name. Rule RG1 keeps a group that holds resources
    /// from being deleted, so the name is always found; `Default` is the default group's until it is renamed.
    pub fn group_reference(&self, account: &AccountId, id: &str) -> GroupReference {
        let name = hubspoke_vpc::rules::resource_group::name_of(&self.world, account, id)
            .unwrap_or(hubspoke_vpc::rules::resource_group::DEFAULT_NAME);
        GroupReference { id: id.to_owned(), name: name.to_owned() }
    }
}

impl App {
    /// The world through the caller's eyes.
    pub fn visible(&self, caller: &Caller) -> Visible {
        Visible {
            world: self.replica.world(),
            account: caller.account().cloned(),
            region: self.region_of(caller),
            now: Timestamp(now_millis()),
        }
    }

    /// `world` (the one a change is being computed on) through the caller's eyes.
    pub(crate) fn visible_in(&self, caller: &Caller, world: &World) -> Visible {
        Visible {
            world: Arc::new(world.clone()),
            account: caller.account().cloned(),
            region: self.region_of(caller),
            now: Timestamp(now_millis()),
        }
    }

    /// The region a caller's request reached: the one its base path named, or the server's default. The API only
    /// passes on names of the catalog, so an unknown name cannot occur; it would mean the default.
    pub(crate) fn region_of(&self, caller: &Caller) -> &'static Region {
        caller.region.as_deref().and_then(region).unwrap_or(self.settings.region)
    }

    /// Checks `If-Match` against the ETag a resource has in `world` (the one a change is being computed on, so the
    /// check cannot pass on a stale read), as the caller reads it there; `resource` names it in the 412.
    pub(crate) fn check_etag(
        &self,
        caller: &Caller,
        world: &World,
        precondition: &Precondition,
        resource: &str,
        etag: impl FnOnce(&Visible) -> AppResult<String>,
    ) -> AppResult<()> {
        if *precondition == Precondition::Absent {
            return Ok(());
        }
        precondition.check(resource, &etag(&self.visible_in(caller, world))?)
    }
}
