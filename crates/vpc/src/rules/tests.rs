//! Every rule of `docs/rules.md` as data: one row per refusal (removing the rule makes its row fail), then the
//! behaviours the rules allow.

use std::net::Ipv4Addr;

use super::fixture::{COS, HUB_ACCOUNT, KMS, SPOKE_ACCOUNT, Scene};
use super::prefix::{self, AddressPrefixPatch, NewAddressPrefix, PREFIXES_PER_VPC};
use super::resolver::NewLocation;
use super::subnet::{self, NewSubnet, SubnetRange};
use super::vpc::{NewResolver, NewVpc, ResolverPatch, VpcPatch};
use super::{IfMatch, Patch, VpcIdentity, binding, gateway, resolver, vpc};
use crate::Enforcement;
use crate::error::{Refusal, RuleResult};
use crate::model::{BindingMode, DnsServer, PrefixManagement};
use crate::region::crn;
use crate::topology::{binding_count, resolver_view, vpc_health};

fn delegate(scene: &mut Scene, spoke: &str, hub: &str) -> RuleResult<String> {
    let patch = VpcPatch {
        resolver: Some(ResolverPatch {
            kind: Some("delegated".into()),
            vpc: Patch::Value(VpcIdentity::Crn(scene.crn_of(hub))),
            ..Default::default()
        }),
        ..Default::default()
    };
    scene.run(SPOKE_ACCOUNT, |w, c| vpc::update(w, c, spoke, patch, IfMatch::Absent))
}

fn patch(scene: &mut Scene, account: &str, id: &str, patch: VpcPatch) -> RuleResult<String> {
    scene.run(account, |w, c| vpc::update(w, c, id, patch, IfMatch::Absent))
}

fn enable_hub(value: bool) -> VpcPatch {
    VpcPatch { enable_hub: Some(value), ..Default::default() }
}

fn manual_vpc(scene: &mut Scene, account: &str, name: &str) -> String {
    let input = NewVpc {
        name: Some(name.into()),
        classic_access: false,
        address_prefix_management: PrefixManagement::Manual,
        enable_hub: false,
        resolver: NewResolver::System,
        resource_group: None,
    };
    scene.run(account, |w, c| vpc::create(w, c, input)).unwrap()
}

fn add_prefix(scene: &mut Scene, vpc: &str, zone: &str, cidr: &str, is_default: bool) -> RuleResult<String> {
    let input =
        NewAddressPrefix { vpc: vpc.into(), zone: zone.into(), cidr: cidr.parse().unwrap(), name: None, is_default };
    scene.run(SPOKE_ACCOUNT, |w, c| prefix::create(w, c, input))
}

fn add_subnet(scene: &mut Scene, vpc: &str, zone: &str, range: SubnetRange) -> RuleResult<String> {
    let input = NewSubnet {
        name: None,
        vpc: vpc.into(),
        zone: Some(zone.into()),
        range,
        network_acl: None,
        public_gateway: None,
        resource_group: None,
    };
    scene.run(SPOKE_ACCOUNT, |w, c| subnet::create(w, c, input))
}

fn by_cidr(cidr: &str) -> SubnetRange {
    SubnetRange::Cidr(cidr.parse().unwrap())
}

/// (rule, expected error code, expected class of refusal, scenario that must be refused).
type Row = (&'static str, &'static str, Refusal, fn(&mut Scene) -> RuleResult<()>);

fn refusals() -> Vec<Row> {
    vec![
        ("H2", "dns_hub_has_bindings", Refusal::Conflict, |s| {
            let (hub, ..) = s.bound();
            patch(s, HUB_ACCOUNT, &hub, enable_hub(false)).map(drop)
        }),
        ("H2", "dns_hub_has_bindings", Refusal::Conflict, |s| {
            let (_, spoke, ..) = s.bound();
            patch(s, SPOKE_ACCOUNT, &spoke, enable_hub(true)).map(drop)
        }),
        ("H3", "dns_hub_endpoint_gateway_not_primary", Refusal::Conflict, |s| {
            let vpc = s.vpc(HUB_ACCOUNT, "plain", false);
            s.subnet(HUB_ACCOUNT, &vpc, "us-south-1");
            s.gateway(HUB_ACCOUNT, &vpc, COS, BindingMode::Disabled)?;
            patch(s, HUB_ACCOUNT, &vpc, enable_hub(true)).map(drop)
        }),
        ("H4", "endpoint_gateway_mode_invalid_in_hub", Refusal::Invalid, |s| {
            let hub = s.vpc(HUB_ACCOUNT, "hub", true);
            s.gateway(HUB_ACCOUNT, &hub, COS, BindingMode::Disabled).map(drop)
        }),
        ("H4", "endpoint_gateway_mode_invalid_in_hub", Refusal::Invalid, |s| {
            let hub = s.vpc(HUB_ACCOUNT, "hub", true);
            let gw = s.gateway(HUB_ACCOUNT, &hub, COS, BindingMode::Primary)?;
            s.run(HUB_ACCOUNT, |w, c| gateway::update(w, c, &gw, None, Some(BindingMode::Disabled))).map(drop)
        }),
        ("H5", "dns_hub_resolver_delegated", Refusal::Conflict, |s| {
            let (hub, spoke, binding, _) = s.bound();
            delegate(s, &spoke, &hub)?;
            // The hub removes its side while the spoke is delegated: the spoke keeps a delegated resolver and no binding.
            s.run(HUB_ACCOUNT, |w, c| binding::delete(w, c, &hub, &binding))?;
            patch(s, SPOKE_ACCOUNT, &spoke, enable_hub(true)).map(drop)
        }),
        ("S1", "dns_resolver_delegated_requires_non_hub", Refusal::Conflict, |s| {
            let (hub, ..) = s.two_accounts();
            let other_hub = s.vpc(HUB_ACCOUNT, "other-hub", true);
            let identity = VpcIdentity::Id(hub);
            let resolver =
                ResolverPatch { kind: Some("delegated".into()), vpc: Patch::Value(identity), ..Default::default() };
            patch(s, HUB_ACCOUNT, &other_hub, VpcPatch { resolver: Some(resolver), ..Default::default() }).map(drop)
        }),
        ("H7", "vpc_has_dns_resolution_bindings", Refusal::Conflict, |s| {
            let (hub, ..) = s.bound();
            s.run(HUB_ACCOUNT, |w, c| vpc::delete(w, c, &hub))
        }),
        ("H8", "endpoint_gateway_required_by_topology", Refusal::Conflict, |s| {
            let (hub, spoke) = s.two_accounts();
            s.gateway(SPOKE_ACCOUNT, &spoke, COS, BindingMode::Disabled)?;
            s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, None, &hub);
            s.bind(SPOKE_ACCOUNT, &spoke, &hub)?;
            let hub_gateway = s.world.gateways_in(&hub).next().unwrap().id.clone();
            s.run(HUB_ACCOUNT, |w, c| gateway::delete(w, c, &hub_gateway))
        }),
        ("H10", "custom_resolver_in_use", Refusal::Conflict, |s| {
            let (hub, ..) = s.bound();
            let _ = hub;
            let (id, instance) = s.world.resolvers().next().map(|r| (r.id.clone(), r.instance.clone())).unwrap();
            let disable = resolver::CustomResolverPatch { enabled: Some(false), ..Default::default() };
            s.run(HUB_ACCOUNT, |w, c| resolver::update(w, c, &instance, &id, &disable)).map(drop)
        }),
        ("H10", "custom_resolver_in_use", Refusal::Conflict, |s| {
            s.bound();
            let (id, instance) = s.world.resolvers().next().map(|r| (r.id.clone(), r.instance.clone())).unwrap();
            s.run(HUB_ACCOUNT, |w, c| resolver::delete(w, c, &instance, &id))
        }),
        ("C1", "dns_resolution_binding_from_hub", Refusal::Invalid, |s| {
            let (hub, _) = s.two_accounts();
            let other_hub = s.vpc(HUB_ACCOUNT, "other-hub", true);
            s.bind(HUB_ACCOUNT, &hub, &other_hub).map(drop)
        }),
        ("C2", "dns_resolution_binding_exists", Refusal::Invalid, |s| {
            let (_, spoke, ..) = s.bound();
            let second_hub = s.vpc(HUB_ACCOUNT, "second-hub", true);
            s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, None, &second_hub);
            s.bind(SPOKE_ACCOUNT, &spoke, &second_hub).map(drop)
        }),
        ("C3", "dns_resolution_binding_target_invalid", Refusal::Invalid, |s| {
            let (_, spoke) = s.two_accounts();
            let not_a_hub = s.vpc(HUB_ACCOUNT, "not-a-hub", false);
            s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, None, &not_a_hub);
            s.bind(SPOKE_ACCOUNT, &spoke, &not_a_hub).map(drop)
        }),
        ("C3", "dns_resolution_binding_target_invalid", Refusal::Invalid, |s| {
            let (_, spoke) = s.two_accounts();
            let itself = VpcIdentity::Id(spoke.clone());
            s.run(SPOKE_ACCOUNT, |w, c| binding::create(w, c, &spoke, &itself, None)).map(drop)
        }),
        ("C4", "dns_resolution_binding_cross_region", Refusal::Invalid, |s| {
            let (hub, spoke) = s.two_accounts();
            let elsewhere = VpcIdentity::Crn(s.crn_of(&hub).replace(":us-south:", ":eu-de:"));
            s.run(SPOKE_ACCOUNT, |w, c| binding::create(w, c, &spoke, &elsewhere, None)).map(drop)
        }),
        ("C4", "dns_resolution_binding_cross_region", Refusal::Invalid, |s| {
            // A real hub of another region, named by its own CRN, is refused for the region, not as missing.
            let (_, spoke) = s.two_accounts();
            s.region = crate::region::region("eu-de").unwrap();
            let hub = s.vpc(HUB_ACCOUNT, "frankfurt-hub", true);
            let hub_subnet = s.subnet(HUB_ACCOUNT, &hub, "eu-de-1");
            s.custom_resolver(HUB_ACCOUNT, &hub_subnet);
            s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, None, &hub);
            s.region = crate::region::default_region();
            let elsewhere = VpcIdentity::Crn(s.crn_of(&hub));
            s.run(SPOKE_ACCOUNT, |w, c| binding::create(w, c, &spoke, &elsewhere, None)).map(drop)
        }),
        ("C5", "not_found", Refusal::NotFound, |s| {
            // Another account's hub cannot be named by id, only by CRN.
            let (hub, spoke) = s.two_accounts();
            s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, None, &hub);
            let by_id = VpcIdentity::Id(hub);
            s.run(SPOKE_ACCOUNT, |w, c| binding::create(w, c, &spoke, &by_id, None)).map(drop)
        }),
        ("C6", "endpoint_gateway_primary_conflict", Refusal::Conflict, |s| {
            let (hub, spoke) = s.two_accounts();
            s.gateway(SPOKE_ACCOUNT, &spoke, COS, BindingMode::Primary)?;
            s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, None, &hub);
            s.bind(SPOKE_ACCOUNT, &spoke, &hub).map(drop)
        }),
        ("C7", "endpoint_gateway_per_resource_binding_requires_hub_primary", Refusal::Conflict, |s| {
            let hub = s.vpc(HUB_ACCOUNT, "bare-hub", true);
            let hub_subnet = s.subnet(HUB_ACCOUNT, &hub, "us-south-1");
            s.custom_resolver(HUB_ACCOUNT, &hub_subnet);
            let spoke = s.vpc(SPOKE_ACCOUNT, "spoke", false);
            s.subnet(SPOKE_ACCOUNT, &spoke, "us-south-1");
            s.gateway(SPOKE_ACCOUNT, &spoke, COS, BindingMode::PerResourceBinding)?;
            s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, None, &hub);
            s.bind(SPOKE_ACCOUNT, &spoke, &hub).map(drop)
        }),
        ("C8", "not_authorized", Refusal::NotAuthorized, |s| {
            let (hub, spoke) = s.two_accounts();
            s.bind(SPOKE_ACCOUNT, &spoke, &hub).map(drop)
        }),
        ("C8", "not_authorized", Refusal::NotAuthorized, |s| {
            // Another account's VPC that does not exist: refused as unauthorized, exactly as one that exists, so
            // an account the hub did not authorize cannot probe which VPCs exist.
            let (_, spoke) = s.two_accounts();
            let absent = VpcIdentity::Crn(crn(&super::fixture::account(HUB_ACCOUNT), "vpc", "r006-absent"));
            s.run(SPOKE_ACCOUNT, |w, c| binding::create(w, c, &spoke, &absent, None)).map(drop)
        }),
        ("H10", "dns_hub_without_custom_resolver", Refusal::Conflict, |s| {
            // A hub whose custom resolver is missing takes no binding: the other direction of rule H10.
            let hub = s.vpc(HUB_ACCOUNT, "bare-hub", true);
            let spoke = s.vpc(SPOKE_ACCOUNT, "spoke", false);
            s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, None, &hub);
            s.bind(SPOKE_ACCOUNT, &spoke, &hub).map(drop)
        }),
        ("C8", "not_authorized", Refusal::NotAuthorized, |s| {
            // A policy for one specific spoke VPC does not cover another.
            let (hub, spoke) = s.two_accounts();
            s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, Some("r006-some-other-vpc"), &hub);
            s.bind(SPOKE_ACCOUNT, &spoke, &hub).map(drop)
        }),
        ("C8", "not_authorized", Refusal::NotAuthorized, |s| {
            // The same account needs the authorization too.
            let hub = s.vpc(HUB_ACCOUNT, "hub", true);
            let hub_subnet = s.subnet(HUB_ACCOUNT, &hub, "us-south-1");
            s.custom_resolver(HUB_ACCOUNT, &hub_subnet);
            let spoke = s.vpc(HUB_ACCOUNT, "spoke", false);
            let identity = VpcIdentity::Id(hub);
            s.run(HUB_ACCOUNT, |w, c| binding::create(w, c, &spoke, &identity, None)).map(drop)
        }),
        ("C13", "dns_resolution_binding_name_duplicate", Refusal::Conflict, |s| {
            let (hub, _, first, _) = s.bound();
            let second = s.vpc(SPOKE_ACCOUNT, "second-spoke", false);
            s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, None, &hub);
            let second_binding = s.bind(SPOKE_ACCOUNT, &second, &hub)?;
            let taken = s.world.binding(&first).unwrap().hub_name.clone();
            s.run(HUB_ACCOUNT, |w, c| binding::rename(w, c, &hub, &second_binding, &taken)).map(drop)
        }),
        ("D1", "dns_resolution_binding_delegated", Refusal::Conflict, |s| {
            let (hub, spoke, binding, _) = s.bound();
            delegate(s, &spoke, &hub)?;
            s.run(SPOKE_ACCOUNT, |w, c| binding::delete(w, c, &spoke, &binding)).map(drop)
        }),
        ("S2", "dns_resolver_vpc_not_bound", Refusal::Conflict, |s| {
            let (hub, spoke) = s.two_accounts();
            s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, None, &hub);
            delegate(s, &spoke, &hub).map(drop)
        }),
        ("S2", "dns_resolver_vpc_required", Refusal::Invalid, |s| {
            let (_, spoke, ..) = s.bound();
            let resolver = ResolverPatch { kind: Some("delegated".into()), ..Default::default() };
            patch(s, SPOKE_ACCOUNT, &spoke, VpcPatch { resolver: Some(resolver), ..Default::default() }).map(drop)
        }),
        ("S2", "dns_resolver_vpc_no_custom_resolver", Refusal::Conflict, |s| {
            // Rule H10 keeps bound hubs' resolvers enabled, but a database written before it held in both directions
            // may have a binding to a hub without one: the resolver is removed behind the rules' back.
            let (hub, spoke, ..) = s.bound();
            let resolver = s.world.resolvers().next().unwrap().id.clone();
            let mut draft = s.world.draft();
            draft.remove(crate::world::EntityKey::Resolver(resolver));
            s.world = draft.finish().0;
            delegate(s, &spoke, &hub).map(drop)
        }),
        ("S3", "dns_resolver_vpc_not_allowed", Refusal::Invalid, |s| {
            let (hub, spoke, ..) = s.bound();
            let identity = VpcIdentity::Crn(s.crn_of(&hub));
            let resolver =
                ResolverPatch { kind: Some("system".into()), vpc: Patch::Value(identity), ..Default::default() };
            patch(s, SPOKE_ACCOUNT, &spoke, VpcPatch { resolver: Some(resolver), ..Default::default() }).map(drop)
        }),
        ("S4", "dns_resolver_manual_servers_required", Refusal::Invalid, |s| {
            let vpc = s.vpc(SPOKE_ACCOUNT, "plain", false);
            let resolver = ResolverPatch { kind: Some("manual".into()), ..Default::default() };
            patch(s, SPOKE_ACCOUNT, &vpc, VpcPatch { resolver: Some(resolver), ..Default::default() }).map(drop)
        }),
        ("S4", "dns_resolver_manual_servers_not_allowed", Refusal::Invalid, |s| {
            let vpc = s.vpc(SPOKE_ACCOUNT, "plain", false);
            let servers = vec![DnsServer { address: Ipv4Addr::new(10, 0, 0, 1), zone_affinity: None }];
            let resolver = ResolverPatch {
                kind: Some("system".into()),
                manual_servers: Patch::Value(servers),
                ..Default::default()
            };
            let body = VpcPatch { resolver: Some(resolver), ..Default::default() };
            s.run(SPOKE_ACCOUNT, |w, c| vpc::update(w, c, &vpc, body, IfMatch::Given)).map(drop)
        }),
        ("S5", "not_authorized", Refusal::NotAuthorized, |s| {
            let (hub, spoke, _, policy) = s.bound();
            s.revoke(&policy);
            delegate(s, &spoke, &hub).map(drop)
        }),
        ("S6", "dns_resolver_type_not_allowed_at_create", Refusal::Invalid, |s| {
            let input = NewVpc {
                name: Some("delegated-at-birth".into()),
                classic_access: false,
                address_prefix_management: PrefixManagement::Auto,
                enable_hub: false,
                resolver: NewResolver::Delegated,
                resource_group: None,
            };
            s.run(SPOKE_ACCOUNT, |w, c| vpc::create(w, c, input)).map(drop)
        }),
        ("S10", "dns_resolver_vpc_cross_region", Refusal::Invalid, |s| {
            let (hub, spoke, ..) = s.bound();
            let elsewhere = s.crn_of(&hub).replace(":us-south:", ":eu-de:");
            let resolver = ResolverPatch {
                kind: Some("delegated".into()),
                vpc: Patch::Value(VpcIdentity::Crn(elsewhere)),
                ..Default::default()
            };
            patch(s, SPOKE_ACCOUNT, &spoke, VpcPatch { resolver: Some(resolver), ..Default::default() }).map(drop)
        }),
        ("S9", "vpc_provides_dns", Refusal::Conflict, |s| {
            let (hub, spoke, binding, _) = s.bound();
            delegate(s, &spoke, &hub)?;
            s.run(HUB_ACCOUNT, |w, c| binding::delete(w, c, &hub, &binding))?;
            s.run(HUB_ACCOUNT, |w, c| vpc::delete(w, c, &hub))
        }),
        ("M1", "endpoint_gateway_target_duplicate", Refusal::Conflict, |s| {
            let (hub, _) = s.two_accounts();
            s.gateway(HUB_ACCOUNT, &hub, COS, BindingMode::Primary).map(drop)
        }),
        ("M2", "endpoint_gateway_primary_conflict", Refusal::Conflict, |s| {
            let (_, spoke, ..) = s.bound();
            s.gateway(SPOKE_ACCOUNT, &spoke, COS, BindingMode::Primary).map(drop)
        }),
        ("M2", "endpoint_gateway_primary_conflict", Refusal::Conflict, |s| {
            let (_, spoke, ..) = s.bound();
            let gw = s.gateway(SPOKE_ACCOUNT, &spoke, COS, BindingMode::Disabled)?;
            s.run(SPOKE_ACCOUNT, |w, c| gateway::update(w, c, &gw, None, Some(BindingMode::Primary))).map(drop)
        }),
        ("M3", "endpoint_gateway_resource_binding_unsupported", Refusal::Invalid, |s| {
            let vpc = s.vpc(SPOKE_ACCOUNT, "plain", false);
            s.gateway(SPOKE_ACCOUNT, &vpc, KMS, BindingMode::PerResourceBinding).map(drop)
        }),
        ("M3", "endpoint_gateway_per_resource_binding_requires_hub_primary", Refusal::Conflict, |s| {
            let hub = s.vpc(HUB_ACCOUNT, "bare-hub", true);
            let hub_subnet = s.subnet(HUB_ACCOUNT, &hub, "us-south-1");
            s.custom_resolver(HUB_ACCOUNT, &hub_subnet);
            let spoke = s.vpc(SPOKE_ACCOUNT, "spoke", false);
            s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, None, &hub);
            s.bind(SPOKE_ACCOUNT, &spoke, &hub)?;
            s.gateway(SPOKE_ACCOUNT, &spoke, COS, BindingMode::PerResourceBinding).map(drop)
        }),
        ("P1", "address_prefix_length_invalid", Refusal::Invalid, |s| {
            let vpc = manual_vpc(s, SPOKE_ACCOUNT, "manual");
            add_prefix(s, &vpc, "us-south-1", "10.0.0.0/30", false).map(drop)
        }),
        ("P1", "address_prefix_length_invalid", Refusal::Invalid, |s| {
            let vpc = manual_vpc(s, SPOKE_ACCOUNT, "manual");
            add_prefix(s, &vpc, "us-south-1", "10.0.0.0/8", false).map(drop)
        }),
        ("P2", "address_prefix_reserved_range", Refusal::Invalid, |s| {
            let vpc = manual_vpc(s, SPOKE_ACCOUNT, "manual");
            add_prefix(s, &vpc, "us-south-1", "161.26.4.0/24", false).map(drop)
        }),
        ("P2", "address_prefix_reserved_range", Refusal::Invalid, |s| {
            // A range that holds a reserved one overlaps it too.
            let vpc = manual_vpc(s, SPOKE_ACCOUNT, "manual");
            add_prefix(s, &vpc, "us-south-1", "166.0.0.0/12", false).map(drop)
        }),
        ("P3", "address_prefix_overlap", Refusal::Invalid, |s| {
            let vpc = s.vpc(SPOKE_ACCOUNT, "auto", false);
            add_prefix(s, &vpc, "us-south-2", "10.240.0.0/24", false).map(drop)
        }),
        ("P4", "address_prefix_zone_invalid", Refusal::Invalid, |s| {
            let vpc = manual_vpc(s, SPOKE_ACCOUNT, "manual");
            add_prefix(s, &vpc, "eu-de-1", "10.0.0.0/16", false).map(drop)
        }),
        ("P5", "address_prefix_default_exists", Refusal::Invalid, |s| {
            let vpc = s.vpc(SPOKE_ACCOUNT, "auto", false);
            add_prefix(s, &vpc, "us-south-1", "10.0.0.0/16", true).map(drop)
        }),
        ("P5", "address_prefix_default_exists", Refusal::Invalid, |s| {
            let vpc = s.vpc(SPOKE_ACCOUNT, "auto", false);
            let second = add_prefix(s, &vpc, "us-south-1", "10.0.0.0/16", false)?;
            let patch = AddressPrefixPatch { is_default: Some(true), ..Default::default() };
            s.run(SPOKE_ACCOUNT, |w, c| prefix::update(w, c, &vpc, &second, &patch)).map(drop)
        }),
        ("P6", "address_prefix_name_duplicate", Refusal::Conflict, |s| {
            let vpc = s.vpc(SPOKE_ACCOUNT, "auto", false);
            let taken = s.world.prefixes_of(&vpc).next().unwrap().name.clone();
            let input = NewAddressPrefix {
                vpc: vpc.clone(),
                zone: "us-south-1".into(),
                cidr: "10.0.0.0/16".parse().unwrap(),
                name: Some(taken),
                is_default: false,
            };
            s.run(SPOKE_ACCOUNT, |w, c| prefix::create(w, c, input)).map(drop)
        }),
        ("P6", "address_prefix_name_duplicate", Refusal::Conflict, |s| {
            let vpc = s.vpc(SPOKE_ACCOUNT, "auto", false);
            let names: Vec<(String, String)> =
                s.world.prefixes_of(&vpc).map(|p| (p.id.clone(), p.name.clone())).collect();
            let (first, taken) = (names[0].0.clone(), names[1].1.clone());
            let patch = AddressPrefixPatch { name: Some(taken), ..Default::default() };
            s.run(SPOKE_ACCOUNT, |w, c| prefix::update(w, c, &vpc, &first, &patch)).map(drop)
        }),
        ("P7", "address_prefix_quota_exceeded", Refusal::Conflict, |s| {
            let vpc = manual_vpc(s, SPOKE_ACCOUNT, "manual");
            for index in 0..PREFIXES_PER_VPC {
                add_prefix(s, &vpc, "us-south-1", &format!("10.{index}.0.0/16"), false)?;
            }
            add_prefix(s, &vpc, "us-south-1", "10.200.0.0/16", false).map(drop)
        }),
        ("P8", "address_prefix_in_use", Refusal::Conflict, |s| {
            let vpc = s.vpc(SPOKE_ACCOUNT, "auto", false);
            add_subnet(s, &vpc, "us-south-2", by_cidr("10.240.64.0/24"))?;
            let used = s.world.prefixes_of(&vpc).find(|p| p.zone == "us-south-2").unwrap().id.clone();
            s.run(SPOKE_ACCOUNT, |w, c| prefix::delete(w, c, &vpc, &used))
        }),
        ("P9", "subnet_outside_address_prefix", Refusal::Invalid, |s| {
            let vpc = manual_vpc(s, SPOKE_ACCOUNT, "manual");
            add_prefix(s, &vpc, "us-south-1", "10.0.0.0/16", false)?;
            add_subnet(s, &vpc, "us-south-1", by_cidr("10.1.0.0/24")).map(drop)
        }),
        ("P9", "subnet_outside_address_prefix", Refusal::Invalid, |s| {
            // Partly inside is not inside.
            let vpc = manual_vpc(s, SPOKE_ACCOUNT, "manual");
            add_prefix(s, &vpc, "us-south-1", "10.0.0.0/24", false)?;
            add_subnet(s, &vpc, "us-south-1", by_cidr("10.0.0.0/23")).map(drop)
        }),
        ("P10", "subnet_zone_mismatch", Refusal::Invalid, |s| {
            let vpc = s.vpc(SPOKE_ACCOUNT, "auto", false);
            add_subnet(s, &vpc, "us-south-2", by_cidr("10.240.0.0/24")).map(drop)
        }),
        ("P11", "subnet_zone_without_default_prefix", Refusal::Invalid, |s| {
            let vpc = manual_vpc(s, SPOKE_ACCOUNT, "manual");
            add_prefix(s, &vpc, "us-south-1", "10.0.0.0/16", false)?;
            add_subnet(s, &vpc, "us-south-1", SubnetRange::Count(256)).map(drop)
        }),
        ("P11", "subnet_zone_without_default_prefix", Refusal::Invalid, |s| {
            // Patching the default to false removes the zone's default.
            let vpc = s.vpc(SPOKE_ACCOUNT, "auto", false);
            let default = s.world.prefixes_of(&vpc).find(|p| p.zone == "us-south-3").unwrap().id.clone();
            let patch = AddressPrefixPatch { is_default: Some(false), ..Default::default() };
            s.run(SPOKE_ACCOUNT, |w, c| prefix::update(w, c, &vpc, &default, &patch))?;
            add_subnet(s, &vpc, "us-south-3", SubnetRange::Count(256)).map(drop)
        }),
    ]
}

