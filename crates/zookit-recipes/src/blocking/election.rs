//! The blocking [`Election`].

use std::fmt;
use std::time::Duration;

use zookit::blocking::Client;

use super::lock::LockGuard;
use super::run::{OnClient, wait_lost};
use crate::{LockState, Result};

/// The blocking form of [`crate::Election`] (kazoo's `Election`).
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
/// use std::time::Duration;
///
/// let election = zookit_recipes::blocking::Election::new(&zk, "/electionpath", "my-identifier");
/// // blocks until the election is won, then calls the function
/// election.run(|leadership| {
///     println!("leading: {}", leadership.is_leader());
/// })?;
/// // the same, giving up if not elected within a minute
/// election.run_timeout(Duration::from_secs(60), |_| ())?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Election(OnClient<crate::Election>);

/// What a blocking elected function is given: whether it still leads
/// (see [`crate::Leadership`]).
#[derive(Clone)]
pub struct Leadership {
    client: Client,
    path: String,
    leadership: crate::Leadership,
}

impl fmt::Debug for Leadership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.leadership, f)
    }
}

impl Leadership {
    /// The state of this term of leadership. Never blocks.
    pub fn state(&self) -> LockState {
        self.leadership.state()
    }

    /// Whether this participant leads now. Never blocks.
    pub fn is_leader(&self) -> bool {
        self.leadership.is_leader()
    }

    /// Blocks until this participant may no longer lead, at most
    /// `timeout`: `None` if it still leads then.
    pub fn wait_lost(&self, timeout: Option<Duration>) -> Result<Option<LockState>> {
        wait_lost(&self.client, &self.path, timeout, self.leadership.lost())
    }
}

impl Election {
    /// A participant of the election at `path`; see [`crate::Election::new`].
    pub fn new(client: &Client, path: impl Into<String>, identifier: impl Into<String>) -> Self {
        Self(OnClient::new(client, crate::Election::new(client.async_client(), path, identifier)))
    }

    /// The async election this one runs.
    pub fn as_async(&self) -> &crate::Election {
        self.0.recipe()
    }

    /// The election's path.
    pub fn path(&self) -> &str {
        self.0.recipe().path()
    }

    /// Blocks until elected (or [`cancel`](Self::cancel), from another
    /// thread), then calls `function` on this thread and returns its value
    /// after stepping down (also if it panics).
    pub fn run<T>(&self, function: impl FnOnce(&Leadership) -> T) -> Result<T> {
        self.run_within(None, function)
    }

    /// Like [`run`](Self::run), failing with
    /// [`is_timeout`](crate::Error::is_timeout) if not elected within
    /// `timeout`.
    pub fn run_timeout<T>(
        &self,
        timeout: Duration,
        function: impl FnOnce(&Leadership) -> T,
    ) -> Result<T> {
        self.run_within(Some(timeout), function)
    }

    fn run_within<T>(
        &self,
        timeout: Option<Duration>,
        function: impl FnOnce(&Leadership) -> T,
    ) -> Result<T> {
        let guard = self.0.wait(timeout, |election| election.elect(timeout))?;
        let leadership = Leadership {
            client: self.0.client().clone(),
            path: self.path().to_owned(),
            leadership: crate::Leadership::of(&guard),
        };
        let guard = LockGuard::new(self.0.client(), guard);
        let value = function(&leadership);
        if let Err(err) = guard.release() {
            tracing::warn!(%err, "cannot step down; the node goes with the session");
        }
        Ok(value)
    }

    /// Makes a [`run`](Self::run) waiting to be elected fail with
    /// [`is_cancelled`](crate::Error::is_cancelled) (one call is enough,
    /// from any thread). Never blocks.
    pub fn cancel(&self) {
        self.0.recipe().cancel()
    }

    /// The identifiers of the participants, the leader first.
    pub fn contenders(&self) -> Result<Vec<String>> {
        self.0.run(|election| async move { election.contenders().await })
    }

    /// The state of this participant's leadership. Never blocks.
    pub fn state(&self) -> LockState {
        self.0.recipe().state()
    }

    /// Whether this participant leads now. Never blocks.
    pub fn is_leader(&self) -> bool {
        self.0.recipe().is_leader()
    }
}
