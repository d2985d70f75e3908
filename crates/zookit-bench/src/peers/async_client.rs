//! The workloads of an async Rust client, written once for every such
//! client: zookit's here, `zookeeper-client`'s in `benches/zkclient.rs`.
//!
//! Runtimes: one current-thread Tokio runtime for the one-session
//! workloads (the client's own tasks share the thread with the workload),
//! and a multi-thread runtime with one worker per core for the parallel
//! sessions.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures_util::stream::{self, FuturesUnordered, StreamExt};

use crate::latency::Latency;
use crate::measure::{Meter, Outcome, rss_kb};
use crate::{Error, Job, Result, Workload};

/// A watch armed by [`AsyncClient::get_watch`]: resolves when its event is
/// delivered.
pub type WatchFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Requests in flight while arming watches (not measured).
const ARM_WINDOW: usize = 500;
/// How long an idle client rests before its memory is read.
const IDLE_REST: Duration = Duration::from_millis(500);
/// The longest wait for every watch event of one fan-out round.
const FANOUT_TIMEOUT: Duration = Duration::from_secs(60);

/// What the workloads need of an async client: one session per value.
pub trait AsyncClient: Clone + Send + Sync + Sized + 'static {
    /// Opens a session to `hosts` and waits until it is connected.
    fn connect(hosts: &str) -> impl Future<Output = Result<Self>> + Send;
    /// Closes the session and waits until it is closed.
    fn close(self) -> impl Future<Output = Result<()>> + Send;
    /// Creates a persistent node.
    fn create(&self, path: &str, data: &[u8]) -> impl Future<Output = Result<()>> + Send;
    /// Reads a node's data.
    fn get(&self, path: &str) -> impl Future<Output = Result<()>> + Send;
    /// Sets a node's data, whatever its version.
    fn set(&self, path: &str, data: &[u8]) -> impl Future<Output = Result<()>> + Send;
    /// Deletes a node, whatever its version.
    fn delete(&self, path: &str) -> impl Future<Output = Result<()>> + Send;
    /// Reads a node's data and leaves a one-shot data watch.
    fn get_watch(&self, path: &str) -> impl Future<Output = Result<WatchFuture>> + Send;
    /// Sets the data of every node in `paths` in one transaction.
    fn set_all(&self, paths: &[String], data: &[u8]) -> impl Future<Output = Result<()>> + Send;
}

/// The environment variable choosing the runtime of the async Rust clients:
/// `current` or `multi` (see [`run`]).
pub const RUNTIME_ENV: &str = "ZOOKIT_BENCH_RUNTIME";

/// Runs `job` with client `C`, on a runtime of its own.
pub fn run<C: AsyncClient>(job: &Job) -> Result<Outcome> {
    let multi = match std::env::var(RUNTIME_ENV).as_deref() {
        Ok("multi") => true,
        Ok("current") => false,
        _ => job.workload == Workload::Parallel,
    };
    let runtime = if multi {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?
    } else {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?
    };
    runtime.block_on(async {
        match job.workload {
            Workload::Sequential => sequential::<C>(job).await,
            Workload::PipelinedGet
            | Workload::PipelinedSet
            | Workload::LatencyGet
            | Workload::LatencySet => pipelined::<C>(job).await,
            Workload::Parallel => parallel::<C>(job).await,
            Workload::WatchFanout => watch_fanout::<C>(job).await,
            Workload::Connect => connect::<C>(job).await,
            Workload::IdleWatches => idle_watches::<C>(job).await,
            Workload::TreeExport | Workload::TreeImport => {
                Err(Error::msg(format!("{} has no tree workloads", job.peer)))
            }
        }
    })
}

/// Creates, gets, sets and deletes `n` nodes named `{prefix}{i}`, one at a
/// time.
async fn crud<C: AsyncClient>(client: &C, job: &Job, prefix: &str, n: u64) -> Result<()> {
    let value = job.value();
    let paths: Vec<String> = (0..n).map(|i| format!("{}/{prefix}{i}", job.path)).collect();
    for path in &paths {
        client.create(path, &value).await?;
    }
    for path in &paths {
        client.get(path).await?;
    }
    for path in &paths {
        client.set(path, &value).await?;
    }
    for path in &paths {
        client.delete(path).await?;
    }
    Ok(())
}

async fn sequential<C: AsyncClient>(job: &Job) -> Result<Outcome> {
    let client = C::connect(&job.hosts).await?;
    crud(&client, job, "w", job.warmup).await?;
    let meter = Meter::start()?;
    crud(&client, job, "n", job.count).await?;
    let outcome = meter.stop(4 * job.count)?;
    client.close().await?;
    Ok(outcome)
}

