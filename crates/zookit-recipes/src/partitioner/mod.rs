//! The set partitioner (kazoo's `SetPartitioner`): divides a set of items
//! among the members of a party, each item to one member, and divides it
//! again when members come or go.

mod allocation;
mod builder;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use zookit::Client;

use crate::error::{At, Result};
use allocation::Shared;
pub use builder::SetPartitionerBuilder;

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

/// Divides a set of items among the members of a party (kazoo's
/// `SetPartitioner`): each member gets zero or more items, each item one
/// member, and each member holds a lock per item it got. When members come
/// or go, the set is divided again.
///
/// The members form a [`ShallowParty`](crate::ShallowParty) under `{path}/party`; once it has
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
/// # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
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
            .field("path", &shared.path())
            .field("identifier", &shared.identifier())
            .field("state", &self.state())
            .field("acquired", &self.acquired_set())
            .finish()
    }
}

impl SetPartitioner {
    fn new(shared: Arc<Shared>) -> Self {
        Self { handle: Arc::new(Handle { shared }) }
    }

    /// A builder of a member of the partitioner at `path` dividing `set`.
    pub fn builder(
        client: &Client,
        path: impl Into<String>,
        set: impl IntoIterator<Item = impl Into<String>>,
    ) -> SetPartitionerBuilder {
        SetPartitionerBuilder::new(client, path.into(), set.into_iter().map(Into::into).collect())
    }

    /// The partitioner's path.
    pub fn path(&self) -> &str {
        self.handle.shared.path()
    }

    /// This member's identifier in the party.
    pub fn identifier(&self) -> &str {
        self.handle.shared.identifier()
    }

    /// The current state.
    pub fn state(&self) -> PartitionState {
        self.handle.shared.state()
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
        self.handle.shared.failure()
    }

    /// The items this member holds the locks of (kazoo's iteration of the
    /// partitioner): those of the last allocation, until they are
    /// released. Use them only while [`Acquired`](PartitionState::Acquired).
    pub fn acquired_set(&self) -> Vec<String> {
        self.handle.shared.acquired_set()
    }

    /// Waits until the set is acquired, at most `timeout`, and returns the
    /// state then. Returns early if the partitioner leaves `Allocating`
    /// otherwise (to `Release` or `Failure`).
    pub async fn wait_for_acquire(&self, timeout: Duration) -> PartitionState {
        let mut status = self.handle.shared.status();
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
        let mut status = self.handle.shared.status();
        let id = status.borrow_and_update().id;
        let _ = tokio::time::timeout(timeout, status.wait_for(|s| s.id != id)).await;
        self.state()
    }

    /// Releases the locks of this member's items and divides the set
    /// again ([`Allocating`](PartitionState::Allocating)). Does nothing
    /// more once failed.
    pub async fn release_set(&self) -> Result<()> {
        self.handle.shared.divide_again().await;
        Ok(())
    }

    /// Releases the locks, leaves the party and ends in
    /// [`Failure`](PartitionState::Failure) (kazoo's `finish`).
    pub async fn finish(&self) -> Result<()> {
        self.handle.shared.fail_out("finished").await.at(self.path())
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
        self.shared.stop_round();
        if self.shared.state() != PartitionState::Failure {
            self.shared.fail_out_in_background("dropped".to_owned());
        }
    }
}
