//! Fuzzing in a bounded smoke mode, on stable: every fuzz target's check runs on mutations of its corpus (bit flips,
//! inserted, deleted and duplicated bytes, splices of two entries). The real fuzzers (`cargo +nightly fuzz run`, see
//! docs/RELIABILITY.md) need nightly and sanitizers; this keeps their properties exercised on every CI run.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use hubspoke_dns::answer::{Reply, Settings, Transport, respond};
use hubspoke_dns::fixture::{HUB_ENDPOINT, SPOKE_ENDPOINT, views};
use hubspoke_iam::glob::{Glob, reference_matches, split_fuzz_input};
use hubspoke_vpc::region::parse_crn;

use crate::support::{XorShift, repository_root};

/// Mutated inputs tried per target.
const MUTATIONS: usize = 100_000;
/// The most time one target may take, whatever the count reached.
const TIME_LIMIT: Duration = Duration::from_secs(20);

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let directory: PathBuf = repository_root().join("fuzz/corpus").join(target);
    let entries: Vec<Vec<u8>> = std::fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("{}: {error}", directory.display()))
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    assert!(!entries.is_empty(), "the {target} corpus is empty");
    entries
}

/// One to four random edits of a corpus entry, sometimes spliced with another.
fn mutate(random: &mut XorShift, corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut input = corpus[random.below(corpus.len())].clone();
    for _ in 0..=random.below(4) {
        let at = random.below(input.len() + 1);
        match random.below(5) {
            0 if !input.is_empty() => {
                let at = at.min(input.len() - 1);
                input[at] ^= 1 << random.below(8);
            }
            1 => input.insert(at, random.next() as u8),
            2 if !input.is_empty() => {
                let end = (at + 1 + random.below(8)).min(input.len());
                input.drain(at.min(end)..end);
            }
            3 => {
                let end = (at + random.below(16)).min(input.len());
                let copy = input[at..end].to_vec();
                input.splice(at..at, copy);
            }
            _ => {
                let other = &corpus[random.below(corpus.len())];
                let from = random.below(other.len() + 1);
                input.truncate(at);
                input.extend_from_slice(&other[from..]);
            }
        }
    }
    input
}

/// Runs `check` on mutations of `target`'s corpus; returns how many it tried.
fn smoke(target: &str, seed: u64, check: impl Fn(&[u8])) -> usize {
    let corpus = corpus(target);
    let mut random = XorShift(seed);
    let started = Instant::now();
    let mut tried = 0;
    while tried < MUTATIONS && started.elapsed() < TIME_LIMIT {
        let input = mutate(&mut random, &corpus);
        check(&input);
        tried += 1;
    }
    tried
}

#[test]
fn every_fuzz_target_holds_on_mutations_of_its_corpus() {
    let views = views();
    let dns = smoke("dns_query", 0x5eed_0001, |packet| {
        for transport in [Transport::Udp, Transport::Tcp] {
            for at in [HUB_ENDPOINT, SPOKE_ENDPOINT, Ipv4Addr::LOCALHOST] {
                if let Reply::Send(reply) =
                    respond(&views, at, packet, transport, Settings { ttl: 30, forwarding: false })
                {
                    assert!(reply.len() >= 12 && reply[..2] == packet[..2], "{packet:?}");
                }
            }
        }
    });
    let policy = smoke("policy_body", 0x5eed_0002, |body| {
        let _ = hubspoke_api::policies::check_body_bytes(body);
    });
    let glob = smoke("glob", 0x5eed_0003, |data| {
        let (pattern, text) = split_fuzz_input(data);
        assert_eq!(Glob::new(&pattern).matches(&text), reference_matches(&pattern, &text), "`{pattern}` on `{text}`");
    });
    let crn = smoke("crn", 0x5eed_0004, |data| {
        let text = String::from_utf8_lossy(data);
        if let Some(parts) = parse_crn(&text) {
            let rebuilt =
                format!("crn:v1:bluemix:public:is:{}:a/{}::{}:{}", parts.region, parts.account, parts.kind, parts.id);
            assert_eq!(parse_crn(&rebuilt), Some(parts), "`{text}`");
        }
    });
    println!("fuzz smoke: {dns} DNS packets, {policy} policy bodies, {glob} glob inputs, {crn} CRNs, no failure");
    for (target, tried) in [("dns_query", dns), ("policy_body", policy), ("glob", glob), ("crn", crn)] {
        assert!(tried >= 1000, "{target}: only {tried} mutations in {TIME_LIMIT:?}");
    }
}
