//! Read models kept for the snapshot they were made from, so that the reads between two changes do not assemble them
//! again.
//!
//! The replica's state is immutable snapshots, a new one published by every change: the VPC world, and the policy
//! book. A read model made from one snapshot is valid for every read of that same snapshot and for no other, when it
//! depends on nothing else (a VPC's depends on the world and on who reads it, and nothing in it ripens with time; a
//! policy page read by an account's administrator on the book and the query). So the kept models form one
//! generation, filed under the snapshot's allocation, and the first read of a newer snapshot starts a new generation.

use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, Weak};

use lru::LruCache;

/// The read models of one snapshot `S`, by the resource and reader they were made for.
pub(crate) struct KeptReads<S, K: Hash + Eq, T> {
    generation: Mutex<Generation<S, K, T>>,
}

struct Generation<S, K: Hash + Eq, T> {
    /// The snapshot the models were made from. A `Weak` keeps the allocation (not the snapshot) from being freed, so
    /// no later snapshot can take its address and be mistaken for it.
    snapshot: Weak<S>,
    reads: LruCache<K, Arc<T>>,
}

impl<S, K: Hash + Eq, T> KeptReads<S, K, T> {
    /// Keeps at most `capacity` read models of one snapshot (at least one).
    pub(crate) fn with_capacity(capacity: usize) -> KeptReads<S, K, T> {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        KeptReads { generation: Mutex::new(Generation { snapshot: Weak::new(), reads: LruCache::new(capacity) }) }
    }

    /// The read model `key` names in `snapshot`: the kept one, or the one `make` assembles (which is then kept). The
    /// lock is held only to look up and to file, never while `make` runs.
    ///
    /// Keys may name things by their address inside `snapshot` (an entry of a persistent map does not move while the
    /// snapshot lives, and the caller holds it), since a generation never outlives the snapshot it was made from.
    pub(crate) fn get_or_make(&self, snapshot: &Arc<S>, key: K, make: impl FnOnce() -> T) -> Arc<T> {
        self.try_get_or_make(snapshot, key, || Ok::<T, std::convert::Infallible>(make()))
            .unwrap_or_else(|never| match never {})
    }

    /// [`KeptReads::get_or_make`] for a `make` that can fail; nothing is kept then.
    pub(crate) fn try_get_or_make<E>(
        &self,
        snapshot: &Arc<S>,
        key: K,
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        {
            let mut generation = self.lock();
            if std::ptr::eq(generation.snapshot.as_ptr(), Arc::as_ptr(snapshot))
                && let Some(kept) = generation.reads.get(&key)
            {
                return Ok(kept.clone());
            }
        }
        let made = Arc::new(make()?);
        let mut generation = self.lock();
        if !std::ptr::eq(generation.snapshot.as_ptr(), Arc::as_ptr(snapshot)) {
            // Readers holding an older snapshot around a change can take the generation back and forth; each switch
            // only costs the models kept so far, never a wrong one.
            generation.snapshot = Arc::downgrade(snapshot);
            generation.reads.clear();
        }
        generation.reads.put(key, made.clone());
        Ok(made)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generation<S, K, T>> {
        self.generation.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::KeptReads;

    #[test]
    fn a_model_is_kept_for_its_snapshot_and_made_again_for_another() {
        let kept: KeptReads<Vec<u8>, &str, String> = KeptReads::with_capacity(4);
        let first = Arc::new(Vec::new());
        let made = kept.get_or_make(&first, "a", || "one".to_owned());
        let again = kept.get_or_make(&first, "a", || "two".to_owned());
        assert!(Arc::ptr_eq(&made, &again), "the same snapshot answers the kept model");

        // A snapshot with the same content but another allocation is another snapshot: a change could have happened.
        let second = Arc::new(Vec::new());
        let remade = kept.get_or_make(&second, "a", || "three".to_owned());
        assert_eq!(*remade, "three");
        // Going back to the first snapshot starts over too, instead of answering the second snapshot's model.
        let back = kept.get_or_make(&first, "a", || "four".to_owned());
        assert_eq!(*back, "four");
        assert_eq!(*kept.get_or_make(&first, "b", || "five".to_owned()), "five");
        // A failed make keeps nothing.
        assert!(kept.try_get_or_make(&first, "c", || Err::<String, ()>(())).is_err());
        assert_eq!(*kept.get_or_make(&first, "c", || "six".to_owned()), "six");
    }
}
