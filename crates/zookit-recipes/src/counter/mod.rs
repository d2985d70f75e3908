//! A shared counter (kazoo's `Counter`), in kazoo's text format or in
//! Curator's binary ones (`SharedCount`, `DistributedAtomicLong`).

mod value;

use std::fmt;
use std::future::IntoFuture;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zookit::Client;

pub use value::CounterValue;
use value::Format;

use crate::error::{At, Error, Result};
use crate::sync::locked;

/// How the last change went: the value before and after it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change<T> {
    /// The value the change started from (kazoo's `pre_value`).
    pub pre: T,
    /// The value it stored (kazoo's `post_value`).
    pub post: T,
}

/// A shared counter (kazoo's `Counter`): changes are optimistic, versioned
/// updates of its node, retried when another client changed it in between,
/// so that concurrent changes all count, exactly once.
///
/// The node is created (with its parents) on first use; an empty node
/// counts as the default. kazoo's format stores Python's `repr` of the
/// value; [`shared_count`](Counter::shared_count) and
/// [`atomic_long`](Counter::atomic_long) use Curator's formats.
///
/// Cheap to clone; clones are the same counter (and share the last
/// change).
///
/// A change whose answer is lost with the connection is checked: if the
/// node then holds the next version with exactly the data this change
/// wrote, it counts as applied (another client writing the very same value
/// from the very same version at that moment cannot be told apart);
/// otherwise it is made again.
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
/// use zookit_recipes::Counter;
///
/// let counter = Counter::new(&zk, "/int", 0);
/// counter.add(2).await?;
/// counter.sub(1).await?;
/// assert_eq!(counter.value().await?, 1);
/// assert_eq!((counter.pre_value(), counter.post_value()), (Some(2), Some(1)));
///
/// let floats = Counter::new(&zk, "/float", 1.0);
/// floats.add(2.0).await?; // stored as "3.0"
///
/// let shared = Counter::shared_count(&zk, "/curator", 0); // Curator's SharedCount
/// shared.add(2).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[doc(alias("SharedCount", "DistributedAtomicLong"))]
pub struct Counter<T: CounterValue = i64> {
    client: Client,
    path: String,
    default: T,
    format: Format,
    last: Arc<Mutex<Option<Change<T>>>>,
}

impl<T: CounterValue> Counter<T> {
    /// A counter at `path` in kazoo's format, `default` while its node is
    /// empty (or missing).
    pub fn new(client: &Client, path: impl Into<String>, default: T) -> Self {
        Self::with_format(client, path.into(), default, Format::Text)
    }

    fn with_format(client: &Client, path: String, default: T, format: Format) -> Self {
        Self { client: client.clone(), path, default, format, last: Arc::default() }
    }

    /// The counter's node.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The value of an empty node.
    pub fn default_value(&self) -> T {
        self.default
    }

    /// The current value.
    pub async fn value(&self) -> Result<T> {
        Ok(self.read().await.at(&self.path)?.0)
    }

    /// Adds `delta` (kazoo's `counter += delta`); returns the new value.
    pub async fn add(&self, delta: T) -> Result<T> {
        self.change(delta).await.at(&self.path)
    }

    /// Subtracts `delta` (kazoo's `counter -= delta`); returns the new
    /// value.
    pub async fn sub(&self, delta: T) -> Result<T> {
        let negated = delta.neg_checked().ok_or_else(|| overflow(delta)).at(&self.path)?;
        self.change(negated).await.at(&self.path)
    }

    /// The value before the last change made through this counter.
    pub fn pre_value(&self) -> Option<T> {
        self.last_change().map(|change| change.pre)
    }

    /// The value the last change made through this counter stored.
    pub fn post_value(&self) -> Option<T> {
        self.last_change().map(|change| change.post)
    }

    /// The last change made through this counter.
    pub fn last_change(&self) -> Option<Change<T>> {
        *locked(&self.last)
    }

