//! The Python suite's decorator cases, on `#[async_lru]` and `#[async_ttl]`.
//!
//! Each decorated function has one static cache shared by the whole test
//! binary, so every test uses functions (and counters) of its own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_facade::{MemoCache, MetricsSnapshot, async_lru, async_ttl};
use futures_util::future::join_all;

#[derive(Debug, Clone, PartialEq)]
struct NotFound(u64);
impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no row {}", self.0)
    }
}
impl std::error::Error for NotFound {}

fn runs(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::SeqCst)
}

// ---- second call is a hit; concurrent equal calls run once ---------------

static DOUBLE_RUNS: AtomicUsize = AtomicUsize::new(0);

#[async_lru(maxsize = 128)]
async fn double(x: u64) -> u64 {
    DOUBLE_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::task::yield_now().await;
    x * 2
}

#[tokio::test]
async fn the_second_call_is_a_hit() {
    assert_eq!(double(21).await, 42);
    assert_eq!(double(21).await, 42);
    assert_eq!(runs(&DOUBLE_RUNS), 1);
    let m = double_metrics();
    assert_eq!((m.hits, m.misses, m.size), (1, 1, 1));
    assert_eq!(double_cache().name(), "macros::double", "the label defaults to the fn's path");
}

static SLOW_RUNS: AtomicUsize = AtomicUsize::new(0);

#[async_lru]
async fn slow_square(x: u64) -> u64 {
    SLOW_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(10)).await;
    x * x
}

#[tokio::test(start_paused = true)]
async fn concurrent_equal_calls_run_the_body_once() {
    let results = join_all((0..10).map(|_| slow_square(9))).await;
    assert!(results.iter().all(|r| *r == 81));
    assert_eq!(runs(&SLOW_RUNS), 1);
    let m = slow_square_metrics();
    assert_eq!((m.misses, m.coalesced), (10, 9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_equal_calls_from_spawned_tasks_run_the_body_once() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[async_lru(name = "spawned")]
    async fn spawned(x: u64) -> u64 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        x + 1
    }
    let tasks: Vec<_> = (0..8).map(|_| tokio::spawn(spawned(1))).collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 2);
    }
    assert_eq!(runs(&RUNS), 1);
    assert_eq!(spawned_cache().name(), "spawned");
}

// ---- several arguments, no arguments, borrowed arguments ----------------

static CONCAT_RUNS: AtomicUsize = AtomicUsize::new(0);

#[async_lru(maxsize = 16)]
async fn concat(a: u64, b: &str, c: &[u8]) -> String {
    CONCAT_RUNS.fetch_add(1, Ordering::SeqCst);
    format!("{a}{b}{}", c.len())
}

#[tokio::test]
async fn several_arguments_form_a_tuple_key_and_references_are_owned() {
    assert_eq!(concat(1, "x", &[1, 2]).await, "1x2");
    assert_eq!(concat(1, &String::from("x"), &[1, 2]).await, "1x2");
    assert_eq!(concat(1, "y", &[1, 2]).await, "1y2");
    assert_eq!(runs(&CONCAT_RUNS), 2);
    let cache: &'static MemoCache<(u64, String, Vec<u8>), String> = concat_cache();
    assert!(cache.contains_key(&(1, "x".to_owned(), vec![1, 2])));
    assert!(concat_invalidate(&(1, "y".to_owned(), vec![1, 2])).await);
}

static CONFIG_RUNS: AtomicUsize = AtomicUsize::new(0);

#[async_ttl(ttl_secs = 5)]
async fn config() -> Result<String, NotFound> {
    CONFIG_RUNS.fetch_add(1, Ordering::SeqCst);
    Ok("on".to_owned())
}

#[tokio::test]
async fn no_arguments_is_the_unit_key() {
    assert_eq!(config().await, Ok("on".to_owned()));
    assert_eq!(config().await, Ok("on".to_owned()));
    assert_eq!(runs(&CONFIG_RUNS), 1);
    assert!(config_invalidate(&()).await);
}

// ---- methods, skip_args, custom keys -------------------------------------

struct Db {
    table: &'static str,
}

#[derive(Debug)]
struct Repo {
    prefix: String,
}

static REPO_RUNS: AtomicUsize = AtomicUsize::new(0);
static SHARED_RUNS: AtomicUsize = AtomicUsize::new(0);
static KEYED_RUNS: AtomicUsize = AtomicUsize::new(0);

