//! Suite `http`: decisions and reads over HTTP. wrk (pinned to CPU 1) loads hubspoke's AuthZEN evaluation endpoint,
//! `GET` by id and 100-item list pages of policies and VPCs (server pinned to CPU 0), then a bare axum endpoint in
//! this binary that answers each of them with the bytes hubspoke answered, doing nothing else (also on CPU 0): the
//! ratio is what hubspoke's work costs over HTTP itself.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use hubspoke_store::{SqlStore, Store};
use serde_json::json;

use crate::data::{Mix, workload};
use crate::report::Row;
use crate::store::{caller, serve};

/// How big and how long.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Policy-set sizes.
    pub sizes: Vec<usize>,
    /// Seconds of load per measurement.
    pub seconds: u32,
}

impl Settings {
    /// The full run.
    pub fn full() -> Settings {
        Settings { sizes: vec![10_000, 1_000_000], seconds: 10 }
    }

    /// CI's run.
    pub fn quick() -> Settings {
        Settings { sizes: vec![10_000], seconds: 2 }
    }
}

/// What wrk measured.
#[derive(Clone, Copy, Debug)]
struct Load {
    requests_per_second: f64,
    p99_ms: f64,
}

/// What enforcing access policies costs a read: a VPC `GET` by a user whose access policy (Viewer on `is`) is
/// decided on every request, against the same `GET` by the account's administrator, whom no decision is asked for.
/// Both answer the same bytes, which the run checks. Returns (the user's load, the administrator's load).
async fn enforcement(
    admin: &crate::store::Caller,
    vpc_id: &str,
    directory: &Path,
    seconds: u32,
) -> anyhow::Result<(Load, Load)> {
    let base = &admin.base;
    let client = &admin.client;
    let call = |method: reqwest::Method, path: String, body: serde_json::Value| {
        client.request(method, format!("{base}{path}")).bearer_auth(&admin.token).json(&body).send()
    };
    let invited: serde_json::Value = call(
        reqwest::Method::POST,
        format!("/v2/accounts/{}/users", admin.account),
        json!({ "users": [{ "email": "viewer@example.com" }] }),
    )
    .await?
    .json()
    .await?;
    let iam_id = invited["resources"][0]["id"].as_str().with_context(|| format!("user invited: {invited}"))?;
    let key: serde_json::Value =
        call(reqwest::Method::POST, "/v1/apikeys".to_owned(), json!({ "name": "viewer", "iam_id": iam_id }))
            .await?
            .json()
            .await?;
    let api_key = key["apikey"].as_str().with_context(|| format!("key created: {key}"))?;
    let policy = json!({
        "type": "access",
        "subjects": [{ "attributes": [{ "name": "iam_id", "value": iam_id }] }],
        "roles": [{ "role_id": "crn:v1:bluemix:public:iam::::role:Viewer" }],
        "resources": [{ "attributes": [
            { "name": "accountId", "value": admin.account, "operator": "stringEquals" },
            { "name": "serviceName", "value": "is", "operator": "stringEquals" },
        ] }],
    });
    let created = call(reqwest::Method::POST, "/v1/policies".to_owned(), policy).await?;
    if !created.status().is_success() {
        bail!("the Viewer policy was refused: {}", created.text().await?);
    }
    let user_token = crate::store::token(client, base, api_key).await?;
    let url = format!("{base}{VPC_PATH}/{vpc_id}?{VPC_VERSION}");
    let as_admin = client.get(&url).bearer_auth(&admin.token).send().await?.bytes().await?;
    let as_user = client.get(&url).bearer_auth(&user_token).send().await?.bytes().await?;
    if as_admin != as_user {
        bail!("the user and the administrator read different bytes: {}", String::from_utf8_lossy(&as_user));
    }
    let user_script = script(directory, "vpc-user", "GET", Some(&user_token), None)?;
    let admin_script = script(directory, "vpc-admin", "GET", Some(&admin.token), None)?;
    // Alternating halves, so that a disturbance of the machine falls on both.
    let mut user = Vec::new();
    let mut administrator = Vec::new();
    for _ in 0..2 {
        user.push(wrk(&url, &user_script, seconds.div_ceil(2).max(1))?);
        administrator.push(wrk(&url, &admin_script, seconds.div_ceil(2).max(1))?);
    }
    Ok((mean(&user), mean(&administrator)))
}

