//! Policies as rendered, kept for the reads that render the same policy again: GETs by id and the items of list pages.
//!
//! A rendering is filed under the policy's allocation. The replica's book shares one `Arc` per stored state of a
//! policy and every change files a new one, so a kept body can never show a state older than the one read; the entry
//! holds that `Arc`, so its address cannot be taken by another policy while the entry lives. A policy read from the
//! store instead is a fresh allocation each time and simply misses. The base URL (hrefs carry it) is compared too.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};

use hubspoke_iam::{Policy, RoleCatalog};
use lru::LruCache;
use serde_json::value::RawValue;

use super::{Shape, Version};

/// How many renderings are kept: a few list pages' worth for each of many accounts, about 1.5 KB each.
const CAPACITY: usize = 16_384;

/// One policy written in one shape.
pub struct Rendering {
    /// Kept so that the allocation the entry is filed under stays this policy's.
    policy: Arc<Policy>,
    base: Box<str>,
    json: Box<RawValue>,
    etag: OnceLock<String>,
}

impl Rendering {
    /// The JSON of the policy.
    pub fn json(&self) -> &RawValue {
        &self.json
    }

    /// The policy's ETag, computed the first time a response carries it.
    pub fn etag(&self) -> &str {
        self.etag.get_or_init(|| self.policy.etag())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    policy: usize,
    version: Version,
    display: bool,
}

impl Key {
    fn of<S: Shape>(policy: &Arc<Policy>, display: bool) -> Key {
        Key { policy: Arc::as_ptr(policy) as usize, version: S::VERSION, display }
    }
}

/// The kept renderings, least recently used first out.
pub struct RenderedPolicies {
    entries: Mutex<LruCache<Key, Arc<Rendering>>>,
}

impl Default for RenderedPolicies {
    fn default() -> RenderedPolicies {
        let capacity = NonZeroUsize::new(CAPACITY).expect("the capacity is not zero");
        RenderedPolicies { entries: Mutex::new(LruCache::new(capacity)) }
    }
}

impl RenderedPolicies {
    /// Each of `policies` in the shape `S`, from what is kept where it can be; the lock is held only to look up and
    /// to file, never while rendering.
    pub fn render<S: Shape>(
        &self,
        policies: &[Arc<Policy>],
        base: &str,
        catalog: &RoleCatalog,
        display: bool,
    ) -> Result<Vec<Arc<Rendering>>, serde_json::Error> {
        let mut found: Vec<Option<Arc<Rendering>>> = {
            let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            policies
                .iter()
                .map(|policy| entries.get(&Key::of::<S>(policy, display)).filter(|kept| &*kept.base == base).cloned())
                .collect()
        };
        let mut made = Vec::new();
        for (policy, slot) in policies.iter().zip(found.iter_mut()).filter(|(_, slot)| slot.is_none()) {
            let json = serde_json::value::to_raw_value(&S::render(policy, base, catalog, display))?;
            let rendering =
                Arc::new(Rendering { policy: policy.clone(), base: base.into(), json, etag: OnceLock::new() });
            made.push((Key::of::<S>(policy, display), rendering.clone()));
            *slot = Some(rendering);
        }
        if !made.is_empty() {
            let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for (key, rendering) in made {
                entries.put(key, rendering);
            }
        }
        Ok(found.into_iter().flatten().collect())
    }
}
