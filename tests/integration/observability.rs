//! `GET /metrics` in the Prometheus format, and JSON log lines that carry the transaction id.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use hickory_proto::rr::RecordType;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::dns::resolve;
use crate::support::{Server, seed_policy};
use crate::vpc_rules::Net;

fn metric_value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|line| line.starts_with(name) && !line.starts_with('#')).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let matches = series.strip_prefix(name)?.starts_with('{')
            && labels.iter().all(|(k, v)| series.contains(&format!("{k}=\"{v}\"")));
        matches.then(|| value.parse().ok()).flatten()
    })
}

#[tokio::test]
async fn metrics_count_requests_decisions_dns_queries_and_store_writes() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (status, _) = server
        .call(
            Method::POST,
            "/v1/policies",
            Some(&net.hub.token),
            Some(seed_policy(&net.spoke.id, "r006-spoke", &net.hub.id, "r006-hub")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let question = json!({
        "subject": { "type": "vpc", "id": "r006-other", "properties": { "accountId": net.spoke.id, "serviceName": "is" } },
        "action": { "name": "is.vpc.dns-resolution-binding.connect" },
        "resource": { "type": "vpc", "id": "r006-hub", "properties": { "accountId": net.hub.id, "serviceName": "is", "vpcId": "r006-hub" } }
    });
    server.call(Method::POST, "/access/v1/evaluation", Some(&net.hub.token), Some(question)).await;
    for _ in 0..2 {
        let (status, _) = server.call(Method::GET, "/v1/policies/missing", Some(&net.hub.token), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (hub, spoke) = net.two_accounts().await;
    net.bind(&net.spoke, &spoke, &hub).await;
    let at = net.endpoint(&net.hub, &hub).await;
    resolve(at, "example.com", RecordType::A, false).await;
    resolve(at, "s3.direct.us-south.cloud-object-storage.appdomain.cloud", RecordType::A, true).await;

    let response = server.client.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    let expectations: &[(&str, &[(&str, &str)])] = &[
        ("hubspoke_http_requests_total", &[("operation", "/v1/policies"), ("method", "POST"), ("status", "201")]),
        ("hubspoke_http_request_duration_seconds_count", &[("operation", "/v1/policies"), ("method", "POST")]),
        ("hubspoke_decisions_total", &[("point", "authzen"), ("result", "deny")]),
        ("hubspoke_decisions_total", &[("point", "dns_sharing"), ("result", "deny")]),
        ("hubspoke_dns_queries_total", &[("transport", "udp"), ("rcode", "refused")]),
        ("hubspoke_dns_queries_total", &[("transport", "tcp"), ("rcode", "noerror")]),
        ("hubspoke_store_write_duration_seconds_count", &[("operation", "insert_policy")]),
        ("hubspoke_store_write_duration_seconds_count", &[("operation", "write_world")]),
    ];
    for (name, labels) in expectations {
        let value =
            metric_value(&text, name, labels).unwrap_or_else(|| panic!("{name} {labels:?} missing from:\n{text}"));
        assert!(value >= 1.0, "{name} {labels:?} = {value}");
    }
    // Each request counts once, under its own status, the second as well as the first.
    let missing = [("operation", "/v1/policies/{policy_id}"), ("method", "GET"), ("status", "404")];
    assert_eq!(metric_value(&text, "hubspoke_http_requests_total", &missing), Some(2.0), "{text}");
    // Paths with ids are counted under their route, so the label set stays bounded.
    assert!(!text.contains("operation=\"/v1/vpcs/r006-"), "ids never appear in labels");
}

#[test]
fn json_logs_carry_the_transaction_id() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hubspoke"))
        .args(["serve", "--ephemeral", "--listen", "127.0.0.1:0", "--dns-port", "0", "--log-json"])
        .env("HUBSPOKE_OPERATOR_APIKEY", crate::support::OPERATOR_KEY)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let address = stdout
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("listening on ").map(str::to_owned))
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("{address}/_hubspoke/health"))
            .header("Transaction-Id", "trace-me-123")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["transaction-id"], "trace-me-123");
    });
    // The log line is written after the response is sent: read stderr as it comes, for at most ten seconds, rather
    // than guess how long the server needs to write it.
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (lines, logged) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    let served = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let Ok(line) = logged.recv_timeout(left) else {
            let _ = child.kill();
            panic!("no JSON line with the transaction id within 10 s in {seen:?}");
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        if value["fields"]["message"] == "request served" && value["span"]["transaction_id"] == "trace-me-123" {
            break value;
        }
        seen.push(value);
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(served["span"]["operation"], "/_hubspoke/health");
    assert_eq!(served["fields"]["status"], 200);
    assert_eq!(served["level"], "INFO");
}
