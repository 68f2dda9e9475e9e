//! The in-memory decision index, the policies as stored, and how they follow the store's change log.
//!
//! Decisions never touch the database: they read the current [`PolicyIndex`] snapshot, an immutable value swapped
//! whole with every batch of changes, so an answer never mixes two revisions. Reading a policy by id does not either:
//! [`PolicyBook`] holds every stored policy, whatever its state, and is swapped with the index. Writers (and, with
//! several replicas, the follower in [`crate::follow`]) call [`Replica::sync_to`] with the revision they need; one sync
//! runs at a time. The VPC world is swapped the same way, and only ever forward: a world older than the current one is
//! never published.

use std::sync::Arc;

use arc_swap::ArcSwap;
use hubspoke_iam::{Policy, PolicyIndex, RoleCatalog};
use hubspoke_store::{EntityKind, Store};
use hubspoke_vpc::World;
use tokio::sync::Mutex;

use crate::AppResult;
use crate::policy_book::PolicyBook;

/// How many changes one catch-up step reads.
const BATCH: u32 = 512;

/// The in-memory state of this process: the decision index, the policies as stored, and the VPC world.
pub struct Replica {
    index: ArcSwap<PolicyIndex>,
    /// Published before the index whenever both change, so that a reader who finds the index at a revision finds the
    /// book there too.
    policies: ArcSwap<PolicyBook>,
    world: ArcSwap<World>,
    sync: Mutex<()>,
    world_changes: tokio::sync::watch::Sender<u64>,
}

