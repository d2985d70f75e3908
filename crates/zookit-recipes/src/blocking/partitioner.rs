//! A blocking [`SetPartitioner`].

use std::fmt;
use std::time::Duration;

use zookit::blocking::Client;

use super::run::{OnClient, run_for};
use crate::{PartitionState, Result};

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
    /// Sets an option of the async builder.
    fn with(
        self,
        option: impl FnOnce(crate::SetPartitionerBuilder) -> crate::SetPartitionerBuilder,
    ) -> Self {
        Self { builder: option(self.builder), ..self }
    }

    /// This member's identifier; see [`crate::SetPartitionerBuilder::identifier`].
    pub fn identifier(self, identifier: impl Into<String>) -> Self {
        self.with(|b| b.identifier(identifier))
    }

    /// The partition function; see [`crate::SetPartitionerBuilder::partition_func`].
    pub fn partition_func(
        self,
        func: impl Fn(&str, &[String], &[String]) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.with(|b| b.partition_func(func))
    }

    /// How long the party must not change; see
    /// [`crate::SetPartitionerBuilder::time_boundary`].
    pub fn time_boundary(self, time_boundary: Duration) -> Self {
        self.with(|b| b.time_boundary(time_boundary))
    }

    /// The longest wait for one lock; see
    /// [`crate::SetPartitionerBuilder::max_reaction_time`].
    pub fn max_reaction_time(self, max_reaction_time: Duration) -> Self {
        self.with(|b| b.max_reaction_time(max_reaction_time))
    }

    /// How long an allocation may wait for its locks; see
    /// [`crate::SetPartitionerBuilder::acquire_timeout`].
    pub fn acquire_timeout(self, acquire_timeout: Duration) -> Self {
        self.with(|b| b.acquire_timeout(acquire_timeout))
    }

    /// Creates the nodes, joins the party and starts allocating.
    pub fn start(self) -> Result<SetPartitioner> {
        let path = self.builder.path().to_owned();
        let bound = Some(self.client.command_timeout());
        let partitioner = run_for(&self.client, &path, bound, self.builder.start())?;
        Ok(SetPartitioner(OnClient::new(&self.client, partitioner)))
    }
}

/// A blocking [`crate::SetPartitioner`]. When the last clone is dropped,
/// the member finishes on the client's runtime.
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
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
pub struct SetPartitioner(OnClient<crate::SetPartitioner>);

impl SetPartitioner {
    /// A builder of a member of the partitioner at `path` dividing `set`.
    pub fn builder(
        client: &Client,
        path: impl Into<String>,
        set: impl IntoIterator<Item = impl Into<String>>,
    ) -> SetPartitionerBuilder {
        let builder = crate::SetPartitioner::builder(client.async_client(), path, set);
        SetPartitionerBuilder { client: client.clone(), builder }
    }

    /// The async partitioner this one runs.
    pub fn as_async(&self) -> &crate::SetPartitioner {
        self.0.recipe()
    }

    /// The partitioner's path.
    pub fn path(&self) -> &str {
        self.0.recipe().path()
    }

    /// This member's identifier in the party.
    pub fn identifier(&self) -> &str {
        self.0.recipe().identifier()
    }

    /// The current state. Never blocks.
    pub fn state(&self) -> PartitionState {
        self.0.recipe().state()
    }

    /// Whether the state is [`PartitionState::Allocating`].
    pub fn is_allocating(&self) -> bool {
        self.0.recipe().is_allocating()
    }

    /// Whether the state is [`PartitionState::Acquired`].
    pub fn is_acquired(&self) -> bool {
        self.0.recipe().is_acquired()
    }

    /// Whether the state is [`PartitionState::Release`].
    pub fn needs_release(&self) -> bool {
        self.0.recipe().needs_release()
    }

    /// Whether the state is [`PartitionState::Failure`].
    pub fn is_failed(&self) -> bool {
        self.0.recipe().is_failed()
    }

    /// Why the partitioner failed, once it has.
    pub fn failure(&self) -> Option<String> {
        self.0.recipe().failure()
    }

    /// The items this member holds the locks of.
    pub fn acquired_set(&self) -> Vec<String> {
        self.0.recipe().acquired_set()
    }

    /// Blocks until the set is acquired, at most `timeout`; see
    /// [`crate::SetPartitioner::wait_for_acquire`].
    pub fn wait_for_acquire(&self, timeout: Duration) -> Result<PartitionState> {
        self.0.wait(Some(timeout), |p| async move { Ok(p.wait_for_acquire(timeout).await) })
    }

    /// Blocks until the state changes, at most `timeout`; see
    /// [`crate::SetPartitioner::wait_for_change`].
    pub fn wait_for_change(&self, timeout: Duration) -> Result<PartitionState> {
        self.0.wait(Some(timeout), |p| async move { Ok(p.wait_for_change(timeout).await) })
    }

    /// Releases the locks and divides the set again; see
    /// [`crate::SetPartitioner::release_set`].
    pub fn release_set(&self) -> Result<()> {
        self.0.run(|partitioner| async move { partitioner.release_set().await })
    }

    /// Releases the locks, leaves the party and fails; see
    /// [`crate::SetPartitioner::finish`].
    pub fn finish(&self) -> Result<()> {
        self.0.run(|partitioner| async move { partitioner.finish().await })
    }
}

impl IntoIterator for &SetPartitioner {
    type Item = String;
    type IntoIter = std::vec::IntoIter<String>;

    fn into_iter(self) -> Self::IntoIter {
        self.acquired_set().into_iter()
    }
}
