//! Resilience options on tokio's paused clock, with their races: a write
//! during a refresh, a refresh beside a `get_with`, fail-safe with every
//! waiter of a failed load, a soft timeout whose late success lands only
//! without a newer write.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_facade::{AsyncCache, BoxError, Freshness, StaleReason, loader_fn};
use futures_util::future::join_all;

const TTL: Duration = Duration::from_secs(60);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A loader that counts its calls, takes `delay`, and answers `value` (or
/// fails when `value` is `None`).
fn source(
    calls: &Arc<AtomicUsize>,
    delay: Duration,
    value: Option<u32>,
) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Result<u32, BoxError>> + Send>> {
    let calls = Arc::clone(calls);
    move || {
        calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            value.ok_or_else(|| "backend down".into())
        })
    }
}

fn resilient() -> AsyncCache<u32, u32> {
    AsyncCache::builder()
        .default_ttl(TTL)
        .refresh_after(secs(30))
        .fail_safe(secs(3_600))
        .fail_safe_throttle(secs(10))
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn refresh_ahead_serves_at_once_and_reloads_once() {
    let cache = resilient();
    let calls = Arc::new(AtomicUsize::new(0));
    cache.get_with(1, source(&calls, Duration::ZERO, Some(1))).await.unwrap();
    tokio::time::advance(secs(31)).await;
    // Many hits on the old entry: each returns at once, one reload runs.
    for _ in 0..10 {
        assert_eq!(cache.get_with(1, source(&calls, secs(1), Some(2))).await.unwrap(), 1);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2, "one reload for ten old hits");
    tokio::time::sleep(secs(2)).await;
    assert_eq!(cache.get(&1).await, Some(2));
    assert_eq!(cache.metrics().refreshes.succeeded, 1);
}

#[tokio::test(start_paused = true)]
async fn a_write_during_a_refresh_wins() {
    let cache = resilient();
    let calls = Arc::new(AtomicUsize::new(0));
    cache.get_with(1, source(&calls, Duration::ZERO, Some(1))).await.unwrap();
    tokio::time::advance(secs(31)).await;
    cache.get_with(1, source(&calls, secs(5), Some(2))).await.unwrap(); // refresh starts
    cache.insert(1, 99).await; // while it runs
    tokio::time::sleep(secs(6)).await;
    assert_eq!(cache.get(&1).await, Some(99), "the refreshed value never lands over the write");
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_keeps_the_old_value_until_it_expires() {
    let cache = resilient();
    let calls = Arc::new(AtomicUsize::new(0));
    cache.get_with(1, source(&calls, Duration::ZERO, Some(1))).await.unwrap();
    tokio::time::advance(secs(31)).await;
    cache.get_with(1, source(&calls, Duration::ZERO, None)).await.unwrap();
    tokio::task::yield_now().await;
    assert_eq!(cache.get(&1).await, Some(1), "still the old value");
    assert_eq!(cache.metrics().refreshes.failed, 1);
    tokio::time::advance(secs(30)).await;
    assert_eq!(cache.get(&1).await, None, "until it expires");
}

#[tokio::test(start_paused = true)]
async fn a_refresh_and_a_get_with_of_the_same_key_make_one_load() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let cache: AsyncCache<u32, u32> = AsyncCache::builder()
        .default_ttl(TTL)
        .loader(loader_fn(move |_k: u32| {
            counted.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(secs(1)).await;
                Ok::<_, BoxError>(7)
            }
        }))
        .build()
        .unwrap();
    let (refreshed, joined) = tokio::join!(cache.refresh(1), cache.load(1));
    assert_eq!((refreshed.unwrap(), joined.unwrap()), (7, 7));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "single-flight across refresh and load");
}