#[test]
fn auto_vpcs_get_the_region_defaults_and_manual_ones_none() {
    let mut scene = Scene::new();
    let auto = scene.vpc(SPOKE_ACCOUNT, "auto", false);
    let mut defaults: Vec<(String, String, bool)> =
        scene.world.prefixes_of(&auto).map(|p| (p.zone.clone(), p.cidr.to_string(), p.is_default)).collect();
    defaults.sort();
    assert_eq!(
        defaults,
        [
            ("us-south-1".into(), "10.240.0.0/18".into(), true),
            ("us-south-2".into(), "10.240.64.0/18".into(), true),
            ("us-south-3".into(), "10.240.128.0/18".into(), true),
        ]
    );
    assert!(scene.world.prefixes_of(&auto).all(|p| crate::rules::names::is_valid(&p.name)));
    let manual = manual_vpc(&mut scene, SPOKE_ACCOUNT, "manual");
    assert_eq!(scene.world.prefixes_of(&manual).count(), 0);
    // Another auto VPC overlaps the first: prefixes only need to be distinct within one VPC.
    let second = scene.vpc(SPOKE_ACCOUNT, "second", false);
    assert_eq!(scene.world.prefixes_of(&second).count(), 3);
    // Deleting a VPC deletes its prefixes.
    scene.run(SPOKE_ACCOUNT, |w, c| vpc::delete(w, c, &auto)).unwrap();
    assert_eq!(scene.world.prefixes_of(&auto).count(), 0);
}

#[test]
fn each_region_keeps_its_resources() {
    let mut s = Scene::new();
    s.region = crate::region::region("eu-de").unwrap();
    let vpc = s.vpc(SPOKE_ACCOUNT, "frankfurt", false);
    assert!(vpc.starts_with("r010-"), "{vpc}");
    let cidrs: Vec<String> = s.world.prefixes_of(&vpc).map(|p| p.cidr.to_string()).collect();
    assert_eq!(cidrs, ["10.243.0.0/18", "10.243.64.0/18", "10.243.128.0/18"]);
    let subnet = s.subnet(SPOKE_ACCOUNT, &vpc, "eu-de-2");
    assert!(subnet.starts_with("r010-") && s.crn_of(&vpc).contains(":is:eu-de:"), "{subnet}");
    // A zone of another region is refused, in the VPC's region.
    let input = NewSubnet {
        name: None,
        vpc: vpc.clone(),
        zone: Some("us-south-1".into()),
        range: SubnetRange::Count(256),
        network_acl: None,
        public_gateway: None,
        resource_group: None,
    };
    assert_eq!(s.run(SPOKE_ACCOUNT, |w, c| subnet::create(w, c, input.clone())).unwrap_err().code, "invalid_zone");
    // Through another region's endpoint, the VPC and its subnet are not found.
    s.region = crate::region::default_region();
    assert_eq!(s.run(SPOKE_ACCOUNT, |w, c| subnet::create(w, c, input)).unwrap_err().code, "not_found");
    assert_eq!(s.run(SPOKE_ACCOUNT, |w, c| subnet::delete(w, c, &subnet)).unwrap_err().code, "not_found");
    assert_eq!(s.run(SPOKE_ACCOUNT, |w, c| vpc::delete(w, c, &vpc)).unwrap_err().code, "not_found");
}

#[test]
fn subnets_are_carved_from_prefixes() {
    let mut scene = Scene::new();
    let vpc = manual_vpc(&mut scene, SPOKE_ACCOUNT, "manual");
    let prefix = add_prefix(&mut scene, &vpc, "us-south-2", "172.16.0.0/20", true).unwrap();
    let first = add_subnet(&mut scene, &vpc, "us-south-2", SubnetRange::Count(256)).unwrap();
    let second = add_subnet(&mut scene, &vpc, "us-south-2", SubnetRange::Count(256)).unwrap();
    assert_eq!(scene.world.subnet(&first).unwrap().cidr.to_string(), "172.16.0.0/24");
    assert_eq!(scene.world.subnet(&second).unwrap().cidr.to_string(), "172.16.1.0/24");
    assert!(scene.world.prefix_has_subnets(scene.world.address_prefix(&prefix).unwrap()));
    // A subnet by CIDR without a zone takes the zone of the prefix holding its range.
    let input = NewSubnet {
        name: None,
        vpc: vpc.clone(),
        zone: None,
        range: by_cidr("172.16.8.0/24"),
        network_acl: None,
        public_gateway: None,
        resource_group: None,
    };
    let zoneless = scene.run(SPOKE_ACCOUNT, |w, c| subnet::create(w, c, input)).unwrap();
    assert_eq!(scene.world.subnet(&zoneless).unwrap().zone, "us-south-2");
    // An exhausted default prefix refuses a count it cannot hold.
    let error = add_subnet(&mut scene, &vpc, "us-south-2", SubnetRange::Count(8192)).unwrap_err();
    assert_eq!(error.code, "address_prefix_exhausted");
    // A prefix without subnets goes; renaming and un-defaulting are accepted.
    let spare = add_prefix(&mut scene, &vpc, "us-south-1", "172.17.0.0/16", false).unwrap();
    let patch = AddressPrefixPatch { name: Some("renamed".into()), is_default: Some(true) };
    scene.run(SPOKE_ACCOUNT, |w, c| prefix::update(w, c, &vpc, &spare, &patch)).unwrap();
    assert!(scene.world.address_prefix(&spare).unwrap().is_default);
    scene.run(SPOKE_ACCOUNT, |w, c| prefix::delete(w, c, &vpc, &spare)).unwrap();
    // Another account sees nothing of the VPC's prefixes.
    let hidden = scene.run(HUB_ACCOUNT, |w, c| prefix::delete(w, c, &vpc, &prefix)).unwrap_err();
    assert_eq!(hidden.code, "not_found");
}

#[test]
fn every_rule_refuses_what_it_forbids() {
    for (rule, code, refusal, scenario) in refusals() {
        let mut scene = Scene::new();
        let error = scenario(&mut scene).expect_err(&format!("rule {rule} should refuse (`{code}`)"));
        assert_eq!(error.code, code, "rule {rule}: {error}");
        if code != "not_found" {
            assert_eq!(error.rule, Some(rule), "rule {rule}: {error}");
            assert!(error.message.ends_with(&format!("(rule {rule})")), "{error}");
        }
        assert_eq!(error.refusal, refusal, "rule {rule}: {error}");
    }
}

#[test]
fn a_binding_is_one_object_seen_from_both_sides_with_counts_on_both() {
    let mut scene = Scene::new();
    let (hub, spoke, binding, _) = scene.bound();
    assert_eq!((binding_count(&scene.world, &hub), binding_count(&scene.world, &spoke)), (1, 1));
    assert_eq!(scene.world.bindings_of(&hub).next().unwrap().id, binding);
    assert_eq!(scene.world.bindings_of(&spoke).next().unwrap().id, binding);
    // A same-account spoke may name the hub by id.
    let local_spoke = scene.vpc(HUB_ACCOUNT, "local-spoke", false);
    scene.grant(HUB_ACCOUNT, HUB_ACCOUNT, None, &hub);
    let identity = VpcIdentity::Id(hub.clone());
    scene.run(HUB_ACCOUNT, |w, c| binding::create(w, c, &local_spoke, &identity, None)).unwrap();
    assert_eq!(binding_count(&scene.world, &hub), 2);
}

