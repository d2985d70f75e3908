//! The server comparison's figures: medians per server, the ratios
//! embedded ÷ Apache, the targets, and a table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::Server;
use super::million::MillionSample;
use super::start::StartSample;
use super::throughput::ServerSample;
use crate::Peer;
use crate::measure::Outcome;
use crate::plan::Case;
use crate::summary::{Failure, Target, median, thousands};

/// A figure of each server, and the ratio embedded ÷ Apache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Pair {
    /// Apache ZooKeeper's.
    pub apache: f64,
    /// The embedded server's.
    pub embedded: f64,
    /// embedded ÷ apache (0 if Apache's is 0).
    pub ratio: f64,
}

impl Pair {
    /// The pair, with its ratio.
    pub fn new(apache: f64, embedded: f64) -> Self {
        Pair { apache, embedded, ratio: if apache > 0.0 { embedded / apache } else { 0.0 } }
    }
}

/// One client's throughput of one case against both servers.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputResult {
    /// The case, in words.
    pub case: String,
    /// Its workload.
    pub workload: String,
    /// The client.
    pub peer: String,
    /// Median operations per second against each server; the ratio is
    /// the median of the rounds' paired ratios.
    pub ops_per_s: Pair,
    /// The server process's CPU time per request, in microseconds: the
    /// CPU time over every run of the case with this client, divided by
    /// the requests of those runs.
    pub server_cpu_us_per_request: Pair,
}

/// Medians of the starts.
#[derive(Debug, Clone, Serialize)]
pub struct StartResult {
    /// Milliseconds from spawning the process to the first answer.
    pub to_first_answer_ms: Pair,
    /// Resident memory idle, having answered one session, in KiB.
    pub idle_rss_kb: Pair,
    /// Every start.
    pub samples: Vec<StartSample>,
}

/// The comparison of the embedded server with Apache ZooKeeper.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerReport {
    /// The servers of the throughput parts, in words.
    pub servers: BTreeMap<String, String>,
    /// The throughput parts, per case and client.
    pub throughput: Vec<ThroughputResult>,
    /// The server CPU time per request over every throughput run, in
    /// microseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_us_per_request: Option<Pair>,
    /// Start to first answer, and idle memory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<StartResult>,
    /// The memory with a million znodes, per server.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub million: Vec<MillionSample>,
    /// Throughput runs that failed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<Failure>,
}

/// The median over the rounds of embedded ÷ Apache of `metric`, each
/// round's two runs paired.
fn paired(samples: &[ServerSample], case: &Case, peer: Peer, metric: fn(&Outcome) -> f64) -> f64 {
    let of = |server, round| {
        samples
            .iter()
            .find(|s| s.case == *case && s.peer == peer && s.server == server && s.round == round)
            .map(|s| metric(&s.outcome))
    };
    let ratios: Vec<f64> = samples
        .iter()
        .filter(|s| s.case == *case && s.peer == peer && s.server == Server::Embedded)
        .filter_map(|s| {
            let apache = of(Server::Apache, s.round)?;
            (apache > 0.0).then(|| metric(&s.outcome) / apache)
        })
        .collect();
    median(ratios)
}

/// Server CPU µs per request over `samples` of `server`.
fn cpu_per_request<'a>(samples: impl Iterator<Item = &'a ServerSample>, server: Server) -> f64 {
    let (cpu, served) = samples
        .filter(|s| s.server == server)
        .fold((0.0, 0u64), |(cpu, n), s| (cpu + s.server_cpu_s, n + s.served));
    if served > 0 { cpu * 1e6 / served as f64 } else { 0.0 }
}

/// The throughput results, per case and client.
pub fn summarize_throughput(
    cases: &[Case],
    clients: &[Peer],
    samples: &[ServerSample],
) -> Vec<ThroughputResult> {
    let mut results = Vec::new();
    for case in cases {
        for &peer in clients {
            let runs = || samples.iter().filter(|s| s.case == *case && s.peer == peer);
            if runs().next().is_none() {
                continue;
            }
            let ops = |server| {
                median(
                    runs().filter(|s| s.server == server).map(|s| s.outcome.ops_per_s()).collect(),
                )
            };
            let mut ops_per_s = Pair::new(ops(Server::Apache), ops(Server::Embedded));
            ops_per_s.ratio = paired(samples, case, peer, Outcome::ops_per_s);
            results.push(ThroughputResult {
                case: case.to_string(),
                workload: case.workload.name().to_owned(),
                peer: peer.name().to_owned(),
                ops_per_s,
                server_cpu_us_per_request: Pair::new(
                    cpu_per_request(runs(), Server::Apache),
                    cpu_per_request(runs(), Server::Embedded),
                ),
            });
        }
    }
    results
}

