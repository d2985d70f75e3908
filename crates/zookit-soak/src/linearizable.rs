//! A linearizability checker for one versioned register (a znode read with
//! its version and set with an expected version), in the style of
//! Wing & Gong and Knossos's "linear" search: the history is walked in time
//! order, keeping every configuration (a model state and the operations
//! already linearized but not yet returned) that explains it so far. When
//! an operation returns, every configuration must have linearized it, or be
//! able to by linearizing some of the operations open at that moment;
//! configurations that cannot are dropped. No configuration left: the
//! history is not linearizable at that return.
//!
//! Indeterminate operations (invoked, never completed, or failed with a
//! connection loss) may take effect at any time after their invocation, or
//! never. A read without an answer says nothing and is left out. A write
//! expects a version, which only grows, so it takes effect at most once; it
//! is forgotten once every configuration is past its version.

use std::collections::{BTreeSet, HashSet};

/// The register's state: its version and its value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// The znode's data version.
    pub version: i32,
    /// Its data.
    pub value: String,
}

/// What an operation did, as far as its caller knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A read that returned this state.
    Read(State),
    /// A set expecting version `expect`, writing `value`: acknowledged when
    /// the operation has a return, indeterminate otherwise.
    Write {
        /// The version expected.
        expect: i32,
        /// The value written.
        value: String,
    },
    /// A set expecting version `expect` that was refused (bad version).
    Refused {
        /// The version expected.
        expect: i32,
    },
}

/// One operation: when it was invoked and returned (µs), and what it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    /// Invocation time.
    pub invoke: u64,
    /// Return time; `None` for an indeterminate operation.
    pub ret: Option<u64>,
    /// What it did.
    pub kind: Kind,
    /// A label for reports.
    pub label: String,
}

/// A point where the history could not be explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The operation whose return no configuration could explain.
    pub op: String,
    /// The states the register could have been in just before.
    pub possible_states: Vec<State>,
}

/// The checker's verdict.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Operations checked.
    pub ops: usize,
    /// The violations found (after each, the search starts again from the
    /// state the operation saw, so that one bug is counted once).
    pub violations: Vec<Violation>,
    /// The most configurations held at once.
    pub max_configs: usize,
}

/// More configurations than this: the search is cut to this many (kept
/// ones are still valid explanations, so a violation found is real; a
/// history explained only by a dropped one would be flagged).
const MAX_CONFIGS: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Config {
    state: State,
    /// Operations linearized that have not returned yet (indices).
    linearized: BTreeSet<usize>,
}

fn step(state: &State, kind: &Kind) -> Option<State> {
    match kind {
        Kind::Read(seen) => (seen == state).then(|| state.clone()),
        Kind::Write { expect, value } => {
            (state.version == *expect).then(|| State { version: expect + 1, value: value.clone() })
        }
        Kind::Refused { expect } => (state.version != *expect).then(|| state.clone()),
    }
}

/// Checks the history `ops` of one register that started in `initial`.
pub fn check(initial: State, ops: &[Op]) -> Verdict {
    let ops: Vec<&Op> =
        ops.iter().filter(|op| op.ret.is_some() || matches!(op.kind, Kind::Write { .. })).collect();
    // Invocations before returns at the same instant: more overlap, never
    // a false alarm.
    let mut events: Vec<(u64, bool, usize)> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        events.push((op.invoke, false, i));
        if let Some(ret) = op.ret {
            events.push((ret, true, i));
        }
    }
    events.sort();
    let mut verdict = Verdict { ops: ops.len(), ..Verdict::default() };
    let mut configs: HashSet<Config> =
        HashSet::from([Config { state: initial, linearized: BTreeSet::new() }]);
    let mut open: BTreeSet<usize> = BTreeSet::new();
    for (_, is_return, i) in events {
        if !is_return {
            open.insert(i);
            continue;
        }
        let mut next = HashSet::new();
        let mut seen = HashSet::new();
        for config in &configs {
            explore(config.clone(), i, &ops, &open, &mut seen, &mut next);
            if next.len() >= MAX_CONFIGS {
                break;
            }
        }
        open.remove(&i);
        if next.is_empty() {
            verdict.violations.push(Violation {
                op: ops[i].label.clone(),
                possible_states: configs.iter().map(|c| c.state.clone()).collect(),
            });
            next = restart_after(&ops[i].kind, configs);
        }
        configs = next;
        verdict.max_configs = verdict.max_configs.max(configs.len());
        forget_passed_writes(&mut open, &ops, &configs);
    }
    verdict
}

