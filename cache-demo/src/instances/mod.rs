//! Scenario 6 (`--redis URL`): two instances of the catalog service sharing
//! Redis as their second tier and invalidation backplane.
//!
//! 1. instance A serves Zipf traffic from a cold start (L1 and L2 fill);
//! 2. instance B serves the same traffic: its misses find A's loads in L2;
//! 3. prices are updated through A: B drops its copy on the pub/sub message,
//!    and its next read is the new price (staleness counted: must be 0);
//! 4. B restarts (a new instance, empty L1) and starts warm from L2;
//! 5. Redis becomes unreachable for A (a black-holing proxy): L1 keeps
//!    serving, misses go to the database, writes queue and replay after.

mod report;
mod setup;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cache_facade::BoxError;
use cache_redis::fault_proxy::Fault;
use indicatif::ProgressBar;

pub(crate) use report::{InstancesReport, Phase};
use setup::{Instance, Setup};

use crate::measurement::{Latencies, Measurement};
use crate::scenarios::Context;
use crate::{traffic, zipf};

/// Price updates made through A in phase 3.
const UPDATES: usize = 50;

/// Runs the scenario against the Redis at `url`.
pub(crate) async fn run(context: &Context, url: &str) -> Result<InstancesReport, BoxError> {
    let options = &context.options;
    let setup = Setup::new(context, url).await?;
    let requests = options.first_requests;
    let ids: Arc<[u64]> =
        zipf::product_ids(requests, options.keys(), options.zipf, options.seed).into();

    let a = setup.instance("a", true)?;
    let b = setup.instance("b", false)?;
    setup.subscribed(&[&a, &b]).await?;

    let cold = serve(context, &a, &ids).await?;
    let warm_b = serve(context, &b, &ids).await?;

    let (propagation, stale) = update_prices(context, &a, &b, &ids).await?;

    drop(b);
    let b2 = setup.instance("b-restarted", false)?;
    setup.subscribed(&[&b2]).await?;
    let restarted = serve(context, &b2, &ids).await?;

    setup.proxy.set(Fault::BlackHole);
    let shifted: Arc<[u64]> =
        zipf::product_ids(requests, options.keys(), options.zipf, options.seed + 1).into();
    let mut outage = serve(context, &a, &shifted).await?;
    for &id in shifted.iter().take(20) {
        let mut product =
            a.cache.get(&id).await.unwrap_or_else(|| crate::product::Product::generate(id));
        product.stock += 1;
        a.cache.insert(id, product).await;
    }
    outage.queued = a.cache.pending_remote_writes();
    setup.proxy.set(Fault::Pass);
    let recovering = Instant::now();
    let deadline = recovering + Duration::from_secs(30);
    while a.cache.pending_remote_writes() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    outage.replayed_ms = Some(recovering.elapsed().as_secs_f64() * 1e3);
    outage.queued_left = a.cache.pending_remote_writes();

    let report = InstancesReport {
        redis: url.to_owned(),
        requests,
        phases: vec![
            Phase::new("A, cold start", cold),
            Phase::new("B, empty L1, warm L2", warm_b),
            Phase::new("B restarted", restarted),
            Phase::new("A, Redis unreachable", outage),
        ],
        updates: UPDATES as u64,
        propagation_p50_us: propagation.percentile(0.50).as_secs_f64() * 1e6,
        propagation_p99_us: propagation.percentile(0.99).as_secs_f64() * 1e6,
        stale_reads: stale,
    };
    setup.cleanup().await;
    Ok(report)
}

/// What one phase measured.
#[derive(Debug, Default)]
pub(crate) struct Served {
    measurement: Measurement,
    l2_hits: u64,
    errors: u64,
    queued: u64,
    queued_left: u64,
    replayed_ms: Option<f64>,
}

/// Serves `ids` through `instance` at the configured concurrency.
async fn serve(
    context: &Context,
    instance: &Instance,
    ids: &Arc<[u64]>,
) -> Result<Served, BoxError> {
    let before_queries = context.catalog.queries();
    let before = instance.cache.metrics();
    let (cache, catalog) = (instance.cache.clone(), Arc::clone(&context.catalog));
    let concurrency = usize::try_from(context.options.concurrency).unwrap_or(usize::MAX);
    let (run, wall) =
        traffic::drive(Arc::clone(ids), concurrency, &ProgressBar::hidden(), move |id| {
            let (cache, catalog) = (cache.clone(), Arc::clone(&catalog));
            async move {
                cache
                    .get_with(id, move || async move {
                        catalog.product(id).await.map(|row| (*row).clone())
                    })
                    .await?;
                Ok(())
            }
        })
        .await?;
    let after = instance.cache.metrics();
    let mut measurement =
        Measurement::from_run(&run, wall, context.catalog.queries() - before_queries);
    let lookups = after.lookups() - before.lookups();
    if lookups > 0 {
        measurement.hit_rate = Some((after.hits - before.hits) as f64 / lookups as f64);
    }
    let (r0, r1) = (before.remote.unwrap_or_default(), after.remote.unwrap_or_default());
    Ok(Served {
        measurement,
        l2_hits: r1.l2_hits - r0.l2_hits,
        errors: r1.l2_errors - r0.l2_errors,
        ..Served::default()
    })
}

/// Updates prices through A; returns how long each took to reach B, and how
/// many reads of B returned the old price after the update reached it.
async fn update_prices(
    context: &Context,
    a: &Instance,
    b: &Instance,
    ids: &Arc<[u64]>,
) -> Result<(Latencies, u64), BoxError> {
    let mut hot: Vec<u64> = ids.iter().copied().take(200).collect();
    hot.sort_unstable();
    hot.dedup();
    let mut took = Vec::with_capacity(UPDATES);
    let mut stale = 0;
    for i in 0..UPDATES {
        let id = hot[i % hot.len()];
        let catalog = Arc::clone(&context.catalog);
        let load = || async move { catalog.product(id).await.map(|row| (*row).clone()) };
        let mut product = b.cache.get_with(id, load).await?; // B holds it in L1
        product.price_cents += 1;
        let applied = b.cache.metrics().remote.unwrap_or_default().backplane_received;
        let started = Instant::now();
        a.cache.insert(id, product.clone()).await;
        let deadline = started + Duration::from_secs(5);
        while b.cache.metrics().remote.unwrap_or_default().backplane_received == applied {
            if Instant::now() > deadline {
                return Err("an update through A never reached B".into());
            }
            tokio::task::yield_now().await;
        }
        took.push(started.elapsed());
        let catalog = Arc::clone(&context.catalog);
        let seen = b
            .cache
            .get_with(id, || async move { catalog.product(id).await.map(|row| (*row).clone()) })
            .await?;
        if seen.price_cents != product.price_cents {
            stale += 1;
        }
    }
    Ok((Latencies::merge([took]), stale))
}
