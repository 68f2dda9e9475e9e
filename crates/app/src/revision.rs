//! Which revision a request wrote: write use cases record it here, and the api answers it in a response header.
//!
//! A task-local rather than a return value, because every write use case already returns its domain result and the
//! header is the same for all of them; the api wraps each request in [`scope`] and reads the value afterwards.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static WRITTEN: Cell<Option<u64>>;
}

/// Runs `request` and returns its output with the highest revision it wrote, if it wrote anything.
pub async fn scope<F: Future>(request: F) -> (F::Output, Option<u64>) {
    WRITTEN
        .scope(Cell::new(None), async {
            let output = request.await;
            (output, WRITTEN.with(Cell::get))
        })
        .await
}

/// Records that the current request wrote `revision` (outside a [`scope`], nobody asked, and nothing happens).
pub(crate) fn record(revision: u64) {
    let _ = WRITTEN.try_with(|written| written.set(written.get().max(Some(revision))));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_scope_reports_the_highest_revision_written_in_it() {
        let ((), written) = scope(async {
            record(7);
            record(3);
        })
        .await;
        assert_eq!(written, Some(7));
        let ((), nothing) = scope(async {}).await;
        assert_eq!(nothing, None);
        // Outside a scope, recording is harmless.
        record(9);
    }
}
