//! Three replicas sharing one PostgreSQL database (a throwaway cluster on loopback): writes through one are
//! enforced, read and resolved by the others; races between replicas keep every invariant; a database crash in the
//! middle of a write load loses nothing that was acknowledged; and so does a failover to a synchronous standby
//! (`failover`), which the replicas follow without a restart.

mod failover;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hickory_proto::op::ResponseCode;
use hubspoke_testdb::Cluster;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::dns::{COS_NAME, expect};
use crate::support::{Account, Server, migrated_database, parse_body, seed_policy};
use crate::vpc_rules::{Net, with_version};

/// Three replicas on a fresh database of a new cluster.
async fn three_replicas() -> (Arc<Cluster>, [Server; 3]) {
    let cluster = Arc::new(Cluster::start().expect("a throwaway PostgreSQL cluster starts"));
    let url = migrated_database(&cluster).await;
    let servers = replicas_of(&cluster, &url, &[]).await;
    (cluster, servers)
}

/// Three replicas of `url` (a database of `cluster`, migrated), started one after the other.
async fn replicas_of(cluster: &Arc<Cluster>, url: &str, extra: &[&str]) -> [Server; 3] {
    [
        Server::on_postgres(cluster, url, extra).await,
        Server::on_postgres(cluster, url, extra).await,
        Server::on_postgres(cluster, url, extra).await,
    ]
}

/// The same accounts, seen through another replica (tokens verify everywhere: the signing key is shared).
fn through<'a>(net: &Net<'_>, server: &'a Server) -> Net<'a> {
    Net { server, hub: net.hub.clone(), spoke: net.spoke.clone() }
}

fn revision_of(response: &reqwest::Response) -> u64 {
    let header = response.headers().get("hubspoke-revision").expect("a write answers its revision");
    header.to_str().unwrap().parse().unwrap()
}

async fn health_revision(server: &Server) -> u64 {
    let (status, health) = server.call(Method::GET, "/_hubspoke/health", None, None).await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert_eq!(health["store"], "postgres");
    health["revision"].as_u64().unwrap()
}

/// The newest revision any of `servers` has seen.
async fn newest_revision(servers: &[Server]) -> u64 {
    let mut newest = 0;
    for server in servers {
        newest = newest.max(health_revision(server).await);
    }
    newest
}