const VPC_PATH: &str = "/v1/vpcs";
const VPC_VERSION: &str = "version=2026-10-06";

/// The mean rate and p99 of several loads.
fn mean(loads: &[Load]) -> Load {
    let count = loads.len().max(1) as f64;
    Load {
        requests_per_second: loads.iter().map(|load| load.requests_per_second).sum::<f64>() / count,
        p99_ms: loads.iter().map(|load| load.p99_ms).sum::<f64>() / count,
    }
}

/// Parses wrk's `Requests/sec:` line and the `99%` line of `--latency`.
fn parse_wrk(output: &str) -> anyhow::Result<Load> {
    let rate = output
        .lines()
        .find_map(|line| line.trim().strip_prefix("Requests/sec:"))
        .context("wrk printed no Requests/sec")?
        .trim()
        .parse()?;
    let p99 =
        output.lines().find_map(|line| line.trim().strip_prefix("99%")).context("wrk printed no 99% latency")?.trim();
    let (number, unit) = p99.split_at(p99.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(p99.len()));
    let number: f64 = number.parse()?;
    let p99_ms = match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        other => bail!("wrk latency unit `{other}`"),
    };
    Ok(Load { requests_per_second: rate, p99_ms })
}

/// Runs wrk on CPU 1 against `url` for `seconds`, with a Lua script that sets the method, headers and body.
fn wrk(url: &str, script: &Path, seconds: u32) -> anyhow::Result<Load> {
    let output = Command::new("timeout")
        .arg((seconds + 30).to_string())
        .args(["taskset", "-c", "1", "wrk", "-t1", "-c10", &format!("-d{seconds}s"), "--latency", "-s"])
        .arg(script)
        .arg(url)
        .output()
        .context("running wrk (Debian's `wrk`; scripts/bench-setup installs it)")?;
    if !output.status.success() {
        bail!("wrk failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    if text.contains("Non-2xx") {
        bail!("wrk saw error answers: {text}");
    }
    parse_wrk(&text)
}

fn lua_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A wrk script for one request.
fn script(
    directory: &Path,
    name: &str,
    method: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> anyhow::Result<std::path::PathBuf> {
    let mut lua = format!("wrk.method = {}\n", lua_string(method));
    if let Some(token) = token {
        lua.push_str(&format!("wrk.headers[\"Authorization\"] = {}\n", lua_string(&format!("Bearer {token}"))));
    }
    if let Some(body) = body {
        lua.push_str("wrk.headers[\"Content-Type\"] = \"application/json\"\n");
        lua.push_str(&format!("wrk.body = {}\n", lua_string(body)));
    }
    let path = directory.join(format!("{name}.lua"));
    std::fs::write(&path, lua)?;
    Ok(path)
}

/// `hubspoke-bench bare`: answers each request listed in `routes` (lines of `METHOD<tab>PATH?QUERY<tab>FILE`) with
/// the file's bytes, as JSON, doing nothing else: the comparator for hubspoke's endpoints. Prints `listening on
/// http://ADDR` like hubspoke.
pub async fn bare(routes: &Path) -> anyhow::Result<()> {
    use axum::body::Bytes;
    use axum::http::{Method, StatusCode, Uri, header};
    use axum::response::IntoResponse;
    let mut bodies: std::collections::HashMap<(Method, String), Bytes> = std::collections::HashMap::new();
    for line in std::fs::read_to_string(routes)?.lines().filter(|line| !line.is_empty()) {
        let mut parts = line.split('\t');
        let (Some(method), Some(path), Some(file)) = (parts.next(), parts.next(), parts.next()) else {
            bail!("a route line is `METHOD<tab>PATH<tab>FILE`, not `{line}`");
        };
        bodies.insert((method.parse()?, path.to_owned()), Bytes::from(std::fs::read(file)?));
    }
    let bodies = std::sync::Arc::new(bodies);
    let router = axum::Router::new().fallback(axum::routing::any(move |method: Method, uri: Uri| {
        let found = uri.path_and_query().and_then(|path| bodies.get(&(method, path.as_str().to_owned())).cloned());
        async move {
            match found {
                Some(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router).await?;
    Ok(())
}

/// One request loaded against hubspoke and against the bare endpoint, which answers the bytes hubspoke answered.
struct Read {
    name: &'static str,
    method: &'static str,
    /// The path and query.
    path: String,
    token: String,
    body: Option<String>,
}

/// How many items the list pages hold.
const PAGE: usize = 100;

/// Creates `count` VPCs of the administrator's account; their ids.
async fn vpcs(admin: &crate::store::Caller, count: usize) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        let vpc: serde_json::Value = admin
            .client
            .post(format!("{}{VPC_PATH}?{VPC_VERSION}", admin.base))
            .bearer_auth(&admin.token)
            .json(&json!({ "name": format!("bench-read-{n}") }))
            .send()
            .await?
            .json()
            .await?;
        ids.push(vpc["id"].as_str().with_context(|| format!("VPC created: {vpc}"))?.to_owned());
    }
    Ok(ids)
}

/// The owner with the most policies, and its first policy.
fn busiest_owner(policies: &[hubspoke_iam::Policy]) -> &hubspoke_iam::Policy {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for policy in policies {
        *counts.entry(policy.draft.owner.as_str()).or_default() += 1;
    }
    let busiest = counts.iter().max_by_key(|(owner, count)| (**count, std::cmp::Reverse(**owner))).map(|(o, _)| *o);
    policies.iter().find(|policy| Some(policy.draft.owner.as_str()) == busiest).expect("a policy of the busiest owner")
}

/// Runs the suite.
pub async fn run(settings: &Settings) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut rates: Vec<(usize, &'static str, f64)> = Vec::new();
    for &size in &settings.sizes {
        let directory = tempfile::tempdir()?;
        let data = directory.path().join("data");
        std::fs::create_dir_all(&data)?;
        let policies = workload(size, Mix::Realistic, 13, 0).policies;
        let store = SqlStore::open_sqlite(&data.join("hubspoke.db")).await?;
        for batch in policies.chunks(10_000) {
            store.import_policies(batch).await?;
        }
        store.close().await;
        // The owner with the most policies, so that its list page is full.
        let first = busiest_owner(&policies);
        let owner = first.draft.owner.as_str().to_owned();
        let spoke = first.draft.subject_account().to_owned();
        let spoke_vpc = first.draft.subject_attribute("resource").and_then(|a| a.text()).unwrap_or_default().to_owned();
        let hub_vpc = first.draft.resource_attribute("vpcId").and_then(|a| a.text()).unwrap_or_default().to_owned();
        let policy_id = first.id.clone();
        drop(policies);

        let served = serve(&["--data-dir", &data.display().to_string()], Some(0))?;
        let admin = caller(&served.base, &owner).await?;
        let evaluation = json!({
            "subject": { "type": "vpc", "id": spoke_vpc, "properties": { "accountId": spoke, "serviceName": "is", "resourceType": "vpc" } },
            "action": { "name": crate::data::CONNECT },
            "resource": { "type": "vpc", "id": hub_vpc, "properties": { "accountId": owner, "serviceName": "is", "vpcId": hub_vpc } }
        })
        .to_string();
        let vpc_ids = vpcs(&admin, PAGE).await?;
        let read = |name, method, path: String, body: Option<&str>| Read {
            name,
            method,
            path,
            token: admin.token.clone(),
            body: body.map(str::to_owned),
        };
        let reads = [
            read("GET /v1/policies/{id}", "GET", format!("/v1/policies/{policy_id}"), None),
            read("POST /access/v1/evaluation", "POST", "/access/v1/evaluation".to_owned(), Some(&evaluation)),
            read(
                "GET /v1/policies, 100 per page",
                "GET",
                format!("/v1/policies?account_id={owner}&limit={PAGE}"),
                None,
            ),
            read("GET /v1/vpcs/{id}", "GET", format!("{VPC_PATH}/{}?{VPC_VERSION}", vpc_ids[0]), None),
            read("GET /v1/vpcs, 100 per page", "GET", format!("{VPC_PATH}?{VPC_VERSION}&limit={PAGE}"), None),
        ];
        // The bytes hubspoke answers, which the bare endpoint will answer too; each checked for what it must hold.
        let mut routes = String::new();
        let mut ours = Vec::with_capacity(reads.len());
        for (n, read) in reads.iter().enumerate() {
            let url = format!("{}{}", served.base, read.path);
            let mut request = admin.client.request(read.method.parse()?, &url).bearer_auth(&read.token);
            if let Some(body) = &read.body {
                request = request.header("content-type", "application/json").body(body.clone());
            }
            let response = request.send().await?;
            if !response.status().is_success() {
                bail!("{} answered {}: {}", read.name, response.status(), response.text().await?);
            }
            let bytes = response.bytes().await?;
            let text = String::from_utf8_lossy(&bytes);
            let full = |key: &str| {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .and_then(|value| value[key].as_array().map(Vec::len))
                    == Some(PAGE)
            };
            match read.name {
                "POST /access/v1/evaluation" if !text.contains("\"decision\":true") => {
                    bail!("the evaluation is not permitted: {text}")
                }
                "GET /v1/policies, 100 per page" if !full("policies") => bail!("the policy page is not full: {text}"),
                "GET /v1/vpcs, 100 per page" if !full("vpcs") => bail!("the VPC page is not full: {text}"),
                _ => {}
            }
            let answer = directory.path().join(format!("answer-{n}.json"));
            std::fs::write(&answer, &bytes)?;
            routes.push_str(&format!("{}\t{}\t{}\n", read.method, read.path, answer.display()));
            let script =
                script(directory.path(), &format!("read-{n}"), read.method, Some(&read.token), read.body.as_deref())?;
            ours.push((url, script));
        }
        let ours: Vec<Load> =
            ours.iter().map(|(url, script)| wrk(url, script, settings.seconds)).collect::<anyhow::Result<_>>()?;
        let enforced = enforcement(&admin, &vpc_ids[0], directory.path(), settings.seconds).await?;
        drop(served);

        let routes_file = directory.path().join("routes.tsv");
        std::fs::write(&routes_file, routes)?;
        let bare = crate::store::spawn_pinned(
            &std::env::current_exe()?,
            &["bare", "--routes", &routes_file.display().to_string()],
            Some(0),
        )?;
        let theirs: Vec<Load> = reads
            .iter()
            .enumerate()
            .map(|(n, read)| {
                wrk(
                    &format!("{}{}", bare.base, read.path),
                    &directory.path().join(format!("read-{n}.lua")),
                    settings.seconds,
                )
            })
            .collect::<anyhow::Result<_>>()?;
        drop(bare);

        for ((read, ours), theirs) in reads.iter().zip(ours).zip(theirs) {
            rows.push(
                Row::info("http", read.name, size, "requests/s", ours.requests_per_second)
                    .against("bare axum, same bytes", theirs.requests_per_second)
                    .target("≥ 0.7× bare", ours.requests_per_second >= 0.7 * theirs.requests_per_second),
            );
            rows.push(
                Row::info("http", read.name, size, "p99 ms", ours.p99_ms)
                    .against("bare axum, same bytes", theirs.p99_ms)
                    .target("≤ 2× bare", ours.p99_ms <= 2.0 * theirs.p99_ms),
            );
            rates.push((size, read.name, ours.requests_per_second));
        }
        let (user, administrator) = enforced;
        let name = "GET /v1/vpcs/{id}, a Viewer user";
        rows.push(
            Row::info("http", name, size, "requests/s", user.requests_per_second)
                .against("the administrator (no decision), same bytes", administrator.requests_per_second)
                .target(
                    "≥ 0.85× the administrator",
                    user.requests_per_second >= 0.85 * administrator.requests_per_second,
                ),
        );
        rows.push(
            Row::info("http", name, size, "p99 ms", user.p99_ms)
                .against("the administrator (no decision), same bytes", administrator.p99_ms)
                .target("≤ 1.15× the administrator", user.p99_ms <= 1.15 * administrator.p99_ms),
        );
    }
    // Size independence: the largest set against the smallest, per endpoint.
    if let (Some(&small), Some(&large)) = (settings.sizes.first(), settings.sizes.last())
        && large > small
    {
        for (size, name, rate) in rates.iter().filter(|(size, ..)| *size == large) {
            if let Some((.., base)) = rates.iter().find(|(s, n, _)| *s == small && n == name) {
                rows.push(
                    Row::info("http", *name, *size, "requests/s, vs the smallest set", *rate)
                        .against(format!("hubspoke at {small}"), *base)
                        .target("within 10%", (rate / base - 1.0).abs() <= 0.10),
                );
            }
        }
    }
    Ok(rows)
}
