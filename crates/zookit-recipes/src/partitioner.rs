//! The set partitioner (kazoo's `SetPartitioner`): divides a set of items
//! among the members of a party, each item to one member, and divides it
//! again when members come or go.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use zookit::join_path;

use tokio::sync::watch;
use tokio::task::AbortHandle;
use tokio::time::Instant;
use zookit::{Client, ListenerId, Result, State};

use crate::lock::{Lock, LockGuard};
use crate::party::{ShallowParty, default_identifier, shallow_identifier};

/// kazoo's default time the party must be stable before the set is
/// divided.
pub const DEFAULT_TIME_BOUNDARY: Duration = Duration::from_secs(30);

/// kazoo's default longest wait for one lock before checking whether the
/// party changed meanwhile.
pub const DEFAULT_MAX_REACTION_TIME: Duration = Duration::from_secs(1);

/// How long one allocation may wait in all for the locks of its items
/// before the partitioner fails, unless set otherwise.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a [`SetPartitioner`] stands (kazoo's `PartitionState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartitionState {
    /// The set is being divided: waiting for the party to settle, then for
    /// the locks of this member's items.
    Allocating,
    /// This member holds the locks of its items:
    /// [`acquired_set`](SetPartitioner::acquired_set) lists them.
    Acquired,
    /// The party changed (or the connection was suspended): this member
    /// must stop working on its items and call
    /// [`release_set`](SetPartitioner::release_set) soon, for the set to
    /// be divided again.
    Release,
    /// The partitioner is done: the session was lost, the locks could not
    /// be acquired in time, or [`finish`](SetPartitioner::finish) was
    /// called. Create a new one to take part again.
    Failure,
}

impl fmt::Display for PartitionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Allocating => "ALLOCATING",
            Self::Acquired => "ACQUIRED",
            Self::Release => "RELEASE",
            Self::Failure => "FAILURE",
        })
    }
}

/// A function that picks a member's items: `(identifier, members, items)`
/// to the items of the member `identifier`.
pub type PartitionFunc = Arc<dyn Fn(&str, &[String], &[String]) -> Vec<String> + Send + Sync>;

/// kazoo's default partition function: with the members and the items
/// sorted, the member at index `i` gets the items `i`, `i + n`, `i + 2n`,
/// ... for `n` members. A member not in `members` gets none.
pub fn default_partitioner(identifier: &str, members: &[String], items: &[String]) -> Vec<String> {
    let mut workers = members.to_vec();
    workers.sort_unstable();
    let mut all = items.to_vec();
    all.sort_unstable();
    let Some(index) = workers.iter().position(|w| w == identifier) else { return Vec::new() };
    all.into_iter().skip(index).step_by(workers.len()).collect()
}

/// Builds a [`SetPartitioner`]: [`SetPartitioner::builder`].
#[must_use = "a builder does nothing until started"]
pub struct SetPartitionerBuilder {
    client: Client,
    path: String,
    set: Vec<String>,
    identifier: Option<String>,
    partition_func: PartitionFunc,
    time_boundary: Duration,
    max_reaction_time: Duration,
    acquire_timeout: Duration,
}

impl fmt::Debug for SetPartitionerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetPartitionerBuilder")
            .field("path", &self.path)
            .field("set", &self.set)
            .field("identifier", &self.identifier)
            .field("time_boundary", &self.time_boundary)
            .field("max_reaction_time", &self.max_reaction_time)
            .field("acquire_timeout", &self.acquire_timeout)
            .finish_non_exhaustive()
    }
}

impl SetPartitionerBuilder {
    /// This member's identifier in the party (default: the host name and
    /// process id, [`default_identifier`]). It is part of a node name: no
    /// `/`.
    pub fn identifier(mut self, identifier: impl Into<String>) -> Self {
        self.identifier = Some(identifier.into());
        self
    }

    /// The function that picks this member's items (default:
    /// [`default_partitioner`]). Every member must use the same one.
    pub fn partition_func(
        mut self,
        func: impl Fn(&str, &[String], &[String]) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.partition_func = Arc::new(func);
        self
    }

