//! The blocking client's reads, watches, several reads in one request, and
//! authentication, identity, configuration and server commands. Each runs
//! the async client's operation on the background thread; writes are in
//! `write`.

use bytes::Bytes;
use zookit_proto::{Acl, AddWatchMode, ClientInfo, Stat, WatcherType};

use super::{Client, PersistentWatch, Watch};
use crate::{ReadOp, ReadOutcome, Result};

impl Client {
    /// The znode's stat, or `None` if it does not exist.
    #[doc(alias("checkExists"))]
    pub fn exists(&self, path: &str) -> Result<Option<Stat>> {
        let (zk, p) = self.owned(path);
        self.run("exists", path, async move { zk.exists(&p).await })
    }

    /// Like [`exists`](Self::exists), and leaves a watch that fires when the
    /// znode is created, changed or deleted.
    pub fn exists_watch(&self, path: &str) -> Result<(Option<Stat>, Watch)> {
        let (zk, p) = self.owned(path);
        let (stat, watch) = self.run("exists", path, async move { zk.exists_watch(&p).await })?;
        Ok((stat, self.watch(watch)))
    }

    /// The znode's data and stat.
    #[doc(alias("getData"))]
    pub fn get(&self, path: &str) -> Result<(Bytes, Stat)> {
        let (zk, p) = self.owned(path);
        self.run("getData", path, async move { zk.get(&p).await })
    }

    /// Like [`get`](Self::get), and leaves a watch that fires when the
    /// znode's data changes or it is deleted.
    #[doc(alias("DataWatch"))]
    pub fn get_watch(&self, path: &str) -> Result<(Bytes, Stat, Watch)> {
        let (zk, p) = self.owned(path);
        let (data, stat, watch) =
            self.run("getData", path, async move { zk.get_watch(&p).await })?;
        Ok((data, stat, self.watch(watch)))
    }

    /// The names of the znode's children, in no particular order.
    #[doc(alias("getChildren"))]
    pub fn get_children(&self, path: &str) -> Result<Vec<String>> {
        let (zk, p) = self.owned(path);
        self.run("getChildren", path, async move { zk.get_children(&p).await })
    }

    /// The names of the znode's children and the znode's stat.
    #[doc(alias("include_data"))]
    pub fn get_children_with_stat(&self, path: &str) -> Result<(Vec<String>, Stat)> {
        let (zk, p) = self.owned(path);
        self.run("getChildren2", path, async move { zk.get_children_with_stat(&p).await })
    }

    /// Like [`get_children_with_stat`](Self::get_children_with_stat), and
    /// leaves a watch that fires when a child is created or deleted, or the
    /// znode is deleted.
    pub fn get_children_watch(&self, path: &str) -> Result<(Vec<String>, Stat, Watch)> {
        let (zk, p) = self.owned(path);
        let (children, stat, watch) =
            self.run("getChildren2", path, async move { zk.get_children_watch(&p).await })?;
        Ok((children, stat, self.watch(watch)))
    }

    /// The znode's ACL and stat.
    #[doc(alias("getACL"))]
    pub fn get_acls(&self, path: &str) -> Result<(Vec<Acl>, Stat)> {
        let (zk, p) = self.owned(path);
        self.run("getACL", path, async move { zk.get_acls(&p).await })
    }

    /// The paths of this session's ephemeral znodes under `prefix`; see
    /// [`crate::Client::get_ephemerals`].
    #[doc(alias("getEphemerals"))]
    pub fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>> {
        let (zk, p) = self.owned(prefix);
        self.run("getEphemerals", prefix, async move { zk.get_ephemerals(&p).await })
    }

    /// The number of the znode's descendants.
    #[doc(alias("getAllChildrenNumber"))]
    pub fn get_all_children_number(&self, path: &str) -> Result<i32> {
        let (zk, p) = self.owned(path);
        self.run("getAllChildrenNumber", path, async move { zk.get_all_children_number(&p).await })
    }

    /// Makes the connected server catch up with the leader; see
    /// [`crate::Client::sync`].
    pub fn sync(&self, path: &str) -> Result<String> {
        let (zk, p) = self.owned(path);
        self.run("sync", path, async move { zk.sync(&p).await })
    }

