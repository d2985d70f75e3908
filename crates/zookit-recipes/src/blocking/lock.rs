//! Blocking locks: [`Lock`], [`ReadLock`], [`WriteLock`] and their guard.

use std::fmt;
use std::time::Duration;

use zookit::blocking::Client;

use super::run::{OnClient, run_for, wait_lost};
use crate::{LockState, Result};

/// Holds a blocking acquisition; releases it when dropped (blocking until
/// the node is deleted when connected, or handing that to the client's
/// runtime when not). From `lock()` or
/// [`Semaphore::lease`](super::Semaphore::lease).
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

    /// The async guard this one holds.
    pub fn as_async(&self) -> &crate::LockGuard {
        self.guard.as_ref().expect("present until dropped or released")
    }

    /// The lock's path.
    pub fn path(&self) -> &str {
        self.as_async().path()
    }

    /// The state of this acquisition; see [`crate::LockGuard::state`].
    pub fn state(&self) -> LockState {
        self.as_async().state()
    }

    /// Whether this acquisition holds the lock now.
    pub fn is_acquired(&self) -> bool {
        self.as_async().is_acquired()
    }

    /// Blocks until this acquisition no longer holds the lock
    /// (`Suspended`, `Lost` or `Released`), at most `timeout`: `None` if it
    /// still holds it then.
    pub fn wait_lost(&self, timeout: Option<Duration>) -> Result<Option<LockState>> {
        wait_lost(&self.client, self.path(), timeout, self.as_async().lost())
    }

    /// Releases the lock; see [`crate::LockGuard::release`].
    pub fn release(mut self) -> Result<bool> {
        let guard = self.guard.take().expect("present until dropped or released");
        release(&self.client, guard)
    }
}

/// Releases `guard` on `client`'s runtime, bounded by its command timeout.
fn release(client: &Client, guard: crate::LockGuard) -> Result<bool> {
    let path = guard.path().to_owned();
    run_for(client, &path, Some(client.command_timeout()), guard.release())
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(guard) = self.guard.take() {
            // Refused within an async runtime: the guard is dropped unrun,
            // and releases in the background.
            let _ = release(&self.client, guard);
        }
    }
}

/// The methods of a blocking recipe that acquires a node and holds it (a
/// lock, a semaphore), delegating to the async one; `$guard` and
/// `$guard_timeout` name its guarded acquisitions (`lock`, `lease`).
macro_rules! acquirer_methods {
    ($guard:ident, $guard_timeout:ident) => {
        /// Acquires, blocking; see the async `acquire`: `false` without
        /// `blocking` if it cannot be had at once,
        /// [`is_timeout`](crate::Error::is_timeout) after `timeout`,
        /// [`is_cancelled`](crate::Error::is_cancelled) on
        /// [`cancel`](Self::cancel) (from another thread).
        pub fn acquire(&self, blocking: bool, timeout: Option<Duration>) -> Result<bool> {
            self.0.wait(timeout, |recipe| recipe.acquire(blocking, timeout))
        }

        /// Acquires, blocking as long as it takes (or until
        /// [`cancel`](Self::cancel)); the guard releases it when dropped.
        pub fn $guard(&self) -> Result<LockGuard> {
            let guard = self.0.wait(None, |recipe| recipe.$guard())?;
            Ok(LockGuard::new(self.0.client(), guard))
        }

        #[doc = concat!("Like [`", stringify!($guard), "`](Self::", stringify!($guard), "), failing")]
        /// with [`is_timeout`](crate::Error::is_timeout) after `timeout`.
        pub fn $guard_timeout(&self, timeout: Duration) -> Result<LockGuard> {
            let guard = self.0.wait(Some(timeout), |recipe| recipe.$guard_timeout(timeout))?;
            Ok(LockGuard::new(self.0.client(), guard))
        }

        /// Releases what is held; `false` if nothing was.
        pub fn release(&self) -> Result<bool> {
            self.0.run(|recipe| async move { recipe.release().await })
        }

        /// Makes every acquisition in progress fail with
        /// [`is_cancelled`](crate::Error::is_cancelled) (one call is
        /// enough, from any thread). Never blocks.
        pub fn cancel(&self) {
            self.0.recipe().cancel()
        }

        /// The state of the holding: only [`LockState::Acquired`] means it
        /// is held. Never blocks.
        pub fn state(&self) -> LockState {
            self.0.recipe().state()
        }

        /// Whether it is held now. Never blocks.
        pub fn is_acquired(&self) -> bool {
            self.0.recipe().is_acquired()
        }

        /// Blocks until nothing is held (`Suspended`, `Lost` or
        /// `Released`), at most `timeout`: `None` if it still is then.
        pub fn wait_lost(&self, timeout: Option<Duration>) -> Result<Option<LockState>> {
            self.0.wait_lost(timeout, self.0.recipe().lost())
        }

        /// The path of the node held, while one is. Never blocks.
        pub fn node(&self) -> Option<String> {
            self.0.recipe().node()
        }
    };
}

pub(crate) use acquirer_methods;

/// The blocking form of each lock type, delegating to the async one.
macro_rules! blocking_lock {
    ($(#[$doc:meta])* $name:ident, $async:ty) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name(OnClient<$async>);

        impl $name {
            /// A lock at `path` for `client`; `identifier` is stored in its
            /// contender node. Nothing is sent until it is acquired.
            pub fn new(
                client: &Client,
                path: impl Into<String>,
                identifier: impl Into<String>,
            ) -> Self {
                Self(OnClient::new(client, <$async>::new(client.async_client(), path, identifier)))
            }

            /// The async lock this one runs.
            pub fn as_async(&self) -> &$async {
                self.0.recipe()
            }

            /// The lock's path.
            pub fn path(&self) -> &str {
                self.0.recipe().path()
            }

            /// The identifier stored in this contender's node.
            pub fn identifier(&self) -> &str {
                self.0.recipe().identifier()
            }

            /// The identifiers of the contenders, holders first.
            pub fn contenders(&self) -> Result<Vec<String>> {
                self.0.run(|lock| async move { lock.contenders().await })
            }

            acquirer_methods!(lock, lock_timeout);
        }
    };
}

blocking_lock!(
    /// The blocking form of [`crate::Lock`] (kazoo's `Lock`).
    ///
    /// ```no_run
    /// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
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
