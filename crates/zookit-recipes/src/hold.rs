//! Holding a node: the state of each acquisition, kept up to date from the
//! session by a monitor task, and giving the node up.
//!
//! The rule the monitor applies (Curator's advice): the holder is told at
//! once when the connection is suspended, as from then on it cannot vouch
//! for its node; back on the same session, with the node still there (a
//! read from the server says so), it holds again; once the session is lost,
//! the acquisition is over (and its node is deleted if the session turns
//! out to live on).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};
use zookit::{Client, ClientState, EventType, State, StateChanges, Watch, WeakClient};

use crate::connection::{is_retryable, session_of, strong};
use crate::contenders::Won;
use crate::removal::{Target, remove_in_background, remove_later, remove_now_or_later};
use crate::signal::{Signal, wait_for};
use crate::state::LockState;
use crate::sync::locked;

/// One acquisition: its own state, which ends `Released` or `Lost` and
/// stays so (guards and leadership handles follow it).
#[derive(Debug)]
pub(crate) struct Acquisition {
    state: Signal<LockState>,
}

impl Acquisition {
    pub(crate) fn state(&self) -> LockState {
        self.state.get()
    }

    /// Resolves once this acquisition is no longer in `state`.
    pub(crate) async fn wait_while(&self, state: LockState) {
        let mut current = self.state.watch();
        let _ = wait_for(&mut current, |s| s != state).await;
    }

    /// Resolves once this acquisition is not `Acquired` (however briefly),
    /// with that state.
    pub(crate) fn lost(&self) -> impl Future<Output = LockState> + Send + 'static + use<> {
        first_not_acquired(&self.state)
    }
}

/// Resolves once `state` is not `Acquired` (however briefly), with that
/// state; `Lost` if the signal is dropped first.
fn first_not_acquired(
    state: &Signal<LockState>,
) -> impl Future<Output = LockState> + Send + 'static + use<> {
    let first = state.first(|s| s != LockState::Acquired);
    async move { first.await.unwrap_or(LockState::Lost) }
}

/// The current holding.
struct Holding {
    generation: u64,
    acquisition: Arc<Acquisition>,
    node: String,
    session: i64,
    runtime: Handle,
    monitor: Option<tokio::task::AbortHandle>,
}

/// What a recipe holds, if anything, and its state.
pub(crate) struct Held {
    client: WeakClient,
    state: Signal<LockState>,
    current: Mutex<Option<Holding>>,
    generations: AtomicU64,
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held")
            .field("state", &self.state.get())
            .field("node", &self.node())
            .finish()
    }
}

impl Held {
    pub(crate) fn new(client: &Client) -> Arc<Self> {
        Arc::new(Self {
            client: client.downgrade(),
            state: Signal::new(LockState::Released),
            current: Mutex::new(None),
            generations: AtomicU64::new(0),
        })
    }

    fn current(&self) -> MutexGuard<'_, Option<Holding>> {
        locked(&self.current)
    }

    pub(crate) fn state(&self) -> LockState {
        self.state.get()
    }

    pub(crate) fn watch(&self) -> watch::Receiver<LockState> {
        self.state.watch()
    }

    pub(crate) fn subscribe(&self) -> mpsc::UnboundedReceiver<LockState> {
        self.state.subscribe()
    }

    /// Resolves once the lock is not `Acquired` (however briefly), with
    /// that state.
    pub(crate) fn lost(&self) -> impl Future<Output = LockState> + Send + 'static + use<> {
        first_not_acquired(&self.state)
    }

    /// Whether a node is held (acquired, or suspended).
    pub(crate) fn is_holding(&self) -> bool {
        self.current().is_some()
    }

    /// The path of the node held.
    pub(crate) fn node(&self) -> Option<String> {
        self.current().as_ref().map(|h| h.node.clone())
    }

    /// The current acquisition, if any.
    pub(crate) fn acquisition(&self) -> Option<Arc<Acquisition>> {
        self.current().as_ref().map(|h| Arc::clone(&h.acquisition))
    }

    /// Resolves once nothing is held.
    pub(crate) async fn wait_released(&self) {
        let mut state = self.watch();
        let _ = wait_for(&mut state, |s| matches!(s, LockState::Released | LockState::Lost)).await;
    }

    /// Starts holding `won`: `Acquired` if the session is connected and
    /// its own, else `Suspended` until the monitor (spawned on `runtime`)
    /// checks it again.
    pub(crate) fn begin(
        self: &Arc<Self>,
        client: &Client,
        won: Won,
        runtime: Handle,
    ) -> Arc<Acquisition> {
        // Subscribed before the state is read: every later change reaches
        // the monitor.
        let changes = client.state_changes();
        let vouched = client.state() == State::Connected && session_of(client) == Some(won.session);
        let state = if vouched { LockState::Acquired } else { LockState::Suspended };
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let acquisition = Arc::new(Acquisition { state: Signal::new(state) });
        let mut current = self.current();
        if let Some(previous) = current.take() {
            // Never expected (acquisitions are serialized): give it up.
            tracing::warn!(node = previous.node, "a holding replaced; releasing it");
            self.end(previous, LockState::Released);
        }
        let monitored = Monitored {
            held: Arc::downgrade(self),
            client: client.downgrade(),
            generation,
            node: won.node.clone(),
            session: won.session,
        };
        let monitor = runtime.spawn(monitor(monitored, changes, won.watch, !vouched));
        *current = Some(Holding {
            generation,
            acquisition: Arc::clone(&acquisition),
            node: won.node,
            session: won.session,
            runtime,
            monitor: Some(monitor.abort_handle()),
        });
        self.state.set(state);
        acquisition
    }

    /// Ends `holding` in `state` (with `current` locked, taken out).
    fn end(&self, holding: Holding, state: LockState) -> Holding {
        if let Some(monitor) = &holding.monitor {
            monitor.abort();
        }
        holding.acquisition.state.set(state);
        self.state.set(state);
        holding
    }

    /// The monitor's verdict on acquisition `generation`; `false` if it is
    /// not the current one any more. `Lost` ends it.
    fn update(&self, generation: u64, state: LockState) -> bool {
        let mut current = self.current();
        match current.as_ref() {
            Some(holding) if holding.generation == generation => {}
            _ => return false,
        }
        if state == LockState::Lost {
            if let Some(mut holding) = current.take() {
                // The monitor ends by itself: not aborted.
                holding.monitor = None;
                self.end(holding, state);
            }
        } else if let Some(holding) = current.as_ref() {
            holding.acquisition.state.set(state);
            self.state.set(state);
        }
        true
    }

    /// Takes the holding out, `Released`, if it is `only` (or any).
    fn take(&self, only: Option<&Arc<Acquisition>>) -> Option<Holding> {
        let mut current = self.current();
        match (current.as_ref(), only) {
            (None, _) => None,
            (Some(holding), Some(only)) if !Arc::ptr_eq(&holding.acquisition, only) => None,
            _ => current.take().map(|holding| self.end(holding, LockState::Released)),
        }
    }

    /// Gives the node up: `Released` at once, then the node is deleted (in
    /// the background if the connection is down). `false` if nothing was
    /// held (or not `only`).
    pub(crate) async fn release(&self, only: Option<&Arc<Acquisition>>) -> zookit::Result<bool> {
        let Some(holding) = self.take(only) else { return Ok(false) };
        remove_now_or_later(
            &self.client,
            &holding.runtime,
            Target::Node(holding.node),
            holding.session,
        )
        .await?;
        Ok(true)
    }

    /// Like [`release`](Self::release), all in the background (for `Drop`).
    pub(crate) fn release_in_background(&self, only: Option<&Arc<Acquisition>>) {
        if let Some(holding) = self.take(only) {
            remove_later(
                &self.client,
                &holding.runtime,
                Target::Node(holding.node),
                holding.session,
            );
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.release_in_background(None);
    }
}

