//! Live children (zc.zk's `Children`): the names under a node, kept
//! current, with callbacks.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::task::JoinHandle;

use super::callbacks::{Callback, CallbackResult, Callbacks, callback};
use super::{Relocated, relocate};
use crate::zk::WeakZooKeeper;
use crate::{Result, ZooKeeper};

/// The children of a node, kept current (zc.zk's `Children`), from
/// [`ZooKeeper::children`]. Cheap to clone; the watching stops when the last
/// clone is dropped.
#[derive(Clone)]
pub struct Children {
    shared: Arc<Shared>,
}

struct Shared {
    path: String,
    state: Mutex<State>,
    callbacks: Callbacks<Children>,
    task: Mutex<Option<JoinHandle<()>>>,
}

struct State {
    real_path: String,
    names: Vec<String>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(task) = self.task.get_mut().ok().and_then(Option::take) {
            task.abort();
        }
    }
}

impl Children {
    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The path given to [`ZooKeeper::children`].
    pub fn path(&self) -> &str {
        &self.shared.path
    }

    /// The path after resolving symbolic links; it changes if the node is
    /// deleted and the path then resolves elsewhere.
    pub fn real_path(&self) -> String {
        self.state().real_path.clone()
    }

    /// The children's names, sorted (empty once the node is deleted for
    /// good).
    pub fn names(&self) -> Vec<String> {
        self.state().names.clone()
    }

    /// The number of children.
    pub fn len(&self) -> usize {
        self.state().names.len()
    }

    /// Whether there are no children.
    pub fn is_empty(&self) -> bool {
        self.state().names.is_empty()
    }

    /// Whether `name` is a child.
    pub fn contains(&self, name: &str) -> bool {
        self.state().names.iter().any(|n| n == name)
    }

    /// Calls `callback` with these children at once and whenever they
    /// change (and, cleared, when the node is deleted for good). A callback
    /// that returns an error or panics is removed and logged.
    pub fn on_change<R: CallbackResult>(
        &self,
        callback_fn: impl FnMut(&Children) -> R + Send + 'static,
    ) {
        self.add_callback(callback(callback_fn));
    }

    /// Calls `callback` at once, here, and keeps it unless it failed.
    pub(crate) fn add_callback(&self, callback: Callback<Children>) {
        self.shared.callbacks.add(callback, self);
    }

    async fn update(&self, names: Vec<String>) {
        let changed = {
            let mut state = self.state();
            let changed = state.names != names;
            state.names = names;
            changed
        };
        if changed {
            self.shared.callbacks.notify(self.clone()).await;
        }
    }
}

impl std::fmt::Debug for Children {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("Children")
            .field("path", &self.shared.path)
            .field("real_path", &state.real_path)
            .field("names", &state.names)
            .finish()
    }
}

impl ZooKeeper {
    /// The children of the node at `path` (resolved through links), kept
    /// current: providers of a service come and go in it.
    ///
    /// ```no_run
    /// # async fn example(zk: zookit_registry::ZooKeeper) -> zookit_registry::Result<()> {
    /// let addresses = zk.children("/fooservice/providers").await?;
    /// println!("{:?} ({} providers)", addresses.names(), addresses.len());
    /// addresses.on_change(|addresses| println!("addresses changed: {:?}", addresses.names()));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn children(&self, path: &str) -> Result<Children> {
        let real_path = self.resolve(path).await?;
        let mut names = self.client().get_children(&real_path).await?;
        names.sort();
        let shared = Arc::new(Shared {
            path: path.to_owned(),
            state: Mutex::new(State { real_path, names }),
            callbacks: Callbacks::new(path, self.runner().clone()),
            task: Mutex::new(None),
        });
        let task = tokio::spawn(keep_current(self.downgrade(), Arc::downgrade(&shared)));
        *shared.task.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(task);
        Ok(Children { shared })
    }
}

/// Follows the children of the node until it is deleted; then resolves the
/// path again and follows the node it now leads to, or clears them.
async fn keep_current(zk: WeakZooKeeper, shared: Weak<Shared>) {
    loop {
        let Some(children) = shared.upgrade().map(|shared| Children { shared }) else { return };
        let Some(client) = zk.upgrade().map(|zk| zk.client().clone()) else { return };
        let real_path = children.real_path();
        let stream = client.watch_children(&real_path);
        drop((children, client));
        if let Ok(mut stream) = stream {
            while let Some(update) = stream.next().await {
                let Some(children) = shared.upgrade().map(|shared| Children { shared }) else {
                    return;
                };
                children.update(update.children).await;
            }
        }
        // The node is gone (or the client): does the path lead elsewhere now?
        let Some(zk) = zk.upgrade() else { return };
        let Some(children) = shared.upgrade().map(|shared| Children { shared }) else { return };
        match relocate(&zk, children.path(), "children").await {
            Relocated::To(real_path) => children.state().real_path = real_path,
            Relocated::Nowhere => {
                children.update(Vec::new()).await;
                return;
            }
            Relocated::Unknown => return,
        }
    }
}
