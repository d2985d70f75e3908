//! What a run measures: the sizes, the cases (a workload, with its window
//! for the pipelined ones), each peer's job for a case, and the parts of
//! the comparison of the servers.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::{Job, Peer, Result, Workload};

/// Where the fixtures live on the server.
pub const ROOT: &str = "/zkb";
/// The data nodes the pipelined and parallel workloads read and write.
pub const DATA: &str = "/zkb/data";
/// The nodes the watch fan-out watches.
pub const WATCHED: &str = "/zkb/watch";
/// The nodes an idle client watches.
pub const IDLE: &str = "/zkb/idle";
/// The tree every export reads.
pub const TREE: &str = "/zkb/tree/src";

/// How much each workload does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sizes {
    /// Nodes created, read, updated and deleted one at a time.
    pub sequential: u64,
    /// Requests per pipelined run.
    pub pipelined: u64,
    /// Requests in flight, one case each.
    pub windows: Vec<u64>,
    /// Requests per latency run.
    pub latency: u64,
    /// Requests in flight of the latency runs, one case each.
    pub latency_windows: Vec<u64>,
    /// Runs of each latency case per peer and round, the peers' order
    /// rotating from one to the next: short runs, close in time, so that
    /// the machine's noise hits every peer alike (a p99 is more sensitive
    /// to it than a throughput).
    pub latency_repeats: u32,
    /// Data nodes (`/zkb/data/n00000`, ...).
    pub data_nodes: u64,
    /// Parallel sessions.
    pub sessions: u64,
    /// Requests per parallel session.
    pub per_session: u64,
    /// Watches of the fan-out.
    pub watches: u64,
    /// Fan-out repetitions per run.
    pub watch_rounds: u64,
    /// Top-level nodes of the tree.
    pub tree_top: u64,
    /// Children of each top-level node.
    pub tree_children: u64,
    /// Connect-and-close cycles.
    pub connects: u64,
    /// Watches of the idle client.
    pub idle_watches: u64,
    /// Requests of the server's JIT warm-up before the first measurement.
    pub server_warmup: u64,
    /// The same, for the server with fsync on (which the latency workloads
    /// use).
    pub fsync_server_warmup: u64,
    /// Requests in flight of the pipelined cases of the server comparison.
    pub server_windows: Vec<u64>,
    /// Starts of each server (start to first answer, idle memory).
    pub server_starts: u32,
    /// Znodes of 100 bytes created before each server's memory is read.
    pub million_nodes: u64,
    /// Their parents (each with `million_nodes / million_parents`
    /// children).
    pub million_parents: u64,
}

impl Sizes {
    /// The sizes of the issue.
    pub fn full() -> Self {
        Sizes {
            sequential: 2_000,
            pipelined: 100_000,
            windows: vec![100, 1_000, 5_000],
            latency: 12_500,
            latency_windows: vec![16, 64, 256],
            latency_repeats: 4,
            data_nodes: 1_000,
            sessions: 8,
            per_session: 5_000,
            watches: 1_000,
            watch_rounds: 20,
            tree_top: 100,
            tree_children: 99,
            connects: 100,
            idle_watches: 10_000,
            server_warmup: 300_000,
            fsync_server_warmup: 100_000,
            server_windows: vec![1_000],
            server_starts: 5,
            million_nodes: 1_000_000,
            million_parents: 1_000,
        }
    }

    /// Tiny sizes: every workload once, quickly (the smoke test).
    pub fn smoke() -> Self {
        Sizes {
            sequential: 10,
            pipelined: 200,
            windows: vec![10, 50],
            latency: 400,
            latency_repeats: 1,
            // One window deep enough for paced reads.
            latency_windows: vec![8, 100],
            data_nodes: 20,
            sessions: 8,
            per_session: 10,
            watches: 20,
            watch_rounds: 1,
            tree_top: 3,
            tree_children: 4,
            connects: 2,
            idle_watches: 50,
            server_warmup: 0,
            fsync_server_warmup: 0,
            server_windows: vec![50],
            server_starts: 1,
            million_nodes: 2_000,
            million_parents: 10,
        }
    }

