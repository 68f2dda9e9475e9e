//! The `hubspoke serve` contract: flags from `HUBSPOKE_*` variables, the generated operator key, the banner, graceful
//! shutdown on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};

use crate::support::Server;

#[tokio::test]
async fn the_generated_operator_key_is_kept_and_reused() {
    let directory = tempfile::tempdir().unwrap();
    let data_dir = directory.path().join("nested").join("data");
    let first = Server::with_data_dir(&data_dir).await;
    let key = std::fs::read_to_string(data_dir.join("operator-apikey")).unwrap().trim().to_owned();
    assert!(key.len() >= 40);
    assert!(data_dir.join("hubspoke.db").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&data_dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the data directory holds the signing key");
    }
    first.token(&key).await;
    drop(first);
    let second = Server::with_data_dir(&data_dir).await;
    assert_eq!(std::fs::read_to_string(data_dir.join("operator-apikey")).unwrap().trim(), key);
    second.token(&key).await;
    let (_, health) = second.call(Method::GET, "/_hubspoke/health", None, None).await;
    assert_eq!((health["status"].as_str(), health["store"].as_str()), (Some("ok"), Some("sqlite")));
    assert_eq!(health["enforcement"], "enforce");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn flags_come_from_the_environment_and_sigterm_stops_the_server_cleanly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hubspoke"))
        .arg("serve")
        .env("HUBSPOKE_LISTEN", "127.0.0.1:0")
        .env("HUBSPOKE_EPHEMERAL", "true")
        .env("HUBSPOKE_ENFORCEMENT", "soft")
        .env("HUBSPOKE_OPERATOR_APIKEY", "an-operator-key-from-the-environment")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut banner = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("the banner ends with the address").unwrap();
        banner.push(line.clone());
        if let Some(address) = line.strip_prefix("listening on ") {
            break address.to_owned();
        }
    };
    let banner = banner.join("\n");
    assert!(banner.contains("in memory (--ephemeral)"), "{banner}");
    assert!(banner.contains("enforcement  soft"), "{banner}");
    assert!(banner.contains("from HUBSPOKE_OPERATOR_APIKEY"), "{banner}");
    assert!(!banner.contains("an-operator-key-from-the-environment"), "the key itself is never printed");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let health: serde_json::Value =
            reqwest::get(format!("{address}/_hubspoke/health")).await.unwrap().json().await.unwrap();
        assert_eq!(health["enforcement"], "soft");
        let token = reqwest::Client::new()
            .post(format!("{address}/identity/token"))
            .form(&[
                ("grant_type", "urn:ibm:params:oauth:grant-type:apikey"),
                ("apikey", "an-operator-key-from-the-environment"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(token.status(), StatusCode::OK);
    });

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the server stops within 20 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "a graceful stop exits with 0, not {exit}");
}

#[test]
fn bad_configuration_is_refused_with_a_message() {
    /// (arguments, environment, expected fragment of the error).
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (&["--listen", "not-an-address"], &[], "invalid value 'not-an-address'"),
        (&["--enforcement", "maybe"], &[], "invalid value 'maybe'"),
        (&["--ephemeral"], &[("HUBSPOKE_OPERATOR_APIKEY", "short")], "at least 16 characters"),
    ];
    for (args, environment, expected) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_hubspoke"))
            .arg("serve")
            .args(*args)
            .env("HUBSPOKE_LISTEN", "127.0.0.1:0")
            .env_remove("HUBSPOKE_OPERATOR_APIKEY")
            .envs(environment.iter().copied())
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: expected `{expected}` in {stderr}");
    }
}

/// A topology for `--init`: two accounts created with chosen keys, the hub with its resolver and gateway, the spoke
/// bound and delegated.
const INIT_TOPOLOGY: &str = r#"
[accounts.hub]
apikey = "init-hub-key-0123456789"
create = true
id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

[accounts.spoke]
apikey = "init-spoke-key-0123456789"
create = true

[hub]
account = "hub"
vpc = "hub-vpc"
subnet = "hub-subnet"
custom_resolver = { instance = "dns-hub", name = "hub-resolver" }

[[hub.gateways]]
name = "hub-cos"
target = "crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud"

[[spokes]]
account = "spoke"
vpc = "spoke-vpc"
subnet = "spoke-subnet"
delegate = true
"#;

#[tokio::test]
async fn init_builds_a_topology_before_the_server_is_ready() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("init.toml");
    std::fs::write(&file, INIT_TOPOLOGY).unwrap();
    let server = Server::start(&["--ephemeral", "--init", file.to_str().unwrap()], None).await;
    // Ready only once the whole file is in place; until then 503, saying it is initializing.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = server.call(Method::GET, "/_hubspoke/ready", None, None).await;
        if status == StatusCode::OK {
            break;
        }
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(message.contains("initializing: applying") && message.contains("init.toml"), "{body}");
        assert!(Instant::now() < deadline, "not ready within a minute: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The chosen keys work, and the world the file declares is there.
    let spoke = server.token("init-spoke-key-0123456789").await;
    let (status, vpcs) = server.call(Method::GET, "/v1/vpcs?version=2026-10-06", Some(&spoke), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(vpcs["vpcs"][0]["name"], "spoke-vpc");
    assert_eq!(vpcs["vpcs"][0]["dns"]["resolver"]["type"], "delegated");
    let hub = server.token("init-hub-key-0123456789").await;
    let (_, policies) =
        server.call(Method::GET, "/v1/policies?account_id=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Some(&hub), None).await;
    assert_eq!(policies["policies"].as_array().unwrap().len(), 1, "{policies}");
}

#[tokio::test]
async fn a_failing_init_stops_the_server_with_its_error() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("broken.toml");
    std::fs::write(
        &file,
        INIT_TOPOLOGY.replace("apikey = \"init-spoke-key-0123456789\"", "apikey_env = \"HUBSPOKE_TEST_UNSET\""),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_hubspoke"))
        .args(["serve", "--ephemeral", "--listen", "127.0.0.1:0", "--dns-port", "0", "--init"])
        .arg(&file)
        .env("HUBSPOKE_OPERATOR_APIKEY", "operator-key-for-init-tests")
        .env_remove("HUBSPOKE_TEST_UNSET")
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("HUBSPOKE_TEST_UNSET"), "{stderr}");
}

#[tokio::test]
async fn init_loads_a_saved_state_too() {
    let first = Server::ephemeral().await;
    let account = first.account("saved").await;
    let (status, vpc) = first
        .call(
            Method::POST,
            "/v1/vpcs?version=2026-10-06",
            Some(&account.token),
            Some(serde_json::json!({ "name": "kept" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{vpc}");
    let operator = first.operator_token().await;
    let (status, state) = first.call(Method::GET, "/_hubspoke/state", Some(&operator), None).await;
    assert_eq!(status, StatusCode::OK);
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("world.json");
    std::fs::write(&file, state.to_string()).unwrap();

    let second = Server::start(&["--ephemeral", "--init", file.to_str().unwrap()], None).await;
    assert!(second.wait_ready().await, "ready once the state is loaded");
    let token = second.token(&account.api_key).await;
    let (_, vpcs) = second.call(Method::GET, "/v1/vpcs?version=2026-10-06", Some(&token), None).await;
    assert_eq!(vpcs["vpcs"][0]["id"], vpc["id"]);
}
