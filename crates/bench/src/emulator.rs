//! Suite `emulator`: what an emulator costs a test suite, hubspoke against moto's server (the emulator AWS users pick
//! for the same job), each started the way its users start it and driven the same way.
//!
//! - *start*: from spawning the process to its first successful API call (hubspoke: an API-key exchange; moto: EC2
//!   `DescribeRegions`), polled every 2 ms;
//! - *reset*: the emulator's own reset between two tests (`POST /_hubspoke/reset`, `POST /moto-api/reset`), each
//!   after a network build;
//! - *build*: a network of the same shape in each API — a VPC, two subnets, an endpoint gateway (an interface VPC
//!   endpoint), a private DNS zone for the VPC (a DNS Services instance, zone and permitted network; a private hosted
//!   zone) and 100 records, one call each — then 1,000 reads of the VPC by id. Driven once by one raw HTTP client
//!   (reqwest, one connection) and once by each ecosystem's official Python SDK (`emulator_sdk.py`: ibm-vpc,
//!   ibm-platform-services and ibm-cloud-networking-services; boto3).
//!
//! LocalStack, the other emulator AWS users pick, is not measured: `localstack-core` from PyPI does not start on its
//! own (its runtime is distributed as a container image the `localstack` CLI runs), and machines like CI's have no
//! container daemon. BENCHMARKS.md says what was tried.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::report::Row;

/// The operator key hubspoke is started with.
const OPERATOR_KEY: &str = "bench-operator-key-emulator-0123";

/// A fixed id for the account the builds run in.
const ACCOUNT: &str = "0000000300000000000000000000ffff";

/// The VPC API version every hubspoke call names.
const VERSION: &str = "version=2025-06-10&generation=2";

/// The endpoint gateway's target (Cloud Object Storage's direct endpoint in us-south).
const COS_TARGET: &str = "crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud";

/// The SDK driver, run with `python3`.
const SDK_SCRIPT: &str = include_str!("emulator_sdk.py");

/// Sizes of one run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Starts timed per emulator.
    pub starts: usize,
    /// Builds (each followed by a timed reset) per emulator and client.
    pub builds: usize,
    /// Records in the private zone.
    pub records: usize,
    /// Reads of the VPC after each build.
    pub reads: usize,
}

impl Settings {
    /// The full run.
    pub fn full() -> Settings {
        Settings { starts: 10, builds: 5, records: 100, reads: 1000 }
    }

    /// CI's run: every path once, small.
    pub fn quick() -> Settings {
        Settings { starts: 2, builds: 1, records: 10, reads: 50 }
    }
}

/// One emulator process; killed on drop.
struct Process {
    child: Child,
    base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (the emulators are told which port to use, as their users do).
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Which emulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Emulator {
    Hubspoke,
    Moto,
}

impl Emulator {
    fn name(self) -> &'static str {
        match self {
            Emulator::Hubspoke => "hubspoke",
            Emulator::Moto => "moto",
        }
    }

    /// Spawns the emulator on a free port, as its users start it.
    fn spawn(self) -> anyhow::Result<Process> {
        let port = free_port()?;
        let mut command = match self {
            Emulator::Hubspoke => {
                let mut command = Command::new(crate::store::hubspoke_binary()?);
                command
                    .args(["serve", "--ephemeral", "--listen", &format!("127.0.0.1:{port}"), "--dns-port", "0"])
                    .args(["--login-attempts", "0"])
                    .env("HUBSPOKE_OPERATOR_APIKEY", OPERATOR_KEY)
                    .env("RUST_LOG", "warn");
                command
            }
            Emulator::Moto => {
                let mut command = Command::new("moto_server");
                command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
                command
            }
        };
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {} (scripts/bench-setup installs it)", self.name()))?;
        Ok(Process { child, base: format!("http://127.0.0.1:{port}") })
    }

