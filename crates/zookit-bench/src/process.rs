//! Another process's CPU time and resident memory, from `/proc` (the
//! servers' processes: the harness measures them from outside).

use std::time::Duration;

use crate::{Error, Result};

/// Clock ticks per second of `/proc/PID/stat`'s times (Linux's `USER_HZ`,
/// 100 on every architecture this runs on).
const USER_HZ: u64 = 100;

/// The CPU time (user + system, every thread, living or ended) process
/// `pid` has used so far: `utime + stime` of `/proc/PID/stat`, in ticks
/// of 10 ms.
pub fn cpu_time(pid: u32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let ticks = parse_cpu_ticks(&stat)
        .ok_or_else(|| Error::msg(format!("cannot read the CPU times of /proc/{pid}/stat")))?;
    Ok(Duration::from_millis(ticks * 1000 / USER_HZ))
}

/// `utime + stime` (fields 14 and 15) of a `stat` line. The command name
/// (field 2, in parentheses) may hold spaces: the fields are counted from
/// the last `)`.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14, at index 11.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The resident memory of process `pid`, in KiB (`VmRSS` of
/// `/proc/PID/status`).
pub fn rss_kb(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    parse_rss_kb(&status).ok_or_else(|| Error::msg(format!("no VmRSS in /proc/{pid}/status")))
}

/// `VmRSS` of a `status` file, in KiB.
pub fn parse_rss_kb(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_ticks_past_a_command_name_with_spaces_and_parentheses() {
        let stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 \
                    250 37 0 0 20 0 9 0 123 456 789";
        assert_eq!(parse_cpu_ticks(stat), Some(287));
        assert_eq!(parse_cpu_ticks("1 (x) S 1"), None);
    }

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(cpu_time(me).unwrap() > Duration::ZERO);
        assert!(rss_kb(me).unwrap() > 100);
    }
}