impl Repo {
    #[async_lru(maxsize = 8)]
    async fn label(&self, id: u64) -> String {
        REPO_RUNS.fetch_add(1, Ordering::SeqCst);
        format!("{}{id}", self.prefix)
    }

    #[async_ttl(ttl_secs = 60, skip_args = 1)]
    pub(crate) async fn row(&self, db: &Db, mut id: u64) -> Result<String, NotFound> {
        SHARED_RUNS.fetch_add(1, Ordering::SeqCst);
        id += 1000;
        Ok(format!("{}:{}:{id}", self.prefix, db.table))
    }

    #[async_lru(key = name.to_ascii_lowercase(), key_type = String)]
    async fn by_name(&self, name: &str) -> usize {
        KEYED_RUNS.fetch_add(1, Ordering::SeqCst);
        name.len() + self.prefix.len()
    }
}

#[tokio::test]
async fn a_method_keys_on_its_arguments_not_on_self() {
    let a = Repo { prefix: "a".into() };
    let b = Repo { prefix: "b".into() };
    assert_eq!(a.label(1).await, "a1");
    assert_eq!(b.label(1).await, "a1", "the receiver is not part of the key");
    assert_eq!(runs(&REPO_RUNS), 1);
    assert_eq!(b.label_refresh(1).await, "b1", "refresh takes the receiver too");
    assert_eq!(a.label(1).await, "b1");
    let m: MetricsSnapshot = Repo::label_metrics();
    assert_eq!(m.size, 1);
    Repo::label_clear().await;
    assert_eq!(Repo::label_metrics().size, 0);
}

#[tokio::test]
async fn skip_args_leaves_the_first_arguments_out_of_the_key() {
    let repo = Repo { prefix: "r".into() };
    let users = Db { table: "users" };
    let orders = Db { table: "orders" };
    assert_eq!(repo.row(&users, 1).await, Ok("r:users:1001".into()));
    assert_eq!(repo.row(&orders, 1).await, Ok("r:users:1001".into()), "one shared entry");
    assert_eq!(runs(&SHARED_RUNS), 1);
    assert_eq!(repo.row(&orders, 2).await, Ok("r:orders:1002".into()));
    assert!(Repo::row_invalidate(&1).await, "the key is the id alone");
    assert_eq!(Repo::row_metrics().size, 1);
}

#[tokio::test]
async fn a_custom_key_expression_decides_the_key() {
    let repo = Repo { prefix: "xy".into() };
    assert_eq!(repo.by_name("Ada").await, 5);
    assert_eq!(repo.by_name("ADA").await, 5, "same key after lowercasing");
    assert_eq!(runs(&KEYED_RUNS), 1);
    assert!(Repo::by_name_invalidate(&"ada".to_owned()).await);
}

mod catalog {
    use cache_facade::async_lru;

    #[derive(Debug, Default)]
    pub(crate) struct Counter {
        pub(crate) calls: u64,
    }

    impl Counter {
        /// A `&mut self` method: the receiver is still not part of the key.
        #[async_lru(maxsize = 4)]
        pub(crate) async fn bump(&mut self, by: u64) -> u64 {
            self.calls += by;
            self.calls
        }
    }

    /// A `pub(crate)` function in another module: so are its companions.
    #[async_lru(maxsize = 4)]
    pub(crate) async fn item(id: u32) -> String {
        format!("item-{id}")
    }
}

#[tokio::test]
async fn companions_have_the_visibility_of_the_function() {
    assert_eq!(catalog::item(3).await, "item-3");
    assert_eq!(catalog::item_refresh(3).await, "item-3");
    assert_eq!(catalog::item_metrics().size, 1);
    assert!(catalog::item_invalidate(&3).await);
    catalog::item_clear().await;
    assert_eq!(catalog::item_cache().len(), 0);

    let mut counter = catalog::Counter::default();
    assert_eq!(counter.bump(2).await, 2);
    assert_eq!(counter.bump(2).await, 2, "a hit: the body did not run");
    assert_eq!(counter.calls, 2);
    assert_eq!(counter.bump_refresh(2).await, 4);
    assert_eq!(catalog::Counter::bump_metrics().hits, 1);
}

// ---- refresh, invalidate, clear ------------------------------------------

static VERSIONED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[async_lru(maxsize = 16)]
async fn versioned(id: u64) -> Result<(u64, usize), NotFound> {
    let run = VERSIONED_RUNS.fetch_add(1, Ordering::SeqCst);
    Ok((id, run))
}