    /// How long the party must not change before the set is divided
    /// (default 30 s, kazoo's).
    pub fn time_boundary(mut self, time_boundary: Duration) -> Self {
        self.time_boundary = time_boundary;
        self
    }

    /// The longest wait for one lock before checking whether the party
    /// changed meanwhile (default 1 s, kazoo's).
    pub fn max_reaction_time(mut self, max_reaction_time: Duration) -> Self {
        self.max_reaction_time = max_reaction_time;
        self
    }

    /// How long one allocation may wait in all for the locks of its items
    /// (default 60 s): past it the locks it got are released and the
    /// partitioner fails, rather than stay allocating for ever while
    /// someone else holds a lock (kazoo's issue #392: members with
    /// different sets, or a lock held outside the partitioner). Members
    /// told to release must do so well within it.
    pub fn acquire_timeout(mut self, acquire_timeout: Duration) -> Self {
        self.acquire_timeout = acquire_timeout;
        self
    }

    /// Creates the nodes, joins the party and starts allocating; returns
    /// at once, in [`PartitionState::Allocating`].
    pub async fn start(self) -> Result<SetPartitioner> {
        let identifier = self.identifier.unwrap_or_else(default_identifier);
        let mut set = self.set;
        set.sort_unstable();
        set.dedup();
        if let Some(bad) = set.iter().find(|item| item.is_empty() || item.contains('/')) {
            return Err(zookit::__transitional::invalid_argument(format!(
                "a partitioned item names a lock node: {bad:?} cannot"
            )));
        }
        let client = self.client;
        let lock_path = join_path(&self.path, "locks");
        let party_path = join_path(&self.path, "party");
        let party = ShallowParty::new(&client, &party_path, &identifier)?;
        client.retry(|| client.ensure_path(&lock_path)).await?;
        party.join().await?;
        let shared = Arc::new(Shared {
            client: client.clone(),
            path: self.path,
            lock_path,
            party_path,
            identifier,
            set,
            partition_func: self.partition_func,
            time_boundary: self.time_boundary,
            max_reaction_time: self.max_reaction_time,
            acquire_timeout: self.acquire_timeout,
            party,
            status: watch::channel(Status { state: PartitionState::Allocating, id: 0 }).0,
            inner: Mutex::new(Inner::default()),
            runtime: tokio::runtime::Handle::current(),
        });
        let weak = Arc::downgrade(&shared);
        let listener = client.add_listener(move |state| on_state(&weak, state));
        lock(&shared.inner).listener = Some(listener);
        shared.start_round();
        Ok(SetPartitioner { handle: Arc::new(Handle { shared }) })
    }
}

/// Divides a set of items among the members of a party (kazoo's
/// `SetPartitioner`): each member gets zero or more items, each item one
/// member, and each member holds a lock per item it got. When members come
/// or go, the set is divided again.
///
/// The members form a [`ShallowParty`] under `{path}/party`; once it has
/// not changed for the time boundary, each member works out its items with
/// the partition function and takes a lock per item under
/// `{path}/locks/{item}`. Then it is [`Acquired`](PartitionState::Acquired)
/// until the party changes ([`Release`](PartitionState::Release): it must
/// stop using the items and [`release_set`](Self::release_set)), or the
/// session is lost ([`Failure`](PartitionState::Failure)). A suspended
/// connection also means `Release`, as the locks may be lost.
///
/// Clones are the same member. When the last one is dropped, the member
/// finishes in the background (locks released, party left).
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::{PartitionState, SetPartitioner};
///
/// let partitioner = SetPartitioner::builder(&zk, "/work_queues", ["queue-1", "queue-2", "queue-3"])
///     .start()
///     .await?;
/// loop {
///     match partitioner.state() {
///         PartitionState::Failure => break, // lost or unable to acquire
///         PartitionState::Release => partitioner.release_set().await?,
///         PartitionState::Acquired => {
///             for queue in partitioner.acquired_set() {
///                 // work on `queue`
///                 # let _ = queue;
///             }
///             partitioner.wait_for_change(Duration::from_secs(1)).await;
///         }
///         PartitionState::Allocating => {
///             partitioner.wait_for_acquire(Duration::from_secs(30)).await;
///         }
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SetPartitioner {
    handle: Arc<Handle>,
}

