//! Starting and stopping real servers, and the HTTP helpers the tests share.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use hubspoke_testdb::Cluster;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Bodies larger than this may be cut off by the server before they are fully sent.
pub const MAX_TEST_BODY: usize = 1024 * 1024;

/// The operator key every test server is started with.
pub const OPERATOR_KEY: &str = "test-operator-key-0123456789";

/// A new database on `cluster`, brought to the current schema by `hubspoke migrate`; returns its URL.
pub async fn migrated_database(cluster: &Cluster) -> String {
    let url = cluster.create_database().await.expect("a database is created");
    let output =
        Command::new(env!("CARGO_BIN_EXE_hubspoke")).args(["migrate", "--database-url", &url]).output().unwrap();
    assert!(output.status.success(), "hubspoke migrate: {}", String::from_utf8_lossy(&output.stderr));
    url
}

/// A running `hubspoke serve` process; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub client: reqwest::Client,
    /// The PostgreSQL cluster the server keeps its state in, if any; it outlives the server.
    cluster: Option<Arc<Cluster>>,
}

/// Set to `postgres` to run every test that starts an [`Server::ephemeral`] server against a fresh database on a
/// throwaway PostgreSQL cluster instead (`scripts/test` runs the IAM and VPC suites both ways).
pub const STORE_VARIABLE: &str = "HUBSPOKE_TEST_STORE";

impl Server {
    /// A server with a fresh, empty state: in memory, or in PostgreSQL when [`STORE_VARIABLE`] says so.
    pub async fn ephemeral() -> Server {
        if std::env::var(STORE_VARIABLE).as_deref() == Ok("postgres") {
            let cluster = Arc::new(Cluster::start().expect("a throwaway PostgreSQL cluster starts"));
            let url = migrated_database(&cluster).await;
            return Server::on_postgres(&cluster, &url, &[]).await;
        }
        Server::start(&["--ephemeral"], None).await
    }

    /// A replica keeping its state in the PostgreSQL database at `url` (already migrated) on `cluster`.
    pub async fn on_postgres(cluster: &Arc<Cluster>, url: &str, extra: &[&str]) -> Server {
        let mut arguments = vec!["--database-url", url];
        arguments.extend_from_slice(extra);
        let mut server = Server::start(&arguments, Some(OPERATOR_KEY)).await;
        server.cluster = Some(cluster.clone());
        // A run meant for PostgreSQL must not pass on anything else.
        let (_, health) = server.call(Method::GET, "/_hubspoke/health", None, None).await;
        assert_eq!(health["store"], "postgres", "{health}");
        server
    }

    /// A server keeping its state in `data_dir`.
    pub async fn with_data_dir(data_dir: &Path) -> Server {
        Server::start(&["--data-dir", data_dir.to_str().unwrap()], None).await
    }

