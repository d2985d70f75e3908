//! Persistent watches (`addWatch`) and removing watches.

use zookit_proto::{
    AddWatchMode, AddWatchRequest, ErrorCode, RemoveWatchesRequest, Request, WatcherType,
};

use crate::session::watches::WatchKind;
use crate::watch::PersistentWatch;
use crate::{Client, Result};

impl Client {
    /// Sets a persistent watch (ZooKeeper 3.6+): a stream of every change of
    /// the znode, or with [`AddWatchMode::PersistentRecursive`] of the znode
    /// and all its descendants. The znode need not exist. The watch is
    /// re-armed after reconnects and removed from the server when dropped.
    #[doc(alias("addWatch", "PersistentWatcher"))]
    pub async fn add_watch(&self, path: &str, mode: AddWatchMode) -> Result<PersistentWatch> {
        let kind = match mode {
            AddWatchMode::Persistent => WatchKind::Persistent,
            AddWatchMode::PersistentRecursive => WatchKind::PersistentRecursive,
        };
        let request =
            Request::AddWatch(AddWatchRequest { path: self.server_path("addWatch", path)?, mode });
        let (registration, watch) = self.persistent_watch(kind);
        self.call_watching("addWatch", path, request, Some(registration)).await?;
        Ok(watch)
    }

    /// Removes the session's watches of `watcher_type` on the znode from the
    /// server (`NoWatcher` if there are none). Local watchers are not told;
    /// prefer dropping their handles, which removes them from the server
    /// when no other watcher needs them.
    #[doc(alias("removeWatches", "removeAllWatches"))]
    pub async fn remove_watches(&self, path: &str, watcher_type: WatcherType) -> Result<()> {
        let request = Request::RemoveWatches(RemoveWatchesRequest {
            path: self.server_path("removeWatches", path)?,
            watcher_type,
        });
        self.call("removeWatches", path, request).await.map(drop)
    }

    /// Whether the server holds a watch of `watcher_type` on the znode
    /// (ZooKeeper's `checkWatches`): a way to know that a watch set by
    /// another task is in place. ZooKeeper answers for every session's
    /// watches, not only this one's. Child watches count too, which the
    /// `wchp` and `wchc` four-letter words do not list.
    #[doc(alias("checkWatches"))]
    pub async fn check_watches(&self, path: &str, watcher_type: WatcherType) -> Result<bool> {
        let request = Request::CheckWatches(RemoveWatchesRequest {
            path: self.server_path("checkWatches", path)?,
            watcher_type,
        });
        match self.call("checkWatches", path, request).await {
            Ok(_) => Ok(true),
            Err(err) if err.code() == Some(ErrorCode::NoWatcher) => Ok(false),
            Err(err) => Err(err),
        }
    }
}
