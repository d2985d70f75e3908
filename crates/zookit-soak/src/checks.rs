//! The checks run on the history at the end of a soak. Each returns the
//! anomalies it found, described; none is the only good answer.

use std::collections::{BTreeMap, HashMap};

use crate::history::{Call, Entry, Outcome, ProcessHistory};
use crate::linearizable::{self, Kind, Op, State};

/// An operation with its completion, if any, and its process.
#[derive(Clone, Debug)]
pub struct Operation<'a> {
    /// The process that ran it.
    pub process: &'a str,
    /// When it was invoked.
    pub invoke: u64,
    /// Its bound (µs).
    pub bound: u64,
    /// What it asked for.
    pub call: &'a Call,
    /// When and how it completed; `None` if never.
    pub completion: Option<(u64, &'a Outcome)>,
}

impl Operation<'_> {
    /// Whether it succeeded.
    pub fn succeeded(&self) -> bool {
        matches!(self.completion, Some((_, Outcome::Ok { .. })))
    }

    /// Whether it surely had no effect.
    pub fn refused(&self) -> bool {
        matches!(self.completion, Some((_, Outcome::Fail { .. })))
    }

    /// Whether it may or may not have had an effect.
    pub fn indeterminate(&self) -> bool {
        !self.succeeded() && !self.refused()
    }
}

/// Pairs every invocation with its completion.
pub fn operations(histories: &[ProcessHistory]) -> Vec<Operation<'_>> {
    let mut ops = Vec::new();
    for history in histories {
        let mut done: HashMap<u64, (u64, &Outcome)> = HashMap::new();
        for entry in &history.entries {
            if let Entry::Complete { op, time, outcome } = entry {
                done.insert(*op, (*time, outcome));
            }
        }
        for entry in &history.entries {
            if let Entry::Invoke { op, time, call, bound } = entry {
                ops.push(Operation {
                    process: &history.process,
                    invoke: *time,
                    bound: *bound,
                    call,
                    completion: done.get(op).copied(),
                });
            }
        }
    }
    ops.sort_by_key(|op| op.invoke);
    ops
}

/// Whether an error text says the version did not match.
fn is_bad_version(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Fail { error } if error.contains("BadVersion") || error.contains("bad version"))
}

