//! The seeded workloads the benchmarks and their comparators share: authorization policies in IBM's model, and the
//! requests asked of them, each with what it is meant to show.
//!
//! Policies are DNS-sharing authorizations: a spoke account's VPC (`accountId`, `serviceName`, `resourceType`,
//! `resource`) may connect to a hub account's VPC (`accountId`, `serviceName`, `vpcId`) with the DNS Binding
//! Connector role. Hub accounts grow with the set (one per 100 policies, each granting 10 spoke accounts), as they
//! would in a shared installation, so most (hub, spoke) account pairs hold about 10 policies.

use hubspoke_iam::{
    AccessRequest, AccountId, Attribute, AttributeValue, Operator, Policy, PolicyDraft, PolicyState, RequestAttributes,
    Timestamp,
};

/// The action every generated policy's role grants, and every request asks for.
pub const CONNECT: &str = "is.vpc.dns-resolution-binding.connect";

/// The DNS Binding Connector role.
pub const ROLE: &str = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector";

/// How a policy names the hub VPC (`vpcId`), and the value a request uses to match it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `stringEquals` on the VPC id.
    Exact,
    /// `stringMatch` on `r006-hub-<i>-*`.
    Prefix,
    /// `stringMatch` on `*-hub-<i>-prod`.
    Suffix,
    /// `stringMatch` on `*-blue-<i>-*`.
    Infix,
    /// `stringMatch` on `*`: every VPC of the hub account.
    Any,
}

impl Shape {
    /// The `vpcId` attribute of policy `i`, and a VPC id it matches.
    fn vpc(self, i: usize) -> (Attribute, String) {
        let glob = |pattern: String| Attribute {
            key: "vpcId".into(),
            operator: Operator::StringMatch,
            value: AttributeValue::Text(pattern),
        };
        match self {
            Shape::Exact => (Attribute::equals("vpcId", &format!("r006-hub-{i}")), format!("r006-hub-{i}")),
            Shape::Prefix => (glob(format!("r006-hub-{i}-*")), format!("r006-hub-{i}-east")),
            Shape::Suffix => (glob(format!("*-hub-{i}-prod")), format!("r006-hub-{i}-prod")),
            Shape::Infix => (glob(format!("*-blue-{i}-*")), format!("r006-blue-{i}-a")),
            Shape::Any => (glob("*".into()), format!("r006-any-{i}")),
        }
    }
}

/// Which policies a set holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mix {
    /// 70% exact, 25% prefix or suffix, 5% infix or `*`.
    Realistic,
    /// The realistic mix, except that 10% of all policies sit in one (hub account, spoke account) pair, each naming
    /// one spoke VPC and any hub VPC (`*`): the pair a bucketed index cannot split.
    Adversarial,
}

impl Mix {
    /// The spelling on the command line and in tables.
    pub fn name(self) -> &'static str {
        match self {
            Mix::Realistic => "realistic",
            Mix::Adversarial => "adversarial",
        }
    }
}

/// What a request is meant to exercise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    /// Permitted by one policy chosen at random.
    Allow,
    /// The right accounts, but a VPC no policy names.
    Deny,
    /// A hub account that wrote no policy.
    UnknownAccount,
}

impl ProbeKind {
    /// Every kind, in table order.
    pub const ALL: [ProbeKind; 3] = [ProbeKind::Allow, ProbeKind::Deny, ProbeKind::UnknownAccount];

    /// The spelling in tables.
    pub fn name(self) -> &'static str {
        match self {
            ProbeKind::Allow => "allow",
            ProbeKind::Deny => "deny",
            ProbeKind::UnknownAccount => "unknown account",
        }
    }
}

/// One request of a workload.
#[derive(Clone, Debug)]
pub struct Probe {
    /// What it exercises.
    pub kind: ProbeKind,
    /// The question.
    pub request: AccessRequest,
}

/// A policy set and the requests asked of it.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Every policy, active.
    pub policies: Vec<Policy>,
    /// The requests, `per_kind` of each kind, interleaved.
    pub probes: Vec<Probe>,
}

/// A small, fast, seeded generator (xorshift64*): the same seed gives the same workload on every machine.
#[derive(Clone, Debug)]
pub struct Seeded(u64);

