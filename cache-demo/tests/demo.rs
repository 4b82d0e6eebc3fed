//! Runs the demo binary as a user would, with small parameters, and checks
//! what it prints.

use serde_json::Value;

mod support;
use support::{db_path, demo};

#[test]
fn the_cache_saves_queries_in_every_scenario() {
    let db = db_path("catalog-it.sqlite3");
    let output = demo(&[
        "--json",
        "--db",
        &db,
        "--products",
        "2000",
        "--requests",
        "2000",
        "--db-latency-ms",
        "1",
        "--order-lines",
        "1000",
        "--first-requests",
        "1000",
        "--memo-requests",
        "2000",
        "--store",
        "policy:tinylfu",
        "--trouble-ms",
        "1500",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the demo failed: {stderr}");
    assert!(stderr.is_empty(), "--json keeps stderr quiet: {stderr}");
    let report: Value =
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");

    let scenarios = report["scenarios"].as_array().expect("a list of scenarios");
    let ids: Vec<&str> = scenarios.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["herd", "fanout", "steady", "warmup", "memoized", "outage", "slow"]);
    for scenario in &scenarios[..5] {
        let queries = |side: &str| scenario[side]["queries"].as_u64().unwrap();
        assert!(
            queries("with") < queries("without"),
            "{}: {} queries with the cache, {} without",
            scenario["id"],
            queries("with"),
            queries("without")
        );
    }

    let herd = &scenarios[0];
    assert_eq!(herd["without"]["queries"], 1_000, "one query per request without the cache");
    assert_eq!(herd["with"]["queries"], 1, "one query for the whole herd with the cache");
    // The rest waited for that query, or came after it and hit.
    let coalesced = herd["with"]["coalesced"].as_u64().unwrap();
    assert!((1..=999).contains(&coalesced), "{coalesced} requests joined the load");
    assert_eq!(herd["with"]["requests"], 1_000);

    let fanout = &scenarios[1];
    assert_eq!(fanout["without"]["queries"], 1_000);
    let batches = fanout["with"]["batches"].as_u64().unwrap();
    assert_eq!(fanout["with"]["queries"].as_u64(), Some(batches), "every query was a batch");
    assert!(batches >= 5, "500 products in batches of at most 100: {batches}");

    let steady = &scenarios[2];
    let hit_rate = steady["with"]["hit_rate"].as_f64().unwrap();
    assert!(hit_rate > 0.3 && hit_rate < 1.0, "Zipf traffic mostly hits: {hit_rate}");
    assert_eq!(steady["with"]["requests"], 2_000);

    let warmup = &scenarios[3];
    assert_eq!(warmup["with"]["warmup_queries"], 20, "2,000 products in batches of 100");

    // The database fails for the middle third: a plain cache's callers see
    // errors once entries expire; with fail-safe they see none, served the
    // values kept aside.
    let outage = &scenarios[5];
    let errors = |side: &str| outage[side]["errors"].as_u64().unwrap();
    assert!(errors("without") > 0, "the outage hurts a plain cache");
    assert_eq!(errors("with"), 0, "fail-safe: no caller sees the outage");
    assert!(outage["with"]["stale_served"].as_u64().unwrap() > 0);
    // A slow database: the soft timeout caps how long a caller waits.
    let slow = &scenarios[6];
    let max = |side: &str| slow[side]["max_us"].as_f64().unwrap();
    assert!(max("without") >= 150_000.0, "a plain cache waits for the slow query");
    assert!(max("with") < 150_000.0, "the soft timeout answers first: {}", max("with"));
    assert!(slow["with"]["stale_served"].as_u64().unwrap() > 0);

    let prometheus = report["prometheus"].as_str().unwrap();
    for cache in ["herd", "fanout", "steady", "warmup_cold", "warmup_warm", "memoized"] {
        let series = format!("cache_misses_total{{cache=\"{cache}\"}}");
        assert!(prometheus.contains(&series), "{series} missing from:\n{prometheus}");
    }
    assert!(prometheus.contains("# TYPE cache_hits_total counter"));
    assert!(prometheus.contains("cache_batches_total{cache=\"fanout\"}"));
}

#[test]
fn bad_options_get_a_message_and_a_non_zero_exit() {
    let cases: [&[&str]; 6] = [
        &["--concurrency", "0"],
        &["--requests", "0"],
        &["--store", "redis"],
        &["--store", "policy:random"],
        &["--zipf", "-1"],
        &["--products", "10", "--keys", "20"],
    ];
    for args in cases {
        let output = demo(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn an_unusable_database_path_is_an_error_not_a_panic() {
    let output = demo(&["--db", "/proc/cache-demo/catalog.sqlite3", "--products", "10", "--json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error:"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn help_names_every_option() {
    let output = demo(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--requests",
        "--keys",
        "--concurrency",
        "--store",
        "--db-latency-ms",
        "--products",
        "--json",
    ] {
        assert!(help.contains(option), "{option} missing from --help:\n{help}");
    }
}
