//! Curator's `LeaderLatch`: take part in an election until closed, and
//! know whether this participant leads.
//!
//! The latch contends for a [`Lock`] on the election's path, as the
//! [`Election`](crate::Election)'s participants do.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use zookit::{Client, ClientState};

use crate::acquirer::Acquirer;
use crate::error::{At, Error, Result};
use crate::limits::Limits;
use crate::lock::Lock;
use crate::runtime::runtime;
use crate::signal::Signal;
use crate::state::{LockState, LockStates};
use crate::sync::locked;
use crate::wait::{deadline_in, sleep_until};

/// A change of a [`LeaderLatch`]'s leadership (Curator's
/// `LeaderLatchListener`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LatchEvent {
    /// This participant leads now.
    IsLeader,
    /// This participant no longer leads (suspended, lost, or closed).
    NotLeader,
}

/// Every change of a latch's leadership, in order, from
/// [`LeaderLatch::events`].
#[derive(Debug)]
pub struct LatchEvents {
    receiver: mpsc::UnboundedReceiver<bool>,
}

impl LatchEvents {
    /// The next change; `None` once the latch is dropped.
    pub async fn next(&mut self) -> Option<LatchEvent> {
        self.receiver.recv().await.map(event)
    }

    /// The next change if one is waiting.
    pub fn try_next(&mut self) -> Option<LatchEvent> {
        self.receiver.try_recv().ok().map(event)
    }
}

fn event(leader: bool) -> LatchEvent {
    if leader { LatchEvent::IsLeader } else { LatchEvent::NotLeader }
}

/// Where a latch is in its life.
#[derive(Debug)]
enum Phase {
    Latent,
    Started(JoinHandle<()>),
    Closed,
}

/// Curator's `LeaderLatch`: once [started](Self::start), takes part in the
/// election until [closed](Self::close), leading whenever its node comes
/// first. Cheap to clone; clones are the same participant.
///
/// Leadership follows the session as a lock does: lost at once when the
/// connection is suspended, back if the session survives with the node;
/// after a lost session the latch takes part again with a new node.
#[derive(Clone)]
pub struct LeaderLatch {
    inner: Arc<LatchInner>,
}

struct LatchInner {
    lock: Lock,
    leader: Signal<bool>,
    phase: Mutex<Phase>,
    closing: watch::Sender<bool>,
}

impl fmt::Debug for LeaderLatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaderLatch")
            .field("path", &self.path())
            .field("identifier", &self.inner.lock.identifier())
            .field("leader", &self.has_leadership())
            .finish()
    }
}

impl Drop for LatchInner {
    fn drop(&mut self) {
        if let Phase::Started(task) = &*self.phase.get_mut().unwrap_or_else(|p| p.into_inner()) {
            task.abort();
        }
    }
}

impl LeaderLatch {
    /// A participant of the election at `path`; `identifier` names it in
    /// [`participants`](Self::participants). Nothing is sent until started.
    pub fn new(client: &Client, path: impl Into<String>, identifier: impl Into<String>) -> Self {
        Self {
            inner: Arc::new(LatchInner {
                lock: Lock::new(client, path, identifier),
                leader: Signal::new(false),
                phase: Mutex::new(Phase::Latent),
                closing: watch::channel(false).0,
            }),
        }
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        locked(&self.inner.phase)
    }

    /// The election's path.
    pub fn path(&self) -> &str {
        self.inner.lock.path()
    }

    /// The identifier this participant is known by.
    pub fn identifier(&self) -> &str {
        self.inner.lock.identifier()
    }

    /// Starts taking part, in a task on the current Tokio runtime. Fails
    /// if started before (a closed latch cannot be started again).
    pub fn start(&self) -> Result<()> {
        let runtime = runtime().at(self.path())?;
        let mut phase = self.phase();
        if !matches!(*phase, Phase::Latent) {
            return Err(Error::not_running().at(self.path()));
        }
        let task = runtime.spawn(take_part(
            self.inner.lock.clone(),
            Arc::downgrade(&self.inner),
            self.inner.closing.subscribe(),
        ));
        *phase = Phase::Started(task);
        Ok(())
    }

    /// Whether this participant leads now (started, not closed, and its
    /// node first with the session connected).
    pub fn has_leadership(&self) -> bool {
        self.inner.leader.get()
    }

    /// Every change of the leadership from now on.
    pub fn events(&self) -> LatchEvents {
        LatchEvents { receiver: self.inner.leader.subscribe() }
    }

    /// The states of the latch's current lock node (finer than
    /// [`events`](Self::events): `Suspended` and `Lost` apart).
    pub fn states(&self) -> LockStates {
        self.inner.lock.states()
    }

