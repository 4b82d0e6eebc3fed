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
