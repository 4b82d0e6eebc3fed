//! The Redis second tier, measured (issue 18, item 7), printed as Markdown:
//!
//! 1. the value codecs (postcard, MessagePack by name, JSON): size, encode +
//!    decode time, and whether a value survives an added or removed field;
//! 2. an L2 hit against a raw `GET` on the same connection (`RedisTier::get`
//!    + decode, and a facade miss answered by L2);
//! 3. invalidation latency across two instances (`insert` on A until B applied it);
//! 4. L1 hit throughput without and with a remote tier configured.
//!
//! ```sh
//! cargo run --release -p benches --bin remote -- [--url redis://127.0.0.1:6379] [--quick]
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use cache_facade::AsyncCache;
use cache_facade::redis::{RedisBackplane, RedisConfig, RedisTier};
use cache_facade::remote::{ConnectionState, RemoteTier, SetMode, ValueCodec, WireKey};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Product {
    id: u64,
    sku: String,
    name: String,
    category: String,
    price_cents: i64,
    stock: i64,
    tags: Vec<String>,
}

/// The same type, one release later: a field added (with a default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ProductV2 {
    id: u64,
    sku: String,
    name: String,
    category: String,
    price_cents: i64,
    stock: i64,
    tags: Vec<String>,
    #[serde(default)]
    discount_cents: Option<i64>,
}

fn product(id: u64) -> Product {
    Product {
        id,
        sku: format!("SKU-{id:08}"),
        name: "Ergonomic Oak Lamp".into(),
        category: "kitchen".into(),
        price_cents: 12_345,
        stock: 17,
        tags: vec!["new".into(), "sale".into()],
    }
}

type Enc = fn(&Product) -> Vec<u8>;
type Dec = fn(&[u8]) -> Option<Product>;
type DecV2 = fn(&[u8]) -> Option<ProductV2>;
type EncV2 = fn(&ProductV2) -> Vec<u8>;

struct Codec {
    name: &'static str,
    enc: Enc,
    dec: Dec,
    enc2: EncV2,
    dec2: DecV2,
}

/// A codec's row: its encoder and decoder, for both versions of the record.
macro_rules! codec {
    ($name:expr, $encode:path, $decode:path) => {
        Codec {
            name: $name,
            enc: |p| $encode(p).unwrap(),
            dec: |b| $decode(b).ok(),
            enc2: |p| $encode(p).unwrap(),
            dec2: |b| $decode(b).ok(),
        }
    };
}

fn codecs() -> [Codec; 3] {
    [
        codec!("postcard", postcard::to_stdvec, postcard::from_bytes),
        codec!(
            "MessagePack, fields by name (rmp-serde `to_vec_named`)",
            rmp_serde::to_vec_named,
            rmp_serde::from_slice
        ),
        codec!("JSON (serde_json)", serde_json::to_vec, serde_json::from_slice),
    ]
}

fn bench_codecs(rounds: u32) {
    println!("## Value codec\n");
    println!(
        "| codec | bytes | encode + decode | old value, new reader (field added) | new value, old reader |"
    );
    println!("|---|--:|--:|---|---|");
    let value = product(42);
    let v2 = ProductV2 {
        id: 42,
        sku: value.sku.clone(),
        name: value.name.clone(),
        category: value.category.clone(),
        price_cents: value.price_cents,
        stock: value.stock,
        tags: value.tags.clone(),
        discount_cents: Some(100),
    };
    for codec in codecs() {
        let bytes = (codec.enc)(&value);
        let started = Instant::now();
        for _ in 0..rounds {
            let b = (codec.enc)(black_box(&value));
            black_box((codec.dec)(black_box(&b)));
        }
        let per = started.elapsed() / rounds;
        let forward = match (codec.dec2)(&bytes) {
            Some(read) if read.discount_cents.is_none() && read.sku == value.sku => "reads it",
            Some(_) => "**reads garbage**",
            None => "**fails**",
        };
        let backward = match (codec.dec)(&(codec.enc2)(&v2)) {
            Some(read) if read.sku == value.sku && read.tags == value.tags => "reads it",
            Some(_) => "**reads garbage**",
            None => "**fails**",
        };
        println!("| {} | {} | {per:?} | {forward} | {backward} |", codec.name, bytes.len());
    }
    println!();
}