    /// Nodes of the tree.
    pub fn tree_nodes(&self) -> u64 {
        self.tree_top * (1 + self.tree_children)
    }
}

/// Everything about a run.
#[derive(Debug, Clone)]
pub struct Config {
    /// How much each workload does.
    pub sizes: Sizes,
    /// How many times every case runs for every peer (interleaved: each
    /// round runs every case for every peer once).
    pub rounds: u32,
    /// The peers to run (those that cannot be prepared are skipped, and
    /// said so).
    pub peers: Vec<Peer>,
    /// The workloads to run (all by default).
    pub workloads: Vec<Workload>,
    /// The parts of the server comparison to run (all by default).
    pub server_workloads: Vec<ServerWorkload>,
    /// The `zookit` executable whose `serve` is compared with Apache
    /// ZooKeeper.
    pub zookit_binary: PathBuf,
    /// Where the tree text and the compiled Java driver go.
    pub work_dir: PathBuf,
    /// The virtualenv with kazoo (made if missing).
    pub venv: PathBuf,
    /// The results, as JSON.
    pub results: PathBuf,
    /// The longest making the virtualenv (or compiling the Java driver) may take.
    pub setup_timeout: Duration,
    /// The longest one job may take.
    pub job_timeout: Duration,
}

impl Config {
    /// The full benchmark, writing below `target` (the Cargo target
    /// directory): `bench/` and `bench-results.json`; the virtualenv is
    /// [`venv_dir`](crate::venv_dir).
    pub fn full(target: PathBuf) -> Self {
        Config {
            sizes: Sizes::full(),
            rounds: 3,
            peers: Peer::ALL.to_vec(),
            workloads: Workload::ALL.to_vec(),
            server_workloads: ServerWorkload::ALL.to_vec(),
            zookit_binary: crate::embedded::release_binary(),
            work_dir: target.join("bench"),
            venv: crate::venv_dir(),
            results: target.join("bench-results.json"),
            setup_timeout: Duration::from_secs(600),
            job_timeout: Duration::from_secs(900),
        }
    }

    /// The smoke test's run: tiny sizes, one round, results in `work_dir`,
    /// the virtualenv at `venv` (shared with the benchmark), the server
    /// `zookit_binary`.
    pub fn smoke(work_dir: PathBuf, venv: PathBuf, zookit_binary: PathBuf) -> Self {
        Config {
            sizes: Sizes::smoke(),
            rounds: 1,
            peers: Peer::ALL.to_vec(),
            workloads: Workload::ALL.to_vec(),
            server_workloads: ServerWorkload::ALL.to_vec(),
            zookit_binary,
            results: work_dir.join("bench-results.json"),
            work_dir,
            venv,
            setup_timeout: Duration::from_secs(240),
            job_timeout: Duration::from_secs(180),
        }
    }

    /// The cases, in report order.
    pub fn cases(&self) -> Vec<Case> {
        let mut cases = vec![Case::new(Workload::Sequential)];
        for workload in [Workload::PipelinedGet, Workload::PipelinedSet] {
            cases.extend(self.sizes.windows.iter().map(|&w| Case { workload, window: Some(w) }));
        }
        for workload in [Workload::LatencyGet, Workload::LatencySet] {
            let windows = &self.sizes.latency_windows;
            cases.extend(windows.iter().map(|&w| Case { workload, window: Some(w) }));
        }
        cases.extend(
            [
                Workload::Parallel,
                Workload::WatchFanout,
                Workload::TreeExport,
                Workload::TreeImport,
                Workload::Connect,
                Workload::IdleWatches,
            ]
            .map(Case::new),
        );
        cases.retain(|case| self.workloads.contains(&case.workload));
        cases
    }

