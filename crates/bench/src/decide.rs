//! Suite `decide`: decisions in process. hubspoke's index against Cedar (whole set and sliced by hub account),
//! Casbin and regorus on the same seeded authorization policies and requests, and against Cedar (whole and sliced
//! by account) on access policies; every comparator must decide every request as hubspoke does, or the suite fails.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use arc_swap::ArcSwap;
use hubspoke_iam::access::AccessQuery;
use hubspoke_iam::{PolicyIndex, RoleCatalog};

use crate::access;
use crate::alloc::live_bytes;
use crate::data::{Mix, ProbeKind, Workload, workload};
use crate::engines::{Engine, Hubspoke};
use crate::report::Row;

/// How long and how big.
#[derive(Clone, Debug)]
// Without the `compare` feature the comparators' limits have nothing to limit.
#[cfg_attr(not(feature = "compare"), allow(dead_code))]
pub struct Settings {
    /// Policy-set sizes, ascending.
    pub sizes: Vec<usize>,
    /// Time spent timing one engine on one request kind.
    pub budget: Duration,
    /// Largest set given to Cedar on the whole set, Casbin and regorus (they scan every policy).
    pub scanning_limit: usize,
    /// Largest set given to Cedar sliced.
    pub sliced_limit: usize,
    /// Which workloads run.
    pub workloads: Vec<Workloads>,
    /// Access-policy set sizes, ascending.
    pub access_sizes: Vec<usize>,
    /// Requests of each kind asked of an access-policy set.
    pub access_per_kind: usize,
}

/// The decide suite's two families of workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Workloads {
    /// Authorization policies between accounts (DNS sharing), the realistic and adversarial sets.
    Authorization,
    /// Access policies of users, service IDs and access groups.
    Access,
}

impl Settings {
    /// The full run: 1 to 1M policies.
    pub fn full() -> Settings {
        Settings {
            sizes: vec![1, 1_000, 10_000, 100_000, 1_000_000],
            budget: Duration::from_millis(1500),
            scanning_limit: 10_000,
            sliced_limit: 100_000,
            workloads: vec![Workloads::Authorization, Workloads::Access],
            access_sizes: vec![10_000, 1_000_000],
            access_per_kind: 500,
        }
    }

    /// CI's run: small sets, short budgets; it fails only on a decision mismatch or a broken engine.
    pub fn quick() -> Settings {
        Settings {
            sizes: vec![1, 1_000, 10_000],
            budget: Duration::from_millis(150),
            scanning_limit: 1_000,
            sliced_limit: 10_000,
            workloads: vec![Workloads::Authorization, Workloads::Access],
            access_sizes: vec![1_000],
            access_per_kind: 50,
        }
    }
}

/// Latencies of one engine on one kind of request, in nanoseconds, and the rate they add up to.
#[derive(Clone, Copy, Debug)]
struct Latency {
    p50: f64,
    p99: f64,
    /// Decisions per second, one after another: the samples over the time they took.
    per_second: f64,
}

fn percentile(sorted: &[u64], fraction: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * fraction).round() as usize] as f64
}

/// Times single decisions of `kind`, round-robin over the workload's probes of that kind, for the budget (at least
/// five, at most 200,000 samples).
fn time(engine: &mut dyn Engine, workload: &Workload, kind: ProbeKind, budget: Duration) -> Latency {
    let requests: Vec<_> = workload.probes.iter().filter(|p| p.kind == kind).map(|p| &p.request).collect();
    time_requests(engine, &requests, budget)
}

/// Times single decisions round-robin over `requests`, for the budget (at least five, at most 200,000 samples).
fn time_requests<R>(engine: &mut dyn Engine<R>, requests: &[&R], budget: Duration) -> Latency {
    let started = Instant::now();
    let mut samples = Vec::new();
    while samples.len() < 5 || (started.elapsed() < budget && samples.len() < 200_000) {
        let request = requests[samples.len() % requests.len()];
        let at = Instant::now();
        std::hint::black_box(engine.permits(std::hint::black_box(request)));
        samples.push(at.elapsed().as_nanos() as u64);
    }
    let total: u64 = samples.iter().sum();
    let per_second = samples.len() as f64 / (total.max(1) as f64 / 1e9);
    samples.sort_unstable();
    Latency { p50: percentile(&samples, 0.5), p99: percentile(&samples, 0.99), per_second }
}

/// An engine after loading, with what loading cost.
struct Loaded<R = hubspoke_iam::AccessRequest> {
    engine: Box<dyn Engine<R>>,
    seconds: f64,
    bytes: isize,
}

