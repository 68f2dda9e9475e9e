//! Group commit: concurrent writes share one transaction and its commit (and so its fsync).
//!
//! One writer task per store takes every write waiting (at most [`MAX_BATCH`]), runs each in its own savepoint of one
//! transaction, commits once, and only then answers each caller. A write that fails is rolled back to its savepoint
//! alone and answered its own error; if the commit fails, every write of the batch gets that error, so nothing is
//! acknowledged that is not stored. Revisions stay gapless and in commit order: each write takes its revisions from
//! the `revision_counter` row inside the batch's transaction, whose lock is held until the batch commits, and a
//! rolled-back savepoint gives its revisions back.
//!
//! A write waits for nothing but the batch before it: the task takes whatever is queued when it is free, so a writer
//! alone runs alone, and alone it runs without savepoints, statement for statement as a transaction of its own.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{AnyConnection, AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

use super::Backend;
use super::connection::WriteTx;
use crate::{StoreError, StoreResult};

/// At most this many writes share a transaction: enough to absorb any realistic queue, few enough that the first
/// write of a batch is not held long by the others' statements.
pub(super) const MAX_BATCH: usize = 64;

/// The savepoint each write of a batch runs in, and its statements.
const SAVEPOINT: &str = "SAVEPOINT hubspoke_write";
const RELEASE: &str = "RELEASE SAVEPOINT hubspoke_write";
const ROLLBACK_TO: &str = "ROLLBACK TO SAVEPOINT hubspoke_write";

/// A future borrowing the write's connection.
pub(super) type BoxFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// Where a write runs: alone in its transaction, or in a savepoint of a shared one.
#[derive(Clone, Copy, Debug)]
pub(super) struct Scope {
    backend: Backend,
    savepoint: bool,
}

impl Scope {
    /// Undoes what the write did so far, so it may read or try again on the same connection: after a failed
    /// statement PostgreSQL refuses every further one until then. In a savepoint this rolls back to it; alone, the
    /// transaction is rolled back and begun again.
    pub(super) async fn undo(self, connection: &mut AnyConnection) -> StoreResult<()> {
        if self.savepoint {
            connection.execute(ROLLBACK_TO).await?;
        } else {
            connection.execute("ROLLBACK").await?;
            connection.execute(if self.backend.is_postgres() { "BEGIN" } else { "BEGIN IMMEDIATE" }).await?;
        }
        Ok(())
    }
}

/// What a write's run left: whether it succeeded (its savepoint is kept) and how to answer its caller once the batch
/// has ended (with the commit's outcome).
struct Ran {
    ok: bool,
    /// The write failed for a reason outside it (a full disk, a lost connection): the batch cannot commit.
    outage: Option<StoreError>,
    /// The write was refused for what it asked (a duplicate, a stale version, a moved world): the transaction is
    /// in a known state, and its connection may be used again after the rollback.
    refused: bool,
    answer: Box<dyn FnOnce(StoreResult<()>) + Send>,
}

/// One queued write, its result type erased.
trait Job: Send {
    fn run<'c>(self: Box<Self>, connection: &'c mut AnyConnection, scope: Scope) -> BoxFuture<'c, Ran>;
    /// Answers the caller without running: the batch failed before this write's turn.
    fn refuse(self: Box<Self>, error: StoreError);
}

struct Typed<T, F> {
    work: F,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Job for Typed<T, F>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut AnyConnection, Scope) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
{
    fn run<'c>(self: Box<Self>, connection: &'c mut AnyConnection, scope: Scope) -> BoxFuture<'c, Ran> {
        let Typed { work, reply } = *self;
        Box::pin(async move {
            match work(connection, scope).await {
                Ok(value) => Ran {
                    ok: true,
                    outage: None,
                    refused: false,
                    answer: Box::new(move |committed| {
                        reply.send(committed.map(|()| value)).ok();
                    }),
                },
                // A refused write is answered only after the batch ends too: a caller that retries (a world write
                // that found the world moved) must then see what moved it. If the batch failed, so did the write
                // (its refusal may have rested on a twin the batch did not commit).
                Err(error) => Ran {
                    ok: false,
                    outage: error.is_outage().then(|| error.clone()),
                    refused: error.is_refusal(),
                    answer: Box::new(move |ended: StoreResult<()>| {
                        reply.send(Err(ended.err().unwrap_or(error))).ok();
                    }),
                },
            }
        })
    }

    fn refuse(self: Box<Self>, error: StoreError) {
        self.reply.send(Err(error)).ok();
    }
}

