//! DataWatch: a znode's data, at once and after every change.

use bytes::Bytes;
use tracing::debug;
use zookit_proto::Stat;

use super::task::{Deliver, KeepWatching, UpdateStream, WatchTask, reconnected, start, stream};
use crate::client::WeakClient;
use crate::watch::{Watch, WatchedEvent};
use crate::{Client, Error, Result};

/// One call of a data watch: the znode's data and stat (`None` when it does
/// not exist), and the event that caused it (`None` for the first call and
/// after a reconnect or a new session).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataUpdate {
    /// The data, `None` if the znode does not exist.
    pub data: Option<Bytes>,
    /// The stat, `None` if the znode does not exist.
    pub stat: Option<Stat>,
    /// The watch event behind this update, if it came from one.
    pub event: Option<WatchedEvent>,
}

impl From<DataUpdate> for (Option<Bytes>, Option<Stat>) {
    fn from(update: DataUpdate) -> Self {
        (update.data, update.stat)
    }
}

/// Reads the znode with a watch: its data, or, if it does not exist, an
/// exists watch that fires when it is created.
async fn read(client: &Client, path: &str) -> Result<(Option<Bytes>, Option<Stat>, Watch)> {
    loop {
        match client.get_watch(path).await {
            Ok((data, stat, watch)) => return Ok((Some(data), Some(stat), watch)),
            Err(e) if e.is_no_node() => {}
            Err(e) => return Err(e),
        }
        match client.exists_watch(path).await? {
            (None, watch) => return Ok((None, None, watch)),
            // Created in between: read it.
            (Some(_), _) => continue,
        }
    }
}

/// Whether an error only means "try again once connected".
pub(crate) fn is_transient(err: &Error) -> bool {
    err.is_connection_loss()
        || err.is_session_expired()
        || err.is_closed()
        || err.is_operation_timeout()
}

/// The data watch loop: delivers the znode's data at once and after every
/// change, until `deliver` answers `false` or the client is gone.
pub(crate) async fn watch_data(
    client: WeakClient,
    path: String,
    mut deliver: impl Deliver<DataUpdate>,
) -> Result<()> {
    let Some(mut changes) = client.upgrade().map(|c| c.state_changes()) else { return Ok(()) };
    // (czxid, mzxid) of what was delivered last, `Some(None)` for "absent".
    let mut delivered: Option<Option<(i64, i64)>> = None;
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
        let read = read(&strong, &path).await;
        drop(strong);
        let (data, stat, watch) = match read {
            Ok(read) => read,
            Err(e) if is_transient(&e) => continue,
            Err(e) => return Err(e),
        };
        let key = stat.map(|s| (s.czxid, s.mzxid));
        if delivered != Some(key) {
            delivered = Some(key);
            if !deliver.deliver(DataUpdate { data, stat, event: event.take() }).await {
                return Ok(());
            }
        }
        event = None;
        tokio::select! {
            fired = watch => {
                if !fired.is_terminal() {
                    event = Some(fired);
                }
                debug!(path, ?event, "data watch fired");
            }
            () = reconnected(&mut changes) => {}
        }
    }
}

/// A running data watch (kazoo's `DataWatch`), from [`Client::data_watch`].
/// Stops when its function returns `false` or when dropped.
#[must_use = "a data watch stops when dropped"]
#[derive(Debug)]
pub struct DataWatch {
    task: WatchTask,
}

impl DataWatch {
    /// Whether it has stopped (its function returned `false`, or the node
    /// could not be read for good, or the client is gone).
    pub fn is_stopped(&self) -> bool {
        self.task.is_finished()
    }
}

/// The data of a znode as a stream of [`DataUpdate`]s, from
/// [`Client::watch_data`]. Ends when the client is gone.
pub type DataStream = UpdateStream<DataUpdate>;

impl Client {
    /// Calls `function(data, stat)` at once and after every change of the
    /// znode's data (kazoo's `DataWatch`); `(None, None)` while it does not
    /// exist, so this is also an exists watch that survives reconnects and
    /// session loss. Returning `false` from `function` stops it, as does
    /// dropping the handle. Returns once the first call was made.
    ///
    /// ```no_run
    /// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
    /// let watch = zk
    ///     .data_watch("/path/to/watch", |data, stat| {
    ///         println!("Data is {data:?}");
    ///         println!("Version is {:?}", stat.map(|s| s.version));
    ///     })
    ///     .await?;
    /// # drop(watch);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn data_watch<R: KeepWatching>(
        &self,
        path: &str,
        mut function: impl FnMut(Option<Bytes>, Option<Stat>) -> R + Send + 'static,
    ) -> Result<DataWatch> {
        self.data_watch_with_event(path, move |data, stat, _| function(data, stat)).await
    }

    /// Like [`data_watch`](Client::data_watch), with the event behind each
    /// call as a third argument (`None` for the first call and after
    /// reconnects).
    pub async fn data_watch_with_event<R: KeepWatching>(
        &self,
        path: &str,
        mut function: impl FnMut(Option<Bytes>, Option<Stat>, Option<WatchedEvent>) -> R
        + Send
        + 'static,
    ) -> Result<DataWatch> {
        self.data_watch_delivering(path, move |update: DataUpdate| {
            std::future::ready(function(update.data, update.stat, update.event).keep_watching())
        })
        .await
    }

    /// Starts a data watch whose updates go to `deliver` (on the watch's
    /// task); it answers whether to keep watching. Returns once the first
    /// update was delivered.
    pub(crate) async fn data_watch_delivering(
        &self,
        path: &str,
        deliver: impl Deliver<DataUpdate> + Send + 'static,
    ) -> Result<DataWatch> {
        let task = start(self, "dataWatch", path, deliver, watch_data).await?;
        Ok(DataWatch { task })
    }

    /// The znode's data as a stream: the current value at once, then every
    /// change (the async form of [`data_watch`](Client::data_watch)).
    pub fn watch_data(&self, path: &str) -> Result<DataStream> {
        stream(self, "dataWatch", path, watch_data)
    }
}
