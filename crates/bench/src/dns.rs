//! Suite `dns`: the same records served by hubspoke, Knot and NSD, loaded by dnsperf on loopback (servers on CPU 0,
//! dnsperf on CPU 1): queries per second and server CPU per query over UDP and TCP, positive and mixed queries, a mix
//! over eight VPC views, a DNS Services zone's records, names forwarded to an upstream (Knot, on the other CPU), and
//! how soon a binding change (through the API) and a record change (in the data plane) are answered.
//!
//! hubspoke's views are chosen by the address a query is sent to (each VPC's DNS endpoint); neither Knot nor NSD has
//! such views, so they serve the union of every view's names from one zone, and each view's queries name only what
//! that view answers. Every comparator is first checked to give hubspoke's answers (code and addresses) to a sample of
//! every query file.

mod servers;
mod world;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hickory_proto::rr::RecordType;
use hubspoke_store::{SqlStore, Store, WorldWrite};
use serde_json::json;

use crate::report::Row;
use crate::store::{Caller, caller, serve};
use servers::{Answer, Load, Run, ask, cpu_seconds, dnsperf};
use world::{Mix, Plan, Question, VISIBLE_NAME, VISIBLE_SPOKE};

/// How big and how long.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Numbers of endpoint names.
    pub sizes: Vec<usize>,
    /// Seconds of load per measurement.
    pub seconds: u32,
    /// Binding changes timed per size.
    pub rounds: usize,
}

impl Settings {
    /// The full run.
    pub fn full() -> Settings {
        Settings { sizes: vec![1_000, 10_000, 100_000, 1_000_000], seconds: 10, rounds: 5 }
    }

    /// CI's run.
    pub fn quick() -> Settings {
        Settings { sizes: vec![1_000], seconds: 2, rounds: 2 }
    }
}

/// The servers are pinned here, dnsperf to the other CPU.
const SERVER_CPU: u32 = 0;
const LOAD_CPU: u32 = 1;
/// Queries drawn into each file (dnsperf goes round a file as often as the time allows).
const QUESTIONS: usize = 50_000;
/// Queries of each file asked of every server to check that they agree.
const SAMPLE: usize = 200;

/// One measured workload.
struct Workload {
    name: &'static str,
    tcp: bool,
    /// Whether the targets against Knot apply (not to forwarded names, which Knot answers itself).
    targets: bool,
    /// One file per destination: a single file goes to the hub's endpoint; the view mix has one per VPC endpoint.
    files: Vec<(PathBuf, std::net::Ipv4Addr)>,
}

/// What one server did under one workload.
#[derive(Clone, Copy, Debug)]
struct Measured {
    load: Load,
    cpu_us_per_query: f64,
}

/// Runs every workload against one server; `destination` maps a hubspoke endpoint to where this server answers it.
fn measure(
    workloads: &[Workload],
    pid: u32,
    destination: impl Fn(std::net::Ipv4Addr) -> SocketAddr,
    seconds: u32,
) -> anyhow::Result<Vec<Measured>> {
    let mut measured = Vec::new();
    for workload in workloads {
        // Ten clients with 200 queries in flight in all, shared out among the files.
        let share = workload.files.len() as u32;
        let runs: Vec<Run> = workload
            .files
            .iter()
            .map(|(path, endpoint)| Run {
                server: destination(*endpoint),
                queries: path,
                tcp: workload.tcp,
                clients: (10 / share).max(1),
                outstanding: (200 / share).max(1),
                seconds,
            })
            .collect();
        let before = cpu_seconds(pid)?;
        let load = Load::sum(&dnsperf(&runs, LOAD_CPU)?);
        let cpu = cpu_seconds(pid)? - before;
        if load.completed == 0.0 {
            bail!("no query of `{}` was answered", workload.name);
        }
        measured.push(Measured { load, cpu_us_per_query: cpu * 1e6 / load.completed });
    }
    Ok(measured)
}

