//! A bounded soak of mixed traffic — policy replacement, AuthZEN decisions, endpoint gateway churn and DNS queries
//! through a delegated spoke — with no errors allowed, the server's memory bounded, and latency reported per half.
//!
//! CI runs the smoke mode (a few seconds). `HUBSPOKE_SOAK_SECONDS=600 cargo nextest run -E 'test(soak)'
//! --no-capture` is the long mode; docs/RELIABILITY.md records both.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::dns::resolve;
use crate::support::{OPERATOR_KEY, Server, seed_policy};
use crate::vpc_rules::{COS, Net};

/// Smoke-mode length; the long mode sets `HUBSPOKE_SOAK_SECONDS`.
const SMOKE_SECONDS: u64 = 6;
/// Most iterations one client makes, whatever the length: every loop is bounded in count as well as time.
const MAX_ITERATIONS: usize = 200_000;
/// The memory the server may gain between the end of the warm-up and the end of the soak. The traffic holds the
/// amount of live state constant (policies are replaced in place, gateways created and deleted), and the logs that do
/// grow (changes, activity) are on disk, so growth beyond caches and allocator noise would be a leak.
const MEMORY_GROWTH_BOUND_KIB: u64 = 32 * 1024;
const COS_NAME: &str = "s3.direct.us-south.cloud-object-storage.appdomain.cloud";

/// Latencies of one kind of request, split into the first and second half of the soak.
#[derive(Default)]
struct Latencies {
    halves: [Vec<Duration>; 2],
}

impl Latencies {
    fn record(&mut self, half: usize, took: Duration) {
        self.halves[half].push(took);
    }

    fn report(&mut self, name: &str) -> String {
        let mut parts = Vec::new();
        for (index, half) in self.halves.iter_mut().enumerate() {
            half.sort();
            let at = |q: f64| half.get(((half.len() as f64 - 1.0) * q) as usize).copied().unwrap_or_default();
            parts.push(format!(
                "half {}: n={} p50={:.2}ms p99={:.2}ms",
                index + 1,
                half.len(),
                at(0.5).as_secs_f64() * 1e3,
                at(0.99).as_secs_f64() * 1e3
            ));
        }
        format!("{name}: {}", parts.join(", "))
    }
}

fn half(started: Instant, length: Duration) -> usize {
    usize::from(started.elapsed() >= length / 2)
}