    /// Waits until this participant leads: `true` once it does, `false` if
    /// `timeout` passes first (Curator's `await`). Fails with
    /// [`is_not_running`](Error::is_not_running) if the latch is not
    /// started or is closed (also meanwhile), and with the client's error
    /// when the client is stopped, not started or expired: it will not lead
    /// then by itself.
    pub async fn wait_for_leadership(&self, timeout: Option<Duration>) -> Result<bool> {
        self.wait_for_leadership_until(timeout.map(deadline_in)).await.at(self.path())
    }

    async fn wait_for_leadership_until(&self, deadline: Option<Instant>) -> Result<bool> {
        let client = self.inner.lock.0.client().clone();
        let mut changes = client.state_changes();
        let mut leader = self.inner.leader.watch();
        let mut closing = self.inner.closing.subscribe();
        loop {
            if !matches!(*self.phase(), Phase::Started(_)) {
                return Err(Error::not_running());
            }
            if *leader.borrow_and_update() {
                return Ok(true);
            }
            if let Some(err) = Error::from_client_state(client.client_state()) {
                return Err(err);
            }
            tokio::select! {
                _ = leader.changed() => {}
                _ = changes.next() => {}
                _ = closing.changed() => {}
                () = sleep_until(deadline) => return Ok(false),
            }
        }
    }

    /// Leaves the election: leadership, if held, is given up (an event says
    /// so) and the node deleted. Waits for the latch's task to end.
    pub async fn close(&self) -> Result<()> {
        let task = match std::mem::replace(&mut *self.phase(), Phase::Closed) {
            Phase::Started(task) => Some(task),
            Phase::Latent | Phase::Closed => None,
        };
        self.inner.closing.send_replace(true);
        self.inner.lock.cancel();
        if let Some(task) = task {
            let _ = task.await;
        }
        self.inner.leader.set(false);
        self.inner.lock.release().await?;
        Ok(())
    }

    /// The identifiers of the participants, the leader first.
    pub async fn participants(&self) -> Result<Vec<String>> {
        self.inner.lock.contenders().await
    }

    /// The identifier of the leader, if there is one.
    pub async fn leader(&self) -> Result<Option<String>> {
        Ok(self.participants().await?.into_iter().next())
    }
}

/// How long a latch waits before it contends again after a failure.
const LATCH_RETRY_PAUSE: Duration = Duration::from_millis(500);

/// The latch's task: contends, leads while the lock is `Acquired`, and
/// contends again after a lost holding, until closed.
async fn take_part(lock: Lock, latch: Weak<LatchInner>, mut closing: watch::Receiver<bool>) {
    let client = lock.0.client().downgrade();
    let set_leader = |leader: bool| {
        if let Some(latch) = latch.upgrade() {
            latch.leader.set(leader);
        }
    };
    loop {
        // Taken before `closing` is read: `close` sets `closing`, then
        // cancels, so an acquisition started after the read is cancelled
        // (and deletes its node before `close` returns).
        let cancel = lock.0.cancel_token();
        if *closing.borrow_and_update() {
            break;
        }
        let mut states = lock.states();
        let acquired = lock.0.acquire_within(true, Limits::new(None, cancel)).await;
        match acquired {
            Ok(Some(_)) => {
                // Leads while the lock is `Acquired` now (the stream only
                // wakes this loop up: its items may be behind).
                loop {
                    let state = lock.state();
                    set_leader(state == LockState::Acquired);
                    if matches!(state, LockState::Lost | LockState::Released) {
                        break;
                    }
                    tokio::select! {
                        next = states.next() => if next.is_none() { return },
                        _ = closing.changed() => break,
                    }
                }
                set_leader(false);
                if let Err(err) = lock.release().await {
                    tracing::warn!(%err, path = lock.path(), "leader latch: cannot release");
                }
            }
            Ok(None) => {}
            Err(err) if err.is_cancelled() => {}
            Err(err) => {
                tracing::info!(%err, path = lock.path(), "leader latch: trying again once connected");
                // Try again once connected (for an expired or stopped
                // client: once restarted), and not at once.
                let Some(mut changes) = client.upgrade().map(|c| c.state_changes()) else { break };
                let connected = async {
                    tokio::time::sleep(LATCH_RETRY_PAUSE).await;
                    loop {
                        if client
                            .upgrade()
                            .is_some_and(|c| c.client_state() == ClientState::Connected)
                        {
                            return true;
                        }
                        if changes.next().await.is_none() {
                            return false;
                        }
                    }
                };
                tokio::select! {
                    alive = connected => if !alive { break },
                    _ = closing.changed() => break,
                }
            }
        }
    }
    set_leader(false);
}