    /// Keeps only the workloads named in `names` (comma-separated): the
    /// clients' [`Workload`]s, the server comparison's
    /// [`ServerWorkload`]s, and `server` for all of the latter.
    pub fn select_workloads(&mut self, names: &str) -> Result<()> {
        self.workloads.clear();
        self.server_workloads.clear();
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name == "server" {
                self.server_workloads.extend(ServerWorkload::ALL);
            } else if let Some(part) = ServerWorkload::from_name(name) {
                self.server_workloads.push(part);
            } else {
                self.workloads.push(Workload::from_name(name)?);
            }
        }
        self.server_workloads.sort();
        self.server_workloads.dedup();
        Ok(())
    }

    /// The throughput cases of the server comparison, in report order.
    pub fn server_cases(&self) -> Vec<Case> {
        let mut cases = Vec::new();
        for part in &self.server_workloads {
            match part.throughput() {
                Some(workload) if workload.is_pipelined() => cases.extend(
                    self.sizes.server_windows.iter().map(|&w| Case { workload, window: Some(w) }),
                ),
                Some(workload) => cases.push(Case::new(workload)),
                None => {}
            }
        }
        cases
    }

    /// How many times each peer runs `case` in a round (see
    /// [`Sizes::latency_repeats`]).
    pub fn repeats(&self, case: &Case) -> u32 {
        if case.workload.is_latency() { self.sizes.latency_repeats.max(1) } else { 1 }
    }

    /// The node a sequential run or an import of `peer` in `round` works
    /// under (made empty before, removed after).
    pub fn scratch_path(case: &Case, peer: Peer, round: u32) -> String {
        format!("{ROOT}/scratch/{}-{}-{round}", case.workload, peer.name())
    }

    /// `peer`'s job for `case` in `round`, against the server at `hosts`.
    /// Java warms up with a run as large as the measured one (its JIT
    /// needs it); the others with a tenth.
    pub fn job(&self, case: &Case, peer: Peer, round: u32, hosts: &str, tree_file: &str) -> Job {
        let s = &self.sizes;
        let warmup = |full: u64| if peer == Peer::Java { full } else { full / 10 };
        let mut job = Job::new(peer.name(), case.workload, hosts);
        match case.workload {
            Workload::Sequential => {
                job.path = Self::scratch_path(case, peer, round);
                job.count = s.sequential;
                job.warmup = warmup(s.sequential);
            }
            Workload::PipelinedGet | Workload::PipelinedSet => {
                job.path = DATA.to_owned();
                job.nodes = s.data_nodes;
                job.count = s.pipelined;
                job.window = case.window.unwrap_or(1);
                job.warmup = warmup(s.pipelined);
            }
            Workload::LatencyGet | Workload::LatencySet => {
                job.path = DATA.to_owned();
                job.nodes = s.data_nodes;
                job.count = s.latency;
                job.window = case.window.unwrap_or(1);
                job.warmup = warmup(s.latency);
            }
            Workload::Parallel => {
                job.path = DATA.to_owned();
                job.nodes = s.data_nodes;
                job.sessions = s.sessions;
                job.count = s.per_session;
                job.warmup = warmup(s.per_session);
            }
            Workload::WatchFanout => {
                job.path = WATCHED.to_owned();
                job.nodes = s.watches;
                job.count = s.watches;
                job.rounds = s.watch_rounds;
                job.warmup = if peer == Peer::Java { s.watch_rounds.max(3) } else { 1 };
            }
            Workload::TreeExport => {
                job.path = TREE.to_owned();
                job.count = s.tree_nodes();
            }
            Workload::TreeImport => {
                job.path = Self::scratch_path(case, peer, round);
                job.count = s.tree_nodes();
                job.file = tree_file.to_owned();
            }
            Workload::Connect => {
                job.count = s.connects;
                job.warmup = if peer == Peer::Java { s.connects } else { 2 };
            }
            Workload::IdleWatches => {
                job.path = IDLE.to_owned();
                job.nodes = s.idle_watches;
                job.count = s.idle_watches;
            }
        }
        job
    }
}

/// A workload, with its window for the pipelined ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Case {
    /// The workload.
    pub workload: Workload,
    /// Requests in flight (pipelined workloads).
    pub window: Option<u64>,
}