#[tokio::test]
async fn refresh_reloads_invalidate_drops_one_and_clear_drops_all() {
    assert_eq!(versioned(1).await, Ok((1, 0)));
    assert_eq!(versioned_refresh(1).await, Ok((1, 1)), "refresh runs the body again");
    assert_eq!(versioned(1).await, Ok((1, 1)), "and stores its result");
    versioned(2).await.unwrap();
    assert!(versioned_invalidate(&1).await);
    assert!(!versioned_invalidate(&1).await);
    assert_eq!(versioned_metrics().size, 1);
    assert_eq!(versioned(1).await, Ok((1, 3)));
    versioned_clear().await;
    assert_eq!(versioned_metrics().size, 0);
    assert_eq!(versioned(2).await, Ok((2, 4)), "cleared entries load again");
}

// ---- maxsize -------------------------------------------------------------

#[async_lru(maxsize = 50)]
async fn identity(x: u64) -> u64 {
    x
}

#[tokio::test]
async fn size_equals_maxsize_after_100_distinct_calls_with_maxsize_50() {
    for x in 0..100 {
        assert_eq!(identity(x).await, x);
    }
    let m = identity_metrics();
    assert_eq!((m.size, m.evictions.size), (50, 50));
}

static UNCACHED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[async_lru(maxsize = 0)]
async fn uncached(x: u64) -> u64 {
    UNCACHED_RUNS.fetch_add(1, Ordering::SeqCst);
    x
}

#[tokio::test]
async fn maxsize_zero_caches_nothing() {
    uncached(1).await;
    uncached(1).await;
    assert_eq!(runs(&UNCACHED_RUNS), 2);
}

// ---- TTL -----------------------------------------------------------------

static QUOTE_RUNS: AtomicUsize = AtomicUsize::new(0);

#[async_ttl(ttl_secs = 60, maxsize = 8)]
async fn quote(sku: String) -> Result<usize, NotFound> {
    QUOTE_RUNS.fetch_add(1, Ordering::SeqCst);
    Ok(sku.len())
}

#[tokio::test(start_paused = true)]
async fn ttl_results_expire_on_the_paused_clock() {
    quote("abc".into()).await.unwrap();
    tokio::time::advance(Duration::from_secs(59)).await;
    quote("abc".into()).await.unwrap();
    assert_eq!(runs(&QUOTE_RUNS), 1);
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(quote_metrics().size, 0, "expired after 60 s");
    quote("abc".into()).await.unwrap();
    assert_eq!(runs(&QUOTE_RUNS), 2);
}

#[async_ttl(ttl_secs = 60, maxsize = 3)]
async fn bounded_ttl(x: u64) -> u64 {
    x
}

#[tokio::test(start_paused = true)]
async fn ttl_maxsize_bounds_the_entries() {
    for x in 0..10 {
        bounded_ttl(x).await;
    }
    assert_eq!(bounded_ttl_metrics().size, 3);
}

// ---- errors --------------------------------------------------------------

static LOOKUP_RUNS: AtomicUsize = AtomicUsize::new(0);

#[async_lru(maxsize = 16)]
async fn lookup(id: u64) -> Result<u64, NotFound> {
    LOOKUP_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(5)).await;
    if id == 0 { Err(NotFound(id)) } else { Ok(id) }
}

#[tokio::test(start_paused = true)]
async fn errors_are_not_cached_and_reach_every_caller_with_their_type() {
    let results: Vec<Result<u64, NotFound>> = join_all((0..5).map(|_| lookup(0))).await;
    assert!(results.iter().all(|r| *r == Err(NotFound(0))), "{results:?}");
    assert_eq!(runs(&LOOKUP_RUNS), 1, "one run for five concurrent callers");
    assert_eq!(lookup(0).await, Err(NotFound(0)));
    assert_eq!(runs(&LOOKUP_RUNS), 2, "errors are not cached");
    assert_eq!(lookup_metrics().size, 0);
    assert_eq!(lookup_metrics().load_errors.error, 2);
}

#[async_lru]
async fn question_mark(input: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = input.trim().parse()?;
    if n > 100 {
        return Ok(100);
    }
    Ok(n)
}

#[tokio::test]
async fn question_mark_and_return_work_in_the_body() {
    assert_eq!(question_mark(" 7").await, Ok(7));
    assert_eq!(question_mark("700").await, Ok(100));
    let err = question_mark("x").await.unwrap_err();
    assert_eq!(err, "x".parse::<u32>().unwrap_err());
}

#[async_lru]
async fn explode(x: u64) -> u64 {
    assert!(x != 13, "unlucky {x}");
    x
}

