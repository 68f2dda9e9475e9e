//! VPC-domain operations: every change runs a pure rule function of the `vpc` crate against the current world,
//! is persisted with compare-and-set together with its activity events, and is then published; reads look at the
//! current world through the caller's eyes.

use std::net::Ipv4Addr;
use std::sync::Arc;

use hubspoke_iam::{AccountId, Caller, Timestamp};
use hubspoke_store::{EventOutcome, EventRecord, Revision, StoreError, WorldWrite};
use hubspoke_vpc::error::Refusal;
use hubspoke_vpc::rules::Applied;
use hubspoke_vpc::rules::binding::{Authorization, Deleted};
use hubspoke_vpc::{Context, Ids, RuleError, World};
use rand::Rng;

use crate::events::event;
use crate::{App, AppError, AppResult, now_millis};

/// How many times a change is recomputed when another writer moved the world under it.
const WRITE_ATTEMPTS: usize = 16;

struct RandomIds;

impl Ids for RandomIds {
    fn uuid(&mut self) -> String {
        uuid::Uuid::new_v4().to_string()
    }

    fn pick(&mut self, bound: usize) -> usize {
        rand::thread_rng().gen_range(0..bound.max(1))
    }
}

/// What a change is, for the activity log.
#[derive(Clone, Debug)]
pub struct Activity {
    /// The IAM action, for example `is.vpc.vpc.create`.
    pub action: &'static str,
    /// The resource kind, for example `vpc`.
    pub kind: &'static str,
    /// The resource id, when the request names it (updates and deletes).
    pub target: Option<String>,
}

impl Activity {
    /// An activity on a resource named by the request.
    pub fn on(action: &'static str, kind: &'static str, target: &str) -> Activity {
        Activity { action, kind, target: Some(target.to_owned()) }
    }

    /// An activity creating a resource (the id comes from the outcome).
    pub fn creating(action: &'static str, kind: &'static str) -> Activity {
        Activity { action, kind, target: None }
    }
}

/// What a command's answer tells the activity log.
pub trait Outcome {
    /// The id of the resource it produced or changed.
    fn target(&self) -> Option<&str> {
        None
    }
    /// Why it was allowed (the granting policies), if that is worth recording.
    fn reason(&self) -> String {
        String::new()
    }
    /// A refusal that did not stop the command (an unauthorized spoke-side disconnect).
    fn refusal(&self) -> Option<&RuleError> {
        None
    }
}

impl Outcome for String {
    fn target(&self) -> Option<&str> {
        Some(self)
    }
}

impl Outcome for () {}

impl Outcome for (String, Authorization) {
    fn target(&self) -> Option<&str> {
        Some(&self.0)
    }
    fn reason(&self) -> String {
        authorization_reason(&self.1)
    }
}

impl Outcome for Deleted {
    fn target(&self) -> Option<&str> {
        Some(&self.binding.id)
    }
    fn reason(&self) -> String {
        match (&self.authorization, self.hub_side_kept) {
            (_, true) => {
                "the spoke removed its side; the hub's side stays `faulted` until the hub deletes it".to_owned()
            }
            (Some(authorization), false) => authorization_reason(authorization),
            (None, false) => "removed by the hub".to_owned(),
        }
    }
    fn refusal(&self) -> Option<&RuleError> {
        self.refusal.as_ref()
    }
}

fn authorization_reason(authorization: &Authorization) -> String {
    match authorization {
        Authorization::Granted { policies } => format!("permitted by authorization policy {}", policies.join(", ")),
        Authorization::Waived => "refused by the decision engine, let through by `--enforcement soft`".to_owned(),
        Authorization::NotChecked => "not checked (`--enforcement off`)".to_owned(),
    }
}

/// The world as one caller may see it.
pub struct View {
    /// The world.
    pub world: Arc<World>,
    /// The caller's account; `None` for the operator, who sees every account.
    pub account: Option<AccountId>,
    /// The time the view was taken (lifecycle states depend on it).
    pub now: Timestamp,
}

impl View {
    /// Whether a resource of `owner` is visible.
    pub fn sees(&self, owner: &AccountId) -> bool {
        self.account.as_ref().is_none_or(|account| account == owner)
    }

    /// A VPC the caller may see, or a 404 error.
    pub fn vpc(&self, id: &str) -> AppResult<&hubspoke_vpc::Vpc> {
        self.world
            .vpc(id)
            .filter(|vpc| self.sees(&vpc.account))
            .ok_or_else(|| AppError::Rule(RuleError::not_found("VPC", id)))
    }
}

impl App {
    /// The world through the caller's eyes.
    pub fn view(&self, caller: &Caller) -> View {
        View { world: self.replica.world(), account: caller.account().cloned(), now: Timestamp(now_millis()) }
    }

    /// The address DNS clients inside a VPC send their queries to.
    pub fn dns_endpoint(&self, caller: &Caller, vpc: &str) -> AppResult<Ipv4Addr> {
        Ok(self.view(caller).vpc(vpc)?.dns_endpoint)
    }