/// Depth-first: every way of linearizing open operations until `target`
/// is linearized; the configurations reached (with `target` returned) go
/// to `out`.
fn explore(
    config: Config,
    target: usize,
    ops: &[&Op],
    open: &BTreeSet<usize>,
    seen: &mut HashSet<Config>,
    out: &mut HashSet<Config>,
) {
    if out.len() >= MAX_CONFIGS || !seen.insert(config.clone()) {
        return;
    }
    if config.linearized.contains(&target) {
        let mut done = config;
        done.linearized.remove(&target);
        out.insert(done);
        return;
    }
    for &p in open {
        if config.linearized.contains(&p) {
            continue;
        }
        if let Some(state) = step(&config.state, &ops[p].kind) {
            let mut linearized = config.linearized.clone();
            // An indeterminate write never returns: nothing to remember
            // (its version guard keeps it from taking effect twice).
            if ops[p].ret.is_some() {
                linearized.insert(p);
            }
            explore(Config { state, linearized }, target, ops, open, seen, out);
        }
    }
}

/// After a violation: start again from what the operation saw.
fn restart_after(kind: &Kind, previous: HashSet<Config>) -> HashSet<Config> {
    let state = match kind {
        Kind::Read(state) => state.clone(),
        Kind::Write { expect, value } => State { version: expect + 1, value: value.clone() },
        Kind::Refused { .. } => return previous,
    };
    HashSet::from([Config { state, linearized: BTreeSet::new() }])
}

