//! `cache-demo`: a product-catalog service over an embedded SQLite database,
//! run without and with [`cache_facade::AsyncCache`], side by side.
//!
//! ```sh
//! cargo run --release -p cache-demo              # the table
//! cargo run --release -p cache-demo -- --help    # every option
//! cargo run --release -p cache-demo -- --json    # one JSON document
//! ```
//!
//! The catalog is created and seeded on first run (one transaction, one
//! prepared statement) and queried through a small connection pool on tokio's
//! blocking threads; each query first waits a simulated network round trip.
//! At the end, every cache's metrics are rendered in the Prometheus text
//! format by `metrics-exporter-prometheus`, the recorder the caches report to.
#![forbid(unsafe_code)]

mod caches;
mod db;
mod error;
mod instances;
mod measurement;
mod options;
mod pool;
mod product;
mod progress;
mod report;
mod scenarios;
mod seed;
mod traffic;
mod zipf;

use std::future::Future as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use cache_facade::BoxError;
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use metrics_exporter_prometheus::PrometheusBuilder;

use crate::db::Catalog;
use crate::options::Options;
use crate::report::{Database, Report};
use crate::scenarios::Context;

fn main() -> ExitCode {
    let options = Options::parse();
    if let Err(message) = options.validate() {
        Options::command().error(ErrorKind::ValueValidation, message).exit();
    }
    let json = options.json;
    let path = options.db_path();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error.into()),
    };
    let progress = Progress::default();
    let outcome = runtime.block_on(async {
        // Listen for Ctrl-C before any work starts (a first poll registers).
        let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
        let listening = std::future::poll_fn(|cx| Poll::Ready(interrupted.as_mut().poll(cx)));
        if let Poll::Ready(result) = listening.await {
            return result.err().map(|e| Err(format!("cannot listen for Ctrl-C: {e}").into()));
        }
        tokio::select! {
            biased;
            _ = &mut interrupted => None,
            report = run(options, &progress) => Some(report),
        }
    });
    match outcome {
        Some(Ok(report)) => {
            if json {
                println!("{}", report.to_json());
            } else {
                print!("{}", report.to_table());
            }
            ExitCode::SUCCESS
        }
        Some(Err(error)) => fail(&error),
        None => {
            // A seed in progress must not leave its scratch file behind, and
            // the exit must not wait for it.
            let _ = std::fs::remove_file(seed::scratch_path(&path));
            runtime.shutdown_background();
            eprintln!("{}", progress.interrupted());
            ExitCode::from(130)
        }
    }
}

fn fail(error: &BoxError) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::FAILURE
}

/// What a run finished so far, for the message of an interrupted run.
#[derive(Debug, Default)]
struct Progress {
    /// Whether the catalog is ready.
    seeded: std::sync::atomic::AtomicBool,
    /// The scenarios finished, each with its one-line summary.
    finished: std::sync::Mutex<Vec<String>>,
}

impl Progress {
    /// The one-line (or, with scenarios finished, a few lines) message
    /// printed on Ctrl-C.
    fn interrupted(&self) -> String {
        let finished = self.finished.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if finished.is_empty() {
            let stage = if self.seeded.load(std::sync::atomic::Ordering::SeqCst) {
                "before any scenario finished"
            } else {
                "while preparing the catalog"
            };
            return format!("interrupted {stage}");
        }
        let mut message =
            format!("interrupted; {} of {} scenarios finished:", finished.len(), scenarios::COUNT);
        for line in finished.iter() {
            message.push_str("\n  ");
            message.push_str(line);
        }
        message
    }
}

/// Seeds the database, runs every scenario and collects the report.
async fn run(options: Options, progress: &Progress) -> Result<Report, BoxError> {
    let started = Instant::now();
    // The recorder must be in place before the first cache is built: caches
    // register their metric handles when they are built.
    let recorder = PrometheusBuilder::new().build_recorder();
    let prometheus = recorder.handle();
    metrics::set_global_recorder(recorder)
        .map_err(|e| format!("cannot install the Prometheus recorder: {e}"))?;

    let path = options.db_path();
    let products = options.products;
    if !options.json {
        eprintln!("preparing {} products in {} ...", products, path.display());
    }
    let seed_path = path.clone();
    let seeded =
        tokio::task::spawn_blocking(move || seed::ensure_seeded(&seed_path, products)).await??;
    progress.seeded.store(true, std::sync::atomic::Ordering::SeqCst);
    let catalog = Catalog::new(&path, usize::try_from(options.pool_size)?, options.db_latency());
    let context = Context { options, catalog: Arc::new(catalog) };

    let mut scenarios = Vec::with_capacity(scenarios::COUNT);
    let step = |name: &str| {
        if !context.options.json {
            eprintln!("running {name} ...");
        }
    };
    let done = |scenarios: &mut Vec<scenarios::Comparison>, scenario| {
        progress
            .finished
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(report::summary(&scenario));
        scenarios.push(scenario);
    };
    step("the thundering herd");
    done(&mut scenarios, scenarios::herd::run(&context).await?);
    step("the fan-out");
    done(&mut scenarios, scenarios::fanout::run(&context).await?);
    step("steady traffic");
    done(&mut scenarios, scenarios::steady::run(&context).await?);
    step("warmup");
    done(&mut scenarios, scenarios::warmup::run(&context).await?);
    step("the memoized function");
    done(&mut scenarios, scenarios::memoized::run(&context).await?);
    step("a database outage");
    done(&mut scenarios, scenarios::resilience::outage(&context).await?);
    step("a slow database");
    done(&mut scenarios, scenarios::resilience::slow(&context).await?);
    let instances = match context.options.redis.clone() {
        Some(url) => {
            step("several instances over Redis");
            Some(instances::run(&context, &url).await?)
        }
        None => None,
    };

    Ok(Report {
        database: Database {
            path: path.display().to_string(),
            products,
            created: seeded.created,
            seed_ms: seeded.took.as_secs_f64() * 1e3,
        },
        options: context.options.resolved(),
        scenarios,
        instances,
        elapsed_s: started.elapsed().as_secs_f64(),
        prometheus: prometheus.render(),
    })
}
