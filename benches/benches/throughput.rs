//! Throughput: Zipf(0.99) keys over 100,000 ids, 90% reads / 10% inserts,
//! from 1 and 2 threads, every cache prefilled with every id.
#![allow(missing_docs)]

use std::time::Duration;

use benches::workload::{BenchCache, CACHES, Mix, Visit, Workload, ZIPF_IDS, build};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
}

/// Outside `cargo bench` criterion runs each bench once: keep setup small.
fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

struct Run<'a, 'g> {
    group: &'a mut BenchmarkGroup<'g, WallTime>,
    workload: &'a Workload,
    threads: usize,
}

impl Visit for Run<'_, '_> {
    type Out = ();
    fn visit<C: BenchCache + 'static>(&mut self, name: &'static str, cache: C) {
        self.workload.prefill(&cache);
        let (workload, threads) = (self.workload, self.threads);
        self.group.bench_function(name, |b| {
            b.iter_custom(|iters| workload.timed_ops(&cache, threads, iters));
        });
    }
}

fn throughput(c: &mut Criterion) {
    let ids = if bench_mode() { ZIPF_IDS } else { 1_000 };
    let workload = Workload::zipf_over(ids, 2, Mix::Read90Insert10);
    for threads in [1, 2] {
        let mut group = c.benchmark_group(format!("zipf_90r10w_{threads}t"));
        group.throughput(Throughput::Elements(threads as u64));
        for name in CACHES {
            build(
                name,
                workload.capacity,
                &mut Run { group: &mut group, workload: &workload, threads },
            );
        }
        group.finish();
    }
}

criterion_group! { name = benches; config = config(); targets = throughput }
criterion_main!(benches);