/// `count` gets or sets of the data nodes, `window` in flight. With
/// `timed`, returns each request's latency in nanoseconds (from its first
/// poll, which submits it, to its reply); else nothing (no clock reads).
async fn pipeline<C: AsyncClient>(
    client: &C,
    job: &Job,
    paths: &[String],
    count: u64,
    timed: bool,
) -> Result<Vec<u64>> {
    let set = job.workload.is_set();
    let value = job.value();
    let value = value.as_slice();
    let window = usize::try_from(job.window.max(1)).unwrap_or(usize::MAX);
    let mut replies = stream::iter(0..count)
        .map(|i| {
            let path = &paths[(i % paths.len() as u64) as usize];
            async move {
                let issued = timed.then(Instant::now);
                if set {
                    client.set(path, value).await?;
                } else {
                    client.get(path).await?;
                }
                Ok::<_, Error>(issued.map(|t| t.elapsed().as_nanos() as u64))
            }
        })
        .buffer_unordered(window);
    let mut latencies = Vec::with_capacity(if timed { count as usize } else { 0 });
    while let Some(reply) = replies.next().await {
        latencies.extend(reply?);
    }
    Ok(latencies)
}

/// `nanos` in whole microseconds, rounded, saturating.
fn micros(nanos: u64) -> u32 {
    u32::try_from(nanos.saturating_add(500) / 1000).unwrap_or(u32::MAX)
}

/// The pipelined and latency workloads.
async fn pipelined<C: AsyncClient>(job: &Job) -> Result<Outcome> {
    let client = C::connect(&job.hosts).await?;
    let paths = job.data_paths(job.nodes);
    let timed = job.workload.is_latency();
    pipeline(&client, job, &paths, job.warmup, timed).await?;
    let meter = Meter::start()?;
    let mut latencies = pipeline(&client, job, &paths, job.count, timed).await?;
    let mut outcome = meter.stop(job.count)?;
    outcome.latencies_us = latencies.iter().map(|&ns| micros(ns)).collect();
    outcome.latency = Latency::of_nanos(&mut latencies);
    client.close().await?;
    Ok(outcome)
}

/// Session `s`'s share of the parallel workload: `n` requests from `first`.
async fn mixed<C: AsyncClient>(client: C, job: Job, s: u64, first: u64, n: u64) -> Result<()> {
    let value = job.value();
    for j in first..first + n {
        let (node, set) = job.parallel_op(s, j);
        let path = job.data_path(node);
        if set {
            client.set(&path, &value).await?;
        } else {
            client.get(&path).await?;
        }
    }
    Ok(())
}

async fn run_sessions<C: AsyncClient>(clients: &[C], job: &Job, first: u64, n: u64) -> Result<()> {
    let tasks: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(s, client)| tokio::spawn(mixed(client.clone(), job.clone(), s as u64, first, n)))
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(())
}

async fn parallel<C: AsyncClient>(job: &Job) -> Result<Outcome> {
    let mut clients = Vec::new();
    for _ in 0..job.sessions {
        clients.push(C::connect(&job.hosts).await?);
    }
    run_sessions(&clients, job, 0, job.warmup).await?;
    let meter = Meter::start()?;
    run_sessions(&clients, job, job.warmup, job.count).await?;
    let outcome = meter.stop(job.sessions * job.count)?;
    for client in clients {
        client.close().await?;
    }
    Ok(outcome)
}

/// Arms a one-shot data watch on every path, many requests in flight.
async fn arm<C: AsyncClient>(client: &C, paths: &[String]) -> Result<Vec<WatchFuture>> {
    stream::iter(paths)
        .map(|path| client.get_watch(path))
        .buffer_unordered(ARM_WINDOW)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

async fn watch_fanout<C: AsyncClient>(job: &Job) -> Result<Outcome> {
    let watcher = C::connect(&job.hosts).await?;
    let writer = C::connect(&job.hosts).await?;
    let paths = job.data_paths(job.count);
    let value = job.value();
    let mut total = Outcome::default();
    for round in 0..job.warmup + job.rounds {
        let watches = arm(&watcher, &paths).await?;
        let meter = Meter::start()?;
        let mut pending: FuturesUnordered<WatchFuture> = watches.into_iter().collect();
        let delivered = async { while pending.next().await.is_some() {} };
        let (written, ()) = tokio::time::timeout(FANOUT_TIMEOUT, async {
            tokio::join!(writer.set_all(&paths, &value), delivered)
        })
        .await?;
        written?;
        let outcome = meter.stop(job.count)?;
        if round >= job.warmup {
            total.add(&outcome);
        }
    }
    watcher.close().await?;
    writer.close().await?;
    Ok(total)
}

async fn connect<C: AsyncClient>(job: &Job) -> Result<Outcome> {
    for _ in 0..job.warmup {
        C::connect(&job.hosts).await?.close().await?;
    }
    let meter = Meter::start()?;
    for _ in 0..job.count {
        C::connect(&job.hosts).await?.close().await?;
    }
    meter.stop(job.count)
}

async fn idle_watches<C: AsyncClient>(job: &Job) -> Result<Outcome> {
    let base = rss_kb()?;
    let client = C::connect(&job.hosts).await?;
    let meter = Meter::start()?;
    let watches = arm(&client, &job.data_paths(job.count)).await?;
    let mut outcome = meter.stop(job.count)?;
    tokio::time::sleep(IDLE_REST).await;
    outcome.rss_kb = Some(rss_kb()?);
    outcome.base_rss_kb = Some(base);
    drop(watches);
    client.close().await?;
    Ok(outcome)
}
