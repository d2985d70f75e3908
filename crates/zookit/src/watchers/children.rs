//! ChildrenWatch: a znode's children, at once and after every change.

use tracing::debug;

use super::data::is_transient;
use super::task::{Deliver, KeepWatching, UpdateStream, WatchTask, reconnected, start, stream};
use crate::client::WeakClient;
use crate::watch::WatchedEvent;
use crate::{Client, Result};

/// One call of a children watch: the children's names (sorted), and the
/// event that caused it (`None` for the first call and after a reconnect or
/// a new session).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildrenUpdate {
    /// The children's names, sorted.
    pub children: Vec<String>,
    /// The watch event behind this update, if it came from one.
    pub event: Option<WatchedEvent>,
}

/// The children watch loop: delivers the children at once and after every
/// change, until `deliver` answers `false`, the znode is deleted (`NoNode`),
/// the session is lost and `allow_session_lost` is false, or the client is
/// gone.
pub(crate) async fn watch_children(
    client: WeakClient,
    path: String,
    allow_session_lost: bool,
    mut deliver: impl Deliver<ChildrenUpdate>,
) -> Result<()> {
    let Some(mut changes) = client.upgrade().map(|c| c.state_changes()) else { return Ok(()) };
    let mut delivered: Option<Vec<String>> = None;
    let mut event = None;
    loop {
        if client.wait_until_connected().await.is_err() {
            return Ok(());
        }
        let Some(strong) = client.upgrade() else { return Ok(()) };
        // A reconnect from before this read is covered by it: left in
        // `changes`, it would read again at once and report a later change
        // without its event.
        changes.discard_received();
        let read = strong.get_children_watch(&path).await;
        drop(strong);
        let (mut children, _, watch) = match read {
            Ok(read) => read,
            Err(e) if is_transient(&e) => continue,
            Err(e) => return Err(e),
        };
        children.sort_unstable();
        debug!(path, ?children, "children watch read");
        if delivered.as_ref() != Some(&children) {
            delivered = Some(children.clone());
            if !deliver.deliver(ChildrenUpdate { children, event: event.take() }).await {
                return Ok(());
            }
        }
        event = None;
        tokio::select! {
            fired = watch => {
                if fired.is_terminal() {
                    if !allow_session_lost {
                        debug!(path, "session lost; the children watch stops");
                        return Ok(());
                    }
                } else {
                    event = Some(fired);
                }
            }
            () = reconnected(&mut changes) => debug!(path, "reconnected: reading the children again"),
        }
    }
}

/// A running children watch (kazoo's `ChildrenWatch`), from
/// [`Client::children_watch`]. Stops when its function returns `false`, the
/// znode is deleted, or when dropped.
#[must_use = "a children watch stops when dropped"]
#[derive(Debug)]
pub struct ChildrenWatch {
    task: WatchTask,
}

impl ChildrenWatch {
    /// Whether it has stopped.
    pub fn is_stopped(&self) -> bool {
        self.task.is_finished()
    }
}

/// A znode's children as a stream of [`ChildrenUpdate`]s, from
/// [`Client::watch_children`]. Ends when the znode is deleted or the client
/// is gone.
pub type ChildrenStream = UpdateStream<ChildrenUpdate>;

impl Client {
    /// Calls `function(children)` at once and after every change of the
    /// znode's children (kazoo's `ChildrenWatch`; names sorted). The znode
    /// must exist: if it does not, this fails with `NoNode`, and the watch
    /// stops when it is deleted. It keeps watching across reconnects and
    /// session loss; it is not called again when the children did not
    /// change. Returning `false` stops it, as does dropping the handle.
    ///
    /// ```no_run
    /// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
    /// let watch = zk
    ///     .children_watch("/path/to/watch", |children| println!("Children are {children:?}"))
    ///     .await?;
    /// # drop(watch);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn children_watch<R: KeepWatching>(
        &self,
        path: &str,
        mut function: impl FnMut(Vec<String>) -> R + Send + 'static,
    ) -> Result<ChildrenWatch> {
        self.children_watch_with(path, true, move |children, _| function(children)).await
    }

    /// Like [`children_watch`](Client::children_watch), with kazoo's options:
    /// `allow_session_lost` (keep watching after the session is lost, as a
    /// new session starts) and the event behind each call as a second
    /// argument (kazoo's `send_event`).
    pub async fn children_watch_with<R: KeepWatching>(
        &self,
        path: &str,
        allow_session_lost: bool,
        mut function: impl FnMut(Vec<String>, Option<WatchedEvent>) -> R + Send + 'static,
    ) -> Result<ChildrenWatch> {
        self.children_watch_delivering(path, allow_session_lost, move |update: ChildrenUpdate| {
            std::future::ready(function(update.children, update.event).keep_watching())
        })
        .await
    }

    /// Starts a children watch whose updates go to `deliver` (on the
    /// watch's task); it answers whether to keep watching. Returns once the
    /// first update was delivered.
    pub(crate) async fn children_watch_delivering(
        &self,
        path: &str,
        allow_session_lost: bool,
        deliver: impl Deliver<ChildrenUpdate> + Send + 'static,
    ) -> Result<ChildrenWatch> {
        let run =
            move |client, path, deliver| watch_children(client, path, allow_session_lost, deliver);
        let task = start(self, "childrenWatch", path, deliver, run).await?;
        Ok(ChildrenWatch { task })
    }

    /// The znode's children as a stream: the current names at once, then
    /// after every change (the async form of
    /// [`children_watch`](Client::children_watch)).
    pub fn watch_children(&self, path: &str) -> Result<ChildrenStream> {
        let run = |client, path, deliver| watch_children(client, path, true, deliver);
        stream(self, "childrenWatch", path, run)
    }
}
