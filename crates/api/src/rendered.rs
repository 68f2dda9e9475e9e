//! Read models as rendered, kept for the reads that render the same one again (GETs by id and the items of list
//! pages, of policies and of VPCs), and sent as kept.
//!
//! A rendering is filed under the allocation of the read model it was made from. The application shares one `Arc`
//! per state of a resource (the replica's book one per stored policy state, the kept read models one per VPC and
//! world), and every change makes a new one, so a kept body can never show a state older than the one read; the entry
//! holds that `Arc`, so its address cannot be taken by another read model while the entry lives. A read model made
//! afresh each time simply misses. The base URL (hrefs carry it) is compared too, and `V` says which variant of the
//! representation was made (a policy's API version and display option).
//!
//! A GET hands hyper the kept bytes themselves; a list page copies its items' kept bytes into one body, which can
//! itself be kept (the application keeps VPC pages per world and administrators' policy pages per book, so a page's
//! `Arc` names its content too).

use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use hubspoke_app::network::vpcs::VpcRead;
use hubspoke_app::paging::Page;
use hubspoke_app::policies::PolicyListPage;
use hubspoke_app::precondition::Tagged;
use hubspoke_iam::Policy;
use lru::LruCache;
use serde::Serialize;

use crate::error::ApiError;
use crate::policies::Version;
use crate::transaction::json_bytes_response;

/// How many renderings each kind of item keeps: a few list pages' worth for each of many accounts, a kilobyte or two
/// each.
const CAPACITY: usize = 16_384;

/// How many rendered list pages are kept: a page of a hundred items is up to two hundred kilobytes.
const PAGE_CAPACITY: usize = 64;

/// Every kind of kept rendering.
pub struct Kept {
    /// Policies, in each API version, with or without display fields.
    pub policies: Renderings<Policy, (Version, bool)>,
    /// VPCs.
    pub vpcs: Renderings<VpcRead>,
    /// Pages of VPCs, by their first link.
    pub vpc_pages: Renderings<Page<Arc<VpcRead>>>,
    /// Pages of policies, by their first link, in each API version, with or without display fields.
    pub policy_pages: Renderings<PolicyListPage, (Version, bool)>,
}

impl Default for Kept {
    fn default() -> Kept {
        Kept {
            policies: Renderings::default(),
            vpcs: Renderings::default(),
            vpc_pages: Renderings::with_capacity(PAGE_CAPACITY),
            policy_pages: Renderings::with_capacity(PAGE_CAPACITY),
        }
    }
}

/// A read model that has an ETag of its own.
pub trait Etagged {
    /// Its ETag.
    fn etag(&self) -> String;
}

impl Etagged for Policy {
    fn etag(&self) -> String {
        Policy::etag(self)
    }
}

impl Etagged for VpcRead {
    fn etag(&self) -> String {
        Tagged::etag(self)
    }
}

/// One read model written in one variant of its representation.
pub struct Rendering<T> {
    /// Kept so that the allocation the entry is filed under stays this read model's.
    source: Arc<T>,
    base: Box<str>,
    /// `,` and then the JSON: what follows another item in a list. The JSON alone is a slice of it.
    listed: Bytes,
    etag: OnceLock<String>,
}

impl<T> Rendering<T> {
    /// The JSON.
    pub fn json(&self) -> Bytes {
        self.listed.slice(1..)
    }

    /// The response that is the JSON alone (a list page).
    pub fn body_response(&self) -> Response {
        json_bytes_response(StatusCode::OK, self.json())
    }
}

impl<T: Etagged> Rendering<T> {
    /// The ETag, computed the first time a response carries it.
    pub fn etag(&self) -> &str {
        self.etag.get_or_init(|| self.source.etag())
    }

