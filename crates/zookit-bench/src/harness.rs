//! A whole run: one real Apache ZooKeeper, the fixtures, every case for
//! every peer, round after round (so that machine noise hits every peer
//! alike); then the comparison of the embedded server with Apache
//! ZooKeeper ([`servers`]); then the report.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::child::{Launcher, run_driver};
use crate::fixtures::Fixtures;
use crate::fsync_server::FsyncServer;
use crate::peers::java::JavaDriver;
use crate::peers::kazoo::Kazoo;
use crate::plan::{Case, Config};
use crate::report::{Report, Sample, judge, summarize};
use crate::servers::warm_up;
use crate::summary::Failure;
use crate::{Job, Peer, Result, Workload, apache, servers};

/// The name under which a missing embedded server is reported skipped.
pub const EMBEDDED_SKIP: &str = "embedded server";

/// The peers that can run, with how to start them.
struct Drivers<'a> {
    launcher: &'a Launcher,
    kazoo: Option<Kazoo>,
    java: Option<JavaDriver>,
}

impl Drivers<'_> {
    fn command(&self, peer: Peer, job: &Job) -> Option<Command> {
        match peer {
            Peer::Zookit | Peer::ZookitBlocking => Some(self.launcher.command(job)),
            Peer::ZkClient => self.launcher.has_zkclient().then(|| self.launcher.command(job)),
            Peer::Kazoo => self.kazoo.as_ref().map(|k| k.command(job)),
            Peer::Java => self.java.as_ref().map(|j| j.command(job)),
        }
    }
}

/// Runs the benchmark of `config`, starting the Rust clients with
/// `launcher`: prints progress to standard error, the table to standard
/// output, writes the JSON, and returns the report.
pub fn run(config: &Config, launcher: &Launcher, command: &str) -> Result<Report> {
    let started = Instant::now();
    let mut skipped = BTreeMap::new();
    let cases = config.cases();
    let clients = if cases.is_empty() {
        Clients::default()
    } else {
        self::clients(config, launcher, &cases, &mut skipped)?
    };
    let mut targets = judge(&cases, &clients.samples);
    let mut failures = clients.failures;
    let servers = if config.server_workloads.is_empty() {
        None
    } else if !config.zookit_binary.is_file() {
        let why = format!(
            "no zookit executable at {} (cargo build --release -p zookit-cli)",
            config.zookit_binary.display()
        );
        eprintln!("zookit-bench: the server comparison SKIPPED: {why}");
        skipped.insert(EMBEDDED_SKIP.to_owned(), why);
        None
    } else {
        let report = servers::run(config, launcher)?;
        targets.extend(report.judge());
        failures.extend(report.failures.iter().cloned());
        Some(report)
    };
    let report = Report {
        command: command.to_owned(),
        finished_unix: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        server: clients.server,
        fsync_server: clients.fsync_server,
        skipped,
        rounds: config.rounds,
        sizes: config.sizes.clone(),
        cases: summarize(&cases, &clients.samples),
        servers,
        targets,
        failures,
    };
    report.write_json(&config.results)?;
    println!("{}", report.table());
    eprintln!(
        "zookit-bench: done in {:.0} s; results in {}",
        started.elapsed().as_secs_f64(),
        config.results.display()
    );
    Ok(report)
}

/// What the clients' comparison produced.
#[derive(Default)]
struct Clients {
    server: String,
    fsync_server: Option<String>,
    samples: Vec<Sample>,
    failures: Vec<Failure>,
}

