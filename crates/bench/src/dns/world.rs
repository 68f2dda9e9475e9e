//! The DNS suite's data: a hub-and-spoke world with a given number of endpoint names, the same records as a zone
//! file for the comparators, and the query files each view is asked.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::Path;

use hickory_proto::rr::RecordType;
use hubspoke_iam::{AccountId, Timestamp};
use hubspoke_vpc::model::{
    Binding, BindingMode, CustomResolver, DnsPlan, DnsZone, EndpointGateway, GatewayTarget, IpOwner, IpTarget,
    PermittedNetwork, Phase, PrefixManagement, RecordData, ReservedIp, ResolverLocation, ResolverSetting,
    ResourceRecord, ServiceInstance, Settling, Subnet, Vpc,
};
use hubspoke_vpc::world::Entity;

/// The zone every generated name lies in: a VPE service domain, so hubspoke answers NXDOMAIN with its SOA as the
/// comparators do.
pub const ZONE: &str = "appdomain.cloud";
/// The DNS Services zone permitted to the hub, holding as many records as there are endpoint names.
pub const PRIVATE_ZONE: &str = "corp.bench";
/// A zone no view holds: hubspoke forwards its names to the upstream (Knot serving it), the comparators serve it.
pub const PUBLIC_ZONE: &str = "public.bench";
/// Names of the public zone.
pub const PUBLIC_NAMES: usize = 1_000;
/// The private zone's id (the record-change measurement writes one of its records).
pub const PRIVATE_ZONE_ID: &str = "dns-bench-zone";
/// The hub's account.
pub const HUB_ACCOUNT: &str = "0000000d000000000000000000000001";
/// The spokes' account.
pub const SPOKE_ACCOUNT: &str = "0000000d000000000000000000000002";

/// The VPCs, by index: the hub, four spokes bound to it with their resolvers delegated to it (so they answer with
/// the hub's view), and three standalone VPCs with views of their own.
const VPCS: usize = 8;
/// The /24 subnets each VPC's endpoint gateways are spread over.
const SUBNETS_PER_VPC: usize = 512;
const SPOKES: std::ops::RangeInclusive<usize> = 1..=4;
/// The spoke the visibility measurement binds and unbinds; its one gateway is in no query file.
pub const VISIBLE_SPOKE: &str = "r006-dns-bench-visible";
/// The name the visibility measurement waits for at the hub.
pub const VISIBLE_NAME: &str = "visible.us-south.bench.appdomain.cloud";

fn vpc_id(index: usize) -> String {
    match index {
        0 => "r006-dns-bench-hub".into(),
        n if SPOKES.contains(&n) => format!("r006-dns-bench-spoke-{n}"),
        n => format!("r006-dns-bench-alone-{n}"),
    }
}

/// The DNS endpoint address of VPC `index` (hubspoke gives VPCs 127.53.0.1 onwards).
pub fn endpoint(index: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 53, 0, 1 + index as u8)
}

/// The `i`th generated name.
fn name(i: usize) -> String {
    format!("ep-{i}.svc-{}.us-south.bench.{ZONE}", i % 50)
}

/// The `i`th record of the private zone.
pub fn private_name(i: usize) -> String {
    format!("host-{i}.team-{}.{PRIVATE_ZONE}", i % 50)
}

/// The `i`th name of the public zone.
pub fn public_name(i: usize) -> String {
    format!("www-{i}.{PUBLIC_ZONE}")
}

/// The address of the `i`th private record.
pub fn private_address(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 100 + (i >> 16) as u8, (i >> 8) as u8, i as u8)
}

/// The `i`th private record as an entity, with `address`.
pub fn private_record(i: usize, address: Ipv4Addr) -> Entity {
    Entity::ResourceRecord(ResourceRecord {
        id: format!("A:dns-bench-{i}"),
        account: account(HUB_ACCOUNT),
        zone: PRIVATE_ZONE_ID.into(),
        name: private_name(i),
        ttl: 30,
        data: RecordData::A(address),
        created_at: Timestamp(0),
        modified_at: Timestamp(0),
    })
}

