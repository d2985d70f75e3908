//! A blocking [`Counter`].

use zookit::Result;
use zookit::blocking::Client;

use super::run_bounded::run;
use crate::{Change, CounterValue};

/// A blocking [`crate::Counter`]: a shared counter changed by versioned
/// updates, retried until no other change came in between.
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit::Result<()> {
/// use zookit_recipes::blocking::Counter;
///
/// let mut counter = Counter::new(&zk, "/int", 0);
/// counter.add(2)?;
/// counter.sub(1)?;
/// assert_eq!(counter.value()?, 1);
/// assert_eq!((counter.pre_value(), counter.post_value()), (Some(2), Some(1)));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Counter<T: CounterValue = i64> {
    client: Client,
    counter: crate::Counter<T>,
}

impl<T: CounterValue> Counter<T> {
    /// A counter at `path` in kazoo's format; see [`crate::Counter::new`].
    pub fn new(client: &Client, path: &str, default: T) -> Self {
        Self {
            client: client.clone(),
            counter: crate::Counter::new(client.async_client(), path, default),
        }
    }

    /// The counter's node.
    pub fn path(&self) -> &str {
        self.counter.path()
    }

    /// The current value.
    pub fn value(&self) -> Result<T> {
        let counter = self.counter.clone();
        run(&self.client, "counter value", async move { counter.value().await })
    }

    /// Adds `delta`; returns the new value.
    pub fn add(&mut self, delta: T) -> Result<T> {
        self.change(delta, false)
    }

    /// Subtracts `delta`; returns the new value.
    pub fn sub(&mut self, delta: T) -> Result<T> {
        self.change(delta, true)
    }

    fn change(&mut self, delta: T, subtract: bool) -> Result<T> {
        let mut counter = self.counter.clone();
        let (counter, post) = run(&self.client, "counter change", async move {
            let post =
                if subtract { counter.sub(delta).await? } else { counter.add(delta).await? };
            Ok((counter, post))
        })?;
        self.counter = counter;
        Ok(post)
    }

    /// The value before the last change made through this handle.
    pub fn pre_value(&self) -> Option<T> {
        self.counter.pre_value()
    }

    /// The value the last change made through this handle stored.
    pub fn post_value(&self) -> Option<T> {
        self.counter.post_value()
    }

    /// The last change made through this handle.
    pub fn last_change(&self) -> Option<Change<T>> {
        self.counter.last_change()
    }
}

impl Counter<i64> {
    /// A counter in Curator's `SharedCount` format; see
    /// [`crate::Counter::shared_count`].
    pub fn shared_count(client: &Client, path: &str, default: i32) -> Self {
        let counter = crate::Counter::shared_count(client.async_client(), path, default);
        Self { client: client.clone(), counter }
    }

    /// A counter in Curator's `DistributedAtomicLong` format; see
    /// [`crate::Counter::atomic_long`].
    pub fn atomic_long(client: &Client, path: &str, default: i64) -> Self {
        let counter = crate::Counter::atomic_long(client.async_client(), path, default);
        Self { client: client.clone(), counter }
    }
}