    /// The first API call a test makes: an API-key exchange, or EC2 `DescribeRegions`.
    async fn first_call(self, client: &reqwest::Client, base: &str) -> bool {
        let request = match self {
            Emulator::Hubspoke => client
                .post(format!("{base}/identity/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey={OPERATOR_KEY}")),
            Emulator::Moto => aws(client, base, "ec2").body("Action=DescribeRegions&Version=2016-11-15"),
        };
        matches!(request.send().await, Ok(response) if response.status().is_success())
    }
}

/// An unsigned AWS query-API request whose credential scope names `service` (moto routes by it and checks no
/// signature).
fn aws(client: &reqwest::Client, base: &str, service: &str) -> reqwest::RequestBuilder {
    client
        .post(format!("{base}/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", aws_authorization(service))
}

fn aws_authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}

/// Spawns, waits for the first successful call, and returns the process with the time it took.
async fn start(emulator: Emulator, client: &reqwest::Client) -> anyhow::Result<(Process, Duration)> {
    let started = Instant::now();
    let process = emulator.spawn()?;
    while !emulator.first_call(client, &process.base).await {
        if started.elapsed() > Duration::from_secs(60) {
            bail!("{} did not answer within 60 s", emulator.name());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok((process, started.elapsed()))
}

/// The text of the first `<tag>…</tag>` in an XML answer.
fn xml_text<'a>(body: &'a str, tag: &str) -> anyhow::Result<&'a str> {
    let open = format!("<{tag}>");
    let start = body.find(&open).map(|at| at + open.len()).with_context(|| format!("no <{tag}> in {body}"))?;
    let end = body[start..].find('<').map(|at| start + at).context("an unterminated element")?;
    Ok(&body[start..end])
}

/// hubspoke's side: an operator token and the account's administrator token.
struct HubspokeSession {
    operator: String,
    admin: String,
}

async fn json_call(request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let response = request.send().await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("{status}: {body}");
    }
    Ok(body)
}

async fn hubspoke_token(client: &reqwest::Client, base: &str, api_key: &str) -> anyhow::Result<String> {
    let body = json_call(
        client
            .post(format!("{base}/identity/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey={api_key}")),
    )
    .await?;
    Ok(body["access_token"].as_str().context("a token")?.to_owned())
}

/// Creates the build's account (once per process: a reset keeps accounts) and returns both tokens and its API key.
async fn hubspoke_session(client: &reqwest::Client, base: &str) -> anyhow::Result<(HubspokeSession, String)> {
    let operator = hubspoke_token(client, base, OPERATOR_KEY).await?;
    let created = json_call(
        client
            .post(format!("{base}/_hubspoke/accounts"))
            .bearer_auth(&operator)
            .json(&json!({ "name": "bench", "id": ACCOUNT })),
    )
    .await?;
    let api_key = created["apikey"].as_str().context("an API key")?.to_owned();
    let admin = hubspoke_token(client, base, &api_key).await?;
    Ok((HubspokeSession { operator, admin }, api_key))
}

