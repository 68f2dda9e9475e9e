//! A PostgreSQL failover under write load: three replicas write through a URL naming the primary and its synchronous
//! standby; the primary crashes, the standby is promoted, and every replica writes again without a restart. Nothing
//! acknowledged is lost, refusals are 503s in IBM's envelope, and the replicas converge on one state.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hubspoke_testdb::Cluster;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::replicas_of;
use crate::support::{Account, Server, migrated_database, seed_policy};

const VERSION: &str = "version=2026-01-01&generation=2";

/// Each writer stops after this many rounds (one policy and one VPC each), or at [`LOAD_LIMIT`], or when told.
const ROUNDS: usize = 400;

/// No writer writes for longer than this.
const LOAD_LIMIT: Duration = Duration::from_secs(90);

/// What one writer sent through its replica and what it was told.
#[derive(Default)]
struct Outcomes {
    policies: Vec<String>,
    vpcs: Vec<String>,
    /// Refusals, with when they were answered.
    refusals: Vec<(Instant, StatusCode, Value)>,
    /// When each acknowledgement was answered.
    acknowledged_at: Vec<Instant>,
}

impl Outcomes {
    /// Records one answer to a create; `kind` names what was created, for the acknowledged lists.
    fn record(&mut self, kind: &str, status: StatusCode, body: Value) {
        let now = Instant::now();
        if status == StatusCode::CREATED {
            let id = body["id"].as_str().unwrap_or_else(|| panic!("a created {kind} has an id: {body}")).to_owned();
            if kind == "policy" { &mut self.policies } else { &mut self.vpcs }.push(id);
            self.acknowledged_at.push(now);
        } else {
            self.refusals.push((now, status, body));
        }
    }

    /// The first acknowledgement answered after `instant`.
    fn first_acknowledged_after(&self, instant: Instant) -> Option<Instant> {
        self.acknowledged_at.iter().copied().find(|at| *at > instant)
    }
}

