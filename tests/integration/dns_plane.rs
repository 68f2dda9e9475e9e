//! The DNS data plane answers DNS Services zones, forwards and transfers as `docs/dns.md` says, over real UDP and TCP
//! queries (hickory-proto and `dig`) to a data plane serving worlds built here, with loopback servers standing in for
//! on-premises DNS and public DNS; every change is answered within a second.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use hubspoke_dns::fixture::authority::{Authority, record, soa};
use hubspoke_dns::fixture::{self, HUB_ENDPOINT, SPOKE_ENDPOINT};
use hubspoke_dns::{DataPlane, DnsConfig};
use hubspoke_vpc::World;
use hubspoke_vpc::model::RecordData;
use hubspoke_vpc::world::Entity;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, UdpSocket};

/// A data plane on port 0 serving worlds built by the test.
pub struct Plane {
    pub plane: Arc<DataPlane>,
    revision: u64,
}

impl Plane {
    pub async fn start(upstream: Option<SocketAddr>) -> Plane {
        let plane = DataPlane::new(DnsConfig { port: 0, ttl: 30, upstream, udp_workers: 1, rate_limit: 0 });
        Plane { plane, revision: 0 }
    }

    /// Serves a new world made of `entities` (each call a newer revision).
    pub async fn serve(&mut self, entities: Vec<Entity>) {
        self.revision += 1;
        self.plane.apply(&World::from_entities(entities, self.revision)).await;
    }

    pub fn endpoint(&self, address: Ipv4Addr) -> SocketAddr {
        SocketAddr::new(address.into(), self.plane.port_of(address).expect("the address is served"))
    }
}

/// A real query from `from` (a loopback address) over UDP or TCP.
pub async fn ask(endpoint: SocketAddr, from: IpAddr, name: &str, kind: RecordType, tcp: bool) -> Message {
    let mut message = Message::new(0x4242, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(Name::from_ascii(name).unwrap(), kind));
    let bytes = message.to_vec().unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(8), async {
        if tcp {
            let socket = TcpSocket::new_v4().unwrap();
            socket.bind(SocketAddr::new(from, 0)).unwrap();
            let mut stream = socket.connect(endpoint).await.unwrap();
            stream.write_u16(bytes.len() as u16).await.unwrap();
            stream.write_all(&bytes).await.unwrap();
            let length = stream.read_u16().await.unwrap() as usize;
            let mut buffer = vec![0u8; length];
            stream.read_exact(&mut buffer).await.unwrap();
            buffer
        } else {
            let socket = UdpSocket::bind(SocketAddr::new(from, 0)).await.unwrap();
            socket.send_to(&bytes, endpoint).await.unwrap();
            let mut buffer = vec![0u8; 65535];
            let (length, _) = socket.recv_from(&mut buffer).await.unwrap();
            buffer.truncate(length);
            buffer
        }
    })
    .await
    .expect("an answer within 8 s");
    Message::from_vec(&answer).unwrap()
}

/// The answer's records in zone-file spelling.
pub fn spelled(message: &Message) -> Vec<String> {
    message.answers.iter().map(|r| format!("{} {} {}", r.name, r.record_type(), r.data)).collect()
}

