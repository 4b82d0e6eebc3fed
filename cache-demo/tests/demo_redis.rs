//! The demo's several-instances scenario (`--redis`), and its absence
//! without. A test binary of its own: cargo runs test binaries one after
//! another, so these runs never compete for the CPU with the timing-sensitive
//! scenarios of `demo.rs`.

use serde_json::Value;

mod support;
use support::{db_path, demo};

/// Scenario 6 against the real Redis (skipped, with the reason, without one;
/// required in CI).
#[test]
fn two_instances_share_redis_with_no_stale_read() {
    let url = std::env::var("CACHE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let authority = url.trim_start_matches("redis://").to_owned();
    if std::net::TcpStream::connect(&authority).is_err() {
        assert!(
            std::env::var("CACHE_REDIS_REQUIRED").as_deref() != Ok("1"),
            "Redis at {url} is required (CACHE_REDIS_REQUIRED=1) but unreachable"
        );
        let line =
            format!("skipped two_instances_share_redis_with_no_stale_read: no Redis at {url}\n");
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        return;
    }
    let db = db_path("catalog-redis.sqlite3");
    let output = demo(&[
        "--json",
        "--db",
        &db,
        "--products",
        "2000",
        "--requests",
        "500",
        "--db-latency-ms",
        "1",
        "--order-lines",
        "200",
        "--first-requests",
        "1000",
        "--memo-requests",
        "200",
        "--herd",
        "50",
        "--redis",
        &url,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the demo failed: {stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("one JSON document");
    let instances = &report["instances"];
    assert_eq!(instances["stale_reads"], 0);
    let phases = instances["phases"].as_array().expect("phases");
    let queries = |i: usize| phases[i]["queries"].as_u64().unwrap();
    assert!(queries(0) > 0, "A started cold");
    assert_eq!(queries(1), 0, "B found every value in L2");
    assert_eq!(queries(2), 0, "the restarted B started warm from L2");
    assert_eq!(phases[3]["queued_left"], 0, "writes queued while unreachable were replayed");
    assert!(phases[3]["queued_writes"].as_u64().unwrap() > 0);
}

#[test]
fn without_redis_the_report_has_no_instances_section() {
    let db = db_path("catalog-noredis.sqlite3");
    let output = demo(&[
        "--json",
        "--db",
        &db,
        "--products",
        "500",
        "--requests",
        "200",
        "--db-latency-ms",
        "0",
        "--order-lines",
        "100",
        "--first-requests",
        "100",
        "--memo-requests",
        "100",
        "--herd",
        "10",
    ]);
    assert!(output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report.get("instances").is_none());
    assert!(report["options"].get("redis").is_none());
}
