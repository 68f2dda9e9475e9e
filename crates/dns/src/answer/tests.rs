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
    let big = |transport, edns| match respond(
        &views,
        HUB_ENDPOINT,
        CLIENT,
        &query(COS, RecordType::A, edns),
        transport,
        SETTINGS,
    ) {
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
    let Reply::Forward { to, fallback, limit } =
        respond(&views, HUB_ENDPOINT, CLIENT, &packet, Transport::Udp, forwarding)
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

mod resolution {
    //! Resolution through zones and custom resolvers, over views assembled by hand: DNS Services zones with every record
    //! type, the authority boundary of the VPE zones, secondary zones, forwarding rules and their views, loops.

    use std::collections::HashMap;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
    use std::sync::Arc;

    use hickory_proto::op::{Message, ResponseCode};
    use hickory_proto::rr::{RData, RecordType};

    use super::{CLIENT, query};
    use crate::answer::{Reply, Settings, Transport, respond};
    use crate::fixture::authority::{record, soa};
    use crate::fixture::{COS, HUB_ENDPOINT, SPOKE_ENDPOINT, world};
    use crate::resolver::{ResolverPlan, RulePlan, RuleView, SecondaryPlan, Selector, Service, Target};
    use crate::secondary::Transferred;
    use crate::view::{Views, compile};
    use crate::zone::{Data, Input, Origin, Zone};

    const HUB_RESOLVER: Ipv4Addr = Ipv4Addr::new(10, 1, 0, 53);
    const OTHER_RESOLVER: Ipv4Addr = Ipv4Addr::new(10, 3, 0, 53);
    const LOOP_A: Ipv4Addr = Ipv4Addr::new(10, 4, 0, 53);
    const LOOP_B: Ipv4Addr = Ipv4Addr::new(10, 5, 0, 53);
    const ONPREM: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)), 53);
    const ONPREM_2: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11)), 5353);
    const UPSTREAM: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 53)), 53);

    fn input(id: &str, name: &str, data: Data) -> Input {
        Input { id: id.into(), name: name.into(), ttl: 120, data }
    }

    /// `corp.test` permitted to the hub: one record of each type, a CNAME chain, a wildcard; `sub.corp.test` as a
    /// longer zone; `other.test`, a second zone for chains across zones.
    fn zones() -> Vec<Arc<Zone>> {
        let private = |id: &str| Origin::Private { id: id.into(), instance: "instance".into() };
        let corp = Zone::compile(
            "corp.test",
            private("zone-corp"),
            vec![
                input("r-a", "www.corp.test", Data::A(Ipv4Addr::new(10, 10, 0, 1))),
                input("r-aaaa", "www.corp.test", Data::Aaaa(Ipv6Addr::LOCALHOST)),
                input("r-mx", "corp.test", Data::Mx { preference: 10, exchange: "mail.corp.test".into() }),
                input(
                    "r-srv",
                    "_sip._udp.corp.test",
                    Data::Srv { priority: 1, weight: 2, port: 5060, target: "sip.corp.test".into() },
                ),
                input("r-txt", "corp.test", Data::Txt("v=spf1 -all".into())),
                input("r-cname", "alias.corp.test", Data::Cname("www.corp.test".into())),
                input("r-cname2", "alias2.corp.test", Data::Cname("alias.corp.test".into())),
                input("r-cos", "cos.corp.test", Data::Cname(COS.into())),
                input("r-far", "far.corp.test", Data::Cname("db.other.test".into())),
                input("r-out", "out.corp.test", Data::Cname("www.example.org".into())),
                input("r-wild", "*.dev.corp.test", Data::A(Ipv4Addr::new(10, 10, 9, 9))),
                input("r-parent", "x.sub.corp.test", Data::A(Ipv4Addr::new(10, 10, 7, 7))),
            ],
        );
        let sub = Zone::compile(
            "sub.corp.test",
            private("zone-sub"),
            vec![input("r-sub", "y.sub.corp.test", Data::A(Ipv4Addr::new(10, 11, 0, 1)))],
        );
        let reverse = Zone::compile(
            "10.10.in-addr.arpa",
            private("zone-rev"),
            vec![input("r-ptr", "1.0.10.10.in-addr.arpa", Data::Ptr("www.corp.test".into()))],
        );
        let other = Zone::compile(
            "other.test",
            private("zone-other"),
            vec![input("r-db", "db.other.test", Data::A(Ipv4Addr::new(10, 12, 0, 1)))],
        );
        vec![Arc::new(corp), Arc::new(sub), Arc::new(reverse), Arc::new(other)]
    }

    fn rule(id: &str, matches: &str, forward_to: Vec<Target>, views: Vec<RuleView>) -> RulePlan {
        RulePlan { id: id.into(), matches: matches.into(), forward_to, views }
    }

    /// The bound, delegated topology with zones permitted to the hub; the hub's custom resolver with a secondary zone
    /// (transferred) and one never transferred, rules forwarding on-premises (with a view for one client range), to
    /// another resolver, to public DNS; two resolvers forwarding to each other.
    fn views() -> Views {
        let base = compile(&world(true, true));
        let Some(Service::System(hub)) = base.at(HUB_ENDPOINT) else { panic!("the hub's view") };
        let hub = Arc::new(hub.with_zones(zones()));
        let spoke_only = Arc::new(hub.with_zones(Vec::new()));
        let mut plan = ResolverPlan::private_only("resolver-hub", "hub-resolver", "hub", HUB_RESOLVER, hub.clone());
        plan.secondaries = vec![
            SecondaryPlan { id: "sz-onprem".into(), zone: "onprem.test".into(), transfer_from: vec![ONPREM] },
            SecondaryPlan { id: "sz-never".into(), zone: "never.test".into(), transfer_from: vec![ONPREM] },
        ];
        let range = |client: IpAddr| matches!(client, IpAddr::V4(v4) if v4.octets()[..3] == [10, 2, 0]);
        plan.rules = vec![
            rule(
                "rule-site",
                "site.test",
                vec![Target::Remote(ONPREM), Target::Remote(ONPREM_2)],
                vec![RuleView {
                    name: "spoke-clients".into(),
                    expression: "ipInRange(source.ip, '10.2.0.0/24')".into(),
                    selector: Selector::new(range),
                    forward_to: vec![Target::Remote(ONPREM_2)],
                }],
            ),
            rule("rule-then-private", "mixed.test", vec![Target::Remote(ONPREM), Target::Private], Vec::new()),
            rule("rule-other", "team.test", vec![Target::Resolver(OTHER_RESOLVER)], Vec::new()),
            rule("rule-public", "public.test", vec![Target::Public], Vec::new()),
            rule(
                "rule-views-only",
                "viewsonly.test",
                Vec::new(),
                vec![RuleView {
                    name: "nobody".into(),
                    expression: "source.ip == '192.0.2.200'".into(),
                    selector: Selector::new(|client| client == IpAddr::V4(Ipv4Addr::new(192, 0, 2, 200))),
                    forward_to: vec![Target::Remote(ONPREM_2)],
                }],
            ),
            rule("rule-corp-sub", "deep.corp.test", vec![Target::Remote(ONPREM)], Vec::new()),
            rule("rule-loop", "loop.test", vec![Target::Resolver(LOOP_A)], Vec::new()),
        ];
        let team_zone = Zone::compile(
            "team.test",
            Origin::Private { id: "zone-team".into(), instance: "instance".into() },
            vec![input("r-team", "app.team.test", Data::A(Ipv4Addr::new(10, 3, 0, 8)))],
        );
        let other_view = Arc::new(spoke_only.with_zones(vec![Arc::new(team_zone)]));
        let other = ResolverPlan::private_only("resolver-other", "other", "other", OTHER_RESOLVER, other_view);
        let mut loop_a = ResolverPlan::private_only("loop-a", "a", "a", LOOP_A, spoke_only.clone());
        loop_a.default.forward_to = vec![Target::Resolver(LOOP_B)];
        let mut loop_b = ResolverPlan::private_only("loop-b", "b", "b", LOOP_B, spoke_only);
        loop_b.default.forward_to = vec![Target::Resolver(LOOP_A)];
        let hub_plan = Arc::new(plan);
        let by_address = HashMap::from([
            (HUB_ENDPOINT, Service::System(hub)),
            (SPOKE_ENDPOINT, Service::Resolver(hub_plan.clone())),
            (HUB_RESOLVER, Service::Resolver(hub_plan)),
            (OTHER_RESOLVER, Service::Resolver(Arc::new(other))),
            (LOOP_A, Service::Resolver(Arc::new(loop_a))),
            (LOOP_B, Service::Resolver(Arc::new(loop_b))),
        ]);
        let copy = Zone::transferred(
            "onprem.test",
            "sz-onprem",
            vec![
                soa("onprem.test", 42, 60),
                record("host.onprem.test", 90, RData::A(hickory_proto::rr::rdata::A(Ipv4Addr::new(172, 16, 0, 1)))),
            ],
        );
        let secondaries = HashMap::from([(
            "sz-onprem".to_owned(),
            Arc::new(Transferred { zone: Some(Arc::new(copy)), from: Some(ONPREM), at: None, error: None }),
        )]);
        Views::assemble(by_address, secondaries, 9)
    }

    /// What a query gets: the reply's code and its answers in zone-file spelling, or the forwarding targets.
    #[derive(Debug, PartialEq)]
    enum Got {
        Answer(ResponseCode, Vec<String>),
        Forward(Vec<SocketAddr>, ResponseCode),
    }

    fn ask(
        views: &Views,
        at: Ipv4Addr,
        client: IpAddr,
        name: &str,
        kind: RecordType,
        upstream: bool,
    ) -> (Got, Message) {
        let settings = Settings { ttl: 30, upstream: upstream.then_some(UPSTREAM) };
        let spell = |message: &Message| {
            message.answers.iter().map(|r| format!("{} {} {}", r.name, r.record_type(), r.data)).collect::<Vec<_>>()
        };
        match respond(views, at, client, &query(name, kind, None), Transport::Udp, settings) {
            Reply::Send(bytes) => {
                let message = Message::from_vec(&bytes).unwrap();
                (Got::Answer(message.metadata.response_code, spell(&message)), message)
            }
            Reply::Forward { to, fallback, .. } => {
                let message = Message::from_vec(&fallback).unwrap();
                (Got::Forward(to, message.metadata.response_code), message)
            }
            Reply::Drop => panic!("{name}: dropped"),
        }
    }

    fn answer(code: ResponseCode, records: &[&str]) -> Got {
        Got::Answer(code, records.iter().map(|r| r.to_string()).collect())
    }

    use ResponseCode::{NXDomain, NoError, Refused, ServFail};

    /// (case, address asked, client, name, type, with an upstream, expected).
    type Case = (&'static str, Ipv4Addr, IpAddr, &'static str, RecordType, bool, Got);

    #[test]
    fn resolution_table() {
        let views = views();
        let spoke_client = IpAddr::V4(Ipv4Addr::new(10, 2, 0, 9));
        let other_client = IpAddr::V4(Ipv4Addr::new(10, 9, 0, 9));
        use RecordType::*;
        let cases: Vec<Case> = vec![
            // The VPC's own resolver: DNS Services zones permitted to it, every record type.
            ("A", HUB_ENDPOINT, CLIENT, "www.corp.test", A, false, answer(NoError, &["www.corp.test. A 10.10.0.1"])),
            ("AAAA", HUB_ENDPOINT, CLIENT, "www.corp.test", AAAA, false, answer(NoError, &["www.corp.test. AAAA ::1"])),
            (
                "MX at the apex",
                HUB_ENDPOINT,
                CLIENT,
                "corp.test",
                MX,
                false,
                answer(NoError, &["corp.test. MX 10 mail.corp.test."]),
            ),
            (
                "SRV",
                HUB_ENDPOINT,
                CLIENT,
                "_sip._udp.corp.test",
                SRV,
                false,
                answer(NoError, &["_sip._udp.corp.test. SRV 1 2 5060 sip.corp.test."]),
            ),
            ("TXT", HUB_ENDPOINT, CLIENT, "corp.test", TXT, false, answer(NoError, &["corp.test. TXT v=spf1 -all"])),
            (
                "PTR",
                HUB_ENDPOINT,
                CLIENT,
                "1.0.10.10.in-addr.arpa",
                PTR,
                false,
                answer(NoError, &["1.0.10.10.in-addr.arpa. PTR www.corp.test."]),
            ),
            (
                "CNAME asked",
                HUB_ENDPOINT,
                CLIENT,
                "alias.corp.test",
                CNAME,
                false,
                answer(NoError, &["alias.corp.test. CNAME www.corp.test."]),
            ),
            (
                "CNAME chain inside the zone",
                HUB_ENDPOINT,
                CLIENT,
                "alias2.corp.test",
                A,
                false,
                answer(
                    NoError,
                    &[
                        "alias2.corp.test. CNAME alias.corp.test.",
                        "alias.corp.test. CNAME www.corp.test.",
                        "www.corp.test. A 10.10.0.1",
                    ],
                ),
            ),
            (
                "CNAME chain into another zone of the view",
                HUB_ENDPOINT,
                CLIENT,
                "far.corp.test",
                A,
                false,
                answer(NoError, &["far.corp.test. CNAME db.other.test.", "db.other.test. A 10.12.0.1"]),
            ),
            (
                "CNAME chain into a VPE name of the view",
                HUB_ENDPOINT,
                CLIENT,
                "cos.corp.test",
                A,
                false,
                answer(NoError, &[&format!("cos.corp.test. CNAME {COS}."), &format!("{COS}. A 10.1.0.5")]),
            ),
            (
                "a CNAME out of the view is answered alone",
                HUB_ENDPOINT,
                CLIENT,
                "out.corp.test",
                A,
                false,
                answer(NoError, &["out.corp.test. CNAME www.example.org."]),
            ),
            (
                "wildcard",
                HUB_ENDPOINT,
                CLIENT,
                "anything.dev.corp.test",
                A,
                false,
                answer(NoError, &["anything.dev.corp.test. A 10.10.9.9"]),
            ),
            ("NODATA", HUB_ENDPOINT, CLIENT, "www.corp.test", TXT, false, answer(NoError, &[])),
            ("NXDOMAIN in the zone", HUB_ENDPOINT, CLIENT, "nope.corp.test", A, false, answer(NXDomain, &[])),
            ("NXDOMAIN is never forwarded", HUB_ENDPOINT, CLIENT, "nope.corp.test", A, true, answer(NXDomain, &[])),
            (
                "longest match: only the longer zone is searched",
                HUB_ENDPOINT,
                CLIENT,
                "x.sub.corp.test",
                A,
                false,
                answer(NXDomain, &[]),
            ),
            (
                "the longer zone answers its names",
                HUB_ENDPOINT,
                CLIENT,
                "y.sub.corp.test",
                A,
                false,
                answer(NoError, &["y.sub.corp.test. A 10.11.0.1"]),
            ),
            // Apex SOA and NS.
            (
                "apex SOA of a zone",
                HUB_ENDPOINT,
                CLIENT,
                "corp.test",
                SOA,
                false,
                answer(
                    NoError,
                    &["corp.test. SOA ns.hubspoke.invalid. hostmaster.hubspoke.invalid. 9 3600 600 86400 30"],
                ),
            ),
            (
                "apex NS of a zone",
                HUB_ENDPOINT,
                CLIENT,
                "corp.test",
                NS,
                false,
                answer(NoError, &["corp.test. NS ns.hubspoke.invalid."]),
            ),
            (
                "apex SOA of a VPE domain",
                HUB_ENDPOINT,
                CLIENT,
                "appdomain.cloud",
                SOA,
                false,
                answer(
                    NoError,
                    &["appdomain.cloud. SOA ns.hubspoke.invalid. hostmaster.hubspoke.invalid. 9 3600 600 86400 30"],
                ),
            ),
            (
                "apex NS of a VPE domain",
                HUB_ENDPOINT,
                CLIENT,
                "networklayer.com",
                NS,
                false,
                answer(NoError, &["networklayer.com. NS ns.hubspoke.invalid."]),
            ),
            // The authority boundary: a service domain's parents are outside every zone.
            ("a parent of a VPE domain is refused", HUB_ENDPOINT, CLIENT, "ibm.com", A, false, answer(Refused, &[])),
            ("a top-level name is refused", HUB_ENDPOINT, CLIENT, "cloud", A, false, answer(Refused, &[])),
            ("com NS is refused", HUB_ENDPOINT, CLIENT, "com", NS, false, answer(Refused, &[])),
            (
                "a parent of a VPE domain is forwarded",
                HUB_ENDPOINT,
                CLIENT,
                "ibm.com",
                A,
                true,
                Got::Forward(vec![UPSTREAM], ServFail),
            ),
            (
                "a name outside every zone is forwarded",
                HUB_ENDPOINT,
                CLIENT,
                "www.example.org",
                A,
                true,
                Got::Forward(vec![UPSTREAM], ServFail),
            ),
            ("a parent of a private zone is outside it", HUB_ENDPOINT, CLIENT, "test", A, false, answer(Refused, &[])),
            // A custom resolver (and the spoke delegated to its hub).
            (
                "secondary zone answers from its copy",
                HUB_RESOLVER,
                CLIENT,
                "host.onprem.test",
                A,
                false,
                answer(NoError, &["host.onprem.test. A 172.16.0.1"]),
            ),
            ("secondary zone NXDOMAIN", HUB_RESOLVER, CLIENT, "gone.onprem.test", A, false, answer(NXDomain, &[])),
            (
                "secondary zone apex SOA is the primary's",
                HUB_RESOLVER,
                CLIENT,
                "onprem.test",
                SOA,
                false,
                answer(NoError, &["onprem.test. SOA ns1.primary.test. admin.primary.test. 42 60 5 86400 60"]),
            ),
            (
                "secondary zone never transferred",
                HUB_RESOLVER,
                CLIENT,
                "host.never.test",
                A,
                false,
                answer(ServFail, &[]),
            ),
            (
                "a rule forwards to its targets in order",
                HUB_RESOLVER,
                other_client,
                "www.site.test",
                A,
                false,
                Got::Forward(vec![ONPREM, ONPREM_2], ServFail),
            ),
            (
                "a rule's view selects by client address",
                HUB_RESOLVER,
                spoke_client,
                "www.site.test",
                A,
                false,
                Got::Forward(vec![ONPREM_2], ServFail),
            ),
            (
                "the spoke's endpoint resolves through the hub's resolver",
                SPOKE_ENDPOINT,
                spoke_client,
                "www.site.test",
                A,
                false,
                Got::Forward(vec![ONPREM_2], ServFail),
            ),
            (
                "a private target answers when the remote ones do not",
                HUB_RESOLVER,
                CLIENT,
                "www.mixed.test",
                A,
                false,
                Got::Forward(vec![ONPREM], Refused),
            ),
            (
                "a views-only rule no view selects falls back to the default rule",
                HUB_RESOLVER,
                CLIENT,
                "viewsonly.test",
                A,
                false,
                answer(Refused, &[]),
            ),
            (
                "a rule wins over a private zone of the same name",
                HUB_RESOLVER,
                CLIENT,
                "a.deep.corp.test",
                A,
                false,
                Got::Forward(vec![ONPREM], ServFail),
            ),
            (
                "another resolver answers in-process",
                HUB_RESOLVER,
                CLIENT,
                "app.team.test",
                A,
                false,
                answer(NoError, &["app.team.test. A 10.3.0.8"]),
            ),
            (
                "the default rule answers privately",
                HUB_RESOLVER,
                CLIENT,
                "www.corp.test",
                A,
                false,
                answer(NoError, &["www.corp.test. A 10.10.0.1"]),
            ),
            (
                "the default rule answers VPE names",
                SPOKE_ENDPOINT,
                spoke_client,
                COS,
                A,
                false,
                answer(NoError, &[&format!("{COS}. A 10.1.0.5")]),
            ),
            (
                "public DNS target without an upstream",
                HUB_RESOLVER,
                CLIENT,
                "x.public.test",
                A,
                false,
                answer(Refused, &[]),
            ),
            (
                "public DNS target with an upstream",
                HUB_RESOLVER,
                CLIENT,
                "x.public.test",
                A,
                true,
                Got::Forward(vec![UPSTREAM], ServFail),
            ),
            (
                "a loop between resolvers ends in SERVFAIL",
                HUB_RESOLVER,
                CLIENT,
                "x.loop.test",
                A,
                false,
                answer(ServFail, &[]),
            ),
            (
                "a loop from the default rules ends in SERVFAIL",
                LOOP_A,
                CLIENT,
                "anything.example",
                A,
                true,
                answer(ServFail, &[]),
            ),
        ];
        for (case, at, client, name, kind, upstream, expected) in cases {
            let (got, message) = ask(&views, at, client, name, kind, upstream);
            assert_eq!(got, expected, "{case}");
            if let Got::Answer(code @ (NoError | NXDomain), records) = &got {
                assert!(message.metadata.authoritative, "{case}: authoritative");
                if records.is_empty() {
                    assert!(
                        matches!(message.authorities.first().map(|r| &r.data), Some(RData::SOA(_))),
                        "{case}: {code:?} carries the zone's SOA"
                    );
                }
            }
        }
    }

    #[test]
    fn negative_answers_carry_the_longest_zones_soa() {
        let views = views();
        let (_, message) = ask(&views, HUB_ENDPOINT, CLIENT, "x.sub.corp.test", RecordType::A, false);
        assert_eq!(message.authorities[0].name.to_ascii(), "sub.corp.test.");
        let (_, message) = ask(&views, HUB_RESOLVER, CLIENT, "gone.onprem.test", RecordType::A, false);
        let Some(RData::SOA(soa)) = message.authorities.first().map(|r| &r.data) else { panic!("an SOA") };
        assert_eq!(soa.serial, 42, "a secondary zone's own SOA");
    }
}
