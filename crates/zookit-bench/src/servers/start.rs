//! From starting a server's process to its first answer, and its resident
//! memory once idle: each server started `server_starts` times, in
//! alternation.
//!
//! The clock starts just before the process is spawned and stops when the
//! first `getData("/")` is answered, through zookit's client in the
//! harness. The client connects as soon as the server says it serves: the
//! harness sends `srvr` every 2 ms, without waiting for the earlier ones
//! (up to 100 at once), until an answer has a `Mode:` line.
//! (Waiting for each answer instead measures the harness's patience:
//! Apache ZooKeeper accepts connections some time before it serves, and
//! what is sent on them then waits; a handshake, for the client's connect
//! timeout.) Apache ZooKeeper is started once beforehand (its data
//! directory made; not timed), then stopped, and each timed start is a
//! start of that member again (its data: an empty tree). The embedded
//! server starts on a fresh data directory each time. The memory is read
//! after the first answer, the session closed and a rest of
//! [`IDLE_REST`].

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};
use serde::Serialize;

use super::Server;
use crate::embedded::EmbeddedServer;
use crate::plan::Config;
use crate::{Error, Result, apache, process};

/// How long a started server rests before its memory is read.
pub const IDLE_REST: Duration = Duration::from_secs(1);
/// How often the harness asks a starting server whether it serves.
const POLL: Duration = Duration::from_millis(2);
/// The most `srvr` probes waiting for an answer at once.
const PROBES: usize = 100;
/// The longest a start may take until the first answer.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// One start of one server.
#[derive(Debug, Clone, Serialize)]
pub struct StartSample {
    /// Which server.
    pub server: Server,
    /// Milliseconds from spawning its process to the first answer.
    pub to_first_answer_ms: f64,
    /// Its resident memory, idle, having answered one session, in KiB.
    pub idle_rss_kb: u64,
}

/// Starts each server `config.sizes.server_starts` times.
pub fn run(config: &Config) -> Result<Vec<StartSample>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let dir = config.work_dir.join("servers");
    std::fs::create_dir_all(&dir)?;
    eprintln!("zookit-bench: starts of each server");
    let ensemble = apache::builder().parent_dir(&dir).start()?;
    ensemble.stop(0)?;
    let apache_hosts = ensemble.connect_string();
    let mut samples = Vec::new();
    for i in 0..config.sizes.server_starts {
        let order = if i % 2 == 0 {
            [Server::Apache, Server::Embedded]
        } else {
            [Server::Embedded, Server::Apache]
        };
        for server in order {
            let sample = match server {
                Server::Apache => {
                    let started = Instant::now();
                    ensemble.start_member_no_wait(0)?;
                    let elapsed = runtime.block_on(first_answer(&apache_hosts, started))?;
                    let pid = ensemble.pid(0).ok_or_else(|| Error::msg("Apache ZooKeeper died"))?;
                    let rss = idle_rss(pid)?;
                    ensemble.stop(0)?;
                    StartSample { server, to_first_answer_ms: elapsed, idle_rss_kb: rss }
                }
                Server::Embedded => {
                    let started = Instant::now();
                    let embedded =
                        EmbeddedServer::start(&config.zookit_binary, &dir.join("start"))?;
                    let elapsed = runtime.block_on(first_answer(embedded.addr(), started))?;
                    let rss = idle_rss(embedded.pid())?;
                    StartSample { server, to_first_answer_ms: elapsed, idle_rss_kb: rss }
                }
            };
            eprintln!(
                "[start {}/{}] {server}: first answer after {:.1} ms; idle {} KiB",
                i + 1,
                config.sizes.server_starts,
                sample.to_first_answer_ms,
                sample.idle_rss_kb
            );
            samples.push(sample);
        }
    }
    Ok(samples)
}

/// Connects to `hosts` as soon as it accepts, reads `/`, closes the
/// session: the milliseconds from `started` to the answer.
async fn first_answer(hosts: &str, started: Instant) -> Result<f64> {
    let addr: SocketAddr =
        hosts.parse().map_err(|_| Error::msg(format!("not an address: {hosts}")))?;
    let answered = tokio::time::timeout(START_TIMEOUT, async {
        let serving = |addr| async move {
            let answer = zookit::four_letter_word(addr, "srvr", START_TIMEOUT).await;
            answer.is_ok_and(|a| a.contains("Mode:"))
        };
        let mut probes = FuturesUnordered::new();
        let mut poll = tokio::time::interval(POLL);
        loop {
            tokio::select! {
                _ = poll.tick() => if probes.len() < PROBES {
                    probes.push(serving(addr));
                },
                Some(true) = probes.next() => break,
            }
        }
        drop(probes);
        let client =
            zookit::Client::builder(hosts).connection_timeout(START_TIMEOUT).connect().await?;
        client.get("/").await?;
        let elapsed = started.elapsed();
        client.close().await?;
        Ok::<_, Error>(elapsed)
    })
    .await
    .map_err(|_| Error::msg(format!("no answer from {hosts} within {START_TIMEOUT:?}")))??;
    Ok(answered.as_secs_f64() * 1e3)
}

/// The resident memory of `pid` after [`IDLE_REST`].
fn idle_rss(pid: u32) -> Result<u64> {
    std::thread::sleep(IDLE_REST);
    process::rss_kb(pid)
}