#[test]
fn delegation_follows_the_hub_resolver_and_degrades_when_the_hub_unbinds() {
    let mut scene = Scene::new();
    let (hub, spoke, binding, _) = scene.bound();
    delegate(&mut scene, &spoke, &hub).unwrap();
    let hub_servers = resolver_view(&scene.world, scene.world.vpc(&hub).unwrap()).servers;
    let spoke_view = resolver_view(&scene.world, scene.world.vpc(&spoke).unwrap());
    assert_eq!(spoke_view.servers, hub_servers, "S7: delegated servers are the hub's");
    assert_eq!(resolver_view(&scene.world, scene.world.vpc(&hub).unwrap()).configuration, Some("custom_resolver"));

    // S7: a new hub resolver location reaches the spoke at once.
    let subnet = scene.subnet(HUB_ACCOUNT, &hub, "us-south-2");
    let (resolver, instance) = scene.world.resolvers().next().map(|r| (r.id.clone(), r.instance.clone())).unwrap();
    let location =
        NewLocation { subnet_crn: crn(&super::fixture::account(HUB_ACCOUNT), "subnet", &subnet), enabled: true };
    scene.run(HUB_ACCOUNT, |w, c| resolver::create_location(w, c, &instance, &resolver, &location)).unwrap();
    assert_eq!(resolver_view(&scene.world, scene.world.vpc(&spoke).unwrap()).servers.len(), 2);

    // D3: the hub may remove the binding while the spoke is delegated; the spoke becomes degraded.
    assert_eq!(vpc_health(&scene.world, scene.world.vpc(&spoke).unwrap()).0, "ok");
    scene.run(HUB_ACCOUNT, |w, c| binding::delete(w, c, &hub, &binding)).unwrap();
    let (state, reasons) = vpc_health(&scene.world, scene.world.vpc(&spoke).unwrap());
    assert_eq!((state, reasons[0].0), ("degraded", "dns_resolution_binding_failed"));
    assert_eq!(binding_count(&scene.world, &spoke), 0);
}

#[test]
fn an_unauthorized_spoke_delete_leaves_the_hub_side_faulted() {
    let mut scene = Scene::new();
    let (hub, spoke, binding, policy) = scene.bound();
    scene.revoke(&policy);
    // D6: the existing binding keeps working after revocation.
    assert_eq!(binding_count(&scene.world, &spoke), 1);
    let outcome = scene.run(SPOKE_ACCOUNT, |w, c| binding::delete(w, c, &spoke, &binding)).unwrap();
    assert!(outcome.hub_side_kept);
    assert_eq!(outcome.refusal.unwrap().code, "not_authorized");
    assert_eq!((binding_count(&scene.world, &spoke), binding_count(&scene.world, &hub)), (0, 1));
    let kept = scene.world.binding(&binding).unwrap();
    assert_eq!(crate::topology::binding_health(kept).0, "faulted");
    // The hub may always delete its side (D2).
    scene.run(HUB_ACCOUNT, |w, c| binding::delete(w, c, &hub, &binding)).unwrap();
    assert_eq!(binding_count(&scene.world, &hub), 0);
}

#[test]
fn an_authorized_spoke_delete_removes_both_sides() {
    let mut scene = Scene::new();
    let (hub, spoke, binding, _) = scene.bound();
    let outcome = scene.run(SPOKE_ACCOUNT, |w, c| binding::delete(w, c, &spoke, &binding)).unwrap();
    assert!(!outcome.hub_side_kept);
    assert_eq!((binding_count(&scene.world, &spoke), binding_count(&scene.world, &hub)), (0, 0));
    assert!(scene.world.binding(&binding).is_none());
}

#[test]
fn soft_enforcement_lets_refusals_through_and_reports_them() {
    let mut scene = Scene::new();
    scene.enforcement = Enforcement::Soft;
    let (hub, spoke) = scene.two_accounts();
    scene.bind(SPOKE_ACCOUNT, &spoke, &hub).unwrap();
    assert_eq!(scene.waived.len(), 1);
    assert_eq!(scene.waived[0].code, "not_authorized");
    let mut off = Scene::new();
    off.enforcement = Enforcement::Off;
    let (hub, spoke) = off.two_accounts();
    off.bind(SPOKE_ACCOUNT, &spoke, &hub).unwrap();
    assert!(off.waived.is_empty());
}

#[test]
fn system_resolver_configuration_follows_the_vpc() {
    let mut scene = Scene::new();
    let hub = scene.vpc(HUB_ACCOUNT, "hub", true);
    let configuration = |scene: &Scene| resolver_view(&scene.world, scene.world.vpc(&hub).unwrap()).configuration;
    assert_eq!(configuration(&scene), Some("default"));
    let subnet = scene.subnet(HUB_ACCOUNT, &hub, "us-south-1");
    scene.gateway(HUB_ACCOUNT, &hub, COS, BindingMode::Primary).unwrap();
    assert_eq!(configuration(&scene), Some("private_resolver"));
    scene.custom_resolver(HUB_ACCOUNT, &subnet);
    assert_eq!(configuration(&scene), Some("custom_resolver"));
}

#[test]
fn hubs_and_spokes_that_are_allowed() {
    let mut scene = Scene::new();
    // H1: a hub can be enabled after creation; H6: several hubs per account.
    let first = scene.vpc(HUB_ACCOUNT, "first", false);
    patch(&mut scene, HUB_ACCOUNT, &first, enable_hub(true)).unwrap();
    let second = scene.vpc(HUB_ACCOUNT, "second", true);
    assert!(scene.world.vpc(&first).unwrap().enable_hub && scene.world.vpc(&second).unwrap().enable_hub);
    // M4: a disabled spoke gateway may duplicate the hub's target; a per-resource-binding one may too when the hub has
    // the primary.
    let (hub, spoke, ..) = scene.bound();
    let disabled = scene.gateway(SPOKE_ACCOUNT, &spoke, COS, BindingMode::Disabled).unwrap();
    scene
        .run(SPOKE_ACCOUNT, |w, c| gateway::update(w, c, &disabled, None, Some(BindingMode::PerResourceBinding)))
        .unwrap();
    // M7: a mode change passes through `updating`.
    assert_eq!(scene.world.gateway(&disabled).unwrap().settling.phase, crate::model::Phase::Updating);
    // S8: a manual resolver may point at the hub's custom resolver addresses.
    let servers = resolver_view(&scene.world, scene.world.vpc(&hub).unwrap()).servers;
    let resolver =
        ResolverPatch { kind: Some("manual".into()), manual_servers: Patch::Value(servers), ..Default::default() };
    let body = VpcPatch { resolver: Some(resolver), ..Default::default() };
    scene.run(SPOKE_ACCOUNT, |w, c| vpc::update(w, c, &spoke, body, IfMatch::Given)).unwrap();
}

#[test]
fn manual_servers_need_if_match_and_valid_zone_affinity() {
    let mut scene = Scene::new();
    let vpc = scene.vpc(SPOKE_ACCOUNT, "plain", false);
    let server =
        |zone: Option<&str>| DnsServer { address: Ipv4Addr::new(10, 0, 0, 9), zone_affinity: zone.map(str::to_owned) };
    let attempt = |scene: &mut Scene, servers: Vec<DnsServer>, if_match: IfMatch| {
        let resolver =
            ResolverPatch { kind: Some("manual".into()), manual_servers: Patch::Value(servers), ..Default::default() };
        let body = VpcPatch { resolver: Some(resolver), ..Default::default() };
        scene.run(SPOKE_ACCOUNT, |w, c| vpc::update(w, c, &vpc, body, if_match))
    };
    let code = |result: RuleResult<String>| result.unwrap_err().code;
    assert_eq!(code(attempt(&mut scene, vec![server(None)], IfMatch::Absent)), "if_match_required");
    assert_eq!(
        code(attempt(&mut scene, vec![server(Some("us-south-1")), server(None)], IfMatch::Given)),
        "dns_resolver_zone_affinity_mixed"
    );
    assert_eq!(
        code(attempt(&mut scene, vec![server(Some("us-south-1")), server(Some("us-south-1"))], IfMatch::Given)),
        "dns_resolver_zone_affinity_duplicate"
    );
    assert_eq!(code(attempt(&mut scene, vec![server(Some("mars-1"))], IfMatch::Given)), "invalid_zone");
    attempt(&mut scene, vec![server(Some("us-south-1"))], IfMatch::Given).unwrap();
    assert_eq!(scene.world.vpc(&vpc).unwrap().version, 2);
}

mod security {
    //! The rules of security groups and network ACLs, one row per refusal: its code, its class and the field at
    //! fault.

    use ipnet::Ipv4Net;

    use super::super::fixture::{COS, HUB_ACCOUNT, SPOKE_ACCOUNT, Scene};
    use super::super::gateway::{self, NewGateway};
    use super::super::network_acl::{self, AclRulePatch, NewAcl, NewAclRule};
    use super::super::security_group::{self, NewSecurityGroup, NewSecurityGroupRule, SecurityGroupRulePatch};
    use super::super::subnet::{self, NewSubnet, SubnetRange};
    use super::super::vpc;
    use crate::error::{Refusal, RuleResult};
    use crate::model::{
        AclAction, BindingMode, Direction, GatewayTarget, Local, PortRange, Remote, RuleProtocol,
        default_network_acl_id, default_security_group_id,
    };

    fn tcp(min: u16, max: u16) -> RuleProtocol {
        RuleProtocol::Tcp { ports: PortRange { min, max }, source_ports: PortRange::ALL }
    }

    fn sg_rule(protocol: RuleProtocol) -> NewSecurityGroupRule {
        NewSecurityGroupRule { name: None, direction: Direction::Inbound, protocol, remote: None, local: None }
    }

    fn acl_rule(name: &str, action: AclAction, protocol: RuleProtocol) -> NewAclRule {
        NewAclRule {
            name: Some(name.into()),
            action,
            direction: Direction::Inbound,
            source: Ipv4Net::default(),
            destination: Ipv4Net::default(),
            protocol,
            before: None,
        }
    }

    fn group(s: &mut Scene, vpc: &str, name: &str) -> RuleResult<String> {
        let input =
            NewSecurityGroup { name: Some(name.into()), vpc: vpc.into(), rules: Vec::new(), resource_group: None };
        s.run(HUB_ACCOUNT, |w, c| security_group::create(w, c, input))
    }

    fn acl(s: &mut Scene, vpc: &str, name: &str) -> RuleResult<String> {
        let input =
            NewAcl { name: Some(name.into()), vpc: vpc.into(), rules: Vec::new(), source: None, resource_group: None };
        s.run(HUB_ACCOUNT, |w, c| network_acl::create(w, c, input))
    }

    fn add_sg_rule(s: &mut Scene, group: &str, rule: NewSecurityGroupRule) -> RuleResult<()> {
        s.run(HUB_ACCOUNT, |w, c| security_group::create_rule(w, c, group, rule)).map(drop)
    }

    fn add_acl_rule(s: &mut Scene, acl: &str, rule: NewAclRule) -> RuleResult<String> {
        s.run(HUB_ACCOUNT, |w, c| network_acl::create_rule(w, c, acl, rule))
    }

    /// (expected error code, class of refusal, field at fault, scenario that must be refused).
    type Row = (&'static str, Refusal, Option<&'static str>, fn(&mut Scene) -> RuleResult<()>);

