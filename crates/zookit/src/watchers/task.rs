//! What the watch helpers share: their task handle, where their updates go,
//! the return values of watch functions, waiting for a reconnect, and
//! starting one.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::client::{StateChanges, WeakClient};
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

/// Where a watch helper's loop sends its updates; it answers whether to
/// keep watching. A closure returning such a future is one.
pub(crate) trait Deliver<U> {
    /// Delivers `update`; whether to keep watching.
    fn deliver(&mut self, update: U) -> impl Future<Output = bool> + Send;
}

impl<U, F, Fut> Deliver<U> for F
where
    F: FnMut(U) -> Fut,
    Fut: Future<Output = bool> + Send,
{
    fn deliver(&mut self, update: U) -> impl Future<Output = bool> + Send {
        self(update)
    }
}

/// Delivers to `deliver`, and tells `first` once the first update was
/// delivered (whoever started the helper waits for it).
pub(crate) struct FirstDelivery<D> {
    first: FirstCall,
    deliver: D,
}

impl<U, D: Deliver<U>> Deliver<U> for FirstDelivery<D> {
    fn deliver(&mut self, update: U) -> impl Future<Output = bool> + Send {
        let keep = self.deliver.deliver(update);
        let first = &self.first;
        async move {
            let keep = keep.await;
            let _ = first.report(Ok(()));
            keep
        }
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
    fn new(receiver: mpsc::UnboundedReceiver<T>, task: WatchTask) -> Self {
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
struct FirstCall(Arc<Mutex<Option<oneshot::Sender<Result<()>>>>>);

impl FirstCall {
    fn new() -> (Self, oneshot::Receiver<Result<()>>) {
        let (sender, receiver) = oneshot::channel();
        (Self(Arc::new(Mutex::new(Some(sender)))), receiver)
    }

    /// Reports the outcome if nothing was reported yet; otherwise hands it
    /// back.
    fn report(&self, outcome: Result<()>) -> Option<Result<()>> {
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
fn spawn<W>(
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

/// Delivers to a stream ([`UpdateStream`]) until it is dropped.
pub(crate) struct ToStream<U>(mpsc::UnboundedSender<U>);

impl<U: Send> Deliver<U> for ToStream<U> {
    fn deliver(&mut self, update: U) -> impl Future<Output = bool> + Send {
        std::future::ready(self.0.send(update).is_ok())
    }
}

/// Runs a watch helper on `path` whose updates go to the stream returned:
/// `run` is its loop, given the client, the path, and where to send them.
pub(crate) fn stream<U, W>(
    client: &Client,
    op: &'static str,
    path: &str,
    run: impl FnOnce(WeakClient, String, ToStream<U>) -> W,
) -> Result<UpdateStream<U>>
where
    W: Future<Output = Result<()>> + Send + 'static,
{
    client.server_path(op, path)?;
    let (sender, receiver) = mpsc::unbounded_channel();
    let watch = run(client.downgrade(), path.to_owned(), ToStream(sender));
    Ok(UpdateStream::new(receiver, spawn(client, op, path, watch, None)))
}

/// Starts a watch helper on `path`: `run` is its loop, given the client,
/// the path, and where to send its updates (to `deliver`). Waits (at most
/// the connection timeout) until the first update was delivered; an error
/// before that is returned here.
pub(crate) async fn start<D, W>(
    client: &Client,
    op: &'static str,
    path: &str,
    deliver: D,
    run: impl FnOnce(WeakClient, String, FirstDelivery<D>) -> W,
) -> Result<WatchTask>
where
    W: Future<Output = Result<()>> + Send + 'static,
{
    client.server_path(op, path)?;
    let (first, called) = FirstCall::new();
    let deliver = FirstDelivery { first: first.clone(), deliver };
    let task =
        spawn(client, op, path, run(client.downgrade(), path.to_owned(), deliver), Some(first));
    let wait = client.connection_timeout();
    match tokio::time::timeout(wait, called).await {
        Ok(Ok(Ok(()))) | Ok(Err(_)) => Ok(task),
        Ok(Ok(Err(err))) => Err(err.with_op(op).with_path(path)),
        Err(_) => {
            Err(Error::timeout(format!("no session within {wait:?}")).with_op(op).with_path(path))
        }
    }
}
