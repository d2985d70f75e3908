//! The throughput parts: each client's pipelined gets and sets and
//! 8-session mix against both servers, interleaved (each round runs every
//! case for every server and client once, their order rotating), with the
//! server process's CPU time over each run.

use std::collections::BTreeMap;

use super::{Running, Server, warm_up};
use crate::child::{Launcher, run_driver};
use crate::fixtures::Fixtures;
use crate::measure::Outcome;
use crate::plan::{Case, Config};
use crate::summary::Failure;
use crate::{Job, Peer, Result, Workload};

/// One client's run against one server.
#[derive(Debug, Clone)]
pub struct ServerSample {
    /// What ran.
    pub case: Case,
    /// Against which server.
    pub server: Server,
    /// Through which client.
    pub peer: Peer,
    /// In which round.
    pub round: u32,
    /// What the client measured.
    pub outcome: Outcome,
    /// The server process's CPU time over the whole job (connecting,
    /// warm-up and measured part), in seconds.
    pub server_cpu_s: f64,
    /// The requests the job sent (warm-up and measured part).
    pub served: u64,
}

/// What the throughput parts produced.
#[derive(Debug, Default)]
pub struct ThroughputRun {
    /// Each server, in words.
    pub servers: BTreeMap<String, String>,
    /// Every run that succeeded.
    pub samples: Vec<ServerSample>,
    /// Every run that failed.
    pub failures: Vec<Failure>,
}

/// The requests `job` sends: its warm-up and its measured part.
pub fn requests(job: &Job) -> u64 {
    match job.workload {
        Workload::Parallel => job.sessions * (job.count + job.warmup),
        _ => job.count + job.warmup,
    }
}

/// Starts both servers with the data nodes, warms them up, and runs
/// `cases` with `clients` against both, round after round.
pub fn run(
    config: &Config,
    launcher: &Launcher,
    clients: &[Peer],
    cases: &[Case],
) -> Result<ThroughputRun> {
    let mut run = ThroughputRun::default();
    let mut servers = Vec::new();
    for server in Server::ALL {
        eprintln!("zookit-bench: starting the {server} server");
        let running = Running::start(server, config, "throughput")?;
        run.servers.insert(server.name().to_owned(), running.describe(config));
        let fixtures = Fixtures::prepare_data(&running.hosts, config)?;
        warm_up(config, launcher, &running.hosts, config.sizes.server_warmup)?;
        servers.push((running, fixtures));
    }
    let pairs: Vec<(usize, Peer)> =
        (0..servers.len()).flat_map(|s| clients.iter().map(move |&p| (s, p))).collect();
    for round in 0..config.rounds {
        for (c, case) in cases.iter().enumerate() {
            let mut order = pairs.clone();
            if !order.is_empty() {
                let shift = (round as usize + c) % order.len();
                order.rotate_left(shift);
            }
            for (s, peer) in order {
                let server = &servers[s].0;
                let job = config.job(case, peer, round, &server.hosts, "");
                let measured = measure(config, launcher, server, &job);
                let name = format!("round {}/{}", round + 1, config.rounds);
                let who = format!("{peer} on {}", server.server);
                match measured {
                    Ok((outcome, server_cpu_s)) => {
                        let served = requests(&job);
                        eprintln!(
                            "[{name}] {case} | {who}: {}; server {:.2} CPU µs/request",
                            outcome.summary(),
                            server_cpu_s * 1e6 / served.max(1) as f64
                        );
                        run.samples.push(ServerSample {
                            case: *case,
                            server: server.server,
                            peer,
                            round,
                            outcome,
                            server_cpu_s,
                            served,
                        });
                    }
                    Err(e) => {
                        eprintln!("[{name}] {case} | {who}: FAILED: {e}");
                        run.failures.push(Failure {
                            case: case.to_string(),
                            peer: who,
                            round,
                            error: e.to_string(),
                        });
                    }
                }
            }
        }
    }
    for (_, fixtures) in servers {
        fixtures.close()?;
    }
    Ok(run)
}

/// Runs `job` against `server`: the client's outcome and the server's CPU
/// seconds meanwhile.
fn measure(
    config: &Config,
    launcher: &Launcher,
    server: &Running,
    job: &Job,
) -> Result<(Outcome, f64)> {
    let before = server.cpu()?;
    let outcome = run_driver(launcher.command(job), config.job_timeout)?;
    let cpu = server.cpu()?.saturating_sub(before);
    Ok((outcome, cpu.as_secs_f64()))
}
