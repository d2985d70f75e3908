//! What one run of one peer does ([`Job`]), and how it is handed to a driver:
//! `key=value` arguments, which the Rust child, the Python and the Java
//! drivers all parse the same way.

use std::fmt;

use crate::{Error, Result};

/// The workloads, as the drivers name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Workload {
    /// Create, get, set and delete `count` nodes under `path`, one request
    /// at a time (latency-bound); `4 * count` operations.
    Sequential,
    /// `count` gets of the data nodes, `window` in flight.
    PipelinedGet,
    /// `count` sets of the data nodes (100-byte values), `window` in flight.
    PipelinedSet,
    /// `count` gets of the data nodes, `window` in flight, each one's
    /// latency recorded (from its issue to its reply), on the server with
    /// fsync on.
    LatencyGet,
    /// `count` sets of the data nodes (100-byte values), `window` in
    /// flight, each one's latency recorded, on the server with fsync on.
    LatencySet,
    /// `sessions` sessions in parallel, `count` requests each, one at a
    /// time per session: 90% gets, 10% sets of the data nodes.
    Parallel,
    /// `count` one-shot data watches on distinct nodes under `path`; a
    /// second session changes them all in one transaction; timed until
    /// every event is delivered. `rounds` times.
    WatchFanout,
    /// Export the tree at `path` as text, as zc.zk's `export_tree`.
    TreeExport,
    /// Import the tree text in `file` under `path`, as zc.zk's
    /// `import_tree`.
    TreeImport,
    /// Connect a session and close it, `count` times.
    Connect,
    /// Set `count` data watches on the nodes under `path` and idle: the
    /// resident memory of the client process.
    IdleWatches,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: [Workload; 11] = [
        Workload::Sequential,
        Workload::PipelinedGet,
        Workload::PipelinedSet,
        Workload::LatencyGet,
        Workload::LatencySet,
        Workload::Parallel,
        Workload::WatchFanout,
        Workload::TreeExport,
        Workload::TreeImport,
        Workload::Connect,
        Workload::IdleWatches,
    ];

    /// The name the drivers know it by.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Sequential => "sequential",
            Workload::PipelinedGet => "pipelined_get",
            Workload::PipelinedSet => "pipelined_set",
            Workload::LatencyGet => "latency_get",
            Workload::LatencySet => "latency_set",
            Workload::Parallel => "parallel",
            Workload::WatchFanout => "watch_fanout",
            Workload::TreeExport => "tree_export",
            Workload::TreeImport => "tree_import",
            Workload::Connect => "connect",
            Workload::IdleWatches => "idle_watches",
        }
    }

    /// Whether it keeps `window` requests in flight on one session.
    pub fn is_pipelined(self) -> bool {
        matches!(
            self,
            Workload::PipelinedGet
                | Workload::PipelinedSet
                | Workload::LatencyGet
                | Workload::LatencySet
        )
    }

    /// Whether its pipelined requests are sets (else gets).
    pub fn is_set(self) -> bool {
        matches!(self, Workload::PipelinedSet | Workload::LatencySet)
    }

    /// Whether it records every request's latency (and runs on the server
    /// with fsync on).
    pub fn is_latency(self) -> bool {
        matches!(self, Workload::LatencyGet | Workload::LatencySet)
    }

    /// The workload called `name`.
    pub fn from_name(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|w| w.name() == name)
            .ok_or_else(|| Error::msg(format!("unknown workload {name:?}")))
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One run of one workload by one peer. Fields a workload does not use are
/// zero or empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The peer that runs it (its [`Peer::name`](crate::Peer::name)).
    pub peer: String,
    /// What to do.
    pub workload: Workload,
    /// The server, `host:port`.
    pub hosts: String,
    /// The job's node: the parent of its nodes (sequential, watches, idle
    /// watches, import), the data nodes' parent (pipelined, parallel) or
    /// the tree to export.
    pub path: String,
    /// Operations, nodes, watches or cycles (see [`Workload`]).
    pub count: u64,
    /// Requests in flight (pipelined).
    pub window: u64,
    /// Sessions (parallel).
    pub sessions: u64,
    /// How many data nodes there are under `path` (`n00000`, `n00001`, ...).
    pub nodes: u64,
    /// Repetitions of the watch fan-out.
    pub rounds: u64,
    /// A warm-up before the measured part, in the unit of `count` (of
    /// `rounds` for the watch fan-out). Java needs one for its JIT.
    pub warmup: u64,
    /// Bytes of each value written.
    pub value_size: u64,
    /// The tree text to import.
    pub file: String,
}