impl fmt::Debug for SetPartitioner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.handle.shared;
        f.debug_struct("SetPartitioner")
            .field("path", &shared.path)
            .field("identifier", &shared.identifier)
            .field("state", &self.state())
            .field("acquired", &self.acquired_set())
            .finish()
    }
}

impl SetPartitioner {
    /// A builder of a member of the partitioner at `path` dividing `set`.
    pub fn builder<I>(client: &Client, path: &str, set: I) -> SetPartitionerBuilder
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        SetPartitionerBuilder {
            client: client.clone(),
            path: path.to_owned(),
            set: set.into_iter().map(Into::into).collect(),
            identifier: None,
            partition_func: Arc::new(default_partitioner),
            time_boundary: DEFAULT_TIME_BOUNDARY,
            max_reaction_time: DEFAULT_MAX_REACTION_TIME,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
        }
    }

    /// The partitioner's path.
    pub fn path(&self) -> &str {
        &self.handle.shared.path
    }

    /// This member's identifier in the party.
    pub fn identifier(&self) -> &str {
        &self.handle.shared.identifier
    }

    /// The current state.
    pub fn state(&self) -> PartitionState {
        self.handle.shared.status.borrow().state
    }

    /// Whether the state is [`PartitionState::Allocating`].
    pub fn is_allocating(&self) -> bool {
        self.state() == PartitionState::Allocating
    }

    /// Whether the state is [`PartitionState::Acquired`].
    pub fn is_acquired(&self) -> bool {
        self.state() == PartitionState::Acquired
    }

    /// Whether the state is [`PartitionState::Release`] (kazoo's
    /// `release` property).
    pub fn needs_release(&self) -> bool {
        self.state() == PartitionState::Release
    }

    /// Whether the state is [`PartitionState::Failure`].
    pub fn is_failed(&self) -> bool {
        self.state() == PartitionState::Failure
    }

    /// Why the partitioner failed, once it has.
    pub fn failure(&self) -> Option<String> {
        lock(&self.handle.shared.inner).failure.clone()
    }

    /// The items this member holds the locks of (kazoo's iteration of the
    /// partitioner): those of the last allocation, until they are
    /// released. Use them only while [`Acquired`](PartitionState::Acquired).
    pub fn acquired_set(&self) -> Vec<String> {
        lock(&self.handle.shared.inner).partition.clone()
    }

    /// Waits until the set is acquired, at most `timeout`, and returns the
    /// state then. Returns early if the partitioner leaves `Allocating`
    /// otherwise (to `Release` or `Failure`).
    pub async fn wait_for_acquire(&self, timeout: Duration) -> PartitionState {
        let mut status = self.handle.shared.status.subscribe();
        let _ = tokio::time::timeout(
            timeout,
            status.wait_for(|s| s.state != PartitionState::Allocating),
        )
        .await;
        self.state()
    }

    /// Waits until the state changes (to another state, or through
    /// another), at most `timeout`, and returns the state then.
    pub async fn wait_for_change(&self, timeout: Duration) -> PartitionState {
        let mut status = self.handle.shared.status.subscribe();
        let id = status.borrow_and_update().id;
        let _ = tokio::time::timeout(timeout, status.wait_for(|s| s.id != id)).await;
        self.state()
    }

    /// Releases the locks of this member's items and divides the set
    /// again ([`Allocating`](PartitionState::Allocating)). Does nothing
    /// more once failed.
    pub async fn release_set(&self) -> Result<()> {
        let shared = &self.handle.shared;
        shared.stop_round();
        shared.release_locks().await;
        let allocating = shared.status.send_if_modified(|status| {
            if status.state == PartitionState::Failure {
                return false;
            }
            status.set(PartitionState::Allocating);
            true
        });
        if allocating {
            shared.start_round();
        }
        Ok(())
    }

    /// Releases the locks, leaves the party and ends in
    /// [`Failure`](PartitionState::Failure) (kazoo's `finish`).
    pub async fn finish(&self) -> Result<()> {
        self.handle.shared.fail_out("finished").await
    }
}

