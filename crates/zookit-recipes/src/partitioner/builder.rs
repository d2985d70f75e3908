//! Building a member of a set partitioner.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use zookit::{Client, join_path};

use super::allocation::{Settings, Shared};
use super::{
    DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_MAX_REACTION_TIME, DEFAULT_TIME_BOUNDARY, PartitionFunc,
    SetPartitioner, default_partitioner,
};
use crate::error::{At, Error, Result};
use crate::ids::default_identifier;
use crate::party::ShallowParty;
use crate::runtime::runtime;

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
    pub(super) fn new(client: &Client, path: String, set: Vec<String>) -> Self {
        Self {
            client: client.clone(),
            path,
            set,
            identifier: None,
            partition_func: Arc::new(default_partitioner),
            time_boundary: DEFAULT_TIME_BOUNDARY,
            max_reaction_time: DEFAULT_MAX_REACTION_TIME,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
        }
    }

    /// The partitioner's path.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

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
    /// at once, in [`PartitionState::Allocating`](super::PartitionState::Allocating).
    pub async fn start(self) -> Result<SetPartitioner> {
        let path = self.path.clone();
        self.start_member().await.at(&path)
    }

    async fn start_member(self) -> Result<SetPartitioner> {
        let runtime = runtime()?;
        let identifier = self.identifier.unwrap_or_else(default_identifier);
        let mut set = self.set;
        set.sort_unstable();
        set.dedup();
        if let Some(bad) = set.iter().find(|item| item.is_empty() || item.contains('/')) {
            return Err(Error::invalid_argument(format!(
                "a partitioned item names a lock node: {bad:?} cannot"
            )));
        }
        let client = self.client;
        let lock_path = join_path(&self.path, "locks");
        let party_path = join_path(&self.path, "party");
        let party = ShallowParty::new(&client, party_path.as_str(), identifier.as_str())?;
        client.retry(|| client.ensure_path(&lock_path)).await?;
        party.join().await?;
        let settings = Settings {
            path: self.path,
            lock_path,
            party_path,
            identifier,
            set,
            partition_func: self.partition_func,
            time_boundary: self.time_boundary,
            max_reaction_time: self.max_reaction_time,
            acquire_timeout: self.acquire_timeout,
        };
        Ok(SetPartitioner::new(Shared::start(client, settings, party, runtime)))
    }
}