/// Check 1: each register's writes and synced reads are linearizable
/// (registers start at version 0 with value `initial`); plain reads keep
/// ZooKeeper's promise for them ([`plain_reads`]). Returns how many
/// operations the linearizability search took in, how many reads the
/// plain-read rules checked (synced ones too), and the anomalies.
pub fn registers(ops: &[Operation<'_>], initial: &str) -> (usize, usize, Vec<String>) {
    let mut per_register: BTreeMap<&str, Vec<Op>> = BTreeMap::new();
    let mut checked = 0;
    for op in ops {
        let (register, kind) = match op.call {
            Call::Read { synced: false, .. } => continue,
            Call::Read { register, .. } => match op.completion {
                Some((_, Outcome::Ok { read: Some((version, value)), .. })) => {
                    (register, Kind::Read(State { version: *version, value: value.clone() }))
                }
                _ => continue,
            },
            Call::Cas { register, expect, value, .. }
            | Call::Multi { register, expect, value, .. } => {
                match op.completion {
                    Some((_, outcome)) if is_bad_version(outcome) => {
                        (register, Kind::Refused { expect: *expect })
                    }
                    // Another definite failure (none is expected) says
                    // nothing about the version: leave it out.
                    Some((_, Outcome::Fail { .. })) => continue,
                    _ => (register, Kind::Write { expect: *expect, value: value.clone() }),
                }
            }
            _ => continue,
        };
        let ret = if op.succeeded() || op.refused() { op.completion.map(|(t, _)| t) } else { None };
        let label = format!("{} {:?} at {} -> {:?}", op.process, op.call, op.invoke, op.completion);
        per_register.entry(register).or_default().push(Op { invoke: op.invoke, ret, kind, label });
    }
    let mut anomalies = Vec::new();
    for (register, history) in per_register {
        let initial = State { version: 0, value: initial.to_string() };
        let verdict = linearizable::check(initial, &history);
        checked += verdict.ops;
        for violation in verdict.violations {
            anomalies.push(format!(
                "{register}: not linearizable at {} (possible states before: {:?})",
                violation.op, violation.possible_states
            ));
        }
    }
    let (plain, more) = plain_reads(ops, initial);
    anomalies.extend(more);
    (checked, plain, anomalies)
}

/// ZooKeeper serves a plain read from the member the client is connected
/// to, which may lag behind the leader: such reads are not linearizable.
/// What ZooKeeper does promise them is checked: each read returns a state
/// the register really had (the initial one, or one a write that was not
/// refused made), not one written after the read returned, and never an
/// older one than its client already saw (by a read, or its own write).
pub fn plain_reads(ops: &[Operation<'_>], initial: &str) -> (usize, Vec<String>) {
    let mut made: HashMap<(&str, i32, &str), u64> = HashMap::new();
    for op in ops {
        if let Call::Cas { register, expect, value, .. }
        | Call::Multi { register, expect, value, .. } = op.call
        {
            if !op.refused() {
                made.insert((register.as_str(), expect + 1, value.as_str()), op.invoke);
            }
        }
    }
    let mut anomalies = Vec::new();
    let mut checked = 0;
    // (process, client, register) -> the newest version it saw.
    let mut seen: HashMap<(&str, &str, &str), i32> = HashMap::new();
    for op in ops {
        match op.call {
            Call::Read { register, client, .. } => {
                let Some((ret, Outcome::Ok { read: Some((version, value)), .. })) = op.completion
                else {
                    continue;
                };
                checked += 1;
                let key = (op.process, client.as_str(), register.as_str());
                let real = (*version == 0 && value == initial)
                    || made
                        .get(&(register.as_str(), *version, value.as_str()))
                        .is_some_and(|&w| w <= ret);
                if !real {
                    anomalies.push(format!(
                        "{register}: {} {client} read version {version} {value:?}, which no write made before the read returned",
                        op.process
                    ));
                }
                let newest = seen.entry(key).or_insert(*version);
                if *version < *newest {
                    anomalies.push(format!(
                        "{register}: {} {client} read version {version} after seeing {newest}",
                        op.process
                    ));
                }
                *newest = (*newest).max(*version);
            }
            Call::Cas { register, expect, client, .. }
            | Call::Multi { register, expect, client, .. }
                if op.succeeded() =>
            {
                let newest =
                    seen.entry((op.process, client.as_str(), register.as_str())).or_insert(0);
                *newest = (*newest).max(expect + 1);
            }
            _ => {}
        }
    }
    (checked, anomalies)
}

/// A holding of a lock, a semaphore's lease or a lease.
#[derive(Clone, Debug)]
pub struct Holding {
    /// `lock`, `semaphore` or `lease`.
    pub kind: String,
    /// The recipe's path.
    pub resource: String,
    /// Who held it.
    pub holder: String,
    /// How many may hold it at once.
    pub limit: usize,
    /// From (acquired).
    pub from: u64,
    /// To (released, suspended, lost, the lease's end, or the process's
    /// end).
    pub to: u64,
    /// Whether it ended with a release.
    pub released: bool,
}

/// Every holding in the histories; `process_end` gives when each process
/// ended (killed or exited), which ends the holdings it never ended.
pub fn holdings(histories: &[ProcessHistory], process_end: &HashMap<String, u64>) -> Vec<Holding> {
    let mut all = Vec::new();
    for history in histories {
        let last = history.entries.iter().map(entry_time).max().unwrap_or(0);
        let end = process_end.get(&history.process).copied().unwrap_or(last).max(last);
        let mut ended: HashMap<u64, (u64, bool)> = HashMap::new();
        for entry in &history.entries {
            if let Entry::Ended { hold, time, why } = entry {
                ended.insert(*hold, (*time, why == "released"));
            }
        }
        for entry in &history.entries {
            if let Entry::Acquired { hold, time, kind, resource, holder, limit, until } = entry {
                let (mut to, released) = ended.get(hold).copied().unwrap_or((end, false));
                if let Some(until) = until {
                    to = to.min(*until);
                }
                all.push(Holding {
                    kind: kind.clone(),
                    resource: resource.clone(),
                    holder: holder.clone(),
                    limit: *limit,
                    from: *time,
                    to,
                    released,
                });
            }
        }
    }
    end_renewals_at_release(&mut all);
    all
}

/// A lease renewed (obtained again by its holder) and then released is
/// given up at the release: the earlier obtainments end there too.
fn end_renewals_at_release(all: &mut [Holding]) {
    let releases: Vec<(String, String, String, u64, u64)> = all
        .iter()
        .filter(|h| h.released)
        .map(|h| (h.kind.clone(), h.resource.clone(), h.holder.clone(), h.from, h.to))
        .collect();
    for (kind, resource, holder, from, to) in releases {
        for h in all.iter_mut() {
            if h.kind == kind
                && h.resource == resource
                && h.holder == holder
                && h.from <= from
                && h.to > to
            {
                h.to = to;
            }
        }
    }
}

/// Check 2: never more holders at once than a resource allows (different
/// holders: a lease renewed by its holder is one holding).
pub fn exclusion(holdings: &[Holding]) -> Vec<String> {
    let mut per_resource: BTreeMap<(&str, &str), Vec<&Holding>> = BTreeMap::new();
    for h in holdings.iter().filter(|h| h.to > h.from) {
        per_resource.entry((&h.kind, &h.resource)).or_default().push(h);
    }
    let mut anomalies = Vec::new();
    for ((kind, resource), hs) in per_resource {
        // Sweep: ends before starts at the same instant.
        let mut events: Vec<(u64, i32, usize)> = Vec::new();
        for (i, h) in hs.iter().enumerate() {
            events.push((h.from, 1, i));
            events.push((h.to, -1, i));
        }
        events.sort();
        let mut current: Vec<usize> = Vec::new();
        let mut flagged = false;
        for (time, delta, i) in events {
            if delta < 0 {
                current.retain(|&j| j != i);
                flagged = false;
                continue;
            }
            current.push(i);
            let mut holders: Vec<&str> = current.iter().map(|&j| hs[j].holder.as_str()).collect();
            holders.sort_unstable();
            holders.dedup();
            let limit = hs[i].limit;
            if holders.len() > limit && !flagged {
                flagged = true;
                anomalies.push(format!(
                    "{kind} {resource}: {} holders at {time} (limit {limit}): {holders:?}",
                    holders.len()
                ));
            }
        }
    }
    anomalies
}

/// The end of a run: the children of the checked parents, by parent.
pub type FinalChildren = BTreeMap<String, Vec<String>>;

fn sequence_number(path: &str) -> Option<u64> {
    let digits = path.get(path.len().checked_sub(10)?..)?;
    digits.parse().ok()
}

/// Check 3: every acknowledged create (and transaction) is present at the
/// end unless a delete of it was tried; nothing is present that no create
/// could have made; no ephemeral node outlives the run; sequence numbers
/// grow with real time under each parent.
pub fn creates(ops: &[Operation<'_>], at_end: &FinalChildren) -> Vec<String> {
    let mut anomalies = Vec::new();
    let present = |path: &str| {
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        at_end.get(parent).is_some_and(|c| c.iter().any(|n| n == name))
    };
    let deleted: std::collections::HashSet<&str> = ops
        .iter()
        .filter_map(|op| match op.call {
            Call::Delete { path } if !op.refused() => Some(path.as_str()),
            _ => None,
        })
        .collect();
    let mut sequential: BTreeMap<&str, Vec<(u64, u64, u64)>> = BTreeMap::new();
    let mut maybe_created: BTreeMap<&str, usize> = BTreeMap::new();
    let mut acked: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for op in ops {
        match (op.call, op.completion) {
            (Call::Create { parent, sequential: seq, ephemeral }, completion) => {
                let Some((ret, Outcome::Ok { path: Some(path), .. })) = completion else {
                    if op.indeterminate() {
                        *maybe_created.entry(parent).or_default() += 1;
                    }
                    continue;
                };
                acked.insert(path);
                if *seq {
                    if let Some(n) = sequence_number(path) {
                        sequential.entry(parent).or_default().push((op.invoke, ret, n));
                    }
                }
                if !ephemeral && !deleted.contains(path.as_str()) && !present(path) {
                    anomalies
                        .push(format!("acknowledged create of {path} ({}) is gone", op.process));
                }
            }
            (Call::Multi { node, .. }, _) => {
                let is_present = present(node);
                if op.succeeded() && !is_present {
                    anomalies.push(format!("committed transaction's {node} is gone"));
                } else if op.refused() && is_present {
                    anomalies.push(format!("failed transaction's {node} exists"));
                }
            }
            _ => {}
        }
    }
    for (parent, names) in at_end {
        let unacked = names
            .iter()
            .filter(|name| !acked.contains(format!("{parent}/{name}").as_str()))
            .count();
        let multi_parent = parent.ends_with("/multi");
        let allowed = maybe_created.get(parent.as_str()).copied().unwrap_or(0);
        if !multi_parent && unacked > allowed {
            anomalies.push(format!(
                "{parent}: {unacked} children no acknowledged create made, only {allowed} creates were indeterminate"
            ));
        }
        if parent.ends_with("/ephemeral") && !names.is_empty() {
            anomalies.push(format!("{parent}: ephemeral nodes outlived their sessions: {names:?}"));
        }
    }
    for (parent, mut seqs) in sequential {
        // For each create, the largest number among those returned before
        // it was invoked must be smaller than its own.
        seqs.sort_by_key(|&(invoke, _, _)| invoke);
        let mut by_return: Vec<(u64, u64)> = seqs.iter().map(|&(_, ret, n)| (ret, n)).collect();
        by_return.sort();
        let (mut j, mut max_before) = (0, None::<u64>);
        for &(invoke, _, n) in &seqs {
            while j < by_return.len() && by_return[j].0 < invoke {
                max_before = max_before.max(Some(by_return[j].1));
                j += 1;
            }
            if let Some(before) = max_before.filter(|&before| before >= n) {
                anomalies.push(format!(
                    "{parent}: sequence number {n} after {before} was already returned"
                ));
            }
        }
    }
    anomalies
}

/// Check 4: the watch checks the workers made that failed.
pub fn watches(histories: &[ProcessHistory]) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut anomalies = Vec::new();
    for history in histories {
        for entry in &history.entries {
            if let Entry::WatchCheck { kind, path, ok, detail, time } = entry {
                checked += 1;
                if !ok {
                    anomalies.push(format!(
                        "{} {kind} watch on {path} at {time}: {detail}",
                        history.process
                    ));
                }
            }
        }
    }
    (checked, anomalies)
}

/// Check 5: every operation completed within its bound, and every
/// operation of a process that finished normally completed. Returns the
/// longest latency seen (µs) too.
pub fn bounds(
    ops: &[Operation<'_>],
    finished: &std::collections::HashSet<String>,
) -> (u64, Vec<String>) {
    let mut longest = 0;
    let mut anomalies = Vec::new();
    for op in ops {
        match op.completion {
            Some((time, _)) => {
                let took = time.saturating_sub(op.invoke);
                longest = longest.max(took);
                if took > op.bound {
                    anomalies.push(format!(
                        "{} {} took {} ms, bound {} ms",
                        op.process,
                        op.call.kind(),
                        took / 1000,
                        op.bound / 1000
                    ));
                }
            }
            None if finished.contains(op.process) => {
                anomalies.push(format!("{} {} never completed", op.process, op.call.kind()));
            }
            None => {}
        }
    }
    (longest, anomalies)
}

/// The tolerance of check 6: the last quarter's mean resident memory may
/// exceed the first quarter's (after warm-up) by this fraction...
pub const RSS_GROWTH_FRACTION: f64 = 0.25;
/// ... plus this many KiB.
pub const RSS_GROWTH_KIB: f64 = 4096.0;
/// Processes with fewer samples than this are not judged.
pub const RSS_MIN_SAMPLES: usize = 12;

/// Memory figures of one process for the report.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RssFigures {
    /// The process.
    pub process: String,
    /// Mean RSS of the first quarter after warm-up (KiB).
    pub first_kib: u64,
    /// Mean RSS of the last quarter (KiB).
    pub last_kib: u64,
}

/// Check 6: each worker's memory is flat: after dropping the first fifth
/// of its samples (warm-up), the mean of the last quarter is within
/// [`RSS_GROWTH_FRACTION`] and [`RSS_GROWTH_KIB`] of the first quarter's.
pub fn memory(histories: &[ProcessHistory]) -> (Vec<RssFigures>, Vec<String>) {
    let mut figures = Vec::new();
    let mut anomalies = Vec::new();
    for history in histories {
        let samples: Vec<u64> = history
            .entries
            .iter()
            .filter_map(|e| if let Entry::Rss { kib, .. } = e { Some(*kib) } else { None })
            .collect();
        if samples.len() < RSS_MIN_SAMPLES {
            continue;
        }
        let steady = &samples[samples.len() / 5..];
        let quarter = (steady.len() / 4).max(1);
        let mean = |s: &[u64]| s.iter().sum::<u64>() as f64 / s.len() as f64;
        let (first, last) = (mean(&steady[..quarter]), mean(&steady[steady.len() - quarter..]));
        figures.push(RssFigures {
            process: history.process.clone(),
            first_kib: first as u64,
            last_kib: last as u64,
        });
        if last > first * (1.0 + RSS_GROWTH_FRACTION) + RSS_GROWTH_KIB {
            anomalies.push(format!(
                "{}: RSS grew from {first:.0} KiB to {last:.0} KiB",
                history.process
            ));
        }
    }
    (figures, anomalies)
}

fn entry_time(entry: &Entry) -> u64 {
    match entry {
        Entry::Invoke { time, .. }
        | Entry::Complete { time, .. }
        | Entry::Acquired { time, .. }
        | Entry::Ended { time, .. }
        | Entry::WatchCheck { time, .. }
        | Entry::Rss { time, .. }
        | Entry::Finished { time } => *time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hold(holder: &str, from: u64, to: u64, limit: usize) -> Holding {
        Holding {
            kind: "lock".into(),
            resource: "/l".into(),
            holder: holder.into(),
            limit,
            from,
            to,
            released: false,
        }
    }

    #[test]
    fn a_release_ends_the_renewals_before_it() {
        // Seed 1 on the embedded server: a holder renewed a lease twice,
        // released it, and another obtained it before the first
        // obtainment's end. Not an overlap.
        let entry = |e: &str| serde_json::from_str::<Entry>(e).unwrap();
        let acquired = |hold, time, holder: &str, until| {
            entry(&format!(
                r#"{{"entry":"acquired","hold":{hold},"time":{time},"kind":"lease","resource":"/l","holder":"{holder}","limit":1,"until":{until}}}"#
            ))
        };
        let first = ProcessHistory {
            process: "w2-0".into(),
            entries: vec![
                acquired(0, 0, "w2", 2000),
                acquired(1, 500, "w2", 2000),
                entry(r#"{"entry":"ended","hold":1,"time":800,"why":"released"}"#),
            ],
        };
        let second =
            ProcessHistory { process: "w1-0".into(), entries: vec![acquired(0, 900, "w1", 3000)] };
        let ends = HashMap::from([("w1-0".to_string(), 5000), ("w2-0".to_string(), 5000)]);
        let holdings = holdings(&[first, second], &ends);
        assert_eq!(exclusion(&holdings), Vec::<String>::new());
        // Without the release, the two overlap.
        let mut unreleased = holdings.clone();
        unreleased[0].to = 2000;
        assert_eq!(exclusion(&unreleased).len(), 1);
    }

    #[test]
    fn plain_reads_may_lag_but_not_go_back_or_invent() {
        let read = |client: &str| Call::Read {
            register: "/r".into(),
            synced: false,
            client: client.into(),
        };
        let write =
            Call::Cas { register: "/r".into(), expect: 0, value: "a".into(), client: "x".into() };
        let (read_x, read_y) = (read("x"), read("y"));
        let ok = Outcome::Ok { read: None, path: None };
        let saw = |v: i32, value: &str| Outcome::Ok { read: Some((v, value.into())), path: None };
        let (old, new, invented) = (saw(0, "init"), saw(1, "a"), saw(1, "zzz"));
        let op = |call, invoke, outcome| Operation {
            process: "p",
            invoke,
            bound: 100,
            call,
            completion: Some((invoke + 1, outcome)),
        };
        // y lags behind x's write: fine for a plain read.
        let lagging = [op(&write, 0, &ok), op(&read_y, 5, &old)];
        assert_eq!(plain_reads(&lagging, "init").1, Vec::<String>::new());
        // x reads older than its own write: back in time.
        let back = [op(&write, 0, &ok), op(&read_x, 5, &old)];
        assert_eq!(plain_reads(&back, "init").1.len(), 1);
        // y saw the new state, then the old one.
        let back = [op(&write, 0, &ok), op(&read_y, 5, &new), op(&read_y, 7, &old)];
        assert_eq!(plain_reads(&back, "init").1.len(), 1);
        // A value nobody wrote, and one read before its write.
        assert_eq!(plain_reads(&[op(&read_y, 5, &invented)], "init").1.len(), 1);
        assert_eq!(plain_reads(&[op(&read_y, 0, &new), op(&write, 5, &ok)], "init").1.len(), 1);
    }

    #[test]
    fn two_holders_at_once_are_caught() {
        assert_eq!(exclusion(&[hold("a", 0, 10, 1), hold("b", 10, 20, 1)]).len(), 0);
        assert_eq!(exclusion(&[hold("a", 0, 10, 1), hold("b", 9, 20, 1)]).len(), 1);
        // A semaphore of 2: three at once is one too many.
        let three = [hold("a", 0, 10, 2), hold("b", 1, 10, 2), hold("c", 2, 10, 2)];
        assert_eq!(exclusion(&three).len(), 1);
        // The same holder twice (a renewed lease) is one.
        assert_eq!(exclusion(&[hold("a", 0, 10, 1), hold("a", 5, 20, 1)]).len(), 0);
    }

    #[test]
    fn sequence_numbers_must_grow_with_real_time() {
        let call = Call::Create { parent: "/s".into(), sequential: true, ephemeral: false };
        let ok = |n: u32| Outcome::Ok { read: None, path: Some(format!("/s/n{n:010}")) };
        let (a, b) = (ok(5), ok(4));
        let ops = [
            Operation {
                process: "p",
                invoke: 0,
                bound: 10,
                call: &call,
                completion: Some((1, &a)),
            },
            Operation {
                process: "p",
                invoke: 2,
                bound: 10,
                call: &call,
                completion: Some((3, &b)),
            },
        ];
        let at_end = FinalChildren::from([(
            "/s".to_string(),
            vec!["n0000000005".to_string(), "n0000000004".to_string()],
        )]);
        let anomalies = creates(&ops, &at_end);
        assert_eq!(anomalies.len(), 1, "{anomalies:?}");
        // A lost acknowledged create.
        let at_end = FinalChildren::from([("/s".to_string(), vec!["n0000000005".to_string()])]);
        assert_eq!(creates(&ops, &at_end).len(), 2);
    }
}
