//! `CLIENT PAUSE` under two instances (issue 18). Alone in its test binary:
//! the pause stops every client of the server, so no other test of this crate
//! runs beside it (cargo runs test binaries one after another).

mod support;

use std::time::{Duration, Instant};

use cache_redis::testkit::{eventually, redis::cmd};
use support::{Space, received, redis_or_skip};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_redis_delays_writes_but_not_callers() {
    if !redis_or_skip("a_paused_redis_delays_writes_but_not_callers").await {
        return;
    }
    let space = Space::new("pause");
    let (a, b) = (space.instance("a").await, space.instance("b").await);
    b.cache.insert("k".into(), "old".into()).await;
    assert!(received(&a.cache, 1).await);
    let mut admin = cache_redis::testkit::admin().await;
    // WRITE pauses SET and PUBLISH; short, as the server is shared.
    cmd("CLIENT").arg("PAUSE").arg(300).arg("WRITE").query_async::<()>(&mut admin).await.unwrap();
    let started = Instant::now();
    a.cache.insert("k".into(), "new".into()).await;
    assert!(started.elapsed() < Duration::from_millis(250), "{:?}", started.elapsed());
    assert_eq!(a.cache.get("k").await.as_deref(), Some("new"));
    let seen = eventually(Duration::from_secs(10), async || {
        b.cache
            .get_with("k".into(), || async { Ok::<_, std::io::Error>("db".to_string()) })
            .await
            .unwrap()
            == "new"
    })
    .await;
    assert!(seen, "b reads a's write once Redis resumes");
    space.finish().await;
}
