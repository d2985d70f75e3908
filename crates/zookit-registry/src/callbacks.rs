//! Callbacks of live children and properties: called at once and on every
//! change; one that fails is removed and logged.

use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What a callback returns: `()`, or a `Result` whose error removes it.
pub trait CallbackResult {
    /// The failure, if the callback failed.
    fn failure(self) -> Option<String>;
}

impl CallbackResult for () {
    fn failure(self) -> Option<String> {
        None
    }
}

impl<E: Display> CallbackResult for Result<(), E> {
    fn failure(self) -> Option<String> {
        self.err().map(|e| e.to_string())
    }
}

/// A registered callback of an object of type `T`.
pub(crate) type Callback<T> = Box<dyn FnMut(&T) -> Option<String> + Send>;

/// Wraps a user callback.
pub(crate) fn callback<T, R: CallbackResult>(
    mut f: impl FnMut(&T) -> R + Send + 'static,
) -> Callback<T> {
    Box::new(move |object| f(object).failure())
}

/// Calls each callback with `object`; keeps those that succeed. A failing
/// or panicking callback is logged and dropped.
pub(crate) fn call_all<T>(callbacks: Vec<Callback<T>>, object: &T, path: &str) -> Vec<Callback<T>> {
    callbacks
        .into_iter()
        .filter_map(|mut callback| match catch_unwind(AssertUnwindSafe(|| callback(object))) {
            Ok(None) => Some(callback),
            Ok(Some(failure)) => {
                tracing::error!(path, failure, "a callback failed; it is removed");
                None
            }
            Err(_) => {
                tracing::error!(path, "a callback panicked; it is removed");
                None
            }
        })
        .collect()
}
