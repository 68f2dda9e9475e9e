//! Crash safety: concurrent writers (policies, VPCs, gateways, bindings) against a server that is killed with SIGKILL
//! at random moments, several times. After every restart, every acknowledged write is there, nothing unacknowledged is
//! half there, and the invariants that tie resources together hold.
//!
//! The random moments come from a seed printed with the counts (`HUBSPOKE_CRASH_SEED` replays one); every loop is
//! bounded in operations and time.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, OPERATOR_KEY, Server, XorShift};
use crate::vpc_rules::{COS, Net, with_version};

/// Rounds of load followed by a kill.
const ROUNDS: usize = 5;
/// Operations each writer attempts at most per round (it stops earlier when the server dies).
const OPERATIONS_PER_WRITER: usize = 400;

/// What one writer saw: the writes the server acknowledged, and the one it sent when the server died (if any).
#[derive(Default)]
struct Ledger {
    /// Policy id → the ETag the create returned.
    policies: BTreeMap<String, String>,
    vpcs: BTreeSet<String>,
    gateways: BTreeSet<String>,
    /// (spoke VPC, binding id).
    bindings: BTreeSet<(String, String)>,
    /// Requests that got no answer: their outcome is unknown, so they may be wholly there or wholly absent.
    unanswered: usize,
}

async fn start(data: &Path) -> Server {
    Server::start(&["--data-dir", data.to_str().unwrap()], Some(OPERATOR_KEY)).await
}

/// One request with a short timeout; `None` when the server did not answer (it was killed).
async fn send(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Option<(StatusCode, Value, Option<String>)> {
    let url = if path.starts_with("/v1/policies") {
        format!("{base}{path}")
    } else {
        format!("{base}{}", with_version(path))
    };
    let mut request = client.request(method, url).bearer_auth(token).timeout(Duration::from_secs(10));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.ok()?;
    let status = response.status();
    let etag = response.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = response.json::<Value>().await.ok()?;
    Some((status, body, etag))
}

/// Creates authorization policies, each for a different spoke resource, until the server dies.
async fn policy_writer(
    client: reqwest::Client,
    base: String,
    hub: Account,
    spoke: String,
    round: usize,
    writer: usize,
) -> Ledger {
    let mut ledger = Ledger::default();
    for n in 0..OPERATIONS_PER_WRITER {
        let body = json!({
            "type": "authorization",
            "subjects": [{ "attributes": [
                { "name": "accountId", "value": spoke }, { "name": "serviceName", "value": "is" },
                { "name": "resourceType", "value": "vpc" }, { "name": "resource", "value": format!("r006-crash-{round}-{writer}-{n}") } ] }],
            "roles": [{ "role_id": "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector" }],
            "resources": [{ "attributes": [
                { "name": "accountId", "value": hub.id }, { "name": "serviceName", "value": "is" } ] }]
        });
        match send(&client, &base, &hub.token, Method::POST, "/v1/policies", Some(body)).await {
            Some((StatusCode::CREATED, policy, Some(etag))) => {
                ledger.policies.insert(policy["id"].as_str().unwrap().to_owned(), etag);
            }
            Some((status, body, _)) => panic!("a policy create was refused: {status} {body}"),
            None => {
                ledger.unanswered += 1;
                break;
            }
        }
    }
    ledger
}

/// As the spoke: a VPC, a gateway in it, a binding to the hub; then the binding is deleted again every other time,
/// so that both creates and deletes are in flight when the kill comes.
async fn vpc_writer(
    client: reqwest::Client,
    base: String,
    spoke: Account,
    hub_crn: String,
    round: usize,
    writer: usize,
) -> Ledger {
    let mut ledger = Ledger::default();
    let token = spoke.token.clone();
    for n in 0..OPERATIONS_PER_WRITER / 4 {
        let name = format!("crash-{round}-{writer}-{n}");
        let Some((status, vpc, _)) =
            send(&client, &base, &token, Method::POST, "/v1/vpcs", Some(json!({ "name": name }))).await
        else {
            ledger.unanswered += 1;
            break;
        };
        assert_eq!(status, StatusCode::CREATED, "{vpc}");
        let vpc_id = vpc["id"].as_str().unwrap().to_owned();
        ledger.vpcs.insert(vpc_id.clone());

        let gateway = json!({ "target": { "crn": COS, "resource_type": "provider_cloud_service" }, "vpc": { "id": vpc_id },
                              "name": format!("{name}-gw"), "dns_resolution_binding_mode": "disabled" });
        let Some((status, gateway, _)) =
            send(&client, &base, &token, Method::POST, "/v1/endpoint_gateways", Some(gateway)).await
        else {
            ledger.unanswered += 1;
            break;
        };
        assert_eq!(status, StatusCode::CREATED, "{gateway}");
        ledger.gateways.insert(gateway["id"].as_str().unwrap().to_owned());

        let path = format!("/v1/vpcs/{vpc_id}/dns_resolution_bindings");
        let Some((status, binding, _)) =
            send(&client, &base, &token, Method::POST, &path, Some(json!({ "vpc": { "crn": hub_crn } }))).await
        else {
            ledger.unanswered += 1;
            break;
        };
        assert_eq!(status, StatusCode::CREATED, "{binding}");
        let binding_id = binding["id"].as_str().unwrap().to_owned();
        if n % 2 == 1 {
            match send(&client, &base, &token, Method::DELETE, &format!("{path}/{binding_id}"), None).await {
                Some((status, _, _)) if status.is_success() => {}
                Some((status, body, _)) => panic!("a binding delete was refused: {status} {body}"),
                None => {
                    // The delete may or may not have happened; the binding is in neither ledger list.
                    ledger.unanswered += 1;
                    break;
                }
            }
        } else {
            ledger.bindings.insert((vpc_id, binding_id));
        }
    }
    ledger
}

/// Every resource of `who` of one collection (all pages).
async fn all(net: &Net<'_>, who: &Account, path: &str, key: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut start = String::new();
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let page = net.ok(who, Method::GET, &format!("{path}{separator}limit=100{start}"), None).await;
        items.extend(page[key].as_array().unwrap().iter().cloned());
        match page["next"]["href"].as_str().and_then(|href| href.split("start=").nth(1)) {
            Some(token) => start = format!("&start={}", token.split('&').next().unwrap()),
            None => return items,
        }
    }
}

