//! Steady traffic: a Zipf-distributed stream of product lookups at a fixed
//! concurrency, the everyday load of a catalog service.

use std::sync::Arc;

use cache_facade::BoxError;

use super::{Comparison, Context};
use crate::report::count;
use crate::{caches, progress, zipf};

/// Runs the stream without and with the cache.
pub(crate) async fn run(context: &Context) -> Result<Comparison, BoxError> {
    let options = &context.options;
    let ids: Arc<[u64]> =
        zipf::product_ids(options.requests, options.keys(), options.zipf, options.seed).into();
    let bar = |label: &str| progress::bar(options.requests, label, !options.json);

    let without = context
        .measure(&ids, options.concurrency, &bar("steady, no cache"), context.uncached())
        .await?;

    let cache = caches::builder("steady", options).build()?;
    let (shared, catalog) = (cache.clone(), Arc::clone(&context.catalog));
    let mut with = context
        .measure(&ids, options.concurrency, &bar("steady, with cache"), move |id| {
            let (cache, catalog) = (shared.clone(), Arc::clone(&catalog));
            async move {
                cache.get_with(id, move || async move { catalog.product(id).await }).await?;
                Ok(())
            }
        })
        .await?;
    with.hit_rate = Some(cache.metrics().hit_rate());

    Ok(Comparison {
        id: "steady",
        title: format!(
            "steady traffic: {} over {}, {} in flight",
            count(
                options.requests,
                &format!("Zipf(s={}) request", options.zipf),
                &format!("Zipf(s={}) requests", options.zipf)
            ),
            count(options.keys(), "product", "products"),
            options.concurrency
        ),
        without_label: "no cache",
        with_label: "get_with",
        without,
        with,
    })
}
