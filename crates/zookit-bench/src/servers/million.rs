//! The resident memory with a million 100-byte znodes: each server started
//! fresh (one after the other, never both at once), the znodes created
//! through zookit's client in the harness (`million_parents` parents under
//! `/zkb/m`, `million_nodes` children spread over them, 1,000 requests in
//! flight), then the server process's `VmRSS` read once it has settled.
//!
//! "Settled": read every second until two readings in a row differ by
//! less than 1%, at most [`SETTLE_LIMIT`]. The harness cannot call the
//! JVM's `System.gc()`, and with `-Xms1g` G1 keeps the pages it has
//! touched: Apache ZooKeeper's figure is its process as the creates left
//! it, garbage included, which is what a server holding that data
//! occupies with these JVM options. For scale, the harness then asks the
//! JVM for a full collection with `jcmd PID GC.run` (if `jcmd` is there)
//! and reports the heap still in use after it (`GC.heap_info`): the live
//! data, without the JVM's own memory; it judges nothing on it.

use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;

use super::{Running, Server};
use crate::child::run_bounded;
use crate::plan::Config;
use crate::{Job, Result, Workload};

/// Requests in flight while creating.
const WINDOW: usize = 1_000;
/// The longest wait for the memory to settle.
pub const SETTLE_LIMIT: Duration = Duration::from_secs(30);
/// The longest a `jcmd` may take.
const JCMD_TIMEOUT: Duration = Duration::from_secs(120);
/// The parent of the parents.
const ROOT: &str = "/zkb/m";

/// One server with the znodes.
#[derive(Debug, Clone, Serialize)]
pub struct MillionSample {
    /// Which server.
    pub server: Server,
    /// Znodes created (the children; their parents not counted).
    pub nodes: u64,
    /// Creates per second (all of them, parents included).
    pub creates_per_s: f64,
    /// Resident memory before the creates (one session answered), KiB.
    pub base_rss_kb: u64,
    /// Resident memory with the znodes, settled, KiB.
    pub rss_kb: u64,
    /// Seconds waited for it to settle.
    pub settle_s: f64,
    /// Apache ZooKeeper only: its Java heap in use after a full collection
    /// asked for with `jcmd`, KiB (`None` without `jcmd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_heap_kb: Option<u64>,
}

/// Fills each server in turn and reads its memory.
pub fn run(config: &Config) -> Result<Vec<MillionSample>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut samples = Vec::new();
    for server in Server::ALL {
        eprintln!(
            "zookit-bench: {} znodes of 100 bytes on a fresh {server} server",
            config.sizes.million_nodes
        );
        let running = Running::start(server, config, "million")?;
        let mut sample = runtime.block_on(fill(config, &running))?;
        if server == Server::Apache {
            sample.live_heap_kb = live_heap_kb(running.pid()?);
        }
        eprintln!(
            "zookit-bench: {server}: {:.0} creates/s; {} KiB before, {} KiB with the znodes \
             (settled in {:.0} s)",
            sample.creates_per_s, sample.base_rss_kb, sample.rss_kb, sample.settle_s
        );
        samples.push(sample);
    }
    Ok(samples)
}

async fn fill(config: &Config, running: &Running) -> Result<MillionSample> {
    let sizes = &config.sizes;
    let client = zookit::Client::connect(running.hosts.as_str()).await?;
    client.ensure_path(ROOT).await?;
    let base_rss_kb = running.rss_kb()?;
    let value = Job::new("", Workload::Sequential, "").value();
    let parents = sizes.million_parents.max(1);
    let per_parent = sizes.million_nodes.div_ceil(parents);
    let parent = |i: u64| format!("{ROOT}/p{i:04}");
    let started = Instant::now();
    stream::iter(0..parents)
        .map(|i| client.create(&parent(i), b"").into_future())
        .buffer_unordered(WINDOW)
        .try_collect::<Vec<_>>()
        .await?;
    stream::iter(0..sizes.million_nodes)
        .map(|i| {
            let path = format!("{}/n{:06}", parent(i / per_parent), i % per_parent);
            let (client, value) = (&client, &value);
            async move { client.create(&path, value).await }
        })
        .buffer_unordered(WINDOW)
        .try_for_each(|_| async { Ok(()) })
        .await?;
    let created = started.elapsed();
    client.close().await?;
    let settling = Instant::now();
    let mut rss_kb = running.rss_kb()?;
    while settling.elapsed() < SETTLE_LIMIT {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = running.rss_kb()?;
        let settled = now.abs_diff(rss_kb) * 100 < rss_kb;
        rss_kb = now;
        if settled {
            break;
        }
    }
    Ok(MillionSample {
        server: running.server,
        nodes: sizes.million_nodes,
        creates_per_s: (parents + sizes.million_nodes) as f64 / created.as_secs_f64(),
        base_rss_kb,
        rss_kb,
        settle_s: settling.elapsed().as_secs_f64(),
        live_heap_kb: None,
    })
}

/// The heap in use of the JVM `pid` after a full collection, KiB, asked
/// of `jcmd`; `None` if it cannot say.
fn live_heap_kb(pid: u32) -> Option<u64> {
    let jcmd = |what: &str| {
        let mut command = Command::new("jcmd");
        command.args([pid.to_string().as_str(), what]);
        run_bounded(command, JCMD_TIMEOUT).ok().filter(|o| o.success).map(|o| o.stdout)
    };
    jcmd("GC.run")?;
    parse_heap_used_kb(&jcmd("GC.heap_info")?)
}

/// The `used` of the heap line of `GC.heap_info`, such as
/// ` garbage-first heap   total 1048576K, used 412345K [0x...`.
fn parse_heap_used_kb(info: &str) -> Option<u64> {
    let line = info.lines().find(|l| l.contains(" heap ") && l.contains("used "))?;
    let used = &line[line.find("used ")? + 5..];
    used[..used.find('K')?].trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_heap_in_use_of_heap_info() {
        let info = "4242:\n garbage-first heap   total 1048576K, used 412345K [0x00000000c0000000, \
                    0x0000000100000000)\n  region size 1024K, 5 young (5120K), 0 survivors (0K)\n \
                    Metaspace       used 20480K, committed 20736K, reserved 1114112K\n";
        assert_eq!(parse_heap_used_kb(info), Some(412_345));
        assert_eq!(parse_heap_used_kb("4242:\nno such command"), None);
    }
}
