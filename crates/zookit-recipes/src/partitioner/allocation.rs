//! What a member of a set partitioner does: watching the party, taking
//! the locks of its items, and giving them up when the party changes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::task::AbortHandle;
use tokio::time::Instant;
use zookit::{Client, ListenerId, State, Watch, join_path};

use super::{PartitionFunc, PartitionState};
use crate::error::Result;
use crate::guard::LockGuard;
use crate::lock::Lock;
use crate::party::{ShallowParty, shallow_identifier};
use crate::sync::locked;

/// What a member is set up with.
pub(super) struct Settings {
    pub(super) path: String,
    pub(super) lock_path: String,
    pub(super) party_path: String,
    pub(super) identifier: String,
    pub(super) set: Vec<String>,
    pub(super) partition_func: PartitionFunc,
    pub(super) time_boundary: Duration,
    pub(super) max_reaction_time: Duration,
    pub(super) acquire_timeout: Duration,
}

/// The state, and a count of its changes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Status {
    pub(super) state: PartitionState,
    /// Counts the changes, so that a state left and entered again is told
    /// apart (kazoo's `state_id`).
    pub(super) id: u64,
}

#[derive(Default)]
struct Inner {
    partition: Vec<String>,
    locks: Vec<LockGuard>,
    failure: Option<String>,
    /// The allocation in progress.
    round: Option<AbortHandle>,
    /// The tasks watching the party for the allocations.
    watchers: Vec<AbortHandle>,
    listener: Option<ListenerId>,
}

/// A member of a set partitioner, shared by its handles and its tasks.
pub(super) struct Shared {
    client: Client,
    settings: Settings,
    party: ShallowParty,
    status: watch::Sender<Status>,
    inner: Mutex<Inner>,
    runtime: Handle,
}

/// What an allocation does next.
enum Next {
    /// Go on.
    Continue,
    /// The party changed: release and divide again.
    Restart,
    /// The state changed under it: stop.
    Stop,
}

impl Shared {
    /// A member that joined `party`, allocating from now on (on `runtime`).
    pub(super) fn start(
        client: Client,
        settings: Settings,
        party: ShallowParty,
        runtime: Handle,
    ) -> Arc<Self> {
        let shared = Arc::new(Self {
            client,
            settings,
            party,
            status: watch::channel(Status { state: PartitionState::Allocating, id: 0 }).0,
            inner: Mutex::new(Inner::default()),
            runtime,
        });
        let weak = Arc::downgrade(&shared);
        let listener = shared.client.add_listener(move |state| on_state(&weak, state));
        locked(&shared.inner).listener = Some(listener);
        shared.start_round();
        shared
    }

    pub(super) fn path(&self) -> &str {
        &self.settings.path
    }

    pub(super) fn identifier(&self) -> &str {
        &self.settings.identifier
    }

    pub(super) fn state(&self) -> PartitionState {
        self.status.borrow().state
    }

    /// Every change of the status from now on.
    pub(super) fn status(&self) -> watch::Receiver<Status> {
        self.status.subscribe()
    }

    pub(super) fn failure(&self) -> Option<String> {
        locked(&self.inner).failure.clone()
    }

    pub(super) fn acquired_set(&self) -> Vec<String> {
        locked(&self.inner).partition.clone()
    }

    /// Moves to `to` if the state is one that `from` accepts; whether it did.
    fn transition(&self, from: impl Fn(PartitionState) -> bool, to: PartitionState) -> bool {
        self.status.send_if_modified(|status| {
            if !from(status.state) {
                return false;
            }
            status.state = to;
            status.id = status.id.wrapping_add(1);
            true
        })
    }

    /// Asks for the set to be released, while allocating or acquired.
    fn ask_release(&self) {
        self.transition(
            |s| matches!(s, PartitionState::Allocating | PartitionState::Acquired),
            PartitionState::Release,
        );
    }