/// One generated world.
pub struct Plan {
    /// Every entity, for the store.
    pub entities: Vec<Entity>,
    /// Every name the comparators serve, with its address.
    pub records: Vec<(String, Ipv4Addr)>,
    /// The private zone's records, with their addresses.
    pub private: Vec<(String, Ipv4Addr)>,
    /// Each endpoint address with the indices (into `records`) of the names its view answers.
    pub views: Vec<(Ipv4Addr, Vec<usize>)>,
    /// The hub VPC's id.
    pub hub: String,
}

impl Plan {
    /// The hub's endpoint address and the names its view answers.
    pub fn hub_view(&self) -> &(Ipv4Addr, Vec<usize>) {
        &self.views[0]
    }
}

fn account(text: &str) -> AccountId {
    AccountId::parse(text).expect("a well-formed account id")
}

fn stable() -> Settling {
    Settling { phase: Phase::Pending, until: Timestamp(0) }
}

fn vpc(index: usize, id: String, account: &str, resolver: ResolverSetting, dns_endpoint: Ipv4Addr) -> Entity {
    Entity::Vpc(Vpc {
        name: id.clone(),
        id,
        account: self::account(account),
        created_at: Timestamp(index as i64),
        classic_access: false,
        address_prefix_management: PrefixManagement::Auto,
        enable_hub: index == 0,
        resolver,
        dns_endpoint,
        version: 1,
        resource_group: hubspoke_vpc::model::default_resource_group_id(&self::account(account)),
    })
}

/// A gateway with one name and one reserved IP in `subnet`.
fn gateway(id: String, vpc: &str, owner: &str, subnet: &str, name: &str, address: Ipv4Addr) -> [Entity; 2] {
    [
        Entity::ReservedIp(ReservedIp {
            id: format!("{id}-ip"),
            subnet: subnet.to_owned(),
            address,
            name: format!("{id}-ip"),
            auto_delete: true,
            owner: IpOwner::User,
            target: Some(IpTarget::EndpointGateway(id.clone())),
            created_at: Timestamp(0),
        }),
        Entity::Gateway(EndpointGateway {
            name: id.clone(),
            id,
            account: account(owner),
            vpc: vpc.to_owned(),
            target: GatewayTarget::ProviderCloudService {
                crn: format!("crn:v1:bluemix:public:x:global:::endpoint:{name}"),
            },
            service_endpoints: vec![name.to_owned()],
            mode: BindingMode::Primary,
            security_groups: vec![hubspoke_vpc::model::default_security_group_id(vpc)],
            created_at: Timestamp(0),
            settling: stable(),
            resource_group: hubspoke_vpc::model::default_resource_group_id(&account(owner)),
        }),
    ]
}

fn subnet(id: String, vpc: &str, owner: &str, cidr: String) -> Entity {
    Entity::Subnet(Subnet {
        name: id.clone(),
        id,
        account: account(owner),
        vpc: vpc.to_owned(),
        zone: "us-south-1".into(),
        cidr: cidr.parse().expect("a generated CIDR"),
        created_at: Timestamp(0),
        network_acl: hubspoke_vpc::model::default_network_acl_id(vpc),
        public_gateway: None,
        resource_group: hubspoke_vpc::model::default_resource_group_id(&account(owner)),
    })
}

/// An enabled custom resolver of the hub with one enabled location, and the subnet and reserved IP of that location.
fn hub_resolver(hub: &str) -> [Entity; 3] {
    let (resolver, location, subnet_id) =
        ("r006-dns-bench-resolver".to_owned(), "r006-dns-bench-location".to_owned(), format!("{hub}-resolver-subnet"));
    let ip = format!("{location}-ip");
    [
        subnet(subnet_id.clone(), hub, HUB_ACCOUNT, "10.199.0.0/24".into()),
        Entity::ReservedIp(ReservedIp {
            id: ip.clone(),
            subnet: subnet_id.clone(),
            address: Ipv4Addr::new(10, 199, 0, 4),
            name: ip.clone(),
            auto_delete: true,
            owner: IpOwner::Provider,
            target: Some(IpTarget::ResolverLocation { resolver: resolver.clone(), location: location.clone() }),
            created_at: Timestamp(0),
        }),
        Entity::Resolver(CustomResolver {
            id: resolver,
            account: account(HUB_ACCOUNT),
            instance: "dns-bench".into(),
            name: "hub-resolver".into(),
            description: None,
            enabled: true,
            locations: vec![ResolverLocation { id: location, subnet: subnet_id, enabled: true, reserved_ip: ip }],
            profile: hubspoke_vpc::model::ResolverProfile::Essential,
            allow_disruptive_updates: false,
            settling: None,
            created_at: Timestamp(0),
            modified_at: Timestamp(0),
        }),
    ]
}