    fn refusals() -> Vec<Row> {
        vec![
            ("security_group_default", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let id = default_security_group_id(&vpc);
                s.run(HUB_ACCOUNT, |w, c| security_group::delete(w, c, &id))
            }),
            ("security_group_name_duplicate", Refusal::Conflict, Some("name"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                group(s, &vpc, "web")?;
                group(s, &vpc, "web").map(drop)
            }),
            ("security_group_in_use", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let sg = group(s, &vpc, "web")?;
                let input = NewGateway {
                    name: None,
                    vpc: vpc.clone(),
                    target: GatewayTarget::ProviderCloudService { crn: COS.into() },
                    mode: Some(BindingMode::Disabled),
                    ips: Vec::new(),
                    security_groups: vec![sg.clone()],
                    resource_group: None,
                };
                s.run(HUB_ACCOUNT, |w, c| gateway::create(w, c, input))?;
                s.run(HUB_ACCOUNT, |w, c| security_group::delete(w, c, &sg))
            }),
            ("security_group_referenced", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let web = group(s, &vpc, "web")?;
                let db = group(s, &vpc, "db")?;
                let rule =
                    NewSecurityGroupRule { remote: Some(Remote::Group(web.clone())), ..sg_rule(tcp(5432, 5432)) };
                add_sg_rule(s, &db, rule)?;
                s.run(HUB_ACCOUNT, |w, c| security_group::delete(w, c, &web))
            }),
            ("security_group_rule_name_duplicate", Refusal::Conflict, Some("name"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let rule = NewSecurityGroupRule { name: Some("outbound-icmp-tcp-udp".into()), ..sg_rule(tcp(22, 22)) };
                add_sg_rule(s, &default_security_group_id(&vpc), rule)
            }),
            ("security_group_rule_remote_invalid", Refusal::Invalid, Some("remote"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let other = s.vpc(HUB_ACCOUNT, "w", false);
                let rule = NewSecurityGroupRule {
                    remote: Some(Remote::Group(default_security_group_id(&other))),
                    ..sg_rule(RuleProtocol::IcmpTcpUdp)
                };
                add_sg_rule(s, &default_security_group_id(&vpc), rule)
            }),
            ("invalid_port_range", Refusal::Invalid, Some("port_min"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                add_sg_rule(s, &default_security_group_id(&vpc), sg_rule(tcp(443, 80)))
            }),
            ("invalid_port_range", Refusal::Invalid, Some("rules.port_min"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let input = NewSecurityGroup {
                    name: None,
                    vpc: vpc.clone(),
                    rules: vec![sg_rule(tcp(0, 80))],
                    resource_group: None,
                };
                s.run(HUB_ACCOUNT, |w, c| security_group::create(w, c, input)).map(drop)
            }),
            ("invalid_icmp_type", Refusal::Invalid, Some("type"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let icmp = RuleProtocol::Icmp { kind: Some(255), code: None };
                add_sg_rule(s, &default_security_group_id(&vpc), sg_rule(icmp))
            }),
            ("invalid_icmp_code", Refusal::Invalid, Some("code"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let icmp = RuleProtocol::Icmp { kind: None, code: Some(0) };
                add_sg_rule(s, &default_security_group_id(&vpc), sg_rule(icmp))
            }),
            ("security_group_rule_protocol_mismatch", Refusal::Invalid, Some("port_min"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let sg = default_security_group_id(&vpc);
                let rule = s.world.security_group(&sg).unwrap().rules[0].id.clone();
                let patch = SecurityGroupRulePatch { port_min: Some(22), ..Default::default() };
                s.run(HUB_ACCOUNT, |w, c| security_group::update_rule(w, c, &sg, &rule, patch)).map(drop)
            }),
            ("security_group_target_quota_exceeded", Refusal::Invalid, Some("security_groups"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let mut groups = Vec::new();
                for name in ["a", "b", "c", "d", "e", "f"] {
                    groups.push(group(s, &vpc, name)?);
                }
                let input = NewGateway {
                    name: None,
                    vpc: vpc.clone(),
                    target: GatewayTarget::ProviderCloudService { crn: COS.into() },
                    mode: Some(BindingMode::Disabled),
                    ips: Vec::new(),
                    security_groups: groups,
                    resource_group: None,
                };
                s.run(HUB_ACCOUNT, |w, c| gateway::create(w, c, input)).map(drop)
            }),
            ("security_group_not_in_vpc", Refusal::Invalid, Some("security_groups"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let other = s.vpc(HUB_ACCOUNT, "w", false);
                let input = NewGateway {
                    name: None,
                    vpc: vpc.clone(),
                    target: GatewayTarget::ProviderCloudService { crn: COS.into() },
                    mode: Some(BindingMode::Disabled),
                    ips: Vec::new(),
                    security_groups: vec![default_security_group_id(&other)],
                    resource_group: None,
                };
                s.run(HUB_ACCOUNT, |w, c| gateway::create(w, c, input)).map(drop)
            }),
            ("security_group_target_last", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let gateway = s.gateway(HUB_ACCOUNT, &vpc, COS, BindingMode::Primary)?;
                let sg = default_security_group_id(&vpc);
                s.run(HUB_ACCOUNT, |w, c| security_group::remove_target(w, c, &sg, &gateway))
            }),
            ("security_group_not_in_vpc", Refusal::Invalid, None, |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let other = s.vpc(HUB_ACCOUNT, "w", false);
                let gateway = s.gateway(HUB_ACCOUNT, &vpc, COS, BindingMode::Primary)?;
                let sg = default_security_group_id(&other);
                s.run(HUB_ACCOUNT, |w, c| security_group::add_target(w, c, &sg, &gateway)).map(drop)
            }),
            ("not_found", Refusal::NotFound, None, |s| {
                // Another account's security group is not revealed.
                let vpc = s.vpc(SPOKE_ACCOUNT, "v", false);
                let sg = default_security_group_id(&vpc);
                s.run(HUB_ACCOUNT, |w, c| security_group::rename(w, c, &sg, "mine")).map(drop)
            }),
            ("network_acl_default", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let id = default_network_acl_id(&vpc);
                s.run(HUB_ACCOUNT, |w, c| network_acl::delete(w, c, &id))
            }),
            ("network_acl_in_use", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let id = acl(s, &vpc, "strict")?;
                let input = NewSubnet {
                    name: None,
                    vpc: vpc.clone(),
                    zone: Some("us-south-1".into()),
                    range: SubnetRange::Count(256),
                    network_acl: Some(id.clone()),
                    public_gateway: None,
                    resource_group: None,
                };
                s.run(HUB_ACCOUNT, |w, c| subnet::create(w, c, input))?;
                s.run(HUB_ACCOUNT, |w, c| network_acl::delete(w, c, &id))
            }),
            ("network_acl_name_duplicate", Refusal::Conflict, Some("name"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                acl(s, &vpc, "strict")?;
                acl(s, &vpc, "strict").map(drop)
            }),
            ("network_acl_not_in_vpc", Refusal::Invalid, Some("network_acl"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let other = s.vpc(HUB_ACCOUNT, "w", false);
                let subnet = s.subnet(HUB_ACCOUNT, &vpc, "us-south-1");
                let foreign = default_network_acl_id(&other);
                s.run(HUB_ACCOUNT, |w, c| network_acl::replace_subnet_acl(w, c, &subnet, &foreign)).map(drop)
            }),
            ("network_acl_rule_deny_icmp_tcp_udp", Refusal::Invalid, Some("action"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let rule = acl_rule("deny-all", AclAction::Deny, RuleProtocol::IcmpTcpUdp);
                add_acl_rule(s, &default_network_acl_id(&vpc), rule).map(drop)
            }),
            ("network_acl_rule_name_duplicate", Refusal::Conflict, Some("name"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let rule = acl_rule("allow-inbound", AclAction::Allow, RuleProtocol::Any);
                add_acl_rule(s, &default_network_acl_id(&vpc), rule).map(drop)
            }),
            ("not_found", Refusal::NotFound, Some("before.id"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let rule =
                    NewAclRule { before: Some("nope".into()), ..acl_rule("x", AclAction::Allow, RuleProtocol::Any) };
                add_acl_rule(s, &default_network_acl_id(&vpc), rule).map(drop)
            }),
            ("network_acl_rule_before_itself", Refusal::Invalid, Some("before.id"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let acl = default_network_acl_id(&vpc);
                let rule = s.world.network_acl(&acl).unwrap().rules[0].id.clone();
                let patch = AclRulePatch { before: Some(rule.clone()), ..Default::default() };
                s.run(HUB_ACCOUNT, |w, c| network_acl::update_rule(w, c, &acl, &rule, patch)).map(drop)
            }),
            ("network_acl_rule_before_not_allowed", Refusal::Invalid, Some("rules.before"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let rule =
                    NewAclRule { before: Some("x".into()), ..acl_rule("x", AclAction::Allow, RuleProtocol::Any) };
                let input =
                    NewAcl { name: None, vpc: vpc.clone(), rules: vec![rule], source: None, resource_group: None };
                s.run(HUB_ACCOUNT, |w, c| network_acl::create(w, c, input)).map(drop)
            }),
            ("invalid_port_range", Refusal::Invalid, Some("source_port_min"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let udp = RuleProtocol::Udp { ports: PortRange::ALL, source_ports: PortRange { min: 9, max: 8 } };
                add_acl_rule(s, &default_network_acl_id(&vpc), acl_rule("x", AclAction::Allow, udp)).map(drop)
            }),
            ("network_acl_rule_protocol_mismatch", Refusal::Invalid, Some("type"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let acl = default_network_acl_id(&vpc);
                let rule = s.world.network_acl(&acl).unwrap().rules[0].id.clone();
                let patch = AclRulePatch { icmp_type: Some(8), ..Default::default() };
                s.run(HUB_ACCOUNT, |w, c| network_acl::update_rule(w, c, &acl, &rule, patch)).map(drop)
            }),
            ("security_group_quota_exceeded", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                // The default group is the first of the hundred.
                for n in 1..security_group::GROUPS_PER_VPC {
                    group(s, &vpc, &format!("g{n}"))?;
                }
                group(s, &vpc, "one-too-many").map(drop)
            }),
            ("security_group_rule_quota_exceeded", Refusal::Conflict, Some("rules"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let rules = vec![sg_rule(RuleProtocol::Any); security_group::RULES_PER_GROUP + 1];
                let input = NewSecurityGroup { name: None, vpc: vpc.clone(), rules, resource_group: None };
                s.run(HUB_ACCOUNT, |w, c| security_group::create(w, c, input)).map(drop)
            }),
            ("network_acl_quota_exceeded", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                for n in 1..network_acl::ACLS_PER_VPC {
                    acl(s, &vpc, &format!("a{n}"))?;
                }
                acl(s, &vpc, "one-too-many").map(drop)
            }),
            ("network_acl_rule_quota_exceeded", Refusal::Conflict, Some("rules"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let rule = NewAclRule { name: None, ..acl_rule("x", AclAction::Allow, RuleProtocol::Any) };
                let input = NewAcl {
                    name: None,
                    vpc: vpc.clone(),
                    rules: vec![rule; network_acl::RULES_PER_ACL + 1],
                    source: None,
                    resource_group: None,
                };
                s.run(HUB_ACCOUNT, |w, c| network_acl::create(w, c, input)).map(drop)
            }),
            ("vpc_in_use", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                group(s, &vpc, "web")?;
                s.run(HUB_ACCOUNT, |w, c| vpc::delete(w, c, &vpc))
            }),
        ]
    }

    #[test]
    fn every_security_rule_refuses_what_it_forbids() {
        for (code, refusal, field, scenario) in refusals() {
            let mut scene = Scene::new();
            let error = scenario(&mut scene).expect_err(&format!("`{code}` should refuse"));
            assert_eq!((error.code, error.refusal), (code, refusal), "{error}");
            assert_eq!(error.target.as_ref().map(|(name, _)| name.as_str()), field, "`{code}`: {error}");
        }
    }

    #[test]
    fn a_vpc_comes_and_goes_with_its_defaults() {
        let mut scene = Scene::new();
        let vpc = scene.vpc(HUB_ACCOUNT, "v", false);
        let sg = scene.world.security_group(&default_security_group_id(&vpc)).unwrap().clone();
        assert_eq!(sg.rules.len(), 2);
        assert_eq!(sg.rules[0].remote, Remote::Group(sg.id.clone()));
        assert_eq!(
            (sg.rules[1].direction, &sg.rules[1].remote),
            (Direction::Outbound, &Remote::Cidr(Ipv4Net::default()))
        );
        let acl = scene.world.network_acl(&default_network_acl_id(&vpc)).unwrap().clone();
        let names: Vec<&str> = acl.rules.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["allow-inbound", "allow-outbound"]);
        assert!(scene.world.routing_table(&format!("{vpc}-rt")).is_some());
        let subnet = scene.subnet(HUB_ACCOUNT, &vpc, "us-south-1");
        assert_eq!(scene.world.subnet(&subnet).unwrap().network_acl, acl.id);
        let gateway = scene.gateway(HUB_ACCOUNT, &vpc, COS, BindingMode::Primary).unwrap();
        assert_eq!(scene.world.gateway(&gateway).unwrap().security_groups, std::slice::from_ref(&sg.id));
        scene.run(HUB_ACCOUNT, |w, c| gateway::delete(w, c, &gateway)).unwrap();
        scene.run(HUB_ACCOUNT, |w, c| subnet::delete(w, c, &subnet)).unwrap();
        scene.run(HUB_ACCOUNT, |w, c| vpc::delete(w, c, &vpc)).unwrap();
        assert_eq!(scene.world.security_groups().count() + scene.world.network_acls().count(), 0);
        assert_eq!(scene.world.routing_tables().count(), 0);
    }

    #[test]
    fn acl_rules_keep_their_order_and_before_places_them() {
        let mut scene = Scene::new();
        let vpc = scene.vpc(HUB_ACCOUNT, "v", false);
        let acl = default_network_acl_id(&vpc);
        let first = scene.world.network_acl(&acl).unwrap().rules[0].id.clone();
        let rule = NewAclRule { before: Some(first.clone()), ..acl_rule("ssh", AclAction::Allow, tcp(22, 22)) };
        let ssh = add_acl_rule(&mut scene, &acl, rule).unwrap();
        add_acl_rule(&mut scene, &acl, acl_rule("deny-rest", AclAction::Deny, RuleProtocol::Any)).unwrap();
        let names = |scene: &Scene| -> Vec<String> {
            scene.world.network_acl(&acl).unwrap().rules.iter().map(|r| r.name.clone()).collect()
        };
        assert_eq!(names(&scene), ["ssh", "allow-inbound", "allow-outbound", "deny-rest"]);
        let patch = AclRulePatch { before: None, name: Some("ssh-in".into()), ..Default::default() };
        scene.run(HUB_ACCOUNT, |w, c| network_acl::update_rule(w, c, &acl, &ssh, patch)).unwrap();
        let last = scene.world.network_acl(&acl).unwrap().rules[3].id.clone();
        let patch = AclRulePatch { before: Some(last), ..Default::default() };
        scene.run(HUB_ACCOUNT, |w, c| network_acl::update_rule(w, c, &acl, &ssh, patch)).unwrap();
        assert_eq!(names(&scene), ["allow-inbound", "allow-outbound", "ssh-in", "deny-rest"]);
        // A copy takes the source's rules in order.
        let input = NewAcl {
            name: Some("copy".into()),
            vpc: vpc.clone(),
            rules: Vec::new(),
            source: Some(acl.clone()),
            resource_group: None,
        };
        let copy = scene.run(HUB_ACCOUNT, |w, c| network_acl::create(w, c, input)).unwrap();
        assert_eq!(scene.world.network_acl(&copy).unwrap().rules.len(), 4);
        let local = Local::Cidr("10.0.0.0/8".parse().unwrap());
        let sg = default_security_group_id(&vpc);
        let rule = NewSecurityGroupRule { local: Some(local), ..sg_rule(tcp(53, 53)) };
        add_sg_rule(&mut scene, &sg, rule).unwrap();
        assert_eq!(scene.world.security_group(&sg).unwrap().rules[2].local, local);
    }
}

#[test]
fn a_world_the_rules_built_is_consistent_and_tampering_is_named() {
    let mut s = Scene::new();
    let (hub, spoke, binding, _) = s.bound();
    delegate(&mut s, &spoke, &hub).unwrap();
    assert_eq!(s.world.violations(), Vec::<String>::new());
    // Each edit a hand-written state could make, and the rule it breaks.
    type Edit = Box<dyn Fn(&mut crate::world::Draft)>;
    let cases: Vec<(&str, Edit)> = vec![
        ("rule P8", {
            let prefixes: Vec<String> = s.world.prefixes_of(&spoke).map(|p| p.id.clone()).collect();
            Box::new(move |draft| {
                for id in &prefixes {
                    draft.remove(crate::world::EntityKey::AddressPrefix(id.clone()));
                }
            })
        }),
        ("rule S2", {
            let binding = binding.clone();
            Box::new(move |draft| draft.remove(crate::world::EntityKey::Binding(binding.clone())))
        }),
        ("rule C3", {
            let mut not_a_hub = s.world.vpc(&hub).unwrap().clone();
            not_a_hub.enable_hub = false;
            Box::new(move |draft| draft.put(crate::world::Entity::Vpc(not_a_hub.clone())))
        }),
        ("rule RB1", {
            // A resource binding on the hub's `primary` gateway.
            let gateway = s.world.gateways_in(&hub).next().unwrap().id.clone();
            let settling = s.world.gateway(&gateway).unwrap().settling;
            let binding = crate::model::ResourceBinding {
                id: "r006-tampered".into(),
                account: super::fixture::account(HUB_ACCOUNT),
                gateway,
                name: "tampered".into(),
                target_crn: "crn:v1:bluemix:public:cloud-object-storage:global:a/x:y:bucket:logs".into(),
                service_endpoint: "logs.s3.direct.us-south.cloud-object-storage.appdomain.cloud".into(),
                created_at: hubspoke_iam::Timestamp(0),
                settling,
            };
            Box::new(move |draft| draft.put(crate::world::Entity::ResourceBinding(binding.clone())))
        }),
        ("rule F1", {
            // The hub's resolver without its default rule.
            let resolver = s.world.resolvers().next().unwrap().id.clone();
            let default = s.world.forwarding_rules_of(&resolver)[0].id.clone();
            Box::new(move |draft| draft.remove(crate::world::EntityKey::ForwardingRule(default.clone())))
        }),
        ("rule F4", {
            // A second rule matching what the default rule matches.
            let resolver = s.world.resolvers().next().unwrap().id.clone();
            let twin = crate::model::ForwardingRule {
                id: "tampered-rule".into(),
                sequence: 1,
                kind: crate::model::ForwardingRuleKind::Zone,
                ..s.world.forwarding_rules_of(&resolver)[0].clone()
            };
            Box::new(move |draft| draft.put(crate::world::Entity::ForwardingRule(twin.clone())))
        }),
        ("rule SZ2", {
            let resolver = s.world.resolvers().next().unwrap().clone();
            let zone = |id: &str| crate::model::SecondaryZone {
                id: id.into(),
                account: resolver.account.clone(),
                resolver: resolver.id.clone(),
                sequence: 1,
                zone: "onprem.example".into(),
                description: String::new(),
                enabled: true,
                transfer_from: Vec::new(),
                created_at: hubspoke_iam::Timestamp(0),
                modified_at: hubspoke_iam::Timestamp(0),
            };
            let (first, second) = (zone("zone-1"), zone("zone-2"));
            Box::new(move |draft| {
                draft.put(crate::world::Entity::SecondaryZone(first.clone()));
                draft.put(crate::world::Entity::SecondaryZone(second.clone()));
            })
        }),
    ];
    for (rule, edit) in cases {
        let mut draft = s.world.draft();
        edit(&mut draft);
        let violations = draft.finish().0.violations();
        assert!(violations.iter().any(|v| v.contains(rule)), "{rule}: {violations:?}");
    }
}

mod public_gateways {
    //! The public gateway rules G1–G9, one row per rule: the rule id, its code, its class and the field at fault.

    use std::net::Ipv4Addr;

    use super::super::fixture::{HUB_ACCOUNT, SPOKE_ACCOUNT, Scene};
    use super::super::public_gateway::{self, FloatingIpRequest, NewPublicGateway};
    use super::super::subnet::{self, NewSubnet, SubnetRange};
    use super::super::vpc;
    use crate::error::{Refusal, RuleResult};

    fn create(s: &mut Scene, account: &str, vpc: &str, zone: &str, name: &str) -> RuleResult<String> {
        create_with(s, account, vpc, zone, name, None)
    }

    fn create_with(
        s: &mut Scene,
        account: &str,
        vpc: &str,
        zone: &str,
        name: &str,
        floating_ip: Option<FloatingIpRequest>,
    ) -> RuleResult<String> {
        let input = NewPublicGateway {
            name: Some(name.into()),
            vpc: vpc.into(),
            zone: zone.into(),
            floating_ip,
            resource_group: None,
        };
        s.run(account, |w, c| public_gateway::create(w, c, input))
    }

