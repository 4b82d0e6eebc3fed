//! A paused server fails the subscriber's heartbeat. Alone in its test binary:
//! `CLIENT PAUSE` stops every client of the server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cache_core::remote::{Backplane, BackplaneEvent, ConnectionState};
use cache_redis::testkit::{admin, eventually, redis_or_skip, unique, url};
use cache_redis::{RedisBackplane, RedisConfig};

type Log = Arc<Mutex<Vec<BackplaneEvent>>>;

fn count(log: &Log, wanted: &BackplaneEvent) -> usize {
    log.lock().unwrap().iter().filter(|e| *e == wanted).count()
}

#[tokio::test]
async fn a_paused_server_fails_the_heartbeat() {
    if !redis_or_skip("a_paused_server_fails_the_heartbeat").await {
        return;
    }
    let config = RedisConfig::new(url())
        .unwrap()
        .channel(unique("bp-pause"))
        .heartbeat(Duration::from_millis(50))
        .response_timeout(Duration::from_millis(100));
    let b = RedisBackplane::new(&config).unwrap();
    let log: Log = Arc::default();
    let sink = Arc::clone(&log);
    b.subscribe(Arc::new(move |event| sink.lock().unwrap().push(event))).unwrap();
    assert!(
        eventually(Duration::from_secs(5), async || b.state() == ConnectionState::Connected).await
    );
    let mut conn = admin().await;
    // ALL pauses PING too; keep it short: the server is shared with other tests.
    redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(400)
        .arg("ALL")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    let lost = eventually(Duration::from_secs(2), async || {
        count(&log, &BackplaneEvent::Disconnected) == 1
    })
    .await;
    let resumed = BackplaneEvent::Connected { after_loss: true };
    let back = eventually(Duration::from_secs(5), async || count(&log, &resumed) == 1).await;
    assert!(lost && back, "{:?}", log.lock().unwrap());
}
