//! The facade's composition of L1, a remote tier and a backplane, against
//! in-memory doubles (no Redis; tokio's paused clock drives the timeouts and
//! the replay backoff).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cache_facade::remote::{
    Backplane, BackplaneEvent, CodecError, ConnectionState, EventHandler, RemoteError,
    RemoteErrorKind, RemoteTier, RemoteValue, SetMode, ValueCodec,
};
use cache_facade::{AsyncCache, async_trait};

/// A shared tier in memory that can be made to fail or to hang.
#[derive(Debug, Default, Clone)]
struct Memory {
    map: Arc<Mutex<HashMap<Vec<u8>, Vec<u8>>>>,
    failing: Arc<AtomicBool>,
    hanging: Arc<AtomicBool>,
    gets: Arc<AtomicUsize>,
}

impl Memory {
    async fn gate(&self) -> Result<(), RemoteError> {
        if self.hanging.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        if self.failing.load(Ordering::SeqCst) {
            return Err(RemoteError::new(RemoteErrorKind::Unavailable, "down"));
        }
        Ok(())
    }
}

#[async_trait]
impl RemoteTier for Memory {
    async fn get(&self, key: &[u8]) -> Result<Option<RemoteValue>, RemoteError> {
        self.gate().await?;
        self.gets.fetch_add(1, Ordering::SeqCst);
        Ok(self.map.lock().unwrap().get(key).map(|p| RemoteValue { payload: p.clone(), ttl: None }))
    }
    async fn set(
        &self,
        key: &[u8],
        payload: &[u8],
        _: Option<Duration>,
        mode: SetMode,
    ) -> Result<bool, RemoteError> {
        self.gate().await?;
        let mut map = self.map.lock().unwrap();
        if mode == SetMode::IfAbsent && map.contains_key(key) {
            return Ok(false);
        }
        map.insert(key.to_vec(), payload.to_vec());
        Ok(true)
    }
    async fn delete(&self, key: &[u8]) -> Result<(), RemoteError> {
        self.gate().await?;
        self.map.lock().unwrap().remove(key);
        Ok(())
    }
    async fn clear(&self) -> Result<(), RemoteError> {
        self.gate().await?;
        self.map.lock().unwrap().clear();
        Ok(())
    }
    async fn ping(&self) -> Result<(), RemoteError> {
        self.gate().await
    }
}

impl ValueCodec<String> for Memory {
    fn encode(&self, v: &String) -> Result<Vec<u8>, CodecError> {
        Ok(v.clone().into_bytes())
    }
    fn decode(&self, b: &[u8]) -> Result<String, CodecError> {
        String::from_utf8(b.to_vec()).map_err(|e| CodecError::new(e.to_string()))
    }
}

/// Instances in one process, told synchronously.
#[derive(Default, Clone)]
struct Bus(Arc<Mutex<Vec<EventHandler>>>);

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bus")
    }
}

impl Bus {
    fn tell_all(&self, event: &BackplaneEvent) {
        let handlers = self.0.lock().unwrap().clone();
        for handler in handlers {
            handler(event.clone());
        }
    }
}

#[derive(Debug)]
struct Port(Bus);

#[async_trait]
impl Backplane for Port {
    async fn publish(&self, message: &[u8]) -> Result<(), RemoteError> {
        self.0.tell_all(&BackplaneEvent::Message(message.to_vec()));
        Ok(())
    }
    fn subscribe(&self, handler: EventHandler) -> Result<(), RemoteError> {
        self.0.0.lock().unwrap().push(handler);
        Ok(())
    }
    fn state(&self) -> ConnectionState {
        ConnectionState::Connected
    }
}

type Cache = AsyncCache<String, String>;

fn instance(l2: &Memory, bus: &Bus) -> Cache {
    AsyncCache::builder()
        .remote(l2.clone())
        .backplane(Port(bus.clone()))
        .remote_soft_timeout(Duration::from_millis(50))
        .build()
        .unwrap()
}

fn loaded(v: &str) -> impl FnOnce() -> std::future::Ready<Result<String, std::io::Error>> {
    let v = v.to_owned();
    move || std::future::ready(Ok(v))
}

