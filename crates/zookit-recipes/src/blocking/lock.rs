//! Blocking locks: [`Lock`], [`ReadLock`], [`WriteLock`] and their guard.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use zookit::blocking::Client;

use crate::{LockError, LockState};

/// Runs `future` on `client`'s runtime and waits for it (it bounds itself:
/// every recipe future ends on its timeout, on `cancel()`, or when the
/// client stops).
pub(crate) fn run<T, F>(client: &Client, future: F) -> Result<T, LockError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, LockError>> + Send + 'static,
{
    client.block_on(future)
}

/// Waits until `lost` resolves, at most `timeout`: `None` if it has not.
pub(crate) fn wait<F>(
    client: &Client,
    timeout: Option<Duration>,
    lost: F,
) -> Result<Option<LockState>, LockError>
where
    F: Future<Output = LockState> + Send + 'static,
{
    run(client, async move {
        Ok(match timeout {
            Some(timeout) => tokio::time::timeout(timeout, lost).await.ok(),
            None => Some(lost.await),
        })
    })
}

/// Holds a blocking acquisition; releases it when dropped (blocking until
/// the node is deleted when connected, or handing that to the client's
/// runtime when not). From `lock()` or [`Semaphore::lease`](super::Semaphore::lease).
#[must_use = "the lock is released when the guard is dropped"]
pub struct LockGuard {
    client: Client,
    guard: Option<crate::LockGuard>,
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard").field("guard", &self.guard).finish()
    }
}

impl LockGuard {
    pub(crate) fn new(client: &Client, guard: crate::LockGuard) -> Self {
        Self { client: client.clone(), guard: Some(guard) }
    }

    fn guard(&self) -> &crate::LockGuard {
        self.guard.as_ref().expect("present until dropped or released")
    }

    /// The lock's path.
    pub fn path(&self) -> &str {
        self.guard().path()
    }

    /// The state of this acquisition; see [`crate::LockGuard::state`].
    pub fn state(&self) -> LockState {
        self.guard().state()
    }

    /// Whether this acquisition holds the lock now.
    pub fn is_acquired(&self) -> bool {
        self.guard().is_acquired()
    }

    /// Blocks until this acquisition no longer holds the lock
    /// (`Suspended`, `Lost` or `Released`), at most `timeout`: `None` if it
    /// still holds it then.
    pub fn wait_lost(&self, timeout: Option<Duration>) -> Result<Option<LockState>, LockError> {
        let acquisition = self.guard().clone_acquisition();
        wait(&self.client, timeout, async move { acquisition.lost().await })
    }

    /// Releases the lock; see [`crate::LockGuard::release`].
    pub fn release(mut self) -> Result<bool, LockError> {
        let guard = self.guard.take().expect("present until dropped or released");
        run(&self.client, guard.release())
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(guard) = self.guard.take() {
            // Refused within an async runtime: the guard is dropped unrun,
            // and releases in the background.
            let _ = self.client.block_on(async move { guard.release().await });
        }
    }
}

/// The methods of the blocking lock types, delegating to the async ones.
macro_rules! blocking_lock {
    ($(#[$doc:meta])* $name:ident, $async:ty) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            client: Client,
            lock: $async,
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.lock, f)
            }
        }

        impl $name {
            /// A lock at `path` for `client`; `identifier` is stored in its
            /// contender node. Nothing is sent until it is acquired.
            pub fn new(client: &Client, path: impl Into<String>, identifier: impl Into<String>) -> Self {
                Self { client: client.clone(), lock: <$async>::new(client.async_client(), path, identifier) }
            }

            /// The async lock this one runs.
            pub fn as_async(&self) -> &$async {
                &self.lock
            }

            /// The lock's path.
            pub fn path(&self) -> &str {
                self.lock.path()
            }

            /// The identifier stored in this contender's node.
            pub fn identifier(&self) -> &str {
                self.lock.identifier()
            }

            /// Acquires the lock, blocking; see the async `acquire`: `false`
            /// without `blocking` if it is not free,
            /// [`LockError::Timeout`] after `timeout`,
            /// [`LockError::Cancelled`] on [`cancel`](Self::cancel) (from
            /// another thread).
            pub fn acquire(&self, blocking: bool, timeout: Option<Duration>) -> Result<bool, LockError> {
                let lock = self.lock.clone();
                run(&self.client, async move { lock.acquire(blocking, timeout).await })
            }

            /// Acquires the lock, blocking as long as it takes (or until
            /// [`cancel`](Self::cancel)); the guard releases it when dropped.
            pub fn lock(&self) -> Result<LockGuard, LockError> {
                let lock = self.lock.clone();
                let guard = run(&self.client, async move { lock.lock().await })?;
                Ok(LockGuard::new(&self.client, guard))
            }

            /// Like [`lock`](Self::lock), failing with [`LockError::Timeout`]
            /// after `timeout`.
            pub fn lock_timeout(&self, timeout: Duration) -> Result<LockGuard, LockError> {
                let lock = self.lock.clone();
                let guard = run(&self.client, async move { lock.lock_timeout(timeout).await })?;
                Ok(LockGuard::new(&self.client, guard))
            }

            /// Releases the lock; `false` if it was not held.
            pub fn release(&self) -> Result<bool, LockError> {
                let lock = self.lock.clone();
                run(&self.client, async move { lock.release().await })
            }

            /// Makes every acquisition of this lock in progress fail with
            /// [`LockError::Cancelled`]. Never blocks.
            pub fn cancel(&self) {
                self.lock.cancel()
            }

            /// The identifiers of the contenders, holders first.
            pub fn contenders(&self) -> Result<Vec<String>, LockError> {
                let lock = self.lock.clone();
                run(&self.client, async move { lock.contenders().await })
            }

            /// The lock's state: only [`LockState::Acquired`] means it is
            /// held. Never blocks.
            pub fn state(&self) -> LockState {
                self.lock.state()
            }

            /// Whether the lock is held now. Never blocks.
            pub fn is_acquired(&self) -> bool {
                self.lock.is_acquired()
            }

            /// Blocks until the lock is not held (`Suspended`, `Lost` or
            /// `Released`), at most `timeout`: `None` if it still is then.
            pub fn wait_lost(&self, timeout: Option<Duration>) -> Result<Option<LockState>, LockError> {
                let lock = self.lock.clone();
                wait(&self.client, timeout, async move { lock.lost().await })
            }

            /// The path of this contender's node while it holds the lock.
            pub fn node(&self) -> Option<String> {
                self.lock.node()
            }
        }
    };
}

blocking_lock!(
    /// The blocking form of [`crate::Lock`] (kazoo's `Lock`).
    ///
    /// ```no_run
    /// # fn example(zk: zookit::blocking::Client) -> Result<(), zookit_recipes::LockError> {
    /// let lock = zookit_recipes::blocking::Lock::new(&zk, "/lockpath", "my-identifier");
    /// {
    ///     let _guard = lock.lock()?; // blocks until acquired
    ///     // do something with the lock
    /// } // released
    /// # Ok(())
    /// # }
    /// ```
    Lock,
    crate::Lock
);

blocking_lock!(
    /// The blocking form of [`crate::ReadLock`] (kazoo's `ReadLock`).
    ReadLock,
    crate::ReadLock
);

blocking_lock!(
    /// The blocking form of [`crate::WriteLock`] (kazoo's `WriteLock`).
    WriteLock,
    crate::WriteLock
);