    /// Runs a VPC-domain command for `caller`: check against the current world, persist with its events, publish.
    pub async fn change<T: Outcome>(
        &self,
        caller: &Caller,
        activity: Activity,
        command: impl Fn(&World, &mut Context) -> Result<Applied<T>, RuleError> + Send + Sync,
    ) -> AppResult<(T, Revision)> {
        let _writer = self.world_writes.lock().await;
        // Other replicas may have changed policies or the world since this process last heard: decide on everything
        // committed before this write began (one cheap read of the newest revision when nothing moved).
        self.catch_up_to_store().await?;
        for _ in 0..WRITE_ATTEMPTS {
            let world = self.replica.world();
            // The context borrows the id source and the policy index; it is dropped before anything is awaited.
            let (outcome, waived) = {
                let policies = self.replica.index();
                let mut ids = RandomIds;
                let mut ctx = Context {
                    account: caller.account().cloned(),
                    operator: caller.is_operator(),
                    now: Timestamp(now_millis()),
                    ids: &mut ids,
                    policies: &policies,
                    enforcement: self.settings.enforcement,
                    propagation_delay_ms: self.settings.propagation_delay_ms,
                    waived: Vec::new(),
                };
                let outcome = command(&world, &mut ctx);
                (outcome, ctx.waived)
            };
            let applied = match outcome {
                Ok(applied) => applied,
                Err(refusal) => {
                    if refusal.refusal == Refusal::NotAuthorized {
                        metrics::counter!("hubspoke_decisions_total", "point" => "dns_sharing", "result" => "deny")
                            .increment(1);
                        self.store.record_events(&[refusal_event(caller, &refusal, EventOutcome::Refused)]).await?;
                    }
                    return Err(AppError::Rule(refusal));
                }
            };
            let writes: Vec<WorldWrite> = applied
                .touched
                .iter()
                .map(|key| match applied.world.entity(key) {
                    Some(entity) => WorldWrite::Put(entity),
                    None => WorldWrite::Delete(key.clone()),
                })
                .collect();
            if writes.is_empty() {
                return Ok((applied.value, world.revision()));
            }
            let mut events = vec![self.success_event(caller, &activity, &world, &applied)];
            if !waived.is_empty() {
                metrics::counter!("hubspoke_decisions_total", "point" => "dns_sharing", "result" => "waived")
                    .increment(waived.len() as u64);
            }
            if applied.value.reason().starts_with("permitted by") {
                metrics::counter!("hubspoke_decisions_total", "point" => "dns_sharing", "result" => "permit")
                    .increment(1);
            }
            events.extend(waived.iter().map(|refusal| refusal_event(caller, refusal, EventOutcome::Waived)));
            if let Some(refusal) = applied.value.refusal() {
                events.push(refusal_event(caller, refusal, EventOutcome::Refused));
            }
            let started = std::time::Instant::now();
            let written = self.store.write_world(world.revision(), &writes, &events).await;
            metrics::histogram!("hubspoke_store_write_duration_seconds", "operation" => "write_world")
                .record(started.elapsed().as_secs_f64());
            match written {
                Ok(revision) => {
                    self.replica.publish_world(applied.world.at_revision(revision));
                    // The index's revision then covers this write too, so `Hubspoke-Min-Revision` and the health
                    // revision mean "every write up to N" for VPC writes as for policy writes.
                    self.caught_up(revision).await?;
                    return Ok((applied.value, revision));
                }
                // Another process wrote first: recompute from its world (the rules may now decide differently).
                Err(StoreError::WorldMoved { .. }) => self.replica.reload_world(self.store.as_ref()).await?,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Internal(format!("the VPC state kept changing; `{}` was not applied", activity.action)))
    }

    fn success_event<T: Outcome>(
        &self,
        caller: &Caller,
        activity: &Activity,
        before: &World,
        applied: &Applied<T>,
    ) -> EventRecord {
        let target = applied.value.target().map(str::to_owned).or_else(|| activity.target.clone()).unwrap_or_default();
        // A binding concerns two accounts; both see its events.
        let binding = applied.world.binding(&target).or_else(|| before.binding(&target));
        let (account, other) = match binding {
            Some(binding) => (Some(binding.spoke_account.to_string()), Some(binding.hub_account.to_string())),
            None => (None, None),
        };
        event(
            caller,
            account,
            other,
            activity.action,
            (activity.kind, &target),
            EventOutcome::Success,
            applied.value.reason(),
        )
    }
}

fn refusal_event(caller: &Caller, refusal: &RuleError, outcome: EventOutcome) -> EventRecord {
    match &refusal.grant {
        Some(grant) => event(
            caller,
            Some(grant.spoke_account.clone()),
            Some(grant.hub_account.clone()),
            &grant.action,
            ("vpc", &grant.hub_vpc),
            outcome,
            refusal.message.clone(),
        ),
        None => event(caller, None, None, refusal.code, ("vpc", ""), outcome, refusal.message.clone()),
    }
}
