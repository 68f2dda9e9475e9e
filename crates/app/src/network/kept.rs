//! Read models kept for the world they were made from, so that the reads between two changes do not assemble them
//! again.
//!
//! A VPC's read model is a function of the world and of who reads it (a reference to another account's resource is
//! `remote` to one reader and not to another); nothing in it ripens with time. So a read model made from one world is
//! valid for every read of that same world, and for no other: the kept models form one generation, filed under the
//! world's allocation, and the first read of a newer world starts a new generation.

use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, Weak};

use hubspoke_vpc::World;
use lru::LruCache;

/// The read models of one world, by the resource and reader they were made for.
pub(crate) struct KeptReads<K: Hash + Eq, T> {
    generation: Mutex<Generation<K, T>>,
}

struct Generation<K: Hash + Eq, T> {
    /// The world the models were made from. A `Weak` keeps the allocation (not the world) from being freed, so no
    /// later world can take its address and be mistaken for it.
    world: Weak<World>,
    reads: LruCache<K, Arc<T>>,
}

impl<K: Hash + Eq, T> KeptReads<K, T> {
    /// Keeps at most `capacity` read models of one world (at least one).
    pub(crate) fn with_capacity(capacity: usize) -> KeptReads<K, T> {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        KeptReads { generation: Mutex::new(Generation { world: Weak::new(), reads: LruCache::new(capacity) }) }
    }

    /// The read model `key` names in `world`: the kept one, or the one `make` assembles (which is then kept). The
    /// lock is held only to look up and to file, never while `make` runs.
    ///
    /// Keys may name things by their address inside `world` (an entity of a persistent map does not move while the
    /// world lives, and the caller holds it), since a generation never outlives the world it was made from.
    pub(crate) fn get_or_make(&self, world: &Arc<World>, key: K, make: impl FnOnce() -> T) -> Arc<T> {
        {
            let mut generation = self.lock();
            if std::ptr::eq(generation.world.as_ptr(), Arc::as_ptr(world))
                && let Some(kept) = generation.reads.get(&key)
            {
                return kept.clone();
            }
        }
        let made = Arc::new(make());
        let mut generation = self.lock();
        if !std::ptr::eq(generation.world.as_ptr(), Arc::as_ptr(world)) {
            // Readers holding an older world around a change can take the generation back and forth; each switch
            // only costs the models kept so far, never a wrong one.
            generation.world = Arc::downgrade(world);
            generation.reads.clear();
        }
        generation.reads.put(key, made.clone());
        made
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generation<K, T>> {
        self.generation.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use hubspoke_vpc::World;

    use super::KeptReads;

    #[test]
    fn a_model_is_kept_for_its_world_and_made_again_for_another() {
        let kept: KeptReads<&str, String> = KeptReads::with_capacity(4);
        let first = Arc::new(World::default());
        let made = kept.get_or_make(&first, "a", || "one".to_owned());
        let again = kept.get_or_make(&first, "a", || "two".to_owned());
        assert!(Arc::ptr_eq(&made, &again), "the same world answers the kept model");

        // A world with the same content but another allocation is another world: a change could have happened.
        let second = Arc::new(World::default());
        let remade = kept.get_or_make(&second, "a", || "three".to_owned());
        assert_eq!(*remade, "three");
        // Going back to the first world starts over too, instead of answering the second world's model.
        let back = kept.get_or_make(&first, "a", || "four".to_owned());
        assert_eq!(*back, "four");
        assert_eq!(*kept.get_or_make(&first, "b", || "five".to_owned()), "five");
    }
}
