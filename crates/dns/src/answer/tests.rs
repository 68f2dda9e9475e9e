//! Answers over a small world: a hub with a COS gateway, a spoke with its own gateways, bound, delegated or not.

use std::net::Ipv4Addr;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use hubspoke_vpc::World;
use hubspoke_vpc::model::*;
use hubspoke_vpc::world::Entity;

use super::*;
use crate::fixture::{COS, HUB_ENDPOINT, SPOKE_ENDPOINT, gateway, vpc, world};
use crate::view::compile;

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

const SETTINGS: Settings = Settings { ttl: 30, upstream: None };
const CLIENT: std::net::IpAddr = std::net::IpAddr::V4(Ipv4Addr::new(10, 2, 0, 9));

fn ask(world: &World, at: Ipv4Addr, name: &str, kind: RecordType) -> Message {
    match respond(&compile(world), at, CLIENT, &query(name, kind, None), Transport::Udp, SETTINGS) {
        Reply::Send(bytes) => Message::from_vec(&bytes).unwrap(),
        other => panic!("{name}: {other:?}"),
    }
}

fn addresses(message: &Message) -> Vec<Ipv4Addr> {
    message.answers.iter().filter_map(|r| if let RData::A(a) = &r.data { Some(a.0) } else { None }).collect()
}

/// The resolution cases of `docs/dns.md`: (topology, who asks, name, expected code, expected addresses).
#[test]
fn resolution_model_table() {
    let cos = COS;
    let kms = "private.us-south.kms.cloud.ibm.com";
    let ntp = "time.adn.networklayer.com";
    let db = "abc.private.databases.appdomain.cloud";
    /// (case, world, endpoint asked, name, expected code, expected addresses).
    type Case<'a> = (&'a str, World, Ipv4Addr, &'a str, ResponseCode, Vec<[u8; 4]>);
    let cases: Vec<Case> = vec![
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

/// Names are matched case-insensitively, label by label: a dot inside one label on the wire is not a label boundary,
/// so it never reaches the name that spells the same text with two labels.
#[test]
fn names_match_by_labels_whatever_their_case() {
    let at_spoke = |name: Name| {
        let mut message = Message::new(7, MessageType::Query, OpCode::Query);
        message.add_query(Query::query(name, RecordType::A));
        match respond(
            &compile(&world(false, false)),
            SPOKE_ENDPOINT,
            CLIENT,
            &message.to_vec().unwrap(),
            Transport::Udp,
            SETTINGS,
        ) {
            Reply::Send(bytes) => Message::from_vec(&bytes).unwrap(),
            other => panic!("{other:?}"),
        }
    };
    let upper = at_spoke(Name::from_ascii("TIME.Adn.NetworkLayer.COM.").unwrap());
    assert_eq!(addresses(&upper), [Ipv4Addr::new(10, 2, 1, 5)]);
    let one_label: &[&[u8]] = &[b"time.adn", b"networklayer", b"com"];
    let dotted = at_spoke(Name::from_labels(one_label.iter().copied()).unwrap());
    assert_eq!(dotted.metadata.response_code, ResponseCode::NXDomain, "{dotted:?}");
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
        |transport, edns| match respond(&views, HUB_ENDPOINT, CLIENT, &query(COS, RecordType::A, edns), transport, SETTINGS) {
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
    let send = |packet: &[u8]| respond(&views, HUB_ENDPOINT, CLIENT, packet, Transport::Udp, SETTINGS);
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
    let upstream = std::net::SocketAddr::from(([192, 0, 2, 53], 53));
    let forwarding = Settings { ttl: 30, upstream: Some(upstream) };
    let packet = query("example.com", RecordType::A, None);
    let Reply::Forward { to, fallback, limit } = respond(&views, HUB_ENDPOINT, CLIENT, &packet, Transport::Udp, forwarding)
    else {
        panic!("forwarded")
    };
    assert_eq!((to, limit), (vec![upstream], 512));
    assert_eq!((fallback[0], fallback[1], fallback[3] & 0x0f), (0x12, 0x34, 2), "SERVFAIL when the upstream is silent");
}

/// Replays the fuzzer's corpus (`fuzz/corpus/dns_query`) with the fuzz target's own check.
#[test]
fn the_fuzz_corpus_replays_without_a_crash() {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/dns_query");
    let views = crate::fixture::views();
    let mut replayed = 0;
    for entry in std::fs::read_dir(&directory).expect("the corpus directory exists") {
        crate::fixture::check_query(&views, &std::fs::read(entry.unwrap().path()).unwrap());
        replayed += 1;
    }
    assert!(replayed >= 8, "only {replayed} corpus entries");
}

/// The largest an SOA record for `zone` can be on the wire, its owner name written out in full.
fn soa_size(zone: &str) -> usize {
    let record = soa_record(zone, u64::from(u32::MAX), 30);
    let mut bytes = Vec::new();
    let mut encoder = hickory_proto::serialize::binary::BinEncoder::new(&mut bytes);
    encoder.set_canonical_form(true);
    hickory_proto::serialize::binary::BinEncodable::emit(&record, &mut encoder).unwrap();
    bytes.len()
}

proptest::proptest! {
    /// No amplification: for a name no gateway serves, the reply is never larger than the query plus one SOA record
    /// (NXDOMAIN and NODATA inside the VPE domains) or than the query itself (REFUSED outside them), whatever the
    /// name, type, EDNS size and endpoint asked.
    #[test]
    fn unanswered_names_are_not_amplified(
        labels in proptest::collection::vec("[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?", 1..6),
        domain in proptest::sample::select(vec!["appdomain.cloud", "cloud.ibm.com", "networklayer.com", "icr.io", "example.com", "org"]),
        kind in proptest::sample::select(vec![RecordType::A, RecordType::AAAA, RecordType::TXT, RecordType::ANY, RecordType::MX, RecordType::NS]),
        edns in proptest::option::of(512u16..=4096),
        hub in proptest::bool::ANY,
    ) {
        let views = crate::fixture::views();
        let name = format!("nx-{}.{domain}", labels.join("."));
        let packet = query(&name, kind, edns);
        let at = if hub { HUB_ENDPOINT } else { SPOKE_ENDPOINT };
        for transport in [Transport::Udp, Transport::Tcp] {
            let Reply::Send(reply) = respond(&views, at, CLIENT, &packet, transport, SETTINGS) else {
                panic!("`{name}` got no reply");
            };
            let message = Message::from_vec(&reply).unwrap();
            proptest::prop_assert!(message.answers.is_empty(), "`{name}` has no gateway: {message:?}");
            // The query asks for recursion; without `--dns-upstream` none is offered or done.
            proptest::prop_assert!(!message.metadata.recursion_available);
            if hubspoke_vpc::catalog::service_domain_of(&name).is_none() {
                proptest::prop_assert_eq!(message.metadata.response_code, ResponseCode::Refused);
            }
            let allowed = match hubspoke_vpc::catalog::service_domain_of(&name) {
                Some(zone) => packet.len() + soa_size(zone),
                None => packet.len(),
            };
            proptest::prop_assert!(
                reply.len() <= allowed,
                "`{name}` {kind:?} over {transport:?}: {} bytes answer a {}-byte query",
                reply.len(),
                packet.len()
            );
        }
    }
}
