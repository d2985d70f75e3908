//! The guard of an acquisition: releases it when dropped.

use std::sync::Arc;

use crate::error::{At, Result};
use crate::hold::{Acquisition, Held};
use crate::state::LockState;

/// Holds an acquisition; releases it when dropped. From `lock()` (of a
/// [`Lock`](crate::Lock), [`ReadLock`](crate::ReadLock) or
/// [`WriteLock`](crate::WriteLock)) or
/// [`Semaphore::lease`](crate::Semaphore::lease).
///
/// Dropping a guard cannot wait: the node is then deleted by a task
/// spawned on the runtime the lock was acquired on (the client's, for the
/// blocking client), at once if connected, else once the session is
/// connected again. [`release`](Self::release) deletes it before it
/// returns (when connected). Either way the lock is `Released` at once.
#[must_use = "the lock is released when the guard is dropped"]
#[derive(Debug)]
pub struct LockGuard {
    held: Arc<Held>,
    acquisition: Arc<Acquisition>,
    path: String,
    armed: bool,
}

impl LockGuard {
    pub(crate) fn new(held: Arc<Held>, acquisition: Arc<Acquisition>, path: &str) -> Self {
        Self { held, acquisition, path: path.to_owned(), armed: true }
    }

    /// The lock's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The acquisition this guard holds.
    pub(crate) fn acquisition(&self) -> &Arc<Acquisition> {
        &self.acquisition
    }

    /// The state of this acquisition (`Released` or `Lost` once it ended,
    /// even if the lock was acquired again since).
    pub fn state(&self) -> LockState {
        self.acquisition.state()
    }

    /// Whether this acquisition holds the lock now.
    pub fn is_acquired(&self) -> bool {
        self.state().is_acquired()
    }

    /// Resolves as soon as this acquisition no longer holds the lock (at
    /// once if it does not): `Suspended` (possibly lost: stop relying on
    /// it), `Lost` or `Released`.
    pub fn lost(&self) -> impl Future<Output = LockState> + Send + 'static + use<> {
        self.acquisition.lost()
    }

    /// Releases the lock: its node is deleted before this returns when the
    /// connection allows, else once it is back. `false` if this acquisition
    /// had already ended.
    pub async fn release(mut self) -> Result<bool> {
        self.armed = false;
        self.held.release(Some(&self.acquisition)).await.at(&self.path)
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if self.armed {
            self.held.release_in_background(Some(&self.acquisition));
        }
    }
}