    /// Adds `delta` with a versioned update, again until no other change
    /// came in between; returns the new value.
    async fn change(&self, delta: T) -> Result<T> {
        *locked(&self.last) = None;
        let mut attempt: u32 = 0;
        loop {
            let (pre, version) = self.read().await?;
            let post = pre.add_checked(delta).ok_or_else(|| overflow(delta))?;
            let data = self.encode(post)?;
            let applied = match self.client.set(&self.path, &data).version(version).await {
                Ok(_) => true,
                // Changed (or deleted) by another client meanwhile.
                Err(e) if e.is_bad_version() || e.is_no_node() => false,
                Err(e) if e.is_retryable() => self.applied(version, &data).await?,
                Err(e) => return Err(e.into()),
            };
            if applied {
                *locked(&self.last) = Some(Change { pre, post });
                return Ok(post);
            }
            attempt = attempt.saturating_add(1);
            tokio::time::sleep(backoff(attempt)).await;
        }
    }

    /// Whether a versioned write of `data` over `version`, whose answer
    /// was lost, was applied.
    async fn applied(&self, version: i32, data: &[u8]) -> zookit::Result<bool> {
        match self.client.retry(|| self.client.get(&self.path)).await {
            Ok((now, stat)) => Ok(stat.version == version.wrapping_add(1) && now.as_ref() == data),
            Err(e) if e.is_no_node() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The value and its version, creating the node if it is missing.
    async fn read(&self) -> Result<(T, i32)> {
        loop {
            match self.client.retry(|| self.client.get(&self.path)).await {
                Ok((data, stat)) => return Ok((self.decode(&data)?, stat.version)),
                Err(e) if e.is_no_node() => {}
                Err(e) => return Err(e.into()),
            }
            // kazoo creates an empty node; Curator seeds its formats.
            let initial = match self.format {
                Format::Text => Vec::new(),
                _ => self.encode(self.default)?,
            };
            let create = || self.client.create(&self.path, &initial).makepath().into_future();
            match self.client.retry(create).await {
                Err(e) if !e.is_node_exists() => return Err(e.into()),
                _ => {}
            }
        }
    }

    fn encode(&self, value: T) -> Result<Vec<u8>> {
        self.format.encode(value).ok_or_else(|| {
            Error::overflow(format!(
                "{value:?} does not fit the counter's format ({:?})",
                self.format
            ))
        })
    }

    fn decode(&self, data: &[u8]) -> Result<T> {
        if data.is_empty() {
            return Ok(self.default);
        }
        self.format.decode(data).ok_or_else(|| {
            Error::corrupt(format!(
                "the node holds {:?}, not a value of the counter's format ({:?})",
                String::from_utf8_lossy(data),
                self.format
            ))
        })
    }
}

impl Counter<i64> {
    /// A counter at `path` in the format of Curator's `SharedCount` (a
    /// 4-byte big-endian int; kazoo's `support_curator=True`). A missing
    /// node is created holding `default`, as Curator seeds it. A change
    /// beyond the range of an `i32` fails.
    pub fn shared_count(client: &Client, path: impl Into<String>, default: i32) -> Self {
        Self::with_format(client, path.into(), default.into(), Format::SharedCount)
    }

    /// A counter at `path` in the format of Curator's
    /// `DistributedAtomicLong` (an 8-byte big-endian long). A missing node
    /// is created holding `default`.
    pub fn atomic_long(client: &Client, path: impl Into<String>, default: i64) -> Self {
        Self::with_format(client, path.into(), default, Format::AtomicLong)
    }
}

fn overflow<T: fmt::Debug>(delta: T) -> Error {
    Error::overflow(format!("changing the counter by {delta:?} overflows"))
}

/// A short random pause before the next attempt after a lost race, growing
/// with the attempts (at most 32 ms), so that contenders spread out.
fn backoff(attempt: u32) -> Duration {
    let cap = 1u64 << attempt.min(5);
    let random = RandomState::new().hash_one(attempt);
    Duration::from_micros(random % (cap * 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_short() {
        for attempt in 0..100 {
            assert!(backoff(attempt) < Duration::from_millis(33));
        }
    }
}