/// The subnet (by index within its VPC) and address of VPC `index`'s `k`th gateway.
fn gateway_address(index: usize, k: usize) -> (usize, Ipv4Addr) {
    let subnet = k / 250;
    let second = 2 * index + 1 + subnet / 256;
    (subnet, Ipv4Addr::new(10, second as u8, (subnet % 256) as u8, (k % 250) as u8 + 4))
}

/// A world with `names` endpoint names spread round-robin over the eight VPCs (five eighths in the hub's view), plus
/// the unbound visibility spoke.
pub fn plan(names: usize) -> Plan {
    // VPC v's subnets are the /24s of 10.(2v+1).0.0/15, 250 addresses each (4..254): at most 512 subnets per VPC,
    // 1,024,000 names in all, clear of the private records' 10.100/12 and the resolver's 10.199.0.0/24.
    assert!(names.div_ceil(VPCS) <= SUBNETS_PER_VPC * 250, "at most {} names", SUBNETS_PER_VPC * 250 * VPCS);
    let hub = vpc_id(0);
    let mut entities = Vec::new();
    for index in 0..VPCS {
        let (owner, resolver) = if SPOKES.contains(&index) {
            (SPOKE_ACCOUNT, ResolverSetting::Delegated { vpc: hub.clone() })
        } else {
            (HUB_ACCOUNT, ResolverSetting::System)
        };
        entities.push(vpc(index, vpc_id(index), owner, resolver, endpoint(index)));
        if SPOKES.contains(&index) {
            entities.push(Entity::Binding(Binding {
                id: format!("r006-dns-bench-binding-{index}"),
                spoke: vpc_id(index),
                spoke_account: account(SPOKE_ACCOUNT),
                hub: hub.clone(),
                hub_account: account(HUB_ACCOUNT),
                spoke_name: format!("binding-{index}"),
                hub_name: format!("binding-{index}"),
                created_at: Timestamp(0),
                settling: stable(),
                spoke_attached: true,
            }));
        }
    }
    let mut records = Vec::with_capacity(names);
    let mut by_vpc: Vec<Vec<usize>> = vec![Vec::new(); VPCS];
    for i in 0..names {
        let (index, k) = (i % VPCS, i / VPCS);
        let (subnet_index, address) = gateway_address(index, k);
        let owner = if SPOKES.contains(&index) { SPOKE_ACCOUNT } else { HUB_ACCOUNT };
        let subnet_id = format!("{}-subnet-{subnet_index}", vpc_id(index));
        if k % 250 == 0 {
            let [_, b, c, _] = address.octets();
            entities.push(subnet(subnet_id.clone(), &vpc_id(index), owner, format!("10.{b}.{c}.0/24")));
        }
        entities.extend(gateway(
            format!("r006-dns-bench-gw-{i}"),
            &vpc_id(index),
            owner,
            &subnet_id,
            &name(i),
            address,
        ));
        records.push((name(i), address));
        by_vpc[index].push(i);
    }
    // The hub's view holds its own names and its spokes'; a delegated spoke answers with the hub's view.
    let hub_names: Vec<usize> = {
        let mut all: Vec<usize> = (0..=*SPOKES.end()).flat_map(|index| by_vpc[index].iter().copied()).collect();
        all.sort_unstable();
        all
    };
    let views = (0..VPCS)
        .map(|index| {
            let names = if index <= *SPOKES.end() { hub_names.clone() } else { by_vpc[index].clone() };
            (endpoint(index), names)
        })
        .collect();
    // The hub's enabled custom resolver, which a hub needs before any VPC binds to it (rule H10), in a subnet of its
    // own so that its address is none of the gateways'.
    entities.extend(hub_resolver(&hub));
    // The visibility spoke: not bound, so the hub does not answer its name until the measurement binds it.
    entities.push(vpc(VPCS, VISIBLE_SPOKE.into(), SPOKE_ACCOUNT, ResolverSetting::System, endpoint(VPCS)));
    entities.push(subnet(format!("{VISIBLE_SPOKE}-subnet"), VISIBLE_SPOKE, SPOKE_ACCOUNT, "10.200.0.0/24".into()));
    // Every VPC has its default security group, network ACL and routing table, which subnets and gateways reference.
    let defaults: Vec<Entity> = entities
        .iter()
        .filter_map(|entity| if let Entity::Vpc(vpc) = entity { Some(vpc) } else { None })
        .flat_map(|vpc| {
            [
                Entity::SecurityGroup(hubspoke_vpc::rules::security_group::default_group(vpc)),
                Entity::NetworkAcl(hubspoke_vpc::rules::network_acl::default_acl(vpc)),
                Entity::RoutingTable(hubspoke_vpc::model::RoutingTable {
                    id: hubspoke_vpc::model::default_routing_table_id(&vpc.id),
                    account: vpc.account.clone(),
                    vpc: vpc.id.clone(),
                    name: format!("{}-default-routing-table", vpc.name),
                    created_at: vpc.created_at,
                }),
            ]
        })
        .collect();
    entities.extend(defaults);
    entities.extend(gateway(
        format!("{VISIBLE_SPOKE}-gw"),
        VISIBLE_SPOKE,
        SPOKE_ACCOUNT,
        &format!("{VISIBLE_SPOKE}-subnet"),
        VISIBLE_NAME,
        Ipv4Addr::new(10, 200, 0, 4),
    ));
    // The DNS Services zone, permitted to the hub (and so answered through the hub's view for its delegated spokes).
    entities.push(Entity::ServiceInstance(ServiceInstance {
        id: "dns-bench".into(),
        account: account(HUB_ACCOUNT),
        name: "dns-bench".into(),
        plan: DnsPlan::Standard,
        resource_group: hubspoke_vpc::model::default_resource_group_id(&account(HUB_ACCOUNT)),
        created_at: Timestamp(0),
        updated_at: Timestamp(0),
        removed_at: None,
    }));
    entities.push(Entity::DnsZone(DnsZone {
        id: PRIVATE_ZONE_ID.into(),
        account: account(HUB_ACCOUNT),
        instance: "dns-bench".into(),
        name: PRIVATE_ZONE.into(),
        description: String::new(),
        label: String::new(),
        permitted_networks: vec![PermittedNetwork {
            vpc: hub.clone(),
            vpc_crn: format!("crn:v1:bluemix:public:is:us-south:a/{HUB_ACCOUNT}::vpc:{hub}"),
            created_at: Timestamp(0),
            modified_at: Timestamp(0),
        }],
        created_at: Timestamp(0),
        modified_at: Timestamp(0),
    }));
    let private: Vec<(String, Ipv4Addr)> = (0..names).map(|i| (private_name(i), private_address(i))).collect();
    entities.extend((0..names).map(|i| private_record(i, private_address(i))));
    Plan { entities, records, private, views, hub }
}