    /// (rule, expected error code, class of refusal, field at fault, scenario that must be refused).
    type Row = (&'static str, &'static str, Refusal, Option<&'static str>, fn(&mut Scene) -> RuleResult<()>);

    fn refusals() -> Vec<Row> {
        vec![
            ("G1", "public_gateway_zone_exists", Refusal::Conflict, Some("zone.name"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                create(s, HUB_ACCOUNT, &vpc, "us-south-1", "first")?;
                create(s, HUB_ACCOUNT, &vpc, "us-south-1", "second").map(drop)
            }),
            ("G2", "invalid_zone", Refusal::Invalid, Some("zone.name"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                create(s, HUB_ACCOUNT, &vpc, "eu-de-1", "pgw").map(drop)
            }),
            ("G3", "public_gateway_name_duplicate", Refusal::Conflict, Some("name"), |s| {
                let one = s.vpc(HUB_ACCOUNT, "one", false);
                let two = s.vpc(HUB_ACCOUNT, "two", false);
                create(s, HUB_ACCOUNT, &one, "us-south-1", "pgw")?;
                create(s, HUB_ACCOUNT, &two, "us-south-1", "pgw").map(drop)
            }),
            ("G4", "floating_ip_in_use", Refusal::Conflict, Some("floating_ip"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let first = create(s, HUB_ACCOUNT, &vpc, "us-south-1", "first")?;
                let ip = s.world.public_gateway(&first).unwrap().floating_ip.id.clone();
                create_with(s, HUB_ACCOUNT, &vpc, "us-south-2", "second", Some(FloatingIpRequest::Existing(ip)))
                    .map(drop)
            }),
            ("G4", "not_found", Refusal::NotFound, Some("floating_ip"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let missing = FloatingIpRequest::Existing("r006-no-such-floating-ip".into());
                create_with(s, HUB_ACCOUNT, &vpc, "us-south-1", "pgw", Some(missing)).map(drop)
            }),
            ("G5", "floating_ip_address_invalid", Refusal::Invalid, Some("floating_ip.address"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let private = FloatingIpRequest::Address(Ipv4Addr::new(10, 1, 2, 3));
                create_with(s, HUB_ACCOUNT, &vpc, "us-south-1", "pgw", Some(private)).map(drop)
            }),
            ("G5", "floating_ip_address_in_use", Refusal::Conflict, Some("floating_ip.address"), |s| {
                let hub = s.vpc(HUB_ACCOUNT, "hub", false);
                let first = create(s, HUB_ACCOUNT, &hub, "us-south-1", "first")?;
                let address = s.world.public_gateway(&first).unwrap().floating_ip.address;
                // Public addresses are unique across accounts.
                let spoke = s.vpc(SPOKE_ACCOUNT, "spoke", false);
                let taken = FloatingIpRequest::Address(address);
                create_with(s, SPOKE_ACCOUNT, &spoke, "us-south-1", "second", Some(taken)).map(drop)
            }),
            ("G6", "public_gateway_in_use", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let pgw = create(s, HUB_ACCOUNT, &vpc, "us-south-1", "pgw")?;
                let subnet = s.subnet(HUB_ACCOUNT, &vpc, "us-south-1");
                s.run(HUB_ACCOUNT, |w, c| public_gateway::attach(w, c, &subnet, &pgw))?;
                s.run(HUB_ACCOUNT, |w, c| public_gateway::delete(w, c, &pgw))
            }),
            ("G7", "vpc_in_use", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                create(s, HUB_ACCOUNT, &vpc, "us-south-1", "pgw")?;
                s.run(HUB_ACCOUNT, |w, c| vpc::delete(w, c, &vpc))
            }),
            ("G8", "public_gateway_not_in_vpc", Refusal::Invalid, Some("public_gateway"), |s| {
                let one = s.vpc(HUB_ACCOUNT, "one", false);
                let two = s.vpc(HUB_ACCOUNT, "two", false);
                let pgw = create(s, HUB_ACCOUNT, &one, "us-south-1", "pgw")?;
                let subnet = s.subnet(HUB_ACCOUNT, &two, "us-south-1");
                s.run(HUB_ACCOUNT, |w, c| public_gateway::attach(w, c, &subnet, &pgw)).map(drop)
            }),
            ("G9", "public_gateway_zone_mismatch", Refusal::Invalid, Some("public_gateway"), |s| {
                let vpc = s.vpc(HUB_ACCOUNT, "v", false);
                let pgw = create(s, HUB_ACCOUNT, &vpc, "us-south-2", "pgw")?;
                let input = NewSubnet {
                    name: None,
                    vpc: vpc.clone(),
                    zone: Some("us-south-1".into()),
                    range: SubnetRange::Count(256),
                    network_acl: None,
                    public_gateway: Some(pgw),
                    resource_group: None,
                };
                s.run(HUB_ACCOUNT, |w, c| subnet::create(w, c, input)).map(drop)
            }),
        ]
    }

    #[test]
    fn every_public_gateway_rule_refuses_what_it_forbids() {
        for (rule, code, refusal, field, scenario) in refusals() {
            let mut scene = Scene::new();
            let error = scenario(&mut scene).expect_err(&format!("rule {rule} (`{code}`) should refuse"));
            assert_eq!((error.rule, error.code, error.refusal), (Some(rule), code, refusal), "{error}");
            assert_eq!(error.target.as_ref().map(|(name, _)| name.as_str()), field, "rule {rule}: {error}");
            assert!(error.message.ends_with(&format!("(rule {rule})")), "{error}");
        }
    }

    #[test]
    fn another_accounts_gateway_is_not_found() {
        let mut scene = Scene::new();
        let hub = scene.vpc(HUB_ACCOUNT, "hub", false);
        let pgw = create(&mut scene, HUB_ACCOUNT, &hub, "us-south-1", "pgw").unwrap();
        let spoke = scene.vpc(SPOKE_ACCOUNT, "spoke", false);
        let subnet = scene.subnet(SPOKE_ACCOUNT, &spoke, "us-south-1");
        let error = scene.run(SPOKE_ACCOUNT, |w, c| public_gateway::attach(w, c, &subnet, &pgw)).unwrap_err();
        assert_eq!((error.code, error.refusal), ("not_found", Refusal::NotFound));
        let error = scene.run(SPOKE_ACCOUNT, |w, c| public_gateway::delete(w, c, &pgw)).unwrap_err();
        assert_eq!(error.refusal, Refusal::NotFound);
        // The name belongs to the other account; this one may use it too.
        create(&mut scene, SPOKE_ACCOUNT, &spoke, "us-south-1", "pgw").unwrap();
    }

    #[test]
    fn floating_ips_come_from_the_pool_in_order_and_go_with_their_gateway() {
        let mut scene = Scene::new();
        let vpc = scene.vpc(HUB_ACCOUNT, "v", false);
        let first = create(&mut scene, HUB_ACCOUNT, &vpc, "us-south-1", "first").unwrap();
        let given = FloatingIpRequest::Address(Ipv4Addr::new(203, 0, 113, 7));
        let second = create_with(&mut scene, HUB_ACCOUNT, &vpc, "us-south-2", "second", Some(given)).unwrap();
        let third = create(&mut scene, HUB_ACCOUNT, &vpc, "us-south-3", "third").unwrap();
        let address = |scene: &Scene, id: &str| scene.world.public_gateway(id).unwrap().floating_ip.address;
        assert_eq!(address(&scene, &first), Ipv4Addr::new(198, 18, 0, 1));
        assert_eq!(address(&scene, &second), Ipv4Addr::new(203, 0, 113, 7));
        assert_eq!(address(&scene, &third), Ipv4Addr::new(198, 18, 0, 2));
        scene.run(HUB_ACCOUNT, |w, c| public_gateway::delete(w, c, &first)).unwrap();
        // The released address is the lowest free one again.
        let other = scene.vpc(HUB_ACCOUNT, "other", false);
        let fourth = create(&mut scene, HUB_ACCOUNT, &other, "us-south-1", "fourth").unwrap();
        assert_eq!(address(&scene, &fourth), Ipv4Addr::new(198, 18, 0, 1));
        for (text, public) in [
            ("203.0.113.7", true),
            ("198.18.0.1", true),
            ("8.8.8.8", true),
            ("10.0.0.1", false),
            ("172.16.0.1", false),
            ("192.168.1.1", false),
            ("100.64.0.1", false),
            ("127.0.0.1", false),
            ("169.254.1.1", false),
            ("161.26.0.10", false),
            ("166.9.0.1", false),
            ("224.0.0.1", false),
            ("255.255.255.255", false),
            ("0.0.0.0", false),
        ] {
            assert_eq!(public_gateway::is_public(text.parse().unwrap()), public, "{text}");
        }
    }

    #[test]
    fn a_subnet_takes_a_gateway_at_creation_or_later_and_lets_it_go() {
        let mut scene = Scene::new();
        let vpc = scene.vpc(HUB_ACCOUNT, "v", false);
        let pgw = create(&mut scene, HUB_ACCOUNT, &vpc, "us-south-1", "pgw").unwrap();
        let input = NewSubnet {
            name: Some("with-gateway".into()),
            vpc: vpc.clone(),
            zone: Some("us-south-1".into()),
            range: SubnetRange::Count(256),
            network_acl: None,
            public_gateway: Some(pgw.clone()),
            resource_group: None,
        };
        let with = scene.run(HUB_ACCOUNT, |w, c| subnet::create(w, c, input)).unwrap();
        assert_eq!(scene.world.subnet(&with).unwrap().public_gateway.as_deref(), Some(pgw.as_str()));
        let later = scene.subnet(HUB_ACCOUNT, &vpc, "us-south-1");
        assert_eq!(scene.world.subnet(&later).unwrap().public_gateway, None);
        scene.run(HUB_ACCOUNT, |w, c| public_gateway::attach(w, c, &later, &pgw)).unwrap();
        assert_eq!(scene.world.subnet(&later).unwrap().public_gateway.as_deref(), Some(pgw.as_str()));
        for id in [&with, &later] {
            scene.run(HUB_ACCOUNT, |w, c| public_gateway::detach(w, c, id)).unwrap();
        }
        let error = scene.run(HUB_ACCOUNT, |w, c| public_gateway::detach(w, c, &later)).unwrap_err();
        assert_eq!(error.refusal, Refusal::NotFound);
        scene.run(HUB_ACCOUNT, |w, c| public_gateway::delete(w, c, &pgw)).unwrap();
        assert_eq!(scene.world.public_gateways().count(), 0);
    }
}

mod transit {
    //! Transit gateways: one row per refusal of rules T1–T6 (rule, code, class and field), and what they allow.

    use super::super::transit_gateway::{
        self, NewTransitConnection, NewTransitGateway, TransitGatewayPatch, create_connection, create_gateway,
    };
    use super::*;

    type Row = (&'static str, &'static str, Refusal, Option<&'static str>, fn(&mut Scene) -> RuleResult<()>);

    fn gateway(s: &mut Scene, name: &str, location: &str, global: bool) -> RuleResult<String> {
        let input = NewTransitGateway { name: name.into(), location: location.into(), global };
        s.run(SPOKE_ACCOUNT, |w, c| create_gateway(w, c, input))
    }

    fn connect(s: &mut Scene, gateway: &str, network_id: &str) -> RuleResult<String> {
        let input = NewTransitConnection {
            gateway: gateway.into(),
            network_type: "vpc".into(),
            network_id: Some(network_id.into()),
            network_account_id: None,
            name: None,
        };
        s.run(SPOKE_ACCOUNT, |w, c| create_connection(w, c, input))
    }

    /// Two manual VPCs with the landing zone's non-overlapping prefixes, both connected to one local gateway.
    fn connected(s: &mut Scene) -> (String, String, String) {
        let hub = manual_vpc(s, SPOKE_ACCOUNT, "hub");
        let spoke = manual_vpc(s, SPOKE_ACCOUNT, "spoke");
        add_prefix(s, &hub, "us-south-1", "10.10.10.0/24", false).unwrap();
        add_prefix(s, &spoke, "us-south-1", "10.40.10.0/24", false).unwrap();
        let tg = gateway(s, "tg", "us-south", false).unwrap();
        connect(s, &tg, &s.crn_of(&hub)).unwrap();
        connect(s, &tg, &s.crn_of(&spoke)).unwrap();
        (tg, hub, spoke)
    }

    fn refusals() -> Vec<Row> {
        vec![
            ("T1", "invalid_network_type", Refusal::Invalid, Some("network_type"), |s| {
                let tg = gateway(s, "tg", "us-south", false)?;
                let input = NewTransitConnection {
                    gateway: tg,
                    network_type: "classic".into(),
                    network_id: None,
                    network_account_id: None,
                    name: None,
                };
                s.run(SPOKE_ACCOUNT, |w, c| create_connection(w, c, input)).map(drop)
            }),
            ("T1", "cross_account_unsupported", Refusal::Invalid, Some("network_account_id"), |s| {
                let tg = gateway(s, "tg", "us-south", false)?;
                let vpc = s.vpc(HUB_ACCOUNT, "other", false);
                let input = NewTransitConnection {
                    gateway: tg,
                    network_type: "vpc".into(),
                    network_id: Some(s.crn_of(&vpc)),
                    network_account_id: Some(HUB_ACCOUNT.into()),
                    name: None,
                };
                s.run(SPOKE_ACCOUNT, |w, c| create_connection(w, c, input)).map(drop)
            }),
            ("T1", "cross_account_unsupported", Refusal::Invalid, Some("network_id"), |s| {
                let tg = gateway(s, "tg", "us-south", false)?;
                let vpc = s.vpc(HUB_ACCOUNT, "other", false);
                connect(s, &tg, &s.crn_of(&vpc)).map(drop)
            }),
            ("T2", "invalid_location", Refusal::Invalid, Some("location"), |s| {
                gateway(s, "tg", "mars-1", false).map(drop)
            }),
            ("T2", "connection_location_conflict", Refusal::Invalid, Some("network_id"), |s| {
                let tg = gateway(s, "tg", "eu-de", false)?;
                let vpc = s.vpc(SPOKE_ACCOUNT, "dallas", false);
                connect(s, &tg, &s.crn_of(&vpc)).map(drop)
            }),
            ("T2", "connection_location_conflict", Refusal::Conflict, Some("global"), |s| {
                let tg = gateway(s, "tg", "eu-de", true)?;
                let vpc = s.vpc(SPOKE_ACCOUNT, "dallas", false);
                connect(s, &tg, &s.crn_of(&vpc))?;
                let patch = TransitGatewayPatch { global: Some(false), ..Default::default() };
                s.run(SPOKE_ACCOUNT, |w, c| transit_gateway::update_gateway(w, c, &tg, &patch)).map(drop)
            }),
            ("T3", "network_already_connected", Refusal::Conflict, Some("network_id"), |s| {
                let (tg, hub, _) = connected(s);
                connect(s, &tg, &s.crn_of(&hub)).map(drop)
            }),
            ("T4", "overlapping_prefixes", Refusal::Conflict, Some("network_id"), |s| {
                // Two `auto` VPCs of a region get the same default prefixes.
                let tg = gateway(s, "tg", "us-south", false)?;
                let first = s.vpc(SPOKE_ACCOUNT, "first", false);
                let second = s.vpc(SPOKE_ACCOUNT, "second", false);
                connect(s, &tg, &s.crn_of(&first))?;
                connect(s, &tg, &s.crn_of(&second)).map(drop)
            }),
            ("T4", "overlapping_prefixes", Refusal::Conflict, Some("cidr"), |s| {
                let (_, _, spoke) = connected(s);
                add_prefix(s, &spoke, "us-south-2", "10.10.0.0/16", false).map(drop)
            }),
            ("T5", "vpc_has_transit_gateway_connections", Refusal::Conflict, None, |s| {
                let (_, hub, _) = connected(s);
                s.run(SPOKE_ACCOUNT, |w, c| vpc::delete(w, c, &hub))
            }),
            ("T6", "gateway_has_connections", Refusal::Conflict, None, |s| {
                let (tg, ..) = connected(s);
                s.run(SPOKE_ACCOUNT, |w, c| transit_gateway::delete_gateway(w, c, &tg))
            }),
        ]
    }

    #[test]
    fn every_transit_gateway_rule_refuses_what_it_forbids() {
        for (rule, code, refusal, field, scenario) in refusals() {
            let mut scene = Scene::new();
            let error = scenario(&mut scene).expect_err(&format!("rule {rule} should refuse (`{code}`)"));
            assert_eq!((error.code, error.refusal, error.rule), (code, refusal, Some(rule)), "{error}");
            assert!(error.message.ends_with(&format!("(rule {rule})")), "{error}");
            assert_eq!(error.target.as_ref().map(|(name, _)| name.as_str()), field, "rule {rule}: {error}");
        }
    }

    #[test]
    fn the_overlap_refusal_names_both_prefixes() {
        let mut scene = Scene::new();
        let tg = gateway(&mut scene, "tg", "us-south", false).unwrap();
        let first = scene.vpc(SPOKE_ACCOUNT, "first", false);
        let second = scene.vpc(SPOKE_ACCOUNT, "second", false);
        let (first_crn, second_crn) = (scene.crn_of(&first), scene.crn_of(&second));
        connect(&mut scene, &tg, &first_crn).unwrap();
        let error = connect(&mut scene, &tg, &second_crn).unwrap_err();
        assert!(
            error.message.contains("`10.240.0.0/18` of VPC") && error.message.contains("prefix `10.240.0.0/18` of VPC"),
            "{error}"
        );
        assert!(error.message.contains(&first) && error.message.contains(&second), "{error}");
    }

    #[test]
    fn gateways_and_connections_come_and_go() {
        let mut scene = Scene::new();
        let (tg, hub, spoke) = connected(&mut scene);
        let names: Vec<&str> = scene.world.connections_of(&tg).map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), 2);
        assert!(names.contains(&"hub") && names.contains(&"spoke"), "connections default to the VPC's name");
        // A duplicate gateway name and another account's gateway.
        assert_eq!(gateway(&mut scene, "tg", "us-south", false).unwrap_err().code, "name_conflict");
        let hidden = scene.run(HUB_ACCOUNT, |w, c| transit_gateway::delete_gateway(w, c, &tg)).unwrap_err();
        assert_eq!(hidden.refusal, Refusal::NotFound);
        // A prefix that overlaps nothing connected is fine; so is one in a VPC no gateway connects.
        add_prefix(&mut scene, &spoke, "us-south-2", "10.50.10.0/24", false).unwrap();
        let loose = manual_vpc(&mut scene, SPOKE_ACCOUNT, "loose");
        add_prefix(&mut scene, &loose, "us-south-1", "10.10.10.0/24", false).unwrap();
        // Renames, then everything goes in order.
        let patch = TransitGatewayPatch { name: Some("renamed".into()), global: Some(true) };
        scene.run(SPOKE_ACCOUNT, |w, c| transit_gateway::update_gateway(w, c, &tg, &patch)).unwrap();
        assert!(scene.world.transit_gateway(&tg).is_some_and(|g| g.name == "renamed" && g.global));
        let ids: Vec<String> = scene.world.connections_of(&tg).map(|c| c.id.clone()).collect();
        scene.run(SPOKE_ACCOUNT, |w, c| transit_gateway::update_connection(w, c, &tg, &ids[0], Some("first"))).unwrap();
        for id in &ids {
            scene.run(SPOKE_ACCOUNT, |w, c| transit_gateway::delete_connection(w, c, &tg, id)).unwrap();
        }
        scene.run(SPOKE_ACCOUNT, |w, c| vpc::delete(w, c, &hub)).unwrap();
        scene.run(SPOKE_ACCOUNT, |w, c| transit_gateway::delete_gateway(w, c, &tg)).unwrap();
        assert!(scene.world.transit_gateway(&tg).is_none());
    }
}

mod resource_groups {
    //! The rules of resource groups (RG1–RG5), one row per refusal, and the groups VPC resources are created in.

    use hubspoke_iam::Timestamp;

    use super::super::fixture::{HUB_ACCOUNT, SPOKE_ACCOUNT, Scene, account};
    use super::super::resource_group::{self, DEFAULT_NAME, Owner};
    use super::super::security_group::{self, NewSecurityGroup};
    use super::super::subnet::{self, NewSubnet, SubnetRange};
    use super::super::vpc::{self, NewResolver, NewVpc};
    use crate::error::{Refusal, RuleResult};
    use crate::model::{PrefixManagement, default_resource_group_id};

    fn owner(text: &str) -> Owner {
        Owner { account: account(text), since: Timestamp(1) }
    }

    fn new_group(s: &mut Scene, text: &str, name: &str) -> RuleResult<String> {
        s.run(text, |w, c| resource_group::create(w, c, &owner(text), name))
    }

    fn vpc_in(s: &mut Scene, text: &str, name: &str, group: Option<String>) -> RuleResult<String> {
        let input = NewVpc {
            name: Some(name.into()),
            classic_access: false,
            address_prefix_management: PrefixManagement::Auto,
            enable_hub: false,
            resolver: NewResolver::System,
            resource_group: group,
        };
        s.run(text, |w, c| vpc::create(w, c, input))
    }