    /// The response to a GET: the JSON with its ETag.
    pub fn response(&self) -> Response {
        let mut response = self.body_response();
        if let Ok(value) = HeaderValue::from_str(self.etag()) {
            response.headers_mut().insert(header::ETAG, value);
        }
        response
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key<V> {
    source: usize,
    variant: V,
}

/// The kept renderings of one kind of read model, least recently used first out.
pub struct Renderings<T, V: Hash + Eq = ()> {
    entries: Mutex<LruCache<Key<V>, Arc<Rendering<T>>>>,
}

impl<T, V: Hash + Eq + Copy> Default for Renderings<T, V> {
    fn default() -> Renderings<T, V> {
        Renderings::with_capacity(CAPACITY)
    }
}

impl<T, V: Hash + Eq + Copy> Renderings<T, V> {
    /// Keeps at most `capacity` renderings (at least one).
    pub fn with_capacity(capacity: usize) -> Renderings<T, V> {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Renderings { entries: Mutex::new(LruCache::new(capacity)) }
    }

    /// Each of `sources` in the variant `variant` for `base`, from what is kept where it can be, written by `render`
    /// where not; the lock is held only to look up and to file, never while rendering. `base` is whatever else the
    /// rendering depends on, compared in full: the base URL of an item's hrefs, the first link of a page.
    pub fn render(
        &self,
        sources: &[Arc<T>],
        base: &str,
        variant: V,
        render: impl Fn(&T, &mut Vec<u8>) -> Result<(), ApiError>,
    ) -> Result<Vec<Arc<Rendering<T>>>, ApiError> {
        let key = |source: &Arc<T>| Key { source: Arc::as_ptr(source) as usize, variant };
        let mut found: Vec<Option<Arc<Rendering<T>>>> = {
            let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            sources.iter().map(|source| entries.get(&key(source)).filter(|kept| &*kept.base == base).cloned()).collect()
        };
        let mut made = Vec::new();
        for (source, slot) in sources.iter().zip(found.iter_mut()).filter(|(_, slot)| slot.is_none()) {
            let mut listed = vec![b','];
            render(source, &mut listed)?;
            let rendering = Arc::new(Rendering {
                source: source.clone(),
                base: base.into(),
                listed: Bytes::from(listed),
                etag: OnceLock::new(),
            });
            made.push((key(source), rendering.clone()));
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

    /// `source` alone (a GET by id).
    pub fn one(
        &self,
        source: &Arc<T>,
        base: &str,
        variant: V,
        render: impl Fn(&T, &mut Vec<u8>) -> Result<(), ApiError>,
    ) -> Result<Arc<Rendering<T>>, ApiError> {
        let mut rendered = self.render(std::slice::from_ref(source), base, variant, render)?;
        rendered.pop().ok_or_else(|| unrenderable(serde::ser::Error::custom("no rendering for the read model")))
    }
}

/// A list page written into `out`: `envelope`, whose last member is an empty array, with `items` in that array. The
/// envelope is serialised (a few hundred bytes) and the kept items copied after it: handed to hyper one by one, a
/// hundred items left in several writes, each a system call, and the page went out slower than after the copy.
pub fn write_list<T>(
    envelope: &impl Serialize,
    items: &[Arc<Rendering<T>>],
    out: &mut Vec<u8>,
) -> Result<(), ApiError> {
    let mut head = serde_json::to_vec(envelope).map_err(unrenderable)?;
    // The envelope ends `[]}`: the items go between its brackets.
    if !head.ends_with(b"[]}") {
        return Err(unrenderable(serde::ser::Error::custom("the list envelope does not end with its items")));
    }
    head.truncate(head.len() - 2);
    let items_length: usize = items.iter().map(|item| item.listed.len()).sum();
    out.reserve(head.len() + items_length + 2);
    out.extend_from_slice(&head);
    for (position, item) in items.iter().enumerate() {
        out.extend_from_slice(if position == 0 { &item.listed[1..] } else { &item.listed });
    }
    out.extend_from_slice(b"]}");
    Ok(())
}

/// The response that is a list page (see [`write_list`]).
pub fn list_response<T>(envelope: &impl Serialize, items: &[Arc<Rendering<T>>]) -> Result<Response, ApiError> {
    let mut body = Vec::new();
    write_list(envelope, items, &mut body)?;
    Ok(json_bytes_response(StatusCode::OK, Bytes::from(body)))
}

/// The 500 for a read model that did not serialise, which neither our types nor a `Value` can do; should one ever,
/// the client is told so rather than given half a body.
pub fn unrenderable(error: serde_json::Error) -> ApiError {
    tracing::error!(%error, "a read model did not serialise");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "unable_to_process", "the request could not be processed")
}