/// The zone files for Knot and NSD: the endpoint names, the private zone and the public zone, each with the SOA
/// hubspoke answers NXDOMAIN with. Returns (zone, file) pairs.
pub fn write_zones(plan: &Plan, directory: &Path) -> std::io::Result<Vec<(String, std::path::PathBuf)>> {
    let header = |origin: &str| {
        format!(
            "$ORIGIN {origin}.\n$TTL 30\n@ SOA ns.hubspoke.invalid. hostmaster.hubspoke.invalid. 1 3600 600 86400 30\n@ NS ns.hubspoke.invalid.\n"
        )
    };
    let mut written = Vec::new();
    let public: Vec<(String, Ipv4Addr)> =
        (0..PUBLIC_NAMES).map(|i| (public_name(i), Ipv4Addr::new(192, 0, 2, (i % 250) as u8 + 1))).collect();
    for (origin, records) in [(ZONE, &plan.records), (PRIVATE_ZONE, &plan.private), (PUBLIC_ZONE, &public)] {
        let mut zone = header(origin);
        for (name, address) in records {
            let _ = writeln!(zone, "{name}. A {address}");
        }
        let path = directory.join(format!("{origin}.zone"));
        std::fs::write(&path, zone)?;
        written.push((origin.to_owned(), path));
    }
    Ok(written)
}

