//! Per-request latencies: recorded by a driver (issue to reply, on a
//! monotonic clock), reported as percentiles.
//!
//! Every driver computes the percentiles the same way, by nearest rank: the
//! `q` quantile of `n` sorted latencies is the one at index
//! `ceil(q * n) - 1` (`java/Driver.java` repeats it).

use serde::{Deserialize, Serialize};

/// The latency percentiles of one run, in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// The median.
    pub p50_us: f64,
    /// The 99th percentile.
    pub p99_us: f64,
    /// The 99.9th percentile.
    pub p999_us: f64,
    /// The longest.
    pub max_us: f64,
}

impl Latency {
    /// The percentiles of `nanos` (sorted in place); `None` if it is empty.
    pub fn of_nanos(nanos: &mut [u64]) -> Option<Latency> {
        nanos.sort_unstable();
        let at = |q: f64| {
            let rank = (q * nanos.len() as f64).ceil() as usize;
            nanos[rank.clamp(1, nanos.len()) - 1] as f64 / 1e3
        };
        let max = *nanos.last()?;
        Some(Latency {
            p50_us: at(0.5),
            p99_us: at(0.99),
            p999_us: at(0.999),
            max_us: max as f64 / 1e3,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        // 1..=1000 µs, shuffled.
        let mut nanos: Vec<u64> = (1..=1000u64).map(|i| (i * 7919 % 1000 + 1) * 1000).collect();
        let latency = Latency::of_nanos(&mut nanos).unwrap();
        assert_eq!(
            latency,
            Latency { p50_us: 500.0, p99_us: 990.0, p999_us: 999.0, max_us: 1000.0 }
        );
        let one = Latency::of_nanos(&mut [2500]).unwrap();
        assert_eq!((one.p50_us, one.p999_us), (2.5, 2.5));
        assert_eq!(Latency::of_nanos(&mut []), None);
    }
}