#[tokio::test(start_paused = true)]
async fn a_remove_on_one_instance_reaches_the_other_and_l2() {
    let (l2, bus) = (Memory::default(), Bus::default());
    let (a, b) = (instance(&l2, &bus), instance(&l2, &bus));
    b.get_with("k".into(), loaded("v1")).await.unwrap();
    assert_eq!(a.get_with("k".into(), loaded("unused")).await.unwrap(), "v1", "from L2");
    a.remove("k").await;
    assert_eq!(b.get("k").await, None);
    assert_eq!(b.get_with("k".into(), loaded("v2")).await.unwrap(), "v2", "L2 was emptied too");
    let remote = b.metrics().remote.unwrap();
    assert_eq!((remote.backplane_received, remote.backplane_dropped), (1, 0));
}

#[tokio::test(start_paused = true)]
async fn a_lost_subscription_drops_every_entry_when_it_comes_back() {
    let (l2, bus) = (Memory::default(), Bus::default());
    let b = instance(&l2, &bus);
    b.insert("x".into(), "1".into()).await;
    b.insert("y".into(), "2".into()).await;
    bus.tell_all(&BackplaneEvent::Disconnected);
    assert_eq!(b.len(), 2, "kept while disconnected");
    bus.tell_all(&BackplaneEvent::Connected { after_loss: false });
    assert_eq!(b.len(), 2, "a first subscription drops nothing");
    bus.tell_all(&BackplaneEvent::Connected { after_loss: true });
    assert_eq!(b.len(), 0, "may have missed invalidations: dropped");
    assert_eq!(b.metrics().remote.unwrap().reconnects, 1);
    bus.tell_all(&BackplaneEvent::Message(b"garbage".to_vec()));
    assert_eq!(
        b.metrics().remote.unwrap().backplane_dropped,
        1,
        "unreadable: counted, not a panic"
    );
}

#[tokio::test(start_paused = true)]
async fn a_hanging_tier_costs_a_miss_the_soft_timeout_once() {
    let (l2, bus) = (Memory::default(), Bus::default());
    let a = instance(&l2, &bus);
    a.insert("hot".into(), "h".into()).await;
    l2.hanging.store(true, Ordering::SeqCst);
    let started = tokio::time::Instant::now();
    assert_eq!(a.get("hot").await.as_deref(), Some("h"));
    assert_eq!(started.elapsed(), Duration::ZERO, "a hit never waits");
    assert_eq!(a.get_with("m1".into(), loaded("db")).await.unwrap(), "db");
    assert_eq!(started.elapsed(), Duration::from_millis(50), "one soft timeout");
    let again = tokio::time::Instant::now();
    assert_eq!(a.get_with("m2".into(), loaded("db")).await.unwrap(), "db");
    assert_eq!(again.elapsed(), Duration::ZERO, "L2 skipped until it answers");
    assert!(a.metrics().remote.unwrap().l2_errors >= 1);
}

#[tokio::test(start_paused = true)]
async fn failed_writes_queue_per_key_and_replay_in_order_after_recovery() {
    let (l2, bus) = (Memory::default(), Bus::default());
    let (a, b) = (instance(&l2, &bus), instance(&l2, &bus));
    b.insert("k".into(), "old".into()).await;
    l2.failing.store(true, Ordering::SeqCst);
    for v in ["w1", "w2", "w3"] {
        a.insert("k".into(), v.into()).await;
    }
    a.insert("other".into(), "o".into()).await;
    assert_eq!(a.pending_remote_writes(), 2, "one per key: the last write wins");
    assert_eq!(b.get("k").await.as_deref(), Some("old"), "nothing published while down");
    tokio::time::sleep(Duration::from_secs(5)).await; // backoff grows; still down
    assert_eq!(a.pending_remote_writes(), 2);

    l2.failing.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3)).await; // past the longest backoff
    assert_eq!(a.pending_remote_writes(), 0);
    assert_eq!(b.get("k").await, None, "the replay published");
    assert_eq!(b.get_with("k".into(), loaded("db")).await.unwrap(), "w3");
    assert_eq!(a.metrics().remote.unwrap().replayed_writes, 2);
}

