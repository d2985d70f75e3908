//! Measuring a run from inside the client's process: wall time, the
//! process's CPU time (user + system, every thread) and its resident
//! memory. Every driver measures the same way: Python with
//! `resource.getrusage`, Java with `getProcessCpuTime`, each reading
//! `/proc/self/status` for memory.

use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::latency::Latency;

/// What a driver reports about one run: the measured part only (set-up,
/// connecting and warm-up excluded, unless the workload is connecting).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Operations (requests, events, nodes or cycles) in the measured part.
    pub ops: u64,
    /// Its wall time, in seconds.
    pub elapsed_s: f64,
    /// The client process's CPU time (user + system) meanwhile, in seconds.
    pub cpu_s: f64,
    /// Resident memory of the client process at the end, in KiB (idle
    /// watches only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rss_kb: Option<u64>,
    /// Resident memory before the client was created, in KiB (idle watches
    /// only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_rss_kb: Option<u64>,
    /// Per-request latency percentiles (latency workloads only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// Every request's latency in microseconds (latency workloads only),
    /// for the harness to pool across runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latencies_us: Vec<u32>,
}

impl Outcome {
    /// Operations per second.
    pub fn ops_per_s(&self) -> f64 {
        if self.elapsed_s > 0.0 { self.ops as f64 / self.elapsed_s } else { 0.0 }
    }

    /// CPU microseconds per operation.
    pub fn cpu_us_per_op(&self) -> f64 {
        if self.ops > 0 { self.cpu_s * 1e6 / self.ops as f64 } else { 0.0 }
    }

    /// The outcome in a few words, for progress lines.
    pub fn summary(&self) -> String {
        let mut line =
            format!("{:.0} ops/s, {:.2} CPU µs/op", self.ops_per_s(), self.cpu_us_per_op());
        if let Some(kb) = self.rss_kb {
            line.push_str(&format!(", {kb} KiB"));
        }
        if let Some(l) = self.latency {
            line.push_str(&format!(
                ", p50 {:.0} / p99 {:.0} / p99.9 {:.0} µs",
                l.p50_us, l.p99_us, l.p999_us
            ));
        }
        line
    }

    /// Adds another measured part (of the same run) to this one.
    pub fn add(&mut self, other: &Outcome) {
        self.ops += other.ops;
        self.elapsed_s += other.elapsed_s;
        self.cpu_s += other.cpu_s;
    }
}

/// The CPU time (user + system) of this process so far, every thread.
pub fn process_cpu() -> Result<Duration> {
    let usage = getrusage(UsageWho::RUSAGE_SELF)?;
    let micros = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec().max(0) as u64)
            + Duration::from_micros(t.tv_usec().max(0) as u64)
    };
    Ok(micros(usage.user_time()) + micros(usage.system_time()))
}

/// The resident memory of this process, in KiB (`VmRSS`).
pub fn rss_kb() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    crate::process::parse_rss_kb(&status)
        .ok_or_else(|| crate::Error::msg("no VmRSS in /proc/self/status"))
}

/// A measurement in progress: wall clock and CPU time since it started.
#[derive(Debug, Clone, Copy)]
pub struct Meter {
    start: Instant,
    cpu: Duration,
}

impl Meter {
    /// Starts measuring now.
    pub fn start() -> Result<Self> {
        let cpu = process_cpu()?;
        Ok(Meter { start: Instant::now(), cpu })
    }

    /// Stops measuring: `ops` operations were done since the start.
    pub fn stop(self, ops: u64) -> Result<Outcome> {
        let elapsed = self.start.elapsed();
        let cpu = process_cpu()?.saturating_sub(self.cpu);
        Ok(Outcome {
            ops,
            elapsed_s: elapsed.as_secs_f64(),
            cpu_s: cpu.as_secs_f64(),
            ..Outcome::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_cpu_and_memory() {
        let meter = Meter::start().unwrap();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let outcome = meter.stop(10).unwrap();
        assert!(outcome.cpu_s > 0.0 && outcome.elapsed_s > 0.0, "{outcome:?}");
        assert!(rss_kb().unwrap() > 100);
        assert_eq!(Outcome { ops: 10, elapsed_s: 2.0, ..outcome.clone() }.ops_per_s(), 5.0);
    }
}