/// The server CPU time per request over every throughput run.
pub fn pooled_cpu(samples: &[ServerSample]) -> Option<Pair> {
    (!samples.is_empty()).then(|| {
        Pair::new(
            cpu_per_request(samples.iter(), Server::Apache),
            cpu_per_request(samples.iter(), Server::Embedded),
        )
    })
}

/// The medians of the starts.
pub fn summarize_start(samples: &[StartSample]) -> StartResult {
    let of = |server, metric: fn(&StartSample) -> f64| {
        median(samples.iter().filter(|s| s.server == server).map(metric).collect())
    };
    let pair = |metric: fn(&StartSample) -> f64| {
        Pair::new(of(Server::Apache, metric), of(Server::Embedded, metric))
    };
    StartResult {
        to_first_answer_ms: pair(|s| s.to_first_answer_ms),
        idle_rss_kb: pair(|s| s.idle_rss_kb as f64),
        samples: samples.to_vec(),
    }
}

impl ServerReport {
    /// The resident memory with the znodes of each server, if both ran.
    pub fn million_rss_kb(&self) -> Option<Pair> {
        let of = |server| self.million.iter().find(|s| s.server == server).map(|s| s.rss_kb);
        Some(Pair::new(of(Server::Apache)? as f64, of(Server::Embedded)? as f64))
    }

    /// The targets for the embedded server.
    pub fn judge(&self) -> Vec<Target> {
        let mut targets = Vec::new();
        for r in &self.throughput {
            let (factor, note) = if r.peer == Peer::Zookit.name() {
                (3.0, "")
            } else {
                (1.5, " (its own CPU caps the gain)")
            };
            targets.push(Target {
                target: format!(
                    "server: {} with {}: embedded >= {factor}x Apache{note}",
                    r.case, r.peer
                ),
                met: Some(r.ops_per_s.ratio >= factor),
                detail: format!(
                    "{} vs {} ops/s, embedded/apache {:.2}x",
                    thousands(r.ops_per_s.embedded),
                    thousands(r.ops_per_s.apache),
                    r.ops_per_s.ratio
                ),
            });
        }
        let at_most = |target: &str, pair: Pair, limit: f64, unit: &str| Target {
            target: format!("server: {target} <= {limit}x Apache's"),
            met: Some(pair.ratio <= limit),
            detail: format!(
                "embedded {:.2} {unit}, apache {:.2} {unit}: {:.3}x",
                pair.embedded, pair.apache, pair.ratio
            ),
        };
        if let Some(cpu) = self.cpu_us_per_request {
            targets.push(at_most("CPU per request", cpu, 0.2, "µs"));
        }
        if let Some(start) = &self.start {
            targets.push(at_most("start to first answer", start.to_first_answer_ms, 0.05, "ms"));
            let mib =
                |p: Pair| Pair { apache: p.apache / 1024.0, embedded: p.embedded / 1024.0, ..p };
            targets.push(at_most("idle resident memory", mib(start.idle_rss_kb), 0.1, "MiB"));
        }
        if let Some(rss) = self.million_rss_kb() {
            let mib = Pair { apache: rss.apache / 1024.0, embedded: rss.embedded / 1024.0, ..rss };
            let nodes = self.million.first().map_or(0, |s| s.nodes);
            targets.push(at_most(
                &format!("resident memory with {} 100-byte znodes", thousands(nodes as f64)),
                mib,
                0.5,
                "MiB",
            ));
        }
        targets
    }

