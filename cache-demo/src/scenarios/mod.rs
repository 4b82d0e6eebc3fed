//! The seven scenarios. Each runs the same requests twice, once without the
//! cache (or its feature) and once with it, and returns both measurements.

pub(crate) mod fanout;
pub(crate) mod herd;
pub(crate) mod memoized;
pub(crate) mod resilience;
pub(crate) mod steady;
pub(crate) mod warmup;

use std::future::Future;
use std::sync::Arc;

use cache_facade::BoxError;
use indicatif::ProgressBar;
use serde::Serialize;

use crate::db::Catalog;
use crate::measurement::Measurement;
use crate::options::Options;
use crate::traffic;

/// How many scenarios a run has.
pub(crate) const COUNT: usize = 7;

/// What every scenario needs: the options and the catalog service.
#[derive(Debug)]
pub(crate) struct Context {
    /// The command line.
    pub(crate) options: Options,
    /// The database, shared by every request.
    pub(crate) catalog: Arc<Catalog>,
}

impl Context {
    /// Runs `request` for every id of `ids` at `concurrency`, measuring
    /// latencies and counting the queries sent meanwhile.
    pub(crate) async fn measure<F, Fut>(
        &self,
        ids: &Arc<[u64]>,
        concurrency: u64,
        progress: &ProgressBar,
        request: F,
    ) -> Result<Measurement, BoxError>
    where
        F: Fn(u64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), BoxError>> + Send + 'static,
    {
        let before = self.catalog.queries();
        let concurrency = usize::try_from(concurrency).unwrap_or(usize::MAX);
        let (latencies, wall) =
            traffic::drive(Arc::clone(ids), concurrency, progress, request).await?;
        progress.finish_and_clear();
        Ok(Measurement::from_run(&latencies, wall, self.catalog.queries() - before))
    }

    /// A request that asks the database directly, as a service without a
    /// cache does.
    pub(crate) fn uncached(&self) -> impl Fn(u64) -> UncachedRequest + Send + Sync + 'static {
        let catalog = Arc::clone(&self.catalog);
        move |id| {
            let catalog = Arc::clone(&catalog);
            Box::pin(async move { catalog.product(id).await.map(drop).map_err(BoxError::from) })
        }
    }
}

/// The future of an [`Context::uncached`] request.
pub(crate) type UncachedRequest =
    std::pin::Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send + 'static>>;

/// One scenario's two runs, side by side.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Comparison {
    /// Short identifier: `herd`, `fanout`, `steady`, `warmup`, `memoized`.
    pub(crate) id: &'static str,
    /// What the scenario does, for the table's heading.
    pub(crate) title: String,
    /// What the first run is ("no cache", "cold cache", ...).
    pub(crate) without_label: &'static str,
    /// What the second run is.
    pub(crate) with_label: &'static str,
    /// The first run.
    pub(crate) without: Measurement,
    /// The second run.
    pub(crate) with: Measurement,
}
