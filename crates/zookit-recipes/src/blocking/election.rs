//! The blocking [`Election`] and [`LeaderLatch`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use zookit::blocking::Client;

use super::lock::{LockGuard, run, wait};
use crate::{LatchEvent, LockError, LockState};

/// The blocking form of [`crate::Election`] (kazoo's `Election`).
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> Result<(), zookit_recipes::LockError> {
/// let election = zookit_recipes::blocking::Election::new(&zk, "/electionpath", "my-identifier");
/// // blocks until the election is won, then calls the function
/// election.run(|leadership| {
///     println!("leading: {}", leadership.is_leader());
/// })?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Election {
    client: Client,
    election: crate::Election,
}

impl fmt::Debug for Election {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.election, f)
    }
}

/// What a blocking elected function is given: whether it still leads
/// (see [`crate::Leadership`]).
#[derive(Clone)]
pub struct Leadership {
    client: Client,
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
    pub fn wait_lost(&self, timeout: Option<Duration>) -> Result<Option<LockState>, LockError> {
        let leadership = self.leadership.clone();
        wait(&self.client, timeout, async move { leadership.lost().await })
    }
}

impl Election {
    /// A participant of the election at `path`; see [`crate::Election::new`].
    pub fn new(client: &Client, path: impl Into<String>, identifier: impl Into<String>) -> Self {
        Self {
            client: client.clone(),
            election: crate::Election::new(client.async_client(), path, identifier),
        }
    }

    /// The async election this one runs.
    pub fn as_async(&self) -> &crate::Election {
        &self.election
    }

    /// Blocks until elected, then calls `function` on this thread and
    /// returns its value after stepping down (also if it panics).
    pub fn run<T>(&self, function: impl FnOnce(&Leadership) -> T) -> Result<T, LockError> {
        let election = self.election.clone();
        let (leadership, guard) = run(&self.client, async move { election.elect().await })?;
        let guard = LockGuard::new(&self.client, guard);
        let value = function(&Leadership { client: self.client.clone(), leadership });
        if let Err(err) = guard.release() {
            tracing::warn!(%err, "cannot step down; the node goes with the session");
        }
        Ok(value)
    }

    /// Makes a [`run`](Self::run) waiting to be elected fail with
    /// [`LockError::Cancelled`]. Never blocks.
    pub fn cancel(&self) {
        self.election.cancel()
    }

    /// The identifiers of the participants, the leader first.
    pub fn contenders(&self) -> Result<Vec<String>, LockError> {
        let election = self.election.clone();
        run(&self.client, async move { election.contenders().await })
    }

    /// Whether this participant leads now. Never blocks.
    pub fn is_leader(&self) -> bool {
        self.election.is_leader()
    }
}

/// The blocking form of [`crate::LeaderLatch`] (Curator's `LeaderLatch`).
#[derive(Clone)]
pub struct LeaderLatch {
    client: Client,
    latch: crate::LeaderLatch,
}

impl fmt::Debug for LeaderLatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.latch, f)
    }
}

impl LeaderLatch {
    /// A participant of the election at `path`; see
    /// [`crate::LeaderLatch::new`].
    pub fn new(client: &Client, path: impl Into<String>, identifier: impl Into<String>) -> Self {
        Self {
            client: client.clone(),
            latch: crate::LeaderLatch::new(client.async_client(), path, identifier),
        }
    }

    /// The async latch this one runs.
    pub fn as_async(&self) -> &crate::LeaderLatch {
        &self.latch
    }

    /// Starts taking part, on the client's runtime.
    pub fn start(&self) -> Result<(), LockError> {
        let latch = self.latch.clone();
        run(&self.client, async move { latch.start() })
    }

    /// Whether this participant leads now. Never blocks.
    pub fn has_leadership(&self) -> bool {
        self.latch.has_leadership()
    }

    /// Blocks until this participant leads (`true`), or `timeout` passes
    /// (`false`); see [`crate::LeaderLatch::wait_for_leadership`].
    pub fn wait_for_leadership(&self, timeout: Option<Duration>) -> Result<bool, LockError> {
        let latch = self.latch.clone();
        run(&self.client, async move { latch.wait_for_leadership(timeout).await })
    }

    /// Every change of the leadership from now on.
    pub fn events(&self) -> LatchEvents {
        LatchEvents {
            client: self.client.clone(),
            events: Arc::new(Mutex::new(self.latch.events())),
        }
    }

    /// Leaves the election; see [`crate::LeaderLatch::close`].
    pub fn close(&self) -> Result<(), LockError> {
        let latch = self.latch.clone();
        run(&self.client, async move { latch.close().await })
    }

    /// The identifiers of the participants, the leader first.
    pub fn participants(&self) -> Result<Vec<String>, LockError> {
        let latch = self.latch.clone();
        run(&self.client, async move { latch.participants().await })
    }

    /// The identifier of the leader, if there is one.
    pub fn leader(&self) -> Result<Option<String>, LockError> {
        let latch = self.latch.clone();
        run(&self.client, async move { latch.leader().await })
    }
}

/// Every change of a blocking latch's leadership, from
/// [`LeaderLatch::events`].
#[derive(Debug)]
pub struct LatchEvents {
    client: Client,
    events: Arc<Mutex<crate::LatchEvents>>,
}

impl LatchEvents {
    /// Blocks until the next change, at most `timeout`: `None` if none
    /// came (or the latch is gone).
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<LatchEvent>, LockError> {
        let events = Arc::clone(&self.events);
        run(&self.client, async move {
            let mut events = events.lock().await;
            Ok(tokio::time::timeout(timeout, events.next()).await.ok().flatten())
        })
    }

    /// The next change if one is waiting. Never blocks.
    pub fn try_next(&self) -> Option<LatchEvent> {
        self.events.try_lock().ok().and_then(|mut events| events.try_next())
    }
}