#[tokio::test]
async fn a_panic_in_the_body_panics_in_the_caller() {
    let outcome = tokio::spawn(explode(13)).await;
    let payload = outcome.unwrap_err().into_panic();
    let message = payload.downcast_ref::<String>().expect("a String payload");
    assert_eq!(message, "unlucky 13");
    assert_eq!(explode(12).await, 12);
}

// ---- cancellation hand-over ----------------------------------------------

static HANDOVER_RUNS: AtomicUsize = AtomicUsize::new(0);

#[async_lru]
async fn handover(x: u64) -> u64 {
    HANDOVER_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(10)).await;
    x
}

#[tokio::test(start_paused = true)]
async fn a_waiter_takes_over_when_the_running_caller_is_dropped() {
    let leader = tokio::spawn(handover(5));
    tokio::task::yield_now().await; // the leader starts the body
    let waiter = tokio::spawn(handover(5));
    tokio::task::yield_now().await;
    leader.abort();
    assert_eq!(waiter.await.unwrap(), 5);
    assert_eq!(runs(&HANDOVER_RUNS), 2, "the waiter ran the body itself");
    assert_eq!(handover(5).await, 5);
    assert_eq!(runs(&HANDOVER_RUNS), 2);
}

mod everyday_errors {
    //! `std::io::Error`, `anyhow::Error` and `BoxError` are not `Clone`:
    //! every caller of one failed call gets its own error rebuilt from the
    //! one shared error (kind and message kept), and the body ran once.

    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use cache_facade::error::SharedError;
    use cache_facade::{BoxError, async_lru};
    use futures_util::future::join_all;

    static IO_RUNS: AtomicUsize = AtomicUsize::new(0);

    #[async_lru(maxsize = 8)]
    async fn read_config(name: String) -> Result<String, std::io::Error> {
        IO_RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
        Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("no {name}")))
    }

    #[tokio::test(start_paused = true)]
    async fn io_errors_reach_every_caller_with_their_kind() {
        let calls = join_all((0..4).map(|_| read_config("app.toml".into()))).await;
        assert_eq!(IO_RUNS.load(Ordering::SeqCst), 1, "one run for four callers");
        for result in calls {
            let error = result.unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
            assert_eq!(error.to_string(), "no app.toml");
        }
    }

    #[async_lru(maxsize = 8)]
    async fn fetch_anyhow(id: u64) -> Result<u64, anyhow::Error> {
        anyhow::ensure!(id != 0, "id 0 does not exist");
        Ok(id)
    }

    #[tokio::test]
    async fn anyhow_errors_keep_their_message_and_original() {
        let error = fetch_anyhow(0).await.unwrap_err();
        assert_eq!(error.to_string(), "id 0 does not exist");
        let shared = error.downcast_ref::<SharedError<anyhow::Error>>().expect("the shared one");
        assert_eq!(shared.get().to_string(), "id 0 does not exist");
        assert_eq!(fetch_anyhow(3).await.unwrap(), 3);
    }

    #[async_lru(maxsize = 8)]
    async fn fetch_boxed(id: u64) -> Result<u64, BoxError> {
        if id == 0 { Err("no such id".into()) } else { Ok(id) }
    }

    #[tokio::test]
    async fn box_errors_keep_their_message() {
        assert_eq!(fetch_boxed(0).await.unwrap_err().to_string(), "no such id");
        assert_eq!(fetch_boxed(5).await.unwrap(), 5);
    }
}

mod fail_safe {
    //! `#[async_ttl(fail_safe_secs = ..)]`: an expired result is served when
    //! the next call fails, exactly as `AsyncTtl::fail_safe` does.

    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use cache_facade::async_ttl;

    static DOWN: AtomicBool = AtomicBool::new(false);

    #[async_ttl(ttl_secs = 10, fail_safe_secs = 600)]
    async fn quote(sku: u32) -> Result<u32, std::io::Error> {
        if DOWN.load(Ordering::SeqCst) { Err(std::io::Error::other("down")) } else { Ok(sku * 2) }
    }

    #[tokio::test(start_paused = true)]
    async fn an_expired_result_is_served_when_the_call_fails() {
        assert_eq!(quote(21).await.unwrap(), 42);
        DOWN.store(true, Ordering::SeqCst);
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(quote(21).await.unwrap(), 42, "stale, not the error");
        assert_eq!(quote_metrics().stale_served.error, 1);
        assert!(quote(99).await.is_err(), "nothing kept for a key never loaded");
    }
}
