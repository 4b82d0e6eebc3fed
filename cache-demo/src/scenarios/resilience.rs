//! The bad day: the database fails for a while in the middle of steady
//! traffic (`outage`), or answers slowly for a while (`slow`). Each runs
//! twice over the same requests: a plain cache, then one with fail-safe and
//! refresh-ahead (and a soft timeout for the slow database).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cache_facade::BoxError;

use super::{Comparison, Context};
use crate::caches::{self, DemoCache};
use crate::error::DbError;
use crate::measurement::{Latencies, Measurement};
use crate::report::group;
use crate::{options::Options, zipf};

/// The products of the traffic: the hottest [`PRODUCTS`], or every one.
fn products(options: &Options) -> u64 {
    options.keys().min(PRODUCTS)
}

/// Workers sending requests at once.
const WORKERS: usize = 16;
/// Each worker's pause between requests (a service's own work).
const PACE: Duration = Duration::from_millis(1);
/// Entries live this long here, so that they expire during the trouble.
const TTL: Duration = Duration::from_millis(800);
/// How long the slow database takes per query while slow.
const SLOW_QUERY: Duration = Duration::from_millis(150);
/// The products the traffic asks for (the hottest ones), all loaded once
/// before the trouble: the question is what callers see when entries that
/// were cached expire while the database is in trouble.
const PRODUCTS: u64 = 2_000;

/// What goes wrong, and when (from a third to two thirds of the run).
#[derive(Debug, Clone, Copy)]
enum Trouble {
    /// Every query fails.
    Down,
    /// Every query takes [`SLOW_QUERY`] more.
    Slow,
}

/// The database fails for the middle third of the run.
pub(crate) async fn outage(context: &Context) -> Result<Comparison, BoxError> {
    run(context, Trouble::Down).await
}

/// The database is slow for the middle third of the run.
pub(crate) async fn slow(context: &Context) -> Result<Comparison, BoxError> {
    run(context, Trouble::Slow).await
}

async fn run(context: &Context, trouble: Trouble) -> Result<Comparison, BoxError> {
    let options = &context.options;
    let length = Duration::from_millis(options.trouble_ms);
    let plain = caches::builder(name(trouble, false), options).default_ttl(TTL).build()?;
    let without = drive(context, &plain, trouble, length).await?;
    let mut builder = caches::builder(name(trouble, true), options)
        .default_ttl(TTL)
        .refresh_after(TTL / 2)
        .fail_safe(Duration::from_secs(600))
        .fail_safe_throttle(TTL / 4);
    if matches!(trouble, Trouble::Slow) {
        builder = builder.soft_timeout(Duration::from_millis(20));
    }
    let resilient = builder.build()?;
    let with = drive(context, &resilient, trouble, length).await?;
    let what = match trouble {
        Trouble::Down => "fails",
        Trouble::Slow => "takes 150 ms more a query",
    };
    Ok(Comparison {
        id: name(trouble, false),
        title: format!(
            "{}: {:.1} s of steady traffic over {} cached products, the database {what} \
             for the middle third (TTL {} ms; fail-safe with refresh-ahead{})",
            name(trouble, false),
            length.as_secs_f64(),
            group(products(options)),
            TTL.as_millis(),
            if matches!(trouble, Trouble::Slow) { " and a 20 ms soft timeout" } else { "" }
        ),
        without_label: "plain cache",
        with_label: match trouble {
            Trouble::Down => "fail-safe",
            Trouble::Slow => "soft timeout",
        },
        without,
        with,
    })
}

fn name(trouble: Trouble, resilient: bool) -> &'static str {
    match (trouble, resilient) {
        (Trouble::Down, false) => "outage",
        (Trouble::Down, true) => "outage-resilient",
        (Trouble::Slow, false) => "slow",
        (Trouble::Slow, true) => "slow-resilient",
    }
}

/// Sends Zipf requests from [`WORKERS`] workers for `length`, with the
/// trouble in its middle third; counts what callers saw.
async fn drive(
    context: &Context,
    cache: &DemoCache,
    trouble: Trouble,
    length: Duration,
) -> Result<Measurement, BoxError> {
    let options = &context.options;
    let hot = products(options);
    let ids: Arc<[u64]> =
        zipf::product_ids(1 << 20, hot, options.zipf, options.seed ^ 0x0b5e).into();
    // Every product of the traffic is cached once, before the clock starts.
    for chunk in (1..=hot).collect::<Vec<_>>().chunks(64) {
        let loads = chunk.iter().map(|&id| {
            let catalog = Arc::clone(&context.catalog);
            cache.get_with(id, move || async move { catalog.product(id).await })
        });
        for loaded in futures_util::future::join_all(loads).await {
            loaded?;
        }
    }
    let troubled = Arc::new(AtomicBool::new(false));
    let (next, errors, queries) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let started = Instant::now();
    let deadline = started + length;
    let switch = {
        let troubled = Arc::clone(&troubled);
        tokio::spawn(async move {
            tokio::time::sleep(length / 3).await;
            troubled.store(true, Ordering::SeqCst);
            tokio::time::sleep(length / 3).await;
            troubled.store(false, Ordering::SeqCst);
        })
    };
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (cache, catalog) = (cache.clone(), Arc::clone(&context.catalog));
            let (ids, next, errors, queries, troubled) = (
                Arc::clone(&ids),
                Arc::clone(&next),
                Arc::clone(&errors),
                Arc::clone(&queries),
                Arc::clone(&troubled),
            );
            tokio::spawn(async move {
                let mut samples = Vec::new();
                while Instant::now() < deadline {
                    let id = ids[next.fetch_add(1, Ordering::Relaxed) % ids.len()];
                    let (catalog, queries, troubled) =
                        (Arc::clone(&catalog), Arc::clone(&queries), Arc::clone(&troubled));
                    let sent = Instant::now();
                    let answer = cache
                        .get_with(id, move || async move {
                            queries.fetch_add(1, Ordering::Relaxed);
                            match (troubled.load(Ordering::SeqCst), trouble) {
                                (true, Trouble::Down) => Err(DbError::unavailable()),
                                (true, Trouble::Slow) => {
                                    tokio::time::sleep(SLOW_QUERY).await;
                                    catalog.product(id).await
                                }
                                (false, _) => catalog.product(id).await,
                            }
                        })
                        .await;
                    samples.push(sent.elapsed());
                    if answer.is_err() {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    tokio::time::sleep(PACE).await;
                }
                samples
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await?);
    }
    switch.await?;
    let wall = started.elapsed();
    let queries = queries.load(Ordering::Relaxed);
    let mut measured = Measurement::from_run(&Latencies::merge([latencies]), wall, queries);
    let metrics = cache.metrics();
    measured.hit_rate = Some(metrics.hit_rate());
    measured.errors = Some(errors.load(Ordering::Relaxed));
    measured.stale_served = Some(metrics.stale_served.total());
    Ok(measured)
}
