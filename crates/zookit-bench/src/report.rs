//! The results: medians per case and peer, zookit's ratios to each peer,
//! the targets, a table and JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::latency::Latency;
use crate::measure::Outcome;
use crate::plan::{Case, Sizes};
use crate::servers::report::ServerReport;
pub use crate::summary::{Failure, Target};
use crate::summary::{median, median_u64, thousands as ops};
use crate::{Peer, Result, Workload};

/// One measured run.
#[derive(Debug, Clone)]
pub struct Sample {
    /// What ran.
    pub case: Case,
    /// Who ran it.
    pub peer: Peer,
    /// In which round.
    pub round: u32,
    /// Which of the round's runs of the case (0 unless the case repeats:
    /// see [`Config::repeats`](crate::plan::Config::repeats)).
    pub repeat: u32,
    /// What it measured.
    pub outcome: Outcome,
    /// Every request's latency in microseconds (latency workloads; taken
    /// out of the outcome, to pool them).
    pub latencies_us: Vec<u32>,
}

impl Sample {
    /// Whether `other` ran in the same round and repeat (the runs paired
    /// in ratios).
    pub fn same_run_as(&self, other: &Sample) -> bool {
        self.round == other.round && self.repeat == other.repeat
    }
}

/// A peer's results for one case: medians over the rounds.
#[derive(Debug, Clone, Serialize)]
pub struct PeerResult {
    /// The peer.
    pub peer: String,
    /// Median operations per second.
    pub ops_per_s: f64,
    /// Half the range of the rounds' operations per second, in percent of
    /// the median: how noisy the figure is.
    pub ops_spread_pct: f64,
    /// Median client CPU time per operation, in microseconds.
    pub cpu_us_per_op: f64,
    /// Median resident memory of the client process, in KiB (idle
    /// watches).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rss_kb: Option<u64>,
    /// Median resident memory before the client was made, in KiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_rss_kb: Option<u64>,
    /// zookit's operations per second divided by this peer's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zookit_throughput_ratio: Option<f64>,
    /// zookit's CPU time per operation divided by this peer's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zookit_cpu_ratio: Option<f64>,
    /// Per-request latency percentiles (latency workloads): each one's
    /// median over the runs (rounds and repeats).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// The percentiles of every request of every run, pooled: how the
    /// machine's stalls (a disk flush, another tenant) fell into the runs
    /// as much as the client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pooled_latency: Option<Latency>,
    /// zookit's p99 latency divided by this peer's: the median of the
    /// runs' paired ratios.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zookit_p99_ratio: Option<f64>,
    /// Every round's outcome.
    pub samples: Vec<Outcome>,
}

/// Every peer's results for one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The case, in words.
    pub case: String,
    /// Its workload.
    pub workload: String,
    /// Requests in flight (pipelined cases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<u64>,
    /// The results, in peer order.
    pub peers: Vec<PeerResult>,
    /// zookit's p99 latency divided by the best (lowest) p99 of the other
    /// peers in the same run (round and repeat): the median over the runs
    /// (latency workloads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zookit_p99_to_best: Option<f64>,
}

impl CaseResult {
    /// `peer`'s result, if it ran.
    pub fn peer(&self, peer: Peer) -> Option<&PeerResult> {
        self.peers.iter().find(|r| r.peer == peer.name())
    }
}

/// The results of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The command that produced it.
    pub command: String,
    /// Seconds since the Unix epoch when it finished.
    pub finished_unix: u64,
    /// The server, as `srvr` describes it, and its JVM options.
    pub server: String,
    /// The server with fsync on of the latency workloads, if they ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fsync_server: Option<String>,
    /// Peers that did not run, and why.
    pub skipped: BTreeMap<String, String>,
    /// Rounds per case and peer.
    pub rounds: u32,
    /// The sizes.
    pub sizes: Sizes,
    /// The results, in case order.
    pub cases: Vec<CaseResult>,
    /// The embedded server against Apache ZooKeeper, if it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub servers: Option<ServerReport>,
    /// The targets.
    pub targets: Vec<Target>,
    /// Runs that failed.
    pub failures: Vec<Failure>,
}