    /// (rule, expected error code, class of refusal, field at fault, scenario that must be refused).
    type Row = (&'static str, &'static str, Refusal, Option<&'static str>, fn(&mut Scene) -> RuleResult<()>);

    fn refusals() -> Vec<Row> {
        vec![
            ("RG1", "resource_group_not_empty", Refusal::Conflict, None, |s| {
                let group = new_group(s, HUB_ACCOUNT, "network")?;
                vpc_in(s, HUB_ACCOUNT, "v", Some(group.clone()))?;
                s.run(HUB_ACCOUNT, |w, c| resource_group::delete(w, c, &owner(HUB_ACCOUNT), &group))
            }),
            ("RG2", "resource_group_default", Refusal::Conflict, None, |s| {
                let id = default_resource_group_id(&account(HUB_ACCOUNT));
                s.run(HUB_ACCOUNT, |w, c| resource_group::delete(w, c, &owner(HUB_ACCOUNT), &id))
            }),
            ("RG3", "resource_group_name_duplicate", Refusal::Conflict, Some("name"), |s| {
                new_group(s, HUB_ACCOUNT, DEFAULT_NAME).map(drop)
            }),
            ("RG4", "not_found", Refusal::NotFound, Some("resource_group"), |s| {
                // Another account's group is refused exactly as an unknown one.
                let theirs = new_group(s, SPOKE_ACCOUNT, "theirs")?;
                vpc_in(s, HUB_ACCOUNT, "v", Some(theirs)).map(drop)
            }),
            ("RG4", "not_found", Refusal::NotFound, Some("resource_group"), |s| {
                let vpc = vpc_in(s, HUB_ACCOUNT, "v", None)?;
                let input = NewSecurityGroup {
                    name: None,
                    vpc,
                    rules: Vec::new(),
                    resource_group: Some("0123456789abcdef0123456789abcdef".into()),
                };
                s.run(HUB_ACCOUNT, |w, c| security_group::create(w, c, input)).map(drop)
            }),
            ("RG5", "forbidden", Refusal::Forbidden, Some("account_id"), |s| {
                s.run(HUB_ACCOUNT, |w, c| resource_group::create(w, c, &owner(SPOKE_ACCOUNT), "theirs")).map(drop)
            }),
        ]
    }

    #[test]
    fn every_resource_group_rule_refuses_what_it_forbids() {
        for (rule, code, refusal, field, scenario) in refusals() {
            let mut scene = Scene::new();
            let error = scenario(&mut scene).expect_err(&format!("rule {rule} should refuse"));
            assert_eq!((error.code, error.refusal, error.rule), (code, refusal, Some(rule)), "{error}");
            assert_eq!(error.target.as_ref().map(|(name, _)| name.as_str()), field, "rule {rule}: {error}");
        }
    }

    #[test]
    fn resources_live_in_the_group_they_name_and_the_default_group_is_implicit() {
        let mut scene = Scene::new();
        let hub = owner(HUB_ACCOUNT);
        let default = default_resource_group_id(&hub.account);
        let groups = resource_group::groups_of(&scene.world, &hub);
        assert_eq!(groups.len(), 1);
        assert_eq!(
            (groups[0].id.as_str(), groups[0].name.as_str(), groups[0].default),
            (default.as_str(), "Default", true)
        );
        let group = new_group(&mut scene, HUB_ACCOUNT, "network").unwrap();
        let vpc = vpc_in(&mut scene, HUB_ACCOUNT, "v", Some(group.clone())).unwrap();
        // The VPC's default security group and ACL are in the VPC's group; a subnet without one is in the default.
        let world = &scene.world;
        assert_eq!(world.vpc(&vpc).unwrap().resource_group, group);
        assert_eq!(world.security_group(&format!("{vpc}-sg")).unwrap().resource_group, group);
        assert_eq!(world.network_acl(&format!("{vpc}-acl")).unwrap().resource_group, group);
        let input = NewSubnet {
            name: None,
            vpc: vpc.clone(),
            zone: Some("us-south-1".into()),
            range: SubnetRange::Count(256),
            network_acl: None,
            resource_group: None,
            public_gateway: None,
        };
        let subnet = scene.run(HUB_ACCOUNT, |w, c| subnet::create(w, c, input)).unwrap();
        assert_eq!(scene.world.subnet(&subnet).unwrap().resource_group, default);
        // Renaming the default group stores it; it stays the default and keeps its id.
        scene.run(HUB_ACCOUNT, |w, c| resource_group::rename(w, c, &hub, &default, "Main")).unwrap();
        let renamed = resource_group::find(&scene.world, &hub, &default).unwrap();
        assert_eq!((renamed.name.as_str(), renamed.default, renamed.created_at), ("Main", true, Timestamp(1)));
        // Another account never finds the group.
        assert!(resource_group::find(&scene.world, &owner(SPOKE_ACCOUNT), &group).is_none());
        // Once its VPC (with the VPC's default security group and ACL) is gone, the group can be deleted.
        scene.run(HUB_ACCOUNT, |w, c| subnet::delete(w, c, &subnet)).unwrap();
        assert!(resource_group::in_use(&scene.world, &group));
        scene.run(HUB_ACCOUNT, |w, c| vpc::delete(w, c, &vpc)).unwrap();
        assert!(!resource_group::in_use(&scene.world, &group));
        scene.run(HUB_ACCOUNT, |w, c| resource_group::delete(w, c, &hub, &group)).unwrap();
        assert!(scene.world.resource_group(&group).is_none());
    }
}

mod resource_bindings {
    //! The resource binding rules RB1–RB5, one row per rule: the rule id, its code, its class and the field at fault.

    use super::super::fixture::{COS, HUB_ACCOUNT, SPOKE_ACCOUNT, Scene};
    use super::super::gateway;
    use super::super::resource_binding::{self, NewResourceBinding};
    use crate::error::{Refusal, RuleResult};
    use crate::model::BindingMode;

    fn bucket(name: &str) -> String {
        format!("crn:v1:bluemix:public:cloud-object-storage:global:a/{SPOKE_ACCOUNT}:guid:bucket:{name}")
    }

    fn bind(s: &mut Scene, gateway: &str, target_crn: &str, name: Option<&str>) -> RuleResult<String> {
        let input = NewResourceBinding {
            gateway: gateway.into(),
            target_crn: target_crn.into(),
            name: name.map(str::to_owned),
        };
        s.run(SPOKE_ACCOUNT, |w, c| resource_binding::create(w, c, input))
    }

    /// A spoke bound to the guide's hub, with a `per_resource_binding` gateway for Cloud Object Storage. Returns
    /// (hub, spoke, gateway).
    fn local_access(s: &mut Scene) -> (String, String, String) {
        let (hub, spoke, _, _) = s.bound();
        let gateway = s.gateway(SPOKE_ACCOUNT, &spoke, COS, BindingMode::PerResourceBinding).unwrap();
        (hub, spoke, gateway)
    }

    /// (rule, expected error code, class of refusal, field at fault, scenario that must be refused).
    type Row = (&'static str, &'static str, Refusal, Option<&'static str>, fn(&mut Scene) -> RuleResult<()>);

    fn refusals() -> Vec<Row> {
        vec![
            ("RB1", "endpoint_gateway_resource_binding_mode", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(SPOKE_ACCOUNT, "plain", false);
                let gateway = s.gateway(SPOKE_ACCOUNT, &vpc, COS, BindingMode::Disabled)?;
                bind(s, &gateway, &bucket("logs"), None).map(drop)
            }),
            (
                "RB2",
                "endpoint_gateway_resource_binding_target_unsupported",
                Refusal::Invalid,
                Some("target.crn"),
                |s| {
                    let (_, _, gateway) = local_access(s);
                    let instance =
                        format!("crn:v1:bluemix:public:cloud-object-storage:global:a/{SPOKE_ACCOUNT}:guid::");
                    bind(s, &gateway, &instance, None).map(drop)
                },
            ),
            (
                "RB2",
                "endpoint_gateway_resource_binding_target_unsupported",
                Refusal::Invalid,
                Some("target.crn"),
                |s| {
                    let (_, _, gateway) = local_access(s);
                    bind(s, &gateway, &bucket("Not_A_Bucket"), None).map(drop)
                },
            ),
            ("RB3", "endpoint_gateway_resource_binding_name_duplicate", Refusal::Conflict, Some("name"), |s| {
                let (_, _, gateway) = local_access(s);
                bind(s, &gateway, &bucket("logs"), Some("mine"))?;
                bind(s, &gateway, &bucket("backups"), Some("mine")).map(drop)
            }),
            ("RB4", "endpoint_gateway_resource_binding_conflict", Refusal::Conflict, Some("target.crn"), |s| {
                let (_, _, gateway) = local_access(s);
                bind(s, &gateway, &bucket("logs"), None)?;
                bind(s, &gateway, &bucket("logs"), None).map(drop)
            }),
            ("RB4", "endpoint_gateway_resource_binding_conflict", Refusal::Conflict, Some("target.crn"), |s| {
                // Another spoke of the same hub already binds the bucket.
                let (hub, _, gateway) = local_access(s);
                bind(s, &gateway, &bucket("logs"), None)?;
                let second = s.vpc(SPOKE_ACCOUNT, "second-spoke", false);
                s.subnet(SPOKE_ACCOUNT, &second, "us-south-1");
                s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, Some(&second), &hub);
                s.bind(SPOKE_ACCOUNT, &second, &hub)?;
                let other = s.gateway(SPOKE_ACCOUNT, &second, COS, BindingMode::PerResourceBinding)?;
                bind(s, &other, &bucket("logs"), None).map(drop)
            }),
            ("RB4", "endpoint_gateway_resource_binding_conflict", Refusal::Conflict, None, |s| {
                // A VPC that binds a bucket standalone cannot join a topology that binds it already.
                let (hub, _, gateway) = local_access(s);
                bind(s, &gateway, &bucket("logs"), None)?;
                let second = s.vpc(SPOKE_ACCOUNT, "second-spoke", false);
                s.subnet(SPOKE_ACCOUNT, &second, "us-south-1");
                let other = s.gateway(SPOKE_ACCOUNT, &second, COS, BindingMode::PerResourceBinding)?;
                bind(s, &other, &bucket("logs"), None)?;
                s.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, Some(&second), &hub);
                s.bind(SPOKE_ACCOUNT, &second, &hub).map(drop)
            }),
            (
                "RB5",
                "endpoint_gateway_has_resource_bindings",
                Refusal::Conflict,
                Some("dns_resolution_binding_mode"),
                |s| {
                    let (_, _, gateway) = local_access(s);
                    bind(s, &gateway, &bucket("logs"), None)?;
                    s.run(SPOKE_ACCOUNT, |w, c| gateway::update(w, c, &gateway, None, Some(BindingMode::Disabled)))
                        .map(drop)
                },
            ),
        ]
    }

    #[test]
    fn every_resource_binding_rule_refuses_what_it_forbids() {
        for (rule, code, refusal, field, scenario) in refusals() {
            let mut scene = Scene::new();
            let error = scenario(&mut scene).expect_err(&format!("rule {rule} (`{code}`) should refuse"));
            assert_eq!((error.rule, error.code, error.refusal), (Some(rule), code, refusal), "{error}");
            assert_eq!(error.target.as_ref().map(|(name, _)| name.as_str()), field, "rule {rule}: {error}");
            assert!(error.message.ends_with(&format!("(rule {rule})")), "{error}");
        }
    }

    #[test]
    fn a_binding_serves_its_bucket_and_goes_with_its_gateway() {
        let mut scene = Scene::new();
        let (_, _, gateway) = local_access(&mut scene);
        let id = bind(&mut scene, &gateway, &bucket("logs"), Some("logs")).unwrap();
        let binding = scene.world.resource_binding(&id).unwrap().clone();
        assert_eq!(binding.service_endpoint, "logs.s3.direct.us-south.cloud-object-storage.appdomain.cloud");
        assert_eq!(binding.gateway, gateway);
        // Another account finds neither the gateway nor the binding.
        let error = scene.run(HUB_ACCOUNT, |w, c| resource_binding::rename(w, c, &gateway, &id, "theirs")).unwrap_err();
        assert_eq!(error.refusal, Refusal::NotFound);
        scene.run(SPOKE_ACCOUNT, |w, c| resource_binding::rename(w, c, &gateway, &id, "renamed")).unwrap();
        assert_eq!(scene.world.resource_binding(&id).unwrap().name, "renamed");
        scene.run(SPOKE_ACCOUNT, |w, c| gateway::delete(w, c, &gateway)).unwrap();
        assert!(scene.world.resource_binding(&id).is_none());
    }
}

mod dns_forwarding {
    //! Custom resolvers' rules CR1–CR6, forwarding rules' F1–F6 and secondary zones' SZ1–SZ4, one row per rule: the
    //! rule id, its code, its class and the field at fault; then what the rules allow.

    use super::super::fixture::{HUB_ACCOUNT, Scene, account};
    use super::super::forwarding_rule::{self, ForwardingRulePatch, NewForwardingRule, NewView};
    use super::super::resolver::{self, CustomResolverPatch, LocationPatch, NewCustomResolver, NewLocation};
    use super::super::secondary_zone::{self, NewSecondaryZone, SecondaryZonePatch};
    use crate::error::{Refusal, RuleResult};
    use crate::model::{ForwardingRuleKind, ResolverProfile};
    use crate::region::crn;

    /// The DNS Services instance a resolver belongs to.
    fn instance_of(s: &Scene, resolver: &str) -> String {
        s.world.resolver(resolver).unwrap().instance.clone()
    }

    /// A VPC with a subnet, and an enabled resolver with one location there; returns the resolver and the subnet.
    fn resolver_in_vpc(s: &mut Scene) -> (String, String) {
        let vpc = s.vpc(HUB_ACCOUNT, "hub", true);
        let subnet = s.subnet(HUB_ACCOUNT, &vpc, "us-south-1");
        (s.custom_resolver(HUB_ACCOUNT, &subnet), subnet)
    }

    fn subnet_crn(subnet: &str) -> String {
        crn(&account(HUB_ACCOUNT), "subnet", subnet)
    }

    fn zone_rule(matches: &str) -> NewForwardingRule {
        NewForwardingRule {
            kind: "zone".into(),
            matches: matches.into(),
            forward_to: vec!["10.0.0.7".into()],
            ..Default::default()
        }
    }

    fn view(name: &str, expression: &str) -> NewView {
        NewView {
            name: name.into(),
            expression: expression.into(),
            forward_to: vec!["10.1.0.7".into()],
            ..Default::default()
        }
    }

    fn add_rule(s: &mut Scene, resolver: &str, input: NewForwardingRule) -> RuleResult<String> {
        let instance = instance_of(s, resolver);
        s.run(HUB_ACCOUNT, |w, c| forwarding_rule::create(w, c, &instance, resolver, &input))
    }

    fn add_zone(s: &mut Scene, resolver: &str, zone: &str) -> RuleResult<String> {
        let input =
            NewSecondaryZone { zone: zone.into(), transfer_from: vec!["10.9.0.1".into()], ..Default::default() };
        let instance = instance_of(s, resolver);
        s.run(HUB_ACCOUNT, |w, c| secondary_zone::create(w, c, &instance, resolver, &input))
    }

    fn set_profile(s: &mut Scene, resolver: &str, profile: &str) -> RuleResult<()> {
        let patch = CustomResolverPatch { profile: Some(profile.into()), ..Default::default() };
        let instance = instance_of(s, resolver);
        s.run(HUB_ACCOUNT, |w, c| resolver::update(w, c, &instance, resolver, &patch)).map(drop)
    }

    fn default_rule(s: &Scene, resolver: &str) -> String {
        s.world.forwarding_rules_of(resolver)[0].id.clone()
    }

