//! Answers over a small world: a hub with a COS gateway, a spoke with its own gateways, bound, delegated or not.

use std::net::Ipv4Addr;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use hubspoke_iam::{AccountId, Timestamp};
use hubspoke_vpc::World;
use hubspoke_vpc::model::*;
use hubspoke_vpc::world::Entity;

use super::*;
use crate::view::compile;

const HUB_ENDPOINT: Ipv4Addr = Ipv4Addr::new(127, 53, 0, 1);
const SPOKE_ENDPOINT: Ipv4Addr = Ipv4Addr::new(127, 53, 0, 2);
const COS: &str = "s3.direct.us-south.cloud-object-storage.appdomain.cloud";

fn account(n: u8) -> AccountId {
    AccountId::from_bytes([n; 16])
}

fn vpc(id: &str, owner: u8, hub: bool, endpoint: Ipv4Addr, resolver: ResolverSetting) -> Entity {
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
    })
}

fn gateway(id: &str, vpc: &str, owner: u8, endpoints: &[&str], mode: BindingMode, address: [u8; 4]) -> Vec<Entity> {
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
        }),
    ]
}

fn binding(attached: bool) -> Entity {
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

/// The seed topology: hub with COS (10.1.0.5); spoke with KMS `primary` (10.2.0.5), NTP `disabled` (10.2.1.5) and a
/// wildcard databases endpoint `primary` (10.2.2.5).
fn world(bound: bool, delegated: bool) -> World {
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

fn query(name: &str, kind: RecordType, edns: Option<u16>) -> Vec<u8> {
    let mut message = Message::new(0x1234, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(Name::from_ascii(name).unwrap(), kind));
    if let Some(size) = edns {
        let mut e = Edns::new();
        e.set_max_payload(size);
        message.set_edns(e);
    }
    message.to_vec().unwrap()
}

const SETTINGS: Settings = Settings { ttl: 30, forwarding: false };

fn ask(world: &World, at: Ipv4Addr, name: &str, kind: RecordType) -> Message {
    match respond(&compile(world), at, &query(name, kind, None), Transport::Udp, SETTINGS) {
        Reply::Send(bytes) => Message::from_vec(&bytes).unwrap(),
        other => panic!("{name}: {other:?}"),
    }
}

fn addresses(message: &Message) -> Vec<Ipv4Addr> {
    message.answers.iter().filter_map(|r| if let RData::A(a) = &r.data { Some(a.0) } else { None }).collect()
}

/// The §4.3 cases: (topology, who asks, name, expected code, expected addresses).
#[test]
fn resolution_model_table() {
    let cos = COS;
    let kms = "private.us-south.kms.cloud.ibm.com";
    let ntp = "time.adn.networklayer.com";
    let db = "abc.private.databases.appdomain.cloud";
    let cases: Vec<(&str, World, Ipv4Addr, &str, ResponseCode, Vec<[u8; 4]>)> = vec![
        (
            "standalone spoke sees its own gateways in any mode",
            world(false, false),
            SPOKE_ENDPOINT,
            ntp,
            ResponseCode::NoError,
            vec![[10, 2, 1, 5]],
        ),
        (
            "standalone spoke does not see the hub",
            world(false, false),
            SPOKE_ENDPOINT,
            cos,
            ResponseCode::NXDomain,
            vec![],
        ),
        ("unbound hub does not see the spoke", world(false, false), HUB_ENDPOINT, kms, ResponseCode::NXDomain, vec![]),
        ("hub sees its own gateway", world(true, false), HUB_ENDPOINT, cos, ResponseCode::NoError, vec![[10, 1, 0, 5]]),
        (
            "hub sees a bound spoke's primary gateway",
            world(true, false),
            HUB_ENDPOINT,
            kms,
            ResponseCode::NoError,
            vec![[10, 2, 0, 5]],
        ),
        (
            "hub does not see a bound spoke's disabled gateway",
            world(true, false),
            HUB_ENDPOINT,
            ntp,
            ResponseCode::NXDomain,
            vec![],
        ),
        (
            "hub answers a spoke's wildcard as a wildcard",
            world(true, false),
            HUB_ENDPOINT,
            db,
            ResponseCode::NoError,
            vec![[10, 2, 2, 5]],
        ),
        (
            "bound spoke without delegation sees only its own",
            world(true, false),
            SPOKE_ENDPOINT,
            cos,
            ResponseCode::NXDomain,
            vec![],
        ),
        (
            "bound spoke without delegation still sees its disabled gateway",
            world(true, false),
            SPOKE_ENDPOINT,
            ntp,
            ResponseCode::NoError,
            vec![[10, 2, 1, 5]],
        ),
        (
            "delegated spoke resolves the hub's COS gateway",
            world(true, true),
            SPOKE_ENDPOINT,
            cos,
            ResponseCode::NoError,
            vec![[10, 1, 0, 5]],
        ),
        (
            "delegated spoke resolves its own shared gateway through the hub",
            world(true, true),
            SPOKE_ENDPOINT,
            kms,
            ResponseCode::NoError,
            vec![[10, 2, 0, 5]],
        ),
        (
            "delegated spoke no longer resolves its own disabled gateway",
            world(true, true),
            SPOKE_ENDPOINT,
            ntp,
            ResponseCode::NXDomain,
            vec![],
        ),
        (
            "names are case-insensitive",
            world(true, true),
            SPOKE_ENDPOINT,
            "S3.Direct.US-South.Cloud-Object-Storage.AppDomain.Cloud",
            ResponseCode::NoError,
            vec![[10, 1, 0, 5]],
        ),
        (
            "names outside the service domains are refused",
            world(true, true),
            SPOKE_ENDPOINT,
            "example.com",
            ResponseCode::Refused,
            vec![],
        ),
        (
            "an empty non-terminal is NODATA",
            world(true, false),
            HUB_ENDPOINT,
            "direct.us-south.cloud-object-storage.appdomain.cloud",
            ResponseCode::NoError,
            vec![],
        ),
        (
            "an unknown endpoint address is refused",
            world(true, false),
            Ipv4Addr::new(127, 53, 9, 9),
            cos,
            ResponseCode::Refused,
            vec![],
        ),
    ];
    for (case, world, at, name, code, expected) in cases {
        let answer = ask(&world, at, name, RecordType::A);
        assert_eq!(answer.metadata.response_code, code, "{case}");
        let expected: Vec<Ipv4Addr> = expected.into_iter().map(Ipv4Addr::from).collect();
        assert_eq!(addresses(&answer), expected, "{case}");
        assert_eq!(answer.metadata.id, 0x1234, "{case}");
        assert!(!answer.metadata.recursion_available, "{case}: never a recursive resolver");
        if code == ResponseCode::NXDomain {
            assert!(
                matches!(answer.authorities.first().map(|r| &r.data), Some(RData::SOA(_))),
                "{case}: SOA in authority"
            );
        }
    }
}

#[test]
fn other_types_of_existing_names_are_nodata_with_an_soa() {
    let answer = ask(&world(true, false), HUB_ENDPOINT, COS, RecordType::AAAA);
    assert_eq!(answer.metadata.response_code, ResponseCode::NoError);
    assert!(answer.answers.is_empty());
    let Some(RData::SOA(soa)) = answer.authorities.first().map(|r| &r.data) else { panic!("an SOA") };
    assert_eq!((soa.serial, soa.minimum), (7, 30));
    assert_eq!(answer.authorities[0].name.to_ascii(), "appdomain.cloud.");
    assert!(answer.metadata.authoritative);
}

#[test]
fn edns_truncation_and_malformed_packets() {
    // Many addresses make a large answer: one gateway per zone would be three; a wildcard gateway with many IPs is
    // simulated by 60 gateways answering one name through distinct subnets.
    let mut entities = vec![vpc("hub", 1, true, HUB_ENDPOINT, ResolverSetting::System)];
    for n in 0..60u8 {
        let mut parts = gateway(&format!("g{n}"), "hub", 1, &[COS], BindingMode::Primary, [10, 9, n, 5]);
        if let Entity::Subnet(subnet) = &mut parts[0] {
            subnet.id = format!("s{n}");
        }
        if let Entity::ReservedIp(ip) = &mut parts[1] {
            ip.subnet = format!("s{n}");
            ip.target = Some(IpTarget::EndpointGateway("g0".into()));
        }
        entities.extend(parts);
    }
    let views = compile(&World::from_entities(entities, 1));
    let big =
        |transport, edns| match respond(&views, HUB_ENDPOINT, &query(COS, RecordType::A, edns), transport, SETTINGS) {
            Reply::Send(bytes) => (bytes.len(), Message::from_vec(&bytes).unwrap()),
            other => panic!("{other:?}"),
        };
    let (size, udp) = big(Transport::Udp, None);
    assert!(udp.metadata.truncation && udp.answers.is_empty() && size <= 512, "TC over plain UDP");
    let (_, tcp) = big(Transport::Tcp, None);
    assert!(!tcp.metadata.truncation && tcp.answers.len() == 60, "the whole answer over TCP");
    let (size, edns) = big(Transport::Udp, Some(4096));
    assert!(!edns.metadata.truncation && edns.answers.len() == 60 && size > 512, "EDNS lets it fit");
    assert_eq!(edns.edns.as_ref().map(|e| e.max_payload()), Some(1232));

    let world = world(true, false);
    let views = compile(&world);
    let send = |packet: &[u8]| respond(&views, HUB_ENDPOINT, packet, Transport::Udp, SETTINGS);
    assert_eq!(send(&[1, 2, 3]), Reply::Drop, "too short");
    let mut response_bit = query(COS, RecordType::A, None);
    response_bit[2] |= 0x80;
    assert_eq!(send(&response_bit), Reply::Drop, "responses are never answered");
    let mut garbage = query(COS, RecordType::A, None);
    garbage.truncate(20);
    let Reply::Send(formerr) = send(&garbage) else { panic!("FORMERR expected") };
    assert_eq!((formerr[0], formerr[1], formerr[3] & 0x0f), (0x12, 0x34, 1));
    let mut status = Message::new(9, MessageType::Query, OpCode::Status);
    status.add_query(Query::query(Name::from_ascii(COS).unwrap(), RecordType::A));
    let Reply::Send(bytes) = send(&status.to_vec().unwrap()) else { panic!() };
    assert_eq!(Message::from_vec(&bytes).unwrap().metadata.response_code, ResponseCode::NotImp);
    let forwarding = Settings { ttl: 30, forwarding: true };
    assert_eq!(
        respond(&views, HUB_ENDPOINT, &query("example.com", RecordType::A, None), Transport::Udp, forwarding),
        Reply::Forward
    );
}