/// The median over the rounds of `metric(a) / metric(b)`, each round's
/// (and repeat's) runs of `a` and `b` (adjacent in time) paired, so that the server's slow
/// drifts cancel out.
pub fn paired_ratio(
    samples: &[Sample],
    case: &Case,
    a: Peer,
    b: Peer,
    metric: fn(&Outcome) -> f64,
) -> Option<f64> {
    let of = |peer: Peer, at: &Sample| {
        samples
            .iter()
            .find(|s| s.case == *case && s.peer == peer && s.same_run_as(at))
            .map(|s| metric(&s.outcome))
    };
    let ratios: Vec<f64> = samples
        .iter()
        .filter(|s| s.case == *case && s.peer == a)
        .filter_map(|s| {
            let (x, y) = (of(a, s)?, of(b, s)?);
            (y > 0.0).then(|| x / y)
        })
        .collect();
    (!ratios.is_empty()).then(|| median(ratios))
}

/// The median over the runs of `metric(subject)` divided by the lowest
/// `metric` of `others` in the same run (round and repeat; runs where none
/// of them has a positive value are left out).
pub fn ratio_to_lowest(
    samples: &[Sample],
    case: &Case,
    subject: Peer,
    others: &[Peer],
    metric: fn(&Outcome) -> f64,
) -> Option<f64> {
    let ratios: Vec<f64> = samples
        .iter()
        .filter(|s| s.case == *case && s.peer == subject)
        .filter_map(|s| {
            let lowest = samples
                .iter()
                .filter(|o| o.case == *case && o.same_run_as(s) && others.contains(&o.peer))
                .map(|o| metric(&o.outcome))
                .filter(|&v| v > 0.0)
                .min_by(f64::total_cmp)?;
            Some(metric(&s.outcome) / lowest)
        })
        .collect();
    (!ratios.is_empty()).then(|| median(ratios))
}

/// The p99 latency of a run in microseconds (0 if it has none).
pub fn p99_us(outcome: &Outcome) -> f64 {
    outcome.latency.map_or(0.0, |l| l.p99_us)
}

/// The median of each percentile over `outcomes`, if they have latencies.
fn median_latency(outcomes: &[Outcome]) -> Option<Latency> {
    let all: Vec<Latency> = outcomes.iter().filter_map(|o| o.latency).collect();
    let of = |f: fn(&Latency) -> f64| median(all.iter().map(f).collect());
    (!all.is_empty()).then(|| Latency {
        p50_us: of(|l| l.p50_us),
        p99_us: of(|l| l.p99_us),
        p999_us: of(|l| l.p999_us),
        max_us: of(|l| l.max_us),
    })
}

/// The latency percentiles of every request of `peer`'s runs of `case`,
/// pooled; `None` if there are none.
pub fn pooled_latency(samples: &[Sample], case: &Case, peer: Peer) -> Option<Latency> {
    let mut nanos: Vec<u64> = samples
        .iter()
        .filter(|s| s.case == *case && s.peer == peer)
        .flat_map(|s| s.latencies_us.iter().map(|&us| u64::from(us) * 1000))
        .collect();
    Latency::of_nanos(&mut nanos)
}

/// The peers other than zookit that ran `case`.
fn others(case: &Case) -> Vec<Peer> {
    Peer::ALL.into_iter().filter(|&p| p != Peer::Zookit && p.runs(case.workload)).collect()
}

