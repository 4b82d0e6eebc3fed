//! Regression tests for the demo's defects found by fault injection (issue
//! 15, items 11 to 13): files the demo must never overwrite, interrupts and
//! leftovers, and error messages. Each runs the demo binary as a user would.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::FileTypeExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A small, fast run: every scenario, tiny numbers (with `--requests`).
const SMALL: [&str; 16] = [
    "--requests",
    "100",
    "--products",
    "50",
    "--order-lines",
    "40",
    "--first-requests",
    "40",
    "--memo-requests",
    "100",
    "--herd",
    "10",
    "--db-latency-ms",
    "0",
    "--capacity",
    "20",
];

fn demo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cache-demo"))
        .args(args)
        .output()
        .expect("the demo binary runs")
}

/// A fresh directory of this test's own.
fn scratch_dir(test: &str) -> PathBuf {
    let dir: PathBuf = [env!("CARGO_TARGET_TMPDIR"), "cache-demo-faults", test].iter().collect();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs the demo on `db` and expects a refusal naming the path.
fn refused(db: &str) -> String {
    let mut args = vec!["--db", db, "--json"];
    args.extend(SMALL);
    let output = demo(&args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.starts_with("error: "), "{message}");
    assert!(message.contains(db), "the message names the user's path: {message}");
    assert!(!message.contains(".tmp"), "no scratch path: {message}");
    assert!(!message.contains("panicked"), "{message}");
    message
}

#[test]
fn a_text_file_is_refused_and_left_as_it_was() {
    let notes = scratch_dir("text").join("notes.txt");
    std::fs::write(&notes, "buy milk\n").unwrap();
    let message = refused(notes.to_str().unwrap());
    assert!(message.contains("is not a cache-demo catalog"), "{message}");
    assert!(message.contains("not a SQLite database"), "{message}");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "buy milk\n");
}

#[test]
fn a_users_own_sqlite_database_keeps_its_tables() {
    let own = scratch_dir("own-sqlite").join("app.db");
    let connection = rusqlite::Connection::open(&own).unwrap();
    connection
        .execute_batch("CREATE TABLE users (id INTEGER); INSERT INTO users VALUES (7);")
        .unwrap();
    drop(connection);
    let message = refused(own.to_str().unwrap());
    assert!(message.contains("no `meta` table"), "{message}");
    let connection = rusqlite::Connection::open(&own).unwrap();
    let id: i64 = connection.query_row("SELECT id FROM users", [], |r| r.get(0)).unwrap();
    assert_eq!(id, 7, "the user's table is intact");
}

#[test]
fn a_device_is_refused_and_stays_a_device() {
    let message = refused("/dev/null");
    assert!(message.contains("not a regular file"), "{message}");
    let kind = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(kind.is_char_device(), "/dev/null is still a device");
}

#[test]
fn a_directory_is_named_as_such_not_as_an_sqlite_error() {
    let dir = scratch_dir("a-directory");
    let message = refused(dir.to_str().unwrap());
    assert!(message.contains("is a directory"), "{message}");
    assert!(!message.contains("sqlite:"), "{message}");
}

#[test]
fn a_malformed_catalog_says_how_to_rebuild_it() {
    let db = scratch_dir("malformed").join("catalog.sqlite3");
    let connection = rusqlite::Connection::open(&db).unwrap();
    connection
        .execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
             INSERT INTO meta VALUES ('version', 1), ('products', 50);",
        )
        .unwrap();
    drop(connection);
    let message = refused(db.to_str().unwrap());
    assert!(message.contains("delete it and run the demo again to rebuild it"), "{message}");
    assert!(message.contains("no such table: products"), "{message}");
}

#[test]
fn leftovers_of_an_earlier_run_are_removed_and_the_catalog_is_reused_or_rebuilt() {
    let dir = scratch_dir("leftovers");
    let db = dir.join("catalog.sqlite3");
    // A scratch file of a process that no longer runs (pids stay below 2^22).
    let leftover = dir.join("catalog.sqlite3.99999999.tmp");
    std::fs::write(&leftover, vec![0_u8; 4096]).unwrap();
    let mut args = vec!["--db", db.to_str().unwrap(), "--json"];
    args.extend(SMALL);
    let output = demo(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!leftover.exists(), "the leftover was removed");
    // The demo's own catalog of another size is rebuilt in place.
    let rebuilt =
        demo(&["--db", db.to_str().unwrap(), "--json", "--products", "60", "--requests", "10"]);
    assert!(rebuilt.status.success(), "{}", stderr(&rebuilt));
    let report: Value = serde_json::from_slice(&rebuilt.stdout).unwrap();
    assert_eq!(report["database"]["created"], true);
}

