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

use std::process::ExitCode;
use std::sync::Arc;
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
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error.into()),
    };
    match runtime.block_on(run(options)) {
        Ok(report) => {
            if json {
                println!("{}", report.to_json());
            } else {
                print!("{}", report.to_table());
            }
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error),
    }
}

fn fail(error: &BoxError) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::FAILURE
}

/// Seeds the database, runs every scenario and collects the report.
async fn run(options: Options) -> Result<Report, BoxError> {
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
    let catalog = Catalog::new(&path, usize::try_from(options.pool_size)?, options.db_latency());
    let context = Context { options, catalog: Arc::new(catalog) };

    let mut scenarios = Vec::with_capacity(5);
    let step = |name: &str| {
        if !context.options.json {
            eprintln!("running {name} ...");
        }
    };
    step("the thundering herd");
    scenarios.push(scenarios::herd::run(&context).await?);
    step("the fan-out");
    scenarios.push(scenarios::fanout::run(&context).await?);
    step("steady traffic");
    scenarios.push(scenarios::steady::run(&context).await?);
    step("warmup");
    scenarios.push(scenarios::warmup::run(&context).await?);
    step("the memoized function");
    scenarios.push(scenarios::memoized::run(&context).await?);

    Ok(Report {
        database: Database {
            path: path.display().to_string(),
            products,
            created: seeded.created,
            seed_ms: seeded.took.as_secs_f64() * 1e3,
        },
        options: context.options,
        scenarios,
        elapsed_s: started.elapsed().as_secs_f64(),
        prometheus: prometheus.render(),
    })
}
