//! Thundering herd: many concurrent requests for one cold product. Without a
//! cache each is a query; with `get_with`, one load runs and every other
//! request waits for it.

use std::sync::Arc;

use cache_facade::BoxError;
use indicatif::ProgressBar;

use super::{Comparison, Context};
use crate::caches;
use crate::report::count;

/// Runs the herd without and with the cache.
pub(crate) async fn run(context: &Context) -> Result<Comparison, BoxError> {
    let options = &context.options;
    let product = options.products; // the coldest product: nobody asked for it yet
    let ids: Arc<[u64]> = vec![product; usize::try_from(options.herd)?].into();
    let hidden = ProgressBar::hidden();

    let without = context.measure(&ids, options.herd, &hidden, context.uncached()).await?;

    let cache = caches::builder("herd", options).build()?;
    let (shared, catalog) = (cache.clone(), Arc::clone(&context.catalog));
    let mut with = context
        .measure(&ids, options.herd, &hidden, move |id| {
            let (cache, catalog) = (shared.clone(), Arc::clone(&catalog));
            async move {
                cache.get_with(id, move || async move { catalog.product(id).await }).await?;
                Ok(())
            }
        })
        .await?;
    with.coalesced = Some(cache.metrics().coalesced);

    Ok(Comparison {
        id: "herd",
        title: format!(
            "thundering herd: {} for one cold product",
            count(options.herd, "request", "concurrent requests")
        ),
        without_label: "no cache",
        with_label: "get_with",
        without,
        with,
    })
}
