//! Blocking barriers: [`Barrier`] and [`DoubleBarrier`].

use std::time::Duration;

use zookit::blocking::Client;

use super::run::OnClient;
use crate::Result;

/// A blocking [`crate::Barrier`]: processes wait while its node exists.
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::blocking::Barrier;
///
/// let barrier = Barrier::new(&zk, "/app/barriers/deploy");
/// barrier.create()?;
/// // elsewhere: true once the barrier is removed, false after 30 s
/// let cleared = barrier.wait(Duration::from_secs(30))?;
/// barrier.remove()?;
/// # let _ = cleared;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Barrier(OnClient<crate::Barrier>);

impl Barrier {
    /// A barrier at `path` (nothing is created yet).
    pub fn new(client: &Client, path: impl Into<String>) -> Self {
        Self(OnClient::new(client, crate::Barrier::new(client.async_client(), path)))
    }

    /// The barrier's node.
    pub fn path(&self) -> &str {
        self.0.recipe().path()
    }

    /// Puts the barrier up; see [`crate::Barrier::create`].
    pub fn create(&self) -> Result<()> {
        self.0.run(|barrier| async move { barrier.create().await })
    }

    /// Removes the barrier; `false` if it was not up.
    pub fn remove(&self) -> Result<bool> {
        self.0.run(|barrier| async move { barrier.remove().await })
    }

    /// Blocks until the barrier is removed, at most `timeout`; see
    /// [`crate::Barrier::wait`].
    pub fn wait(&self, timeout: Duration) -> Result<bool> {
        self.0.wait(Some(timeout), |barrier| async move { barrier.wait(timeout).await })
    }
}

/// A blocking [`crate::DoubleBarrier`]: `enter` blocks until all
/// participants entered, `leave` until all left.
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::blocking::DoubleBarrier;
///
/// let barrier = DoubleBarrier::new(&zk, "/app/barriers/batch", 3, "worker-1");
/// if barrier.enter(Duration::from_secs(60))? {
///     // all three are in
///     barrier.leave(Duration::from_secs(60))?;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct DoubleBarrier(OnClient<crate::DoubleBarrier>);

impl DoubleBarrier {
    /// A participant of the double barrier at `path` for `num_clients`
    /// participants; see [`crate::DoubleBarrier::new`].
    pub fn new(
        client: &Client,
        path: impl Into<String>,
        num_clients: usize,
        identifier: impl Into<String>,
    ) -> Self {
        let barrier =
            crate::DoubleBarrier::new(client.async_client(), path, num_clients, identifier);
        Self(OnClient::new(client, barrier))
    }

    /// The barrier's node.
    pub fn path(&self) -> &str {
        self.0.recipe().path()
    }

    /// This participant's identifier.
    pub fn identifier(&self) -> &str {
        self.0.recipe().identifier()
    }

    /// Whether this participant has entered and not left.
    pub fn participating(&self) -> bool {
        self.0.recipe().participating()
    }

    /// Enters and blocks until all have entered, at most `timeout`; see
    /// [`crate::DoubleBarrier::enter`].
    pub fn enter(&self, timeout: Duration) -> Result<bool> {
        self.0.wait(Some(timeout), |barrier| async move { barrier.enter(timeout).await })
    }

    /// Leaves and blocks until all have left, at most `timeout`; see
    /// [`crate::DoubleBarrier::leave`].
    pub fn leave(&self, timeout: Duration) -> Result<bool> {
        self.0.wait(Some(timeout), |barrier| async move { barrier.leave(timeout).await })
    }
}
