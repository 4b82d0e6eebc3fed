//! RedisTier against the real Redis: envelope, modes, tombstones, namespace,
//! decode failures, size limit, and faults through the proxy.

use std::time::{Duration, Instant};

use cache_core::remote::{RemoteErrorKind, RemoteTier, SetMode, ValueCodec};
use cache_redis::fault_proxy::{Fault, FaultProxy};
use cache_redis::testkit::{admin, cleanup, redis_or_skip, unique, url};
use cache_redis::{RedisConfig, RedisTier};
use serde::{Deserialize, Serialize};

fn tier(prefix: &str) -> RedisTier {
    RedisTier::new(&RedisConfig::new(url()).unwrap().prefix(prefix)).unwrap()
}

#[tokio::test]
async fn stores_reads_and_expires_values_in_an_envelope() {
    if !redis_or_skip("stores_reads_and_expires_values_in_an_envelope").await {
        return;
    }
    let prefix = unique("tier-basic");
    let tier = tier(&prefix);
    let payload = tier.encode(&("ada".to_string(), 36u32)).unwrap();
    assert!(
        tier.set(b"k1", &payload, Some(Duration::from_secs(30)), SetMode::Always).await.unwrap()
    );
    let got = tier.get(b"k1").await.unwrap().expect("just stored");
    let back: (String, u32) = tier.decode(&got.payload).unwrap();
    assert_eq!(back, ("ada".to_string(), 36));
    let ttl = got.ttl.expect("stored with a TTL");
    assert!(ttl > Duration::from_secs(28) && ttl <= Duration::from_secs(30), "{ttl:?}");

    // Redis's own expiry follows the logical one.
    let mut conn = admin().await;
    let pttl: i64 =
        redis::cmd("PTTL").arg(tier.redis_key(b"k1")).query_async(&mut conn).await.unwrap();
    assert!(pttl > 28_000 && pttl <= 30_000, "{pttl}");
    assert!(String::from_utf8_lossy(&tier.redis_key(b"k1")).starts_with(&format!("{prefix}:v1:")));

    let many = tier.get_many(&[b"k1".as_slice(), b"absent".as_slice()]).await.unwrap();
    assert_eq!(many.len(), 2);
    assert_eq!(many[0].as_ref().unwrap().payload, payload);
    assert!(many[1].is_none());
    cleanup(&prefix).await;
}

#[tokio::test]
async fn loads_never_overwrite_writes_nor_removed_keys() {
    if !redis_or_skip("loads_never_overwrite_writes_nor_removed_keys").await {
        return;
    }
    let prefix = unique("tier-modes");
    let tier = tier(&prefix);
    assert!(tier.set(b"k", b"written", None, SetMode::Always).await.unwrap());
    assert!(!tier.set(b"k", b"loaded", None, SetMode::IfAbsent).await.unwrap());
    assert_eq!(tier.get(b"k").await.unwrap().unwrap().payload, b"written");

    tier.delete(b"k").await.unwrap();
    assert_eq!(tier.get(b"k").await.unwrap(), None, "a tombstone reads as absent");
    assert!(!tier.set(b"k", b"stale load", None, SetMode::IfAbsent).await.unwrap());
    assert!(tier.set(b"k", b"new write", None, SetMode::Always).await.unwrap());
    assert_eq!(tier.get(b"k").await.unwrap().unwrap().payload, b"new write");
    cleanup(&prefix).await;
}

#[tokio::test]
async fn clear_removes_its_namespace_only() {
    if !redis_or_skip("clear_removes_its_namespace_only").await {
        return;
    }
    let (mine, theirs) = (unique("tier-clear-a"), unique("tier-clear-b"));
    let (a, b) = (tier(&mine), tier(&theirs));
    for i in 0..1_200u32 {
        a.set(&i.to_le_bytes(), b"x", None, SetMode::Always).await.unwrap();
    }
    b.set(b"kept", b"y", None, SetMode::Always).await.unwrap();
    a.clear().await.unwrap();
    assert_eq!(a.get(&7u32.to_le_bytes()).await.unwrap(), None);
    let left = cache_redis::testkit::keys_with_prefix(&mine).await;
    assert!(left.is_empty(), "{} keys left", left.len());
    assert_eq!(b.get(b"kept").await.unwrap().unwrap().payload, b"y");
    cleanup(&theirs).await;
}