/// `count` A queries over the private zone's records (one in ten for a name it does not hold), or over the public
/// zone's names, in a seeded order.
pub fn zone_questions(plan: &Plan, public: bool, count: usize, seed: u64) -> Vec<Question> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..count)
        .map(|n| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let drawn = (state >> 33) as usize;
            let name = match (public, n % 10) {
                (true, _) => public_name(drawn % PUBLIC_NAMES),
                (false, 9) => format!("nx-{drawn}.team-{}.{PRIVATE_ZONE}", n % 50),
                (false, _) => plan.private[drawn % plan.private.len()].0.clone(),
            };
            Question { name, kind: RecordType::A }
        })
        .collect()
}

/// One query of a query file.
#[derive(Clone, Debug)]
pub struct Question {
    /// The name, without the trailing dot.
    pub name: String,
    /// A, or AAAA for the NODATA queries.
    pub kind: RecordType,
}

/// Which queries a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mix {
    /// Every query is an A query for a name the view answers.
    Positive,
    /// 80% positive, 10% NXDOMAIN (names in the zone that do not exist), 10% NODATA (AAAA for existing names).
    Mixed,
}

/// Up to `count` queries over the names of one view, in a seeded order (a simple LCG keeps the bench free of a
/// random-number dependency and the files identical between runs).
pub fn questions(plan: &Plan, view: &[usize], mix: Mix, count: usize, seed: u64) -> Vec<Question> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    (0..count)
        .map(|n| {
            let drawn = next();
            let existing = || plan.records[view[drawn % view.len()]].0.clone();
            match (mix, n % 10) {
                (Mix::Mixed, 8) => {
                    Question { name: format!("nx-{drawn}.svc-{}.us-south.bench.{ZONE}", n % 50), kind: RecordType::A }
                }
                (Mix::Mixed, 9) => Question { name: existing(), kind: RecordType::AAAA },
                _ => Question { name: existing(), kind: RecordType::A },
            }
        })
        .collect()
}

/// Writes queries in dnsperf's format (`name type` per line).
pub fn write_questions(questions: &[Question], path: &Path) -> std::io::Result<()> {
    let mut text = String::with_capacity(questions.len() * 48);
    for question in questions {
        let _ = writeln!(text, "{} {}", question.name, question.kind);
    }
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated world means what the suite says of it: hubspoke's own views answer exactly the names the plan
    /// lists per endpoint, with the plan's addresses, and not the visibility spoke's name.
    #[test]
    fn each_view_answers_the_names_the_plan_lists() {
        let plan = plan(400);
        let views = hubspoke_dns::compile(&hubspoke_vpc::World::from_entities(plan.entities.clone(), 1));
        for (address, names) in &plan.views {
            // A delegated spoke resolves through the hub's custom resolver, whose default rule answers with the hub's
            // view.
            let view = match views.at(*address).expect("every endpoint is served") {
                hubspoke_dns::resolver::Service::System(view) => view,
                hubspoke_dns::resolver::Service::Resolver(plan) => &plan.private,
            };
            assert_eq!(view.len(), names.len(), "at {address}");
            for &i in names {
                let (name, ip) = &plan.records[i];
                let answers = view.find(name).unwrap_or_else(|| panic!("{name} at {address}"));
                assert_eq!(answers.iter().map(|a| a.address).collect::<Vec<_>>(), vec![*ip]);
            }
            assert!(view.find(VISIBLE_NAME).is_none());
        }
        assert_eq!(plan.hub_view().1.len(), 250, "five eighths of the names");
    }

    /// Up to the largest world the plan allows, every gateway has an address of its own, in its VPC's block and clear
    /// of the addresses the plan gives to other things.
    #[test]
    fn gateway_addresses_are_distinct_up_to_the_largest_world() {
        let per_vpc = SUBNETS_PER_VPC * 250;
        let mut seen = std::collections::HashSet::with_capacity(per_vpc * VPCS);
        for index in 0..VPCS {
            for k in 0..per_vpc {
                let (_, address) = gateway_address(index, k);
                let [a, b, _, host] = address.octets();
                assert_eq!(a, 10);
                assert!(usize::from(b) == 2 * index + 1 || usize::from(b) == 2 * index + 2, "{address} of VPC {index}");
                assert!((4..254).contains(&host), "{address}");
                assert!(seen.insert(address), "{address} given twice");
            }
        }
        let others = [private_address(0), private_address(per_vpc * VPCS), Ipv4Addr::new(10, 199, 0, 4)];
        assert!(others.iter().all(|address| !seen.contains(address)));
    }
}