/// The network build over raw HTTP; returns the calls made, the build's time, and the reads' time.
async fn build_hubspoke(
    client: &reqwest::Client,
    base: &str,
    session: &HubspokeSession,
    settings: &Settings,
    round: usize,
) -> anyhow::Result<(usize, Duration, Duration)> {
    let token = &session.admin;
    let post = |path: &str, body: Value| client.post(format!("{base}{path}")).bearer_auth(token).json(&body);
    let started = Instant::now();
    let vpc = json_call(post(&format!("/v1/vpcs?{VERSION}"), json!({ "name": format!("bench-{round}") }))).await?;
    let vpc_id = vpc["id"].as_str().context("a VPC id")?.to_owned();
    let vpc_crn = vpc["crn"].as_str().context("a VPC CRN")?.to_owned();
    let mut subnets = Vec::new();
    for (index, zone) in ["us-south-1", "us-south-2"].into_iter().enumerate() {
        let subnet = json_call(post(
            &format!("/v1/subnets?{VERSION}"),
            json!({ "name": format!("bench-{round}-{index}"), "vpc": { "id": vpc_id }, "zone": { "name": zone },
                    "total_ipv4_address_count": 256 }),
        ))
        .await?;
        subnets.push(subnet["id"].as_str().context("a subnet id")?.to_owned());
    }
    json_call(post(
        &format!("/v1/endpoint_gateways?{VERSION}"),
        json!({ "name": format!("bench-{round}-cos"), "vpc": { "id": vpc_id },
                "target": { "crn": COS_TARGET, "resource_type": "provider_cloud_service" },
                "ips": [{ "subnet": { "id": subnets[0] } }] }),
    ))
    .await?;
    let instance = json_call(post(
        "/v2/resource_instances",
        json!({ "name": format!("bench-{round}-dns"), "target": "global", "resource_plan_id": "standard-dns" }),
    ))
    .await?;
    let guid = instance["guid"].as_str().context("an instance guid")?.to_owned();
    let zone = json_call(post(
        &format!("/v1/instances/{guid}/dnszones"),
        json!({ "name": format!("bench{round}.example.com") }),
    ))
    .await?;
    let zone_id = zone["id"].as_str().context("a zone id")?.to_owned();
    let records = format!("/v1/instances/{guid}/dnszones/{zone_id}");
    json_call(post(
        &format!("{records}/permitted_networks"),
        json!({ "type": "vpc", "permitted_network": { "vpc_crn": vpc_crn } }),
    ))
    .await?;
    for index in 0..settings.records {
        json_call(post(
            &format!("{records}/resource_records"),
            json!({ "type": "A", "name": format!("host{index}"), "ttl": 900,
                    "rdata": { "ip": format!("10.240.{}.{}", index / 250, index % 250 + 4) } }),
        ))
        .await?;
    }
    let built = started.elapsed();
    let started = Instant::now();
    for _ in 0..settings.reads {
        json_call(client.get(format!("{base}/v1/vpcs/{vpc_id}?{VERSION}")).bearer_auth(token)).await?;
    }
    Ok((8 + settings.records, built, started.elapsed()))
}

async fn xml_call(request: reqwest::RequestBuilder) -> anyhow::Result<String> {
    let response = request.send().await?;
    let status = response.status();
    let body = response.text().await?;
    if !status.is_success() {
        bail!("{status}: {body}");
    }
    Ok(body)
}