#[tokio::test]
async fn mixed_traffic_soak_has_no_errors_and_bounded_memory() {
    let seconds = std::env::var("HUBSPOKE_SOAK_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(SMOKE_SECONDS);
    let length = Duration::from_secs(seconds);
    // On disk, as in production: with `--ephemeral` the database itself is in memory, and its change log and
    // activity log (which grow with every write, by design) would be counted as the server's memory.
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&["--data-dir", data.path().to_str().unwrap()], Some(OPERATOR_KEY)).await;
    let net = Net::new(&server).await;

    // The seed's topology, bound and delegated, so that DNS queries go through the delegation.
    let (hub_vpc, spoke_vpc, _binding, _) = net.bound().await;
    let (status, body) = net.delegate(&net.spoke, &spoke_vpc, &hub_vpc).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let endpoint: SocketAddr = net.endpoint(&net.spoke, &spoke_vpc).await;
    let hub_ip =
        net.ok(&net.hub, Method::GET, "/v1/endpoint_gateways", None).await["endpoint_gateways"][0]["ips"][0]["address"]
            .as_str()
            .unwrap()
            .to_owned();

    // Twenty policies that the soak replaces in place, so the amount of state stays the same.
    let mut policies = Vec::new();
    for n in 0..20 {
        let body = seed_policy(&net.spoke.id, &format!("r006-soak-{n}"), &net.hub.id, hub_vpc["id"].as_str().unwrap());
        let (status, policy) = server.call(Method::POST, "/v1/policies", Some(&net.hub.token), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{policy}");
        policies.push(policy["id"].as_str().unwrap().to_owned());
    }

    // Warm-up: one pass of every kind of request, then the memory baseline.
    let question = json!({
        "subject": { "type": "vpc", "id": spoke_vpc["id"], "properties": { "accountId": net.spoke.id, "serviceName": "is" } },
        "action": { "name": "is.vpc.dns-resolution-binding.connect" },
        "resource": { "type": "vpc", "id": hub_vpc["id"], "properties": { "accountId": net.hub.id, "serviceName": "is", "vpcId": hub_vpc["id"] } }
    });
    let warm = server.call(Method::POST, "/access/v1/evaluation", Some(&net.hub.token), Some(question.clone())).await;
    assert_eq!(warm.1["decision"], true);
    assert_eq!(crate::dns::addresses(&resolve(endpoint, COS_NAME, RecordType::A, false).await), vec![hub_ip.clone()]);
    let baseline_kib = server.resident_kib();

    let started = Instant::now();
    let (mut replaced, mut decided, mut churned, mut resolved) = (0usize, 0usize, 0usize, 0usize);
    let mut latency = [Latencies::default(), Latencies::default(), Latencies::default(), Latencies::default()];
    let mut peak_kib = baseline_kib;
    // One client of each kind, taking turns: the loop is the load, bounded by time and by count.
    for iteration in 0..MAX_ITERATIONS {
        if started.elapsed() >= length {
            break;
        }
        let half = half(started, length);

        // Replace a policy (GET for its ETag, PUT with If-Match), as Terraform's update does.
        let id = &policies[iteration % policies.len()];
        let begun = Instant::now();
        let current = server.request(Method::GET, &format!("/v1/policies/{id}"), Some(&net.hub.token), None, &[]).await;
        assert_eq!(current.status(), StatusCode::OK);
        let etag = current.headers()["etag"].to_str().unwrap().to_owned();
        let mut body = crate::support::parse_body(current).await;
        body["description"] = json!(format!("soak {iteration}"));
        let response = server
            .request(
                Method::PUT,
                &format!("/v1/policies/{id}"),
                Some(&net.hub.token),
                Some(body),
                &[("if-match", &etag)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "policy replace {iteration}");
        latency[0].record(half, begun.elapsed());
        replaced += 1;

        // A decision, which must stay a permit.
        let begun = Instant::now();
        let (status, decision) =
            server.call(Method::POST, "/access/v1/evaluation", Some(&net.hub.token), Some(question.clone())).await;
        assert_eq!((status, &decision["decision"]), (StatusCode::OK, &json!(true)), "decision {iteration}");
        latency[1].record(half, begun.elapsed());
        decided += 1;

        // Gateway churn in the spoke: create one in `disabled` mode and delete it, every fourth iteration.
        if iteration % 4 == 0 {
            let begun = Instant::now();
            let (status, gateway) = net.gateway(&net.spoke, &spoke_vpc, COS, "disabled").await;
            assert_eq!(status, StatusCode::CREATED, "{gateway}");
            let path = format!("/v1/endpoint_gateways/{}", gateway["id"].as_str().unwrap());
            let (status, body) = net.call(&net.spoke, Method::DELETE, &path, None).await;
            assert!(status.is_success(), "gateway delete {iteration}: {status} {body}");
            latency[2].record(half, begun.elapsed());
            churned += 1;
        }

        // The spoke resolves the hub's gateway through its delegated resolver, over UDP and now and then TCP.
        let begun = Instant::now();
        let answer = resolve(endpoint, COS_NAME, RecordType::A, iteration % 10 == 0).await;
        assert_eq!(answer.metadata.response_code, ResponseCode::NoError, "DNS {iteration}");
        assert_eq!(crate::dns::addresses(&answer), vec![hub_ip.clone()], "DNS {iteration}");
        latency[3].record(half, begun.elapsed());
        resolved += 1;

        if iteration % 500 == 0 {
            peak_kib = peak_kib.max(server.resident_kib());
        }
    }
    let final_kib = server.resident_kib();
    peak_kib = peak_kib.max(final_kib);
    let report = [
        latency[0].report("policy GET+PUT"),
        latency[1].report("AuthZEN evaluation"),
        latency[2].report("gateway create+delete"),
        latency[3].report("DNS query"),
    ];
    println!(
        "soak ({seconds} s): {replaced} policy replacements, {decided} decisions, {churned} gateway create/delete \
         pairs, {resolved} DNS queries, 0 errors; server memory {baseline_kib} KiB after warm-up, {final_kib} KiB at \
         the end, peak {peak_kib} KiB (bound: +{MEMORY_GROWTH_BOUND_KIB} KiB)\n  {}",
        report.join("\n  ")
    );
    assert!(
        final_kib <= baseline_kib + MEMORY_GROWTH_BOUND_KIB,
        "the server grew from {baseline_kib} KiB to {final_kib} KiB"
    );
}