    /// Runs several reads in one request (ZooKeeper 3.6+); see
    /// [`crate::Client::multi_read`].
    #[doc(alias("multiRead"))]
    pub fn multi_read(&self, reads: &[ReadOp]) -> Result<Vec<Result<ReadOutcome>>> {
        let zk = self.async_client().clone();
        let reads = reads.to_vec();
        self.run("multiRead", "", async move { zk.multi_read(&reads).await })
    }

    /// Sets a persistent watch (ZooKeeper 3.6+), a blocking iterator of
    /// every change; see [`crate::Client::add_watch`].
    #[doc(alias("addWatch", "PersistentWatcher"))]
    pub fn add_watch(&self, path: &str, mode: AddWatchMode) -> Result<PersistentWatch> {
        let (zk, p) = self.owned(path);
        let watch = self.run("addWatch", path, async move { zk.add_watch(&p, mode).await })?;
        Ok(PersistentWatch::new(watch))
    }

    /// Removes the session's watches of `watcher_type` on the znode from the
    /// server; see [`crate::Client::remove_watches`].
    #[doc(alias("removeWatches", "removeAllWatches"))]
    pub fn remove_watches(&self, path: &str, watcher_type: WatcherType) -> Result<()> {
        let (zk, p) = self.owned(path);
        self.run("removeWatches", path, async move { zk.remove_watches(&p, watcher_type).await })
    }

    /// Whether the server holds a watch of `watcher_type` on the znode; see
    /// [`crate::Client::check_watches`].
    #[doc(alias("checkWatches"))]
    pub fn check_watches(&self, path: &str, watcher_type: WatcherType) -> Result<bool> {
        let (zk, p) = self.owned(path);
        self.run("checkWatches", path, async move { zk.check_watches(&p, watcher_type).await })
    }

    /// Adds credentials to the session; see [`crate::Client::add_auth`].
    pub fn add_auth(&self, scheme: &str, credential: impl AsRef<[u8]>) -> Result<()> {
        let (zk, scheme_owned) = self.owned(scheme);
        let credential = credential.as_ref().to_vec();
        self.run("auth", scheme, async move { zk.add_auth(&scheme_owned, credential).await })
    }

    /// The identities the session is authenticated as (ZooKeeper 3.7+).
    #[doc(alias("whoami", "whoAmI"))]
    pub fn who_am_i(&self) -> Result<Vec<ClientInfo>> {
        let zk = self.async_client().clone();
        self.run("whoAmI", "", async move { zk.who_am_i().await })
    }

    /// The ensemble's dynamic configuration and its stat (ZooKeeper 3.5+).
    pub fn get_config(&self) -> Result<(Bytes, Stat)> {
        let zk = self.async_client().clone();
        self.run("getConfig", zookit_proto::CONFIG_NODE, async move { zk.get_config().await })
    }

    /// Changes the ensemble's membership (ZooKeeper 3.5+); see
    /// [`crate::Client::reconfig`].
    pub fn reconfig(
        &self,
        joining: Option<&str>,
        leaving: Option<&str>,
        new_members: Option<&str>,
        from_config: i64,
    ) -> Result<(Bytes, Stat)> {
        let zk = self.async_client().clone();
        let joining = joining.map(str::to_owned);
        let leaving = leaving.map(str::to_owned);
        let new_members = new_members.map(str::to_owned);
        self.run("reconfig", zookit_proto::CONFIG_NODE, async move {
            zk.reconfig(joining.as_deref(), leaving.as_deref(), new_members.as_deref(), from_config)
                .await
        })
    }

    /// Sends a four-letter word to the connected server and returns the
    /// answer; see [`crate::Client::command`].
    pub fn command(&self, word: &str) -> Result<String> {
        let (zk, word) = self.owned(word);
        self.run("command", "", async move { zk.command(&word).await })
    }

    /// The version of the connected server, such as `(3, 8, 0)`.
    pub fn server_version(&self) -> Result<(u32, u32, u32)> {
        let zk = self.async_client().clone();
        self.run("command", "", async move { zk.server_version().await })
    }
}