/// The clients' comparison: `cases` for every peer on one Apache
/// ZooKeeper (and the latency cases on one with fsync on).
fn clients(
    config: &Config,
    launcher: &Launcher,
    cases: &[Case],
    skipped: &mut BTreeMap<String, String>,
) -> Result<Clients> {
    eprintln!("zookit-bench: starting Apache ZooKeeper ({})", apache::JVM_OPTIONS.join(" "));
    let server = apache::builder().start()?;
    let hosts = server.connect_string();
    let version = apache::version(&server);
    let wanted = |peer| config.peers.contains(&peer);
    let kazoo = if wanted(Peer::Kazoo) {
        eprintln!("zookit-bench: kazoo virtualenv at {}", config.venv.display());
        match Kazoo::prepare(&config.venv, config.setup_timeout) {
            Ok(kazoo) => Some(kazoo),
            Err(e) => {
                eprintln!("zookit-bench: kazoo SKIPPED: {e}");
                skipped.insert(Peer::Kazoo.name().to_owned(), e.to_string());
                None
            }
        }
    } else {
        None
    };
    let java = if wanted(Peer::Java) {
        match JavaDriver::prepare(&config.work_dir.join("java"), config.setup_timeout) {
            Ok(java) => Some(java),
            Err(e) => {
                eprintln!("zookit-bench: java SKIPPED: {e}");
                skipped.insert(Peer::Java.name().to_owned(), e.to_string());
                None
            }
        }
    } else {
        None
    };
    if wanted(Peer::ZkClient) && !launcher.has_zkclient() {
        skipped.insert(Peer::ZkClient.name().to_owned(), "not built into this executable".into());
    }
    let drivers = Drivers { launcher, kazoo, java };
    eprintln!("zookit-bench: fixtures");
    let fixtures = Fixtures::prepare(&hosts, config)?;
    let tree_file = fixtures.tree_file.display().to_string();

    if cases.iter().any(|case| !case.workload.is_latency()) {
        warm_up(config, launcher, &hosts, config.sizes.server_warmup)?;
    }
    // The latency workloads' server, with its own fixtures.
    let fsync = if cases.iter().any(|case| case.workload.is_latency()) {
        eprintln!("zookit-bench: starting Apache ZooKeeper with fsync on");
        let server = FsyncServer::start(&config.work_dir)?;
        eprintln!("zookit-bench: {}", server.description);
        let hosts = server.ensemble.connect_string();
        let fixtures = Fixtures::prepare_data(&hosts, config)?;
        warm_up(config, launcher, &hosts, config.sizes.fsync_server_warmup)?;
        Some((server, hosts, fixtures))
    } else {
        None
    };
    let mut samples = Vec::new();
    let mut failures = Vec::new();
    for round in 0..config.rounds {
        for case in cases {
            let peers: Vec<Peer> = config
                .peers
                .iter()
                .copied()
                .filter(|&p| p.runs(case.workload) && !skipped.contains_key(p.name()))
                .collect();
            let hosts = match &fsync {
                Some((_, fsync_hosts, _)) if case.workload.is_latency() => fsync_hosts,
                _ => &hosts,
            };
            let repeats = config.repeats(case);
            for repeat in 0..repeats {
                let mut peers = peers.clone();
                if !peers.is_empty() {
                    let shift = (round * repeats + repeat) as usize % peers.len();
                    peers.rotate_left(shift);
                }
                for peer in peers {
                    let job = config.job(case, peer, round, hosts, &tree_file);
                    let outcome = run_one(&drivers, &fixtures, config, case, peer, round, &job);
                    let run = if repeats > 1 {
                        format!("round {}/{}, {}/{repeats}", round + 1, config.rounds, repeat + 1)
                    } else {
                        format!("round {}/{}", round + 1, config.rounds)
                    };
                    match outcome {
                        Ok(mut outcome) => {
                            eprintln!("[{run}] {case} | {peer}: {}", outcome.summary());
                            let latencies_us = std::mem::take(&mut outcome.latencies_us);
                            let (case, round) = (*case, round);
                            samples.push(Sample {
                                case,
                                peer,
                                round,
                                repeat,
                                outcome,
                                latencies_us,
                            });
                        }
                        Err(e) => {
                            eprintln!("[{run}] {case} | {peer}: FAILED: {e}");
                            failures.push(Failure {
                                case: case.to_string(),
                                peer: peer.name().to_owned(),
                                round,
                                error: e.to_string(),
                            });
                        }
                    }
                }
            }
        }
    }
    fixtures.close()?;
    drop(server);
    let fsync_server = match fsync {
        Some((server, _, fixtures)) => {
            fixtures.close()?;
            Some(server.description)
        }
        None => None,
    };

    Ok(Clients {
        server: format!("{version}; JVM options {}", apache::JVM_OPTIONS.join(" ")),
        fsync_server,
        samples,
        failures,
    })
}

/// Runs `peer`'s `job`, with its scratch node made before and removed
/// after.
fn run_one(
    drivers: &Drivers<'_>,
    fixtures: &Fixtures,
    config: &Config,
    case: &Case,
    peer: Peer,
    round: u32,
    job: &Job,
) -> Result<crate::measure::Outcome> {
    let scratch = matches!(case.workload, Workload::Sequential | Workload::TreeImport)
        .then(|| Config::scratch_path(case, peer, round));
    if let Some(path) = &scratch {
        fixtures.fresh(path)?;
    }
    let command = drivers
        .command(peer, job)
        .ok_or_else(|| crate::Error::msg(format!("{peer} cannot run here")))?;
    let outcome = run_driver(command, config.job_timeout);
    if let Some(path) = &scratch {
        fixtures.remove(path)?;
    }
    outcome
}