struct Stats {
    mean: Duration,
    p50: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort_unstable();
    let n = samples.len();
    let mean = samples.iter().sum::<Duration>() / u32::try_from(n).unwrap_or(u32::MAX);
    Stats { mean, p50: samples[n / 2], p99: samples[(n * 99 / 100).min(n - 1)] }
}

async fn bench_l2_hit(url: &str, prefix: &str, per_round: usize, rounds: usize) {
    let config = RedisConfig::new(url).unwrap().prefix(prefix);
    let tier = RedisTier::new(&config).unwrap();
    let keys: Vec<WireKey> = (0..per_round as u64).map(|i| WireKey::of(&i)).collect();
    for (i, key) in keys.iter().enumerate() {
        let payload = ValueCodec::<Product>::encode(&tier, &product(i as u64)).unwrap();
        tier.set(key.as_bytes(), &payload, None, SetMode::Always).await.unwrap();
    }
    let facade: AsyncCache<u64, Product> = AsyncCache::builder()
        .max_capacity(1)
        .remote(tier.clone())
        .remote_soft_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let mut conn = tier.connection();
    let redis_keys: Vec<Vec<u8>> = keys.iter().map(|k| tier.redis_key(k.as_bytes())).collect();
    let (mut raw, mut through_tier, mut through_facade, mut through_inline) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // The three paths alternate request by request, so a burst of load on the
    // (shared) machine falls on all three alike.
    for round in 0..rounds {
        for i in 0..per_round {
            let started = Instant::now();
            let got: Option<Vec<u8>> = cache_redis::testkit::redis::cmd("GET")
                .arg(&redis_keys[i])
                .query_async(&mut conn)
                .await
                .unwrap();
            raw.push(started.elapsed());
            black_box(got);

            let started = Instant::now();
            let got = tier.get(keys[i].as_bytes()).await.unwrap().unwrap();
            let value: Product = tier.decode(&got.payload).unwrap();
            through_tier.push(started.elapsed());
            black_box(value);

            // With L1 holding one entry, every lookup but the first of a round
            // misses L1 and is answered by L2.
            let id = (i as u64 + round as u64) % per_round as u64;
            let started = Instant::now();
            let value = facade
                .get_with(id, || async { Err::<Product, _>(std::io::Error::other("never loads")) })
                .await
                .unwrap();
            through_facade.push(started.elapsed());
            black_box(value);

            // The same through `get_with_inline`: the load runs in the caller's
            // future, without `get_with`'s task spawn.
            let id = (i as u64 + round as u64 + per_round as u64 / 2) % per_round as u64;
            let started = Instant::now();
            let value = facade
                .get_with_inline(id, || async {
                    Err::<Product, _>(std::io::Error::other("never loads"))
                })
                .await
                .unwrap();
            through_inline.push(started.elapsed());
            black_box(value);
        }
    }
    let l2 = facade.metrics().remote.unwrap();
    let (raw, t, f, fi) =
        (stats(raw), stats(through_tier), stats(through_facade), stats(through_inline));
    println!("## L2 hit against a raw GET on the same connection\n");
    println!(
        "{} sequential reads per path, the three paths alternating request by request ({rounds} rounds), ~100-byte value; the facade's L1 holds one entry, so {} of its {} lookups were L2 hits.\n",
        per_round * rounds,
        l2.l2_hits,
        2 * per_round * rounds
    );
    println!("| path | mean | p50 | p99 | mean / raw | p50 / raw |");
    println!("|---|--:|--:|--:|--:|--:|");
    let row = |name: &str, s: &Stats| {
        println!(
            "| {name} | {:?} | {:?} | {:?} | {:.3} | {:.3} |",
            s.mean,
            s.p50,
            s.p99,
            s.mean.as_secs_f64() / raw.mean.as_secs_f64(),
            s.p50.as_secs_f64() / raw.p50.as_secs_f64()
        );
    };
    row("raw `GET` (redis crate)", &raw);
    row("`RedisTier::get` + decode", &t);
    row("facade miss answered by L2 (`get_with`)", &f);
    row("facade miss answered by L2 (`get_with_inline`)", &fi);
    println!();
    let _ = tier.clear().await;
}

