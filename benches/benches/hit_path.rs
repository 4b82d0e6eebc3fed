//! Hit path (`AsyncCache::get` against each store's raw `get` and the peers)
//! and miss path (`get_with` with a ready loader, against moka's).
#![allow(missing_docs)]

use std::convert::Infallible;
use std::time::Duration;

use std::hint::black_box;

use benches::workload::{BenchCache, CACHES, Visit, Workload, build, poll_now};
use cache_facade::{AsyncCache, LruStore, Store};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
}

struct HitBench<'a, 'g> {
    group: &'a mut BenchmarkGroup<'g, WallTime>,
    workload: &'a Workload,
}

impl Visit for HitBench<'_, '_> {
    type Out = ();
    fn visit<C: BenchCache + 'static>(&mut self, name: &'static str, cache: C) {
        self.workload.prefill(&cache);
        let keys = &self.workload.keys[0];
        let mask = keys.len() - 1;
        let mut i = 0usize;
        self.group.bench_function(name, |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                cache.get(keys[i & mask])
            });
        });
    }
}

fn hit(c: &mut Criterion) {
    let workload = Workload::hit_path();
    let mut group = c.benchmark_group("hit");
    group.throughput(Throughput::Elements(1));
    for name in CACHES {
        build(name, workload.capacity, &mut HitBench { group: &mut group, workload: &workload });
    }
    group.finish();
}

fn miss(c: &mut Criterion) {
    const CAPACITY: u64 = 10_000;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut group = c.benchmark_group("miss_get_with");
    group.throughput(Throughput::Elements(1));
    let tinylfu: AsyncCache<u64, u64> =
        AsyncCache::builder().max_capacity(CAPACITY).build().expect("cache");
    bench_misses(&mut group, &rt, "AsyncCache<PolicyStore<WTinyLfu>>", &tinylfu);
    let lru = AsyncCache::builder().store(LruStore::new(CAPACITY)).build().expect("cache");
    bench_misses(&mut group, &rt, "AsyncCache<LruStore>", &lru);
    let moka = moka::future::Cache::<u64, u64>::new(CAPACITY);
    let mut key = 0u64;
    group.bench_function("moka::future::Cache", |b| {
        b.iter(|| {
            key += 1;
            rt.block_on(moka.get_with(key, async move { key }))
        });
    });
    let moka = moka::sync::Cache::<u64, u64>::new(CAPACITY);
    let mut key = 0u64;
    group.bench_function("moka::sync::Cache", |b| {
        b.iter(|| {
            key += 1;
            moka.get_with(key, || key)
        });
    });
    group.finish();
}

/// `get_with` of a new key every iteration: a miss, a load, a store.
fn bench_misses<S: Store<u64, u64> + 'static>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    rt: &tokio::runtime::Runtime,
    name: &str,
    cache: &AsyncCache<u64, u64, S>,
) {
    let mut key = 0u64;
    group.bench_function(name, |b| {
        b.iter(|| {
            key += 1;
            rt.block_on(cache.get_with(key, move || async move { Ok::<_, Infallible>(key) }))
        });
    });
}

/// `get_with` hits with every resilience option off, with refresh-ahead,
/// and with refresh-ahead and fail-safe: the options must cost at most one
/// comparison on a hit.
fn resilient_hit(c: &mut Criterion) {
    const KEYS: u64 = 10_000;
    let ttl = Duration::from_secs(3_600);
    let mut group = c.benchmark_group("hit_get_with");
    group.throughput(Throughput::Elements(1));
    let plain: AsyncCache<u64, u64> =
        AsyncCache::builder().max_capacity(2 * KEYS).default_ttl(ttl).build().expect("cache");
    let refreshing: AsyncCache<u64, u64> = AsyncCache::builder()
        .max_capacity(2 * KEYS)
        .default_ttl(ttl)
        .refresh_after(ttl / 2)
        .build()
        .expect("cache");
    let fail_safe: AsyncCache<u64, u64> = AsyncCache::builder()
        .max_capacity(2 * KEYS)
        .default_ttl(ttl)
        .refresh_after(ttl / 2)
        .fail_safe(ttl)
        .build()
        .expect("cache");
    for (name, cache) in [
        ("options off", &plain),
        ("refresh_after", &refreshing),
        ("refresh_after+fail_safe", &fail_safe),
    ] {
        for k in 0..KEYS {
            poll_now(cache.insert(k, k));
        }
        let mut key = 0u64;
        group.bench_function(name, |b| {
            b.iter(|| {
                key = (key + 7_919) % KEYS;
                let loader = move || async move { Ok::<_, Infallible>(key) };
                black_box(poll_now(cache.get_with(key, loader)))
            });
        });
    }
    group.finish();
}

criterion_group! { name = benches; config = config(); targets = hit, miss, resilient_hit }
criterion_main!(benches);