    /// Starts the binary with extra arguments and waits for its "listening on" line.
    pub async fn start(extra: &[&str], operator_key: Option<&str>) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hubspoke"));
        command.args(["serve", "--listen", "127.0.0.1:0"]);
        // Tests run in parallel: each server picks its own DNS ports.
        if !extra.contains(&"--dns-port") {
            command.args(["--dns-port", "0"]);
        }
        command.args(extra);
        command.env_remove("HUBSPOKE_OPERATOR_APIKEY");
        command.env("RUST_LOG", "warn");
        match operator_key {
            Some(key) => {
                command.env("HUBSPOKE_OPERATOR_APIKEY", key);
            }
            None if extra.contains(&"--ephemeral") => {
                command.env("HUBSPOKE_OPERATOR_APIKEY", OPERATOR_KEY);
            }
            None => {}
        }
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("hubspoke starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(address) = line.strip_prefix("listening on ") {
                    let _ = sender.send(address.to_owned());
                }
            }
        });
        let base = receiver.recv_timeout(Duration::from_secs(60)).expect("hubspoke prints its address within a minute");
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        Server { child, base, client, cluster: None }
    }

    /// Waits (at most a minute) until `/_hubspoke/ready` answers 200; whether it did.
    pub async fn wait_ready(&self) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            if self.call(Method::GET, "/_hubspoke/ready", None, None).await.0 == StatusCode::OK {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Kills the process with SIGKILL, as a crash would.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// The server's process id, for reading its memory from `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident memory in KiB (`VmRSS` of `/proc/<pid>/status`).
    pub fn resident_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let line = status.lines().find(|line| line.starts_with("VmRSS:")).expect("VmRSS in /proc/<pid>/status");
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Exchanges an API key for a bearer token.
    pub async fn token(&self, api_key: &str) -> String {
        let response = self
            .client
            .post(self.url("/identity/token"))
            .form(&[("grant_type", "urn:ibm:params:oauth:grant-type:apikey"), ("apikey", api_key)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn operator_token(&self) -> String {
        self.token(OPERATOR_KEY).await
    }

    /// Creates an account and returns it with a token of its administrator.
    pub async fn account(&self, name: &str) -> Account {
        let operator = self.operator_token().await;
        let (status, body) =
            self.call(Method::POST, "/_hubspoke/accounts", Some(&operator), Some(json!({ "name": name }))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let api_key = body["apikey"].as_str().unwrap().to_owned();
        Account { id: body["id"].as_str().unwrap().to_owned(), token: self.token(&api_key).await, api_key }
    }

    /// One request with an optional token and JSON body; returns the status and the parsed body (`Null` if empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let response = self.request(method, path, token, body, &[]).await;
        let status = response.status();
        (status, parse_body(response).await)
    }

    /// The full response, for tests that look at headers.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An account and its administrator's credentials.
#[derive(Clone)]
pub struct Account {
    pub id: String,
    pub api_key: String,
    pub token: String,
}

pub async fn parse_body(response: reqwest::Response) -> Value {
    let bytes = response.bytes().await.unwrap();
    if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
    }
}

/// Asserts that a body is IBM's Policy Management error envelope with this code, and returns the message.
pub fn assert_envelope(body: &Value, status: StatusCode, code: &str) -> String {
    assert_eq!(body["status_code"], json!(status.as_u16()), "{body}");
    let trace = body["trace"].as_str().unwrap_or_default();
    assert!(!trace.is_empty(), "a trace: {body}");
    assert_eq!(body["errors"][0]["code"], json!(code), "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
    assert!(!message.is_empty(), "a message: {body}");
    message
}

/// The seed's specific-VPC policy (v1), for a spoke account and VPC and a hub account and VPC.
pub fn seed_policy(spoke_account: &str, spoke_vpc: &str, hub_account: &str, hub_vpc: &str) -> Value {
    json!({
        "type": "authorization",
        "subjects": [{ "attributes": [
            { "name": "accountId", "value": spoke_account },
            { "name": "serviceName", "value": "is" },
            { "name": "resourceType", "value": "vpc" },
            { "name": "resource", "value": spoke_vpc }
        ]}],
        "roles": [{ "role_id": "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector" }],
        "resources": [{ "attributes": [
            { "name": "accountId", "value": hub_account },
            { "name": "serviceName", "value": "is" },
            { "name": "vpcId", "value": hub_vpc }
        ]}]
    })
}

/// Terraform's v2 body for the seed's `ibm_iam_authorization_policy`.
pub fn terraform_v2_policy(spoke_account: &str, spoke_vpc: &str, hub_account: &str, hub_vpc: &str) -> Value {
    json!({
        "type": "authorization",
        "control": { "grant": { "roles": [{ "role_id": "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector" }] } },
        "subject": { "attributes": [
            { "key": "accountId", "operator": "stringEquals", "value": spoke_account },
            { "key": "serviceName", "operator": "stringEquals", "value": "is" },
            { "key": "resourceType", "operator": "stringEquals", "value": "vpc" },
            { "key": "resource", "operator": "stringEquals", "value": spoke_vpc }
        ]},
        "resource": { "attributes": [
            { "key": "accountId", "operator": "stringEquals", "value": hub_account },
            { "key": "serviceName", "operator": "stringEquals", "value": "is" },
            { "key": "vpcId", "operator": "stringEquals", "value": hub_vpc }
        ]}
    })
}

/// The repository root, for tests that run scripts kept there.
pub fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A small deterministic generator for the tests that need randomness, so that a failure replays from its seed.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Runs `node <script>` from `folder` (relative to the repository) with `environment`, off the async runtime; fails
/// the test with node's output unless it succeeds, and returns its standard output.
pub async fn run_node(folder: &str, script: &str, environment: Vec<(&'static str, String)>) -> String {
    let directory = repository_root().join(folder);
    let script = directory.join(script);
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node").arg(script).current_dir(directory).envs(environment).output().expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}