/// Starts the demo with piped stderr, its lines sent to a channel.
fn spawn_demo(args: &[&str]) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cache-demo"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo binary runs");
    let (lines, receiver) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    (child, receiver)
}

fn interrupt(child: &std::process::Child) {
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

/// Waits for the child to exit, with a bound.
fn exit_code(child: &mut std::process::Child) -> Option<i32> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the demo did not exit after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(10)); // polling the exit, bounded above
    }
}

#[test]
fn ctrl_c_while_seeding_leaves_no_scratch_file_and_exits_130() {
    let dir = scratch_dir("ctrl-c-seeding");
    let db = dir.join("catalog.sqlite3");
    let (mut child, lines) = spawn_demo(&["--db", db.to_str().unwrap(), "--products", "10000000"]);
    let scratch = dir.join(format!("catalog.sqlite3.{}.tmp", child.id()));
    let started = Instant::now();
    while !scratch.exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "seeding never started");
        std::thread::sleep(Duration::from_millis(10)); // polling for the file, bounded above
    }
    interrupt(&child);
    assert_eq!(exit_code(&mut child), Some(130));
    let said: Vec<String> = lines.try_iter().collect();
    assert!(said.iter().any(|l| l == "interrupted while preparing the catalog"), "{said:?}");
    assert!(!scratch.exists(), "the scratch file was removed");
    assert!(!db.exists(), "no half-seeded catalog");
}

#[test]
fn ctrl_c_mid_run_prints_the_scenarios_finished_and_exits_130() {
    let db = scratch_dir("ctrl-c-mid-run").join("catalog.sqlite3");
    let mut args = vec!["--db", db.to_str().unwrap()];
    args.extend(&SMALL[2..]); // all but --requests
    // Steady traffic that would run for half an hour, one request at a time.
    args.extend(["--requests", "2000000", "--concurrency", "1"]);
    let (mut child, lines) = spawn_demo(&args);
    let started = Instant::now();
    let mut said = Vec::new();
    while !said.iter().any(|l: &String| l.starts_with("running steady traffic")) {
        let left = Duration::from_secs(120).saturating_sub(started.elapsed());
        said.push(lines.recv_timeout(left).expect("the demo reached steady traffic"));
    }
    interrupt(&child);
    assert_eq!(exit_code(&mut child), Some(130));
    said.extend(lines.iter());
    let text = said.join("\n");
    assert!(text.contains("interrupted; 2 of 7 scenarios finished:"), "{text}");
    assert!(text.contains("thundering herd: 10 concurrent requests"), "{text}");
    assert!(text.contains("fan-out: 40 order lines"), "{text}");
}

#[test]
fn a_negative_count_says_it_must_be_positive() {
    let output = demo(&["--requests", "-5"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("must be positive"), "{message}");
    assert!(!message.contains("unexpected argument"), "{message}");
}

#[test]
fn json_reports_the_values_used_and_one_of_a_thing_reads_singular() {
    let db = scratch_dir("json-and-singular").join("catalog.sqlite3");
    let db = db.to_str().unwrap();
    let one = [
        "--db",
        db,
        "--products",
        "1",
        "--requests",
        "5",
        "--order-lines",
        "1",
        "--first-requests",
        "1",
        "--memo-requests",
        "5",
        "--herd",
        "1",
        "--db-latency-ms",
        "0",
        "--capacity",
        "1",
        "--pool-size",
        "1",
    ];
    let mut json = one.to_vec();
    json.push("--json");
    let output = demo(&json);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let options = &report["options"];
    for derived in ["keys", "order_products", "hot_set"] {
        assert_eq!(options[derived], 1, "{derived}: {options}");
    }
    assert_eq!(options["db"], db);

    let output = demo(&one);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("fan-out: 1 order line over 1 product,"), "{table}");
    assert!(table.contains("(1 product, "), "{table}");
    assert!(table.contains("pool of 1 connection\n"), "{table}");
    assert!(!table.contains("1 products") && !table.contains("1 order lines"), "{table}");
}