/// Asks over UDP and TCP until both give `code` and `records` (in any order), failing after one second.
pub async fn expect(
    endpoint: SocketAddr,
    from: IpAddr,
    name: &str,
    kind: RecordType,
    code: ResponseCode,
    records: &[&str],
) {
    let started = Instant::now();
    let mut want: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    want.sort();
    for tcp in [false, true] {
        loop {
            let answer = ask(endpoint, from, name, kind, tcp).await;
            let mut got = spelled(&answer);
            got.sort();
            if answer.metadata.response_code == code && got == want {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{name} {kind} at {endpoint} from {from} (tcp: {tcp}): {:?} {got:?}, expected {code:?} {want:?}",
                answer.metadata.response_code
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// `dig +short` over UDP and TCP (run without blocking the runtime that serves the data plane).
pub async fn dig(endpoint: SocketAddr, name: &str, kind: &str) -> Vec<String> {
    let mut answers = Vec::new();
    for transport in ["+notcp", "+tcp"] {
        let output = tokio::process::Command::new("dig")
            .args([
                format!("@{}", endpoint.ip()),
                "-p".into(),
                endpoint.port().to_string(),
                name.into(),
                kind.into(),
                "+short".into(),
                transport.into(),
                "+time=2".into(),
                "+tries=1".into(),
            ])
            .output()
            .await
            .expect("dig is installed (scripts/test installs dnsutils)");
        answers.push(String::from_utf8_lossy(&output.stdout).trim().to_owned());
    }
    assert_eq!(answers[0], answers[1], "dig over UDP and TCP agree");
    answers[0].lines().map(str::to_owned).collect()
}

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn corp_zone(networks: &[&str], www: [u8; 4]) -> Vec<Entity> {
    let record = |id: &str, name: &str, data| fixture::resource_record(id, "zone-corp", 1, name, data);
    vec![
        fixture::instance("instance-hub", 1),
        fixture::zone("zone-corp", "instance-hub", 1, "corp.test", networks),
        record("A:www", "www.corp.test", RecordData::A(Ipv4Addr::from(www))),
        record("AAAA:www", "www.corp.test", RecordData::Aaaa("fd00::1".parse().unwrap())),
        record("CNAME:alias", "alias.corp.test", RecordData::Cname("www.corp.test".into())),
        record("MX:apex", "corp.test", RecordData::Mx { exchange: "mail.corp.test".into(), preference: 10 }),
        record(
            "SRV:sip",
            "_sip._udp.corp.test",
            RecordData::Srv {
                service: "_sip".into(),
                protocol: "udp".into(),
                priority: 1,
                weight: 5,
                port: 5060,
                target: "sip.corp.test".into(),
            },
        ),
        record("TXT:apex", "corp.test", RecordData::Txt("hello world".into())),
        fixture::zone("zone-rev", "instance-hub", 1, "10.10.in-addr.arpa", networks),
        fixture::resource_record(
            "PTR:www",
            "zone-rev",
            1,
            "1.0.10.10.in-addr.arpa",
            RecordData::Ptr("www.corp.test".into()),
        ),
    ]
}

fn with(mut base: Vec<Entity>, more: Vec<Entity>) -> Vec<Entity> {
    base.extend(more);
    base
}

#[tokio::test]
async fn private_zone_records_are_answered_and_follow_every_change() {
    let mut plane = Plane::start(None).await;
    // The bound topology, spoke not delegated: each VPC sees the zones permitted to it.
    plane.serve(fixture::entities(true, false)).await;
    let hub = plane.endpoint(HUB_ENDPOINT);
    let spoke = plane.endpoint(SPOKE_ENDPOINT);
    use RecordType::*;
    use ResponseCode::*;
    // Before the zone exists, its names are outside every zone.
    expect(hub, CLIENT, "www.corp.test", A, Refused, &[]).await;

    plane.serve(with(fixture::entities(true, false), corp_zone(&["hub"], [10, 10, 0, 1]))).await;
    expect(hub, CLIENT, "www.corp.test", A, NoError, &["www.corp.test. A 10.10.0.1"]).await;
    expect(hub, CLIENT, "www.corp.test", AAAA, NoError, &["www.corp.test. AAAA fd00::1"]).await;
    expect(
        hub,
        CLIENT,
        "alias.corp.test",
        A,
        NoError,
        &["alias.corp.test. CNAME www.corp.test.", "www.corp.test. A 10.10.0.1"],
    )
    .await;
    expect(hub, CLIENT, "corp.test", MX, NoError, &["corp.test. MX 10 mail.corp.test."]).await;
    expect(hub, CLIENT, "_sip._udp.corp.test", SRV, NoError, &["_sip._udp.corp.test. SRV 1 5 5060 sip.corp.test."])
        .await;
    expect(hub, CLIENT, "corp.test", TXT, NoError, &["corp.test. TXT hello world"]).await;
    expect(hub, CLIENT, "1.0.10.10.in-addr.arpa", PTR, NoError, &["1.0.10.10.in-addr.arpa. PTR www.corp.test."]).await;
    expect(hub, CLIENT, "corp.test", NS, NoError, &["corp.test. NS ns.hubspoke.invalid."]).await;
    expect(hub, CLIENT, "nope.corp.test", A, NXDomain, &[]).await;
    expect(hub, CLIENT, "www.corp.test", TXT, NoError, &[]).await;
    let soa = ask(hub, CLIENT, "corp.test", SOA, false).await;
    assert!(matches!(soa.answers.first().map(|r| &r.data), Some(RData::SOA(_))), "apex SOA answered: {soa:?}");
    assert_eq!(dig(hub, "www.corp.test", "A").await, ["10.10.0.1"]);
    assert_eq!(dig(hub, "corp.test", "MX").await, ["10 mail.corp.test."]);
    // The spoke is not permitted and has not delegated: it does not see the hub's zone.
    expect(spoke, CLIENT, "www.corp.test", A, Refused, &[]).await;

    // A record changes: the answer follows within a second.
    plane.serve(with(fixture::entities(true, false), corp_zone(&["hub"], [10, 10, 0, 2]))).await;
    expect(hub, CLIENT, "www.corp.test", A, NoError, &["www.corp.test. A 10.10.0.2"]).await;
    assert_eq!(dig(hub, "www.corp.test", "A").await, ["10.10.0.2"]);

    // The spoke delegates to the hub: it now resolves the hub's zone.
    plane.serve(with(fixture::entities(true, true), corp_zone(&["hub"], [10, 10, 0, 2]))).await;
    expect(spoke, CLIENT, "www.corp.test", A, NoError, &["www.corp.test. A 10.10.0.2"]).await;

    // A zone permitted only to the delegated spoke is not answered through the hub.
    plane.serve(with(fixture::entities(true, true), corp_zone(&["spoke"], [10, 10, 0, 2]))).await;
    expect(spoke, CLIENT, "www.corp.test", A, Refused, &[]).await;
    // Not delegated, the spoke answers it from its own resolver.
    plane.serve(with(fixture::entities(true, false), corp_zone(&["spoke"], [10, 10, 0, 2]))).await;
    expect(spoke, CLIENT, "www.corp.test", A, NoError, &["www.corp.test. A 10.10.0.2"]).await;

    // No permitted network left: the zone is not active and no longer answered.
    plane.serve(with(fixture::entities(true, false), corp_zone(&[], [10, 10, 0, 2]))).await;
    expect(spoke, CLIENT, "www.corp.test", A, Refused, &[]).await;
}

#[tokio::test]
async fn the_longest_zone_alone_is_searched() {
    let mut plane = Plane::start(None).await;
    let mut entities = with(fixture::entities(false, false), corp_zone(&["hub"], [10, 10, 0, 1]));
    entities.push(fixture::zone("zone-sub", "instance-hub", 1, "sub.corp.test", &["hub"]));
    entities.push(fixture::resource_record(
        "A:deep",
        "zone-corp",
        1,
        "x.sub.corp.test",
        RecordData::A([10, 0, 0, 9].into()),
    ));
    entities.push(fixture::resource_record(
        "A:sub",
        "zone-sub",
        1,
        "y.sub.corp.test",
        RecordData::A([10, 0, 0, 8].into()),
    ));
    plane.serve(entities).await;
    let hub = plane.endpoint(HUB_ENDPOINT);
    expect(hub, CLIENT, "y.sub.corp.test", RecordType::A, ResponseCode::NoError, &["y.sub.corp.test. A 10.0.0.8"])
        .await;
    // `x.sub.corp.test` is a record of the shorter zone: the longer one is searched, and it has no such name.
    expect(hub, CLIENT, "x.sub.corp.test", RecordType::A, ResponseCode::NXDomain, &[]).await;
    let answer = ask(hub, CLIENT, "x.sub.corp.test", RecordType::A, false).await;
    assert_eq!(answer.authorities[0].name.to_ascii(), "sub.corp.test.", "the longer zone's SOA");
}

#[tokio::test]
async fn names_outside_every_zone_go_to_public_dns_and_parents_of_service_domains_are_not_ours() {
    let public = Authority::start(CLIENT, "public.test", vec![soa("public.test", 1, 60)]).await;
    public.answer_everything_with(Ipv4Addr::new(192, 0, 2, 7));
    let mut plane = Plane::start(Some(public.address)).await;
    plane.serve(with(fixture::entities(true, false), corp_zone(&["hub"], [10, 10, 0, 1]))).await;
    let hub = plane.endpoint(HUB_ENDPOINT);
    use ResponseCode::*;
    for name in ["ibm.com", "cloud", "www.example.org", "unknown.appdomain.cloud"] {
        expect(hub, CLIENT, name, RecordType::A, NoError, &[&format!("{name}. A 192.0.2.7")]).await;
    }
    // Over TCP the relay is over TCP too (`expect` asks both ways).
    let before = public.queries();
    let answer = ask(hub, CLIENT, "www.example.org", RecordType::A, true).await;
    assert_eq!(spelled(&answer), ["www.example.org. A 192.0.2.7"]);
    assert!(public.queries() > before);
    // Inside a zone nothing is forwarded: NXDOMAIN with the zone's SOA.
    expect(hub, CLIENT, "nope.corp.test", RecordType::A, NXDomain, &[]).await;
    // Apex SOA of a VPE service domain is answered, not forwarded.
    let answer = ask(hub, CLIENT, "appdomain.cloud", RecordType::SOA, false).await;
    assert!(matches!(answer.answers.first().map(|r| &r.data), Some(RData::SOA(_))), "{answer:?}");

    // Without an upstream, the parents of the service domains are refused rather than answered as ours.
    let mut plane = Plane::start(None).await;
    plane.serve(fixture::entities(true, false)).await;
    let hub = plane.endpoint(HUB_ENDPOINT);
    for (name, kind) in [("ibm.com", RecordType::A), ("cloud", RecordType::A), ("com", RecordType::NS)] {
        let answer = ask(hub, CLIENT, name, kind, false).await;
        assert_eq!(answer.metadata.response_code, Refused, "{name} {kind}");
        assert!(!answer.metadata.authoritative, "{name} is not ours");
    }
}

const HUB_RESOLVER: [u8; 4] = [10, 1, 9, 53];
const SPOKE_RESOLVER: [u8; 4] = [10, 2, 9, 53];
const SITE_A: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const SITE_B: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));

/// The bound topology with the spoke delegated and the hub's custom resolver (default rule to the private resolvers),
/// plus `more`.
fn hub_with_resolver(more: Vec<Entity>) -> Vec<Entity> {
    let mut entities = fixture::entities(true, true);
    entities.extend(fixture::resolver("hub-resolver", "hub", 1, HUB_RESOLVER));
    entities.push(fixture::rule("rule-default", "hub-resolver", 1, "*", &["161.26.0.7", "161.26.0.8"], &[]));
    entities.extend(more);
    entities
}

/// An address on loopback where nothing answers (a port just released).
async fn dead_target() -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    socket.local_addr().unwrap()
}

fn a(address: [u8; 4]) -> RData {
    RData::A(hickory_proto::rr::rdata::A(Ipv4Addr::from(address)))
}

#[tokio::test]
async fn forwarding_rules_relay_to_their_targets_in_order_and_views_select_by_client_address() {
    let onprem = Authority::start(
        CLIENT,
        "onprem.test",
        vec![soa("onprem.test", 1, 60), record("www.onprem.test", 60, a([172, 16, 0, 1]))],
    )
    .await;
    let site_b = Authority::start(
        CLIENT,
        "onprem.test",
        vec![soa("onprem.test", 1, 60), record("www.onprem.test", 60, a([172, 16, 0, 2]))],
    )
    .await;
    let dead = dead_target().await.to_string();
    let (onprem_at, site_b_at) = (onprem.address.to_string(), site_b.address.to_string());
    let mut plane = Plane::start(None).await;
    use RecordType::A;
    use ResponseCode::*;
    plane.serve(hub_with_resolver(Vec::new())).await;
    let spoke = plane.endpoint(SPOKE_ENDPOINT);
    // Before any rule the default rule answers privately: the VPE names, nothing of the on-premises zone.
    let cos = format!("{}.", fixture::COS);
    expect(spoke, SITE_A, fixture::COS, A, NoError, &[&format!("{cos} A 10.1.0.5")]).await;
    expect(spoke, SITE_A, "www.onprem.test", A, Refused, &[]).await;

    // A rule forwarding the zone: the first target is dead, the second answers, over UDP and TCP.
    let rule = |views: &[(&str, &str, &[&str])]| {
        fixture::rule("rule-onprem", "hub-resolver", 1, "onprem.test", &[&dead, &onprem_at], views)
    };
    plane.serve(hub_with_resolver(vec![rule(&[])])).await;
    expect(spoke, SITE_A, "www.onprem.test", A, NoError, &["www.onprem.test. A 172.16.0.1"]).await;
    expect(spoke, SITE_B, "www.onprem.test", A, NoError, &["www.onprem.test. A 172.16.0.1"]).await;
    assert!(onprem.queries() >= 4, "asked over UDP and TCP: {}", onprem.queries());
    assert_eq!(dig(spoke, "www.onprem.test", "A").await, ["172.16.0.1"]);

    // A view for one client address sends that client's queries elsewhere.
    let expression = format!("source.ip == '{SITE_B}'");
    let targets = [site_b_at.as_str()];
    plane.serve(hub_with_resolver(vec![rule(&[("site-b", &expression, &targets)])])).await;
    expect(spoke, SITE_B, "www.onprem.test", A, NoError, &["www.onprem.test. A 172.16.0.2"]).await;
    expect(spoke, SITE_A, "www.onprem.test", A, NoError, &["www.onprem.test. A 172.16.0.1"]).await;
    let expression = format!("ipInRange(source.ip, '{SITE_A}/32') || ipInRange(source.ip, '{SITE_B}/32')");
    plane.serve(hub_with_resolver(vec![rule(&[("both", &expression, &targets)])])).await;
    expect(spoke, SITE_A, "www.onprem.test", A, NoError, &["www.onprem.test. A 172.16.0.2"]).await;

    // An upstream that truncates over UDP is asked again over TCP for a UDP client.
    plane.serve(hub_with_resolver(vec![rule(&[])])).await;
    onprem.truncate_udp(true);
    let answer = ask(spoke, SITE_A, "www.onprem.test", A, false).await;
    assert_eq!(spelled(&answer), ["www.onprem.test. A 172.16.0.1"], "relayed over TCP after TC");

    // Every target silent: SERVFAIL.
    plane
        .serve(hub_with_resolver(vec![fixture::rule("rule-onprem", "hub-resolver", 1, "onprem.test", &[&dead], &[])]))
        .await;
    expect(spoke, SITE_A, "www.onprem.test", A, ServFail, &[]).await;

    // The rule deleted: back to the default rule.
    plane.serve(hub_with_resolver(Vec::new())).await;
    expect(spoke, SITE_A, "www.onprem.test", A, Refused, &[]).await;

    // `lookup` says which rule and view sent the query where.
    plane.serve(hub_with_resolver(vec![rule(&[("site-b", &format!("source.ip == '{SITE_B}'"), &targets)])])).await;
    let settings = plane.plane.settings();
    let views = plane.plane.views();
    let lookup = hubspoke_dns::lookup::lookup(&views, SPOKE_ENDPOINT, Some(SITE_B), "www.onprem.test", A, settings);
    use hubspoke_dns::lookup::Hop;
    assert!(
        lookup.hops.iter().any(|hop| matches!(hop, Hop::Resolver { id, .. } if id == "hub-resolver")),
        "{:?}",
        lookup.hops
    );
    assert!(
        lookup.hops.iter().any(
            |hop| matches!(hop, Hop::Rule { id, view: Some(view), .. } if id == "rule-onprem" && view == "site-b")
        ),
        "{:?}",
        lookup.hops
    );
    assert!(lookup.hops.contains(&Hop::Remote { to: vec![site_b.address] }), "{:?}", lookup.hops);
}

#[tokio::test]
async fn secondary_zones_answer_from_a_real_zone_transfer() {
    let primary = Authority::start(
        CLIENT,
        "branch.test",
        vec![
            soa("branch.test", 1, 3600),
            record("host.branch.test", 60, a([10, 50, 0, 1])),
            record("mail.branch.test", 60, a([10, 50, 0, 25])),
        ],
    )
    .await;
    let updated = Authority::start(
        CLIENT,
        "branch.test",
        vec![soa("branch.test", 2, 3600), record("host.branch.test", 60, a([10, 50, 0, 2]))],
    )
    .await;
    let dead = dead_target().await.to_string();
    let (primary_at, updated_at) = (primary.address.to_string(), updated.address.to_string());
    let zone = |enabled: bool, from: &[&str]| {
        fixture::secondary_zone("sz-branch", "hub-resolver", 1, "branch.test", enabled, from)
    };
    let mut plane = Plane::start(None).await;
    plane.serve(hub_with_resolver(Vec::new())).await;
    let spoke = plane.endpoint(SPOKE_ENDPOINT);
    use RecordType::A;
    use ResponseCode::*;
    expect(spoke, SITE_A, "host.branch.test", A, Refused, &[]).await;

    // Created enabled: transferred at once, answered from the copy (NXDOMAIN for names it does not hold).
    plane.serve(hub_with_resolver(vec![zone(true, &[&primary_at])])).await;
    expect(spoke, SITE_A, "host.branch.test", A, NoError, &["host.branch.test. A 10.50.0.1"]).await;
    expect(spoke, SITE_A, "mail.branch.test", A, NoError, &["mail.branch.test. A 10.50.0.25"]).await;
    expect(spoke, SITE_A, "nope.branch.test", A, NXDomain, &[]).await;
    assert_eq!(primary.transfers(), 1);
    assert_eq!(dig(spoke, "host.branch.test", "A").await, ["10.50.0.1"]);
    let soa = ask(spoke, SITE_A, "branch.test", RecordType::SOA, false).await;
    assert!(matches!(soa.answers.first().map(|r| &r.data), Some(RData::SOA(s)) if s.serial == 1), "{soa:?}");
    // The primary going away changes nothing: the copy is local.
    drop(primary);
    expect(spoke, SITE_A, "host.branch.test", A, NoError, &["host.branch.test. A 10.50.0.1"]).await;

    // `transfer_from` changes: transferred again from the new primary.
    plane.serve(hub_with_resolver(vec![zone(true, &[&dead, &updated_at])])).await;
    expect(spoke, SITE_A, "host.branch.test", A, NoError, &["host.branch.test. A 10.50.0.2"]).await;
    expect(spoke, SITE_A, "mail.branch.test", A, NXDomain, &[]).await;

    // A failed transfer keeps the copy and is reported.
    plane.serve(hub_with_resolver(vec![zone(true, &[&dead])])).await;
    let started = Instant::now();
    while plane.plane.secondaries().iter().all(|(_, copy)| copy.error.is_none()) {
        assert!(started.elapsed() < Duration::from_secs(5), "the failed transfer is reported");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    expect(spoke, SITE_A, "host.branch.test", A, NoError, &["host.branch.test. A 10.50.0.2"]).await;
    let views = plane.plane.views();
    let lookup =
        hubspoke_dns::lookup::lookup(&views, SPOKE_ENDPOINT, None, "host.branch.test", A, plane.plane.settings());
    use hubspoke_dns::lookup::Hop;
    assert!(
        lookup
            .hops
            .iter()
            .any(|hop| matches!(hop, Hop::Secondary { id, serial: Some(2), error: Some(_), .. } if id == "sz-branch")),
        "{:?}",
        lookup.hops
    );

    // Disabled: the rules apply again (the default rule: outside every zone).
    plane.serve(hub_with_resolver(vec![zone(false, &[&updated_at])])).await;
    expect(spoke, SITE_A, "host.branch.test", A, Refused, &[]).await;

    // Never transferred (its only primary is dead): SERVFAIL.
    plane
        .serve(hub_with_resolver(vec![fixture::secondary_zone(
            "sz-other",
            "hub-resolver",
            1,
            "other.test",
            true,
            &[&dead],
        )]))
        .await;
    expect(spoke, SITE_A, "host.other.test", A, ServFail, &[]).await;
}

#[tokio::test]
async fn resolvers_forward_to_each_other_in_process_and_loops_end_in_servfail() {
    let mut plane = Plane::start(None).await;
    let spoke_resolver = |default: &str| {
        let mut entities = fixture::resolver("spoke-resolver", "spoke", 2, SPOKE_RESOLVER);
        entities.push(fixture::rule("rule-spoke-default", "spoke-resolver", 2, "*", &[default], &[]));
        entities
    };
    // The spoke's zone is permitted to the spoke only; the hub's resolver forwards it to the spoke's resolver.
    let team = vec![
        fixture::instance("instance-spoke", 2),
        fixture::zone("zone-team", "instance-spoke", 2, "team.test", &["spoke"]),
        fixture::resource_record("A:app", "zone-team", 2, "app.team.test", RecordData::A([10, 2, 5, 5].into())),
    ];
    let mut entities = hub_with_resolver(team.clone());
    entities.extend(spoke_resolver("161.26.0.7"));
    entities.push(fixture::rule("rule-team", "hub-resolver", 1, "team.test", &["10.2.9.53"], &[]));
    plane.serve(entities).await;
    let spoke = plane.endpoint(SPOKE_ENDPOINT);
    expect(spoke, SITE_A, "app.team.test", RecordType::A, ResponseCode::NoError, &["app.team.test. A 10.2.5.5"]).await;

    // The spoke's resolver forwards everything back to the hub's: a loop, answered SERVFAIL.
    let mut entities = hub_with_resolver(team);
    entities.extend(spoke_resolver("10.1.9.53"));
    entities.push(fixture::rule("rule-team", "hub-resolver", 1, "team.test", &["10.2.9.53"], &[]));
    plane.serve(entities).await;
    expect(spoke, SITE_A, "app.team.test", RecordType::A, ResponseCode::ServFail, &[]).await;
    // Names the hub answers itself are unaffected.
    let cos = format!("{}. A 10.1.0.5", fixture::COS);
    expect(spoke, SITE_A, fixture::COS, RecordType::A, ResponseCode::NoError, &[&cos]).await;
}