    /// Releases the locks and divides the set again, unless failed.
    pub(super) async fn divide_again(self: &Arc<Self>) {
        self.stop_round();
        self.release_locks().await;
        if self.transition(|s| s != PartitionState::Failure, PartitionState::Allocating) {
            self.start_round();
        }
    }

    /// Starts an allocation (in place of one in progress).
    fn start_round(self: &Arc<Self>) {
        let shared = Arc::clone(self);
        let mut status = self.status.subscribe();
        let task = self.runtime.spawn(async move {
            tokio::select! {
                () = shared.allocate() => {}
                // A failure ends any allocation at once.
                _ = status.wait_for(|s| s.state == PartitionState::Failure) => {}
            }
        });
        let previous = locked(&self.inner).round.replace(task.abort_handle());
        if let Some(previous) = previous {
            previous.abort();
        }
    }

    /// Stops the allocation in progress and the party watchers.
    pub(super) fn stop_round(&self) {
        let mut inner = locked(&self.inner);
        if let Some(round) = inner.round.take() {
            round.abort();
        }
        for watcher in inner.watchers.drain(..) {
            watcher.abort();
        }
    }

    /// kazoo's `_allocate_transition`, from the party settling to the locks.
    async fn allocate(self: &Arc<Self>) {
        let settings = &self.settings;
        let id = self.status.borrow().id;
        loop {
            let settled =
                self.client.patient_children(&settings.party_path, settings.time_boundary).await;
            let (children, changes) = match settled {
                Ok(settled) => settled,
                Err(e) => {
                    self.fail_out_in_background(format!("cannot watch the party: {e}"));
                    return;
                }
            };
            if self.status.borrow().id != id {
                return;
            }
            let changed = self.watch_party(changes);
            let members: Vec<String> = children.iter().map(|c| shallow_identifier(c)).collect();
            if !members.contains(&settings.identifier) {
                self.fail_out_in_background("this member is no longer in the party".to_owned());
                return;
            }
            let partition =
                (settings.partition_func)(&settings.identifier, &members, &settings.set);
            tracing::debug!(path = %settings.path, identifier = %settings.identifier, ?members, ?partition, "allocating");
            match self.take_locks(id, &changed, &partition).await {
                Next::Continue => {}
                Next::Restart => {
                    self.release_locks().await;
                    continue;
                }
                Next::Stop => return,
            }
            // Every lock is held: acquired, unless something changed.
            let acquired = {
                // (The inner state before the status, always.)
                let mut inner = locked(&self.inner);
                self.status.send_if_modified(|status| {
                    if status.id != id || changed.load(Ordering::SeqCst) {
                        return false;
                    }
                    inner.partition = partition.clone();
                    status.state = PartitionState::Acquired;
                    status.id = status.id.wrapping_add(1);
                    true
                })
            };
            if acquired {
                return;
            }
            match self.check(id, &changed) {
                Next::Restart => self.release_locks().await,
                Next::Stop | Next::Continue => return,
            }
        }
    }

    /// Watches the party from now on: the flag is set (and an acquired set
    /// must be released) when it changes.
    fn watch_party(self: &Arc<Self>, changes: Watch) -> Arc<AtomicBool> {
        let changed = Arc::new(AtomicBool::new(false));
        let watcher = {
            let changed = Arc::clone(&changed);
            let shared = Arc::downgrade(self);
            self.runtime.spawn(async move {
                let event = changes.await;
                if event.is_terminal() {
                    return;
                }
                changed.store(true, Ordering::SeqCst);
                if let Some(shared) = shared.upgrade() {
                    shared.transition(|s| s == PartitionState::Acquired, PartitionState::Release);
                }
            })
        };
        let mut inner = locked(&self.inner);
        inner.watchers.retain(|w| !w.is_finished());
        inner.watchers.push(watcher.abort_handle());
        changed
    }

