//! The DNS data plane answers real UDP and TCP queries at each VPC's `dns_endpoint` as `docs/dns.md` says, and follows every
//! topology change within a second.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use crate::support::Server;
use crate::vpc_rules::{KMS, Net};

const NTP_NAME: &str = "time.adn.networklayer.com";
pub const COS_NAME: &str = "s3.direct.us-south.cloud-object-storage.appdomain.cloud";
const KMS_NAME: &str = "private.us-south.kms.cloud.ibm.com";

/// A real DNS query, over UDP or TCP, built and parsed with hickory-proto.
pub async fn resolve(endpoint: SocketAddr, name: &str, kind: RecordType, tcp: bool) -> Message {
    let mut message = Message::new(rand_id(), MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(Name::from_ascii(name).unwrap(), kind));
    let bytes = message.to_vec().unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(5), async {
        if tcp {
            let mut stream = TcpStream::connect(endpoint).await.unwrap();
            stream.write_u16(bytes.len() as u16).await.unwrap();
            stream.write_all(&bytes).await.unwrap();
            let length = stream.read_u16().await.unwrap() as usize;
            let mut buffer = vec![0u8; length];
            stream.read_exact(&mut buffer).await.unwrap();
            buffer
        } else {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            socket.send_to(&bytes, endpoint).await.unwrap();
            let mut buffer = vec![0u8; 4096];
            let (length, from) = socket.recv_from(&mut buffer).await.unwrap();
            assert_eq!(from, endpoint, "the answer comes from the endpoint address");
            buffer.truncate(length);
            buffer
        }
    })
    .await
    .expect("an answer within 5 s");
    let answer = Message::from_vec(&answer).unwrap();
    assert_eq!(answer.metadata.id, message.metadata.id);
    answer
}

fn rand_id() -> u16 {
    (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() & 0xffff) as u16
}

pub fn addresses(message: &Message) -> Vec<String> {
    message
        .answers
        .iter()
        .filter_map(|r| if let RData::A(a) = &r.data { Some(a.0.to_string()) } else { None })
        .collect()
}

