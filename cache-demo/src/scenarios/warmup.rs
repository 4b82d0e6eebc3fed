//! Warmup: the first requests after a deploy, against a cold cache and
//! against one whose hot set was loaded ahead of traffic (in batches, through
//! the `BatchLoader`).

use std::sync::Arc;
use std::time::Instant;

use cache_facade::BoxError;
use indicatif::ProgressBar;

use super::{Comparison, Context};
use crate::caches::DemoCache;
use crate::db::ProductsById;
use crate::measurement::Measurement;
use crate::report::count;
use crate::{caches, zipf};

/// Runs the first requests on a cold cache, then on a warmed one.
pub(crate) async fn run(context: &Context) -> Result<Comparison, BoxError> {
    let options = &context.options;
    // Another seed than the steady stream: the same traffic shape, new requests.
    let seed = options.seed.wrapping_add(1);
    let ids: Arc<[u64]> =
        zipf::product_ids(options.first_requests, options.keys(), options.zipf, seed).into();

    let cold = cache(context, "warmup_cold")?;
    let without = first_requests(context, &cold, &ids).await?;

    let warm = cache(context, "warmup_warm")?;
    let (queries, started) = (context.catalog.queries(), Instant::now());
    let report = warm.warmup_batched(1..=options.hot_set()).await?;
    if !report.failed.is_empty() {
        return Err(format!("warmup failed for {} products", report.failed.len()).into());
    }
    let (warmup_queries, warmup_ms) =
        (context.catalog.queries() - queries, started.elapsed().as_secs_f64() * 1e3);
    let mut with = first_requests(context, &warm, &ids).await?;
    with.warmup_queries = Some(warmup_queries);
    with.warmup_ms = Some(warmup_ms);

    Ok(Comparison {
        id: "warmup",
        title: format!(
            "warmup: the first {}, cold vs the {} warmed in batches",
            count(options.first_requests, "request", "requests"),
            count(options.hot_set(), "hottest product", "hottest products")
        ),
        without_label: "cold cache",
        with_label: "warmed",
        without,
        with,
    })
}

/// A cache with the catalog's batch loader, for `warmup_batched`.
fn cache(context: &Context, name: &str) -> Result<DemoCache, BoxError> {
    Ok(caches::builder(name, &context.options)
        .batch_loader(ProductsById(Arc::clone(&context.catalog)))
        .build()?)
}

/// The first requests through `cache`, with its hit rate.
async fn first_requests(
    context: &Context,
    cache: &DemoCache,
    ids: &Arc<[u64]>,
) -> Result<Measurement, BoxError> {
    let (shared, catalog) = (cache.clone(), Arc::clone(&context.catalog));
    let mut measured = context
        .measure(ids, context.options.concurrency, &ProgressBar::hidden(), move |id| {
            let (cache, catalog) = (shared.clone(), Arc::clone(&catalog));
            async move {
                cache.get_with(id, move || async move { catalog.product(id).await }).await?;
                Ok(())
            }
        })
        .await?;
    measured.hit_rate = Some(cache.metrics().hit_rate());
    Ok(measured)
}
