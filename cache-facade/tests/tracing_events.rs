//! Loads, failures and stale serves are reported through `tracing`, with
//! the cache's name and outcome but never the key; a hit reports nothing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cache_facade::AsyncCache;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One event: its level and its fields, rendered.
type Seen = (Level, Vec<(String, String)>);

/// A subscriber that records every event.
#[derive(Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>);

struct Fields(Vec<(String, String)>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        self.0.lock().unwrap().push((*event.metadata().level(), fields.0));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn field<'a>(seen: &'a Seen, name: &str) -> Option<&'a str> {
    seen.1.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Runs `scenario` on a paused current-thread runtime under a [`Recorder`],
/// and returns the events it emitted.
fn recorded<F: Future<Output = ()>>(
    scenario: impl FnOnce(Arc<Mutex<Vec<Seen>>>) -> F,
) -> Vec<Seen> {
    let events = Arc::new(Mutex::new(Vec::new()));
    tracing::subscriber::with_default(Recorder(Arc::clone(&events)), || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(scenario(Arc::clone(&events)));
    });
    let events = events.lock().unwrap();
    events.clone()
}

#[test]
fn loads_and_stale_serves_are_traced_and_hits_are_not() {
    let events = recorded(|events| async move {
        {
            let cache: AsyncCache<u64, u64> = AsyncCache::builder()
                .name("traced")
                .default_ttl(Duration::from_secs(10))
                .fail_safe(Duration::from_secs(60))
                .build()
                .unwrap();
            cache.get_with(4242, || async { Ok::<_, std::io::Error>(1) }).await.unwrap();
            let before_hits = events.lock().unwrap().len();
            for _ in 0..10 {
                cache.get(&4242).await;
            }
            assert_eq!(events.lock().unwrap().len(), before_hits, "no event on a hit");
            tokio::time::advance(Duration::from_secs(10)).await;
            let down = || async { Err::<u64, _>(std::io::Error::other("down")) };
            assert_eq!(cache.get_with(4242, down).await.unwrap(), 1);
        }
    });
    let loaded = events.iter().find(|e| field(e, "outcome") == Some("success")).expect("a load");
    assert_eq!((loaded.0, field(loaded, "cache")), (Level::DEBUG, Some("traced")));
    let failed = events.iter().find(|e| field(e, "outcome") == Some("error")).expect("a failure");
    assert_eq!(failed.0, Level::WARN);
    assert!(events.iter().any(|e| field(e, "reason") == Some("error")), "the stale serve");
    assert!(
        events.iter().all(|e| e.1.iter().all(|(_, v)| !v.contains("4242"))),
        "keys never appear"
    );
}

#[test]
fn keys_appear_only_when_the_user_opts_in() {
    let events = recorded(|_| async {
        {
            let cache: AsyncCache<u64, u64> = AsyncCache::builder()
                .default_ttl(Duration::from_secs(10))
                .fail_safe(Duration::from_secs(60))
                .trace_keys(|k| format!("user-{k}"))
                .build()
                .unwrap();
            cache.get_with(7, || async { Ok::<_, std::io::Error>(1) }).await.unwrap();
            tokio::time::advance(Duration::from_secs(10)).await;
            let down = || async { Err::<u64, _>(std::io::Error::other("down")) };
            cache.get_with(7, down).await.unwrap();
        }
    });
    let stale = events.iter().find(|e| field(e, "reason") == Some("error")).expect("stale");
    assert_eq!(field(stale, "key"), Some("user-7"));
}

/// A subscriber that tracks spans (name, parent) and, for each event, the
/// names of the spans it happened in, innermost first.
#[derive(Default)]
struct SpanTracker {
    spans: Mutex<Vec<(&'static str, Option<u64>)>>,
    events: Mutex<Vec<(String, Vec<&'static str>)>>,
}

std::thread_local! {
    static ENTERED: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl SpanTracker {
    fn stack(&self, innermost: Option<u64>) -> Vec<&'static str> {
        let spans = self.spans.lock().unwrap();
        let mut names = Vec::new();
        let mut at = innermost;
        while let Some(id) = at {
            let (name, parent) = spans[usize::try_from(id).unwrap() - 1];
            names.push(name);
            at = parent;
        }
        names
    }
}

impl Subscriber for &'static SpanTracker {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let parent = if attributes.is_contextual() {
            ENTERED.with(|e| e.borrow().last().copied())
        } else {
            attributes.parent().map(Id::into_u64)
        };
        let mut spans = self.spans.lock().unwrap();
        spans.push((attributes.metadata().name(), parent));
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        let message = fields.0.iter().find(|(n, _)| n == "message").map(|(_, v)| v.clone());
        let innermost = ENTERED.with(|e| e.borrow().last().copied());
        let stack = self.stack(innermost);
        self.events.lock().unwrap().push((message.unwrap_or_default(), stack));
    }
    fn enter(&self, span: &Id) {
        ENTERED.with(|e| e.borrow_mut().push(span.into_u64()));
    }
    fn exit(&self, _: &Id) {
        ENTERED.with(|e| e.borrow_mut().pop());
    }
}

#[test]
fn a_load_and_a_refresh_run_in_spans_under_the_caller_s() {
    let tracker: &'static SpanTracker = Box::leak(Box::default());
    tracing::subscriber::with_default(tracker, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let cache: AsyncCache<u64, u64> = AsyncCache::builder()
                .name("spans")
                .default_ttl(Duration::from_secs(60))
                .refresh_after(Duration::from_secs(30))
                .build()
                .unwrap();
            let loader = |v: u64| {
                move || async move {
                    tracing::info!("querying the database");
                    Ok::<_, std::io::Error>(v)
                }
            };
            let request = tracing::info_span!("request");
            tracing::Instrument::instrument(cache.get_with(1, loader(1)), request.clone())
                .await
                .unwrap();
            tokio::time::advance(Duration::from_secs(31)).await;
            tracing::Instrument::instrument(cache.get_with(1, loader(2)), request).await.unwrap();
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            assert_eq!(cache.get(&1).await, Some(2), "refreshed");
        });
    });
    let events = tracker.events.lock().unwrap();
    let queries: Vec<_> =
        events.iter().filter(|(m, _)| m == "querying the database").map(|(_, s)| s).collect();
    assert_eq!(
        queries,
        [&vec!["cache_load", "request"], &vec!["cache_refresh", "request"]],
        "each load runs in its own task, yet under the caller's span"
    );
}