fn load<R>(build: impl FnOnce() -> Box<dyn Engine<R>>) -> Loaded<R> {
    let before = live_bytes();
    let started = Instant::now();
    let engine = build();
    let seconds = started.elapsed().as_secs_f64();
    Loaded { engine, seconds, bytes: live_bytes() - before }
}

/// The comparators that can hold `size` policies under `settings`.
#[allow(unused_variables)]
fn comparators(workload: &Workload, size: usize, settings: &Settings) -> Vec<Loaded> {
    #[allow(unused_mut)]
    let mut loaded: Vec<Loaded> = Vec::new();
    #[cfg(feature = "compare")]
    {
        use crate::engines::{casbin::Casbin, cedar, rego::Rego};
        let policies = &workload.policies;
        if size <= settings.scanning_limit {
            loaded.push(load(|| Box::new(cedar::Whole::load(policies))));
        }
        if size <= settings.sliced_limit {
            loaded.push(load(|| Box::new(cedar::Sliced::load(policies))));
        }
        if size <= settings.scanning_limit {
            let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
            loaded.push(load(|| Box::new(runtime.block_on(Casbin::load(policies)))));
            loaded.push(load(|| Box::new(Rego::load(policies))));
        }
    }
    loaded
}

/// Runs the suite and returns its rows; fails on the first decision a comparator makes differently.
pub fn run(settings: &Settings) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    if settings.workloads.contains(&Workloads::Authorization) {
        rows.extend(run_authorization(settings)?);
    }
    if settings.workloads.contains(&Workloads::Access) {
        rows.extend(run_access(settings)?);
    }
    Ok(rows)
}

/// The authorization workloads.
fn run_authorization(settings: &Settings) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut p50_at: Vec<(Mix, usize, ProbeKind, f64)> = Vec::new();
    for mix in [Mix::Realistic, Mix::Adversarial] {
        for &size in &settings.sizes {
            let workload = workload(size, mix, size as u64 + 1, 500);
            let mut ours = load(|| Box::new(Hubspoke::load(&workload.policies)));
            let mut others = comparators(&workload, size, settings);
            eprintln!("decide: {} {size}: loaded hubspoke and {} comparators", mix.name(), others.len());

            // Equivalence first: every comparator decides every probe as hubspoke does.
            for probe in &workload.probes {
                let expected = ours.engine.permits(&probe.request);
                for other in &mut others {
                    if other.engine.permits(&probe.request) != expected {
                        bail!(
                            "{} decided {:?} differently from hubspoke ({expected}) in the {} set of {size}: {:?}",
                            other.engine.name(),
                            probe.kind,
                            mix.name(),
                            probe.request
                        );
                    }
                }
            }

            let label = |kind: ProbeKind| format!("{}, {}", mix.name(), kind.name());
            for kind in ProbeKind::ALL {
                let mine = time(ours.engine.as_mut(), &workload, kind, settings.budget);
                p50_at.push((mix, size, kind, mine.p50));
                rows.push(Row::info("decide", label(kind), size, "p50 ns", mine.p50));
                rows.push(Row::info("decide", label(kind), size, "p99 ns", mine.p99));
                for other in &mut others {
                    let theirs = time(other.engine.as_mut(), &workload, kind, settings.budget);
                    let mut row = Row::info("decide", label(kind), size, "p50 ns", mine.p50)
                        .against(other.engine.name(), theirs.p50);
                    if size == 10_000 && mix == Mix::Realistic {
                        let ratio = theirs.p50 / mine.p50;
                        match other.engine.name() {
                            "Cedar" => row = row.target("≥ 1000× faster", ratio >= 1000.0),
                            "Cedar sliced" => row = row.target("≥ 10× faster", ratio >= 10.0),
                            _ => {}
                        }
                    }
                    rows.push(row);
                }
            }

            let per_policy = |bytes: isize| bytes as f64 / size as f64;
            let mut memory = Row::info("decide", mix.name(), size, "bytes per policy", per_policy(ours.bytes));
            let mut build = Row::info("decide", mix.name(), size, "load s", ours.seconds);
            if let Some(cedar) = others.iter().find(|o| o.engine.name() == "Cedar") {
                let ratio = per_policy(cedar.bytes) / per_policy(ours.bytes);
                memory = memory.against("Cedar", per_policy(cedar.bytes));
                if size >= 1_000 {
                    memory = memory.target("≤ 1/10 of Cedar's", ratio >= 10.0);
                }
                build = build.against("Cedar", cedar.seconds);
            }
            if size == 1_000_000 {
                build = build.target("≤ 10 s", ours.seconds <= 10.0);
            }
            rows.push(memory);
            rows.push(build);
            if mix == Mix::Realistic {
                // What a replica keeps besides the index to serve reads by id: every policy whole.
                let before = live_bytes();
                let book = hubspoke_app::policy_book::PolicyBook::of(workload.policies.clone());
                let bytes = live_bytes() - before;
                rows.push(
                    Row::info(
                        "decide",
                        "the policy book (reads by id, list pages)",
                        size,
                        "bytes per policy",
                        per_policy(bytes),
                    )
                    .target("≤ 2048 over the index", per_policy(bytes) <= 2048.0),
                );
                drop(book);
            }
            for other in others.iter().filter(|o| o.engine.name() != "Cedar") {
                rows.push(
                    Row::info("decide", mix.name(), size, "bytes per policy", per_policy(ours.bytes))
                        .against(other.engine.name(), per_policy(other.bytes)),
                );
            }
        }
    }

    // Scaling: the largest set against 10k, each kind.
    let largest = *settings.sizes.last().unwrap_or(&0);
    if largest > 10_000 {
        for (mix, size, kind, p50) in p50_at.iter().filter(|(_, size, ..)| *size == largest) {
            if let Some((.., base)) = p50_at.iter().find(|(m, s, k, _)| m == mix && *s == 10_000 && k == kind) {
                let label = format!("{}, {}", mix.name(), kind.name());
                rows.push(
                    Row::info("decide", label, *size, "p50 ns, vs the same at 10k", *p50)
                        .against("hubspoke at 10k", *base)
                        .target("≤ 2× the p50 at 10k", *p50 <= 2.0 * base),
                );
            }
        }
    }

    rows.extend(change_visibility(largest.max(1)));
    Ok(rows)
}

