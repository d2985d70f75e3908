//! kazoo's `Election`: run a function once elected, then step down.
//!
//! The participants are contenders of a [`Lock`] on the election's path:
//! the leader is the lock's holder, so an `Election`, a
//! [`LeaderLatch`](crate::LeaderLatch) and a `Lock` on the same path
//! contend with each other.

use std::sync::Arc;
use std::time::Duration;

use zookit::Client;

use crate::acquirer::guarded;
use crate::error::Result;
use crate::guard::LockGuard;
use crate::hold::Acquisition;
use crate::lock::Lock;
use crate::state::LockState;

/// kazoo's `Election`: [`run`](Self::run) waits until this participant is
/// elected, runs a function, then steps down. Cheap to clone; clones are
/// the same participant.
#[derive(Clone, Debug)]
#[doc(alias("LeaderSelector"))]
pub struct Election {
    lock: Lock,
}

/// What an elected function is given: whether it still leads.
///
/// Leadership is held while [`state`](Self::state) is
/// [`LockState::Acquired`]; on `Suspended` the session may be lost, and
/// another participant may be elected once it is: stop acting as the
/// leader (see the [crate documentation](crate)).
#[derive(Clone, Debug)]
pub struct Leadership {
    acquisition: Arc<Acquisition>,
}

impl Leadership {
    /// The leadership `guard` holds.
    pub(crate) fn of(guard: &LockGuard) -> Self {
        Self { acquisition: Arc::clone(guard.acquisition()) }
    }

    /// The state of this term of leadership.
    pub fn state(&self) -> LockState {
        self.acquisition.state()
    }

    /// Whether this participant leads now.
    pub fn is_leader(&self) -> bool {
        self.state().is_acquired()
    }

    /// Resolves as soon as this participant may no longer lead (at once if
    /// it does not): `Suspended`, `Lost` or `Released`.
    pub fn lost(&self) -> impl Future<Output = LockState> + Send + 'static + use<> {
        self.acquisition.lost()
    }
}

impl Election {
    /// A participant of the election at `path`; `identifier` names it in
    /// [`contenders`](Self::contenders). Nothing is sent until it runs.
    pub fn new(client: &Client, path: impl Into<String>, identifier: impl Into<String>) -> Self {
        Self { lock: Lock::new(client, path, identifier) }
    }

    /// The election's path.
    pub fn path(&self) -> &str {
        self.lock.path()
    }

    /// Waits until elected, then runs `function` and returns its value
    /// after stepping down (kazoo's `run(func)`). The function is given a
    /// [`Leadership`], to stop acting as the leader if the session is
    /// suspended or lost meanwhile; it is not interrupted.
    ///
    /// Fails with [`is_cancelled`](crate::Error::is_cancelled) on
    /// [`cancel`](Self::cancel) while waiting (from the moment this is
    /// called), and with the client's error if the client is stopped, not
    /// started or expired.
    pub fn run<F, Fut, T>(&self, function: F) -> impl Future<Output = Result<T>>
    where
        F: FnOnce(Leadership) -> Fut,
        Fut: Future<Output = T>,
    {
        self.run_within(None, function)
    }

    /// Like [`run`](Self::run), failing with
    /// [`is_timeout`](crate::Error::is_timeout) if not elected within `timeout`.
    pub fn run_timeout<F, Fut, T>(
        &self,
        timeout: Duration,
        function: F,
    ) -> impl Future<Output = Result<T>>
    where
        F: FnOnce(Leadership) -> Fut,
        Fut: Future<Output = T>,
    {
        self.run_within(Some(timeout), function)
    }

    fn run_within<F, Fut, T>(
        &self,
        timeout: Option<Duration>,
        function: F,
    ) -> impl Future<Output = Result<T>>
    where
        F: FnOnce(Leadership) -> Fut,
        Fut: Future<Output = T>,
    {
        let elected = self.elect(timeout);
        async move {
            let guard = elected.await?;
            let value = function(Leadership::of(&guard)).await;
            step_down(guard).await;
            Ok(value)
        }
    }

    /// Waits until elected, at most `timeout` (the limits taken now): the
    /// guard of the leadership.
    pub(crate) fn elect(
        &self,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<LockGuard>> + Send + 'static + use<> {
        guarded(&self.lock.0, timeout)
    }

    /// Makes a [`run`](Self::run) waiting to be elected (in any task) fail
    /// with [`is_cancelled`](crate::Error::is_cancelled).
    pub fn cancel(&self) {
        self.lock.cancel();
    }

    /// The identifiers of the participants, the leader first (kazoo's
    /// `contenders()`).
    pub async fn contenders(&self) -> Result<Vec<String>> {
        self.lock.contenders().await
    }

    /// The state of this participant's leadership.
    pub fn state(&self) -> LockState {
        self.lock.state()
    }

    /// Whether this participant leads now.
    pub fn is_leader(&self) -> bool {
        self.lock.is_acquired()
    }
}

/// Ends a term of leadership; the node goes with the session at worst.
async fn step_down(guard: LockGuard) {
    if let Err(err) = guard.release().await {
        tracing::warn!(%err, "cannot step down; the node goes with the session");
    }
}