impl Case {
    /// The case of a workload without a window.
    pub fn new(workload: Workload) -> Self {
        Case { workload, window: None }
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.workload {
            Workload::Sequential => "sequential create/get/set/delete",
            Workload::PipelinedGet => "pipelined get",
            Workload::PipelinedSet => "pipelined set",
            Workload::LatencyGet => "latency get (fsync on)",
            Workload::LatencySet => "latency set (fsync on)",
            Workload::Parallel => "8 sessions, 90% get / 10% set",
            Workload::WatchFanout => "watch fan-out (events)",
            Workload::TreeExport => "tree export (nodes)",
            Workload::TreeImport => "tree import (nodes)",
            Workload::Connect => "connect + close",
            Workload::IdleWatches => "idle client with watches",
        };
        match self.window {
            Some(window) => write!(f, "{name}, {window} in flight"),
            None => f.write_str(name),
        }
    }
}

/// The parts of the comparison of the embedded server (`zookit serve`)
/// with Apache ZooKeeper, as `ZOOKIT_BENCH_WORKLOADS` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServerWorkload {
    /// Pipelined gets through each client, against each server.
    PipelinedGet,
    /// Pipelined sets through each client, against each server.
    PipelinedSet,
    /// The 8-session mix through each client, against each server.
    Parallel,
    /// From starting the server's process to its first answer, and its
    /// resident memory once idle.
    Start,
    /// The resident memory with a million 100-byte znodes.
    Million,
}

impl ServerWorkload {
    /// Every part, in report order.
    pub const ALL: [ServerWorkload; 5] = [
        ServerWorkload::PipelinedGet,
        ServerWorkload::PipelinedSet,
        ServerWorkload::Parallel,
        ServerWorkload::Start,
        ServerWorkload::Million,
    ];

    /// Its name in `ZOOKIT_BENCH_WORKLOADS`.
    pub fn name(self) -> &'static str {
        match self {
            ServerWorkload::PipelinedGet => "server_pipelined_get",
            ServerWorkload::PipelinedSet => "server_pipelined_set",
            ServerWorkload::Parallel => "server_parallel",
            ServerWorkload::Start => "server_start",
            ServerWorkload::Million => "server_million",
        }
    }

    /// The part called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.name() == name)
    }

    /// The clients' workload it runs against both servers, if it is a
    /// throughput part.
    pub fn throughput(self) -> Option<Workload> {
        match self {
            ServerWorkload::PipelinedGet => Some(Workload::PipelinedGet),
            ServerWorkload::PipelinedSet => Some(Workload::PipelinedSet),
            ServerWorkload::Parallel => Some(Workload::Parallel),
            ServerWorkload::Start | ServerWorkload::Million => None,
        }
    }
}

/// The tree text of `sizes`: `tree_top` services with properties, each
/// with `tree_children` nodes whose properties come to about 100 bytes of
/// JSON.
pub fn tree_text(sizes: &Sizes) -> String {
    let mut text = String::new();
    for i in 0..sizes.tree_top {
        text.push_str(&format!("/svc{i:03} : service\n  port = {}\n  threads = 4\n", 8000 + i));
        for j in 0..sizes.tree_children {
            text.push_str(&format!(
                "  /n{j:03}\n    address = '10.{}.{}.1:8080'\n    host = 'host-{i}-{j}.example.com'\n    pid = {}\n    role = 'replica'\n",
                i % 256,
                j % 256,
                10_000 + i * 100 + j
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_are_selected_by_name_and_server_selects_the_whole_comparison() {
        let mut config = Config::full(PathBuf::from("/tmp"));
        config.select_workloads("server").unwrap();
        assert!(config.workloads.is_empty());
        assert_eq!(config.server_workloads, ServerWorkload::ALL);
        let cases = config.server_cases();
        assert_eq!(cases.len(), 3, "{cases:?}");
        assert_eq!(cases[2], Case::new(Workload::Parallel));
        config.select_workloads("server_million, latency_get").unwrap();
        assert_eq!(config.workloads, [Workload::LatencyGet]);
        assert_eq!(config.server_workloads, [ServerWorkload::Million]);
        assert!(config.server_cases().is_empty());
        assert!(config.select_workloads("server_nope").is_err());
    }
}
