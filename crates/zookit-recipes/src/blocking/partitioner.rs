//! A blocking [`SetPartitioner`].

use std::fmt;
use std::time::Duration;

use zookit::Result;
use zookit::blocking::Client;

use super::run_bounded::{run, run_for, waiting};
use crate::PartitionState;

/// Builds a blocking [`SetPartitioner`]: [`SetPartitioner::builder`].
#[must_use = "a builder does nothing until started"]
pub struct SetPartitionerBuilder {
    client: Client,
    builder: crate::SetPartitionerBuilder,
}

impl fmt::Debug for SetPartitionerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.builder, f)
    }
}

impl SetPartitionerBuilder {
    /// This member's identifier; see [`crate::SetPartitionerBuilder::identifier`].
    pub fn identifier(self, identifier: impl Into<String>) -> Self {
        Self { builder: self.builder.identifier(identifier), ..self }
    }

    /// The partition function; see [`crate::SetPartitionerBuilder::partition_func`].
    pub fn partition_func(
        self,
        func: impl Fn(&str, &[String], &[String]) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        Self { builder: self.builder.partition_func(func), ..self }
    }

    /// How long the party must not change; see
    /// [`crate::SetPartitionerBuilder::time_boundary`].
    pub fn time_boundary(self, time_boundary: Duration) -> Self {
        Self { builder: self.builder.time_boundary(time_boundary), ..self }
    }

    /// The longest wait for one lock; see
    /// [`crate::SetPartitionerBuilder::max_reaction_time`].
    pub fn max_reaction_time(self, max_reaction_time: Duration) -> Self {
        Self { builder: self.builder.max_reaction_time(max_reaction_time), ..self }
    }

    /// How long an allocation may wait for its locks; see
    /// [`crate::SetPartitionerBuilder::acquire_timeout`].
    pub fn acquire_timeout(self, acquire_timeout: Duration) -> Self {
        Self { builder: self.builder.acquire_timeout(acquire_timeout), ..self }
    }

    /// Creates the nodes, joins the party and starts allocating.
    pub fn start(self) -> Result<SetPartitioner> {
        let builder = self.builder;
        let partitioner =
            run(&self.client, "partitioner start", async move { builder.start().await })?;
        Ok(SetPartitioner { client: self.client, partitioner })
    }
}

/// A blocking [`crate::SetPartitioner`]. When the last clone is dropped,
/// the member finishes on the client's runtime.
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::PartitionState;
/// use zookit_recipes::blocking::SetPartitioner;
///
/// let partitioner = SetPartitioner::builder(&zk, "/work_queues", ["queue-1", "queue-2"]).start()?;
/// loop {
///     match partitioner.state() {
///         PartitionState::Failure => break,
///         PartitionState::Release => partitioner.release_set()?,
///         PartitionState::Acquired => {
///             for queue in partitioner.acquired_set() {
///                 // work on `queue`
///                 # let _ = queue;
///             }
///             partitioner.wait_for_change(Duration::from_secs(1))?;
///         }
///         PartitionState::Allocating => {
///             partitioner.wait_for_acquire(Duration::from_secs(30))?;
///         }
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct SetPartitioner {
    client: Client,
    partitioner: crate::SetPartitioner,
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
            builder: crate::SetPartitioner::builder(client.async_client(), path, set),
        }
    }

    /// The partitioner's path.
    pub fn path(&self) -> &str {
        self.partitioner.path()
    }

    /// This member's identifier in the party.
    pub fn identifier(&self) -> &str {
        self.partitioner.identifier()
    }

    /// The current state. Never blocks.
    pub fn state(&self) -> PartitionState {
        self.partitioner.state()
    }

    /// Whether the state is [`PartitionState::Allocating`].
    pub fn is_allocating(&self) -> bool {
        self.partitioner.is_allocating()
    }

    /// Whether the state is [`PartitionState::Acquired`].
    pub fn is_acquired(&self) -> bool {
        self.partitioner.is_acquired()
    }

    /// Whether the state is [`PartitionState::Release`].
    pub fn needs_release(&self) -> bool {
        self.partitioner.needs_release()
    }

    /// Whether the state is [`PartitionState::Failure`].
    pub fn is_failed(&self) -> bool {
        self.partitioner.is_failed()
    }

    /// Why the partitioner failed, once it has.
    pub fn failure(&self) -> Option<String> {
        self.partitioner.failure()
    }

    /// The items this member holds the locks of.
    pub fn acquired_set(&self) -> Vec<String> {
        self.partitioner.acquired_set()
    }

    /// Blocks until the set is acquired, at most `timeout`; see
    /// [`crate::SetPartitioner::wait_for_acquire`].
    pub fn wait_for_acquire(&self, timeout: Duration) -> Result<PartitionState> {
        let partitioner = self.partitioner.clone();
        let bound = waiting(&self.client, timeout);
        run_for(&self.client, "partitioner wait_for_acquire", bound, async move {
            Ok(partitioner.wait_for_acquire(timeout).await)
        })
    }

    /// Blocks until the state changes, at most `timeout`; see
    /// [`crate::SetPartitioner::wait_for_change`].
    pub fn wait_for_change(&self, timeout: Duration) -> Result<PartitionState> {
        let partitioner = self.partitioner.clone();
        let bound = waiting(&self.client, timeout);
        run_for(&self.client, "partitioner wait_for_change", bound, async move {
            Ok(partitioner.wait_for_change(timeout).await)
        })
    }

    /// Releases the locks and divides the set again; see
    /// [`crate::SetPartitioner::release_set`].
    pub fn release_set(&self) -> Result<()> {
        let partitioner = self.partitioner.clone();
        run(&self.client, "partitioner release_set", async move { partitioner.release_set().await })
    }

    /// Releases the locks, leaves the party and fails; see
    /// [`crate::SetPartitioner::finish`].
    pub fn finish(&self) -> Result<()> {
        let partitioner = self.partitioner.clone();
        run(&self.client, "partitioner finish", async move { partitioner.finish().await })
    }
}

impl IntoIterator for &SetPartitioner {
    type Item = String;
    type IntoIter = std::vec::IntoIter<String>;

    fn into_iter(self) -> Self::IntoIter {
        self.acquired_set().into_iter()
    }
}
