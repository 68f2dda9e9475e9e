//! Fuzzing in a bounded smoke mode, on stable: every fuzz target's check runs on mutations of its corpus (bit flips,
//! inserted, deleted and duplicated bytes, splices of two entries). The real fuzzers (`cargo +nightly fuzz run`, see
//! docs/RELIABILITY.md) need nightly and sanitizers; this keeps their properties exercised on every CI run.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hubspoke_dns::fixture::{check_query, views};
use hubspoke_iam::glob::check_against_reference;
use hubspoke_vpc::region::check_crn_round_trip;

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
    let dns = smoke("dns_query", 0x5eed_0001, |packet| check_query(&views, packet));
    let policy = smoke("policy_body", 0x5eed_0002, |body| {
        let _ = hubspoke_api::policies::check_body_bytes(body);
    });
    let glob = smoke("glob", 0x5eed_0003, check_against_reference);
    let crn = smoke("crn", 0x5eed_0004, |data| {
        check_crn_round_trip(data);
    });
    println!("fuzz smoke: {dns} DNS packets, {policy} policy bodies, {glob} glob inputs, {crn} CRNs, no failure");
    for (target, tried) in [("dns_query", dns), ("policy_body", policy), ("glob", glob), ("crn", crn)] {
        assert!(tried >= 1000, "{target}: only {tried} mutations in {TIME_LIMIT:?}");
    }
}