    /// The figures as a table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ =
            writeln!(out, "the embedded server against Apache ZooKeeper (same clients, same run)");
        for (server, what) in &self.servers {
            let _ = writeln!(out, "  {server}: {what}");
        }
        let line = "-".repeat(117);
        if !self.throughput.is_empty() {
            let _ = writeln!(
                out,
                "{:<34} {:<17} {:>10} {:>10} {:>8}   {:>12} {:>12} {:>8}",
                "case",
                "client",
                "Apache",
                "embedded",
                "emb÷Ap",
                "server CPU",
                "µs/request",
                "emb÷Ap"
            );
            let _ = writeln!(
                out,
                "{:<34} {:<17} {:>10} {:>10} {:>8}   {:>12} {:>12} {:>8}",
                "", "", "ops/s", "ops/s", "", "Apache", "embedded", ""
            );
            let mut last = "";
            for r in &self.throughput {
                if r.case != last {
                    let _ = writeln!(out, "{line}");
                }
                let label = if r.case != last { r.case.as_str() } else { "" };
                last = &r.case;
                let (o, c) = (r.ops_per_s, r.server_cpu_us_per_request);
                let _ = writeln!(
                    out,
                    "{label:<34} {:<17} {:>10} {:>10} {:>7.2}x   {:>12.2} {:>12.2} {:>7.3}x",
                    r.peer,
                    thousands(o.apache),
                    thousands(o.embedded),
                    o.ratio,
                    c.apache,
                    c.embedded,
                    c.ratio
                );
            }
            let _ = writeln!(out, "{line}");
        }
        if let Some(cpu) = self.cpu_us_per_request {
            let _ = writeln!(
                out,
                "server CPU per request, every throughput run: Apache {:.2} µs, embedded {:.2} µs ({:.3}x)",
                cpu.apache, cpu.embedded, cpu.ratio
            );
        }
        if let Some(start) = &self.start {
            let (t, m) = (start.to_first_answer_ms, start.idle_rss_kb);
            let n = start.samples.len() / 2;
            let _ = writeln!(
                out,
                "start to first answer (median of {n}): Apache {:.0} ms, embedded {:.1} ms ({:.3}x)",
                t.apache, t.embedded, t.ratio
            );
            let _ = writeln!(
                out,
                "idle resident memory (median of {n}): Apache {:.1} MiB, embedded {:.1} MiB ({:.3}x)",
                m.apache / 1024.0,
                m.embedded / 1024.0,
                m.ratio
            );
        }
        for s in &self.million {
            let _ = writeln!(
                out,
                "{} znodes on {}: {:.1} MiB resident ({:.1} MiB before), {} creates/s",
                thousands(s.nodes as f64),
                s.server,
                s.rss_kb as f64 / 1024.0,
                s.base_rss_kb as f64 / 1024.0,
                thousands(s.creates_per_s)
            );
        }
        if let Some(rss) = self.million_rss_kb() {
            let _ = writeln!(out, "memory with the znodes, embedded ÷ Apache: {:.3}x", rss.ratio);
        }
        for s in &self.million {
            if let Some(kb) = s.live_heap_kb {
                let _ = writeln!(
                    out,
                    "  for scale: {}'s Java heap in use after a full collection (jcmd GC.run): {:.1} MiB",
                    s.server,
                    kb as f64 / 1024.0
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Workload;

    #[test]
    fn ratios_pair_the_rounds_and_cpu_is_pooled() {
        let case = Case { workload: Workload::PipelinedGet, window: Some(1000) };
        let sample = |server, round, ops, server_cpu_s| ServerSample {
            case,
            server,
            peer: Peer::Zookit,
            round,
            outcome: Outcome { ops, elapsed_s: 1.0, cpu_s: 0.1, ..Outcome::default() },
            server_cpu_s,
            served: 1000,
        };
        let samples = [
            sample(Server::Apache, 0, 100, 0.05),
            sample(Server::Embedded, 0, 400, 0.001),
            sample(Server::Apache, 1, 200, 0.07),
            sample(Server::Embedded, 1, 500, 0.003),
        ];
        let results = summarize_throughput(&[case], &[Peer::Zookit, Peer::ZkClient], &samples);
        assert_eq!(results.len(), 1);
        let r = &results[0];
        // Rounds: 4x and 2.5x.
        assert_eq!(r.ops_per_s.ratio, 3.25);
        assert_eq!((r.ops_per_s.apache, r.ops_per_s.embedded), (150.0, 450.0));
        // 0.12 s over 2,000 requests, 0.004 s over 2,000.
        let cpu = r.server_cpu_us_per_request;
        assert!((cpu.apache - 60.0).abs() < 1e-9 && (cpu.embedded - 2.0).abs() < 1e-9, "{cpu:?}");
        let report = ServerReport {
            throughput: results,
            cpu_us_per_request: pooled_cpu(&samples),
            ..ServerReport::default()
        };
        let targets = report.judge();
        assert_eq!(targets.len(), 2);
        assert!(targets.iter().all(|t| t.met == Some(true)), "{targets:?}");
        assert!(report.table().contains("3.25x"), "{}", report.table());
    }
}
