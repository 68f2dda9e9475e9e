//! What must hold of a whole world, whatever sequence of commands built it: checked when a world arrives from outside
//! the rules (a loaded snapshot), so that a hand-edited or mismatched state is refused instead of served.
//!
//! The rules keep these true one change at a time; here they are checked all at once, each violation named with the
//! rule it breaks where there is one.

use std::collections::HashSet;

use crate::model::{ForwardingRuleKind, ResolverSetting};
use crate::region::{region_of_id, zone_region};
use crate::topology::has_custom_resolver;
use crate::world::World;

impl World {
    /// Every way this world breaks the rules; empty when it is consistent.
    pub fn violations(&self) -> Vec<String> {
        let mut found = Vec::new();
        let mut names = HashSet::new();
        for vpc in self.vpcs() {
            if region_of_id(&vpc.id).is_none() {
                found.push(format!("VPC `{}` has an id of no region", vpc.id));
            }
            if !names.insert((vpc.account.clone(), vpc.name.clone())) {
                found.push(format!("two VPCs of account `{}` are named `{}`", vpc.account, vpc.name));
            }
            if let ResolverSetting::Delegated { vpc: hub } = &vpc.resolver {
                let bound = self.bindings_of(&vpc.id).any(|b| b.spoke == vpc.id && b.hub == *hub && b.spoke_attached);
                if !bound || self.vpc(hub).is_none() || !has_custom_resolver(self, hub) {
                    found.push(format!(
                        "VPC `{}` delegates its resolver to `{hub}` without a binding to a hub with a custom resolver (rule S2)",
                        vpc.id
                    ));
                }
            }
        }
        for subnet in self.subnets() {
            let Some(vpc) = self.vpc(&subnet.vpc) else {
                found.push(format!("subnet `{}` names VPC `{}`, which does not exist", subnet.id, subnet.vpc));
                continue;
            };
            if zone_region(&subnet.zone).map(|r| r.name) != region_of_id(&vpc.id).map(|r| r.name) {
                found.push(format!("subnet `{}` is in zone `{}`, outside its VPC's region", subnet.id, subnet.zone));
            }
            let in_prefix = self
                .prefixes_of(&vpc.id)
                .any(|prefix| prefix.zone == subnet.zone && prefix.cidr.contains(&subnet.cidr));
            if !in_prefix {
                found.push(format!(
                    "subnet `{}` ({}) lies in no address prefix of its VPC in zone `{}` (rule P8)",
                    subnet.id, subnet.cidr, subnet.zone
                ));
            }
            let overlapping = self.subnets().find(|other| {
                other.vpc == subnet.vpc
                    && other.id < subnet.id
                    && (other.cidr.contains(&subnet.cidr.network()) || subnet.cidr.contains(&other.cidr.network()))
            });
            if let Some(other) = overlapping {
                found.push(format!("subnets `{}` and `{}` of one VPC overlap", other.id, subnet.id));
            }
        }
        for prefix in self.address_prefixes() {
            if self.vpc(&prefix.vpc).is_none() {
                found.push(format!("address prefix `{}` names VPC `{}`, which does not exist", prefix.id, prefix.vpc));
            }
        }
        for gateway in self.gateways() {
            if self.vpc(&gateway.vpc).is_none() {
                found.push(format!(
                    "endpoint gateway `{}` names VPC `{}`, which does not exist",
                    gateway.id, gateway.vpc
                ));
            }
        }
        for binding in self.resource_bindings() {
            match self.gateway(&binding.gateway) {
                None => found.push(format!(
                    "resource binding `{}` names endpoint gateway `{}`, which does not exist",
                    binding.id, binding.gateway
                )),
                Some(gateway) if gateway.mode != crate::model::BindingMode::PerResourceBinding => found.push(format!(
                    "resource binding `{}` is of endpoint gateway `{}`, which is not `per_resource_binding` (rule RB1)",
                    binding.id, gateway.id
                )),
                Some(_) => {}
            }
        }
        for zone in self.dns_zones() {
            let instance = self.service_instance(&zone.instance);
            if instance.is_none_or(|instance| instance.account != zone.account || !instance.is_live()) {
                found.push(format!(
                    "DNS zone `{}` names DNS Services instance `{}`, which is not a live instance of its account",
                    zone.id, zone.instance
                ));
            }
            for network in &zone.permitted_networks {
                if self.vpc(&network.vpc).is_none_or(|vpc| vpc.account != zone.account) {
                    found.push(format!(
                        "DNS zone `{}` permits VPC `{}`, which is not a VPC of its account",
                        zone.id, network.vpc
                    ));
                }
            }
        }
        for record in self.records() {
            if self.dns_zone(&record.zone).is_none_or(|zone| zone.account != record.account) {
                found.push(format!(
                    "resource record `{}` names DNS zone `{}`, which is not its account's",
                    record.id, record.zone
                ));
            }
        }
        let mut bound_spokes = HashSet::new();
        for vpc in self.vpcs() {
            for binding in self.bindings_of(&vpc.id).filter(|b| b.hub == vpc.id) {
                if !vpc.enable_hub {
                    found.push(format!("binding `{}` binds to `{}`, which is not a hub (rule C3)", binding.id, vpc.id));
                }
                if binding.spoke_attached && !bound_spokes.insert(binding.spoke.clone()) {
                    found.push(format!("VPC `{}` is bound to more than one hub (rule C2)", binding.spoke));
                }
                if region_of_id(&binding.spoke).map(|r| r.name) != region_of_id(&binding.hub).map(|r| r.name) {
                    found.push(format!("binding `{}` joins VPCs of two regions (rule C4)", binding.id));
                }
            }
        }
        for resolver in self.resolvers() {
            let rules = self.forwarding_rules_of(&resolver.id);
            let defaults = rules.iter().filter(|rule| rule.kind == ForwardingRuleKind::Default).count();
            if defaults != 1 {
                found.push(format!(
                    "custom resolver `{}` has {defaults} default forwarding rules instead of one (rule F1)",
                    resolver.id
                ));
            }
            let mut matches = HashSet::new();
            for rule in rules.iter().filter(|rule| !matches.insert(rule.matches.as_str())) {
                found.push(format!(
                    "custom resolver `{}` has two forwarding rules matching `{}` (rule F4)",
                    resolver.id, rule.matches
                ));
            }
            let mut zones = HashSet::new();
            for zone in self.secondary_zones_of(&resolver.id).into_iter().filter(|zone| !zones.insert(&zone.zone)) {
                found.push(format!(
                    "custom resolver `{}` has two secondary zones for `{}` (rule SZ2)",
                    resolver.id, zone.zone
                ));
            }
        }
        for rule in self.forwarding_rules() {
            if self.resolver(&rule.resolver).is_none_or(|resolver| resolver.account != rule.account) {
                found.push(format!(
                    "forwarding rule `{}` names custom resolver `{}`, which does not exist in its account",
                    rule.id, rule.resolver
                ));
            }
        }
        for zone in self.secondary_zones() {
            if self.resolver(&zone.resolver).is_none_or(|resolver| resolver.account != zone.account) {
                found.push(format!(
                    "secondary zone `{}` names custom resolver `{}`, which does not exist in its account",
                    zone.id, zone.resolver
                ));
            }
        }
        found
    }
}
