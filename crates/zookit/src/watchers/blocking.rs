//! The watch helpers of the blocking client: their functions run on the
//! client's callback thread, so they may call the client.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use zookit_proto::Stat;

use super::task::Deliver;
use super::{ChildrenUpdate, ChildrenWatch, DataUpdate, DataWatch, KeepWatching};
use crate::Result;
use crate::blocking::{CallbackThread, Client, Watch};
use crate::watch::WatchedEvent;

impl Client {
    /// Calls `function(data, stat)` at once and after every change of the
    /// znode's data (kazoo's `DataWatch`); see
    /// [`crate::Client::data_watch`]. The function runs on the client's
    /// callback thread, so it may call the client.
    ///
    /// ```no_run
    /// # fn example(zk: zookit::blocking::Client) -> zookit::Result<()> {
    /// let watch = zk.data_watch("/path/to/watch", |data, stat| {
    ///     println!("Data is {data:?}");
    ///     println!("Version is {:?}", stat.map(|s| s.version));
    /// })?;
    /// # drop(watch);
    /// # Ok(())
    /// # }
    /// ```
    pub fn data_watch<R: KeepWatching>(
        &self,
        path: &str,
        mut function: impl FnMut(Option<Bytes>, Option<Stat>) -> R + Send + 'static,
    ) -> Result<DataWatch> {
        self.data_watch_with_event(path, move |data, stat, _| function(data, stat))
    }

    /// Like [`data_watch`](Client::data_watch), with the event behind each
    /// call as a third argument.
    pub fn data_watch_with_event<R: KeepWatching>(
        &self,
        path: &str,
        mut function: impl FnMut(Option<Bytes>, Option<Stat>, Option<WatchedEvent>) -> R
        + Send
        + 'static,
    ) -> Result<DataWatch> {
        let deliver = self.on_callback_thread(move |update: DataUpdate| {
            function(update.data, update.stat, update.event).keep_watching()
        });
        let (client, owned) = self.owned(path);
        self.run(
            "dataWatch",
            path,
            async move { client.data_watch_delivering(&owned, deliver).await },
        )
    }

    /// Calls `function(children)` at once and after every change of the
    /// znode's children (kazoo's `ChildrenWatch`); see
    /// [`crate::Client::children_watch`]. The function runs on the client's
    /// callback thread.
    pub fn children_watch<R: KeepWatching>(
        &self,
        path: &str,
        mut function: impl FnMut(Vec<String>) -> R + Send + 'static,
    ) -> Result<ChildrenWatch> {
        self.children_watch_with(path, true, move |children, _| function(children))
    }

    /// Like [`children_watch`](Client::children_watch), with kazoo's
    /// `allow_session_lost` and the event as a second argument.
    pub fn children_watch_with<R: KeepWatching>(
        &self,
        path: &str,
        allow_session_lost: bool,
        mut function: impl FnMut(Vec<String>, Option<WatchedEvent>) -> R + Send + 'static,
    ) -> Result<ChildrenWatch> {
        let deliver = self.on_callback_thread(move |update: ChildrenUpdate| {
            function(update.children, update.event).keep_watching()
        });
        let (client, owned) = self.owned(path);
        self.run("childrenWatch", path, async move {
            client.children_watch_delivering(&owned, allow_session_lost, deliver).await
        })
    }

    /// Delivers a watch helper's updates to `function` on the client's
    /// callback thread, one after another.
    fn on_callback_thread<F>(&self, function: F) -> OnCallbackThread<F> {
        OnCallbackThread {
            callbacks: self.callbacks().clone(),
            function: Arc::new(Mutex::new(function)),
        }
    }

    /// The znode's children once they have not changed for `time_boundary`,
    /// and a watch that fires when they change later (kazoo's
    /// `PatientChildrenWatch`); see [`crate::Client::patient_children`].
    /// Gives up with a timeout error if the children keep changing for
    /// longer than the time boundary plus ten command timeouts.
    #[doc(alias("PatientChildrenWatch"))]
    pub fn patient_children(
        &self,
        path: &str,
        time_boundary: Duration,
    ) -> Result<(Vec<String>, Watch)> {
        let (client, owned) = self.owned(path);
        let (children, watch) = self.run_for(
            "patientChildren",
            path,
            time_boundary + self.command_timeout() * 10,
            async move { client.patient_children(&owned, time_boundary).await },
        )?;
        Ok((children, self.watch(watch)))
    }
}

/// A watch helper's function, called on the blocking client's callback
/// thread (so that it may block and call the client).
struct OnCallbackThread<F> {
    callbacks: CallbackThread,
    function: Arc<Mutex<F>>,
}

impl<U, F> Deliver<U> for OnCallbackThread<F>
where
    U: Send + 'static,
    F: FnMut(U) -> bool + Send + 'static,
{
    fn deliver(&mut self, update: U) -> impl Future<Output = bool> + Send {
        let function = Arc::clone(&self.function);
        let call = move || (function.lock().unwrap_or_else(PoisonError::into_inner))(update);
        let callbacks = self.callbacks.clone();
        // A panicking function stops its watch (the panic is logged).
        async move { callbacks.call(call).await.unwrap_or(false) }
    }
}
