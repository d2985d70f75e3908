//! The soak's report: operations by kind, faults by kind, anomalies by
//! check, printed and written as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::checks::RssFigures;

/// The checks, in the order of the issue.
pub const CHECKS: [&str; 6] = ["registers", "exclusion", "creates", "watches", "bounds", "memory"];

/// What a soak did and found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// `apache` or `embedded`.
    pub server: String,
    /// The seed of the run.
    pub seed: u64,
    /// How long the workload ran (s).
    pub seconds: u64,
    /// Operations by kind.
    pub operations: BTreeMap<String, usize>,
    /// Operations without a known outcome (connection losses, kills).
    pub indeterminate: usize,
    /// Faults injected, by kind.
    pub faults: BTreeMap<String, usize>,
    /// Anomalies by check (all must be 0).
    pub anomalies: BTreeMap<String, usize>,
    /// What was checked: register operations, holdings, watch checks.
    pub checked: BTreeMap<String, usize>,
    /// The longest time an operation took (ms).
    pub max_latency_ms: u64,
    /// Worker memory: the first and last quarter's mean RSS.
    pub memory: Vec<RssFigures>,
    /// The first anomalies, described.
    pub details: Vec<String>,
}

impl Report {
    /// Whether every check found nothing, and had something to check.
    pub fn passed(&self) -> bool {
        self.anomalies.values().all(|&n| n == 0) && self.unexercised().is_empty()
    }

    /// What the run left unexercised: no fault, a check with nothing to
    /// check, no worker's memory judged. A run with any of these proves
    /// nothing about it, so it does not pass.
    pub fn unexercised(&self) -> Vec<String> {
        let mut missing = Vec::new();
        if self.faults.values().sum::<usize>() == 0 {
            missing.push("faults".to_string());
        }
        for (what, &n) in &self.checked {
            if n == 0 {
                missing.push(what.clone());
            }
        }
        if self.memory.is_empty() {
            missing.push("memory".to_string());
        }
        missing
    }

    /// Records the anomalies of `check`, keeping the first few described.
    pub fn add_anomalies(&mut self, check: &str, found: Vec<String>) {
        *self.anomalies.entry(check.to_string()).or_default() += found.len();
        for detail in found {
            if self.details.len() < 50 {
                self.details.push(format!("[{check}] {detail}"));
            }
        }
    }

    /// The report as text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let total: usize = self.operations.values().sum();
        let _ = writeln!(
            out,
            "soak on {} (seed {}), {} s: {total} operations ({} indeterminate), longest {} ms",
            self.server, self.seed, self.seconds, self.indeterminate, self.max_latency_ms
        );
        let table = |out: &mut String, title: &str, rows: &BTreeMap<String, usize>| {
            let _ = writeln!(out, "{title}:");
            for (k, v) in rows {
                let _ = writeln!(out, "  {k:<32} {v:>9}");
            }
        };
        table(&mut out, "operations", &self.operations);
        table(&mut out, "faults", &self.faults);
        table(&mut out, "checked", &self.checked);
        table(&mut out, "anomalies", &self.anomalies);
        for m in &self.memory {
            let _ =
                writeln!(out, "  rss {:<8} {} KiB -> {} KiB", m.process, m.first_kib, m.last_kib);
        }
        for d in &self.details {
            let _ = writeln!(out, "  ! {d}");
        }
        for what in self.unexercised() {
            let _ = writeln!(out, "  ! nothing exercised: {what}");
        }
        let _ = writeln!(out, "{}", if self.passed() { "PASSED" } else { "FAILED" });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercised() -> Report {
        let mut report = Report::default();
        report.faults.insert("proxy_cut".into(), 1);
        report.checked.insert("holdings".into(), 3);
        report.memory.push(RssFigures { process: "w0-0".into(), first_kib: 1, last_kib: 1 });
        for check in CHECKS {
            report.anomalies.insert(check.into(), 0);
        }
        report
    }

    #[test]
    fn a_run_passes_with_no_anomaly_and_everything_exercised() {
        assert!(exercised().passed());
        let mut anomaly = exercised();
        anomaly.add_anomalies("exclusion", vec!["two holders".into()]);
        assert!(!anomaly.passed());
        assert!(anomaly.text().contains("[exclusion] two holders"));
    }

    #[test]
    fn a_run_that_exercised_nothing_fails() {
        let mut no_faults = exercised();
        no_faults.faults.clear();
        assert_eq!(no_faults.unexercised(), ["faults"]);
        assert!(!no_faults.passed());
        let mut unchecked = exercised();
        unchecked.checked.insert("watch checks".into(), 0);
        unchecked.memory.clear();
        assert_eq!(unchecked.unexercised(), ["watch checks", "memory"]);
        assert!(unchecked.text().contains("nothing exercised: watch checks"));
    }
}
