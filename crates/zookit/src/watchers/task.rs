//! What the watch helpers share: their task handle, the return values of
//! watch functions, and waiting for a reconnect.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::client::StateChanges;
use crate::state::State;
use crate::{Client, Error, Result};

/// What a watch function returns: `()` or `true` to keep watching, `false`
/// to stop (as kazoo's watch functions return `False`).
pub trait KeepWatching {
    /// Whether to keep watching.
    fn keep_watching(self) -> bool;
}

impl KeepWatching for () {
    fn keep_watching(self) -> bool {
        true
    }
}

impl KeepWatching for bool {
    fn keep_watching(self) -> bool {
        self
    }
}

/// A helper's task, aborted when dropped.
#[derive(Debug)]
pub(crate) struct WatchTask(pub(crate) JoinHandle<()>);

impl WatchTask {
    pub(crate) fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

impl Drop for WatchTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The updates of a watch helper as a stream; its task stops when the
/// stream is dropped.
#[must_use = "a stream does nothing unless polled"]
#[derive(Debug)]
pub struct UpdateStream<T> {
    receiver: mpsc::UnboundedReceiver<T>,
    _task: WatchTask,
}

impl<T> UpdateStream<T> {
    pub(crate) fn new(receiver: mpsc::UnboundedReceiver<T>, task: WatchTask) -> Self {
        Self { receiver, _task: task }
    }

    /// The next update.
    pub async fn next(&mut self) -> Option<T> {
        self.receiver.recv().await
    }
}

impl<T> Stream for UpdateStream<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.receiver.poll_recv(cx)
    }
}

/// Waits for the next time the session is connected again after a
/// disconnect (or for ever, if the client is gone).
pub(crate) async fn reconnected(changes: &mut StateChanges) {
    while let Some(change) = changes.next().await {
        if change.state == State::Connected {
            return;
        }
    }
    std::future::pending::<()>().await;
}

/// Tells whoever registered a watch helper that its first call was made, or
/// why the helper ended before it.
#[derive(Clone)]
pub(crate) struct FirstCall(Arc<Mutex<Option<oneshot::Sender<Result<()>>>>>);

impl FirstCall {
    fn new() -> (Self, oneshot::Receiver<Result<()>>) {
        let (sender, receiver) = oneshot::channel();
        (Self(Arc::new(Mutex::new(Some(sender)))), receiver)
    }

    /// Reports the outcome if nothing was reported yet; otherwise hands it
    /// back.
    pub(crate) fn report(&self, outcome: Result<()>) -> Option<Result<()>> {
        let sender = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        match sender {
            Some(sender) => {
                let _ = sender.send(outcome);
                None
            }
            None => Some(outcome),
        }
    }
}

/// Runs a watch helper's loop on the client's runtime. How it ended goes to
/// `first` if its first call was not made yet, else to the log.
pub(crate) fn spawn<W>(
    client: &Client,
    op: &'static str,
    path: &str,
    watch: W,
    first: Option<FirstCall>,
) -> WatchTask
where
    W: Future<Output = Result<()>> + Send + 'static,
{
    let path = path.to_owned();
    WatchTask(client.runtime().spawn(async move {
        let mut outcome = Some(watch.await);
        if let Some(first) = first {
            outcome = outcome.and_then(|outcome| first.report(outcome));
        }
        if let Some(Err(err)) = outcome {
            tracing::info!(err = %err.with_op(op).with_path(path), "watch stopped");
        }
    }))
}

/// Starts a watch helper and waits (at most the connection timeout) until
/// its function was first called; an error before that is returned here.
pub(crate) async fn start<W>(
    client: &Client,
    op: &'static str,
    path: &str,
    run: impl FnOnce(FirstCall) -> W,
) -> Result<WatchTask>
where
    W: Future<Output = Result<()>> + Send + 'static,
{
    let (first, called) = FirstCall::new();
    let task = spawn(client, op, path, run(first.clone()), Some(first));
    let wait = client.connection_timeout();
    match tokio::time::timeout(wait, called).await {
        Ok(Ok(Ok(()))) | Ok(Err(_)) => Ok(task),
        Ok(Ok(Err(err))) => Err(err.with_op(op).with_path(path)),
        Err(_) => {
            Err(Error::timeout(format!("no session within {wait:?}")).with_op(op).with_path(path))
        }
    }
}
