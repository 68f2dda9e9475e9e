//! How every VPC-domain change runs: a pure rule function of the `vpc` crate against the current world (with the
//! request's `If-Match` checked on that same world), persisted with compare-and-set together with its activity
//! events, and then published.

use hubspoke_iam::{Caller, Timestamp};
use hubspoke_store::{EventOutcome, EventRecord, Revision, StoreError, WorldWrite};
use hubspoke_vpc::error::Refusal;
use hubspoke_vpc::rules::Applied;
use hubspoke_vpc::rules::binding::{Authorization, Deleted};
use hubspoke_vpc::rules::record_import::ImportReport;
use hubspoke_vpc::{Context, Ids, RuleError, World};
use rand::Rng;

use crate::events::event;
use crate::{App, AppError, AppResult, now_millis};

/// How many times a change is recomputed when another writer moved the world under it.
const WRITE_ATTEMPTS: usize = 32;

/// Fresh ids from the system's randomness.
pub(crate) struct RandomIds;

impl Ids for RandomIds {
    fn uuid(&mut self) -> String {
        uuid::Uuid::new_v4().to_string()
    }

    fn pick(&mut self, bound: usize) -> usize {
        rand::thread_rng().gen_range(0..bound.max(1))
    }
}

/// What a change is, for the activity log: the IAM action, the kind of resource and, when the request names it, its
/// id.
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

impl Outcome for ImportReport {
    fn reason(&self) -> String {
        format!("{} of {} records imported, {} refused", self.added(), self.parsed, self.failed())
    }
}

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
        // Both accounts of a binding read its events; which of the hub account's policies granted it is the hub's
        // to know (its administrator asks `explain`).
        Authorization::Granted { .. } => "permitted by an authorization policy of the hub's account".to_owned(),
        Authorization::Waived => "refused by the decision engine, let through by `--enforcement soft`".to_owned(),
        Authorization::NotChecked => "not checked (`--enforcement off`)".to_owned(),
    }
}

impl App {
    /// Runs a VPC-domain command for `caller` (see [`App::change_guarded`]), with no `If-Match`.
    pub(crate) async fn change<T: Outcome>(
        &self,
        caller: &Caller,
        activity: Activity,
        command: impl Fn(&World, &mut Context) -> Result<Applied<T>, RuleError> + Send + Sync,
    ) -> AppResult<(T, Revision)> {
        self.change_guarded(caller, activity, |_: &World| Ok(()), command).await
    }

    /// A rename that honours `If-Match`: with a name the change runs guarded by `check` on the world it is computed
    /// on; without one nothing changes, but a stale tag is still refused, against the current world.
    pub(crate) async fn rename_checked<T: Outcome>(
        &self,
        caller: &Caller,
        activity: Activity,
        name: Option<&str>,
        check: impl Fn(&World) -> AppResult<()> + Send + Sync,
        command: impl Fn(&World, &mut Context, &str) -> Result<Applied<T>, RuleError> + Send + Sync,
    ) -> AppResult<()> {
        match name {
            Some(name) => {
                self.change_guarded(caller, activity, &check, |world, ctx| command(world, ctx, name)).await?;
            }
            None => check(&self.replica.world())?,
        }
        Ok(())
    }

    /// Runs a VPC-domain command for `caller`: `guard` (the request's `If-Match`) and the command are checked against
    /// the current world, the change is persisted with its events only if no other write moved that world meanwhile
    /// (otherwise both run again on the newer one), and the new world is published.
    pub(crate) async fn change_guarded<T: Outcome>(
        &self,
        caller: &Caller,
        activity: Activity,
        guard: impl Fn(&World) -> AppResult<()> + Send + Sync,
        command: impl Fn(&World, &mut Context) -> Result<Applied<T>, RuleError> + Send + Sync,
    ) -> AppResult<(T, Revision)> {
        let _writer = self.world_writes.lock().await;
        // Other replicas may have changed policies or the world since this process last heard: decide on everything
        // committed before this write began (one cheap read of the newest revision when nothing moved).
        self.catch_up_to_store().await?;
        for attempt in 0..WRITE_ATTEMPTS {
            let world = self.replica.world();
            guard(&world)?;
            // The context borrows the id source and the policy index; it is dropped before anything is awaited.
            let (outcome, waived) = {
                let policies = self.replica.index();
                let mut ids = RandomIds;
                let mut ctx = Context {
                    account: caller.account().cloned(),
                    operator: caller.is_operator(),
                    region: self.region_of(caller),
                    now: Timestamp(now_millis()),
                    ids: &mut ids,
                    policies: &policies,
                    enforcement: self.settings.enforcement,
                    propagation_delay_ms: self.settings.propagation_delay_ms,
                    iam_propagation_delay_ms: self.settings.iam_propagation_delay_ms,
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
                        self.store.record_events(&refusal_events(caller, &refusal, EventOutcome::Refused)).await?;
                    }
                    return Err(AppError::Rule(refusal.revealed_to(caller.account())));
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
            events.extend(waived.iter().flat_map(|refusal| refusal_events(caller, refusal, EventOutcome::Waived)));
            if let Some(refusal) = applied.value.refusal() {
                events.extend(refusal_events(caller, refusal, EventOutcome::Refused));
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
                    self.caught_up_with_world(revision).await?;
                    return Ok((applied.value, revision));
                }
                // Another process wrote first: recompute from its world (the rules may now decide differently). Replicas
                // that keep colliding would keep doing so in step; a short random pause, longer after each collision
                // (up to 100 ms), lets one of them through. Three replicas creating VPCs as fast as they can collided
                // more than 16 times in a row on a 2-core machine, hence 32 attempts.
                Err(StoreError::WorldMoved { .. }) => {
                    self.replica.reload_world(self.store.as_ref()).await?;
                    let pause = rand::Rng::gen_range(&mut rand::thread_rng(), 0..=(8 * (attempt as u64 + 1)).min(100));
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
        // Contention, not a fault: the client is told to retry (503), and nothing was written.
        Err(AppError::Storage {
            failure: crate::StorageFailure::Contended,
            detail: format!("the VPC state kept changing under `{}`, which was not applied; retry", activity.action),
        })
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

/// The activity-log entries of a refusal, one per audience. The acting account's entry holds what the actor was told;
/// when the refusal has a detail confidential to another account (the hub's policies that decided it, another
/// tenant's gateway), that account gets its own entry with the detail, and the actor's entry does not name it.
fn refusal_events(caller: &Caller, refusal: &RuleError, outcome: EventOutcome) -> Vec<EventRecord> {
    let actor = caller.account().cloned();
    let (action, target) = match &refusal.grant {
        Some(grant) => (grant.action.as_str(), grant.hub_vpc.as_str()),
        None => (refusal.code, ""),
    };
    let entry = |account: Option<String>, reason: String| {
        event(caller, account, None, action, ("vpc", target), outcome, reason)
    };
    let public = refusal.clone().revealed_to(actor.as_ref()).full_text();
    let mut events = vec![entry(actor.as_ref().map(ToString::to_string), public)];
    if let Some(confidential) = &refusal.confidential
        && actor.as_ref() != Some(&confidential.account)
    {
        let full = refusal.clone().revealed_to(Some(&confidential.account)).full_text();
        events.push(entry(Some(confidential.account.to_string()), full));
    }
    events
}