    /// (rule, code, class of refusal, field at fault, scenario that must be refused).
    type Row = (&'static str, &'static str, Refusal, Option<&'static str>, fn(&mut Scene) -> RuleResult<()>);

    fn rows() -> Vec<Row> {
        vec![
            ("CR1", "custom_resolver_vpc_has_resolver", Refusal::Conflict, Some("locations.subnet_crn"), |s| {
                let (_, subnet) = resolver_in_vpc(s);
                let location = NewLocation { subnet_crn: subnet_crn(&subnet), enabled: false };
                let input =
                    NewCustomResolver { name: "second".into(), locations: vec![location], ..Default::default() };
                // A second instance of the account: one resolver per VPC holds across instances.
                let other = s.dns_instance(HUB_ACCOUNT);
                s.run(HUB_ACCOUNT, |w, c| resolver::create(w, c, &other, &input)).map(drop)
            }),
            ("CR2", "custom_resolver_enabled", Refusal::Conflict, None, |s| {
                let (resolver, _) = resolver_in_vpc(s);
                let instance = instance_of(s, &resolver);
                s.run(HUB_ACCOUNT, |w, c| resolver::delete(w, c, &instance, &resolver))
            }),
            ("CR2", "custom_resolver_location_enabled", Refusal::Conflict, None, |s| {
                let (resolver, _) = resolver_in_vpc(s);
                let location = s.world.resolver(&resolver).unwrap().locations[0].id.clone();
                let instance = instance_of(s, &resolver);
                s.run(HUB_ACCOUNT, |w, c| resolver::delete_location(w, c, &instance, &resolver, &location))
            }),
            ("CR3", "custom_resolver_location_enabled", Refusal::Conflict, Some("subnet_crn"), |s| {
                let (resolver, subnet) = resolver_in_vpc(s);
                let vpc = s.world.subnet(&subnet).unwrap().vpc.clone();
                let other = s.subnet(HUB_ACCOUNT, &vpc, "us-south-2");
                let location = s.world.resolver(&resolver).unwrap().locations[0].id.clone();
                let patch = LocationPatch { subnet_crn: Some(subnet_crn(&other)), enabled: None };
                let instance = instance_of(s, &resolver);
                s.run(HUB_ACCOUNT, |w, c| resolver::update_location(w, c, &instance, &resolver, &location, &patch))
                    .map(drop)
            }),
            ("CR4", "custom_resolver_profile_limit", Refusal::Conflict, Some("profile"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                set_profile(s, &resolver, "advanced")?;
                let views = vec![
                    view("a", "ipInRange(source.ip, '10.1.0.0/16')"),
                    view("b", "ipInRange(source.ip, '10.2.0.0/16')"),
                ];
                add_rule(s, &resolver, NewForwardingRule { views, ..zone_rule("example.com") })?;
                set_profile(s, &resolver, "essential")
            }),
            ("CR5", "custom_resolver_updating", Refusal::Conflict, None, |s| {
                let (resolver, _) = resolver_in_vpc(s);
                s.propagation_delay_ms = 60_000;
                set_profile(s, &resolver, "premier")?;
                add_rule(s, &resolver, zone_rule("example.com")).map(drop)
            }),
            ("CR6", "invalid_locations_order", Refusal::Invalid, Some("locations"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                let order = vec!["no-such-location".to_owned()];
                let instance = instance_of(s, &resolver);
                s.run(HUB_ACCOUNT, |w, c| resolver::order_locations(w, c, &instance, &resolver, &order)).map(drop)
            }),
            ("F1", "invalid_forwarding_rule_type", Refusal::Invalid, Some("type"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                add_rule(s, &resolver, NewForwardingRule { kind: "default".into(), ..zone_rule("example.com") })
                    .map(drop)
            }),
            ("F1", "forwarding_rule_default", Refusal::Conflict, None, |s| {
                let (resolver, _) = resolver_in_vpc(s);
                let rule = default_rule(s, &resolver);
                let instance = instance_of(s, &resolver);
                s.run(HUB_ACCOUNT, |w, c| forwarding_rule::delete(w, c, &instance, &resolver, &rule))
            }),
            ("F1", "forwarding_rule_default_match", Refusal::Invalid, Some("match"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                let rule = default_rule(s, &resolver);
                let patch = ForwardingRulePatch { matches: Some("example.com".into()), ..Default::default() };
                let instance = instance_of(s, &resolver);
                s.run(HUB_ACCOUNT, |w, c| forwarding_rule::update(w, c, &instance, &resolver, &rule, &patch)).map(drop)
            }),
            ("F2", "invalid_match", Refusal::Invalid, Some("match"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                add_rule(s, &resolver, zone_rule("exa mple.com")).map(drop)
            }),
            ("F3", "forwarding_rule_without_targets", Refusal::Invalid, Some("forward_to"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                add_rule(s, &resolver, NewForwardingRule { forward_to: Vec::new(), ..zone_rule("example.com") })
                    .map(drop)
            }),
            ("F3", "invalid_forward_to", Refusal::Invalid, Some("forward_to"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                add_rule(s, &resolver, NewForwardingRule { forward_to: vec!["dns.example".into()], ..zone_rule("a.b") })
                    .map(drop)
            }),
            ("F4", "forwarding_rule_duplicate", Refusal::Conflict, Some("match"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                add_rule(s, &resolver, zone_rule("example.com"))?;
                add_rule(s, &resolver, zone_rule("EXAMPLE.com.")).map(drop)
            }),
            ("F5", "forwarding_rule_limit", Refusal::Conflict, None, |s| {
                let (resolver, _) = resolver_in_vpc(s);
                for index in 0..ResolverProfile::Essential.max_forwarding_rules() {
                    add_rule(s, &resolver, zone_rule(&format!("zone{index}.example")))?;
                }
                add_rule(s, &resolver, zone_rule("one-more.example")).map(drop)
            }),
            ("F6", "forwarding_rule_too_many_views", Refusal::Invalid, Some("views"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                let views = vec![
                    view("a", "ipInRange(source.ip, '10.1.0.0/16')"),
                    view("b", "ipInRange(source.ip, '10.2.0.0/16')"),
                ];
                add_rule(s, &resolver, NewForwardingRule { views, ..zone_rule("example.com") }).map(drop)
            }),
            ("F6", "invalid_view_expression", Refusal::Invalid, Some("views[0].expression"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                let views = vec![view("a", "source.vpc == 'x'")];
                add_rule(s, &resolver, NewForwardingRule { views, ..zone_rule("example.com") }).map(drop)
            }),
            ("F6", "view_name_duplicate", Refusal::Invalid, Some("views[1].name"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                set_profile(s, &resolver, "advanced")?;
                let views = vec![view("a", "source.ip == '10.0.0.1'"), view("a", "source.ip == '10.0.0.2'")];
                add_rule(s, &resolver, NewForwardingRule { views, ..zone_rule("example.com") }).map(drop)
            }),
            ("SZ1", "invalid_zone", Refusal::Invalid, Some("zone"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                add_zone(s, &resolver, "-bad-.example").map(drop)
            }),
            ("SZ1", "invalid_transfer_from", Refusal::Invalid, Some("transfer_from"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                let input = NewSecondaryZone { zone: "onprem.example".into(), ..Default::default() };
                let instance = instance_of(s, &resolver);
                s.run(HUB_ACCOUNT, |w, c| secondary_zone::create(w, c, &instance, &resolver, &input)).map(drop)
            }),
            ("SZ2", "secondary_zone_duplicate", Refusal::Conflict, Some("zone"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                add_zone(s, &resolver, "onprem.example")?;
                add_zone(s, &resolver, "OnPrem.example.").map(drop)
            }),
            ("SZ3", "secondary_zone_limit", Refusal::Conflict, None, |s| {
                let (resolver, _) = resolver_in_vpc(s);
                for index in 0..ResolverProfile::Essential.max_secondary_zones() {
                    add_zone(s, &resolver, &format!("zone{index}.example"))?;
                }
                add_zone(s, &resolver, "one-more.example").map(drop)
            }),
            ("SZ4", "secondary_zone_name_immutable", Refusal::Invalid, Some("zone"), |s| {
                let (resolver, _) = resolver_in_vpc(s);
                let zone = add_zone(s, &resolver, "onprem.example")?;
                let patch = SecondaryZonePatch { zone: Some("other.example".into()), ..Default::default() };
                let instance = instance_of(s, &resolver);
                s.run(HUB_ACCOUNT, |w, c| secondary_zone::update(w, c, &instance, &resolver, &zone, &patch)).map(drop)
            }),
        ]
    }

    #[test]
    fn every_rule_refuses_with_its_code_and_field() {
        for (rule, code, refusal, field, scenario) in rows() {
            let mut scene = Scene::new();
            let error = scenario(&mut scene).expect_err(&format!("rule {rule} should refuse (`{code}`)"));
            assert_eq!((error.code, error.rule, error.refusal), (code, Some(rule), refusal), "{error}");
            assert!(error.message.ends_with(&format!("(rule {rule})")), "{error}");
            assert_eq!(error.target.as_ref().map(|(name, _)| name.as_str()), field, "rule {rule}: {error}");
        }
    }

    #[test]
    fn a_resolver_comes_with_its_default_rule_and_leaves_with_its_rules_and_zones() {
        let mut s = Scene::new();
        let (resolver, _) = resolver_in_vpc(&mut s);
        let rules = s.world.forwarding_rules_of(&resolver);
        assert_eq!(rules.len(), 1);
        let targets: Vec<String> = rules[0].forward_to.iter().map(ToString::to_string).collect();
        assert_eq!((rules[0].kind, rules[0].matches.as_str()), (ForwardingRuleKind::Default, "*"));
        assert_eq!(targets, ["161.26.0.7", "161.26.0.8"]);
        let rule = add_rule(&mut s, &resolver, zone_rule("Example.COM.")).unwrap();
        assert_eq!(s.world.forwarding_rule(&rule).unwrap().matches, "example.com");
        add_zone(&mut s, &resolver, "onprem.example").unwrap();
        // The default rule is listed first, the others in order of creation.
        let order: Vec<&str> = s.world.forwarding_rules_of(&resolver).iter().map(|r| r.matches.as_str()).collect();
        assert_eq!(order, ["*", "example.com"]);
        // The default rule can be edited, with its match unchanged.
        let default = default_rule(&s, &resolver);
        let patch = ForwardingRulePatch {
            matches: Some("*".into()),
            forward_to: Some(vec!["10.0.0.53:5353".into()]),
            ..Default::default()
        };
        let instance = instance_of(&s, &resolver);
        s.run(HUB_ACCOUNT, |w, c| forwarding_rule::update(w, c, &instance, &resolver, &default, &patch)).unwrap();
        assert_eq!(s.world.forwarding_rule(&default).unwrap().forward_to[0].to_string(), "10.0.0.53:5353");
        let disable = CustomResolverPatch { enabled: Some(false), ..Default::default() };
        s.run(HUB_ACCOUNT, |w, c| resolver::update(w, c, &instance, &resolver, &disable)).unwrap();
        s.run(HUB_ACCOUNT, |w, c| resolver::delete(w, c, &instance, &resolver)).unwrap();
        assert_eq!((s.world.forwarding_rules().count(), s.world.secondary_zones().count()), (0, 0));
        assert!(s.world.violations().is_empty());
    }

    #[test]
    fn views_only_rules_and_profiles_allow_what_they_say() {
        let mut s = Scene::new();
        let (resolver, subnet) = resolver_in_vpc(&mut s);
        // A rule may send everything through its views, with no forward_to of its own.
        let views = vec![view("spoke", "ipInRange(source.ip, '10.1.0.0/16')")];
        let rule = add_rule(&mut s, &resolver, NewForwardingRule { views, forward_to: Vec::new(), ..zone_rule("a.b") })
            .unwrap();
        // Emptying both lists is refused; emptying one keeps the rule valid.
        let both_empty =
            ForwardingRulePatch { forward_to: Some(Vec::new()), views: Some(Vec::new()), ..Default::default() };
        let instance = instance_of(&s, &resolver);
        let error = s
            .run(HUB_ACCOUNT, |w, c| forwarding_rule::update(w, c, &instance, &resolver, &rule, &both_empty))
            .unwrap_err();
        assert_eq!(error.rule, Some("F3"));
        // A premier resolver takes five views per rule.
        set_profile(&mut s, &resolver, "premier").unwrap();
        let five: Vec<NewView> =
            (0..5).map(|index| view(&format!("v{index}"), &format!("source.ip == '10.0.0.{index}'"))).collect();
        let patch = ForwardingRulePatch { views: Some(five), ..Default::default() };
        s.run(HUB_ACCOUNT, |w, c| forwarding_rule::update(w, c, &instance, &resolver, &rule, &patch)).unwrap();
        assert_eq!(s.world.forwarding_rule(&rule).unwrap().views.len(), 5);
        // Without a propagation delay the profile change is stable at once.
        assert!(s.world.resolver(&resolver).unwrap().settling.is_none());
        // A disabled location moves to another subnet of the VPC and gets an address there.
        let location = s.world.resolver(&resolver).unwrap().locations[0].id.clone();
        let vpc = s.world.subnet(&subnet).unwrap().vpc.clone();
        let other = s.subnet(HUB_ACCOUNT, &vpc, "us-south-2");
        let disable = LocationPatch { subnet_crn: None, enabled: Some(false) };
        s.run(HUB_ACCOUNT, |w, c| resolver::update_location(w, c, &instance, &resolver, &location, &disable)).unwrap();
        let moving = LocationPatch { subnet_crn: Some(subnet_crn(&other)), enabled: None };
        s.run(HUB_ACCOUNT, |w, c| resolver::update_location(w, c, &instance, &resolver, &location, &moving)).unwrap();
        let moved = &s.world.resolver(&resolver).unwrap().locations[0];
        assert_eq!(s.world.reserved_ip(&moved.reserved_ip).unwrap().subnet, other);
        assert_eq!(s.world.reserved_ips_of(&subnet).count(), 0, "the old address is released");
    }
}

mod dns_services {
    //! DNS Services instances, zones, permitted networks and records: one row per refusal of rules I1–I3, Z1–Z5,
    //! PN1–PN4 and R1–R9 (rule, code, class and field), and what they allow.

    use super::super::dns_zone::{self, NewZone};
    use super::super::record::{self, RdataInput, RecordInput};
    use super::super::record_import;
    use super::super::resolver::NewLocation;
    use super::super::service_instance::{self, NewServiceInstance};
    use super::*;
    use crate::model::RecordData;