#[tokio::test(start_paused = true)]
async fn fail_safe_serves_every_waiter_of_a_failed_load_the_stale_value() {
    let cache = resilient();
    let calls = Arc::new(AtomicUsize::new(0));
    cache.get_with(1, source(&calls, Duration::ZERO, Some(1))).await.unwrap();
    tokio::time::advance(TTL).await; // expired: kept aside
    assert_eq!(cache.len(), 0, "a stale value is not a live entry");
    let waiters = (0..5).map(|_| cache.get_with_meta(1, source(&calls, secs(1), None)));
    for fetched in join_all(waiters).await {
        let fetched = fetched.unwrap();
        assert_eq!(
            (*fetched.value(), fetched.freshness()),
            (1, Freshness::Stale(StaleReason::Error))
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2, "one failed load for five callers");
    assert_eq!(cache.metrics().stale_served.error, 5);
    // Re-armed for the throttle: the backend is left alone meanwhile.
    assert_eq!(cache.get_with(1, source(&calls, Duration::ZERO, None)).await.unwrap(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    tokio::time::advance(secs(10)).await;
    let back = cache.get_with(1, source(&calls, Duration::ZERO, Some(3))).await.unwrap();
    assert_eq!(back, 3, "after the throttle the backend is asked again");
}

#[tokio::test(start_paused = true)]
async fn without_a_stale_value_errors_still_reach_the_callers() {
    let cache = resilient();
    let calls = Arc::new(AtomicUsize::new(0));
    assert!(cache.get_with(9, source(&calls, Duration::ZERO, None)).await.is_err());
    cache.insert(2, 2).await;
    cache.remove(&2).await; // an explicit removal is not kept as stale
    tokio::time::advance(TTL).await;
    assert!(cache.get_with(2, source(&calls, Duration::ZERO, None)).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn a_soft_timeout_serves_stale_and_the_late_value_lands_unless_overwritten() {
    let cache: AsyncCache<u32, u32> = AsyncCache::builder()
        .default_ttl(TTL)
        .fail_safe(secs(3_600))
        .soft_timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    for key in [1, 2] {
        cache.get_with(key, source(&calls, Duration::ZERO, Some(key))).await.unwrap();
    }
    tokio::time::advance(TTL).await;
    for key in [1, 2] {
        let slow = cache.get_with_meta(key, source(&calls, secs(1), Some(key * 10))).await;
        assert_eq!(slow.unwrap().freshness(), Freshness::Stale(StaleReason::Timeout));
    }
    cache.insert(2, 99).await; // a newer write of 2 while its load goes on
    tokio::time::sleep(secs(1)).await;
    assert_eq!(cache.get(&1).await, Some(10), "the late success landed");
    assert_eq!(cache.get(&2).await, Some(99), "but not over a newer write");
    assert_eq!(cache.metrics().stale_served.timeout, 2);
}

#[tokio::test(start_paused = true)]
async fn a_hard_timeout_fails_even_with_a_stale_value() {
    let cache: AsyncCache<u32, u32> = AsyncCache::builder()
        .default_ttl(TTL)
        .fail_safe(secs(3_600))
        .hard_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    cache.get_with(1, source(&calls, Duration::ZERO, Some(1))).await.unwrap();
    tokio::time::advance(TTL).await;
    let err = cache.get_with(1, source(&calls, secs(1), Some(2))).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
}

#[tokio::test(start_paused = true)]
async fn stale_while_revalidate_serves_at_once_then_fresh() {
    let cache: AsyncCache<u32, u32> = AsyncCache::builder()
        .default_ttl(TTL)
        .fail_safe(secs(3_600))
        .stale_while_revalidate()
        .build()
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    cache.get_with(1, source(&calls, Duration::ZERO, Some(1))).await.unwrap();
    tokio::time::advance(TTL).await;
    let fetched = cache.get_with_meta(1, source(&calls, secs(1), Some(2))).await.unwrap();
    assert_eq!(fetched.freshness(), Freshness::Stale(StaleReason::Revalidate));
    tokio::time::sleep(secs(2)).await; // past the reload's 1 s
    let fetched = cache.get_with_meta(1, source(&calls, secs(1), Some(3))).await.unwrap();
    assert_eq!((*fetched.value(), fetched.is_stale()), (2, false));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn negative_caching_makes_one_query_per_ttl() {
    let cache: AsyncCache<u32, String> =
        AsyncCache::builder().negative_ttl(secs(5)).build().unwrap();
    let queries = Arc::new(AtomicUsize::new(0));
    let find = |q: &Arc<AtomicUsize>| {
        let q = Arc::clone(q);
        move || async move {
            q.fetch_add(1, Ordering::SeqCst);
            None
        }
    };
    for _ in 0..100 {
        assert_eq!(cache.optionally_get_with(404, find(&queries)).await.unwrap(), None);
    }
    assert_eq!(queries.load(Ordering::SeqCst), 1, "a storm for a missing id: one query");
    let m = cache.metrics();
    assert_eq!((m.negative_hits, m.hits), (99, 0), "counted apart from hits");
    tokio::time::advance(secs(5)).await;
    cache.optionally_get_with(404, find(&queries)).await.unwrap();
    assert_eq!(queries.load(Ordering::SeqCst), 2, "one query per negative TTL");
    cache.insert(404, "now here".into()).await; // a write forgets the negative
    assert_eq!(
        cache.optionally_get_with(404, find(&queries)).await.unwrap().as_deref(),
        Some("now here")
    );
}

#[tokio::test(start_paused = true)]
async fn ttl_jitter_spreads_expiry() {
    let cache: AsyncCache<u32, u32> =
        AsyncCache::builder().default_ttl(secs(100)).ttl_jitter(0.1).build().unwrap();
    for k in 0..1_000 {
        cache.insert(k, k).await;
    }
    tokio::time::advance(secs(89)).await;
    assert_eq!(cache.len(), 1_000, "none before 90 s");
    tokio::time::advance(secs(11)).await;
    let left = cache.len();
    assert!((300..700).contains(&left), "about half left at 100 s: {left}");
    tokio::time::advance(secs(11)).await;
    assert_eq!(cache.len(), 0, "all gone after 110 s");
}

#[test]
fn settings_that_cannot_work_are_refused_by_name() {
    let refused = |b: cache_facade::AsyncCacheBuilder<u32, u32>| b.build().unwrap_err().setting();
    let b = AsyncCache::<u32, u32>::builder;
    assert_eq!(refused(b().refresh_after(secs(30))), "refresh_after");
    assert_eq!(refused(b().default_ttl(secs(10)).refresh_after(secs(30))), "refresh_after");
    assert_eq!(refused(b().soft_timeout(secs(1))), "soft_timeout");
    assert_eq!(refused(b().stale_while_revalidate()), "stale_while_revalidate");
    assert_eq!(
        refused(b().fail_safe(secs(1)).fail_safe_throttle(Duration::ZERO)),
        "fail_safe_throttle"
    );
    assert_eq!(refused(b().ttl_jitter(1.5)), "ttl_jitter");
    assert_eq!(refused(b().negative_ttl(Duration::ZERO)), "negative_ttl");
}

#[tokio::test]
async fn the_new_series_reach_the_recorder() {
    use metrics_util::debugging::DebuggingRecorder;
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let cache: AsyncCache<u32, String> = metrics::with_local_recorder(&recorder, || {
        AsyncCache::builder().name("resilient").negative_ttl(secs(60)).build().unwrap()
    });
    for _ in 0..3 {
        cache.optionally_get_with(1, || async { None }).await.unwrap();
    }
    let negative_hits = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .find(|(key, ..)| key.key().name() == "cache_negative_hits_total")
        .map(|(.., value)| value);
    assert_eq!(negative_hits, Some(metrics_util::debugging::DebugValue::Counter(2)));
}

#[tokio::test(start_paused = true)]
async fn clear_and_insert_forget_what_fail_safe_kept() {
    let cache = resilient();
    let calls = Arc::new(AtomicUsize::new(0));
    for key in [1, 2] {
        cache.get_with(key, source(&calls, Duration::ZERO, Some(key))).await.unwrap();
    }
    tokio::time::advance(TTL).await; // both expire and are kept aside
    cache.get(&1).await; // reclaimed by this read: kept
    cache.clear().await;
    assert!(cache.get_with(1, source(&calls, Duration::ZERO, None)).await.is_err(), "cleared");
    assert!(cache.get_with(2, source(&calls, Duration::ZERO, None)).await.is_err(), "cleared");
    cache.get_with(3, source(&calls, Duration::ZERO, Some(3))).await.unwrap();
    tokio::time::advance(TTL).await;
    cache.insert(3, 30).await; // supersedes the stale 3
    cache.remove(&3).await;
    assert!(cache.get_with(3, source(&calls, Duration::ZERO, None)).await.is_err());
}

/// A store that lets a test into two windows: it runs a hook once, right
/// after a `contains_key` has computed its answer (between fail-safe's check
/// and its write), and it hands its eviction listeners to the test, which
/// can then report an expiry late (as a store does once its locks are
/// released).
struct Probed {
    store: cache_facade::LruStore<u32, u32>,
    hook: Hook,
    listeners: Listeners,
    /// What `reports_in_flight` answers (a test reporting an expiry late
    /// says so meanwhile, as the engine does).
    reporting: Arc<std::sync::atomic::AtomicBool>,
}

type Hook = Arc<std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>>>;
type Listeners = Arc<std::sync::Mutex<Vec<cache_facade::EvictionListener<u32, u32>>>>;

impl Probed {
    fn new() -> (Self, Hook, Listeners) {
        let (hook, listeners) = (Hook::default(), Listeners::default());
        let store = Self {
            store: cache_facade::LruStore::new(100),
            hook: Arc::clone(&hook),
            listeners: Arc::clone(&listeners),
            reporting: Arc::default(),
        };
        (store, hook, listeners)
    }
}

impl cache_facade::Store<u32, u32> for Probed {
    fn get<Q: std::hash::Hash + cache_facade::Equivalent<u32> + ?Sized>(
        &self,
        key: &Q,
    ) -> Option<u32> {
        self.store.get(key)
    }
    fn contains_key<Q: std::hash::Hash + cache_facade::Equivalent<u32> + ?Sized>(
        &self,
        key: &Q,
    ) -> bool {
        let found = self.store.contains_key(key);
        if let Some(hook) = self.hook.lock().unwrap().take() {
            hook();
        }
        found
    }
    fn insert(&self, key: u32, value: u32, expires_at: Option<cache_facade::time::Instant>) {
        self.store.insert(key, value, expires_at);
    }
    fn remove<Q: std::hash::Hash + cache_facade::Equivalent<u32> + ?Sized>(
        &self,
        key: &Q,
    ) -> Option<u32> {
        self.store.remove(key)
    }
    fn clear(&self) {
        self.store.clear();
    }
    fn len(&self) -> u64 {
        self.store.len()
    }
    fn weighted_size(&self) -> u64 {
        self.store.weighted_size()
    }
    fn capacity(&self) -> cache_facade::Capacity {
        self.store.capacity()
    }
    fn for_each_entry(&self, visit: &mut dyn FnMut(&u32, &u32)) {
        self.store.for_each_entry(visit);
    }
    fn add_eviction_listener(&self, listener: cache_facade::EvictionListener<u32, u32>) {
        self.listeners.lock().unwrap().push(Arc::clone(&listener));
        self.store.add_eviction_listener(listener);
    }
    fn reports_in_flight(&self) -> bool {
        self.reporting.load(Ordering::SeqCst)
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_load_waits_for_an_expiry_the_store_is_still_reporting() {
    let (store, _, listeners) = Probed::new();
    let reporting = Arc::clone(&store.reporting);
    let cache =
        AsyncCache::builder().store(store).default_ttl(TTL).fail_safe(secs(3_600)).build().unwrap();
    // Another write took key 2 out as expired and tells fail-safe a little
    // later (after the caller's load has failed); until then the store says
    // a report is in flight.
    let report_late = |key: u32, value: u32| {
        reporting.store(true, Ordering::SeqCst);
        let (late, flag) = (Arc::clone(&listeners), Arc::clone(&reporting));
        tokio::spawn(async move {
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
            for listener in late.lock().unwrap().iter() {
                listener(&key, &value, cache_facade::RemovalCause::Expired);
            }
            flag.store(false, Ordering::SeqCst);
        });
    };
    let calls = Arc::new(AtomicUsize::new(0));
    report_late(2, 70);
    let fetched = cache.get_with_meta(2, source(&calls, Duration::ZERO, None)).await.unwrap();
    assert_eq!(
        (*fetched.value(), fetched.freshness()),
        (70, Freshness::Stale(StaleReason::Error)),
        "the failure waited for the report instead of failing the caller"
    );
    report_late(4, 700);
    let inline = cache.get_with_inline(4, source(&calls, Duration::ZERO, None)).await;
    assert_eq!(inline.unwrap(), 700, "get_with_inline waits for it too");

    // A report that never reaches fail-safe (another key's) holds a failed
    // caller back 10 ms of wall time at most, with no timer (the clock is
    // paused here and never moves).
    reporting.store(true, Ordering::SeqCst);
    let (paused, started) = (tokio::time::Instant::now(), std::time::Instant::now());
    assert!(cache.get_with_meta(3, source(&calls, Duration::ZERO, None)).await.is_err());
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(10) && waited < Duration::from_secs(1), "{waited:?}");
    assert_eq!(paused.elapsed(), Duration::ZERO, "no timer was used");
}

#[tokio::test(start_paused = true)]
async fn an_insert_racing_fail_safe_s_re_arm_is_never_overwritten_by_the_stale_value() {
    let (store, hook, _) = Probed::new();
    let cache =
        AsyncCache::builder().store(store).default_ttl(TTL).fail_safe(secs(3_600)).build().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    cache.get_with(1, source(&calls, Duration::ZERO, Some(1))).await.unwrap();
    tokio::time::advance(TTL).await; // expired: kept aside for fail-safe

    // Between the re-arm's check (key absent) and its write, another thread
    // inserts a fresh value. It is given time to land; with the re-arm under
    // the key's lock it cannot, and lands after.
    let (done, landed) = std::sync::mpsc::channel();
    let writer = Arc::new(std::sync::Mutex::new(None));
    let (racer, slot) = (cache.clone(), Arc::clone(&writer));
    *hook.lock().unwrap() = Some(Box::new(move || {
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            runtime.block_on(racer.insert(1, 99));
            let _ = done.send(());
        });
        *slot.lock().unwrap() = Some(thread);
        let _ = landed.recv_timeout(Duration::from_millis(300));
    }));
    let fetched = cache.get_with_meta(1, source(&calls, Duration::ZERO, None)).await.unwrap();
    assert_eq!((*fetched.value(), fetched.freshness()), (1, Freshness::Stale(StaleReason::Error)));
    let thread = writer.lock().unwrap().take().expect("the re-arm checked the store");
    thread.join().unwrap();
    assert_eq!(cache.get(&1).await, Some(99), "the insert is not undone by the stale value");
}

#[tokio::test(start_paused = true)]
async fn a_stale_value_kept_just_after_the_miss_still_answers_a_slow_or_failed_load() {
    let (store, _, listeners) = Probed::new();
    let cache = AsyncCache::builder()
        .store(store)
        .default_ttl(TTL)
        .fail_safe(secs(3_600))
        .soft_timeout(Duration::from_millis(20))
        .build()
        .unwrap();
    // Another caller's lookup removed key 1 as expired; the store tells
    // fail-safe 5 ms later, after this caller found neither entry nor
    // stale value.
    let expire_late = |key: u32, value: u32| {
        let listeners = Arc::clone(&listeners);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            for listener in listeners.lock().unwrap().iter() {
                listener(&key, &value, cache_facade::RemovalCause::Expired);
            }
        })
    };
    let calls = Arc::new(AtomicUsize::new(0));
    let started = tokio::time::Instant::now();
    expire_late(1, 7);
    let fetched = cache.get_with_meta(1, source(&calls, secs(1), Some(8))).await.unwrap();
    assert_eq!(
        (*fetched.value(), fetched.freshness()),
        (7, Freshness::Stale(StaleReason::Timeout))
    );
    assert_eq!(started.elapsed(), Duration::from_millis(20), "the soft timeout, not the slow load");

    expire_late(2, 70);
    let fetched = cache.get_with_meta(2, source(&calls, secs(0), None)).await;
    assert!(fetched.is_err(), "the failure came before the stale value: nothing to serve yet");
    expire_late(3, 700);
    let fetched = cache.get_with_meta(3, source(&calls, Duration::from_millis(10), None)).await;
    let fetched = fetched.unwrap();
    assert_eq!(
        (*fetched.value(), fetched.freshness()),
        (700, Freshness::Stale(StaleReason::Error))
    );
}
