//! The benchmark harness of zookit: the same workloads, against one real
//! Apache ZooKeeper, through zookit (async and blocking), the Rust crate
//! `zookeeper-client`, Python's kazoo and ZooKeeper's own Java client.
//!
//! Run it with `cargo bench -p zookit-bench` (or `scripts/bench`, which
//! checks the prerequisites first). It prints a table of operations per
//! second, client CPU time per operation, latency percentiles and zookit's
//! ratios to each peer, judges the targets, and writes
//! `target/bench-results.json`.
//!
//! # How it measures
//!
//! - **One server**, started by `zookit-testing` with full-JIT JVM options
//!   ([`apache::JVM_OPTIONS`]) and warmed up before the first
//!   measurement; and for the latency workloads a second one with fsync
//!   on, its transaction log on a disk ([`fsync_server`]).
//! - **Every run in a process of its own**: the Rust clients in this
//!   executable started again ([`child`]), kazoo in
//!   `python/kazoo_driver.py`, the Java client in `java/Driver.java`. So
//!   the CPU time a run reports (user + system of the whole process,
//!   every thread, over the measured part only) is the client's alone.
//! - **Interleaved**: each round runs every case for every peer once (the
//!   latency cases several times, in short runs), the peers' order
//!   rotating from run to run; the report gives the median over the runs.
//! - **Warm-ups**: every run warms up before measuring (Java with a run as
//!   large as the measured one, for its JIT).
//!
//! - **The embedded server against Apache ZooKeeper** ([`servers`]):
//!   `zookit serve` in a process of its own ([`embedded`]) and Apache
//!   ZooKeeper, driven by the same Rust clients in one interleaved run;
//!   each server process's CPU time and memory read from `/proc`
//!   ([`process`]); its start to the first answer; its memory with a
//!   million znodes.
//!
//! The workloads are described on [`Workload`] and
//! [`plan::ServerWorkload`]; the sizes are [`plan::Sizes::full`].

pub mod apache;
pub mod child;
pub mod embedded;
mod error;
pub mod fixtures;
pub mod fsync_server;
pub mod harness;
mod job;
pub mod latency;
pub mod measure;
pub mod peers;
pub mod plan;
pub mod process;
pub mod report;
pub mod servers;
pub mod summary;

pub use error::{Context, Error, Result};
pub use job::{Job, Workload};
pub use peers::Peer;

/// Where the kazoo virtualenv is (made if missing): `$ZOOKIT_BENCH_VENV`,
/// else `bench-venv/` in the [target directory](target_dir).
pub fn venv_dir() -> std::path::PathBuf {
    std::env::var_os("ZOOKIT_BENCH_VENV")
        .map_or_else(|| target_dir().join("bench-venv"), Into::into)
}

/// The Cargo target directory: `$CARGO_TARGET_DIR`, else the workspace's
/// `target/`.
pub fn target_dir() -> std::path::PathBuf {
    let dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => dir.into(),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
    };
    dir.canonicalize().unwrap_or(dir)
}