    type Row = (&'static str, &'static str, Refusal, Option<&'static str>, fn(&mut Scene) -> RuleResult<()>);

    fn zone(s: &mut Scene, instance: &str, name: &str) -> RuleResult<String> {
        let input = NewZone { name: name.into(), description: None, label: None };
        s.run(SPOKE_ACCOUNT, |w, c| dns_zone::create(w, c, instance, &input))
    }

    /// An instance of the spoke account with the zone `example.com`.
    fn zoned(s: &mut Scene) -> (String, String) {
        let instance = s.dns_instance(SPOKE_ACCOUNT);
        let zone = zone(s, &instance, "example.com").unwrap();
        (instance, zone)
    }

    fn permit(s: &mut Scene, instance: &str, zone: &str, crn: &str) -> RuleResult<String> {
        s.run(SPOKE_ACCOUNT, |w, c| dns_zone::permit(w, c, instance, zone, "vpc", crn))
    }

    fn a_record(name: &str, ip: &str) -> RecordInput {
        RecordInput {
            record_type: "A".into(),
            name: name.into(),
            rdata: RdataInput { ip: Some(ip.into()), ..RdataInput::default() },
            ..RecordInput::default()
        }
    }

    fn add(s: &mut Scene, instance: &str, zone: &str, input: RecordInput) -> RuleResult<String> {
        s.run(SPOKE_ACCOUNT, |w, c| record::create(w, c, instance, zone, &input))
    }

    fn refusals() -> Vec<Row> {
        vec![
            ("I1", "invalid_plan", Refusal::Invalid, Some("resource_plan_id"), |s| {
                let input =
                    NewServiceInstance { name: "dns".into(), plan: "lite".into(), target: None, resource_group: None };
                s.run(SPOKE_ACCOUNT, |w, c| service_instance::create(w, c, &input)).map(drop)
            }),
            ("I1", "invalid_target", Refusal::Invalid, Some("target"), |s| {
                let input = NewServiceInstance {
                    name: "dns".into(),
                    plan: "standard-dns".into(),
                    target: Some("us-south".into()),
                    resource_group: None,
                };
                s.run(SPOKE_ACCOUNT, |w, c| service_instance::create(w, c, &input)).map(drop)
            }),
            ("I2", "invalid_name", Refusal::Invalid, Some("name"), |s| {
                let input = NewServiceInstance {
                    name: " ".into(),
                    plan: "standard-dns".into(),
                    target: None,
                    resource_group: None,
                };
                s.run(SPOKE_ACCOUNT, |w, c| service_instance::create(w, c, &input)).map(drop)
            }),
            ("I3", "instance_in_use", Refusal::Conflict, None, |s| {
                let (instance, _) = zoned(s);
                s.run(SPOKE_ACCOUNT, |w, c| service_instance::delete(w, c, &instance))
            }),
            ("I3", "instance_in_use", Refusal::Conflict, None, |s| {
                let vpc = s.vpc(SPOKE_ACCOUNT, "hub", true);
                let subnet = s.subnet(SPOKE_ACCOUNT, &vpc, "us-south-1");
                s.custom_resolver(SPOKE_ACCOUNT, &subnet);
                let instance = s.world.resolvers().next().unwrap().instance.clone();
                s.run(SPOKE_ACCOUNT, |w, c| service_instance::delete(w, c, &instance))
            }),
            ("Z1", "invalid_zone_name", Refusal::Invalid, Some("name"), |s| {
                let instance = s.dns_instance(SPOKE_ACCOUNT);
                zone(s, &instance, "com").map(drop)
            }),
            ("Z1", "invalid_zone_name", Refusal::Invalid, Some("name"), |s| {
                let instance = s.dns_instance(SPOKE_ACCOUNT);
                zone(s, &instance, "example.com1").map(drop)
            }),
            ("Z1", "invalid_zone_name", Refusal::Invalid, Some("name"), |s| {
                let instance = s.dns_instance(SPOKE_ACCOUNT);
                zone(s, &instance, "bad_label.example.com").map(drop)
            }),
            ("Z2", "restricted_zone_name", Refusal::Invalid, Some("name"), |s| {
                let instance = s.dns_instance(SPOKE_ACCOUNT);
                zone(s, &instance, "private.appdomain.cloud").map(drop)
            }),
            ("Z3", "dns_zone_quota_exceeded", Refusal::Conflict, None, |s| {
                let instance = s.dns_instance(SPOKE_ACCOUNT);
                for n in 0..dns_zone::MAX_ZONES {
                    zone(s, &instance, &format!("z{n}.example.com"))?;
                }
                zone(s, &instance, "one-more.example.com").map(drop)
            }),
            ("Z4", "dns_zone_has_permitted_networks", Refusal::Conflict, None, |s| {
                let (instance, zone) = zoned(s);
                let vpc = s.vpc(SPOKE_ACCOUNT, "hub", true);
                permit(s, &instance, &zone, &s.crn_of(&vpc))?;
                s.run(SPOKE_ACCOUNT, |w, c| dns_zone::delete(w, c, &instance, &zone))
            }),
            ("Z5", "invalid_label", Refusal::Invalid, Some("label"), |s| {
                let (instance, zone) = zoned(s);
                let label = "l".repeat(dns_zone::LABEL_LENGTH + 1);
                s.run(SPOKE_ACCOUNT, |w, c| dns_zone::update(w, c, &instance, &zone, None, Some(&label))).map(drop)
            }),
            ("Z5", "invalid_description", Refusal::Invalid, Some("description"), |s| {
                let instance = s.dns_instance(SPOKE_ACCOUNT);
                let input = NewZone { name: "example.com".into(), description: Some("a\u{202e}b".into()), label: None };
                s.run(SPOKE_ACCOUNT, |w, c| dns_zone::create(w, c, &instance, &input)).map(drop)
            }),
            ("PN1", "invalid_permitted_network", Refusal::Invalid, Some("type"), |s| {
                let (instance, zone) = zoned(s);
                let vpc = s.vpc(SPOKE_ACCOUNT, "hub", true);
                let crn = s.crn_of(&vpc);
                s.run(SPOKE_ACCOUNT, |w, c| dns_zone::permit(w, c, &instance, &zone, "subnet", &crn)).map(drop)
            }),
            ("PN1", "invalid_permitted_network", Refusal::Invalid, Some("permitted_network.vpc_crn"), |s| {
                let (instance, zone) = zoned(s);
                permit(s, &instance, &zone, "r006-not-a-crn").map(drop)
            }),
            ("PN2", "not_found", Refusal::NotFound, Some("permitted_network.vpc_crn"), |s| {
                let (instance, zone) = zoned(s);
                let theirs = s.vpc(HUB_ACCOUNT, "theirs", true);
                permit(s, &instance, &zone, &s.crn_of(&theirs)).map(drop)
            }),
            ("PN3", "permitted_network_duplicate", Refusal::Conflict, Some("permitted_network.vpc_crn"), |s| {
                let (instance, zone) = zoned(s);
                let vpc = s.vpc(SPOKE_ACCOUNT, "hub", true);
                permit(s, &instance, &zone, &s.crn_of(&vpc))?;
                permit(s, &instance, &zone, &s.crn_of(&vpc)).map(drop)
            }),
            ("PN3", "permitted_network_duplicate", Refusal::Conflict, Some("permitted_network.vpc_crn"), |s| {
                let (instance, first) = zoned(s);
                let second = zone(s, &instance, "example.com")?;
                let vpc = s.vpc(SPOKE_ACCOUNT, "hub", true);
                permit(s, &instance, &first, &s.crn_of(&vpc))?;
                permit(s, &instance, &second, &s.crn_of(&vpc)).map(drop)
            }),
            ("PN4", "permitted_network_quota_exceeded", Refusal::Conflict, None, |s| {
                let (instance, zone) = zoned(s);
                for n in 0..dns_zone::MAX_PERMITTED_NETWORKS {
                    let vpc = s.vpc(SPOKE_ACCOUNT, &format!("vpc-{n}"), false);
                    permit(s, &instance, &zone, &s.crn_of(&vpc))?;
                }
                let vpc = s.vpc(SPOKE_ACCOUNT, "one-more", false);
                permit(s, &instance, &zone, &s.crn_of(&vpc)).map(drop)
            }),
            ("R1", "invalid_record_type", Refusal::Invalid, Some("type"), |s| {
                let (instance, zone) = zoned(s);
                add(s, &instance, &zone, RecordInput { record_type: "NS".into(), ..a_record("www", "10.0.0.1") })
                    .map(drop)
            }),
            ("R1", "invalid_record_type", Refusal::Invalid, Some("type"), |s| {
                let (instance, zone) = zoned(s);
                let id = add(s, &instance, &zone, a_record("www", "10.0.0.1"))?;
                let input = RecordInput { record_type: "AAAA".into(), ..a_record("www", "::1") };
                s.run(SPOKE_ACCOUNT, |w, c| record::replace(w, c, &instance, &zone, &id, &input)).map(drop)
            }),
            ("R2", "invalid_rdata", Refusal::Invalid, Some("rdata.ip"), |s| {
                let (instance, zone) = zoned(s);
                add(s, &instance, &zone, a_record("www", "::1")).map(drop)
            }),
            ("R2", "invalid_rdata", Refusal::Invalid, Some("rdata.preference"), |s| {
                let (instance, zone) = zoned(s);
                let input = RecordInput {
                    record_type: "MX".into(),
                    name: "@".into(),
                    rdata: RdataInput {
                        exchange: Some("mail.example.com".into()),
                        preference: Some(70000),
                        ..RdataInput::default()
                    },
                    ..RecordInput::default()
                };
                add(s, &instance, &zone, input).map(drop)
            }),
            ("R3", "invalid_ttl", Refusal::Invalid, Some("ttl"), |s| {
                let (instance, zone) = zoned(s);
                add(s, &instance, &zone, RecordInput { ttl: Some(59), ..a_record("www", "10.0.0.1") }).map(drop)
            }),
            ("R4", "invalid_record_name", Refusal::Invalid, Some("name"), |s| {
                let (instance, zone) = zoned(s);
                add(s, &instance, &zone, a_record("bad name", "10.0.0.1")).map(drop)
            }),
            ("R4", "invalid_record_name", Refusal::Invalid, Some("service"), |s| {
                let (instance, zone) = zoned(s);
                let input = RecordInput {
                    record_type: "SRV".into(),
                    name: "sip".into(),
                    rdata: RdataInput {
                        priority: Some(1),
                        weight: Some(1),
                        port: Some(5060),
                        target: Some("sip.example.com".into()),
                        ..RdataInput::default()
                    },
                    service: Some("sip".into()),
                    protocol: Some("udp".into()),
                    ..RecordInput::default()
                };
                add(s, &instance, &zone, input).map(drop)
            }),
            ("R5", "record_conflict", Refusal::Conflict, Some("name"), |s| {
                let (instance, zone) = zoned(s);
                add(s, &instance, &zone, a_record("www", "10.0.0.1"))?;
                let cname = RecordInput {
                    record_type: "CNAME".into(),
                    name: "www".into(),
                    rdata: RdataInput { cname: Some("web.example.com".into()), ..RdataInput::default() },
                    ..RecordInput::default()
                };
                add(s, &instance, &zone, cname).map(drop)
            }),
            ("R5", "record_conflict", Refusal::Conflict, Some("name"), |s| {
                let (instance, zone) = zoned(s);
                let cname = RecordInput {
                    record_type: "CNAME".into(),
                    name: "www".into(),
                    rdata: RdataInput { cname: Some("web.example.com".into()), ..RdataInput::default() },
                    ..RecordInput::default()
                };
                add(s, &instance, &zone, cname)?;
                add(s, &instance, &zone, a_record("www", "10.0.0.1")).map(drop)
            }),
            ("R6", "record_quota_exceeded", Refusal::Conflict, None, |s| {
                let (instance, zone) = zoned(s);
                for n in 0..record::MAX_RECORDS {
                    let ip = format!("10.{}.{}.{}", n / 65536, (n / 256) % 256, n % 256);
                    add(s, &instance, &zone, a_record("many", &ip))?;
                }
                add(s, &instance, &zone, a_record("many", "10.200.0.1")).map(drop)
            }),
            ("R7", "ptr_without_address_record", Refusal::Invalid, Some("rdata.ptrdname"), |s| {
                let (instance, zone) = zoned(s);
                add(s, &instance, &zone, a_record("www", "10.0.0.1"))?;
                let ptr = RecordInput {
                    record_type: "PTR".into(),
                    name: "10.0.0.2".into(),
                    rdata: RdataInput { ptrdname: Some("www.example.com".into()), ..RdataInput::default() },
                    ..RecordInput::default()
                };
                add(s, &instance, &zone, ptr).map(drop)
            }),
            ("R7", "ptr_duplicate", Refusal::Conflict, Some("name"), |s| {
                let (instance, zone) = zoned(s);
                add(s, &instance, &zone, a_record("www", "10.0.0.1"))?;
                add(s, &instance, &zone, a_record("web", "10.0.0.1"))?;
                let ptr = |target: &str| RecordInput {
                    record_type: "PTR".into(),
                    name: "10.0.0.1".into(),
                    rdata: RdataInput { ptrdname: Some(target.into()), ..RdataInput::default() },
                    ..RecordInput::default()
                };
                add(s, &instance, &zone, ptr("www.example.com"))?;
                add(s, &instance, &zone, ptr("web.example.com")).map(drop)
            }),
            ("R8", "record_duplicate", Refusal::Conflict, None, |s| {
                let (instance, zone) = zoned(s);
                add(s, &instance, &zone, a_record("www", "10.0.0.1"))?;
                add(s, &instance, &zone, a_record("www.example.com.", "10.0.0.1")).map(drop)
            }),
            ("R9", "zone_file_too_large", Refusal::Invalid, Some("file"), |s| {
                let (instance, zone) = zoned(s);
                let file = format!("www IN TXT \"{}\"\n", "x".repeat(record_import::MAX_FILE_BYTES));
                s.run(SPOKE_ACCOUNT, |w, c| record_import::import(w, c, &instance, &zone, &file)).map(drop)
            }),
        ]
    }

    #[test]
    fn an_imported_zone_file_creates_each_record_a_create_would_and_reports_the_rest() {
        let mut s = Scene::new();
        let (instance, imported) = zoned(&mut s);
        add(&mut s, &instance, &imported, a_record("old", "10.0.0.9")).unwrap();
        let file = "$ORIGIN example.com.\n\
                    www 300 IN A 10.0.0.1\n\
                    1.0.0.10.in-addr.arpa. IN PTR www\n\
                    mail IN CNAME www\n\
                    mail IN A 10.0.0.2\n\
                    old IN A 10.0.0.9\n\
                    outside.example.org. IN A 10.0.0.3\n\
                    bad IN TTL 1\n";
        let report = s.run(SPOKE_ACCOUNT, |w, c| record_import::import(w, c, &instance, &imported, file)).unwrap();
        assert_eq!((report.parsed, report.added(), report.failed()), (7, 3, 4));
        let codes: Vec<&str> = report.failures.iter().map(|failure| failure.code.as_str()).collect();
        // A beside the CNAME (R5), the record already there (R8), a name outside the zone (R4), an unknown type.
        assert_eq!(codes, ["record_conflict", "record_duplicate", "invalid_record", "invalid_record"]);
        assert_eq!(report.added_by_type.get("PTR"), Some(&1));
        assert_eq!(report.failed_by_type.get("other"), Some(&1));
        assert_eq!(s.world.records_of(&imported).count(), 4);
        // What is exported imports again, whole, into an empty zone of the same name.
        let exported = record::zone_file(s.world.dns_zone(&imported).unwrap(), s.world.records_of(&imported));
        let other_instance = s.dns_instance(SPOKE_ACCOUNT);
        let copy = zone(&mut s, &other_instance, "example.com").unwrap();
        let again =
            s.run(SPOKE_ACCOUNT, |w, c| record_import::import(w, c, &other_instance, &copy, &exported)).unwrap();
        assert_eq!((again.added(), again.failed()), (4, 0), "{again:?}");
    }

    #[test]
    fn every_dns_services_rule_refuses_what_it_forbids() {
        for (rule, code, refusal, field, scenario) in refusals() {
            let mut scene = Scene::new();
            let error = scenario(&mut scene).expect_err(&format!("rule {rule} should refuse (`{code}`)"));
            assert_eq!((error.code, error.refusal, error.rule), (code, refusal, Some(rule)), "{error}");
            assert!(error.message.ends_with(&format!("(rule {rule})")), "{error}");
            assert_eq!(error.target.as_ref().map(|(name, _)| name.as_str()), field, "rule {rule}: {error}");
        }
    }

    #[test]
    fn another_accounts_instance_and_zone_are_not_found() {
        let mut s = Scene::new();
        let (instance, zone) = zoned(&mut s);
        let input = NewZone { name: "example.org".into(), description: None, label: None };
        let error = s.run(HUB_ACCOUNT, |w, c| dns_zone::create(w, c, &instance, &input)).unwrap_err();
        assert_eq!(error.refusal, Refusal::NotFound);
        let error = s.run(HUB_ACCOUNT, |w, c| dns_zone::delete(w, c, &instance, &zone)).unwrap_err();
        assert_eq!(error.refusal, Refusal::NotFound);
        let vpc = s.vpc(HUB_ACCOUNT, "hub", true);
        let subnet = s.subnet(HUB_ACCOUNT, &vpc, "us-south-1");
        let location = NewLocation {
            subnet_crn: s.world.subnet(&subnet).map(|x| crn(&x.account, "subnet", &x.id)).unwrap(),
            enabled: true,
        };
        let input = resolver::NewCustomResolver { name: "r".into(), locations: vec![location], ..Default::default() };
        let error = s.run(HUB_ACCOUNT, |w, c| resolver::create(w, c, &instance, &input)).unwrap_err();
        assert_eq!(error.refusal, Refusal::NotFound, "{error}");
        let error = s.run(HUB_ACCOUNT, |w, c| resolver::create(w, c, "no-such-instance", &input)).unwrap_err();
        assert_eq!(error.refusal, Refusal::NotFound, "{error}");
    }

    #[test]
    fn zones_become_active_with_a_network_and_forget_a_deleted_vpc() {
        let mut s = Scene::new();
        let (instance, zone) = zoned(&mut s);
        assert_eq!(s.world.dns_zone(&zone).unwrap().state(), "pending_network_add");
        let vpc = s.vpc(SPOKE_ACCOUNT, "hub", true);
        let vpc_crn = s.crn_of(&vpc);
        let permitted = permit(&mut s, &instance, &zone, &vpc_crn).unwrap();
        assert_eq!(permitted, vpc);
        assert_eq!(s.world.dns_zone(&zone).unwrap().state(), "active");
        s.run(SPOKE_ACCOUNT, |w, c| vpc::delete(w, c, &vpc)).unwrap();
        assert_eq!(s.world.dns_zone(&zone).unwrap().state(), "pending_network_add");
        assert!(s.world.violations().is_empty(), "{:?}", s.world.violations());
        let other = s.vpc(SPOKE_ACCOUNT, "other", false);
        let other_crn = s.crn_of(&other);
        permit(&mut s, &instance, &zone, &other_crn).unwrap();
        s.run(SPOKE_ACCOUNT, |w, c| dns_zone::remove_permitted(w, c, &instance, &zone, &other)).unwrap();
        assert!(s.world.dns_zone(&zone).unwrap().permitted_networks.is_empty());
        // Emptied, the zone and then its instance may go; the zone takes its records with it.
        add(&mut s, &instance, &zone, a_record("www", "10.0.0.1")).unwrap();
        s.run(SPOKE_ACCOUNT, |w, c| dns_zone::delete(w, c, &instance, &zone)).unwrap();
        assert_eq!(s.world.records().count(), 0);
        s.run(SPOKE_ACCOUNT, |w, c| service_instance::delete(w, c, &instance)).unwrap();
        // A deleted instance stays in the world, `removed`; nothing can be done under it any more.
        assert!(s.world.service_instance(&instance).is_some_and(|i| !i.is_live()));
        let input = NewZone { name: "example.org".into(), description: None, label: None };
        let error = s.run(SPOKE_ACCOUNT, |w, c| dns_zone::create(w, c, &instance, &input)).unwrap_err();
        assert_eq!(error.refusal, Refusal::NotFound, "{error}");
        let error = s.run(SPOKE_ACCOUNT, |w, c| service_instance::delete(w, c, &instance)).unwrap_err();
        assert_eq!(error.refusal, Refusal::NotFound, "{error}");
        assert!(s.world.violations().is_empty());
    }

    #[test]
    fn record_names_are_completed_and_typed_data_exported() {
        let mut s = Scene::new();
        let (instance, zone) = zoned(&mut s);
        let www = add(&mut s, &instance, &zone, a_record("WWW", "10.0.0.1")).unwrap();
        assert!(www.starts_with("A:"), "{www}");
        assert_eq!(s.world.record(&www).unwrap().name, "www.example.com");
        assert_eq!(s.world.record(&www).unwrap().ttl, record::DEFAULT_TTL);
        let srv = RecordInput {
            record_type: "SRV".into(),
            name: "test".into(),
            rdata: RdataInput {
                priority: Some(1),
                weight: Some(2),
                port: Some(5060),
                target: Some("www.example.com".into()),
                ..RdataInput::default()
            },
            service: Some("_sip".into()),
            protocol: Some("udp".into()),
            ttl: Some(60),
        };
        let srv = add(&mut s, &instance, &zone, srv).unwrap();
        assert_eq!(s.world.record(&srv).unwrap().name, "_sip._udp.test.example.com");
        let ptr = RecordInput {
            record_type: "PTR".into(),
            name: "10.0.0.1".into(),
            rdata: RdataInput { ptrdname: Some("www.example.com".into()), ..RdataInput::default() },
            ..RecordInput::default()
        };
        let ptr = add(&mut s, &instance, &zone, ptr).unwrap();
        assert_eq!(s.world.record(&ptr).unwrap().name, "1.0.0.10.in-addr.arpa");
        let txt = RecordInput {
            record_type: "TXT".into(),
            name: "@".into(),
            rdata: RdataInput { text: Some("say \"hi\"".into()), ..RdataInput::default() },
            ..RecordInput::default()
        };
        add(&mut s, &instance, &zone, txt).unwrap();
        let zone_value = s.world.dns_zone(&zone).unwrap().clone();
        let mut records: Vec<_> = s.world.records_of(&zone).collect();
        records.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(
            record::zone_file(&zone_value, records),
            "$ORIGIN example.com.\n\
             1.0.0.10.in-addr.arpa. 900 IN PTR www.example.com.\n\
             _sip._udp.test.example.com. 60 IN SRV 1 2 5060 www.example.com.\n\
             example.com. 900 IN TXT \"say \\\"hi\\\"\"\n\
             www.example.com. 900 IN A 10.0.0.1\n"
        );
        // A replace keeps the type and the TTL unless given; deleting the A record takes its PTR with it.
        let moved = a_record("www", "10.0.0.9");
        s.run(SPOKE_ACCOUNT, |w, c| record::replace(w, c, &instance, &zone, &www, &moved)).unwrap();
        assert_eq!(s.world.record(&www).unwrap().data, RecordData::A("10.0.0.9".parse().unwrap()));
        s.run(SPOKE_ACCOUNT, |w, c| record::replace(w, c, &instance, &zone, &www, &a_record("www", "10.0.0.1")))
            .unwrap();
        s.run(SPOKE_ACCOUNT, |w, c| record::delete(w, c, &instance, &zone, &www)).unwrap();
        assert!(s.world.record(&ptr).is_none());
    }
}
