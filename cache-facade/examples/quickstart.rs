//! The seed example of Python's async-cache, in Rust: a loader with
//! thundering-herd protection, warmup, DataLoader-style batching,
//! insert/remove/clear, and metrics.
//!
//! Run with `cargo run -p cache-facade --example quickstart`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_facade::{AsyncCache, BatchLoader, BoxError, async_trait};

/// A pretend database that counts its queries.
#[derive(Debug, Default)]
struct Db {
    queries: AtomicUsize,
}

impl Db {
    async fn user(&self, id: u64) -> Result<String, BoxError> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(format!("user-{id}"))
    }

    async fn users(&self, ids: &[u64]) -> Result<HashMap<u64, String>, BoxError> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(ids.iter().map(|id| (*id, format!("user-{id}"))).collect())
    }
}

/// `SELECT ... WHERE id IN (...)` behind the batch loader.
#[derive(Debug)]
struct UsersById(Arc<Db>);

#[async_trait]
impl BatchLoader<u64, String> for UsersById {
    async fn load_batch(&self, ids: &[u64]) -> Result<HashMap<u64, String>, BoxError> {
        self.0.users(ids).await
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = Arc::new(Db::default());
    let cache: AsyncCache<u64, String> = AsyncCache::builder()
        .name("users")
        .max_capacity(1_000)
        .default_ttl(Duration::from_secs(300))
        .batch_loader(UsersById(Arc::clone(&db)))
        .batch_window(Duration::from_millis(5))
        .build()?;

    // 1. Thundering herd: 100 concurrent requests for one cold key, one query.
    let herd: Vec<_> = (0..100)
        .map(|_| {
            let (cache, db) = (cache.clone(), Arc::clone(&db));
            tokio::spawn(
                async move { cache.get_with(1, move || async move { db.user(1).await }).await },
            )
        })
        .collect();
    for request in herd {
        request.await??;
    }
    println!("herd of 100 -> {} query", db.queries.load(Ordering::SeqCst));

    // 2. Warmup of a hot set (key 1 is present and skipped).
    let hot = (1..=10).map(|id| {
        let db = Arc::clone(&db);
        (id, move || async move { db.user(id).await })
    });
    let report = cache.warmup(hot).await;
    println!("warmup: loaded {}, skipped {}", report.loaded, report.skipped);

    // 3. Batching: three concurrent misses, one `WHERE id IN (...)` query.
    let before = db.queries.load(Ordering::SeqCst);
    let (a, b, c) =
        tokio::join!(cache.get_batched(20), cache.get_batched(21), cache.get_batched(22));
    println!(
        "batched {:?} {:?} {:?} -> {} query",
        a?,
        b?,
        c?,
        db.queries.load(Ordering::SeqCst) - before
    );

    // 4. Set, delete, clear.
    cache.insert(99, "admin".to_string()).await;
    cache.insert_with_ttl(98, "guest".to_string(), Duration::from_secs(60)).await;
    println!("get 99 -> {:?}", cache.get(&99).await);
    cache.remove(&99).await;
    println!("after remove, get 99 -> {:?}", cache.get(&99).await);
    println!("entries before clear: {}", cache.len());
    cache.clear().await;
    println!("entries after clear: {}", cache.len());

    // 5. Metrics.
    let m = cache.metrics();
    println!("metrics: {m}");
    println!("hit rate {:.1}%, {} loads, {} coalesced", m.hit_rate() * 100.0, m.loads, m.coalesced);
    Ok(())
}