#[tokio::test]
async fn writes_through_one_replica_are_enforced_read_and_resolved_by_the_others() {
    let (_cluster, [a, b, c]) = three_replicas().await;
    let net_a = Net::new(&a).await;
    let net_b = through(&net_a, &b);
    let net_c = through(&net_a, &c);
    let (hub, spoke) = net_a.two_accounts().await;
    let spoke_id = spoke["id"].as_str().unwrap();

    // The policy is written through A; its response says at which revision.
    let body = seed_policy(&net_a.spoke.id, spoke_id, &net_a.hub.id, hub["id"].as_str().unwrap());
    let created = a.request(Method::POST, "/v1/policies", Some(&net_a.hub.token), Some(body), &[]).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let written = revision_of(&created);
    let policy = parse_body(created).await;
    let path = format!("/v1/policies/{}", policy["id"].as_str().unwrap());

    // B and C follow by themselves (LISTEN/NOTIFY): their health, which never catches up on its own, reaches the
    // revision.
    let started = Instant::now();
    for other in [&b, &c] {
        while health_revision(other).await < written {
            assert!(started.elapsed() < Duration::from_secs(1), "B and C saw revision {written} within a second");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    // Read-your-writes on another replica, and a revision nobody wrote is refused.
    let wanted = written.to_string();
    for other in [&b, &c] {
        let read = other
            .request(Method::GET, &path, Some(&net_a.hub.token), None, &[("Hubspoke-Min-Revision", &wanted)])
            .await;
        assert_eq!(read.status(), StatusCode::OK);
    }
    let future = (written + 1000).to_string();
    let (status, error) = {
        let response =
            b.request(Method::GET, &path, Some(&net_a.hub.token), None, &[("Hubspoke-Min-Revision", &future)]).await;
        (response.status(), parse_body(response).await)
    };
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["errors"][0]["code"], "revision_not_reached");
    let garbage = b.request(Method::GET, &path, None, None, &[("Hubspoke-Min-Revision", "soon")]).await;
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);

    // B enforces A's policy: the spoke binds through B and delegates through C.
    let (status, binding) = net_b.bind(&net_b.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::CREATED, "{binding}");
    let (status, body) = net_c.delegate(&net_c.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Every replica's DNS answers the hub's gateway to the delegated spoke within a second.
    let gateways = net_a.ok(&net_a.hub, Method::GET, "/v1/endpoint_gateways", None).await;
    let cos_ip = gateways["endpoint_gateways"][0]["ips"][0]["address"].as_str().unwrap().to_owned();
    for net in [&net_a, &net_b, &net_c] {
        let endpoint = net.endpoint(&net.spoke, &spoke).await;
        expect(endpoint, COS_NAME, ResponseCode::NoError, &[&cos_ip], "delegated spoke, on every replica").await;
    }

    // The hub revokes through B; at once, A and C refuse what needs the grant: the spoke delegating again.
    net_b.revoke(policy["id"].as_str().unwrap()).await;
    let system = json!({ "dns": { "resolver": { "type": "system", "vpc": null } } });
    net_a.ok(&net_a.spoke, Method::PATCH, &format!("/v1/vpcs/{spoke_id}"), Some(system)).await;
    for net in [&net_a, &net_c] {
        let (status, refusal) = net.delegate(&net.spoke, &spoke, &hub).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{refusal}");
        assert_eq!(refusal["errors"][0]["code"], "not_authorized");
    }
}

#[tokio::test]
async fn identical_policies_created_at_once_on_three_replicas_give_one_201_and_two_409() {
    let (_cluster, [a, b, c]) = three_replicas().await;
    let hub = a.account("hub").await;
    let spoke = a.account("spoke").await;
    for round in 0..10 {
        let body = seed_policy(&spoke.id, &format!("r006-spoke-{round}"), &hub.id, &format!("r006-hub-{round}"));
        let (first, second, third) = tokio::join!(
            a.call(Method::POST, "/v1/policies", Some(&hub.token), Some(body.clone())),
            b.call(Method::POST, "/v1/policies", Some(&hub.token), Some(body.clone())),
            c.call(Method::POST, "/v1/policies", Some(&hub.token), Some(body)),
        );
        let mut statuses = [first.0, second.0, third.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT, StatusCode::CONFLICT],
            "round {round}: {} {} {}",
            first.1,
            second.1,
            third.1
        );
    }
    for server in [&a, &b, &c] {
        let (_, list) =
            server.call(Method::GET, &format!("/v1/policies?account_id={}", hub.id), Some(&hub.token), None).await;
        assert_eq!(list["policies"].as_array().unwrap().len(), 10);
    }
}