/// What the server says of a held node.
enum Check {
    /// It is there, in the session: watched again.
    Holds(Watch),
    /// It is gone, or its session is.
    Gone,
    /// No answer (disconnected again): the next state change tells.
    Unknown,
}

async fn check(client: &WeakClient, node: &str, session: i64) -> Check {
    let Ok(client) = strong(client) else { return Check::Gone };
    if session_of(&client) != Some(session) {
        // A new session: the node went with the old one.
        return Check::Gone;
    }
    // The server caught up with the leader first: a deletion by someone
    // else is not missed on a lagging follower.
    let checked = match client.sync(node).await {
        Ok(_) => client.exists_watch(node).await,
        Err(e) => Err(e),
    };
    match checked {
        Ok((Some(stat), watch)) if stat.ephemeral_owner == session => Check::Holds(watch),
        Ok(_) => Check::Gone,
        Err(e) if e.is_closed() || e.is_session_expired() => Check::Gone,
        Err(e) => {
            if !is_retryable(&e) {
                tracing::warn!(err = %e, node, "cannot check a lock node");
            }
            Check::Unknown
        }
    }
}

/// The acquisition a monitor keeps up to date.
struct Monitored {
    held: Weak<Held>,
    client: WeakClient,
    generation: u64,
    node: String,
    session: i64,
}

/// Keeps an acquisition up to date; see the module documentation. Ends
/// when the acquisition does. `recheck`: ask the server at once.
async fn monitor(monitored: Monitored, mut changes: StateChanges, watch: Watch, recheck: bool) {
    let Monitored { held, client, generation, node, session } = monitored;
    let verdict = |state| held.upgrade().is_some_and(|held| held.update(generation, state));
    let mut watch = Some(watch);
    let mut recheck = recheck;
    loop {
        if std::mem::take(&mut recheck)
            && client.upgrade().is_some_and(|c| c.client_state() == ClientState::Connected)
        {
            // The session lives on; so does the node unless someone
            // deleted it. The server says.
            match check(&client, &node, session).await {
                Check::Holds(rearmed) => {
                    watch = Some(rearmed);
                    let connected = client.upgrade().is_some_and(|c| c.state() == State::Connected);
                    if connected && !verdict(LockState::Acquired) {
                        return;
                    }
                }
                Check::Gone => {
                    verdict(LockState::Lost);
                    return;
                }
                Check::Unknown => {}
            }
        }
        let change = tokio::select! {
            fired = async { watch.as_mut().expect("guarded by the condition").await }, if watch.is_some() => {
                watch = None;
                if fired.is_terminal() || fired.event_type == EventType::NodeDeleted {
                    // The session ended, or someone deleted the node.
                    tracing::warn!(node, event = ?fired.event_type, "lock node gone");
                    verdict(LockState::Lost);
                    return;
                }
                // Created or changed: still there; check and watch again.
                recheck = true;
                continue;
            }
            change = changes.next() => change,
        };
        let Some(change) = change else {
            // The client is gone, and its session with it.
            verdict(LockState::Lost);
            return;
        };
        match change.state {
            State::Suspended => {
                if !verdict(LockState::Suspended) {
                    return;
                }
            }
            State::Lost => {
                if !verdict(LockState::Lost) {
                    return;
                }
                if change.client_state == ClientState::Connecting {
                    // Given up after the session timeout, but the session
                    // may live on: then delete the node once connected.
                    remove_in_background(client, Target::Node(node), session).await;
                }
                return;
            }
            State::Connected => recheck = true,
        }
    }
}
