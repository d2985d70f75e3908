//! Records operations in the worker's history: invocation, completion,
//! and whether a failure was definite or indeterminate.

use std::fmt::Display;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use zookit_soak::history::{Call, Entry, HistoryWriter, Outcome, now_us};

/// How long past its bound the soak waits for an operation before it
/// records it as hung (then the bounds check flags it).
const GRACE: Duration = Duration::from_secs(5);

/// What a successful operation returned that the checks need.
#[derive(Default)]
pub(crate) struct Seen {
    pub(crate) read: Option<(i32, String)>,
    pub(crate) path: Option<String>,
}

/// The worker's history writer and its counters.
pub(crate) struct Recorder {
    out: HistoryWriter,
    next_op: AtomicU64,
    next_hold: AtomicU64,
}

impl Recorder {
    pub(crate) fn new(out: HistoryWriter) -> Self {
        Self { out, next_op: AtomicU64::new(0), next_hold: AtomicU64::new(0) }
    }

    pub(crate) fn write(&self, entry: &Entry) {
        self.out.write(entry);
    }

    fn invoke(&self, call: Call, bound: Duration) -> u64 {
        let op = self.next_op.fetch_add(1, Ordering::Relaxed);
        let bound = bound.as_micros() as u64;
        self.write(&Entry::Invoke { op, time: now_us(), call, bound });
        op
    }

    fn complete<T, E: Display>(
        &self,
        op: u64,
        result: &Result<T, E>,
        definite: impl Fn(&E) -> bool,
        seen: impl Fn(&T) -> Seen,
    ) {
        let outcome = match result {
            Ok(value) => {
                let Seen { read, path } = seen(value);
                Outcome::Ok { read, path }
            }
            Err(e) if definite(e) => Outcome::Fail { error: format!("{e:#}") },
            Err(e) => Outcome::Info { error: format!("{e:#}") },
        };
        self.write(&Entry::Complete { op, time: now_us(), outcome });
    }

    /// Runs an async operation, recorded. `None`: it outlived its bound by
    /// more than the grace and was abandoned (recorded as such).
    pub(crate) async fn op<T, E: Display>(
        &self,
        call: Call,
        bound: Duration,
        fut: impl Future<Output = Result<T, E>>,
        definite: impl Fn(&E) -> bool,
        seen: impl Fn(&T) -> Seen,
    ) -> Option<Result<T, E>> {
        let op = self.invoke(call, bound);
        match tokio::time::timeout(bound + GRACE, fut).await {
            Ok(result) => {
                self.complete(op, &result, definite, seen);
                Some(result)
            }
            Err(_) => {
                let outcome = Outcome::Info { error: "abandoned by the soak".into() };
                self.write(&Entry::Complete { op, time: now_us(), outcome });
                None
            }
        }
    }

    /// Runs a blocking operation, recorded.
    pub(crate) fn op_blocking<T, E: Display>(
        &self,
        call: Call,
        bound: Duration,
        run: impl FnOnce() -> Result<T, E>,
        definite: impl Fn(&E) -> bool,
        seen: impl Fn(&T) -> Seen,
    ) -> Result<T, E> {
        let op = self.invoke(call, bound);
        let result = run();
        self.complete(op, &result, definite, seen);
        result
    }

    /// A new holding's number.
    pub(crate) fn hold(&self) -> u64 {
        self.next_hold.fetch_add(1, Ordering::Relaxed)
    }

    /// Records an acquisition.
    pub(crate) fn acquired(
        &self,
        hold: u64,
        kind: &str,
        resource: &str,
        holder: &str,
        limit: usize,
        until: Option<u64>,
    ) {
        self.write(&Entry::Acquired {
            hold,
            time: now_us(),
            kind: kind.into(),
            resource: resource.into(),
            holder: holder.into(),
            limit,
            until,
        });
    }

    /// Records the end of a holding, now.
    pub(crate) fn ended(&self, hold: u64, why: &str) {
        self.write(&Entry::Ended { hold, time: now_us(), why: why.into() });
    }

    /// Records a watch check.
    pub(crate) fn watch_check(&self, kind: &str, path: &str, ok: bool, detail: String) {
        self.write(&Entry::WatchCheck {
            time: now_us(),
            kind: kind.into(),
            path: path.into(),
            ok,
            detail,
        });
    }
}

/// A client error that surely had no effect.
pub(crate) fn definite(e: &zookit::Error) -> bool {
    e.is_bad_version() || e.is_no_node() || e.is_node_exists() || e.is_not_empty()
}

/// A recipe error that surely had no effect (a timeout or a miss).
pub(crate) fn definite_recipe(e: &zookit_recipes::Error) -> bool {
    e.is_timeout() || e.client_error().is_some_and(definite)
}

/// Nothing to report from a success.
pub(crate) fn nothing<T>(_: &T) -> Seen {
    Seen::default()
}

/// `Call::Other`.
pub(crate) fn other(what: &str) -> Call {
    Call::Other { what: what.into() }
}
