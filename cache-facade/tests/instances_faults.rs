//! Two instances over the real Redis, with faults: a lost subscription, a
//! killed subscriber, Redis black-holed, refusing, slow (issue 18). `CLIENT PAUSE`
//! is in `instances_pause.rs`: it pauses the whole server, so it runs alone.

mod support;

use std::time::{Duration, Instant};

use cache_facade::remote::ConnectionState;
use cache_redis::fault_proxy::Fault;
use cache_redis::testkit::{eventually, redis::cmd};
use support::{Space, io, proxy, received, redis_or_skip};

async fn reconnected(cache: &support::Cache, n: u64) -> bool {
    eventually(Duration::from_secs(5), async || cache.metrics().remote.unwrap().reconnects >= n)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_that_may_have_missed_an_invalidation_are_dropped_on_reconnect() {
    if !redis_or_skip("entries_that_may_have_missed_an_invalidation_are_dropped_on_reconnect").await
    {
        return;
    }
    let space = Space::new("missed");
    let proxy = proxy().await;
    let a = space.instance("a").await;
    let b = space.instance_at(&format!("redis://{}", proxy.addr()), "b").await;
    b.cache.insert("k".into(), "v1".into()).await;
    assert!(received(&a.cache, 1).await);

    proxy.set(Fault::BlackHole);
    let lost = eventually(Duration::from_secs(3), async || {
        b.cache.backplane_state() == Some(ConnectionState::Disconnected)
    })
    .await;
    assert!(lost, "the heartbeat noticed");
    a.cache.insert("k".into(), "v2".into()).await; // b cannot hear this
    assert_eq!(b.cache.get("k").await.as_deref(), Some("v1"), "stale while cut off");

    proxy.set(Fault::Pass);
    assert!(reconnected(&b.cache, 1).await);
    assert_eq!(b.cache.get("k").await, None, "dropped on reconnect");
    let v = b.cache.get_with("k".into(), || async { Err::<String, _>(io("not called")) }).await;
    assert_eq!(v.unwrap(), "v2");
    space.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_subscriber_drops_l1_when_it_resubscribes() {
    if !redis_or_skip("a_killed_subscriber_drops_l1_when_it_resubscribes").await {
        return;
    }
    let space = Space::new("kill");
    let (a, b) = (space.instance("a").await, space.instance("b").await);
    b.cache.insert("k".into(), "v1".into()).await;
    let id = b.backplane.subscriber_client_id().unwrap();
    let mut admin = cache_redis::testkit::admin().await;
    let killed: i64 =
        cmd("CLIENT").arg("KILL").arg("ID").arg(id).query_async(&mut admin).await.unwrap();
    assert_eq!(killed, 1);
    assert!(reconnected(&b.cache, 1).await);
    assert_eq!(b.cache.get("k").await, None);
    a.cache.insert("k".into(), "v2".into()).await;
    assert!(received(&b.cache, 1).await, "messages flow again");
    space.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_black_holed_l1_serves_misses_load_and_writes_replay() {
    if !redis_or_skip("with_redis_black_holed_l1_serves_misses_load_and_writes_replay").await {
        return;
    }
    let space = Space::new("down");
    let proxy = proxy().await;
    let a = space.instance_at(&format!("redis://{}", proxy.addr()), "a").await;
    let b = space.instance("b").await;
    a.cache.insert("hot".into(), "h".into()).await;
    b.cache.insert("w".into(), "old".into()).await;
    assert!(received(&a.cache, 1).await);

    proxy.set(Fault::BlackHole);
    let started = Instant::now();
    for _ in 0..1_000 {
        assert_eq!(a.cache.get("hot").await.as_deref(), Some("h"));
    }
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "1,000 hits took {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let v = a
        .cache
        .get_with("miss1".into(), || async { Ok::<_, std::io::Error>("db".to_string()) })
        .await;
    assert_eq!(v.unwrap(), "db");
    assert!(started.elapsed() < Duration::from_millis(400), "{:?}", started.elapsed());
    let started = Instant::now();
    let v = a
        .cache
        .get_with("miss2".into(), || async { Ok::<_, std::io::Error>("db".to_string()) })
        .await;
    assert_eq!(v.unwrap(), "db");
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "L2 skipped while down: {:?}",
        started.elapsed()
    );

    for value in ["w1", "w2", "w3"] {
        let started = Instant::now();
        a.cache.insert("w".into(), value.into()).await;
        assert!(started.elapsed() < Duration::from_millis(400), "{:?}", started.elapsed());
    }
    assert!(a.cache.pending_remote_writes() >= 1);
    assert_eq!(a.cache.metrics().remote.unwrap().queued_writes, a.cache.pending_remote_writes());

    proxy.set(Fault::Pass);
    let drained =
        eventually(Duration::from_secs(10), async || a.cache.pending_remote_writes() == 0).await;
    assert!(drained, "replayed after recovery");
    assert!(a.cache.metrics().remote.unwrap().replayed_writes >= 1);
    assert!(received(&b.cache, 1).await, "the replayed write was announced");
    let v = b.cache.get_with("w".into(), || async { Err::<String, _>(io("not called")) }).await;
    assert_eq!(v.unwrap(), "w3", "the last write won");
    space.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_slow_and_dropped_connections_never_fail_a_caller() {
    if !redis_or_skip("refused_slow_and_dropped_connections_never_fail_a_caller").await {
        return;
    }
    let space = Space::new("refuse");
    let proxy = proxy().await;
    let a = space.instance_at(&format!("redis://{}", proxy.addr()), "a").await;
    let b = space.instance("b").await;
    assert_eq!(b.cache.len(), 0);

    for (i, fault) in [Fault::Refuse, Fault::Delay(Duration::from_millis(300)), Fault::Drop]
        .into_iter()
        .enumerate()
    {
        proxy.set(fault);
        let key = format!("k{i}");
        let started = Instant::now();
        let v = a
            .cache
            .get_with(key.clone(), || async { Ok::<_, std::io::Error>("db".to_string()) })
            .await;
        assert_eq!(v.unwrap(), "db", "{fault:?}");
        a.cache.insert(key.clone(), format!("written {i}")).await;
        assert!(
            started.elapsed() < Duration::from_millis(600),
            "{fault:?}: {:?}",
            started.elapsed()
        );
        proxy.set(Fault::Pass);
        let drained =
            eventually(Duration::from_secs(10), async || a.cache.pending_remote_writes() == 0)
                .await;
        assert!(drained, "{fault:?}: replayed");
        let wanted = format!("written {i}");
        let landed = eventually(Duration::from_secs(5), async || {
            support::l2_value(&space, &key).await.as_deref() == Some(wanted.as_str())
        })
        .await;
        assert!(landed, "{fault:?}: the write reached L2");
        assert_eq!(b.cache.get(&key).await, None, "{fault:?}: b holds nothing stale");
    }
    space.finish().await;
}
