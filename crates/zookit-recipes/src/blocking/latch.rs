//! The blocking [`LeaderLatch`].

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use zookit::blocking::Client;

use super::run::{OnClient, run_for, waiting};
use crate::{LatchEvent, Result};

/// The blocking form of [`crate::LeaderLatch`] (Curator's `LeaderLatch`).
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
/// use std::time::Duration;
///
/// let latch = zookit_recipes::blocking::LeaderLatch::new(&zk, "/latchpath", "my-identifier");
/// latch.start()?;
/// if latch.wait_for_leadership(Some(Duration::from_secs(10)))? {
///     // lead while latch.has_leadership()
/// }
/// latch.close()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct LeaderLatch(OnClient<crate::LeaderLatch>);

impl LeaderLatch {
    /// A participant of the election at `path`; see
    /// [`crate::LeaderLatch::new`].
    pub fn new(client: &Client, path: impl Into<String>, identifier: impl Into<String>) -> Self {
        Self(OnClient::new(
            client,
            crate::LeaderLatch::new(client.async_client(), path, identifier),
        ))
    }

    /// The async latch this one runs.
    pub fn as_async(&self) -> &crate::LeaderLatch {
        self.0.recipe()
    }

    /// The election's path.
    pub fn path(&self) -> &str {
        self.0.recipe().path()
    }

    /// Starts taking part, on the client's runtime.
    pub fn start(&self) -> Result<()> {
        self.0.run(|latch| async move { latch.start() })
    }

    /// Whether this participant leads now. Never blocks.
    pub fn has_leadership(&self) -> bool {
        self.0.recipe().has_leadership()
    }

    /// Blocks until this participant leads (`true`), or `timeout` passes
    /// (`false`); see [`crate::LeaderLatch::wait_for_leadership`].
    pub fn wait_for_leadership(&self, timeout: Option<Duration>) -> Result<bool> {
        self.0.wait(timeout, |latch| async move { latch.wait_for_leadership(timeout).await })
    }

    /// Every change of the leadership from now on.
    pub fn events(&self) -> LatchEvents {
        LatchEvents {
            client: self.0.client().clone(),
            path: self.path().to_owned(),
            events: Arc::new(Mutex::new(self.0.recipe().events())),
        }
    }

    /// Leaves the election; see [`crate::LeaderLatch::close`].
    pub fn close(&self) -> Result<()> {
        self.0.run(|latch| async move { latch.close().await })
    }

    /// The identifiers of the participants, the leader first.
    pub fn participants(&self) -> Result<Vec<String>> {
        self.0.run(|latch| async move { latch.participants().await })
    }

    /// The identifier of the leader, if there is one.
    pub fn leader(&self) -> Result<Option<String>> {
        self.0.run(|latch| async move { latch.leader().await })
    }
}

/// Every change of a blocking latch's leadership, from
/// [`LeaderLatch::events`].
#[derive(Debug)]
pub struct LatchEvents {
    client: Client,
    path: String,
    events: Arc<Mutex<crate::LatchEvents>>,
}

impl LatchEvents {
    /// Blocks until the next change, at most `timeout`: `None` if none
    /// came (or the latch is gone).
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<LatchEvent>> {
        let events = Arc::clone(&self.events);
        run_for(&self.client, &self.path, waiting(&self.client, Some(timeout)), async move {
            let mut events = events.lock().await;
            Ok(tokio::time::timeout(timeout, events.next()).await.ok().flatten())
        })
    }

    /// The next change if one is waiting. Never blocks.
    pub fn try_next(&self) -> Option<LatchEvent> {
        self.events.try_lock().ok().and_then(|mut events| events.try_next())
    }
}