/// How long a new policy takes to be seen by readers deciding on two other threads: the writer clones the index,
/// applies the policy and publishes it (what the replica does); the readers spin on the request it permits.
fn change_visibility(size: usize) -> Vec<Row> {
    let base = workload(size, Mix::Realistic, 99, 1);
    let extra = workload(size + 5, Mix::Realistic, 99, 0).policies.split_off(size);
    let index = Arc::new(ArcSwap::from_pointee(PolicyIndex::build(&base.policies, 1, &RoleCatalog)));
    let mut delays = Vec::new();
    for policy in extra {
        let request = {
            let mut probe = hubspoke_iam::AccessRequest {
                subject: hubspoke_iam::RequestAttributes::default(),
                action: crate::data::CONNECT.into(),
                resource: hubspoke_iam::RequestAttributes::default(),
            };
            for attribute in &policy.draft.subject {
                probe.subject.set(attribute.key.clone(), attribute.text().unwrap_or_default().to_owned());
            }
            for attribute in &policy.draft.resource {
                // A glob's literal spelling matches itself only where it holds no `*`; use a value it matches.
                let value = attribute.text().unwrap_or_default().replace('*', "x");
                probe.resource.set(attribute.key.clone(), value);
            }
            probe
        };
        assert!(!index.load().decide(&request).permitted, "the probe is refused before the write");
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (index, request) = (index.clone(), request.clone());
                std::thread::spawn(move || {
                    let deadline = Instant::now() + Duration::from_secs(5);
                    while !index.load().decide(&request).permitted {
                        assert!(Instant::now() < deadline, "the change became visible within 5 s");
                    }
                    Instant::now()
                })
            })
            .collect();
        // Let both readers spin before the write starts.
        std::thread::sleep(Duration::from_millis(20));
        let started = Instant::now();
        let mut next = (*index.load_full()).clone();
        next.apply(&policy, &RoleCatalog);
        index.store(Arc::new(next));
        let seen = readers.into_iter().map(|reader| reader.join().expect("reader")).max().unwrap();
        delays.push(seen.duration_since(started).as_secs_f64() * 1e6);
    }
    delays.sort_by(f64::total_cmp);
    let worst = *delays.last().unwrap_or(&0.0);
    vec![
        Row::info(
            "decide",
            "one policy added while 2 readers decide",
            size,
            "µs until both see it (worst of 5)",
            worst,
        )
        .target("≤ 1 ms", worst <= 1000.0),
    ]
}

/// The comparators of the access workloads that can hold `size` policies under `settings`.
#[allow(unused_variables)]
fn access_comparators(workload: &access::Workload, size: usize, settings: &Settings) -> Vec<Loaded<AccessQuery>> {
    #[allow(unused_mut)]
    let mut loaded: Vec<Loaded<AccessQuery>> = Vec::new();
    #[cfg(feature = "compare")]
    {
        use crate::access::cedar;
        let (policies, roles) = (&workload.policies, &workload.custom_roles);
        if size <= settings.scanning_limit {
            loaded.push(load(|| Box::new(cedar::Whole::load(policies, roles))));
        }
        if size <= settings.sliced_limit {
            loaded.push(load(|| Box::new(cedar::Sliced::load(policies, roles))));
        }
    }
    loaded
}

