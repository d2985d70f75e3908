//! The embedded server (`zookit serve`, in a process of its own) against
//! Apache ZooKeeper, both started by the harness and driven by the same
//! clients in one run:
//!
//! - [`throughput`]: pipelined gets and sets and the 8-session mix, with
//!   zookit's client and `zookeeper-client`, against both servers,
//!   interleaved; and each server's CPU time per request served;
//! - [`start`]: from starting the server's process to its first answer,
//!   and its resident memory once idle;
//! - [`million`]: its resident memory with a million 100-byte znodes.
//!
//! [`report`] makes the figures, the ratios and the targets.

pub mod million;
pub mod report;
pub mod start;
pub mod throughput;

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use zookit_testing::Ensemble;

use crate::child::{Launcher, run_driver};
use crate::embedded::EmbeddedServer;
use crate::plan::{Config, DATA, ServerWorkload};
use crate::{Error, Job, Peer, Result, Workload, apache, process};

/// A server under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Server {
    /// Apache ZooKeeper ([`apache`]).
    Apache,
    /// zookit's embedded server ([`crate::embedded`]).
    Embedded,
}

impl Server {
    /// Both, in report order.
    pub const ALL: [Server; 2] = [Server::Apache, Server::Embedded];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Server::Apache => "apache",
            Server::Embedded => "embedded",
        }
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A server under test, running (stopped when dropped).
#[derive(Debug)]
pub struct Running {
    /// Which server.
    pub server: Server,
    /// Where it listens, `host:port`.
    pub hosts: String,
    process: Process,
}

#[derive(Debug)]
enum Process {
    Apache(Box<Ensemble>),
    Embedded(EmbeddedServer),
}

impl Running {
    /// Starts `server` with its data below `config.work_dir` (the
    /// embedded server's in `servers/{name}`) and waits until it accepts
    /// connections.
    pub fn start(server: Server, config: &Config, name: &str) -> Result<Running> {
        let dir = config.work_dir.join("servers");
        std::fs::create_dir_all(&dir)?;
        let (hosts, process) = match server {
            Server::Apache => {
                let ensemble = apache::builder().parent_dir(&dir).start()?;
                (ensemble.connect_string(), Process::Apache(Box::new(ensemble)))
            }
            Server::Embedded => {
                let embedded = EmbeddedServer::start(&config.zookit_binary, &dir.join(name))?;
                (embedded.addr().to_owned(), Process::Embedded(embedded))
            }
        };
        Ok(Running { server, hosts, process })
    }

    /// The server's process id.
    pub fn pid(&self) -> Result<u32> {
        match &self.process {
            Process::Apache(ensemble) => {
                ensemble.pid(0).ok_or_else(|| Error::msg("Apache ZooKeeper is not running"))
            }
            Process::Embedded(embedded) => Ok(embedded.pid()),
        }
    }

    /// The CPU time the server's process has used so far.
    pub fn cpu(&self) -> Result<Duration> {
        process::cpu_time(self.pid()?)
    }

    /// The server process's resident memory, in KiB.
    pub fn rss_kb(&self) -> Result<u64> {
        process::rss_kb(self.pid()?)
    }

    /// The server, in words.
    pub fn describe(&self, config: &Config) -> String {
        match &self.process {
            Process::Apache(ensemble) => format!(
                "{}; JVM options {}; zookeeper.forceSync=no",
                apache::version(ensemble),
                apache::JVM_OPTIONS.join(" ")
            ),
            Process::Embedded(_) => format!(
                "{} serve --data-dir DIR --fsync never (zookit {})",
                config.zookit_binary.display(),
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

/// Warms the server at `hosts` up (a JVM's JIT) with `requests` pipelined
/// gets, then as many sets, 1,000 in flight, unless `requests` is 0.
pub fn warm_up(config: &Config, launcher: &Launcher, hosts: &str, requests: u64) -> Result<()> {
    if requests == 0 {
        return Ok(());
    }
    eprintln!("zookit-bench: warming the server at {hosts} up");
    for workload in [Workload::PipelinedGet, Workload::PipelinedSet] {
        let mut job = Job::new(Peer::Zookit.name(), workload, hosts);
        job.path = DATA.to_owned();
        job.nodes = config.sizes.data_nodes;
        job.count = requests;
        job.window = 1000;
        run_driver(launcher.command(&job), config.job_timeout)?;
    }
    Ok(())
}

/// The clients of the throughput parts: zookit's and `zookeeper-client`,
/// those of `config.peers` that `launcher` can run.
pub fn clients(config: &Config, launcher: &Launcher) -> Vec<Peer> {
    [Peer::Zookit, Peer::ZkClient]
        .into_iter()
        .filter(|&p| config.peers.contains(&p))
        .filter(|&p| p != Peer::ZkClient || launcher.has_zkclient())
        .collect()
}

/// Runs the parts of the comparison `config` asks for (prints progress to
/// standard error) and returns the report.
pub fn run(config: &Config, launcher: &Launcher) -> Result<report::ServerReport> {
    let mut report = report::ServerReport::default();
    let cases = config.server_cases();
    if !cases.is_empty() {
        let clients = clients(config, launcher);
        let run = throughput::run(config, launcher, &clients, &cases)?;
        report.servers = run.servers;
        report.throughput = report::summarize_throughput(&cases, &clients, &run.samples);
        report.cpu_us_per_request = report::pooled_cpu(&run.samples);
        report.failures = run.failures;
    }
    if config.server_workloads.contains(&ServerWorkload::Start) {
        report.start = Some(report::summarize_start(&start::run(config)?));
    }
    if config.server_workloads.contains(&ServerWorkload::Million) {
        report.million = million::run(config)?;
    }
    Ok(report)
}