impl Seeded {
    /// A generator; seed 0 is replaced, since xorshift never leaves it.
    pub fn new(seed: u64) -> Seeded {
        Seeded(seed.max(1))
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The hub account of policy `i` in a set of `size`, and its spoke account.
fn accounts(i: usize, size: usize) -> (AccountId, AccountId) {
    let hubs = (size / 100).max(1);
    let hub = i % hubs;
    let spoke = hub * 10 + (i / hubs) % 10;
    (account(1, hub), account(2, spoke))
}

fn account(kind: u64, n: usize) -> AccountId {
    AccountId::parse(&format!("{kind:08x}{n:024x}")).expect("32 lowercase hex digits")
}

fn shape_of(i: usize, mix: Mix, size: usize) -> Shape {
    if mix == Mix::Adversarial && i.is_multiple_of(10) && size >= 10 {
        return Shape::Any;
    }
    // A fixed permutation of 0..40 spreads the shapes over the ids without a generator.
    match (i * 7) % 40 {
        0..28 => Shape::Exact,
        28..33 => Shape::Prefix,
        33..38 => Shape::Suffix,
        38 => Shape::Infix,
        _ => Shape::Any,
    }
}

/// Policy `i` of a set, and the request that it permits.
fn policy(i: usize, mix: Mix, size: usize) -> (Policy, AccessRequest) {
    let shape = shape_of(i, mix, size);
    let (hub, spoke) = if mix == Mix::Adversarial && shape == Shape::Any {
        // Every adversarial policy lands in the first hub's bucket for its first spoke account.
        (account(1, 0), account(2, 0))
    } else {
        accounts(i, size)
    };
    let (vpc_attribute, vpc) = shape.vpc(i);
    let spoke_vpc = format!("r006-spoke-{i}");
    let draft = PolicyDraft {
        owner: hub.clone(),
        description: None,
        subject: vec![
            Attribute::equals("accountId", spoke.as_str()),
            Attribute::equals("serviceName", "is"),
            Attribute::equals("resourceType", "vpc"),
            Attribute::equals("resource", &spoke_vpc),
        ],
        resource: vec![
            Attribute::equals("accountId", hub.as_str()),
            Attribute::equals("serviceName", "is"),
            vpc_attribute,
        ],
        roles: vec![ROLE.to_owned()],
    };
    let policy = Policy {
        id: format!("bench-{i:07}"),
        draft,
        state: PolicyState::Active,
        version: 1,
        created_at: Timestamp(1),
        created_by_id: "IBMid-bench".into(),
        last_modified_at: Timestamp(1),
        last_modified_by_id: "IBMid-bench".into(),
    };
    (policy, request(spoke.as_str(), &spoke_vpc, hub.as_str(), &vpc))
}

/// The request a binding from `spoke_vpc` to `hub_vpc` asks the engine (as the VPC rules build it).
pub fn request(spoke_account: &str, spoke_vpc: &str, hub_account: &str, hub_vpc: &str) -> AccessRequest {
    AccessRequest {
        subject: RequestAttributes::new([
            ("accountId", spoke_account),
            ("serviceName", "is"),
            ("resourceType", "vpc"),
            ("resource", spoke_vpc),
        ]),
        action: CONNECT.to_owned(),
        resource: RequestAttributes::new([
            ("accountId", hub_account),
            ("serviceName", "is"),
            ("resourceType", "vpc"),
            ("vpcId", hub_vpc),
            ("resource", hub_vpc),
        ]),
    }
}

/// A workload of `size` policies and `per_kind` requests of each [`ProbeKind`].
pub fn workload(size: usize, mix: Mix, seed: u64, per_kind: usize) -> Workload {
    let (policies, permitted): (Vec<Policy>, Vec<AccessRequest>) = (0..size).map(|i| policy(i, mix, size)).unzip();
    let mut random = Seeded::new(seed);
    let mut probes = Vec::with_capacity(per_kind * 3);
    for _ in 0..per_kind {
        if !permitted.is_empty() {
            // In the adversarial set, half the allowed requests go to the crowded pair.
            let i = match mix {
                Mix::Adversarial if random.below(2) == 0 && size >= 10 => random.below(size / 10) * 10,
                _ => random.below(size),
            };
            probes.push(Probe { kind: ProbeKind::Allow, request: permitted[i].clone() });
            let mut denied = permitted[i].clone();
            denied.resource.set("vpcId".into(), "r006-nowhere".into());
            denied.resource.set("resource".into(), "r006-nowhere".into());
            // `*` policies permit any VPC of their hub; a spoke VPC no policy names is refused by all.
            denied.subject.set("resource".into(), "r006-spoke-nobody".into());
            probes.push(Probe { kind: ProbeKind::Deny, request: denied });
        }
        let stranger = account(3, random.below(1 << 20));
        let request = request(account(2, 0).as_str(), "r006-spoke-0", stranger.as_str(), "r006-hub-0");
        probes.push(Probe { kind: ProbeKind::UnknownAccount, request });
    }
    Workload { policies, probes }
}

#[cfg(test)]
mod tests {
    use hubspoke_iam::{PolicyIndex, RoleCatalog};

    use super::*;

    /// The generator's intent holds in hubspoke's own engine: allowed probes are permitted, the others denied, and
    /// every policy is one the API would accept.
    #[test]
    fn probes_mean_what_they_say() {
        for mix in [Mix::Realistic, Mix::Adversarial] {
            for size in [1, 10, 1000] {
                let workload = workload(size, mix, 7, 50);
                let index = PolicyIndex::build(&workload.policies, 1, &RoleCatalog);
                for probe in &workload.probes {
                    let decision = index.decide(&probe.request);
                    assert_eq!(decision.permitted, probe.kind == ProbeKind::Allow, "{mix:?} {size} {probe:?}");
                }
                for policy in workload.policies.iter().take(50) {
                    let raw = hubspoke_iam::UncheckedDraft {
                        description: None,
                        subject: policy.draft.subject.iter().map(raw).collect(),
                        resource: policy.draft.resource.iter().map(raw).collect(),
                        roles: policy.draft.roles.clone(),
                    };
                    let valid = hubspoke_iam::validate::validate(raw, hubspoke_iam::Dialect::V2, &RoleCatalog);
                    assert_eq!(valid.map(|draft| draft == policy.draft), Ok(true));
                }
            }
        }
    }

    fn raw(attribute: &Attribute) -> hubspoke_iam::RawAttribute {
        let value = match &attribute.value {
            AttributeValue::Text(text) => hubspoke_iam::RawValue::Text(text.clone()),
            AttributeValue::Flag(flag) => hubspoke_iam::RawValue::Flag(*flag),
            AttributeValue::List(list) => hubspoke_iam::RawValue::List(list.clone()),
        };
        hubspoke_iam::RawAttribute {
            key: attribute.key.clone(),
            operator: Some(attribute.operator.as_str().into()),
            value,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_workload() {
        let a = workload(500, Mix::Realistic, 3, 20);
        let b = workload(500, Mix::Realistic, 3, 20);
        assert_eq!(a.policies, b.policies);
        assert!(a.probes.iter().zip(&b.probes).all(|(x, y)| x.request == y.request));
    }
}