/// The access-policy workloads: hubspoke's access decision against Cedar whole and sliced by account.
fn run_access(settings: &Settings) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut p50_at: Vec<(usize, ProbeKind, f64)> = Vec::new();
    for &size in &settings.access_sizes {
        let workload = access::workload(size, size as u64 + 7, settings.access_per_kind);
        let mut ours = load(|| Box::new(access::Hubspoke::load(&workload)) as Box<dyn Engine<AccessQuery>>);
        let mut others = access_comparators(&workload, size, settings);
        eprintln!("decide: access {size}: loaded hubspoke and {} comparators", others.len());

        for probe in &workload.probes {
            let expected = ours.engine.permits(&probe.query);
            if expected != (probe.kind == ProbeKind::Allow) {
                bail!(
                    "hubspoke decided {:?} against its meaning in the access set of {size}: {:?}",
                    probe.kind,
                    probe.query
                );
            }
            for other in &mut others {
                if other.engine.permits(&probe.query) != expected {
                    bail!(
                        "{} decided {:?} differently from hubspoke ({expected}) in the access set of {size}: {:?}",
                        other.engine.name(),
                        probe.kind,
                        probe.query
                    );
                }
            }
        }

        let label = |kind: ProbeKind| format!("access, {}", kind.name());
        for kind in ProbeKind::ALL {
            let queries: Vec<&AccessQuery> =
                workload.probes.iter().filter(|p| p.kind == kind).map(|p| &p.query).collect();
            let mine = time_requests(ours.engine.as_mut(), &queries, settings.budget);
            p50_at.push((size, kind, mine.p50));
            rows.push(Row::info("decide", label(kind), size, "p50 ns", mine.p50));
            rows.push(Row::info("decide", label(kind), size, "p99 ns", mine.p99));
            let mut rates = vec![];
            for other in &mut others {
                let theirs = time_requests(other.engine.as_mut(), &queries, settings.budget);
                rows.push(
                    Row::info("decide", label(kind), size, "p50 ns", mine.p50).against(other.engine.name(), theirs.p50),
                );
                let mut rate = Row::info("decide", label(kind), size, "decisions/s", mine.per_second)
                    .against(other.engine.name(), theirs.per_second);
                if size == 10_000 && other.engine.name() == "Cedar" {
                    rate = rate.target("≥ 1000× Cedar's", mine.per_second >= 1000.0 * theirs.per_second);
                }
                rates.push(rate);
            }
            if others.is_empty() {
                rates.push(Row::info("decide", label(kind), size, "decisions/s", mine.per_second));
            }
            rows.extend(rates);
        }

        let per_policy = |bytes: isize| bytes as f64 / size as f64;
        let mut build = Row::info("decide", "access", size, "load s", ours.seconds);
        if size == 1_000_000 {
            build = build.target("≤ 10 s", ours.seconds <= 10.0);
        }
        if others.is_empty() {
            rows.push(Row::info("decide", "access", size, "bytes per policy", per_policy(ours.bytes)));
        }
        for other in &others {
            let mut memory = Row::info("decide", "access", size, "bytes per policy", per_policy(ours.bytes))
                .against(other.engine.name(), per_policy(other.bytes));
            if other.engine.name() == "Cedar" {
                memory = memory.target("≤ 1/10 of Cedar's", other.bytes as f64 >= 10.0 * ours.bytes as f64);
                build = build.against("Cedar", other.seconds);
            }
            rows.push(memory);
        }
        rows.push(build);
        // Let the next set's memory be counted from the same start.
        drop(others);
        drop(ours);
    }

    let largest = *settings.access_sizes.last().unwrap_or(&0);
    if largest > 10_000 {
        for (size, kind, p50) in p50_at.iter().filter(|(size, ..)| *size == largest) {
            if let Some((.., base)) = p50_at.iter().find(|(s, k, _)| *s == 10_000 && k == kind) {
                rows.push(
                    Row::info("decide", format!("access, {}", kind.name()), *size, "p50 ns, vs the same at 10k", *p50)
                        .against("hubspoke at 10k", *base)
                        .target("≤ 2× the p50 at 10k", *p50 <= 2.0 * base),
                );
            }
        }
    }
    Ok(rows)
}