/// The results of `samples`, case by case, with zookit's ratios (paired by
/// round: see [`paired_ratio`]).
pub fn summarize(cases: &[Case], samples: &[Sample]) -> Vec<CaseResult> {
    cases
        .iter()
        .map(|case| {
            let mut peers: Vec<PeerResult> = Peer::ALL
                .iter()
                .filter_map(|&peer| {
                    let outcomes: Vec<Outcome> = samples
                        .iter()
                        .filter(|s| s.case == *case && s.peer == peer)
                        .map(|s| s.outcome.clone())
                        .collect();
                    if outcomes.is_empty() {
                        return None;
                    }
                    let rates: Vec<f64> = outcomes.iter().map(Outcome::ops_per_s).collect();
                    let ops_per_s = median(rates.clone());
                    let (low, high) = rates
                        .iter()
                        .fold((f64::MAX, f64::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
                    Some(PeerResult {
                        peer: peer.name().to_owned(),
                        ops_per_s,
                        ops_spread_pct: if ops_per_s > 0.0 {
                            (high - low) / 2.0 / ops_per_s * 100.0
                        } else {
                            0.0
                        },
                        cpu_us_per_op: median(
                            outcomes.iter().map(Outcome::cpu_us_per_op).collect(),
                        ),
                        rss_kb: median_u64(outcomes.iter().filter_map(|o| o.rss_kb).collect()),
                        base_rss_kb: median_u64(
                            outcomes.iter().filter_map(|o| o.base_rss_kb).collect(),
                        ),
                        zookit_throughput_ratio: None,
                        zookit_cpu_ratio: None,
                        latency: median_latency(&outcomes),
                        pooled_latency: pooled_latency(samples, case, peer),
                        zookit_p99_ratio: None,
                        samples: outcomes,
                    })
                })
                .collect();
            for result in peers.iter_mut().filter(|r| r.peer != Peer::Zookit.name()) {
                let Some(peer) = Peer::from_name(&result.peer) else { continue };
                if case.workload != Workload::IdleWatches {
                    result.zookit_throughput_ratio =
                        paired_ratio(samples, case, Peer::Zookit, peer, Outcome::ops_per_s);
                }
                result.zookit_cpu_ratio =
                    paired_ratio(samples, case, Peer::Zookit, peer, Outcome::cpu_us_per_op);
                if case.workload.is_latency() {
                    result.zookit_p99_ratio =
                        paired_ratio(samples, case, Peer::Zookit, peer, p99_us);
                }
            }
            CaseResult {
                case: case.to_string(),
                workload: case.workload.name().to_owned(),
                window: case.window,
                peers,
                zookit_p99_to_best: case
                    .workload
                    .is_latency()
                    .then(|| ratio_to_lowest(samples, case, Peer::Zookit, &others(case), p99_us))
                    .flatten(),
            }
        })
        .collect()
}

/// How far zookit's p99 latency may be above the best peer's.
pub const P99_TOLERANCE: f64 = 1.10;

/// The targets, judged on the rounds' paired ratios (see
/// [`paired_ratio`]).
pub fn judge(cases: &[Case], samples: &[Sample]) -> Vec<Target> {
    let mut targets = Vec::new();
    // `subject` at least `factor` times as fast as each of `others`.
    let at_least = |target: String, case: &Case, subject: Peer, others: &[Peer], factor: f64| {
        let ratios: Vec<(Peer, f64)> = others
            .iter()
            .filter_map(|&p| {
                Some((p, paired_ratio(samples, case, subject, p, Outcome::ops_per_s)?))
            })
            .collect();
        let worst = ratios.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1));
        let (met, detail) = match worst {
            Some(_)
                if paired_ratio(samples, case, subject, subject, Outcome::ops_per_s).is_none() =>
            {
                (None, format!("{subject} did not run"))
            }
            Some((_, worst)) => (
                Some(worst >= factor),
                ratios
                    .iter()
                    .map(|(peer, ratio)| format!("{subject}/{peer} {ratio:.2}x"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            None => (None, "no peer ran".to_owned()),
        };
        Target { target, met, detail }
    };
    let peers = [Peer::ZkClient, Peer::Kazoo, Peer::Java];
    for case in cases {
        let name = case.to_string();
        match case.workload {
            Workload::Sequential => {
                targets.push(at_least(
                    format!("{name}: zookit no slower than the fastest peer"),
                    case,
                    Peer::Zookit,
                    &peers,
                    1.0,
                ));
                targets.push(at_least(
                    format!("{name}: zookit-blocking no slower than the fastest peer"),
                    case,
                    Peer::ZookitBlocking,
                    &peers,
                    1.0,
                ));
            }
            Workload::PipelinedGet | Workload::PipelinedSet => {
                targets.push(at_least(
                    format!("{name}: at least the best peer's throughput"),
                    case,
                    Peer::Zookit,
                    &peers,
                    1.0,
                ));
                targets.push(at_least(
                    format!("{name}: at least 3x kazoo (async API)"),
                    case,
                    Peer::Zookit,
                    &[Peer::Kazoo],
                    3.0,
                ));
                if let Some(ratio) = paired_ratio(
                    samples,
                    case,
                    Peer::Zookit,
                    Peer::ZkClient,
                    Outcome::cpu_us_per_op,
                ) {
                    targets.push(Target {
                        target: format!("{name}: CPU/op at most half of zookeeper-client's"),
                        met: Some(ratio <= 0.5),
                        detail: format!("zookit/zookeeper-client CPU per op {ratio:.2}x"),
                    });
                }
            }
            Workload::LatencyGet | Workload::LatencySet => {
                let others = others(case);
                let best = ratio_to_lowest(samples, case, Peer::Zookit, &others, p99_us);
                let each: Vec<String> = others
                    .iter()
                    .filter_map(|&p| {
                        let ratio = paired_ratio(samples, case, Peer::Zookit, p, p99_us)?;
                        Some(format!("zookit/{p} {ratio:.2}x"))
                    })
                    .collect();
                targets.push(Target {
                    target: format!("{name}: zookit's p99 within 10% of the best peer's"),
                    met: best.map(|ratio| ratio <= P99_TOLERANCE),
                    detail: match best {
                        Some(ratio) => {
                            format!("zookit p99 / best peer's p99 {ratio:.2}x; {}", each.join(", "))
                        }
                        None => "no latencies recorded".to_owned(),
                    },
                });
            }
            Workload::TreeExport | Workload::TreeImport => targets.push(at_least(
                format!("{name}: at least 10x the kazoo node-by-node script"),
                case,
                Peer::Zookit,
                &[Peer::Kazoo],
                10.0,
            )),
            Workload::WatchFanout => targets.push(at_least(
                format!("{name}: at least 3x kazoo"),
                case,
                Peer::Zookit,
                &[Peer::Kazoo],
                3.0,
            )),
            _ => {}
        }
    }
    targets.retain(|t| t.detail != "no peer ran");
    targets
}

impl Report {
    /// The results as a table (the latency cases in one of their own), then
    /// the targets.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let ratio = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.2}x"));
        let is_latency =
            |c: &&CaseResult| Workload::from_name(&c.workload).is_ok_and(Workload::is_latency);
        if self.cases.iter().any(|c| !is_latency(&c)) {
            let _ = writeln!(
                out,
                "{:<44} {:<17} {:>11} {:>5} {:>10} {:>12} {:>12}",
                "case", "peer", "ops/s", "±%", "CPU µs/op", "zookit÷peer", "zookit CPU÷"
            );
            let _ = writeln!(
                out,
                "{:<44} {:<17} {:>11} {:>5} {:>10} {:>12} {:>12}",
                "", "", "", "", "", "(ops/s)", "peer CPU"
            );
        }
        for case in self.cases.iter().filter(|c| !is_latency(c)) {
            let _ = writeln!(out, "{}", "-".repeat(117));
            for (i, r) in case.peers.iter().enumerate() {
                let label = if i == 0 { case.case.as_str() } else { "" };
                if case.workload == Workload::IdleWatches.name() {
                    let rss = r.rss_kb.unwrap_or(0) as f64 / 1024.0;
                    let delta = r.rss_kb.unwrap_or(0).saturating_sub(r.base_rss_kb.unwrap_or(0))
                        as f64
                        / 1024.0;
                    let _ = writeln!(
                        out,
                        "{label:<44} {:<17} {:>11} {:>5} {:>10}",
                        r.peer,
                        format!("{rss:.1} MiB"),
                        "",
                        format!("+{delta:.1} MiB"),
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "{label:<44} {:<17} {:>11} {:>5.0} {:>10.2} {:>12} {:>12}",
                        r.peer,
                        ops(r.ops_per_s),
                        r.ops_spread_pct,
                        r.cpu_us_per_op,
                        ratio(r.zookit_throughput_ratio),
                        ratio(r.zookit_cpu_ratio),
                    );
                }
            }
        }
        let latency: Vec<&CaseResult> = self.cases.iter().filter(is_latency).collect();
        if !latency.is_empty() {
            if latency.len() < self.cases.len() {
                let _ = writeln!(out, "{}\n", "-".repeat(117));
            }
            let header = |out: &mut String, cells: [&str; 9]| {
                let [a, b, c, d, e, f, g, h, i] = cells;
                let _ = writeln!(
                    out,
                    "{a:<37} {b:<17} {c:>7} {d:>9} {e:>7} {f:>7} {g:>7} {h:>8} {i:>11}"
                );
            };
            header(
                &mut out,
                [
                    "latency per request, µs",
                    "peer",
                    "ops/s",
                    "CPU µs/op",
                    "p50",
                    "p99",
                    "p99.9",
                    "p99 of",
                    "zookit p99",
                ],
            );
            header(&mut out, ["", "", "", "", "", "", "", "all runs", "÷ peer's"]);
            for case in latency {
                let _ = writeln!(out, "{}", "-".repeat(117));
                for (i, r) in case.peers.iter().enumerate() {
                    let label = if i == 0 { case.case.as_str() } else { "" };
                    let l = r.latency.unwrap_or_default();
                    let versus = if r.peer == Peer::Zookit.name() {
                        case.zookit_p99_to_best
                            .map_or_else(String::new, |v| format!("best {v:.2}x"))
                    } else {
                        ratio(r.zookit_p99_ratio)
                    };
                    let _ = writeln!(
                        out,
                        "{label:<37} {:<17} {:>7} {:>9.2} {:>7} {:>7} {:>7} {:>8} {:>11}",
                        r.peer,
                        ops(r.ops_per_s),
                        r.cpu_us_per_op,
                        ops(l.p50_us),
                        ops(l.p99_us),
                        ops(l.p999_us),
                        r.pooled_latency.map_or_else(String::new, |l| ops(l.p99_us)),
                        versus,
                    );
                }
            }
            let _ = writeln!(
                out,
                "latency: {} requests per run, {} runs per peer and round, peers alternating; \
                 p50, p99, p99.9: medians over the runs; p99 of all runs: every request of every \
                 run pooled; zookit p99 ÷: medians of the runs' paired ratios (best: to the lowest \
                 p99 of the other peers in the same run)",
                ops(self.sizes.latency as f64),
                self.sizes.latency_repeats
            );
            if let Some(server) = &self.fsync_server {
                let _ = writeln!(out, "latency server: {server}");
            }
        }
        if !self.cases.is_empty() {
            let _ = writeln!(
                out,
                "medians over {} rounds; ±%: half the rounds' range; ratios: medians of the rounds' paired ratios\n\
                 idle client: resident memory of the client process with the watches set, and its growth over the process before the client was made",
                self.rounds
            );
        }
        if let Some(servers) = &self.servers {
            let _ = writeln!(out, "\n{}", servers.table());
            let _ = writeln!(
                out,
                "server comparison: {} rounds, medians; emb÷Ap ops/s: medians of the rounds' paired ratios; \
                 server CPU: utime + stime of the server process over every run (connecting and warm-up \
                 included) ÷ the requests sent",
                self.rounds
            );
        }
        for (peer, why) in &self.skipped {
            let _ = writeln!(out, "skipped {peer}: {why}");
        }
        let _ = writeln!(out, "\ntargets:");
        for target in &self.targets {
            let verdict = match target.met {
                Some(true) => "met   ",
                Some(false) => "MISSED",
                None => "n/a   ",
            };
            let _ = writeln!(out, "  [{verdict}] {} ({})", target.target, target.detail);
        }
        for failure in &self.failures {
            let _ = writeln!(
                out,
                "FAILED: {} / {} (round {}): {}",
                failure.case, failure.peer, failure.round, failure.error
            );
        }
        out
    }

    /// Writes the report as JSON to `path`.
    pub fn write_json(&self, path: &Path) -> Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, serde_json::to_string_pretty(self)? + "\n")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_ratios_and_targets() {
        let case = Case { workload: Workload::PipelinedGet, window: Some(100) };
        let sample = |peer, round, ops, cpu_s| Sample {
            case,
            peer,
            round,
            repeat: 0,
            outcome: Outcome { ops, elapsed_s: 1.0, cpu_s, ..Outcome::default() },
            latencies_us: Vec::new(),
        };
        let samples = [
            sample(Peer::Zookit, 0, 300, 0.3),
            sample(Peer::Zookit, 1, 100, 0.1),
            sample(Peer::Zookit, 2, 200, 0.2),
            sample(Peer::ZkClient, 0, 100, 0.4),
            sample(Peer::Kazoo, 0, 50, 1.0),
        ];
        let cases = summarize(&[case], &samples);
        let zookit = cases[0].peer(Peer::Zookit).unwrap();
        assert_eq!(zookit.ops_per_s, 200.0);
        assert_eq!(cases[0].peer(Peer::ZkClient).unwrap().zookit_throughput_ratio, Some(3.0));
        let targets = judge(&[case], &samples);
        assert_eq!(targets.len(), 3);
        assert!(targets.iter().all(|t| t.met == Some(true)), "{targets:?}");
        assert_eq!(ops(1234567.4), "1,234,567");
    }

    #[test]
    fn latency_ratios_to_the_best_peer_in_each_run_and_pooled_percentiles() {
        let case = Case { workload: Workload::LatencySet, window: Some(64) };
        let sample = |peer, repeat: u32, p99_us| Sample {
            case,
            peer,
            round: 0,
            repeat,
            outcome: Outcome {
                ops: 100,
                elapsed_s: 1.0,
                latency: Some(Latency { p50_us: 1.0, p99_us, p999_us: 2.0 * p99_us, max_us: 0.0 }),
                ..Outcome::default()
            },
            // 1..=100, 2..=200 (step 2), 3..=300 (step 3) µs.
            latencies_us: (1..=100).map(|i| i * (repeat + 1)).collect(),
        };
        // Run 0: java is best (100), zookit 105; run 1: zookeeper-client
        // best (90), zookit 108; run 2: zookit alone is best.
        let samples = [
            sample(Peer::Zookit, 0, 105.0),
            sample(Peer::ZkClient, 0, 120.0),
            sample(Peer::Java, 0, 100.0),
            sample(Peer::Zookit, 1, 108.0),
            sample(Peer::ZkClient, 1, 90.0),
            sample(Peer::Java, 1, 150.0),
            sample(Peer::Zookit, 2, 80.0),
            sample(Peer::ZkClient, 2, 100.0),
            sample(Peer::Java, 2, 100.0),
        ];
        let result = &summarize(&[case], &samples)[0];
        assert_eq!(result.zookit_p99_to_best, Some(1.05));
        let java = result.peer(Peer::Java).unwrap();
        assert_eq!(java.latency.map(|l| l.p99_us), Some(100.0));
        assert_eq!(java.zookit_p99_ratio, Some(0.8));
        // Pooled, 300 latencies: the p99 is the 297th, the fourth highest.
        let pooled = java.pooled_latency.unwrap();
        assert_eq!((pooled.p99_us, pooled.max_us), (291.0, 300.0));
        let targets = judge(&[case], &samples);
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].met, Some(true), "{targets:?}");
        // 20% above the best in two runs of three: missed.
        let mut worse = samples.to_vec();
        worse[0] = sample(Peer::Zookit, 0, 120.0);
        worse[3] = sample(Peer::Zookit, 1, 108.1);
        let targets = judge(&[case], &worse);
        assert_eq!(targets[0].met, Some(false), "{targets:?}");
        // Without other peers there is nothing to compare with.
        assert_eq!(judge(&[case], &samples[..1])[0].met, None);
    }
}
