//! The benchmark: `cargo bench -p zookit-bench` (see the crate docs).
//!
//! Started with a job in `ZOOKIT_BENCH_JOB`, it is a child running one
//! Rust client's job instead.
//!
//! Settings from the environment: `ZOOKIT_BENCH_ROUNDS` (default 3),
//! `ZOOKIT_BENCH_PEERS` (a comma-separated subset of `zookit`,
//! `zookit-blocking`, `zookeeper-client`, `kazoo`, `java`) and
//! `ZOOKIT_BENCH_WORKLOADS` (a comma-separated subset of the workloads:
//! `sequential`, `pipelined_get`, `pipelined_set`, `latency_get`,
//! `latency_set`, `parallel`,
//! `watch_fanout`, `tree_export`, `tree_import`, `connect`,
//! `idle_watches`; and the comparison of the embedded server with Apache
//! ZooKeeper: `server_pipelined_get`, `server_pipelined_set`,
//! `server_parallel`, `server_start`, `server_million`, or `server` for
//! all five). `ZOOKIT_BENCH_ZOOKIT` names the `zookit` executable whose
//! `serve` is compared (default: `target/release/zookit`).

mod zkclient;

use std::process::ExitCode;

use zookit_bench::child::{self, Launcher};
use zookit_bench::plan::Config;
use zookit_bench::{Peer, Result, harness};

fn main() -> ExitCode {
    let result = match child::job_from_env() {
        Some(job) => job.and_then(|job| child::serve(&job, Some(zkclient::run))),
        None => bench(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zookit-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn bench() -> Result<()> {
    let mut config = Config::full(zookit_bench::target_dir());
    if let Ok(rounds) = std::env::var("ZOOKIT_BENCH_ROUNDS") {
        config.rounds = rounds.parse().map_err(|_| {
            zookit_bench::Error::msg(format!("ZOOKIT_BENCH_ROUNDS: not a number: {rounds}"))
        })?;
    }
    if let Ok(peers) = std::env::var("ZOOKIT_BENCH_PEERS") {
        config.peers = peers
            .split(',')
            .map(|name| {
                Peer::from_name(name.trim())
                    .ok_or_else(|| zookit_bench::Error::msg(format!("unknown peer {name:?}")))
            })
            .collect::<Result<_>>()?;
    }
    if let Ok(workloads) = std::env::var("ZOOKIT_BENCH_WORKLOADS") {
        config.select_workloads(&workloads)?;
    }
    let launcher = Launcher::this_executable(Vec::<String>::new(), Some(zkclient::run))?;
    let report = harness::run(&config, &launcher, "cargo bench -p zookit-bench")?;
    if report.failures.is_empty() {
        Ok(())
    } else {
        Err(zookit_bench::Error::msg(format!("{} runs failed", report.failures.len())))
    }
}