impl Job {
    /// A job with nothing but its peer, workload and server set.
    pub fn new(peer: &str, workload: Workload, hosts: &str) -> Self {
        Job {
            peer: peer.to_owned(),
            workload,
            hosts: hosts.to_owned(),
            path: String::new(),
            count: 0,
            window: 0,
            sessions: 0,
            nodes: 0,
            rounds: 0,
            warmup: 0,
            value_size: 100,
            file: String::new(),
        }
    }

    /// The job as `key=value` arguments.
    pub fn to_args(&self) -> Vec<String> {
        let numbers = [
            ("count", self.count),
            ("window", self.window),
            ("sessions", self.sessions),
            ("nodes", self.nodes),
            ("rounds", self.rounds),
            ("warmup", self.warmup),
            ("value_size", self.value_size),
        ];
        let mut args = vec![
            format!("peer={}", self.peer),
            format!("workload={}", self.workload),
            format!("hosts={}", self.hosts),
            format!("path={}", self.path),
            format!("file={}", self.file),
        ];
        args.extend(numbers.iter().map(|(key, value)| format!("{key}={value}")));
        args
    }

    /// Parses [`to_args`](Self::to_args).
    pub fn from_args<S: AsRef<str>>(args: &[S]) -> Result<Self> {
        let mut job = Job::new("", Workload::Sequential, "");
        let mut workload = None;
        for arg in args {
            let arg = arg.as_ref();
            let (key, value) =
                arg.split_once('=').ok_or_else(|| Error::msg(format!("not key=value: {arg:?}")))?;
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| Error::msg(format!("{key}: not a number: {value}")))
            };
            match key {
                "peer" => job.peer = value.to_owned(),
                "workload" => workload = Some(Workload::from_name(value)?),
                "hosts" => job.hosts = value.to_owned(),
                "path" => job.path = value.to_owned(),
                "file" => job.file = value.to_owned(),
                "count" => job.count = number()?,
                "window" => job.window = number()?,
                "sessions" => job.sessions = number()?,
                "nodes" => job.nodes = number()?,
                "rounds" => job.rounds = number()?,
                "warmup" => job.warmup = number()?,
                "value_size" => job.value_size = number()?,
                _ => return Err(Error::msg(format!("unknown job key {key:?}"))),
            }
        }
        job.workload = workload.ok_or_else(|| Error::msg("the job has no workload"))?;
        Ok(job)
    }

    /// The value every write of the job writes.
    pub fn value(&self) -> Vec<u8> {
        (0..self.value_size).map(|i| b'a' + (i % 26) as u8).collect()
    }

    /// The path of data node `i` under `path` (modulo `nodes`).
    pub fn data_path(&self, i: u64) -> String {
        format!("{}/n{:05}", self.path, i % self.nodes.max(1))
    }

    /// The paths of the data nodes `0..n`.
    pub fn data_paths(&self, n: u64) -> Vec<String> {
        (0..n).map(|i| self.data_path(i)).collect()
    }

    /// Which data node request `j` of session `s` of the parallel workload
    /// addresses, and whether it is a set (every tenth request). The
    /// drivers compute the same.
    pub fn parallel_op(&self, session: u64, j: u64) -> (u64, bool) {
        ((session * 7919 + j * 31) % self.nodes.max(1), j % 10 == 9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_round_trip() {
        let mut job = Job::new("kazoo", Workload::PipelinedSet, "127.0.0.1:2181");
        job.path = "/zkb/data".into();
        job.count = 100_000;
        job.window = 5000;
        job.nodes = 1000;
        assert_eq!(Job::from_args(&job.to_args()).unwrap(), job);
        assert_eq!(job.data_path(1001), "/zkb/data/n00001");
        assert_eq!(job.value().len(), 100);
        assert!(Job::from_args(&["workload=nope"]).is_err());
    }
}