/// The ids of a VPC's bindings, read by its owner at a revision that includes every write made so far.
async fn bindings(server: &Server, owner: &Account, vpc: &Value, at: u64) -> Vec<String> {
    let path = with_version(&format!("/v1/vpcs/{}/dns_resolution_bindings", vpc["id"].as_str().unwrap()));
    let at = at.to_string();
    let response =
        server.request(Method::GET, &path, Some(&owner.token), None, &[("Hubspoke-Min-Revision", &at)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = parse_body(response).await;
    let mut ids: Vec<String> = body["dns_resolution_bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn bindings_racing_hub_changes_across_replicas_keep_every_invariant() {
    let (_cluster, servers) = three_replicas().await;
    let net_a = Net::new(&servers[0]).await;
    let nets = [through(&net_a, &servers[0]), through(&net_a, &servers[1]), through(&net_a, &servers[2])];
    let (hub, first) = net_a.two_accounts().await;
    let second = net_a.vpc(&net_a.spoke, "spoke-2", false).await;
    net_a.subnet(&net_a.spoke, second["id"].as_str().unwrap(), "us-south-1").await;
    let other_hub = net_a.vpc(&net_a.hub, "hub-2", true).await;
    net_a.grant(None, &hub).await;
    net_a.grant(None, &other_hub).await;
    let hub_path = format!("/v1/vpcs/{}", hub["id"].as_str().unwrap());
    let mut outcomes = [0usize; 3];
    for round in 0..9 {
        // Two spokes bind through two replicas while the hub administrator turns the hub off through the third; the
        // roles rotate every round.
        let [first_side, second_side, hub_side] = [&nets[round % 3], &nets[(round + 1) % 3], &nets[(round + 2) % 3]];
        let (bound_first, bound_second, switched) = tokio::join!(
            first_side.bind(&first_side.spoke, &first, &hub),
            second_side.bind(&second_side.spoke, &second, &hub),
            hub_side.call(&hub_side.hub, Method::PATCH, &hub_path, Some(json!({ "dns": { "enable_hub": false } }))),
        );
        let now = newest_revision(&servers).await;
        let on_hub = bindings(&servers[0], &net_a.hub, &hub, now).await;
        for server in &servers[1..] {
            assert_eq!(on_hub, bindings(server, &net_a.hub, &hub, now).await, "every replica lists the same bindings");
        }
        let (_, hub_now) = hub_side.call(&hub_side.hub, Method::GET, &hub_path, None).await;
        let hub_enabled = hub_now["dns"]["enable_hub"].as_bool().unwrap();
        // H2: a hub with bindings stays a hub; C1: a binding needs a hub. So either the switch lost, or no binding won.
        assert!(hub_enabled || on_hub.is_empty(), "round {round}: hub off with bindings {on_hub:?}");
        assert_eq!(switched.0.is_success(), !hub_enabled, "round {round}: the switch's answer matches the state");
        let won = [&bound_first, &bound_second].iter().filter(|(status, _)| *status == StatusCode::CREATED).count();
        assert_eq!(won, on_hub.len(), "round {round}: every 201 binding exists, nothing else");
        outcomes[won] += 1;
        // Each spoke sees its own binding, the same one the hub sees.
        for spoke in [&first, &second] {
            for id in bindings(&servers[1], &net_a.spoke, spoke, now).await {
                assert!(on_hub.contains(&id), "round {round}: a spoke's binding {id} is on the hub too");
            }
        }

        // The same spoke binding to two hubs at once through two replicas: exactly one wins (C2).
        if hub_enabled && on_hub.is_empty() {
            let (left, right) = tokio::join!(
                first_side.bind(&first_side.spoke, &first, &hub),
                second_side.bind(&second_side.spoke, &first, &other_hub)
            );
            let created = [&left, &right].iter().filter(|(status, _)| *status == StatusCode::CREATED).count();
            assert_eq!(created, 1, "round {round}: one spoke, one hub: {} / {}", left.1, right.1);
        }

        // Back to the start: unbind everything, the hub on again.
        for spoke in [&first, &second] {
            let now = newest_revision(&servers).await;
            for id in bindings(&servers[0], &net_a.spoke, spoke, now).await {
                let path = format!("/v1/vpcs/{}/dns_resolution_bindings/{id}", spoke["id"].as_str().unwrap());
                net_a.ok(&net_a.spoke, Method::DELETE, &path, None).await;
            }
        }
        hub_side.ok(&hub_side.hub, Method::PATCH, &hub_path, Some(json!({ "dns": { "enable_hub": true } }))).await;
    }
    eprintln!("rounds by bindings won (0, 1, 2): {outcomes:?}");
}

#[tokio::test]
async fn a_database_crash_under_write_load_loses_no_acknowledged_write() {
    let (cluster, servers) = three_replicas().await;
    let hub = servers[0].account("hub").await;
    let spoke = servers[0].account("spoke").await;
    let servers = Arc::new(servers);
    let deadline = Instant::now() + Duration::from_secs(40);
    // Three writers, going round the replicas, each at most 150 creates and 40 s; every 201 is recorded.
    let writers: Vec<_> = (0..3)
        .map(|writer| {
            let (servers, hub, spoke) = (servers.clone(), hub.clone(), spoke.clone());
            tokio::spawn(async move {
                let (mut acknowledged, mut failed) = (Vec::new(), 0usize);
                for n in 0..150 {
                    if Instant::now() > deadline {
                        break;
                    }
                    let server = &servers[(writer + n) % 3];
                    let body = seed_policy(&spoke.id, &format!("r006-s-{writer}-{n}"), &hub.id, "r006-hub");
                    let (status, policy) =
                        server.call(Method::POST, "/v1/policies", Some(&hub.token), Some(body)).await;
                    if status == StatusCode::CREATED {
                        acknowledged.push(policy["id"].as_str().unwrap().to_owned());
                    } else {
                        // While the database is down: 503 in IBM's envelope, never a 500.
                        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{policy}");
                        failed += 1;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
                (acknowledged, failed)
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(700)).await;
    cluster.crash().unwrap();
    let (status, _) = servers[0].call(Method::GET, "/_hubspoke/ready", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "not ready while the database is down");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.restart().unwrap();

    let (mut acknowledged, mut failed) = (Vec::new(), 0);
    for writer in writers {
        let (ids, failures) = writer.await.unwrap();
        acknowledged.extend(ids);
        failed += failures;
    }
    assert!(failed > 0, "the crash happened during the load");
    assert!(acknowledged.len() > 150, "writes went on after the restart: {} acknowledged", acknowledged.len());

    // Every replica is ready again, follows the same revision, and holds every acknowledged policy.
    let newest = {
        let started = Instant::now();
        loop {
            let ready = [
                servers[0].call(Method::GET, "/_hubspoke/ready", None, None).await,
                servers[1].call(Method::GET, "/_hubspoke/ready", None, None).await,
                servers[2].call(Method::GET, "/_hubspoke/ready", None, None).await,
            ];
            if ready.iter().all(|(status, _)| *status == StatusCode::OK) {
                break ready.iter().map(|(_, body)| body["revision"].as_u64().unwrap()).max().unwrap();
            }
            assert!(started.elapsed() < Duration::from_secs(20), "ready again after the restart: {ready:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let at = newest.to_string();
    for server in servers.iter() {
        for id in &acknowledged {
            let response = server
                .request(
                    Method::GET,
                    &format!("/v1/policies/{id}"),
                    Some(&hub.token),
                    None,
                    &[("Hubspoke-Min-Revision", &at)],
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK, "acknowledged policy {id} survived");
        }
    }
    let operator = servers[1].operator_token().await;
    let (_, health) = servers[1].call(Method::GET, "/_hubspoke/health", Some(&operator), None).await;
    assert!(health["policies_indexed"].as_u64().unwrap() >= acknowledged.len() as u64, "{health}");
    eprintln!("{} acknowledged, {failed} refused with 503 while the database was down", acknowledged.len());
}

#[tokio::test]
async fn serve_refuses_an_unmigrated_database_and_says_what_to_run() {
    let cluster = Cluster::start().expect("a throwaway PostgreSQL cluster starts");
    let url = cluster.create_database().await.unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hubspoke"))
        .args(["serve", "--listen", "127.0.0.1:0", "--dns-port", "0", "--database-url", &url])
        .env("HUBSPOKE_OPERATOR_APIKEY", crate::support::OPERATOR_KEY)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("run `hubspoke migrate --database-url <URL>` first"), "{stderr}");
    let migrated = std::process::Command::new(env!("CARGO_BIN_EXE_hubspoke"))
        .args(["migrate", "--database-url", &url])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&migrated.stdout);
    assert!(migrated.status.success() && stdout.contains("is at migration 15 (15 applied)"), "{stdout}");
}
