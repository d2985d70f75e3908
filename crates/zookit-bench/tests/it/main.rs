//! The smoke test: every workload once, on tiny sizes, for every peer that
//! can run here, through the same harness as `cargo bench -p zookit-bench`,
//! so that the benchmark cannot rot.
//!
//! kazoo needs a virtualenv made from PyPI; if that cannot be done within
//! the set-up bound, kazoo is skipped, and the test says so loudly.

#[path = "../../benches/bench/zkclient.rs"]
mod zkclient;

use std::path::PathBuf;
use zookit_bench::child::{self, Launcher};

use zookit_bench::embedded;
use zookit_bench::plan::Config;
use zookit_bench::servers::Server;
use zookit_bench::{Peer, Workload, harness};

/// The test a child process of the harness runs: the job in
/// `ZOOKIT_BENCH_JOB`. Without one (a normal test run) it does nothing.
#[test]
fn child_entry() {
    if let Some(job) = child::job_from_env() {
        let job = job.expect("a job");
        child::serve(&job, Some(zkclient::run)).expect("the job runs");
    }
}

/// The `zookit` executable whose `serve` the server comparison runs:
/// `$ZOOKIT_BENCH_ZOOKIT`, else the newer of the debug and release builds
/// in the target directory (`cargo test --workspace` builds the debug one).
fn zookit_binary() -> PathBuf {
    if let Some(path) = std::env::var_os(embedded::BINARY_ENV) {
        return path.into();
    }
    let target = zookit_bench::target_dir();
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    ["debug", "release"]
        .map(|profile| target.join(profile).join("zookit"))
        .into_iter()
        .max_by_key(modified)
        .unwrap_or_else(embedded::release_binary)
}

#[test]
fn every_workload_runs_for_every_peer() {
    let work_dir = tempfile::tempdir().expect("a temporary directory");
    let config =
        Config::smoke(work_dir.path().to_path_buf(), zookit_bench::venv_dir(), zookit_binary());
    let launcher = Launcher::this_executable(
        ["child_entry", "--exact", "--nocapture", "--test-threads=1"],
        Some(zkclient::run),
    )
    .expect("this executable");
    let report = harness::run(&config, &launcher, "cargo test -p zookit-bench").expect("a run");

    assert!(report.failures.is_empty(), "failed runs: {:#?}", report.failures);
    for (peer, why) in &report.skipped {
        eprintln!("\n*** SMOKE TEST: {peer} WAS SKIPPED: {why} ***\n");
    }
    let skipped = |peer: Peer| report.skipped.contains_key(peer.name());
    assert!(!skipped(Peer::ZkClient) && !skipped(Peer::Java), "{:?}", report.skipped);
    for case in config.cases() {
        let result = report
            .cases
            .iter()
            .find(|c| c.case == case.to_string())
            .unwrap_or_else(|| panic!("no results for {case}"));
        for peer in Peer::ALL.into_iter().filter(|p| p.runs(case.workload) && !skipped(*p)) {
            let r = result.peer(peer).unwrap_or_else(|| panic!("no result for {case} / {peer}"));
            assert!(r.ops_per_s > 0.0, "{case} / {peer}: {r:?}");
            if case.workload == Workload::IdleWatches {
                assert!(r.rss_kb.unwrap_or(0) > 0, "{case} / {peer}: {r:?}");
            }
            if case.workload.is_latency() {
                let l = r.latency.unwrap_or_else(|| panic!("{case} / {peer}: no latency"));
                assert!(0.0 < l.p50_us && l.p50_us <= l.p99_us, "{case} / {peer}: {l:?}");
                assert!(l.p99_us <= l.p999_us && l.p999_us <= l.max_us, "{case} / {peer}: {l:?}");
            }
        }
        if case.workload.is_latency() {
            assert!(result.zookit_p99_to_best.is_some(), "{case}: {result:?}");
        }
    }
    // The comparison of the embedded server with Apache ZooKeeper.
    match &report.servers {
        Some(servers) => {
            let cases = config.server_cases();
            assert_eq!(servers.throughput.len(), cases.len() * 2, "{servers:#?}");
            for r in &servers.throughput {
                assert!(r.ops_per_s.apache > 0.0 && r.ops_per_s.embedded > 0.0, "{r:?}");
                assert!(r.ops_per_s.ratio > 0.0, "{r:?}");
            }
            let cpu = servers.cpu_us_per_request.expect("server CPU per request");
            assert!(cpu.apache > 0.0, "{cpu:?}");
            let start = servers.start.as_ref().expect("the starts");
            assert!(
                start.to_first_answer_ms.apache > 0.0 && start.to_first_answer_ms.embedded > 0.0
            );
            assert!(start.idle_rss_kb.apache > 0.0 && start.idle_rss_kb.embedded > 0.0);
            assert_eq!(servers.million.len(), 2, "{servers:#?}");
            for s in &servers.million {
                assert!(s.rss_kb > 0 && s.creates_per_s > 0.0, "{s:?}");
            }
            assert!(servers.million.iter().any(|s| s.server == Server::Embedded));
            assert!(servers.million_rss_kb().is_some());
        }
        None => eprintln!(
            "\n*** SMOKE TEST: THE EMBEDDED SERVER COMPARISON WAS SKIPPED: {:?} ***\n",
            report.skipped.get(harness::EMBEDDED_SKIP)
        ),
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config.results).expect("the JSON"))
            .expect("valid JSON");
    assert_eq!(json["cases"].as_array().map(Vec::len), Some(config.cases().len()));
}
