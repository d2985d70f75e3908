//! The nemesis: one fault at a time, at random, each logged with its time.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use rand::Rng;
use rand::rngs::StdRng;
use serde::Serialize;
use zookit_soak::history::now_us;

use crate::server::Servers;
use crate::workers::Workers;

/// A fault, as logged.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Fault {
    pub(crate) time: u64,
    pub(crate) kind: String,
    pub(crate) detail: String,
}

/// The nemesis's log.
#[derive(Default)]
pub(crate) struct Log {
    pub(crate) faults: Vec<Fault>,
}

impl Log {
    fn record(&mut self, kind: &str, detail: String) {
        eprintln!("soak: fault {kind}: {detail}");
        self.faults.push(Fault { time: now_us(), kind: kind.into(), detail });
    }

    pub(crate) fn by_kind(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for fault in &self.faults {
            *counts.entry(fault.kind.clone()).or_default() += 1;
        }
        counts
    }
}

fn millis(rng: &mut StdRng, from: u64, to: u64) -> Duration {
    Duration::from_millis(rng.random_range(from..to))
}

/// Injects faults until `until`, then returns (with everything healed by
/// the caller).
pub(crate) fn run(
    servers: &Servers,
    workers: &mut Workers,
    sessions: &Path,
    rng: &mut StdRng,
    until: Instant,
    log: &mut Log,
) {
    let apache = matches!(servers, Servers::Apache { .. });
    while Instant::now() < until {
        std::thread::sleep(
            millis(rng, 500, 2500).min(until.saturating_duration_since(Instant::now())),
        );
        workers.reap();
        if Instant::now() >= until {
            break;
        }
        let proxies = servers.proxies();
        let p = rng.random_range(0..proxies.len());
        match rng.random_range(0..8) {
            0 => {
                proxies[p].drop_connections();
                log.record("proxy_cut", format!("proxy {p}"));
            }
            1 => {
                let pause = millis(rng, 500, 7000);
                log.record("proxy_stall", format!("proxy {p} for {pause:?}"));
                proxies[p].stall();
                std::thread::sleep(pause);
                proxies[p].pass();
            }
            2 => {
                let pause = millis(rng, 500, 3000);
                log.record("proxy_refuse", format!("proxy {p} for {pause:?}, connections cut"));
                proxies[p].refuse();
                proxies[p].drop_connections();
                std::thread::sleep(pause);
                proxies[p].pass();
            }
            3 | 4 if apache => member_fault(servers, rng, log),
            3 | 4 => {
                let kill = rng.random_bool(0.5);
                let kind = if kill { "server_kill9_restart" } else { "server_restart" };
                log.record(kind, String::new());
                if let Err(e) = servers.restart_embedded(kill) {
                    log.record("error", format!("restarting the server: {e}"));
                }
            }
            5 => expire_one(servers, sessions, rng, log),
            // Worker 0 is never killed: its memory spans the whole run.
            _ if workers.len() > 1 => {
                let w = rng.random_range(1..workers.len());
                let name = workers.kill(w);
                let pause = millis(rng, 0, 2000);
                log.record("worker_kill9", format!("{name}, respawned after {pause:?}"));
                std::thread::sleep(pause);
                workers.respawn(w);
            }
            _ => {}
        }
    }
}

/// Apache: SIGKILL a member (the leader half the time), restart it.
fn member_fault(servers: &Servers, rng: &mut StdRng, log: &mut Log) {
    let Servers::Apache { ensemble, .. } = servers else { return };
    let leader = if rng.random_bool(0.5) { ensemble.leader() } else { None };
    let (member, kind) = match leader {
        Some(leader) => (leader, "leader_kill9"),
        None => (rng.random_range(0..ensemble.len()), "member_kill9"),
    };
    let pause = millis(rng, 200, 4000);
    log.record(kind, format!("member {member}, restarted after {pause:?}"));
    if let Err(e) = ensemble.kill(member) {
        log.record("error", format!("killing member {member}: {e}"));
    }
    std::thread::sleep(pause);
    if let Err(e) = ensemble.restart(member) {
        log.record("error", format!("restarting member {member}: {e}"));
    }
}

/// Expires the session of one of the workers' clients.
fn expire_one(servers: &Servers, sessions: &Path, rng: &mut StdRng, log: &mut Log) {
    let mut files: Vec<_> = std::fs::read_dir(sessions)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        return;
    }
    let file = &files[rng.random_range(0..files.len())];
    let Ok(text) = std::fs::read_to_string(file) else { return };
    let mut parts = text.split_whitespace();
    let (Some(id), Some(hex)) = (parts.next().and_then(|i| i.parse::<i64>().ok()), parts.next())
    else {
        return;
    };
    let password: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    let Some(server) = servers.direct() else { return };
    let who = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
    match zookit_testing::expire_session(server, id, &password, Duration::from_secs(10)) {
        Ok(()) => log.record("session_expire", format!("{who} ({id:#x})")),
        Err(e) => log.record("session_expire_failed", format!("{who} ({id:#x}): {e}")),
    }
}