/// Stores the plan's world the way hubspoke stores worlds, in one compare-and-set write.
async fn seed(plan: &Plan, data: &Path) -> anyhow::Result<()> {
    let store = SqlStore::open_sqlite(&data.join("hubspoke.db")).await?;
    let (_, revision) = store.load_world().await?;
    let writes: Vec<WorldWrite> = plan.entities.iter().cloned().map(WorldWrite::Put).collect();
    store.write_world(revision, &writes, &[]).await?;
    store.close().await;
    Ok(())
}

/// A sample of a file's questions, with the endpoint they go to.
fn sample(questions: &[Question], endpoint: std::net::Ipv4Addr) -> Vec<(Question, std::net::Ipv4Addr)> {
    questions.iter().take(SAMPLE).map(|question| (question.clone(), endpoint)).collect()
}

/// Asks every sampled question of one server.
fn answers(
    questions: &[(Question, std::net::Ipv4Addr)],
    destination: impl Fn(std::net::Ipv4Addr) -> SocketAddr,
) -> anyhow::Result<Vec<Answer>> {
    questions.iter().map(|(question, endpoint)| ask(destination(*endpoint), &question.name, question.kind)).collect()
}

/// The VPC API's required `version` query parameter.
const VERSION: &str = "version=2026-10-06";

/// The policy that lets the visibility spoke bind to the hub.
fn grant(hub: &str) -> serde_json::Value {
    json!({
        "type": "authorization",
        "subjects": [{ "attributes": [
            { "name": "accountId", "value": world::SPOKE_ACCOUNT },
            { "name": "serviceName", "value": "is" },
            { "name": "resourceType", "value": "vpc" },
            { "name": "resource", "value": VISIBLE_SPOKE }
        ]}],
        "roles": [{ "role_id": crate::data::ROLE }],
        "resources": [{ "attributes": [
            { "name": "accountId", "value": world::HUB_ACCOUNT },
            { "name": "serviceName", "value": "is" },
            { "name": "vpcId", "value": hub }
        ]}]
    })
}

