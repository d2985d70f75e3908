//! The limits of an acquisition: a deadline, and `cancel()`.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::wait::{deadline_in, sleep_until};

/// Makes the acquisitions in progress give up: each holds a [`Cancel`]
/// taken when it began.
#[derive(Debug)]
pub(crate) struct Canceller(watch::Sender<u64>);

impl Canceller {
    pub(crate) fn new() -> Self {
        Self(watch::channel(0).0)
    }

    /// A token that resolves on the next [`cancel`](Self::cancel).
    pub(crate) fn token(&self) -> Cancel {
        Cancel(self.0.subscribe())
    }

    pub(crate) fn cancel(&self) {
        self.0.send_modify(|epoch| *epoch = epoch.wrapping_add(1));
    }
}

/// Resolves at the first `cancel()` after it was taken.
#[derive(Clone, Debug)]
pub(crate) struct Cancel(watch::Receiver<u64>);

impl Cancel {
    pub(crate) async fn cancelled(&mut self) {
        if self.0.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// The limits of one acquisition: its deadline, and its cancel token.
/// Taken when the acquisition is asked for, so that a `cancel()` from
/// then on is never missed.
#[derive(Clone, Debug)]
pub(crate) struct Limits {
    timeout: Option<Duration>,
    deadline: Option<Instant>,
    cancel: Cancel,
}

impl Limits {
    pub(crate) fn new(timeout: Option<Duration>, cancel: Cancel) -> Self {
        Self { timeout, deadline: timeout.map(deadline_in), cancel }
    }

    /// Runs `future`, unless `cancel()` comes or the deadline passes first.
    pub(crate) async fn run<T>(&mut self, future: impl Future<Output = T>) -> Result<T> {
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => Err(Error::cancelled()),
            () = sleep_until(self.deadline) => {
                Err(Error::timeout("could not acquire", self.timeout.unwrap_or_default()))
            }
            value = future => Ok(value),
        }
    }
}
