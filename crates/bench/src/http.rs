//! Suite `http`: decisions and reads over HTTP. wrk (pinned to CPU 1) loads hubspoke's AuthZEN evaluation endpoint
//! and `GET /v1/policies/{id}` (server pinned to CPU 0), then a bare axum endpoint in this binary that answers the
//! same bytes without doing anything (also on CPU 0): the ratio is what hubspoke's work costs over HTTP itself.

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
async fn enforcement(admin: &crate::store::Caller, directory: &Path, seconds: u32) -> anyhow::Result<(Load, Load)> {
    let base = &admin.base;
    let client = &admin.client;
    let call = |method: reqwest::Method, path: String, body: serde_json::Value| {
        client.request(method, format!("{base}{path}")).bearer_auth(&admin.token).json(&body).send()
    };
    let vpc: serde_json::Value =
        call(reqwest::Method::POST, VPC_PATH.to_owned() + "?version=2026-10-06", json!({ "name": "bench-enforced" }))
            .await?
            .json()
            .await?;
    let vpc_id = vpc["id"].as_str().with_context(|| format!("VPC created: {vpc}"))?.to_owned();
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
    let url = format!("{base}{VPC_PATH}/{vpc_id}?version=2026-10-06");
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

/// `hubspoke-bench bare`: answers every GET with one file's bytes and every POST with another's, as JSON, doing
/// nothing else: the comparator for hubspoke's endpoints. Prints `listening on http://ADDR` like hubspoke.
pub async fn bare(get_body: &Path, post_body: &Path) -> anyhow::Result<()> {
    use axum::routing::any;
    let get = axum::body::Bytes::from(std::fs::read(get_body)?);
    let post = axum::body::Bytes::from(std::fs::read(post_body)?);
    let router = axum::Router::new().fallback(any(move |method: axum::http::Method| {
        let body = if method == axum::http::Method::POST { post.clone() } else { get.clone() };
        async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], body) }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router).await?;
    Ok(())
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
        let owner = policies[0].draft.owner.as_str().to_owned();
        let spoke = policies[0].draft.subject_account().to_owned();
        let spoke_vpc =
            policies[0].draft.subject_attribute("resource").and_then(|a| a.text()).unwrap_or_default().to_owned();
        let hub_vpc =
            policies[0].draft.resource_attribute("vpcId").and_then(|a| a.text()).unwrap_or_default().to_owned();
        let policy_id = policies[0].id.clone();
        drop(policies);

        let served = serve(&["--data-dir", &data.display().to_string()], Some(0))?;
        let admin = caller(&served.base, &owner).await?;
        let evaluation = json!({
            "subject": { "type": "vpc", "id": spoke_vpc, "properties": { "accountId": spoke, "serviceName": "is", "resourceType": "vpc" } },
            "action": { "name": crate::data::CONNECT },
            "resource": { "type": "vpc", "id": hub_vpc, "properties": { "accountId": owner, "serviceName": "is", "vpcId": hub_vpc } }
        })
        .to_string();
        // The bytes hubspoke answers, which the bare endpoint will answer too.
        let get_url = format!("{}/v1/policies/{policy_id}", served.base);
        let get_bytes = admin.client.get(&get_url).bearer_auth(&admin.token).send().await?.bytes().await?;
        let post_url = format!("{}/access/v1/evaluation", served.base);
        let decision = admin
            .client
            .post(&post_url)
            .bearer_auth(&admin.token)
            .header("content-type", "application/json")
            .body(evaluation.clone())
            .send()
            .await?
            .bytes()
            .await?;
        if !String::from_utf8_lossy(&decision).contains("\"decision\":true") {
            bail!("the evaluation is not permitted: {}", String::from_utf8_lossy(&decision));
        }
        std::fs::write(directory.path().join("get.json"), &get_bytes)?;
        std::fs::write(directory.path().join("post.json"), &decision)?;

        let get_script = script(directory.path(), "get", "GET", Some(&admin.token), None)?;
        let post_script = script(directory.path(), "post", "POST", Some(&admin.token), Some(&evaluation))?;
        let ours_get = wrk(&get_url, &get_script, settings.seconds)?;
        let ours_post = wrk(&post_url, &post_script, settings.seconds)?;
        let enforced = enforcement(&admin, directory.path(), settings.seconds).await?;
        drop(served);

        let bare = crate::store::spawn_pinned(
            &std::env::current_exe()?,
            &[
                "bare",
                "--get-body",
                &directory.path().join("get.json").display().to_string(),
                "--post-body",
                &directory.path().join("post.json").display().to_string(),
            ],
            Some(0),
        )?;
        let bare_get = wrk(&format!("{}/v1/policies/{policy_id}", bare.base), &get_script, settings.seconds)?;
        let bare_post = wrk(&format!("{}/access/v1/evaluation", bare.base), &post_script, settings.seconds)?;
        drop(bare);

        for (name, ours, theirs) in
            [("GET /v1/policies/{id}", ours_get, bare_get), ("POST /access/v1/evaluation", ours_post, bare_post)]
        {
            rows.push(
                Row::info("http", name, size, "requests/s", ours.requests_per_second)
                    .against("bare axum, same bytes", theirs.requests_per_second)
                    .target("≥ 0.7× bare", ours.requests_per_second >= 0.7 * theirs.requests_per_second),
            );
            rows.push(
                Row::info("http", name, size, "p99 ms", ours.p99_ms)
                    .against("bare axum, same bytes", theirs.p99_ms)
                    .target("≤ 2× bare", ours.p99_ms <= 2.0 * theirs.p99_ms),
            );
            rates.push((size, name, ours.requests_per_second));
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
