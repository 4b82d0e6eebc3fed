//! Driving a stream of requests at a fixed concurrency and timing each one.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cache_facade::BoxError;
use indicatif::ProgressBar;

use crate::measurement::Latencies;

/// How often a worker reports its progress, in requests.
const PROGRESS_EVERY: u64 = 64;

/// Sends `request(id)` for every id of `ids`, with at most `concurrency` in
/// flight (each of `concurrency` workers takes the next id when its request
/// ends). Returns every request's latency and the wall time; stops at the
/// first failed request and returns its error.
pub(crate) async fn drive<F, Fut>(
    ids: Arc<[u64]>,
    concurrency: usize,
    progress: &ProgressBar,
    request: F,
) -> Result<(Latencies, Duration), BoxError>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send + 'static,
{
    let request = Arc::new(request);
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let workers = concurrency.clamp(1, ids.len().max(1));
    let started = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (ids, request, next, failed) =
                (Arc::clone(&ids), Arc::clone(&request), Arc::clone(&next), Arc::clone(&failed));
            let progress = progress.clone();
            tokio::spawn(async move {
                let mut samples = Vec::with_capacity(ids.len() / workers + 1);
                while !failed.load(Ordering::Relaxed) {
                    let Some(&id) = ids.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                    let sent = Instant::now();
                    if let Err(error) = request(id).await {
                        failed.store(true, Ordering::Relaxed);
                        return Err(error);
                    }
                    samples.push(sent.elapsed());
                    if samples.len() as u64 % PROGRESS_EVERY == 0 {
                        progress.inc(PROGRESS_EVERY);
                    }
                }
                progress.inc(samples.len() as u64 % PROGRESS_EVERY);
                Ok(samples)
            })
        })
        .collect();
    let mut parts = Vec::with_capacity(workers);
    let mut first_error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(samples)) => parts.push(samples),
            Ok(Err(error)) => {
                first_error.get_or_insert(error);
            }
            Err(join) => {
                first_error.get_or_insert_with(|| Box::new(join));
            }
        }
    }
    let wall = started.elapsed();
    match first_error {
        Some(error) => Err(error),
        None => Ok((Latencies::merge(parts), wall)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;

    use super::*;

    #[tokio::test]
    async fn every_request_runs_once_and_errors_stop_the_run() {
        let seen = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&seen);
        let ids: Arc<[u64]> = (1..=1_000).collect();
        let (run, _) = drive(Arc::clone(&ids), 8, &ProgressBar::hidden(), move |id| {
            counted.fetch_add(id, Ordering::Relaxed);
            async { Ok(()) }
        })
        .await
        .unwrap();
        assert_eq!(run.len(), 1_000);
        assert_eq!(seen.load(Ordering::Relaxed), 500_500);

        let failed = drive(ids, 4, &ProgressBar::hidden(), |id| async move {
            if id == 10 { Err::<(), BoxError>("boom".into()) } else { Ok(()) }
        })
        .await;
        assert_eq!(failed.unwrap_err().to_string(), "boom");
    }
}