#[tokio::test]
async fn unreadable_values_are_decode_errors_and_big_ones_are_refused() {
    if !redis_or_skip("unreadable_values_are_decode_errors_and_big_ones_are_refused").await {
        return;
    }
    let prefix = unique("tier-bad");
    let tier =
        RedisTier::new(&RedisConfig::new(url()).unwrap().prefix(&prefix).max_value_bytes(64))
            .unwrap();
    let mut conn = admin().await;
    redis::cmd("SET")
        .arg(tier.redis_key(b"junk"))
        .arg("not an envelope")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    let err = tier.get(b"junk").await.unwrap_err();
    assert_eq!(err.kind(), RemoteErrorKind::Decode, "{err}");
    let many = tier.get_many(&[b"junk".as_slice()]).await.unwrap();
    assert!(many[0].is_none(), "unreadable in a batch: a miss");

    let err = tier.set(b"big", &[0; 65], None, SetMode::Always).await.unwrap_err();
    assert_eq!(err.kind(), RemoteErrorKind::TooLarge);
    assert_eq!(err.message(), "65 bytes over max_value_bytes 64");
    assert_eq!(tier.get(b"big").await.unwrap(), None, "nothing was written");
    cleanup(&prefix).await;
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct ProductV1 {
    id: u64,
    name: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct ProductV2 {
    id: u64,
    name: String,
    #[serde(default)]
    price_cents: Option<u64>,
}

#[tokio::test]
async fn values_survive_an_added_field() {
    if !redis_or_skip("values_survive_an_added_field").await {
        return;
    }
    let tier = tier("unused");
    let old = tier.encode(&ProductV1 { id: 1, name: "lamp".into() }).unwrap();
    let read: ProductV2 = tier.decode(&old).unwrap();
    assert_eq!(read, ProductV2 { id: 1, name: "lamp".into(), price_cents: None });
    let new =
        tier.encode(&ProductV2 { id: 2, name: "desk".into(), price_cents: Some(9_900) }).unwrap();
    let back: ProductV1 = tier.decode(&new).unwrap();
    assert_eq!(back, ProductV1 { id: 2, name: "desk".into() }, "an old reader skips the new field");
    assert!(
        ValueCodec::<u64>::decode(&tier, &new).is_err(),
        "a wrong type is an error, not a panic"
    );
}

#[tokio::test]
async fn faults_are_bounded_errors() {
    if !redis_or_skip("faults_are_bounded_errors").await {
        return;
    }
    let proxy = FaultProxy::start("127.0.0.1:6379".parse().unwrap()).await.unwrap();
    let prefix = unique("tier-faults");
    let config = RedisConfig::new(format!("redis://{}", proxy.addr()))
        .unwrap()
        .prefix(&prefix)
        .connect_timeout(Duration::from_millis(200))
        .response_timeout(Duration::from_millis(100));
    let tier = RedisTier::new(&config).unwrap();
    tier.set(b"k", b"v", None, SetMode::Always).await.unwrap();

    proxy.set(Fault::Delay(Duration::from_millis(20)));
    let started = Instant::now();
    assert_eq!(tier.get(b"k").await.unwrap().unwrap().payload, b"v");
    assert!(started.elapsed() >= Duration::from_millis(20));

    proxy.set(Fault::BlackHole);
    let started = Instant::now();
    let err = tier.get(b"k").await.unwrap_err();
    assert_eq!(err.kind(), RemoteErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_millis(400), "{:?}", started.elapsed());

    proxy.set(Fault::Refuse);
    let started = Instant::now();
    assert!(tier.get(b"k").await.is_err());
    assert!(started.elapsed() < Duration::from_millis(400), "{:?}", started.elapsed());

    proxy.set(Fault::Pass);
    let recovered = cache_redis::testkit::eventually(Duration::from_secs(5), async || {
        matches!(tier.get(b"k").await, Ok(Some(_)))
    })
    .await;
    assert!(recovered, "the tier reconnects after the fault");

    proxy.set(Fault::Drop);
    let recovered = cache_redis::testkit::eventually(Duration::from_secs(5), async || {
        matches!(tier.get(b"k").await, Ok(Some(_)))
    })
    .await;
    assert!(recovered, "the tier reconnects after its connection was dropped");
    cleanup(&prefix).await;
}

#[tokio::test]
async fn a_lease_fences_the_write_of_its_holder_only() {
    if !redis_or_skip("a_lease_fences_the_write_of_its_holder_only").await {
        return;
    }
    let prefix = unique("tier-lease");
    let tier = tier(&prefix);
    let first = tier.try_lease(b"k", Duration::from_millis(100)).await.unwrap().expect("free");
    assert_eq!(tier.try_lease(b"k", Duration::from_secs(5)).await.unwrap(), None, "held");
    let second = cache_redis::testkit::eventually(Duration::from_secs(2), async || {
        tier.try_lease(b"k", Duration::from_secs(5)).await.unwrap().is_some()
    })
    .await;
    assert!(second, "the first lease expired and another took it");
    assert!(!tier.set_leased(b"k", b"late", None, first).await.unwrap(), "fenced off");
    assert_eq!(tier.get(b"k").await.unwrap(), None);

    let mut admin_conn = admin().await;
    let lease_key = format!("{prefix}:lease:v1:k");
    let token: String =
        redis::cmd("GET").arg(&lease_key).query_async(&mut admin_conn).await.unwrap();
    let token: u64 = token.parse().unwrap();
    assert!(tier.set_leased(b"k", b"v", Some(Duration::from_secs(30)), token).await.unwrap());
    assert_eq!(tier.get(b"k").await.unwrap().unwrap().payload, b"v");
    let released: Option<String> =
        redis::cmd("GET").arg(&lease_key).query_async(&mut admin_conn).await.unwrap();
    assert_eq!(released, None, "the write released the lease");
    cleanup(&prefix).await;
}
