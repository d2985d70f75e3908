//! Callbacks of live children and properties: called at once and on every
//! change; one that fails is removed and logged. Where they run is the
//! helper's [`Runner`]'s choice.

use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, MutexGuard};

use zookit::blocking::CallbackThread;

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

/// Where a helper runs the callbacks of its live children and properties.
#[derive(Clone, Debug, Default)]
pub(crate) enum Runner {
    /// In place, on the task that saw the change (the async helper).
    #[default]
    InPlace,
    /// On a blocking client's callback thread (the blocking helper), where
    /// they may block and call the blocking helper.
    Thread(CallbackThread),
}

impl Runner {
    /// Calls each callback with `object` (see [`call_all`]) where they run;
    /// returns those kept.
    async fn call_all<T: Send + 'static>(
        &self,
        callbacks: Vec<Callback<T>>,
        object: T,
        path: String,
    ) -> Vec<Callback<T>> {
        match self {
            Self::InPlace => call_all(callbacks, &object, &path),
            // `call_all` catches the callbacks' panics: the job returns.
            Self::Thread(thread) => {
                thread.call(move || call_all(callbacks, &object, &path)).await.unwrap_or_default()
            }
        }
    }
}

/// The callbacks of a live object (children or properties) at `path`.
pub(crate) struct Callbacks<T> {
    path: String,
    runner: Runner,
    list: Mutex<List<T>>,
}

/// The callbacks kept, and how many notifications have taken them.
struct List<T> {
    callbacks: Vec<Callback<T>>,
    notifications: u64,
}

impl<T: Send + 'static> Callbacks<T> {
    /// No callbacks yet; they will run on `runner`.
    pub(crate) fn new(path: &str, runner: Runner) -> Self {
        let list = List { callbacks: Vec::new(), notifications: 0 };
        Self { path: path.to_owned(), runner, list: Mutex::new(list) }
    }

    fn list(&self) -> MutexGuard<'_, List<T>> {
        self.list.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Calls `callback` with `object` at once, here, and keeps it unless it
    /// failed. Should a change be notified while it runs (the callback is
    /// not in the list yet), it is called again, so that it misses none.
    pub(crate) fn add(&self, callback: Callback<T>, object: &T) {
        let mut callbacks = vec![callback];
        let mut seen = self.list().notifications;
        loop {
            callbacks = call_all(callbacks, object, &self.path);
            let mut list = self.list();
            if list.notifications == seen {
                list.callbacks.extend(callbacks);
                return;
            }
            seen = list.notifications;
        }
    }

    /// Calls every callback with `object` where the runner runs them; keeps
    /// those that succeed, and those added meanwhile.
    pub(crate) async fn notify(&self, object: T) {
        let callbacks = {
            let mut list = self.list();
            list.notifications += 1;
            std::mem::take(&mut list.callbacks)
        };
        let kept = self.runner.call_all(callbacks, object, self.path.clone()).await;
        let mut list = self.list();
        let added = std::mem::replace(&mut list.callbacks, kept);
        list.callbacks.extend(added);
    }
}
