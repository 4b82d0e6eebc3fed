//! What the demo's test binaries share: running the binary as a user would.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the demo binary with `args`.
pub(crate) fn demo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cache-demo"))
        .args(args)
        .output()
        .expect("the demo binary runs")
}

/// A database path under the test target's temporary directory.
pub(crate) fn db_path(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_TARGET_TMPDIR"), "cache-demo", name].iter().collect();
    path.display().to_string()
}