impl Replica {
    /// Builds the index and the world from everything in the store.
    pub async fn load(store: &dyn Store, catalog: &RoleCatalog) -> AppResult<Replica> {
        // The two reads are independent (each is one snapshot of its own): the world loads while the policies stream.
        let (policies, world) = tokio::join!(store.all_policies(), store.load_world());
        let ((policies, revision), (entities, world_revision)) = (policies?, world?);
        // The book keeps the policies as they were read, without copying them: once the index is built from them,
        // nothing else needs the list, and dropping it only lets go of a reference to each.
        let policies: Vec<Arc<Policy>> = policies.into_iter().map(Arc::new).collect();
        let (mut index, book) = std::thread::scope(|scope| {
            // The book is filed on another core while this one builds the index: a million policies take seconds to
            // index, and the filing would otherwise add to the start.
            let book = scope.spawn(|| PolicyBook::shared(policies.iter().cloned()));
            let index = PolicyIndex::build(policies.iter().map(|policy| &**policy), revision, catalog);
            (index, book.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        });
        drop(policies);
        for role in store.all_custom_roles().await? {
            index.apply_custom_role(&role);
        }
        let world = World::from_entities(entities, world_revision);
        let (world_changes, _) = tokio::sync::watch::channel(world.revision());
        Ok(Replica {
            index: ArcSwap::from_pointee(index),
            policies: ArcSwap::from_pointee(book),
            world: ArcSwap::from_pointee(world),
            sync: Mutex::new(()),
            world_changes,
        })
    }

    /// The current VPC world.
    pub fn world(&self) -> Arc<World> {
        self.world.load_full()
    }

    /// Publishes a world this process wrote (the store accepted it at its revision).
    pub fn publish_world(&self, world: World) {
        self.offer_world(Arc::new(world));
    }

    /// Makes `world` current unless a newer one already is: this process's writer and the follower both publish, in
    /// either order.
    fn offer_world(&self, world: Arc<World>) {
        let revision = world.revision();
        let previous =
            self.world.rcu(|current| if revision > current.revision() { world.clone() } else { current.clone() });
        if revision > previous.revision() {
            self.world_changes.send_replace(revision);
        }
    }

    /// A receiver that wakes whenever a new world is published (the DNS data plane follows it).
    pub fn subscribe_world(&self) -> tokio::sync::watch::Receiver<u64> {
        self.world_changes.subscribe()
    }

    /// Replaces the world with the store's, after another writer moved it.
    pub async fn reload_world(&self, store: &dyn Store) -> AppResult<()> {
        let (entities, revision) = store.load_world().await?;
        self.offer_world(Arc::new(World::from_entities(entities, revision)));
        Ok(())
    }

    /// The current snapshot.
    pub fn index(&self) -> Arc<PolicyIndex> {
        self.index.load_full()
    }

    /// The policy with this id as this replica holds it, whatever its state.
    pub fn policy(&self, id: &str) -> Option<Arc<Policy>> {
        self.policies.load().get(id)
    }

    /// The policy book as the replica holds it now: a snapshot, replaced (never changed) by each change.
    pub fn policy_book(&self) -> Arc<PolicyBook> {
        self.policies.load_full()
    }

    /// The revision the index reflects.
    pub fn revision(&self) -> u64 {
        self.index.load().revision()
    }

    /// Takes in a policy this process has just written at `revision` without reading it back, when nothing else was
    /// written in between (the index is at `revision - 1`); otherwise catches up from the store.
    pub async fn apply_own(
        &self,
        store: &dyn Store,
        catalog: &RoleCatalog,
        revision: u64,
        policy: &Policy,
    ) -> AppResult<()> {
        {
            let _guard = self.sync.lock().await;
            let current = self.index.load_full();
            if current.revision() + 1 == revision {
                let mut next = (*current).clone();
                next.apply(policy, catalog);
                next.set_revision(revision);
                let mut book = (*self.policies.load_full()).clone();
                book.insert(policy.clone());
                self.policies.store(Arc::new(book));
                self.index.store(Arc::new(next));
                return Ok(());
            }
        }
        self.sync_to(store, catalog, revision).await
    }

    /// Takes in a VPC-domain write this process has just made at `revision` and published the world of: when nothing
    /// else was written in between (the index is at `revision - 1`), the change holds nothing the index keeps, and
    /// the index moves to `revision` without reading the change log; otherwise it catches up from the store.
    pub async fn advance_own_world(&self, store: &dyn Store, catalog: &RoleCatalog, revision: u64) -> AppResult<()> {
        {
            let _guard = self.sync.lock().await;
            let current = self.index.load_full();
            if current.revision() + 1 == revision && self.world.load().revision() >= revision {
                let mut next = (*current).clone();
                next.set_revision(revision);
                self.index.store(Arc::new(next));
                return Ok(());
            }
        }
        self.sync_to(store, catalog, revision).await
    }

    /// Applies every change up to at least `revision` (everything committed so far, in fact): policies into the index,
    /// and, when another process changed the VPC domain, a fresh world.
    pub async fn sync_to(&self, store: &dyn Store, catalog: &RoleCatalog, revision: u64) -> AppResult<()> {
        if self.revision() >= revision {
            return Ok(());
        }
        let _guard = self.sync.lock().await;
        let mut next = (*self.index.load_full()).clone();
        let mut book = (*self.policies.load_full()).clone();
        let mut world_moved = false;
        loop {
            let changes = store.changes_since(next.revision(), BATCH).await?;
            let Some(last) = changes.last().map(|change| change.revision) else { break };
            if changes.iter().any(|change| change.entity == EntityKind::Reset) {
                // A reset removed what the index holds: rebuild it from the store as it is now, which covers this
                // batch and whatever followed it, and take the world afresh too.
                let (policies, revision) = store.all_policies().await?;
                next = PolicyIndex::build(&policies, revision.max(last), catalog);
                for role in store.all_custom_roles().await? {
                    next.apply_custom_role(&role);
                }
                book = PolicyBook::of(policies);
                world_moved = true;
                continue;
            }
            let world = self.world.load().revision();
            world_moved |= changes.iter().any(|change| change.entity == EntityKind::World && change.revision > world);
            for change in changes.iter().filter(|change| change.entity == EntityKind::Policy) {
                // The change log names what changed; the store has its newest state, which is what the index wants.
                // A write that changed several policies together names them all, one per line.
                for id in change.entity_id.split('\n') {
                    match store.policy(id).await? {
                        Some(policy) => {
                            next.apply(&policy, catalog);
                            book.insert(policy);
                        }
                        None => {
                            next.remove(id);
                            book.remove(id);
                        }
                    }
                }
            }
            for change in changes.iter().filter(|change| change.entity == EntityKind::CustomRole) {
                match store.custom_role(&change.entity_id).await? {
                    Some(role) => next.apply_custom_role(&role),
                    None => next.remove_custom_role(&change.entity_id),
                }
            }
            next.set_revision(last);
            // A short page was the end of the log as it stood: asking again would only read nothing.
            if changes.len() < BATCH as usize {
                break;
            }
        }
        // The world first: once the index shows the new revision, a reader that asked for it (the fast path above)
        // must find the world at it too.
        if world_moved {
            self.reload_world(store).await?;
        }
        self.policies.store(Arc::new(book));
        self.index.store(Arc::new(next));
        Ok(())
    }
}