/// Checks every acknowledged write and every invariant; returns what was checked, for the report.
async fn verify(server: &Server, hub: &Account, spoke: &Account, hub_vpc: &str, ledger: &Ledger) -> usize {
    let net = Net { server, hub: hub.clone(), spoke: spoke.clone() };
    let mut checked = 0;
    for (id, etag) in &ledger.policies {
        let response = server.request(Method::GET, &format!("/v1/policies/{id}"), Some(&hub.token), None, &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "acknowledged policy {id} is gone");
        let got = response.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(&got, etag, "policy {id} changed its ETag across the crash");
        checked += 1;
    }
    // Policies whose create went unanswered may exist, but only whole: every listed policy reads back complete.
    let mut start = String::new();
    let mut listed = 0;
    loop {
        let path = format!("/v1/policies?account_id={}&type=authorization&limit=100{start}", hub.id);
        let (status, page) = server.call(Method::GET, &path, Some(&hub.token), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for policy in page["policies"].as_array().unwrap() {
            let roles = policy["roles"].as_array().map_or(0, Vec::len);
            let subjects = policy["subjects"][0]["attributes"].as_array().map_or(0, Vec::len);
            assert!(roles == 1 && subjects >= 3 && policy["resources"][0]["attributes"].is_array(), "{policy}");
            listed += 1;
        }
        match page["next"]["start"].as_str() {
            Some(token) => start = format!("&start={token}"),
            None => break,
        }
    }
    // The grant made before the crashes, the acknowledged ones, and at most one unanswered create per writer.
    assert!(listed > ledger.policies.len() && listed <= ledger.policies.len() + 1 + ledger.unanswered, "{listed}");
    let vpcs = all(&net, spoke, "/v1/vpcs", "vpcs").await;
    let vpc_ids: BTreeSet<String> = vpcs.iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect();
    let missing: Vec<_> = ledger.vpcs.difference(&vpc_ids).collect();
    assert!(missing.is_empty(), "acknowledged VPCs are gone: {missing:?}");
    let gateways = all(&net, spoke, "/v1/endpoint_gateways", "endpoint_gateways").await;
    let gateway_ids: BTreeSet<String> = gateways.iter().map(|g| g["id"].as_str().unwrap().to_owned()).collect();
    let missing: Vec<_> = ledger.gateways.difference(&gateway_ids).collect();
    assert!(missing.is_empty(), "acknowledged gateways are gone: {missing:?}");
    for gateway in &gateways {
        // A gateway is whole: its VPC exists.
        assert!(vpc_ids.contains(gateway["vpc"]["id"].as_str().unwrap()), "a gateway outlived its VPC: {gateway}");
    }
    checked += ledger.vpcs.len() + ledger.gateways.len();

    // Bindings: each spoke has at most one, the hub lists exactly the spokes' ones, and every count agrees.
    let mut spoke_side = BTreeSet::new();
    for vpc in &vpcs {
        let id = vpc["id"].as_str().unwrap();
        let bindings =
            all(&net, spoke, &format!("/v1/vpcs/{id}/dns_resolution_bindings"), "dns_resolution_bindings").await;
        assert!(bindings.len() <= 1, "VPC {id} has {} bindings", bindings.len());
        assert_eq!(vpc["dns"]["resolution_binding_count"], json!(bindings.len()), "VPC {id}'s binding count");
        for binding in bindings {
            spoke_side.insert((id.to_owned(), binding["id"].as_str().unwrap().to_owned()));
        }
    }
    let missing: Vec<_> = ledger.bindings.difference(&spoke_side).collect();
    assert!(missing.is_empty(), "acknowledged bindings are gone: {missing:?}");
    let hub_side: BTreeSet<String> =
        all(&net, hub, &format!("/v1/vpcs/{hub_vpc}/dns_resolution_bindings"), "dns_resolution_bindings")
            .await
            .iter()
            .map(|b| b["id"].as_str().unwrap().to_owned())
            .collect();
    let spoke_ids: BTreeSet<String> = spoke_side.iter().map(|(_, b)| b.clone()).collect();
    assert_eq!(hub_side, spoke_ids, "the hub and the spokes disagree about the bindings");
    let hub = net.ok(hub, Method::GET, &format!("/v1/vpcs/{hub_vpc}"), None).await;
    assert_eq!(hub["dns"]["resolution_binding_count"], json!(hub_side.len()), "the hub's binding count");
    checked + spoke_side.len()
}

fn seed() -> u64 {
    std::env::var("HUBSPOKE_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    })
}

#[tokio::test]
async fn acknowledged_writes_survive_repeated_kill_9_under_concurrent_load() {
    let data = tempfile::tempdir().unwrap();
    let seed = seed();
    let mut random = XorShift(seed);

    // The hub VPC and a grant for every VPC of the spoke account, made before any crash.
    let server = start(data.path()).await;
    let net = Net::new(&server).await;
    let (hub, spoke) = (net.hub.clone(), net.spoke.clone());
    let hub_vpc = net.vpc(&hub, "hub", true).await;
    let subnet = net.subnet(&hub, hub_vpc["id"].as_str().unwrap(), "us-south-1").await;
    net.resolver(&hub, &subnet).await;
    net.grant(None, &hub_vpc).await;
    let hub_vpc_id = hub_vpc["id"].as_str().unwrap().to_owned();
    let hub_crn = hub_vpc["crn"].as_str().unwrap().to_owned();
    drop(net);
    server.kill9();

    let mut total = Ledger::default();
    let mut kills = Vec::new();
    for round in 0..ROUNDS {
        let server = start(data.path()).await;
        // Every earlier round's writes, after a crash and a restart.
        verify(&server, &hub, &spoke, &hub_vpc_id, &total).await;
        let mut writers = Vec::new();
        for writer in 0..2 {
            writers.push(tokio::spawn(policy_writer(
                server.client.clone(),
                server.base.clone(),
                hub.clone(),
                spoke.id.clone(),
                round,
                writer,
            )));
            writers.push(tokio::spawn(vpc_writer(
                server.client.clone(),
                server.base.clone(),
                spoke.clone(),
                hub_crn.clone(),
                round,
                writer,
            )));
        }
        let delay = Duration::from_millis(150 + random.next() % 600);
        tokio::time::sleep(delay).await;
        server.kill9();
        kills.push(delay.as_millis());
        for writer in writers {
            let ledger = writer.await.unwrap();
            total.policies.extend(ledger.policies);
            total.vpcs.extend(ledger.vpcs);
            total.gateways.extend(ledger.gateways);
            total.bindings.extend(ledger.bindings);
            total.unanswered += ledger.unanswered;
        }
    }
    let server = start(data.path()).await;
    let checked = verify(&server, &hub, &spoke, &hub_vpc_id, &total).await;
    // The figures docs/RELIABILITY.md reports.
    println!(
        "crash safety (seed {seed}): {ROUNDS} kills at {kills:?} ms; acknowledged: {} policies, {} VPCs, {} gateways, \
         {} bindings kept; {} requests unanswered at the kills; {checked} checks passed",
        total.policies.len(),
        total.vpcs.len(),
        total.gateways.len(),
        total.bindings.len(),
        total.unanswered
    );
    assert!(total.policies.len() + total.vpcs.len() > ROUNDS, "the load made too few writes to mean anything");
}
