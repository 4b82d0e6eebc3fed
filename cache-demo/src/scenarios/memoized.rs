//! A memoized function: the same product lookup as a plain async function
//! and memoized with `#[async_ttl]` (Python's `@AsyncTTL`).

use std::sync::Arc;

use cache_facade::{BoxError, async_ttl};
use indicatif::ProgressBar;

use super::{Comparison, Context};
use crate::db::Catalog;
use crate::error::DbError;
use crate::product::Row;
use crate::report::count;
use crate::zipf;

/// The product lookup, memoized: results live 5 minutes in a cache of
/// 10,000 entries. `skip_args = 1` leaves the `&Catalog` handle out of the
/// key, so the key is the product id; errors (an unknown id) are not cached.
#[async_ttl(ttl_secs = 300, maxsize = 10_000, skip_args = 1, name = "memoized")]
async fn product(catalog: &Catalog, id: u64) -> Result<Row, DbError> {
    catalog.product(id).await
}

/// Runs the lookups through the plain function, then the memoized one.
pub(crate) async fn run(context: &Context) -> Result<Comparison, BoxError> {
    let options = &context.options;
    let seed = options.seed.wrapping_add(2);
    let ids: Arc<[u64]> =
        zipf::product_ids(options.memo_requests, options.keys(), options.zipf, seed).into();
    let hidden = ProgressBar::hidden();

    let without = context.measure(&ids, options.concurrency, &hidden, context.uncached()).await?;

    let catalog = Arc::clone(&context.catalog);
    let mut with = context
        .measure(&ids, options.concurrency, &hidden, move |id| {
            let catalog = Arc::clone(&catalog);
            async move {
                product(&catalog, id).await?;
                Ok(())
            }
        })
        .await?;
    with.hit_rate = Some(product_metrics().hit_rate());

    Ok(Comparison {
        id: "memoized",
        title: format!(
            "memoized function: {} through a plain async fn vs #[async_ttl]",
            count(options.memo_requests, "Zipf lookup", "Zipf lookups")
        ),
        without_label: "plain fn",
        with_label: "#[async_ttl]",
        without,
        with,
    })
}
