//! Locking a mutex whose holder may have panicked.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`; a holder that panicked left nothing half-done that the
/// recipes rely on, so its value is taken as it is.
pub(crate) fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
