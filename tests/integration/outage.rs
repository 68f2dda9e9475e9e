//! Writes while the storage fails: a data directory on a filesystem that fills up, and a PostgreSQL server that stops.
//! Every write answered 2xx must be readable at once, after the storage recovers and after a restart; refusals are
//! 507 or 503 naming the cause; readiness follows, and recovery needs no restart.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hubspoke_testdb::Cluster;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{OPERATOR_KEY, Server, migrated_database, seed_policy};

const VERSION: &str = "version=2026-01-01&generation=2";

/// A tmpfs of a few MiB mounted for one test (the test runs as root, as CI does), unmounted when dropped.
struct SmallFilesystem {
    path: PathBuf,
    _directory: tempfile::TempDir,
}

impl SmallFilesystem {
    fn mount(size: &str) -> SmallFilesystem {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().to_owned();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .output()
            .expect("`mount` runs");
        assert!(
            output.status.success(),
            "this test mounts a small tmpfs to fill it, which needs root: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        SmallFilesystem { path, _directory: directory }
    }

    fn resize(&self, size: &str) {
        let output =
            Command::new("mount").args(["-o", &format!("remount,size={size}")]).arg(&self.path).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SmallFilesystem {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// What the test wrote and was told was stored.
#[derive(Default)]
struct Acknowledged {
    policies: Vec<String>,
    vpcs: Vec<String>,
    refusals: Vec<(StatusCode, Value)>,
}

impl Acknowledged {
    /// One policy and one VPC; records what was acknowledged and what was refused.
    async fn write(&mut self, server: &Server, hub: &crate::support::Account, n: usize) {
        let mut policy = seed_policy("0123456789abcdef0123456789abcdef", &format!("spoke-{n}"), &hub.id, "hub");
        // Long descriptions fill the disk quickly.
        policy["description"] = json!(format!("{n:04} {}", "x".repeat(990)));
        let (status, body) = server.call(Method::POST, "/v1/policies", Some(&hub.token), Some(policy)).await;
        match status {
            StatusCode::CREATED => self.policies.push(body["id"].as_str().unwrap().to_owned()),
            _ => self.refusals.push((status, body)),
        }
        let vpc = json!({ "name": format!("vpc-{n}") });
        let (status, body) =
            server.call(Method::POST, &format!("/v1/vpcs?{VERSION}"), Some(&hub.token), Some(vpc)).await;
        match status {
            StatusCode::CREATED => self.vpcs.push(body["id"].as_str().unwrap().to_owned()),
            _ => self.refusals.push((status, body)),
        }
    }

    /// Every acknowledged policy and VPC reads back.
    async fn all_readable(&self, server: &Server, token: &str, when: &str) {
        for id in &self.policies {
            let (status, body) = server.call(Method::GET, &format!("/v1/policies/{id}"), Some(token), None).await;
            assert_eq!(status, StatusCode::OK, "{when}: acknowledged policy {id}: {body}");
            assert_eq!(body["state"], "active", "{when}: {body}");
        }
        for id in &self.vpcs {
            let (status, body) = server.call(Method::GET, &format!("/v1/vpcs/{id}?{VERSION}"), Some(token), None).await;
            assert_eq!(status, StatusCode::OK, "{when}: acknowledged VPC {id}: {body}");
        }
    }
}

async fn ready(server: &Server) -> (StatusCode, Value) {
    server.call(Method::GET, "/_hubspoke/ready", None, None).await
}

/// Polls readiness until it is 200, for at most `within`.
async fn ready_within(server: &Server, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if ready(server).await.0 == StatusCode::OK {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

#[tokio::test]
async fn a_full_disk_refuses_writes_with_507_loses_nothing_acknowledged_and_recovers_without_restart() {
    let filesystem = SmallFilesystem::mount("2m");
    let data_dir = filesystem.path().to_str().unwrap().to_owned();
    let server = Server::start(&["--data-dir", &data_dir], Some(OPERATOR_KEY)).await;
    let hub = server.account("hub").await;

    // Write until the disk refuses (bounded: 2 MiB holds well under 2,000 of these), then keep writing while full.
    let mut written = Acknowledged::default();
    let mut n = 0;
    while written.refusals.is_empty() && n < 2_000 {
        written.write(&server, &hub, n).await;
        n += 1;
    }
    assert!(!written.refusals.is_empty(), "2 MiB filled up within {n} rounds");
    let full_at = written.policies.len();
    for _ in 0..30 {
        written.write(&server, &hub, n).await;
        n += 1;
    }
    // Right after a refused write, neither readiness nor health claims all is well (checked at the end, after what
    // matters most: that nothing acknowledged was lost).
    let ready_while_full = ready(&server).await;
    let health_while_full = server.call(Method::GET, "/_hubspoke/health", None, None).await;
    written.all_readable(&server, &hub.token, "while the disk is full").await;

    // Space comes back: the same process becomes ready and writes again.
    filesystem.resize("64m");
    assert!(ready_within(&server, Duration::from_secs(15)).await, "ready again once the disk has room");
    let refused_while_full = written.refusals.len();
    for _ in 0..20 {
        written.write(&server, &hub, n).await;
        n += 1;
    }
    assert_eq!(written.refusals.len(), refused_while_full, "every write succeeds once the disk has room");
    written.all_readable(&server, &hub.token, "after the disk was grown").await;

    // And everything acknowledged is still there after a restart.
    server.kill9();
    let server = Server::start(&["--data-dir", &data_dir], Some(OPERATOR_KEY)).await;
    written.all_readable(&server, &hub.token, "after a restart").await;
    for (status, body) in &written.refusals {
        assert_eq!(*status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
        assert_eq!(body["errors"][0]["code"], "insufficient_storage", "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("disk is full"), "{body}");
    }
    let (status, body) = ready_while_full;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("disk is full"), "{body}");
    let (status, health) = health_while_full;
    assert_eq!((status, health["status"].as_str()), (StatusCode::OK, Some("degraded")), "{health}");
    assert!(health["writes"]["failing"].as_str().unwrap().contains("disk is full"), "{health}");
    eprintln!(
        "disk full after {full_at} policies; {} policies and {} VPCs acknowledged, {} writes refused while full, all readable",
        written.policies.len(),
        written.vpcs.len(),
        refused_while_full
    );
}

#[tokio::test]
async fn a_stopped_database_refuses_writes_with_503_and_the_replica_recovers_when_it_returns() {
    let cluster = Arc::new(Cluster::start().expect("a throwaway PostgreSQL cluster starts"));
    let url = migrated_database(&cluster).await;
    let server = Server::on_postgres(&cluster, &url, &["--db-acquire-timeout", "1s"]).await;
    let hub = server.account("hub").await;
    let mut written = Acknowledged::default();
    for n in 0..10 {
        written.write(&server, &hub, n).await;
    }
    assert!(written.refusals.is_empty(), "{:?}", written.refusals);

    cluster.crash().unwrap();
    for n in 10..15 {
        written.write(&server, &hub, n).await;
    }
    assert!(!written.refusals.is_empty(), "writes fail while the database is down");
    for (status, body) in &written.refusals {
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["errors"][0]["code"], "storage_unavailable", "{body}");
    }
    let (status, body) = ready(&server).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");

    cluster.restart().unwrap();
    assert!(ready_within(&server, Duration::from_secs(30)).await, "ready again once the database is back");
    let refused_while_down = written.refusals.len();
    for n in 15..25 {
        written.write(&server, &hub, n).await;
    }
    assert_eq!(written.refusals.len(), refused_while_down, "every write succeeds once the database is back");
    written.all_readable(&server, &hub.token, "after the database came back").await;

    server.kill9();
    let server = Server::on_postgres(&cluster, &url, &[]).await;
    written.all_readable(&server, &hub.token, "after a restart").await;
}
