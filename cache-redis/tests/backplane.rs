//! RedisBackplane against the real Redis: delivery, order, a killed
//! subscriber, and a black-holed connection (a paused server: `pause.rs`,
//! alone, as `CLIENT PAUSE` stops every client).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cache_core::remote::{Backplane, BackplaneEvent, ConnectionState};
use cache_redis::fault_proxy::{Fault, FaultProxy};
use cache_redis::testkit::{admin, eventually, redis_or_skip, unique, url};
use cache_redis::{RedisBackplane, RedisConfig};

type Log = Arc<Mutex<Vec<BackplaneEvent>>>;

fn listen(bus: &RedisBackplane) -> Log {
    let log: Log = Arc::default();
    let sink = Arc::clone(&log);
    bus.subscribe(Arc::new(move |event| sink.lock().unwrap().push(event))).unwrap();
    log
}

async fn connected(bus: &RedisBackplane) -> bool {
    eventually(Duration::from_secs(5), async || bus.state() == ConnectionState::Connected).await
}

fn messages(log: &Log) -> Vec<Vec<u8>> {
    log.lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            BackplaneEvent::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn count(log: &Log, wanted: &BackplaneEvent) -> usize {
    log.lock().unwrap().iter().filter(|e| *e == wanted).count()
}

#[tokio::test]
async fn delivers_every_message_in_order() {
    if !redis_or_skip("delivers_every_message_in_order").await {
        return;
    }
    let config = RedisConfig::new(url()).unwrap().channel(unique("bp-order"));
    let (a, b) = (RedisBackplane::new(&config).unwrap(), RedisBackplane::new(&config).unwrap());
    let log = listen(&b);
    assert!(connected(&a).await && connected(&b).await);
    assert_eq!(log.lock().unwrap()[0], BackplaneEvent::Connected { after_loss: false });
    for i in 0..200u32 {
        a.publish(&i.to_le_bytes()).await.unwrap();
    }
    assert!(eventually(Duration::from_secs(5), async || messages(&log).len() == 200).await);
    let expected: Vec<Vec<u8>> = (0..200u32).map(|i| i.to_le_bytes().to_vec()).collect();
    assert_eq!(messages(&log), expected);
}

#[tokio::test]
async fn a_killed_subscriber_resubscribes_and_reports_the_loss() {
    if !redis_or_skip("a_killed_subscriber_resubscribes_and_reports_the_loss").await {
        return;
    }
    let config = RedisConfig::new(url()).unwrap().channel(unique("bp-kill"));
    let (a, b) = (RedisBackplane::new(&config).unwrap(), RedisBackplane::new(&config).unwrap());
    let log = listen(&b);
    assert!(connected(&b).await);
    let id = b.subscriber_client_id().expect("known once subscribed");
    let mut conn = admin().await;
    let killed: i64 =
        redis::cmd("CLIENT").arg("KILL").arg("ID").arg(id).query_async(&mut conn).await.unwrap();
    assert_eq!(killed, 1);
    let resumed = BackplaneEvent::Connected { after_loss: true };
    assert!(
        eventually(Duration::from_secs(5), async || count(&log, &resumed) == 1).await,
        "{:?}",
        log.lock().unwrap()
    );
    assert_eq!(count(&log, &BackplaneEvent::Disconnected), 1);
    assert_ne!(b.subscriber_client_id(), Some(id), "a new connection");
    a.publish(b"after").await.unwrap();
    assert!(
        eventually(Duration::from_secs(5), async || messages(&log) == [b"after".to_vec()]).await
    );
}

#[tokio::test]
async fn a_black_holed_subscriber_is_caught_by_the_heartbeat() {
    if !redis_or_skip("a_black_holed_subscriber_is_caught_by_the_heartbeat").await {
        return;
    }
    let proxy = FaultProxy::start("127.0.0.1:6379".parse().unwrap()).await.unwrap();
    let channel = unique("bp-hole");
    let through_proxy = RedisConfig::new(format!("redis://{}", proxy.addr()))
        .unwrap()
        .channel(&channel)
        .heartbeat(Duration::from_millis(50))
        .response_timeout(Duration::from_millis(100))
        .connect_timeout(Duration::from_millis(200));
    let b = RedisBackplane::new(&through_proxy).unwrap();
    let a = RedisBackplane::new(&RedisConfig::new(url()).unwrap().channel(&channel)).unwrap();
    let log = listen(&b);
    assert!(connected(&b).await && connected(&a).await);

    proxy.set(Fault::BlackHole);
    assert!(
        eventually(Duration::from_secs(2), async || b.state() == ConnectionState::Disconnected)
            .await
    );
    a.publish(b"missed").await.unwrap();

    proxy.set(Fault::Refuse);
    proxy.set(Fault::Pass);
    let resumed = BackplaneEvent::Connected { after_loss: true };
    assert!(
        eventually(Duration::from_secs(5), async || count(&log, &resumed) >= 1).await,
        "{:?}",
        log.lock().unwrap()
    );
    a.publish(b"seen").await.unwrap();
    assert!(
        eventually(Duration::from_secs(5), async || messages(&log).contains(&b"seen".to_vec()))
            .await
    );
    // The disconnection was reported before the reconnection.
    let events = log.lock().unwrap().clone();
    let lost_at = events.iter().position(|e| *e == BackplaneEvent::Disconnected).unwrap();
    let back_at = events.iter().position(|e| *e == resumed).unwrap();
    assert!(lost_at < back_at);
}
