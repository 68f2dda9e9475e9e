//! A small world for tests and the fuzzer: a hub with a COS gateway, a spoke with its own gateways, bound or not,
//! delegated or not.

use std::net::Ipv4Addr;

use hubspoke_iam::{AccountId, Timestamp};
use hubspoke_vpc::World;
use hubspoke_vpc::model::*;
use hubspoke_vpc::world::Entity;

use crate::view::{Views, compile};

pub const HUB_ENDPOINT: Ipv4Addr = Ipv4Addr::new(127, 53, 0, 1);
pub const SPOKE_ENDPOINT: Ipv4Addr = Ipv4Addr::new(127, 53, 0, 2);
pub const COS: &str = "s3.direct.us-south.cloud-object-storage.appdomain.cloud";

pub fn account(n: u8) -> AccountId {
    AccountId::from_bytes([n; 16])
}

pub fn vpc(id: &str, owner: u8, hub: bool, endpoint: Ipv4Addr, resolver: ResolverSetting) -> Entity {
    Entity::Vpc(Vpc {
        id: id.into(),
        account: account(owner),
        name: id.into(),
        created_at: Timestamp(0),
        classic_access: false,
        address_prefix_management: PrefixManagement::Auto,
        enable_hub: hub,
        resolver,
        dns_endpoint: endpoint,
        version: 1,
        resource_group: default_resource_group_id(&account(owner)),
    })
}

pub fn gateway(id: &str, vpc: &str, owner: u8, endpoints: &[&str], mode: BindingMode, address: [u8; 4]) -> Vec<Entity> {
    let subnet = format!("{vpc}-subnet");
    vec![
        Entity::Subnet(Subnet {
            id: subnet.clone(),
            account: account(owner),
            vpc: vpc.into(),
            zone: "us-south-1".into(),
            cidr: format!("{}.{}.{}.0/24", address[0], address[1], address[2]).parse().unwrap(),
            name: subnet.clone(),
            created_at: Timestamp(0),
            network_acl: format!("{vpc}-acl"),
            public_gateway: None,
            resource_group: default_resource_group_id(&account(owner)),
        }),
        Entity::ReservedIp(ReservedIp {
            id: format!("{id}-ip"),
            subnet,
            address: Ipv4Addr::from(address),
            name: format!("{id}-ip"),
            auto_delete: true,
            owner: IpOwner::User,
            target: Some(IpTarget::EndpointGateway(id.into())),
            created_at: Timestamp(0),
        }),
        Entity::Gateway(EndpointGateway {
            id: id.into(),
            account: account(owner),
            vpc: vpc.into(),
            name: id.into(),
            target: GatewayTarget::ProviderCloudService {
                crn: format!("crn:v1:bluemix:public:x:global:::endpoint:{}", endpoints[0]),
            },
            service_endpoints: endpoints.iter().map(|e| e.to_string()).collect(),
            mode,
            created_at: Timestamp(0),
            settling: Settling { phase: Phase::Pending, until: Timestamp(0) },
            security_groups: Vec::new(),
            resource_group: default_resource_group_id(&account(owner)),
        }),
    ]
}

pub fn binding(attached: bool) -> Entity {
    Entity::Binding(Binding {
        id: "binding".into(),
        spoke: "spoke".into(),
        spoke_account: account(2),
        hub: "hub".into(),
        hub_account: account(1),
        spoke_name: "b".into(),
        hub_name: "b".into(),
        created_at: Timestamp(0),
        settling: Settling { phase: Phase::Pending, until: Timestamp(0) },
        spoke_attached: attached,
    })
}

/// The two-account topology: hub with COS (10.1.0.5); spoke with KMS `primary` (10.2.0.5), NTP `disabled` (10.2.1.5) and a
/// wildcard databases endpoint `primary` (10.2.2.5).
pub fn world(bound: bool, delegated: bool) -> World {
    let resolver = if delegated { ResolverSetting::Delegated { vpc: "hub".into() } } else { ResolverSetting::System };
    let mut entities = vec![
        vpc("hub", 1, true, HUB_ENDPOINT, ResolverSetting::System),
        vpc("spoke", 2, false, SPOKE_ENDPOINT, resolver),
    ];
    entities.extend(gateway("hub-cos", "hub", 1, &[COS], BindingMode::Primary, [10, 1, 0, 5]));
    entities.extend(gateway(
        "spoke-kms",
        "spoke",
        2,
        &["private.us-south.kms.cloud.ibm.com"],
        BindingMode::Primary,
        [10, 2, 0, 5],
    ));
    let mut ntp =
        gateway("spoke-ntp", "spoke", 2, &["time.adn.networklayer.com"], BindingMode::Disabled, [10, 2, 1, 5]);
    if let Entity::Subnet(subnet) = &mut ntp[0] {
        subnet.id = "spoke-subnet-2".into();
    }
    if let Entity::ReservedIp(ip) = &mut ntp[1] {
        ip.subnet = "spoke-subnet-2".into();
    }
    entities.extend(ntp);
    let mut databases =
        gateway("spoke-db", "spoke", 2, &["*.private.databases.appdomain.cloud"], BindingMode::Primary, [10, 2, 2, 5]);
    if let Entity::Subnet(subnet) = &mut databases[0] {
        subnet.id = "spoke-subnet-3".into();
    }
    if let Entity::ReservedIp(ip) = &mut databases[1] {
        ip.subnet = "spoke-subnet-3".into();
    }
    entities.extend(databases);
    if bound {
        entities.push(binding(true));
    }
    World::from_entities(entities, 7)
}

/// The views of the bound, delegated two-account topology.
pub fn views() -> Views {
    compile(&world(true, true))
}

/// The `dns_query` fuzz target's property, shared by the fuzzer, the corpus replay and the stable smoke test: any
/// packet, over either transport, at the hub, the spoke or an unknown address, gets no reply or one that has a header
/// and keeps the query's id (and fits a UDP datagram).
pub fn check_query(views: &Views, packet: &[u8]) {
    use crate::answer::{Reply, Settings, Transport, respond};
    for transport in [Transport::Udp, Transport::Tcp] {
        for at in [HUB_ENDPOINT, SPOKE_ENDPOINT, Ipv4Addr::LOCALHOST] {
            for upstream in [None, Some(std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, 53)))] {
                let client = std::net::IpAddr::V4(Ipv4Addr::LOCALHOST);
                if let Reply::Send(reply) = respond(views, at, client, packet, transport, Settings { ttl: 30, upstream }) {
                    assert!(reply.len() >= 12 && reply[..2] == packet[..2], "reply to {packet:?}");
                    assert!(transport == Transport::Tcp || reply.len() <= 4096, "a UDP reply of {} bytes", reply.len());
                }
            }
        }
    }
}