impl IntoIterator for &SetPartitioner {
    type Item = String;
    type IntoIter = std::vec::IntoIter<String>;

    fn into_iter(self) -> Self::IntoIter {
        self.acquired_set().into_iter()
    }
}

/// The last handle finishes the member.
struct Handle {
    shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let shared = Arc::clone(&self.shared);
        shared.stop_round();
        if shared.status.borrow().state != PartitionState::Failure {
            let runtime = shared.runtime.clone();
            runtime.spawn(async move {
                let _ = shared.fail_out("dropped").await;
            });
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Status {
    state: PartitionState,
    /// Counts the changes, so that a state left and entered again is told
    /// apart (kazoo's `state_id`).
    id: u64,
}

impl Status {
    fn set(&mut self, state: PartitionState) {
        self.state = state;
        self.id = self.id.wrapping_add(1);
    }
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

struct Shared {
    client: Client,
    path: String,
    lock_path: String,
    party_path: String,
    identifier: String,
    set: Vec<String>,
    partition_func: PartitionFunc,
    time_boundary: Duration,
    max_reaction_time: Duration,
    acquire_timeout: Duration,
    party: ShallowParty,
    status: watch::Sender<Status>,
    inner: Mutex<Inner>,
    runtime: tokio::runtime::Handle,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// kazoo's session listener: a lost session fails the partitioner; a
/// suspended connection asks for the set to be released.
fn on_state(shared: &Weak<Shared>, state: State) {
    let Some(shared) = shared.upgrade() else { return };
    match state {
        State::Lost => {
            let runtime = shared.runtime.clone();
            runtime.spawn(async move {
                let _ = shared.fail_out("the session was lost").await;
            });
        }
        State::Suspended => {
            shared.status.send_if_modified(|status| {
                if matches!(status.state, PartitionState::Allocating | PartitionState::Acquired) {
                    status.set(PartitionState::Release);
                    return true;
                }
                false
            });
        }
        State::Connected => {}
    }
}

/// What an allocation does after a check.
enum Next {
    /// Go on.
    Continue,
    /// The party changed: release and divide again.
    Restart,
    /// The state changed under it: stop.
    Stop,
}

impl Shared {
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
        let previous = lock(&self.inner).round.replace(task.abort_handle());
        if let Some(previous) = previous {
            previous.abort();
        }
    }

    /// Stops the allocation in progress and the party watchers.
    fn stop_round(&self) {
        let mut inner = lock(&self.inner);
        if let Some(round) = inner.round.take() {
            round.abort();
        }
        for watcher in inner.watchers.drain(..) {
            watcher.abort();
        }
    }

    /// kazoo's `_allocate_transition`, from the party settling to the locks.
    async fn allocate(self: &Arc<Self>) {
        let id = self.status.borrow().id;
        'rounds: loop {
            let settled = self.client.patient_children(&self.party_path, self.time_boundary).await;
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
            // From now on, a change of the party calls for a new division.
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
                        shared.status.send_if_modified(|status| {
                            if status.state == PartitionState::Acquired {
                                status.set(PartitionState::Release);
                                return true;
                            }
                            false
                        });
                    }
                })
            };
            {
                let mut inner = lock(&self.inner);
                inner.watchers.retain(|w| !w.is_finished());
                inner.watchers.push(watcher.abort_handle());
            }