#[tokio::test(start_paused = true)]
async fn single_flight_covers_the_l2_read() {
    let (l2, bus) = (Memory::default(), Bus::default());
    let (a, b) = (instance(&l2, &bus), instance(&l2, &bus));
    a.insert("k".into(), "v".into()).await;
    let callers: Vec<_> = (0..50)
        .map(|_| {
            let b = b.clone();
            tokio::spawn(async move { b.get_with("k".into(), loaded("db")).await.unwrap() })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap(), "v");
    }
    assert_eq!(l2.gets.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_refresh_replaces_the_l2_value_and_tells_the_other_instances() {
    let (l2, bus) = (Memory::default(), Bus::default());
    let version = Arc::new(Mutex::new("v1".to_owned()));
    let source = Arc::clone(&version);
    let a: Cache = AsyncCache::builder()
        .remote(l2.clone())
        .backplane(Port(bus.clone()))
        .loader(cache_facade::loader_fn(move |_k: String| {
            let v = source.lock().unwrap().clone();
            async move { Ok::<_, cache_facade::BoxError>(v) }
        }))
        .build()
        .unwrap();
    let b = instance(&l2, &bus);
    assert_eq!(b.get_with("k".into(), loaded("v1")).await.unwrap(), "v1");
    assert_eq!(a.get_with("k".into(), loaded("unused")).await.unwrap(), "v1", "from L2");
    *version.lock().unwrap() = "v2".to_owned();
    assert_eq!(a.refresh("k".into()).await.unwrap(), "v2");
    let stored: Vec<Vec<u8>> = l2.map.lock().unwrap().values().cloned().collect();
    assert_eq!(stored, vec![b"v2".to_vec()], "L2 no longer holds v1");
    assert_eq!(b.get("k").await, None, "the refresh was announced");
    assert_eq!(
        b.get_with("k".into(), loaded("db")).await.unwrap(),
        "v2",
        "L2 holds the refreshed value"
    );
    assert_eq!(a.pending_remote_writes(), 0);
}

#[tokio::test(start_paused = true)]
async fn refresh_ahead_writes_l2_and_an_insert_after_it_wins_there() {
    let (l2, bus) = (Memory::default(), Bus::default());
    let build = || -> Cache {
        AsyncCache::builder()
            .remote(l2.clone())
            .backplane(Port(bus.clone()))
            .default_ttl(Duration::from_secs(60))
            .refresh_after(Duration::from_secs(30))
            .build()
            .unwrap()
    };
    let (a, b) = (build(), build());
    assert_eq!(a.get_with("k".into(), loaded("v1")).await.unwrap(), "v1");
    assert_eq!(b.get_with("k".into(), loaded("unused")).await.unwrap(), "v1", "from L2");
    tokio::time::advance(Duration::from_secs(31)).await;
    assert_eq!(
        a.get_with("k".into(), loaded("v2")).await.unwrap(),
        "v1",
        "served while refreshing"
    );
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(a.get("k").await.as_deref(), Some("v2"));
    assert_eq!(b.get("k").await, None, "the refresh was announced");
    assert_eq!(b.get_with("k".into(), loaded("db")).await.unwrap(), "v2", "from L2");

    // A write that follows a refresh in L1 follows it in L2 too.
    tokio::time::advance(Duration::from_secs(31)).await;
    let slow = || async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok::<_, std::io::Error>("v3".to_owned())
    };
    assert_eq!(a.get_with("k".into(), slow).await.unwrap(), "v2");
    tokio::time::advance(Duration::from_secs(1)).await;
    a.insert("k".into(), "written".into()).await;
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(a.get("k").await.as_deref(), Some("written"));
    assert_eq!(
        b.get_with("k".into(), loaded("db")).await.unwrap(),
        "written",
        "L2 ends with the write"
    );
}

#[tokio::test(start_paused = true)]
async fn settings_are_checked_by_name() {
    let err = AsyncCache::<u64, String>::builder()
        .remote(Memory::default())
        .remote_soft_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(err.setting(), "remote_soft_timeout");
    let err = AsyncCache::<u64, String>::builder()
        .remote(Memory::default())
        .remote_lease(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(err.setting(), "remote_lease");
    let err = AsyncCache::<u64, String>::builder()
        .backplane(Port(Bus::default()))
        .remote_lease(Duration::from_secs(1))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("needs a remote tier"), "{err}");
}
