//! Loading: the thundering herd (N waiters on one cold key: time from the
//! load finishing to the last waiter waking, against moka's `get_with`) and
//! DataLoader batching (10,000 `get_batched` over 1,000 keys).
#![allow(missing_docs)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cache_facade::{AsyncCache, PolicyStore, batch_loader_fn};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use parking_lot::Mutex;
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10)
}

/// What one herd round needs from a cache.
trait Herd: Clone + Send + Sync + 'static {
    /// Loads `key` through single-flight; the loader waits for `gate`, then
    /// notes when it finished in `done` and returns.
    fn load(
        &self,
        key: u64,
        gate: Arc<Semaphore>,
        started: Arc<AtomicBool>,
        done: Arc<Mutex<Option<Instant>>>,
    ) -> impl Future<Output = u64> + Send;
}

async fn gated(gate: Arc<Semaphore>, started: Arc<AtomicBool>, done: Arc<Mutex<Option<Instant>>>) {
    started.store(true, Ordering::Release);
    let _permit = gate.acquire().await.expect("open semaphore");
    *done.lock() = Some(Instant::now());
}

#[derive(Clone)]
struct Ours(AsyncCache<u64, u64>);
impl Herd for Ours {
    async fn load(
        &self,
        key: u64,
        gate: Arc<Semaphore>,
        started: Arc<AtomicBool>,
        done: Arc<Mutex<Option<Instant>>>,
    ) -> u64 {
        let loader = move || async move {
            gated(gate, started, done).await;
            Ok::<_, Infallible>(key)
        };
        self.0.get_with(key, loader).await.expect("load succeeds")
    }
}

#[derive(Clone)]
struct Moka(moka::future::Cache<u64, u64>);
impl Herd for Moka {
    async fn load(
        &self,
        key: u64,
        gate: Arc<Semaphore>,
        started: Arc<AtomicBool>,
        done: Arc<Mutex<Option<Instant>>>,
    ) -> u64 {
        self.0
            .get_with(key, async move {
                gated(gate, started, done).await;
                key
            })
            .await
    }
}

/// One round: `n` tasks ask for one cold key; once all wait, the load is
/// released; returns the time from the load finishing to the last waiter
/// waking.
async fn herd_round<C: Herd>(cache: C, n: usize) -> Duration {
    let gate = Arc::new(Semaphore::new(0));
    let started = Arc::new(AtomicBool::new(false));
    let done = Arc::new(Mutex::new(None));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (cache, gate, started, done) =
                (cache.clone(), Arc::clone(&gate), Arc::clone(&started), Arc::clone(&done));
            tokio::spawn(async move {
                let v = cache.load(7, gate, started, done).await;
                (v, Instant::now())
            })
        })
        .collect();
    // Every spawned task runs once before the main task is polled again.
    while !started.load(Ordering::Acquire) {
        tokio::task::yield_now().await;
    }
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
    gate.add_permits(1);
    let mut last = None;
    for h in handles {
        let (v, woke) = h.await.expect("waiter");
        assert_eq!(v, 7);
        last = last.max(Some(woke));
    }
    let finished = done.lock().expect("the load ran");
    last.expect("waiters").saturating_duration_since(finished)
}

fn herd(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut group = c.benchmark_group("herd");
    for n in [100usize, 10_000] {
        group.bench_with_input(
            BenchmarkId::new("AsyncCache<PolicyStore<WTinyLfu>>", n),
            &n,
            |b, &n| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| {
                            let cache = AsyncCache::builder()
                                .store(PolicyStore::tinylfu(1_000))
                                .build()
                                .expect("cache");
                            rt.block_on(herd_round(Ours(cache), n))
                        })
                        .sum()
                });
            },
        );
        group.bench_with_input(BenchmarkId::new("moka::future::Cache", n), &n, |b, &n| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| rt.block_on(herd_round(Moka(moka::future::Cache::new(1_000)), n)))
                    .sum()
            });
        });
    }
    group.finish();
}

/// 10,000 `get_batched` over 1,000 keys from 10,000 tasks; returns the wall
/// time and the number of `load_batch` calls.
fn batch_round(rt: &Runtime) -> (Duration, usize) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let loader = batch_loader_fn(move |keys: Vec<u64>| {
        counted.fetch_add(1, Ordering::Relaxed);
        async move {
            Ok::<_, Infallible>(keys.into_iter().map(|k| (k, k * 2)).collect::<HashMap<_, _>>())
        }
    });
    let cache: AsyncCache<u64, u64> = AsyncCache::builder()
        .store(PolicyStore::tinylfu(10_000))
        .batch_loader(loader)
        .batch_window(Duration::from_millis(1))
        .max_batch_size(100)
        .build()
        .expect("cache");
    let start = Instant::now();
    rt.block_on(async {
        let handles: Vec<_> = (0..10_000u64)
            .map(|i| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.get_batched(i % 1_000).await })
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            let got = h.await.expect("task").expect("batch");
            assert_eq!(got, Some((i as u64 % 1_000) * 2));
        }
    });
    (start.elapsed(), calls.load(Ordering::Relaxed))
}

fn batching(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (_, calls) = batch_round(&rt);
    eprintln!("batching: 10,000 get_batched over 1,000 keys made {calls} load_batch calls");
    let mut group = c.benchmark_group("batching");
    group.bench_function("get_batched_10000_over_1000_keys", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| batch_round(&rt).0).sum());
    });
    group.finish();
}

criterion_group! { name = benches; config = config(); targets = herd, batching }
criterion_main!(benches);