            let members: Vec<String> = children.iter().map(|c| shallow_identifier(c)).collect();
            if !members.contains(&self.identifier) {
                self.fail_out_in_background("this member is no longer in the party".to_owned());
                return;
            }
            let partition = (self.partition_func)(&self.identifier, &members, &self.set);
            tracing::debug!(path = %self.path, identifier = %self.identifier, ?members, ?partition, "allocating");
            let began = Instant::now();
            for item in &partition {
                let lock = Lock::new(
                    &self.client,
                    join_path(&self.lock_path, item),
                    self.identifier.clone(),
                );
                loop {
                    match lock.lock_timeout(self.max_reaction_time).await {
                        Ok(guard) => {
                            if !self.keep(guard) {
                                return;
                            }
                            break;
                        }
                        Err(e) if e.is_timeout() => {
                            match self.check(id, &changed) {
                                Next::Stop => return,
                                Next::Restart => {
                                    self.release_locks().await;
                                    continue 'rounds;
                                }
                                Next::Continue => {}
                            }
                            if began.elapsed() >= self.acquire_timeout {
                                // Not stuck allocating for ever (kazoo #392).
                                let reason = format!(
                                    "could not acquire the lock of {item:?} within {:?}",
                                    self.acquire_timeout
                                );
                                self.fail_out_in_background(reason);
                                return;
                            }
                        }
                        Err(e) => {
                            self.fail_out_in_background(format!("cannot lock {item:?}: {e}"));
                            return;
                        }
                    }
                }
                match self.check(id, &changed) {
                    Next::Stop => return,
                    Next::Restart => {
                        self.release_locks().await;
                        continue 'rounds;
                    }
                    Next::Continue => {}
                }
            }
            // Every lock is held: acquired, unless something changed.
            let acquired = {
                // (The inner state before the status, always.)
                let mut inner = lock(&self.inner);
                self.status.send_if_modified(|status| {
                    if status.id != id || changed.load(Ordering::SeqCst) {
                        return false;
                    }
                    inner.partition = partition.clone();
                    status.set(PartitionState::Acquired);
                    true
                })
            };
            if acquired {
                return;
            }
            match self.check(id, &changed) {
                Next::Restart => {
                    self.release_locks().await;
                }
                Next::Stop | Next::Continue => return,
            }
        }
    }

    /// Keeps a lock just acquired; `false` (and the lock goes) if the
    /// partitioner failed meanwhile.
    fn keep(&self, guard: LockGuard) -> bool {
        let mut inner = lock(&self.inner);
        if self.status.borrow().state == PartitionState::Failure {
            // Dropping the guard releases the lock in the background.
            return false;
        }
        inner.locks.push(guard);
        true
    }

    /// kazoo's `abort_if_needed`.
    fn check(&self, id: u64, changed: &AtomicBool) -> Next {
        let mut next = Next::Continue;
        self.status.send_if_modified(|status| {
            if status.id == id {
                if changed.load(Ordering::SeqCst) {
                    next = Next::Restart;
                }
                return false;
            }
            next = Next::Stop;
            // A new allocation was started under this one: make sure the
            // locks this one took are released first.
            if matches!(status.state, PartitionState::Allocating | PartitionState::Acquired) {
                status.set(PartitionState::Release);
                return true;
            }
            false
        });
        next
    }

    /// Releases every lock held.
    async fn release_locks(&self) {
        let locks = {
            let mut inner = lock(&self.inner);
            inner.partition.clear();
            std::mem::take(&mut inner.locks)
        };
        for guard in locks {
            let path = guard.path().to_owned();
            if let Err(e) = guard.release().await {
                tracing::warn!(path, error = %e, "partitioner: cannot release a lock");
            }
        }
    }

    /// Fails out on a task of its own: the allocation calling this ends as
    /// soon as the state is `Failure`, and must not take the rest along.
    fn fail_out_in_background(self: &Arc<Self>, reason: String) {
        let shared = Arc::clone(self);
        self.runtime.spawn(async move {
            let _ = shared.fail_out(&reason).await;
        });
    }

    /// Ends in `Failure`: locks released, party left, listener removed.
    async fn fail_out(&self, reason: &str) -> Result<()> {
        let first = self.status.send_if_modified(|status| {
            if status.state == PartitionState::Failure {
                return false;
            }
            status.set(PartitionState::Failure);
            true
        });
        let listener = {
            let mut inner = lock(&self.inner);
            if first {
                inner.failure = Some(reason.to_owned());
                tracing::info!(path = %self.path, identifier = %self.identifier, reason, "partitioner failed");
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
