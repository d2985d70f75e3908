//! Leader election: kazoo's `Election` (run a function once elected) and
//! Curator's `LeaderLatch` (take part until closed, and know whether this
//! participant leads).
//!
//! Both are contenders of a [`Lock`] on the election's path: the leader
//! is the lock's holder, so an `Election`, a `LeaderLatch` and a `Lock` on
//! the same path contend with each other.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use zookit::{Client, ClientState, ErrorCode};

use crate::hold::Acquisition;
use crate::lock::{Lock, LockError, LockGuard, LockState, LockStates, runtime, sleep_until};
use crate::signal::Signal;

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
    pub(crate) fn new(acquisition: Arc<Acquisition>) -> Self {
        Self { acquisition }
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
    pub async fn lost(&self) -> LockState {
        self.acquisition.lost().await
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
    /// Fails with [`LockError::Cancelled`] on [`cancel`](Self::cancel)
    /// while waiting, and with the client's error if the client is stopped,
    /// not started or expired.
    pub async fn run<F, Fut, T>(&self, function: F) -> Result<T, LockError>
    where
        F: FnOnce(Leadership) -> Fut,
        Fut: Future<Output = T>,
    {
        let (leadership, guard) = self.elect().await?;
        let value = function(leadership).await;
        if let Err(err) = guard.release().await {
            tracing::warn!(%err, path = self.path(), "cannot step down; the node goes with the session");
        }
        Ok(value)
    }

    /// Waits until elected: the leadership, and the guard that ends it.
    pub(crate) async fn elect(&self) -> Result<(Leadership, LockGuard), LockError> {
        let Some(acquisition) = self.lock.0.acquire(true, None).await? else {
            return Err(LockError::Cancelled { path: self.path().to_owned() });
        };
        let guard = self.lock.0.guard(Arc::clone(&acquisition));
        Ok((Leadership::new(acquisition), guard))
    }

    /// Makes a [`run`](Self::run) waiting to be elected (in any task) fail
    /// with [`LockError::Cancelled`].
    pub fn cancel(&self) {
        self.lock.cancel();
    }

    /// The identifiers of the participants, the leader first (kazoo's
    /// `contenders()`).
    pub async fn contenders(&self) -> Result<Vec<String>, LockError> {
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
        self.inner.phase.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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
    pub fn start(&self) -> Result<(), LockError> {
        let runtime = runtime()?;
        let mut phase = self.phase();
        if !matches!(*phase, Phase::Latent) {
            return Err(LockError::NotRunning { path: self.path().to_owned() });
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
    /// [`LockError::NotRunning`] if the latch is not started or is closed
    /// (also meanwhile), and with the client's error when the client is
    /// stopped, not started or expired: it will not lead then by itself.
    pub async fn wait_for_leadership(&self, timeout: Option<Duration>) -> Result<bool, LockError> {
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        let client = self.inner.lock.0.client().clone();
        let mut changes = client.state_changes();
        let mut leader = self.inner.leader.watch();
        let mut closing = self.inner.closing.subscribe();
        loop {
            if !matches!(*self.phase(), Phase::Started(_)) {
                return Err(LockError::NotRunning { path: self.path().to_owned() });
            }
            if *leader.borrow_and_update() {
                return Ok(true);
            }
            match client.client_state() {
                ClientState::Closed => return Err(crate::contenders::closed().into()),
                ClientState::Expired => {
                    return Err(zookit::Error::from(ErrorCode::SessionExpired).into());
                }
                ClientState::AuthFailed => {
                    return Err(zookit::Error::from(ErrorCode::AuthFailed).into());
                }
                _ => {}
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
    pub async fn close(&self) -> Result<(), LockError> {
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
    pub async fn participants(&self) -> Result<Vec<String>, LockError> {
        self.inner.lock.contenders().await
    }

    /// The identifier of the leader, if there is one.
    pub async fn leader(&self) -> Result<Option<String>, LockError> {
        Ok(self.participants().await?.into_iter().next())
    }
}

/// How long a latch waits before it contends again after a failure.
const LATCH_RETRY_PAUSE: Duration = Duration::from_millis(500);

/// The latch's task: contends, leads while the lock is `Acquired`, and
/// contends again after a lost holding, until closed.
async fn take_part(
    lock: Lock,
    latch: std::sync::Weak<LatchInner>,
    mut closing: watch::Receiver<bool>,
) {
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
        let acquired = lock.0.acquire_until(true, None, None, cancel, lock.path()).await;
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