/// Waits until the hub's endpoint answers the visibility name as `bound` says; the time since `from`, in ms.
async fn answered(hub: SocketAddr, bound: bool, from: Instant) -> anyhow::Result<f64> {
    tokio::task::spawn_blocking(move || {
        let deadline = from + Duration::from_secs(10);
        while Instant::now() < deadline {
            let answer = ask(hub, VISIBLE_NAME, RecordType::A)?;
            if (answer.rcode == 0 && !answer.addresses.is_empty()) == bound {
                return Ok(from.elapsed().as_secs_f64() * 1000.0);
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        bail!("the hub did not {} `{VISIBLE_NAME}` within 10 s", if bound { "answer" } else { "forget" })
    })
    .await?
}

/// How soon binding changes are answered (ms, one per round).
#[derive(Debug, Default)]
struct Visibility {
    /// From sending the create until the hub answers the spoke's name.
    bound: Vec<f64>,
    /// Of which the create request itself, until its response arrived.
    create_request: Vec<f64>,
    /// From sending the delete until the hub stops answering.
    unbound: Vec<f64>,
}

/// Binds and unbinds the visibility spoke `rounds` times through the API, timing each from sending its request.
async fn visibility(
    hub: &Caller,
    spoke: &Caller,
    hub_vpc: &str,
    at: SocketAddr,
    rounds: usize,
) -> anyhow::Result<Visibility> {
    let vpc: serde_json::Value = hub
        .client
        .get(format!("{}/v1/vpcs/{hub_vpc}?{VERSION}", hub.base))
        .bearer_auth(&hub.token)
        .send()
        .await?
        .json()
        .await?;
    let crn = vpc["crn"].as_str().with_context(|| format!("the hub's CRN: {vpc}"))?.to_owned();
    let created = hub
        .client
        .post(format!("{}/v1/policies", hub.base))
        .bearer_auth(&hub.token)
        .json(&grant(hub_vpc))
        .send()
        .await?;
    if created.status() != reqwest::StatusCode::CREATED {
        bail!("the grant answered {}: {}", created.status(), created.text().await?);
    }
    let bindings = format!("{}/v1/vpcs/{VISIBLE_SPOKE}/dns_resolution_bindings", spoke.base);
    let with_version = |path: &str| format!("{path}?{VERSION}");
    let mut times = Visibility::default();
    for _ in 0..rounds {
        let from = Instant::now();
        let response = spoke
            .client
            .post(with_version(&bindings))
            .bearer_auth(&spoke.token)
            .json(&json!({ "vpc": { "crn": crn } }))
            .send()
            .await?;
        if response.status() != reqwest::StatusCode::CREATED {
            bail!("the binding answered {}: {}", response.status(), response.text().await?);
        }
        let binding: serde_json::Value = response.json().await?;
        times.create_request.push(from.elapsed().as_secs_f64() * 1000.0);
        times.bound.push(answered(at, true, from).await?);
        let id = binding["id"].as_str().context("the binding's id")?;
        let from = Instant::now();
        let response =
            spoke.client.delete(with_version(&format!("{bindings}/{id}"))).bearer_auth(&spoke.token).send().await?;
        if !response.status().is_success() {
            bail!("deleting the binding answered {}: {}", response.status(), response.text().await?);
        }
        times.unbound.push(answered(at, false, from).await?);
    }
    Ok(times)
}

/// Changes one record of the private zone `rounds` times in a data plane of this process serving the plan's world (the
/// world changed the way the application changes it, one entity in a draft), and times from handing it the new world
/// until the hub's endpoint answers the new address (ms). This is the data plane's share of a record write: compiling
/// the zones that changed and swapping the views.
async fn record_change(plan: &Plan, port: u16, rounds: usize) -> anyhow::Result<Vec<f64>> {
    let plane = hubspoke_dns::DataPlane::new(hubspoke_dns::DnsConfig {
        port,
        ttl: 30,
        upstream: None,
        udp_workers: 1,
        rate_limit: 0,
    });
    let mut world = hubspoke_vpc::World::from_entities(plan.entities.clone(), 1);
    plane.apply(&world).await;
    let (hub_endpoint, _) = plan.hub_view().clone();
    let at = SocketAddr::from((hub_endpoint, port));
    let (name, _) = plan.private[0].clone();
    let mut samples = Vec::new();
    for round in 0..rounds {
        let address = std::net::Ipv4Addr::new(10, 250, 0, round as u8 + 1);
        let mut draft = world.draft();
        draft.put(world::private_record(0, address));
        let (changed, _) = draft.finish();
        world = changed.at_revision(world.revision() + 1);
        let from = Instant::now();
        plane.apply(&world).await;
        let name = name.clone();
        let ms = tokio::task::spawn_blocking(move || {
            let deadline = from + Duration::from_secs(10);
            while Instant::now() < deadline {
                if ask(at, &name, RecordType::A)?.addresses == [address] {
                    return Ok(from.elapsed().as_secs_f64() * 1000.0);
                }
                std::thread::sleep(Duration::from_micros(500));
            }
            bail!("`{name}` did not change within 10 s")
        })
        .await??;
        samples.push(ms);
    }
    plane.shutdown();
    Ok(samples)
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Checks that the programs the suite drives are installed.
fn check_tools() -> anyhow::Result<()> {
    for program in ["knotd", "nsd", "dnsperf", "taskset"] {
        let found = std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|directory| directory.join(program).is_file()))
            || Path::new("/usr/sbin").join(program).is_file();
        if !found {
            bail!("`{program}` is not installed: run scripts/bench-setup (Debian's knot, nsd, dnsperf, util-linux)");
        }
    }
    Ok(())
}

/// Runs the suite.
pub async fn run(settings: &Settings) -> anyhow::Result<Vec<Row>> {
    check_tools()?;
    let mut rows = Vec::new();
    // hubspoke's figures per (size, workload), for the rows comparing sizes.
    let mut ours_by_size: Vec<(usize, &'static str, Measured)> = Vec::new();
    for &size in &settings.sizes {
        let directory = tempfile::tempdir()?;
        let root = directory.path();
        let plan = world::plan(size);
        let data = root.join("data");
        std::fs::create_dir_all(&data)?;
        seed(&plan, &data).await?;
        let zones = world::write_zones(&plan, root)?;
        // Public DNS, as the upstream stands in for it: the public zone, and the VPE service domain, which resolvers
        // send a VPE name to when no gateway of the view serves it (so a name missing there is NXDOMAIN, as Knot
        // answers it when it serves the domain itself).
        let public_zone: Vec<(String, PathBuf)> =
            zones.iter().filter(|(zone, _)| zone == world::PUBLIC_ZONE || zone == world::ZONE).cloned().collect();

        let (hub_endpoint, hub_names) = plan.hub_view().clone();
        let mut checked = Vec::new();
        let mut file =
            |name: &str, questions: &[Question], endpoint| -> anyhow::Result<(PathBuf, std::net::Ipv4Addr)> {
                let path = root.join(name);
                world::write_questions(questions, &path)?;
                checked.extend(sample(questions, endpoint));
                Ok((path, endpoint))
            };
        let positive =
            file("positive", &world::questions(&plan, &hub_names, Mix::Positive, QUESTIONS, 1), hub_endpoint)?;
        let mixed = file("mixed", &world::questions(&plan, &hub_names, Mix::Mixed, QUESTIONS, 2), hub_endpoint)?;
        let views = plan
            .views
            .iter()
            .enumerate()
            .map(|(n, (endpoint, names))| {
                file(
                    &format!("view-{n}"),
                    &world::questions(&plan, names, Mix::Positive, QUESTIONS / 8, 10 + n as u64),
                    *endpoint,
                )
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let private = file("private", &world::zone_questions(&plan, false, QUESTIONS, 3), hub_endpoint)?;
        let forwarded = file("forwarded", &world::zone_questions(&plan, true, QUESTIONS, 4), hub_endpoint)?;
        let workloads = [
            Workload { name: "UDP, positive", tcp: false, targets: true, files: vec![positive.clone()] },
            Workload { name: "UDP, mixed 80/10/10", tcp: false, targets: true, files: vec![mixed] },
            Workload { name: "TCP, positive", tcp: true, targets: true, files: vec![positive] },
            Workload { name: "UDP, 8 VPC views", tcp: false, targets: true, files: views },
            Workload { name: "UDP, private zone records 90/10", tcp: false, targets: true, files: vec![private] },
            Workload { name: "UDP, forwarded to an upstream", tcp: false, targets: false, files: vec![forwarded] },
        ];

        // The upstream hubspoke forwards names outside its zones to: Knot serving the public zone, on dnsperf's CPU
        // (its CPU is not hubspoke's).
        let upstream_home = root.join("upstream");
        std::fs::create_dir_all(&upstream_home)?;
        let upstream = servers::knot(&upstream_home, &public_zone, LOAD_CPU)?;
        // hubspoke, the real server, on CPU 0.
        let port = servers::free_port()?;
        let served = serve(
            &[
                "--data-dir",
                &data.display().to_string(),
                "--dns-port",
                &port.to_string(),
                "--dns-upstream",
                &upstream.address.to_string(),
            ],
            Some(SERVER_CPU),
        )?;
        let ours_at = |endpoint| SocketAddr::from((endpoint, port));
        let reference = answers(&checked, ours_at)?;
        if reference.iter().all(|answer| answer.rcode != 0) {
            bail!("hubspoke answered no sampled query");
        }
        let ours = measure(&workloads, served.pid(), ours_at, settings.seconds)?;
        let hub = caller(&served.base, world::HUB_ACCOUNT).await?;
        let spoke = caller(&served.base, world::SPOKE_ACCOUNT).await?;
        let mut visible = visibility(&hub, &spoke, &plan.hub, ours_at(hub_endpoint), settings.rounds).await?;
        drop(served);
        drop(upstream);
        let mut written = record_change(&plan, port, settings.rounds).await?;

        let mut theirs = Vec::new();
        for (name, start) in
            [("Knot", servers::knot as fn(&Path, &[(String, PathBuf)], u32) -> _), ("NSD", servers::nsd)]
        {
            let home = root.join(name);
            std::fs::create_dir_all(&home)?;
            let comparator = start(&home, &zones, SERVER_CPU)?;
            let at = |_| comparator.address;
            let given = answers(&checked, at)?;
            if let Some(n) = (0..given.len()).find(|&n| given[n] != reference[n]) {
                let (question, _) = &checked[n];
                bail!(
                    "{name} answers `{} {}` with {:?}, hubspoke with {:?}",
                    question.name,
                    question.kind,
                    given[n],
                    reference[n]
                );
            }
            theirs.push((name, measure(&workloads, comparator.pid(), at, settings.seconds)?));
        }

        for (n, workload) in workloads.iter().enumerate() {
            let ours = ours[n];
            ours_by_size.push((size, workload.name, ours));
            for (name, measured) in &theirs {
                let measured = measured[n];
                let knot = *name == "Knot";
                let (bar, floor) = if workload.tcp { ("≥ 0.5× Knot", 0.5) } else { ("≥ 0.8× Knot", 0.8) };
                let mut qps =
                    Row::info("dns", workload.name, size, "queries/s", ours.load.qps).against(*name, measured.load.qps);
                let mut cpu = Row::info("dns", workload.name, size, "server CPU µs/query", ours.cpu_us_per_query)
                    .against(*name, measured.cpu_us_per_query);
                if knot && workload.targets {
                    qps = qps.target(bar, ours.load.qps >= floor * measured.load.qps);
                    cpu = cpu.target("≤ 1.5× Knot", ours.cpu_us_per_query <= 1.5 * measured.cpu_us_per_query);
                }
                rows.push(qps);
                rows.push(cpu);
            }
            let lost = ours.load.lost / (ours.load.completed + ours.load.lost);
            rows.push(
                Row::info("dns", workload.name, size, "queries lost (fraction)", lost).target("< 0.1%", lost < 0.001),
            );
        }
        for (name, times) in [
            ("binding created → hub answers the spoke's name", &mut visible.bound),
            ("binding deleted → hub stops answering", &mut visible.unbound),
        ] {
            let (typical, worst) = (median(times), times.iter().copied().fold(0.0, f64::max));
            rows.push(Row::info("dns", name, size, "ms, median", typical).target("≤ 20 ms", typical <= 20.0));
            rows.push(Row::info("dns", name, size, "ms, worst", worst).target("≤ 100 ms", worst <= 100.0));
        }
        rows.push(Row::info(
            "dns",
            "binding created: of which the create request",
            size,
            "ms, median",
            median(&mut visible.create_request),
        ));
        rows.push(
            Row::info(
                "dns",
                "private record changed → answered (data plane, in-process)",
                size,
                "ms, median",
                median(&mut written),
            )
            .target("≤ 1000 ms (worst)", written.iter().all(|&ms| ms <= 1000.0)),
        );
    }
    // No drop with size: hubspoke at the largest size against itself at the smallest.
    if let (Some(&small), Some(&large)) = (settings.sizes.first(), settings.sizes.last())
        && large > small
    {
        for (size, name, measured) in ours_by_size.iter().filter(|(size, ..)| *size == large) {
            if let Some((.., base)) = ours_by_size.iter().find(|(s, n, _)| *s == small && n == name) {
                rows.push(
                    Row::info("dns", *name, *size, "queries/s, vs the smallest", measured.load.qps)
                        .against(format!("hubspoke at {small}"), base.load.qps)
                        .target("no drop (≥ 0.9×)", measured.load.qps >= 0.9 * base.load.qps),
                );
                rows.push(
                    Row::info("dns", *name, *size, "CPU µs/query, vs the smallest", measured.cpu_us_per_query)
                        .against(format!("hubspoke at {small}"), base.cpu_us_per_query)
                        .target("no rise (≤ 1.1×)", measured.cpu_us_per_query <= 1.1 * base.cpu_us_per_query),
                );
            }
        }
    }
    Ok(rows)
}