async fn bench_invalidation(url: &str, prefix: &str, iterations: usize) {
    let config = RedisConfig::new(url).unwrap().prefix(prefix);
    let make = |name: &str| -> AsyncCache<u64, Product> {
        AsyncCache::builder()
            .name(format!("{prefix}-{name}"))
            .remote(RedisTier::new(&config).unwrap())
            .backplane(RedisBackplane::new(&config).unwrap())
            .build()
            .unwrap()
    };
    let (a, b) = (make("a"), make("b"));
    while a.backplane_state() != Some(ConnectionState::Connected)
        || b.backplane_state() != Some(ConnectionState::Connected)
    {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let mut samples = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let key = (i % 64) as u64;
        let applied = b.metrics().remote.unwrap().backplane_received;
        let started = Instant::now();
        a.insert(key, product(i as u64)).await;
        while b.metrics().remote.unwrap().backplane_received == applied {
            tokio::task::yield_now().await;
        }
        samples.push(started.elapsed());
    }
    let s = stats(samples);
    println!("## Invalidation latency across instances\n");
    println!(
        "`a.insert(k, v)` (L1 write, L2 `SET`, `PUBLISH`) until instance B has applied the message; {iterations} inserts.\n"
    );
    println!("| mean | p50 | p99 |\n|--:|--:|--:|\n| {:?} | {:?} | {:?} |\n", s.mean, s.p50, s.p99);
    let _ = RedisTier::new(&config).unwrap().clear().await;
}

async fn bench_l1(url: &str, prefix: &str, lookups: u64) {
    let config = RedisConfig::new(url).unwrap().prefix(prefix);
    let plain: AsyncCache<u64, Product> =
        AsyncCache::builder().max_capacity(20_000).build().unwrap();
    let tiered: AsyncCache<u64, Product> = AsyncCache::builder()
        .max_capacity(20_000)
        .remote(RedisTier::new(&config).unwrap())
        .backplane(RedisBackplane::new(&config).unwrap())
        .build()
        .unwrap();
    for i in 0..10_000 {
        plain.insert(i, product(i)).await;
        tiered.insert(i, product(i)).await;
    }
    let run = |cache: &AsyncCache<u64, Product>| {
        let started = Instant::now();
        for i in 0..lookups {
            black_box(cache.get(&(i.wrapping_mul(0x9E37_79B9) % 10_000)).into_inner());
        }
        lookups as f64 / started.elapsed().as_secs_f64()
    };
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        without.push(run(&plain));
        with.push(run(&tiered));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (w0, w1) = (median(&mut without), median(&mut with));
    println!("## L1 hit throughput with a remote tier configured\n");
    println!("{lookups} hits of 10,000 keys on one thread, median of 5 interleaved runs.\n");
    println!("| cache | hits/s | ratio |\n|---|--:|--:|");
    println!("| no remote tier | {:.1} M | 1.000 |", w0 / 1e6);
    println!("| RedisTier + RedisBackplane | {:.1} M | {:.3} |\n", w1 / 1e6, w1 / w0);
    let _ = RedisTier::new(&config).unwrap().clear().await;
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let url = args
        .iter()
        .position(|a| a == "--url")
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
    let prefix = format!("bench-remote-{}", std::process::id());
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    println!("# The Redis second tier (`--bin remote`{})\n", if quick { " --quick" } else { "" });
    bench_codecs(if quick { 20_000 } else { 200_000 });
    runtime.block_on(async {
        bench_l2_hit(&url, &format!("{prefix}-l2"), if quick { 1_000 } else { 5_000 }, 4).await;
        bench_invalidation(&url, &format!("{prefix}-inv"), if quick { 500 } else { 5_000 }).await;
        bench_l1(&url, &format!("{prefix}-l1"), if quick { 2_000_000 } else { 20_000_000 }).await;
    });
}