    /// Takes the lock of every item of `partition`, checking between locks
    /// (and while waiting for one) whether to go on.
    async fn take_locks(
        self: &Arc<Self>,
        id: u64,
        changed: &AtomicBool,
        partition: &[String],
    ) -> Next {
        let settings = &self.settings;
        let began = Instant::now();
        for item in partition {
            let lock = Lock::new(
                &self.client,
                join_path(&settings.lock_path, item),
                settings.identifier.as_str(),
            );
            loop {
                match lock.lock_timeout(settings.max_reaction_time).await {
                    Ok(guard) => {
                        if !self.keep(guard) {
                            return Next::Stop;
                        }
                        break;
                    }
                    Err(e) if e.is_timeout() => {
                        match self.check(id, changed) {
                            Next::Continue => {}
                            next => return next,
                        }
                        if began.elapsed() >= settings.acquire_timeout {
                            // Not stuck allocating for ever (kazoo #392).
                            self.fail_out_in_background(format!(
                                "could not acquire the lock of {item:?} within {:?}",
                                settings.acquire_timeout
                            ));
                            return Next::Stop;
                        }
                    }
                    Err(e) => {
                        self.fail_out_in_background(format!("cannot lock {item:?}: {e}"));
                        return Next::Stop;
                    }
                }
            }
            match self.check(id, changed) {
                Next::Continue => {}
                next => return next,
            }
        }
        Next::Continue
    }

    /// Keeps a lock just acquired; `false` (and the lock goes) if the
    /// partitioner failed meanwhile.
    fn keep(&self, guard: LockGuard) -> bool {
        let mut inner = locked(&self.inner);
        if self.state() == PartitionState::Failure {
            // Dropping the guard releases the lock in the background.
            return false;
        }
        inner.locks.push(guard);
        true
    }

    /// kazoo's `abort_if_needed`.
    fn check(&self, id: u64, changed: &AtomicBool) -> Next {
        if self.status.borrow().id == id {
            return if changed.load(Ordering::SeqCst) { Next::Restart } else { Next::Continue };
        }
        // A new allocation was started under this one: make sure the locks
        // this one took are released first.
        self.ask_release();
        Next::Stop
    }

    /// Releases every lock held.
    async fn release_locks(&self) {
        let locks = {
            let mut inner = locked(&self.inner);
            inner.partition.clear();
            std::mem::take(&mut inner.locks)
        };
        for guard in locks {
            if let Err(e) = guard.release().await {
                tracing::warn!(error = %e, "partitioner: cannot release a lock");
            }
        }
    }

    /// Fails out on a task of its own: the allocation calling this ends as
    /// soon as the state is `Failure`, and must not take the rest along.
    pub(super) fn fail_out_in_background(self: &Arc<Self>, reason: String) {
        let shared = Arc::clone(self);
        self.runtime.spawn(async move {
            let _ = shared.fail_out(&reason).await;
        });
    }

    /// Ends in `Failure`: locks released, party left, listener removed.
    pub(super) async fn fail_out(&self, reason: &str) -> Result<()> {
        let first = self.transition(|s| s != PartitionState::Failure, PartitionState::Failure);
        let listener = {
            let mut inner = locked(&self.inner);
            if first {
                inner.failure = Some(reason.to_owned());
                tracing::info!(path = %self.settings.path, identifier = %self.settings.identifier, reason, "partitioner failed");
            }
            for watcher in inner.watchers.drain(..) {
                watcher.abort();
            }
            inner.listener.take()
        };
        if let Some(listener) = listener {
            self.client.remove_listener(listener);
        }
        self.release_locks().await;
        if self.party.participating() {
            match self.party.leave().await {
                Ok(_) => {}
                // A stopped client or an ended session took the node along.
                Err(e) if e.is_closed() || e.is_session_expired() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// kazoo's session listener: a lost session fails the partitioner; a
/// suspended connection asks for the set to be released.
fn on_state(shared: &Weak<Shared>, state: State) {
    let Some(shared) = shared.upgrade() else { return };
    match state {
        State::Lost => shared.fail_out_in_background("the session was lost".to_owned()),
        State::Suspended => shared.ask_release(),
        State::Connected => {}
    }
}
