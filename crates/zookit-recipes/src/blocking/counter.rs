//! A blocking [`Counter`].

use zookit::blocking::Client;

use super::run::OnClient;
use crate::{Change, CounterValue, Result};

/// A blocking [`crate::Counter`]: a shared counter changed by versioned
/// updates, retried until no other change came in between.
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
/// use zookit_recipes::blocking::Counter;
///
/// let counter = Counter::new(&zk, "/int", 0);
/// counter.add(2)?;
/// counter.sub(1)?;
/// assert_eq!(counter.value()?, 1);
/// assert_eq!((counter.pre_value(), counter.post_value()), (Some(2), Some(1)));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Counter<T: CounterValue = i64>(OnClient<crate::Counter<T>>);

impl<T: CounterValue> Counter<T> {
    /// A counter at `path` in kazoo's format; see [`crate::Counter::new`].
    pub fn new(client: &Client, path: impl Into<String>, default: T) -> Self {
        Self(OnClient::new(client, crate::Counter::new(client.async_client(), path, default)))
    }

    /// The async counter this one runs.
    pub fn as_async(&self) -> &crate::Counter<T> {
        self.0.recipe()
    }

    /// The counter's node.
    pub fn path(&self) -> &str {
        self.0.recipe().path()
    }

    /// The current value.
    pub fn value(&self) -> Result<T> {
        self.0.run(|counter| async move { counter.value().await })
    }

    /// Adds `delta`; returns the new value.
    pub fn add(&self, delta: T) -> Result<T> {
        self.0.run(|counter| async move { counter.add(delta).await })
    }

    /// Subtracts `delta`; returns the new value.
    pub fn sub(&self, delta: T) -> Result<T> {
        self.0.run(|counter| async move { counter.sub(delta).await })
    }

    /// The value before the last change made through this counter.
    pub fn pre_value(&self) -> Option<T> {
        self.0.recipe().pre_value()
    }

    /// The value the last change made through this counter stored.
    pub fn post_value(&self) -> Option<T> {
        self.0.recipe().post_value()
    }

    /// The last change made through this counter.
    pub fn last_change(&self) -> Option<Change<T>> {
        self.0.recipe().last_change()
    }
}

impl Counter<i64> {
    /// A counter in Curator's `SharedCount` format; see
    /// [`crate::Counter::shared_count`].
    pub fn shared_count(client: &Client, path: impl Into<String>, default: i32) -> Self {
        Self(OnClient::new(
            client,
            crate::Counter::shared_count(client.async_client(), path, default),
        ))
    }

    /// A counter in Curator's `DistributedAtomicLong` format; see
    /// [`crate::Counter::atomic_long`].
    pub fn atomic_long(client: &Client, path: impl Into<String>, default: i64) -> Self {
        Self(OnClient::new(
            client,
            crate::Counter::atomic_long(client.async_client(), path, default),
        ))
    }
}