/// The same build against moto: EC2's query API and Route 53's REST API.
async fn build_moto(
    client: &reqwest::Client,
    base: &str,
    settings: &Settings,
    round: usize,
) -> anyhow::Result<(usize, Duration, Duration)> {
    let ec2 = |body: String| aws(client, base, "ec2").body(format!("{body}&Version=2016-11-15"));
    let started = Instant::now();
    let vpc = xml_call(ec2("Action=CreateVpc&CidrBlock=10.240.0.0%2F16".to_owned())).await?;
    let vpc_id = xml_text(&vpc, "vpcId")?.to_owned();
    let mut subnets = Vec::new();
    for (index, zone) in ["us-east-1a", "us-east-1b"].into_iter().enumerate() {
        let subnet = xml_call(ec2(format!(
            "Action=CreateSubnet&VpcId={vpc_id}&CidrBlock=10.240.{index}.0%2F24&AvailabilityZone={zone}"
        )))
        .await?;
        subnets.push(xml_text(&subnet, "subnetId")?.to_owned());
    }
    xml_call(ec2(format!(
        "Action=CreateVpcEndpoint&VpcId={vpc_id}&ServiceName=com.amazonaws.us-east-1.s3&VpcEndpointType=Interface&SubnetId.1={}",
        subnets[0]
    )))
    .await?;
    let route53 = |path: String, body: String| {
        client
            .post(format!("{base}/2013-04-01/{path}"))
            .header("authorization", aws_authorization("route53"))
            .header("content-type", "application/xml")
            .body(body)
    };
    let zone = xml_call(route53(
        "hostedzone".to_owned(),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>bench{round}.example.com</Name><CallerReference>bench-{round}</CallerReference><VPC><VPCRegion>us-east-1</VPCRegion><VPCId>{vpc_id}</VPCId></VPC><HostedZoneConfig><PrivateZone>true</PrivateZone></HostedZoneConfig></CreateHostedZoneRequest>"#
        ),
    ))
    .await?;
    let zone_id = xml_text(&zone, "Id")?.trim_start_matches("/hostedzone/").to_owned();
    for index in 0..settings.records {
        xml_call(route53(
            format!("hostedzone/{zone_id}/rrset/"),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes><Change><Action>CREATE</Action><ResourceRecordSet><Name>host{index}.bench{round}.example.com</Name><Type>A</Type><TTL>900</TTL><ResourceRecords><ResourceRecord><Value>10.240.{}.{}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"#,
                index / 250,
                index % 250 + 4
            ),
        ))
        .await?;
    }
    let built = started.elapsed();
    let started = Instant::now();
    for _ in 0..settings.reads {
        let answer = xml_call(ec2(format!("Action=DescribeVpcs&VpcId.1={vpc_id}"))).await?;
        if !answer.contains(&vpc_id) {
            bail!("moto did not describe {vpc_id}: {answer}");
        }
    }
    // One call fewer than hubspoke's: an AWS private zone names its VPC when created, where DNS Services adds the
    // VPC as a permitted network; and AWS has no instance to create first.
    Ok((6 + settings.records, built, started.elapsed()))
}

/// The emulator's reset.
async fn reset(
    emulator: Emulator,
    client: &reqwest::Client,
    base: &str,
    operator: Option<&str>,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let response = match emulator {
        Emulator::Hubspoke => {
            // Every account's state; the body names an account to reset one only.
            let reset = client.post(format!("{base}/_hubspoke/reset")).bearer_auth(operator.unwrap_or_default());
            reset.json(&json!({})).send().await?
        }
        Emulator::Moto => client.post(format!("{base}/moto-api/reset")).send().await?,
    };
    if !response.status().is_success() {
        bail!("{} reset: {}", emulator.name(), response.status());
    }
    Ok(started.elapsed())
}

/// What the SDK driver reports for one build.
struct SdkRun {
    calls: usize,
    build: f64,
    reads: f64,
}

