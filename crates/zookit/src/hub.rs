//! Where state changes go: the current snapshot, listeners and subscribers.
//!
//! The driver publishes; listeners run on their own task, so a listener that
//! blocks or calls back into the client never stalls the session.

use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::{mpsc, watch};
use tracing::error;

use crate::Error;
use crate::state::{ClientState, State};

/// A change of the session's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StateChange {
    /// The simple state.
    pub state: State,
    /// The raw client state.
    pub client_state: ClientState,
}

/// What the client reads of the session at any time.
#[derive(Clone, Debug)]
pub(crate) struct Snapshot {
    pub(crate) state: State,
    pub(crate) client_state: ClientState,
    pub(crate) client_id: Option<(i64, Bytes)>,
    /// The session timeout the server granted.
    pub(crate) session_timeout: Option<std::time::Duration>,
    /// The server currently connected to, as "host:port".
    pub(crate) server: Option<String>,
    /// How many times the session was started.
    pub(crate) starts: u64,
    /// Why the session ended, when a failure (TLS) ended it.
    pub(crate) failure: Option<Arc<Error>>,
}

/// Identifies a listener for [`Client::remove_listener`](crate::Client::remove_listener).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

type Listener = Arc<dyn Fn(State) + Send + Sync>;

/// A listener, and the state it was last told.
struct Registered {
    id: ListenerId,
    listener: Listener,
    told: Option<State>,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    listeners: Vec<Registered>,
    subscribers: Vec<mpsc::UnboundedSender<StateChange>>,
}

/// What the dispatcher is asked to deliver, in order.
enum Delivery {
    /// A change of state.
    Change(StateChange),
    /// A listener was added: tell it the current state.
    Added(ListenerId),
}

/// Shared between the driver (which publishes) and the client.
pub(crate) struct Hub {
    snapshot: watch::Sender<Snapshot>,
    changes: mpsc::UnboundedSender<Delivery>,
    registry: Arc<Mutex<Registry>>,
}

impl Hub {
    /// A hub, and the task body that delivers changes to listeners and
    /// subscribers (spawn it on the runtime).
    pub(crate) fn new() -> (Self, impl std::future::Future<Output = ()> + Send + 'static) {
        let (snapshot, _) = watch::channel(Snapshot {
            state: State::Lost,
            client_state: ClientState::Closed,
            client_id: None,
            session_timeout: None,
            server: None,
            starts: 0,
            failure: None,
        });
        let (changes, receiver) = mpsc::unbounded_channel();
        let registry = Arc::new(Mutex::new(Registry::default()));
        let dispatcher = dispatch(receiver, Arc::clone(&registry));
        (Self { snapshot, changes, registry }, dispatcher)
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        lock(&self.registry)
    }

    /// Publishes the session's state (and a change, if it is one).
    pub(crate) fn publish(&self, snapshot: Snapshot, changed: Option<StateChange>) {
        self.snapshot.send_replace(snapshot);
        if let Some(change) = changed {
            let _ = self.changes.send(Delivery::Change(change));
        }
    }

    /// A receiver of the current snapshot.
    pub(crate) fn snapshot(&self) -> watch::Receiver<Snapshot> {
        self.snapshot.subscribe()
    }

    /// Adds a listener; it is told the current state at once (unless the
    /// client has not started yet), then every change.
    pub(crate) fn add_listener(&self, listener: Listener) -> ListenerId {
        let mut registry = self.registry();
        registry.next_id += 1;
        let id = ListenerId(registry.next_id);
        registry.listeners.push(Registered { id, listener, told: None });
        let _ = self.changes.send(Delivery::Added(id));
        id
    }

    pub(crate) fn remove_listener(&self, id: ListenerId) -> bool {
        let mut registry = self.registry();
        let before = registry.listeners.len();
        registry.listeners.retain(|registered| registered.id != id);
        registry.listeners.len() != before
    }

    pub(crate) fn subscribe(&self) -> mpsc::UnboundedReceiver<StateChange> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let mut registry = self.registry();
        registry.subscribers.retain(|s| !s.is_closed());
        registry.subscribers.push(sender);
        receiver
    }
}

fn lock(registry: &Mutex<Registry>) -> MutexGuard<'_, Registry> {
    // A listener panicking is caught below, so the lock is never poisoned
    // mid-update; recover the data if it ever is.
    registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Delivers every change to subscribers, and changes of the simple state
/// to listeners (as kazoo calls its listeners); a new listener is told the
/// current state first. A listener is never told the same state twice in a
/// row.
async fn dispatch(
    mut deliveries: mpsc::UnboundedReceiver<Delivery>,
    registry: Arc<Mutex<Registry>>,
) {
    // The simple state, once the client has started.
    let mut current = None;
    while let Some(delivery) = deliveries.recv().await {
        let (state, listeners) = {
            let mut registry = lock(&registry);
            let (state, only) = match delivery {
                Delivery::Change(change) => {
                    registry.subscribers.retain(|s| s.send(change).is_ok());
                    current = Some(change.state);
                    (change.state, None)
                }
                Delivery::Added(id) => match current {
                    Some(state) => (state, Some(id)),
                    None => {
                        // Not started: the client is `Lost`, as it was;
                        // the listener hears from the first change on.
                        for r in registry.listeners.iter_mut().filter(|r| r.id == id) {
                            r.told = Some(State::Lost);
                        }
                        continue;
                    }
                },
            };
            let listeners: Vec<Listener> = registry
                .listeners
                .iter_mut()
                .filter(|r| only.is_none_or(|id| r.id == id) && r.told != Some(state))
                .map(|r| {
                    r.told = Some(state);
                    Arc::clone(&r.listener)
                })
                .collect();
            (state, listeners)
        };
        for listener in listeners {
            let call = std::panic::AssertUnwindSafe(|| listener(state));
            if std::panic::catch_unwind(call).is_err() {
                error!(%state, "a state listener panicked");
            }
        }
    }
}