/// Drops indeterminate writes that can no longer take effect.
fn forget_passed_writes(open: &mut BTreeSet<usize>, ops: &[&Op], configs: &HashSet<Config>) {
    let Some(min_version) = configs.iter().map(|c| c.state.version).min() else {
        return;
    };
    open.retain(|&i| match ops[i].kind {
        Kind::Write { expect, .. } if ops[i].ret.is_none() => expect >= min_version,
        _ => true,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(version: i32, value: &str) -> State {
        State { version, value: value.into() }
    }

    fn read(invoke: u64, ret: u64, version: i32, value: &str) -> Op {
        Op {
            invoke,
            ret: Some(ret),
            kind: Kind::Read(st(version, value)),
            label: format!("read@{invoke}"),
        }
    }

    fn write(invoke: u64, ret: Option<u64>, expect: i32, value: &str) -> Op {
        Op {
            invoke,
            ret,
            kind: Kind::Write { expect, value: value.into() },
            label: format!("write {value}@{invoke}"),
        }
    }

    fn refused(invoke: u64, ret: u64, expect: i32) -> Op {
        Op {
            invoke,
            ret: Some(ret),
            kind: Kind::Refused { expect },
            label: format!("refused@{invoke}"),
        }
    }

    fn violations(ops: &[Op]) -> usize {
        check(st(0, "init"), ops).violations.len()
    }

    #[test]
    fn a_sequential_history_is_linearizable() {
        let ops = [read(0, 1, 0, "init"), write(2, Some(3), 0, "a"), read(4, 5, 1, "a")];
        assert_eq!(violations(&ops), 0);
    }

    #[test]
    fn concurrent_operations_may_take_effect_in_either_order() {
        // The read overlaps the write: it may see either state.
        let ops = [write(0, Some(10), 0, "a"), read(1, 2, 1, "a"), read(3, 4, 0, "init")];
        // Seeing "a" then "init" is impossible (no write back to init).
        assert_eq!(violations(&ops), 1);
        let ops = [write(0, Some(10), 0, "a"), read(1, 2, 0, "init"), read(3, 4, 1, "a")];
        assert_eq!(violations(&ops), 0);
    }

    #[test]
    fn a_stale_read_is_caught() {
        // The write returned before the read was invoked; the read still
        // sees the old value.
        let ops = [write(0, Some(1), 0, "a"), read(2, 3, 0, "init")];
        assert_eq!(violations(&ops), 1);
    }

    #[test]
    fn a_lost_write_is_caught() {
        // Both writes expected version 0 and both were acknowledged: one
        // of them must have been lost (or applied without its check).
        let ops = [write(0, Some(1), 0, "a"), write(2, Some(3), 0, "b"), read(4, 5, 1, "b")];
        assert_eq!(violations(&ops), 1);
        // An acknowledged write that a later read does not see.
        let ops = [write(0, Some(1), 0, "a"), read(2, 3, 0, "init")];
        assert_eq!(violations(&ops), 1);
    }

    #[test]
    fn a_write_seen_before_it_was_invoked_is_caught() {
        // Counted at the read, and at the write, which cannot follow the
        // state the read saw.
        let ops = [read(0, 1, 1, "a"), write(2, Some(3), 0, "a")];
        assert_eq!(violations(&ops), 2);
    }

    #[test]
    fn a_refusal_needs_another_version() {
        // Refused with the current version, nothing concurrent: wrong.
        let ops = [refused(0, 1, 0)];
        assert_eq!(violations(&ops), 1);
        // Refused while a concurrent write moved the version: fine.
        let ops = [write(0, Some(5), 0, "a"), refused(1, 2, 0), read(6, 7, 1, "a")];
        assert_eq!(violations(&ops), 0);
    }

    #[test]
    fn an_indeterminate_write_may_take_effect_or_not() {
        let took = [write(0, None, 0, "a"), read(5, 6, 1, "a")];
        assert_eq!(violations(&took), 0);
        let did_not = [write(0, None, 0, "a"), read(5, 6, 0, "init"), write(7, Some(8), 0, "b")];
        assert_eq!(violations(&did_not), 0);
        // It may take effect late, but only once, and not before its
        // invocation.
        let early = [read(0, 1, 1, "a"), write(2, None, 0, "a")];
        assert_eq!(violations(&early), 1);
    }

    #[test]
    fn a_read_without_an_answer_is_left_out() {
        let ops = [Op { invoke: 0, ret: None, kind: Kind::Read(st(9, "x")), label: "r".into() }];
        let verdict = check(st(0, "init"), &ops);
        assert_eq!((verdict.ops, verdict.violations.len()), (0, 0));
    }

    #[test]
    fn one_bug_is_counted_once() {
        // After the stale read, the search goes on from what it saw.
        let ops = [
            write(0, Some(1), 0, "a"),
            read(2, 3, 0, "init"),
            write(4, Some(5), 0, "b"),
            read(6, 7, 1, "b"),
        ];
        assert_eq!(violations(&ops), 1);
    }

    #[test]
    fn many_concurrent_writers_stay_tractable() {
        // 8 clients, each doing read-then-CAS rounds that overlap.
        let mut ops = Vec::new();
        for round in 0..500u64 {
            let (t, version) = (round * 100, round as i32);
            for c in 0..8u64 {
                ops.push(read(t + c, t + 50 + c, version, &format!("v{version}")));
            }
            for c in 0..8u64 {
                let value = format!("v{}", version + 1);
                if c == round % 8 {
                    ops.push(write(t + 60 + c, Some(t + 90 + c), version, &value));
                } else {
                    ops.push(refused(t + 60 + c, t + 90 + c, version));
                }
            }
        }
        let initial = st(0, "v0");
        let verdict = check(initial, &ops);
        assert_eq!(verdict.violations, vec![]);
        // The refusals still open may or may not be linearized: 2^7.
        assert!(verdict.max_configs <= 256, "{}", verdict.max_configs);
    }
}