/// The queue to the store's writer task.
#[derive(Debug)]
pub(super) struct GroupCommit {
    queue: mpsc::UnboundedSender<Box<dyn Job>>,
    /// How many batches the writer task has run, for tests that check writes were grouped.
    batches: Arc<AtomicU64>,
}

impl GroupCommit {
    /// Starts the writer task on the current runtime; it ends when the store (and so this queue) is dropped.
    pub(super) fn start(pool: AnyPool, backend: Backend) -> GroupCommit {
        let (queue, waiting) = mpsc::unbounded_channel();
        let batches = Arc::new(AtomicU64::new(0));
        tokio::spawn(writer(pool, backend, waiting, batches.clone()));
        GroupCommit { queue, batches }
    }

    /// How many batches have run so far (read by tests only).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }

    /// Runs `work` in the next batch and returns its result once the batch's commit returned.
    ///
    /// `work` must not commit or roll back: on an error the batch rolls back what it did. To read after a failed
    /// statement it calls [`Scope::undo`] first.
    pub(super) async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection, Scope) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Database("the store's writer stopped".to_owned());
        self.queue.send(Box::new(Typed { work, reply })).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn writer(
    pool: AnyPool,
    backend: Backend,
    mut waiting: mpsc::UnboundedReceiver<Box<dyn Job>>,
    batches: Arc<AtomicU64>,
) {
    while let Some(first) = waiting.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&pool, backend, batch).await;
        batches.fetch_add(1, Ordering::Relaxed);
    }
}

/// Runs one batch in one transaction and answers every write in it.
async fn run_batch(pool: &AnyPool, backend: Backend, batch: Vec<Box<dyn Job>>) {
    let mut tx = match WriteTx::begin(pool, backend).await {
        Ok(tx) => tx,
        Err(error) => {
            for job in batch {
                job.refuse(error.clone());
            }
            return;
        }
    };
    let scope = Scope { backend, savepoint: batch.len() > 1 };
    let mut ran: Vec<Ran> = Vec::with_capacity(batch.len());
    let mut broken: Option<StoreError> = None;
    let mut jobs = batch.into_iter();
    for job in jobs.by_ref() {
        if scope.savepoint
            && let Err(error) = tx.execute(SAVEPOINT).await
        {
            let error = StoreError::from(error);
            job.refuse(error.clone());
            broken = Some(error);
            break;
        }
        let outcome = job.run(&mut tx, scope).await;
        if let Some(error) = outcome.outage.clone() {
            ran.push(outcome);
            broken = Some(error);
            break;
        }
        let ended = if !scope.savepoint {
            Ok(())
        } else if outcome.ok {
            tx.execute(RELEASE).await.map(|_| ())
        } else {
            end_refused(&mut tx).await
        };
        ran.push(outcome);
        if let Err(error) = ended {
            // The transaction is not where the batch left it (SQLite rolls a whole transaction back by itself on
            // some errors, a full disk among them): nothing of the batch can be trusted to commit.
            broken = Some(error.into());
            break;
        }
    }
    let ended = match broken {
        // Dropping the transaction rolls it back and retires its connection.
        Some(error) => {
            drop(tx);
            for job in jobs {
                job.refuse(error.clone());
            }
            Err(error)
        }
        None if !scope.savepoint && !ran.first().is_some_and(|outcome| outcome.ok) => {
            // A write alone that failed: its transaction is rolled back as it always was. A refusal leaves the
            // connection in a known state (it is retired only if the rollback fails); after any other error the
            // connection is retired with the rollback.
            if ran.first().is_some_and(|outcome| outcome.refused) {
                tx.rollback().await.ok();
            } else {
                drop(tx);
            }
            Ok(())
        }
        None => tx.commit().await,
    };
    for outcome in ran {
        (outcome.answer)(ended.clone());
    }
}

/// Rolls a refused write back to its savepoint and releases it.
async fn end_refused(connection: &mut AnyConnection) -> Result<(), sqlx::Error> {
    connection.execute(ROLLBACK_TO).await?;
    connection.execute(RELEASE).await?;
    Ok(())
}
