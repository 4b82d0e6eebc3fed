//! Fan-out: resolving the product of every line of a large order at once.
//! Without a cache each line is a query; with a `BatchLoader`, the lines'
//! `get_batched` calls become a few `WHERE id IN (..)` queries.

use std::sync::Arc;

use cache_facade::BoxError;
use indicatif::ProgressBar;

use super::{Comparison, Context};
use crate::caches;
use crate::db::ProductsById;
use crate::report::count;

/// Runs the fan-out without and with DataLoader batching.
pub(crate) async fn run(context: &Context) -> Result<Comparison, BoxError> {
    let options = &context.options;
    let lines = options.order_lines;
    // Line i orders one of `order_products` products, spread over them.
    let ids: Arc<[u64]> =
        (0..lines).map(|line| line.wrapping_mul(7_919) % options.order_products() + 1).collect();
    let hidden = ProgressBar::hidden();

    let without = context.measure(&ids, lines, &hidden, context.uncached()).await?;

    let cache = caches::builder("fanout", options)
        .batch_loader(ProductsById(Arc::clone(&context.catalog)))
        .build()?;
    let shared = cache.clone();
    let mut with = context
        .measure(&ids, lines, &hidden, move |id| {
            let cache = shared.clone();
            async move {
                cache.get_batched(id).await?.ok_or_else(|| format!("product {id} is missing"))?;
                Ok(())
            }
        })
        .await?;
    let metrics = cache.metrics();
    with.batches = Some(metrics.batches);
    with.coalesced = Some(metrics.coalesced);

    Ok(Comparison {
        id: "fanout",
        title: format!(
            "fan-out: {} over {}, resolved concurrently",
            count(lines, "order line", "order lines"),
            count(options.order_products(), "product", "products")
        ),
        without_label: "per-key queries",
        with_label: "get_batched",
        without,
        with,
    })
}