/// Runs the SDK driver against a running emulator.
fn sdk_build(
    emulator: Emulator,
    base: &str,
    api_key: &str,
    settings: &Settings,
    round: usize,
) -> anyhow::Result<SdkRun> {
    let directory = tempfile::tempdir()?;
    let script = directory.path().join("emulator_sdk.py");
    std::fs::write(&script, SDK_SCRIPT)?;
    let output = Command::new("python3")
        .arg(&script)
        .args([emulator.name(), base, api_key, &settings.records.to_string(), &settings.reads.to_string()])
        .arg(round.to_string())
        .output()
        .context("running python3 (scripts/bench-setup installs the SDKs)")?;
    if !output.status.success() {
        bail!("the {} SDK build failed: {}", emulator.name(), String::from_utf8_lossy(&output.stderr));
    }
    let report: Value = serde_json::from_slice(&output.stdout).context("the SDK driver's report")?;
    Ok(SdkRun {
        calls: report["calls"].as_u64().context("calls")? as usize,
        build: report["build_seconds"].as_f64().context("build_seconds")?,
        reads: report["read_seconds"].as_f64().context("read_seconds")?,
    })
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Medians of one emulator's figures.
#[derive(Default)]
struct Figures {
    start_ms: Vec<f64>,
    reset_ms: Vec<f64>,
    raw_build: Vec<f64>,
    raw_reads: Vec<f64>,
    sdk_build: Vec<f64>,
    sdk_reads: Vec<f64>,
}

async fn measure(emulator: Emulator, settings: &Settings) -> anyhow::Result<Figures> {
    // One connection, kept alive, as a test suite's client holds it.
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build()?;
    let mut figures = Figures::default();
    for _ in 0..settings.starts {
        let (_process, took) = start(emulator, &client).await?;
        figures.start_ms.push(took.as_secs_f64() * 1000.0);
    }
    let (process, _) = start(emulator, &client).await?;
    let base = process.base.clone();
    let session = match emulator {
        Emulator::Hubspoke => Some(hubspoke_session(&client, &base).await?),
        Emulator::Moto => None,
    };
    for round in 0..settings.builds {
        let (calls, built, read) = match (&session, emulator) {
            (Some((session, _)), Emulator::Hubspoke) => {
                build_hubspoke(&client, &base, session, settings, round).await?
            }
            _ => build_moto(&client, &base, settings, round).await?,
        };
        figures.raw_build.push(calls as f64 / built.as_secs_f64());
        figures.raw_reads.push(settings.reads as f64 / read.as_secs_f64());
        let api_key = session.as_ref().map(|(_, key)| key.as_str()).unwrap_or("testing");
        let sdk = sdk_build(emulator, &base, api_key, settings, round)?;
        figures.sdk_build.push(sdk.calls as f64 / sdk.build);
        figures.sdk_reads.push(settings.reads as f64 / sdk.reads);
        let operator = session.as_ref().map(|(session, _)| session.operator.as_str());
        figures.reset_ms.push(reset(emulator, &client, &base, operator).await?.as_secs_f64() * 1000.0);
    }
    Ok(figures)
}

/// Runs the suite.
pub async fn run(settings: &Settings) -> anyhow::Result<Vec<Row>> {
    let ours = measure(Emulator::Hubspoke, settings).await?;
    let moto = measure(Emulator::Moto, settings).await?;
    let row = |workload: &str, metric: &str, ours: &[f64], theirs: &[f64]| {
        Row::info("emulator", workload.to_owned(), settings.records, metric, median(ours.to_vec()))
            .against("moto", median(theirs.to_vec()))
    };
    let lower = |row: Row, factor: f64| {
        let met = row.ours * factor <= row.comparator.as_ref().map_or(0.0, |(_, theirs)| *theirs);
        row.target(format!("≤ 1/{factor} of moto's"), met)
    };
    let higher = |row: Row, factor: f64| {
        let met = row.ours >= factor * row.comparator.as_ref().map_or(f64::INFINITY, |(_, theirs)| *theirs);
        row.target(format!("≥ {factor}× moto's"), met)
    };
    Ok(vec![
        lower(row("start to first call", "ms, median", &ours.start_ms, &moto.start_ms), 10.0),
        lower(row("reset after a build", "ms, median", &ours.reset_ms, &moto.reset_ms), 10.0),
        higher(row("network build, raw HTTP", "calls/s", &ours.raw_build, &moto.raw_build), 3.0),
        higher(row("reads of the VPC, raw HTTP", "calls/s", &ours.raw_reads, &moto.raw_reads), 3.0),
        higher(row("network build, official SDK", "calls/s", &ours.sdk_build, &moto.sdk_build), 3.0),
        higher(row("reads of the VPC, official SDK", "calls/s", &ours.sdk_reads, &moto.sdk_reads), 3.0),
    ])
}

#[cfg(test)]
mod tests {
    use super::xml_text;

    #[test]
    fn xml_text_finds_the_first_element() {
        let body = "<a><vpcId>vpc-1</vpcId><vpcId>vpc-2</vpcId></a>";
        assert_eq!(xml_text(body, "vpcId").unwrap(), "vpc-1");
        assert!(xml_text(body, "subnetId").is_err());
    }
}