/// One writer: rounds of a policy and a VPC created through `server`, until `stop`, [`ROUNDS`] or [`LOAD_LIMIT`]. A
/// refused round pauses 50 ms, as a client backing off would.
async fn write_load(
    server: Arc<Server>,
    writer: usize,
    hub: Account,
    spoke: Account,
    stop: Arc<AtomicBool>,
) -> Outcomes {
    let deadline = Instant::now() + LOAD_LIMIT;
    let mut outcomes = Outcomes::default();
    for n in 0..ROUNDS {
        if stop.load(Ordering::Relaxed) || Instant::now() > deadline {
            break;
        }
        let refused_before = outcomes.refusals.len();
        let policy = seed_policy(&spoke.id, &format!("fo-spoke-{writer}-{n}"), &hub.id, "fo-hub");
        let (status, body) = server.call(Method::POST, "/v1/policies", Some(&hub.token), Some(policy)).await;
        outcomes.record("policy", status, body);
        let vpc = json!({ "name": format!("fo-{writer}-{n}") });
        let (status, body) =
            server.call(Method::POST, &format!("/v1/vpcs?{VERSION}"), Some(&hub.token), Some(vpc)).await;
        outcomes.record("vpc", status, body);
        if outcomes.refusals.len() > refused_before {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    outcomes
}

/// Polls `condition` every 50 ms for at most `within`; says whether it came true.
async fn eventually<F: Future<Output = bool>>(within: Duration, mut condition: impl FnMut() -> F) -> bool {
    let deadline = Instant::now() + within;
    // Bounded by the deadline: each round takes at least 50 ms.
    while Instant::now() < deadline {
        if condition().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Runs a blocking cluster command off the runtime, so the writers keep going meanwhile.
async fn on_cluster(cluster: &Arc<Cluster>, command: fn(&Cluster) -> Result<(), hubspoke_testdb::ClusterError>) {
    let cluster = cluster.clone();
    tokio::task::spawn_blocking(move || command(&cluster)).await.unwrap().expect("the cluster command succeeds");
}

// Several threads: the writers, the servers' output and the cluster commands run side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_to_a_synchronous_standby_loses_no_acknowledged_write_and_needs_no_restart() {
    let primary = Arc::new(Cluster::start_primary().expect("a primary starts"));
    let standby = Arc::new(primary.start_standby().expect("a synchronous standby starts"));
    let url = migrated_database(&primary).await;
    // libpq's multi-host form, the primary first.
    let primary_host = format!("127.0.0.1:{}", primary.port());
    let both = format!("{primary_host},127.0.0.1:{}", standby.port());
    let url = url.replacen(&primary_host, &both, 1);
    // A short acquire timeout: a request that finds no connection during the outage is answered sooner.
    let servers = replicas_of(&primary, &url, &["--db-acquire-timeout", "2s"]).await.map(Arc::new);
    let hub = servers[0].account("hub").await;
    let spoke = servers[0].account("spoke").await;

    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = servers
        .iter()
        .enumerate()
        .map(|(writer, server)| {
            tokio::spawn(write_load(server.clone(), writer, hub.clone(), spoke.clone(), stop.clone()))
        })
        .collect();

    // Let every replica acknowledge writes, then crash the primary part-way through the load.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let crashed = Instant::now();
    on_cluster(&primary, Cluster::crash).await;
    // The outage lasts until every replica has noticed: each says it is not ready.
    let replicas = &servers;
    let all_unready = eventually(Duration::from_secs(20), || async move {
        let mut unready = 0;
        for server in replicas {
            let (status, _) = server.call(Method::GET, "/_hubspoke/ready", None, None).await;
            unready += (status == StatusCode::SERVICE_UNAVAILABLE) as usize;
        }
        unready == replicas.len()
    })
    .await;
    assert!(all_unready, "every replica reports not ready while no host accepts writes");
    // A failover takes a while in practice (detection, then promotion): keep writing into the outage for 2 s.
    tokio::time::sleep((crashed + Duration::from_secs(2)).saturating_duration_since(Instant::now())).await;

    on_cluster(&standby, Cluster::promote).await;
    let promoted = Instant::now();
    // Writes succeed again on every replica, each through the process that was running all along.
    let probes = servers.iter().enumerate().map(|(replica, server)| {
        let (server, hub, spoke) = (server.clone(), hub.clone(), spoke.clone());
        tokio::spawn(async move {
            let deadline = promoted + Duration::from_secs(20);
            let mut last = Value::Null;
            // At most 400 tries, 50 ms apart, and 20 s.
            for n in 0..400 {
                let policy = seed_policy(&spoke.id, &format!("fo-probe-{replica}-{n}"), &hub.id, "fo-probe-hub");
                let (status, body) = server.call(Method::POST, "/v1/policies", Some(&hub.token), Some(policy)).await;
                if status == StatusCode::CREATED {
                    return (promoted.elapsed(), body["id"].as_str().unwrap().to_owned());
                }
                last = body;
                if Instant::now() > deadline {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("replica {replica} writes again within 20 s of the promotion; last answer: {last}")
        })
    });
    let mut recovered = Vec::new();
    for probe in probes.collect::<Vec<_>>() {
        recovered.push(probe.await.unwrap());
    }
    // A little more load on the new primary, then the writers stop.
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for writer in writers {
        outcomes.push(writer.await.unwrap());
    }

    // Every refusal is a 503 or 507 in IBM's envelope, and came after the crash; before it, everything succeeded.
    for (writer, outcome) in outcomes.iter().enumerate() {
        assert!(outcome.first_acknowledged_after(promoted).is_some(), "writer {writer} wrote after the promotion");
        assert!(outcome.acknowledged_at.iter().any(|at| *at < crashed), "writer {writer} wrote before the crash");
        for (at, status, body) in &outcome.refusals {
            assert!(*at > crashed, "writer {writer}: refused before the crash: {status} {body}");
            assert!(
                [StatusCode::SERVICE_UNAVAILABLE, StatusCode::INSUFFICIENT_STORAGE].contains(status),
                "writer {writer}: {status} {body}"
            );
            assert_eq!(body["status_code"], json!(status.as_u16()), "{body}");
            assert!(body["trace"].as_str().is_some_and(|trace| !trace.is_empty()), "{body}");
            assert!(body["errors"][0]["code"].as_str().is_some_and(|code| !code.is_empty()), "{body}");
        }
    }

    // The replicas converge: ready, at one revision, with the same policies and VPCs.
    let converged = Instant::now();
    let operator = servers[0].operator_token().await;
    let mut states = Vec::new();
    // At most 400 rounds, 50 ms apart, and 20 s.
    for _ in 0..400 {
        states.clear();
        for server in &servers {
            states.push(state(server, &operator, &hub).await);
        }
        if states.iter().all(|state| state.0 == StatusCode::OK && state.1 == states[0].1)
            || converged.elapsed() > Duration::from_secs(20)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let agreed = states.iter().all(|state| state.0 == StatusCode::OK && state.1 == states[0].1);
    assert!(agreed, "the replicas converge on one state within 20 s: {states:?}");
    let (revision, policies_indexed, vpc_count) = states[0].1;

    // Every acknowledged write is readable through every replica.
    let policies: Vec<&String> =
        outcomes.iter().flat_map(|o| &o.policies).chain(recovered.iter().map(|(_, id)| id)).collect();
    let vpcs: Vec<&String> = outcomes.iter().flat_map(|o| &o.vpcs).collect();
    let at = revision.to_string();
    for server in &servers {
        for id in &policies {
            let path = format!("/v1/policies/{id}");
            let response =
                server.request(Method::GET, &path, Some(&hub.token), None, &[("Hubspoke-Min-Revision", &at)]).await;
            assert_eq!(response.status(), StatusCode::OK, "acknowledged policy {id} survived the failover");
        }
        for id in &vpcs {
            let path = format!("/v1/vpcs/{id}?{VERSION}");
            let response =
                server.request(Method::GET, &path, Some(&hub.token), None, &[("Hubspoke-Min-Revision", &at)]).await;
            assert_eq!(response.status(), StatusCode::OK, "acknowledged VPC {id} survived the failover");
        }
    }
    assert!(policies_indexed >= policies.len() as u64, "{policies_indexed} indexed, {} acknowledged", policies.len());
    assert!(vpc_count >= vpcs.len() as u64, "{vpc_count} VPCs, {} acknowledged", vpcs.len());

    let refused: usize = outcomes.iter().map(|o| o.refusals.len()).sum();
    let mut codes = std::collections::BTreeMap::new();
    for (_, status, body) in outcomes.iter().flat_map(|o| &o.refusals) {
        *codes
            .entry(format!("{} {}", status.as_u16(), body["errors"][0]["code"].as_str().unwrap_or("")))
            .or_insert(0) += 1;
    }
    let first_success: Vec<String> = outcomes
        .iter()
        .map(|o| format!("{:?}", o.first_acknowledged_after(promoted).unwrap().duration_since(promoted)))
        .collect();
    let probes: Vec<String> = recovered.iter().map(|(after, _)| format!("{after:?}")).collect();
    eprintln!(
        "failover: {} policies and {} VPCs acknowledged, all readable on 3 replicas; {refused} writes refused after \
         the crash {codes:?}; outage (crash to promotion) {:?}; first acknowledged write after the promotion, \
         per replica: load {first_success:?}, probe {probes:?}; converged at revision {revision} in {:?}",
        policies.len(),
        vpcs.len(),
        promoted.duration_since(crashed),
        converged.elapsed(),
    );
}

/// What a replica holds: readiness, and (revision, policies indexed, the hub's VPCs).
async fn state(server: &Server, operator: &str, hub: &Account) -> (StatusCode, (u64, u64, u64)) {
    let (ready, body) = server.call(Method::GET, "/_hubspoke/ready", None, None).await;
    let revision = body["revision"].as_u64().unwrap_or_default();
    let (_, health) = server.call(Method::GET, "/_hubspoke/health", Some(operator), None).await;
    let indexed = health["policies_indexed"].as_u64().unwrap_or_default();
    let (_, vpcs) = server.call(Method::GET, &format!("/v1/vpcs?{VERSION}&limit=1"), Some(&hub.token), None).await;
    (ready, (revision, indexed, vpcs["total_count"].as_u64().unwrap_or_default()))
}