impl Net<'_> {
    pub async fn endpoint(&self, who: &crate::support::Account, vpc: &Value) -> SocketAddr {
        let (status, body) = self
            .server
            .call(
                Method::GET,
                &format!("/_hubspoke/vpcs/{}/dns_endpoint", vpc["id"].as_str().unwrap()),
                Some(&who.token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        SocketAddr::new(body["address"].as_str().unwrap().parse().unwrap(), body["port"].as_u64().unwrap() as u16)
    }
}

/// Asks until the expected answer comes (the data plane follows the API asynchronously) and fails after one second.
pub async fn expect(endpoint: SocketAddr, name: &str, code: ResponseCode, expected: &[&str], case: &str) {
    let started = Instant::now();
    loop {
        let answer = resolve(endpoint, name, RecordType::A, false).await;
        let got = addresses(&answer);
        if answer.metadata.response_code == code && got == expected {
            if code == ResponseCode::NXDomain {
                assert!(
                    matches!(answer.authorities.first().map(|r| &r.data), Some(RData::SOA(_))),
                    "{case}: SOA with NXDOMAIN"
                );
            }
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{case}: {name} at {endpoint} answered {:?} {got:?}, expected {code:?} {expected:?}",
            answer.metadata.response_code
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn ip_of(gateway: &Value) -> String {
    gateway["ips"][0]["address"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_case_of_the_resolution_model_follows_the_topology() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, spoke) = net.two_accounts().await;
    let hub_at = net.endpoint(&net.hub, &hub).await;
    let spoke_at = net.endpoint(&net.spoke, &spoke).await;
    let gateways = net.ok(&net.hub, Method::GET, "/v1/endpoint_gateways", None).await;
    let cos_ip = ip_of(&gateways["endpoint_gateways"][0]);
    let (_, kms) = net.gateway(&net.spoke, &spoke, KMS, "primary").await;
    let kms_ip = ip_of(&kms);
    let ntp_body = json!({ "target": { "name": "ibm-ntp-server", "resource_type": "provider_infrastructure_service" }, "vpc": { "id": spoke["id"] }, "dns_resolution_binding_mode": "disabled" });
    let ntp = net.ok(&net.spoke, Method::POST, "/v1/endpoint_gateways", Some(ntp_body)).await;
    let ntp_id = ntp["id"].as_str().unwrap().to_owned();
    let subnets =
        net.ok(&net.spoke, Method::GET, &format!("/v1/subnets?vpc.id={}", spoke["id"].as_str().unwrap()), None).await;
    let bound_ip = net
        .ok(
            &net.spoke,
            Method::PUT,
            &format!("/v1/endpoint_gateways/{ntp_id}/ips/{}", {
                let ip = net
                    .ok(
                        &net.spoke,
                        Method::POST,
                        &format!("/v1/subnets/{}/reserved_ips", subnets["subnets"][0]["id"].as_str().unwrap()),
                        Some(json!({})),
                    )
                    .await;
                ip["id"].as_str().unwrap().to_owned()
            }),
            None,
        )
        .await;
    let ntp_ip = bound_ip["address"].as_str().unwrap().to_owned();
    let (ok, nx) = (ResponseCode::NoError, ResponseCode::NXDomain);

    // Standalone: each VPC sees only its own gateways, in any mode.
    expect(hub_at, COS_NAME, ok, &[&cos_ip], "hub, own gateway").await;
    expect(hub_at, KMS_NAME, nx, &[], "unbound hub, spoke's gateway").await;
    expect(spoke_at, KMS_NAME, ok, &[&kms_ip], "spoke, own primary").await;
    expect(spoke_at, NTP_NAME, ok, &[&ntp_ip], "spoke, own disabled").await;
    expect(spoke_at, COS_NAME, nx, &[], "unbound spoke, hub's gateway").await;

    // Bound: the hub sees the spoke's shared gateways; the spoke, not delegated, still sees only its own.
    net.grant(None, &hub).await;
    let (status, binding) = net.bind(&net.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::CREATED, "{binding}");
    expect(hub_at, KMS_NAME, ok, &[&kms_ip], "hub, bound spoke's primary").await;
    expect(hub_at, NTP_NAME, nx, &[], "hub, bound spoke's disabled").await;
    expect(spoke_at, COS_NAME, nx, &[], "bound spoke without delegation, hub's gateway").await;
    expect(spoke_at, NTP_NAME, ok, &[&ntp_ip], "bound spoke without delegation, own disabled").await;

    // Delegated: the spoke sees the hub's view, and no longer its own disabled gateway.
    let (status, body) = net.delegate(&net.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    expect(spoke_at, COS_NAME, ok, &[&cos_ip], "delegated spoke resolves the hub's COS gateway").await;
    expect(spoke_at, KMS_NAME, ok, &[&kms_ip], "delegated spoke, own primary through the hub").await;
    expect(spoke_at, NTP_NAME, nx, &[], "delegated spoke, own disabled").await;

    // A mode change reaches the hub and the delegated spoke.
    net.ok(
        &net.spoke,
        Method::PATCH,
        &format!("/v1/endpoint_gateways/{ntp_id}"),
        Some(json!({ "dns_resolution_binding_mode": "primary" })),
    )
    .await;
    expect(hub_at, NTP_NAME, ok, &[&ntp_ip], "hub after mode change").await;
    expect(spoke_at, NTP_NAME, ok, &[&ntp_ip], "delegated spoke after mode change").await;

    // Unbinding the gateway's IP leaves the name with no address (NODATA); binding it again brings it back.
    let ip_id = bound_ip["id"].as_str().unwrap();
    net.ok(&net.spoke, Method::DELETE, &format!("/v1/endpoint_gateways/{ntp_id}/ips/{ip_id}"), None).await;
    expect(hub_at, NTP_NAME, ok, &[], "hub after IP unbind").await;
    net.ok(&net.spoke, Method::PUT, &format!("/v1/endpoint_gateways/{ntp_id}/ips/{ip_id}"), None).await;
    expect(hub_at, NTP_NAME, ok, &[&ntp_ip], "hub after IP bind").await;

    // Deleting a gateway removes its name.
    net.ok(&net.spoke, Method::DELETE, &format!("/v1/endpoint_gateways/{}", kms["id"].as_str().unwrap()), None).await;
    expect(hub_at, KMS_NAME, nx, &[], "hub after gateway delete").await;
    expect(spoke_at, KMS_NAME, nx, &[], "delegated spoke after gateway delete").await;

    // Back to system, then unbound: the spoke sees its own again, the hub no longer sees the spoke.
    net.ok(
        &net.spoke,
        Method::PATCH,
        &format!("/v1/vpcs/{}", spoke["id"].as_str().unwrap()),
        Some(json!({ "dns": { "resolver": { "type": "system", "vpc": null } } })),
    )
    .await;
    expect(spoke_at, COS_NAME, nx, &[], "spoke back on system").await;
    expect(spoke_at, NTP_NAME, ok, &[&ntp_ip], "spoke back on system, own gateway").await;
    net.ok(
        &net.spoke,
        Method::DELETE,
        &format!(
            "/v1/vpcs/{}/dns_resolution_bindings/{}",
            spoke["id"].as_str().unwrap(),
            binding["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    expect(hub_at, NTP_NAME, nx, &[], "hub after the binding is deleted").await;

    // Other names: outside the service domains REFUSED, other types NODATA with an SOA, over TCP too.
    let refused = resolve(spoke_at, "example.com", RecordType::A, false).await;
    assert_eq!(refused.metadata.response_code, ResponseCode::Refused);
    assert!(!refused.metadata.recursion_available);
    let nodata = resolve(hub_at, COS_NAME, RecordType::AAAA, true).await;
    assert_eq!((nodata.metadata.response_code, nodata.answers.len()), (ResponseCode::NoError, 0));
    assert!(matches!(nodata.authorities.first().map(|r| &r.data), Some(RData::SOA(_))));
    let over_tcp = resolve(hub_at, &COS_NAME.to_uppercase(), RecordType::A, true).await;
    assert_eq!(addresses(&over_tcp), vec![cos_ip.clone()], "case-insensitive over TCP");
}

/// RFC 7766 pipelining: queries sent back to back in one segment on one connection are all answered, in order, each
/// in its own length-prefixed message.
#[tokio::test]
async fn pipelined_tcp_queries_are_each_answered_in_order() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, _) = net.two_accounts().await;
    let hub_at = net.endpoint(&net.hub, &hub).await;
    let names = [COS_NAME, KMS_NAME, COS_NAME, "missing.appdomain.cloud"];
    let mut batch = Vec::new();
    for (n, name) in names.iter().enumerate() {
        let mut message = Message::new(0x4000 + n as u16, MessageType::Query, OpCode::Query);
        message.add_query(Query::query(Name::from_ascii(name).unwrap(), RecordType::A));
        let bytes = message.to_vec().unwrap();
        batch.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
        batch.extend_from_slice(&bytes);
    }
    let mut stream = TcpStream::connect(hub_at).await.unwrap();
    stream.write_all(&batch).await.unwrap();
    let mut codes = Vec::new();
    for n in 0..names.len() {
        let length = tokio::time::timeout(Duration::from_secs(5), stream.read_u16()).await.unwrap().unwrap();
        let mut buffer = vec![0u8; length as usize];
        stream.read_exact(&mut buffer).await.unwrap();
        let answer = Message::from_vec(&buffer).unwrap();
        assert_eq!(answer.metadata.id, 0x4000 + n as u16, "answers come in the order asked");
        codes.push(answer.metadata.response_code);
    }
    let (ok, nx) = (ResponseCode::NoError, ResponseCode::NXDomain);
    assert_eq!(codes, [ok, nx, ok, nx], "the unbound hub knows only its own COS gateway");
}

#[tokio::test]
async fn the_hub_custom_resolver_serves_the_hub_view_through_a_manual_resolver() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, spoke, ..) = net.bound().await;
    let hub_vpc = net.ok(&net.hub, Method::GET, &format!("/v1/vpcs/{}", hub["id"].as_str().unwrap()), None).await;
    let servers = hub_vpc["dns"]["resolver"]["servers"].clone();
    // S8: the spoke points a manual resolver at the hub's custom resolver addresses.
    let path = format!("/v1/vpcs/{}?version=2026-10-06", spoke["id"].as_str().unwrap());
    let etag = server.request(Method::GET, &path, Some(&net.spoke.token), None, &[]).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = json!({ "dns": { "resolver": { "type": "manual", "manual_servers": servers } } });
    let response =
        server.request(Method::PATCH, &path, Some(&net.spoke.token), Some(body), &[("If-Match", &etag)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let spoke_at = net.endpoint(&net.spoke, &spoke).await;
    let gateways = net.ok(&net.hub, Method::GET, "/v1/endpoint_gateways", None).await;
    expect(
        spoke_at,
        COS_NAME,
        ResponseCode::NoError,
        &[&ip_of(&gateways["endpoint_gateways"][0])],
        "manual resolver on the hub's custom resolver",
    )
    .await;
}

#[tokio::test]
async fn dig_resolves_the_seed_spoke_after_delegation_and_the_cli_explains_it() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, spoke, ..) = net.bound().await;
    net.delegate(&net.spoke, &spoke, &hub).await;
    let spoke_at = net.endpoint(&net.spoke, &spoke).await;
    let gateways = net.ok(&net.hub, Method::GET, "/v1/endpoint_gateways", None).await;
    let cos_ip = ip_of(&gateways["endpoint_gateways"][0]);
    expect(spoke_at, COS_NAME, ResponseCode::NoError, &[&cos_ip], "delegated").await;
    for transport in ["+notcp", "+tcp"] {
        let output = std::process::Command::new("dig")
            .args([
                format!("@{}", spoke_at.ip()),
                "-p".into(),
                spoke_at.port().to_string(),
                COS_NAME.into(),
                "A".into(),
                "+short".into(),
                transport.into(),
                "+time=2".into(),
                "+tries=1".into(),
            ])
            .output()
            .expect("dig is installed (scripts/test installs dnsutils)");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            cos_ip,
            "dig {transport}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    // `hubspoke dns lookup` says what the spoke sees and why.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hubspoke"))
        .args([
            "dns",
            "lookup",
            COS_NAME,
            "--vpc",
            spoke["id"].as_str().unwrap(),
            "--endpoint",
            &server.base,
            "--apikey",
            &net.spoke.api_key,
        ])
        .env("HUBSPOKE_CONFIG_DIR", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text} {}", String::from_utf8_lossy(&output.stderr));
    for needle in
        [cos_ip.as_str(), "delegates its resolver to the hub", hub["id"].as_str().unwrap(), "endpoint gateway"]
    {
        assert!(text.contains(needle), "`{needle}` in {text}");
    }
}

#[tokio::test]
async fn unknown_names_are_forwarded_only_when_an_upstream_is_set() {
    // A tiny upstream on loopback (UDP and TCP) that answers every A query with 192.0.2.7.
    let upstream = hubspoke_dns::fixture::authority::Authority::start(
        Ipv4Addr::LOCALHOST.into(),
        "upstream.test",
        vec![hubspoke_dns::fixture::authority::soa("upstream.test", 1, 60)],
    )
    .await;
    upstream.answer_everything_with(Ipv4Addr::new(192, 0, 2, 7));
    let upstream_at = upstream.address;
    let server = Server::start(&["--ephemeral", "--dns-upstream", &upstream_at.to_string()], None).await;
    let net = Net::new(&server).await;
    let vpc = net.vpc(&net.spoke, "plain", false).await;
    let at = net.endpoint(&net.spoke, &vpc).await;
    for name in ["example.com", "unknown.appdomain.cloud"] {
        let answer = resolve(at, name, RecordType::A, false).await;
        assert_eq!(addresses(&answer), vec!["192.0.2.7".to_owned()], "{name} is forwarded");
    }
    let answer = resolve(at, "example.com", RecordType::A, true).await;
    assert_eq!(addresses(&answer), vec!["192.0.2.7".to_owned()], "forwarded for TCP clients too (over TCP)");
}

/// Sends `count` UDP queries from one socket as fast as it can and counts the replies that arrive until the endpoint
/// has been silent for half a second. Returns (replies, seconds from the first query to the last reply).
async fn burst(endpoint: SocketAddr, count: u16) -> (usize, f64) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let started = Instant::now();
    for id in 0..count {
        let mut message = Message::new(id, MessageType::Query, OpCode::Query);
        message.add_query(Query::query(Name::from_ascii(COS_NAME).unwrap(), RecordType::A));
        socket.send_to(&message.to_vec().unwrap(), endpoint).await.unwrap();
    }
    let mut replies = 0;
    let mut buffer = vec![0u8; 4096];
    while tokio::time::timeout(Duration::from_millis(500), socket.recv_from(&mut buffer)).await.is_ok() {
        replies += 1;
    }
    (replies, started.elapsed().as_secs_f64())
}

#[tokio::test]
async fn the_optional_per_client_rate_limit_drops_udp_floods_but_not_tcp() {
    for (limit, queries) in [(Some(5u32), 200u16), (None, 200)] {
        let limit_text = limit.map(|limit| limit.to_string());
        let mut flags = vec!["--ephemeral"];
        if let Some(text) = &limit_text {
            flags.extend(["--dns-rate-limit", text.as_str()]);
        }
        let server = Server::start(&flags, None).await;
        let net = Net::new(&server).await;
        let vpc = net.vpc(&net.hub, "flooded", false).await;
        let endpoint = net.endpoint(&net.hub, &vpc).await;
        let (replies, seconds) = burst(endpoint, queries).await;
        match limit {
            Some(rate) => {
                // A full allowance at once, then `rate` more per second of the burst (plus one for rounding).
                let allowed = (f64::from(rate) * (1.0 + seconds)).ceil() as usize + 1;
                assert!(
                    (1..=allowed).contains(&replies),
                    "{replies} of {queries} answered in {seconds:.2} s at {rate}/s"
                );
                // TCP is not limited: its handshake proves the client's address.
                for _ in 0..20 {
                    let answer = resolve(endpoint, COS_NAME, RecordType::A, true).await;
                    assert_eq!(answer.metadata.response_code, ResponseCode::NXDomain);
                }
                let metrics = server.client.get(server.url("/metrics")).send().await.unwrap().text().await.unwrap();
                assert!(metrics.contains("hubspoke_dns_rate_limited_total"), "the drops are counted");
            }
            None => assert_eq!(replies, usize::from(queries), "without a limit every query is answered"),
        }
    }
}

/// With `--propagation-delay`, a new endpoint gateway is answered only once it is `stable`, over DNS and in the
/// explained lookup alike, and then without any further change to the world.
#[tokio::test]
async fn a_pending_gateway_is_answered_once_it_is_stable() {
    const DELAY_MS: u64 = 1500;
    let server = Server::start(&["--ephemeral", "--propagation-delay", &format!("{DELAY_MS}ms")], None).await;
    let net = Net::new(&server).await;
    let vpc = net.vpc(&net.hub, "solo", false).await;
    net.subnet(&net.hub, vpc["id"].as_str().unwrap(), "us-south-1").await;
    let endpoint = net.endpoint(&net.hub, &vpc).await;
    let name = "private.us-south.kms.cloud.ibm.com";
    let created = Instant::now();
    let (status, gateway) = net.gateway(&net.hub, &vpc, KMS, "disabled").await;
    assert_eq!(status, StatusCode::CREATED, "{gateway}");
    assert_eq!(gateway["lifecycle_state"], "pending", "{gateway}");

    let lookup = format!("/_hubspoke/vpcs/{}/dns_lookup?name={name}", vpc["id"].as_str().unwrap());
    let answered = net.ok(&net.hub, Method::GET, &lookup, None).await;
    assert_eq!(answered["answers"], json!([]), "pending, so not answered yet: {answered}");
    let early = resolve(endpoint, name, RecordType::A, false).await;
    if created.elapsed() < Duration::from_millis(DELAY_MS) {
        assert!(addresses(&early).is_empty(), "answered while pending: {early:?}");
    }

    // Stable after the delay: answered with no further write.
    let address = ip_of(&gateway);
    let deadline = Instant::now() + Duration::from_millis(DELAY_MS + 5000);
    loop {
        let answer = resolve(endpoint, name, RecordType::A, false).await;
        if addresses(&answer) == [address.clone()] {
            break;
        }
        assert!(Instant::now() < deadline, "still not answered {:?} after creation", created.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(created.elapsed() >= Duration::from_millis(DELAY_MS), "answered before the delay passed");
    let answered = net.ok(&net.hub, Method::GET, &lookup, None).await;
    assert_eq!(answered["answers"][0]["address"], address.as_str(), "{answered}");
}

/// Two servers on one `--dns-port`: the second cannot serve its VPC's endpoint, and says so in the endpoint lookup,
/// readiness and health instead of pointing clients at the first server's answers; once the port is free it serves.
#[tokio::test]
async fn a_dns_endpoint_that_cannot_be_bound_is_reported_not_hidden() {
    let port = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let first = Server::start(&["--ephemeral", "--dns-port", &port], None).await;
    let first_net = Net::new(&first).await;
    let first_vpc = first_net.vpc(&first_net.hub, "first", false).await;
    first_net.endpoint(&first_net.hub, &first_vpc).await;

    let second = Server::start(&["--ephemeral", "--dns-port", &port], None).await;
    let net = Net::new(&second).await;
    let vpc = net.vpc(&net.hub, "second", false).await;
    let path = format!("/_hubspoke/vpcs/{}/dns_endpoint", vpc["id"].as_str().unwrap());
    let (status, body) = second.call(Method::GET, &path, Some(&net.hub.token), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["errors"][0]["code"], "dns_endpoint_unavailable", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("--dns-port"), "{body}");
    let (status, ready) = second.call(Method::GET, "/_hubspoke/ready", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    let (_, health) = second.call(Method::GET, "/_hubspoke/health", None, None).await;
    assert_eq!(health["status"], "degraded", "{health}");
    assert!(health["dns"]["unserved"][0].is_string(), "{health}");

    // The first server goes away: the second serves its endpoint at the next look.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = second.call(Method::GET, &path, Some(&net.hub.token), None).await;
        if status == StatusCode::OK {
            assert_eq!(body["port"].as_u64().unwrap().to_string(), port);
            break;
        }
        assert!(Instant::now() < deadline, "still unserved: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _) = second.call(Method::GET, "/_hubspoke/ready", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

/// The lookup takes a record type and a client address, answers the apex SOA of a VPE domain, says that the domain's
/// parents are outside every zone, and refuses a type or address it cannot use with a 400 naming the parameter.
#[tokio::test]
async fn the_lookup_explains_zones_types_and_the_authority_boundary() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let vpc = net.vpc(&net.hub, "solo", false).await;
    let base = format!("/_hubspoke/vpcs/{}/dns_lookup", vpc["id"].as_str().unwrap());
    let apex = net.ok(&net.hub, Method::GET, &format!("{base}?name=appdomain.cloud&type=soa"), None).await;
    assert_eq!((apex["type"].as_str(), apex["rcode"].as_str()), (Some("SOA"), Some("NOERROR")), "{apex}");
    assert_eq!(apex["records"][0]["type"], "SOA", "{apex}");
    assert_eq!(apex["records"][0]["name"], "appdomain.cloud", "{apex}");
    assert!(apex["steps"].as_array().unwrap().iter().any(|s| s["kind"] == "vpe_domain"), "{apex}");
    let parent = net.ok(&net.hub, Method::GET, &format!("{base}?name=ibm.com&source=10.0.0.9"), None).await;
    assert_eq!(parent["rcode"], "REFUSED", "{parent}");
    assert!(parent["explanation"].to_string().contains("outside every zone"), "{parent}");
    for (query, parameter) in [("name=ibm.com&type=BOGUS", "type"), ("name=ibm.com&source=not-an-ip", "source")] {
        let (status, body) = server.call(Method::GET, &format!("{base}?{query}"), Some(&net.hub.token), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body.to_string().contains(parameter), "{query}: {body}");
    }
}
