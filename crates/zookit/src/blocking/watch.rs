//! What blocking watchers receive: the one-shot [`Watch`], the
//! [`PersistentWatch`] iterator and the [`StateChanges`] iterator.

use std::pin::Pin;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use futures_core::Stream;
use tokio::runtime::Handle;
use zookit_proto::KeeperState;

use super::CallbackThread;
use super::runtime::{assert_outside_runtime, poll_until};
use crate::{StateChange, WatchedEvent};

/// A one-shot watch of the blocking client: the first change of the watched
/// znode (or its children), or a terminal event if the session ends first.
///
/// Wait for it ([`wait`](Self::wait), [`wait_timeout`](Self::wait_timeout))
/// or have a function called with it ([`on_event`](Self::on_event)). As
/// [`crate::Watch`], it survives reconnects, and dropping it tells the
/// server to forget the watch when no other watcher needs it.
#[must_use = "a watch does nothing unless waited for or given a callback"]
#[derive(Debug)]
pub struct Watch {
    /// The async watch, until it fired.
    pending: Option<crate::Watch>,
    /// The event, once it fired.
    event: Option<WatchedEvent>,
    runtime: Handle,
    callbacks: CallbackThread,
}

impl Watch {
    /// A blocking handle of `watch`, whose callback runs on `callbacks`.
    pub(crate) fn new(watch: crate::Watch, runtime: Handle, callbacks: CallbackThread) -> Self {
        Self { pending: Some(watch), event: None, runtime, callbacks }
    }

    /// Blocks until the watch fires, and returns its event.
    ///
    /// # Panics
    ///
    /// Within an async runtime, as Tokio's blocking calls do: await the
    /// async client's [`crate::Watch`] there.
    pub fn wait(mut self) -> WatchedEvent {
        // Without a timeout, only a spent watch (impossible here) is `None`.
        self.wait_for(None).unwrap_or_else(closed)
    }

    /// Blocks until the watch fires, at most `timeout`: its event, or `None`
    /// if it has not fired by then. Once it fired, every call returns the
    /// event at once.
    ///
    /// # Panics
    ///
    /// Within an async runtime, as [`wait`](Self::wait).
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<WatchedEvent> {
        self.wait_for(Some(timeout))
    }

    fn wait_for(&mut self, timeout: Option<Duration>) -> Option<WatchedEvent> {
        if let Some(event) = &self.event {
            return Some(event.clone());
        }
        assert_outside_runtime();
        let pending = self.pending.as_mut()?;
        let event = poll_until(pending, timeout)?;
        self.pending = None;
        self.event = Some(event.clone());
        Some(event)
    }

    /// Calls `callback` with the event when the watch fires (kazoo's watch
    /// functions), on the client's callback thread, after the callbacks
    /// queued before it. The callback may block and may call the client.
    ///
    /// If the client is dropped first, the callback gets the terminal
    /// event. A callback holding a clone of the client keeps the client
    /// alive until it runs (at the latest when the session is stopped).
    pub fn on_event(mut self, callback: impl FnOnce(WatchedEvent) + Send + 'static) {
        let callbacks = self.callbacks.clone();
        let Some(watch) = self.pending.take() else {
            let event = self.event.take().unwrap_or_else(closed);
            callbacks.run(Box::new(move || callback(event)));
            return;
        };
        let mut on_event = OnEvent { callback: Some(Box::new(callback)), callbacks };
        self.runtime.spawn(async move {
            let event = watch.await;
            if let Some(callback) = on_event.callback.take() {
                // Awaited so that the task lives until the callback ran.
                on_event.callbacks.call(move || callback(event)).await;
            }
        });
    }
}

/// The terminal event of a closed session.
fn closed() -> WatchedEvent {
    WatchedEvent::terminal(KeeperState::Closed)
}

type Callback = Box<dyn FnOnce(WatchedEvent) + Send>;

/// A watch function waiting for its event on the runtime. Dropped unrun
/// (the runtime shut down), it still runs, with the terminal event.
struct OnEvent {
    callback: Option<Callback>,
    callbacks: CallbackThread,
}

impl Drop for OnEvent {
    fn drop(&mut self) {
        if let Some(callback) = self.callback.take() {
            self.callbacks.run(Box::new(move || callback(closed())));
        }
    }
}

/// A persistent watch of the blocking client (ZooKeeper 3.6+): every change
/// of a znode (or, recursive, of a znode and its descendants), as a blocking
/// iterator. See [`crate::PersistentWatch`]: it survives reconnects, ends
/// after a terminal event when the session ends, and is removed from the
/// server when dropped.
///
/// # Panics
///
/// Its methods panic within an async runtime, as Tokio's blocking calls do.
#[must_use = "a persistent watch does nothing unless iterated"]
#[derive(Debug)]
pub struct PersistentWatch {
    inner: crate::PersistentWatch,
}

impl PersistentWatch {
    pub(crate) fn new(inner: crate::PersistentWatch) -> Self {
        Self { inner }
    }

    /// Blocks for the next event; `None` once the watch has ended (after its
    /// terminal event).
    pub fn recv(&mut self) -> Option<WatchedEvent> {
        assert_outside_runtime();
        poll_until(&mut NextItem(&mut self.inner), None).flatten()
    }

    /// Blocks for the next event, at most `timeout`: `Timeout` if none came,
    /// `Disconnected` once the watch has ended.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<WatchedEvent, RecvTimeoutError> {
        assert_outside_runtime();
        match poll_until(&mut NextItem(&mut self.inner), Some(timeout)) {
            Some(Some(event)) => Ok(event),
            Some(None) => Err(RecvTimeoutError::Disconnected),
            None => Err(RecvTimeoutError::Timeout),
        }
    }
}

impl Iterator for PersistentWatch {
    type Item = WatchedEvent;

    fn next(&mut self) -> Option<WatchedEvent> {
        self.recv()
    }
}

/// The blocking client's state changes, simple and raw, as a blocking
/// iterator ([`Client::state_changes`](super::Client::state_changes)).
///
/// # Panics
///
/// Its methods panic within an async runtime, as Tokio's blocking calls do.
#[must_use = "state changes do nothing unless iterated"]
#[derive(Debug)]
pub struct StateChanges {
    inner: crate::StateChanges,
}

impl StateChanges {
    pub(crate) fn new(inner: crate::StateChanges) -> Self {
        Self { inner }
    }

    /// Blocks for the next change; `None` when the client is gone.
    pub fn recv(&mut self) -> Option<StateChange> {
        assert_outside_runtime();
        poll_until(&mut NextItem(&mut self.inner), None).flatten()
    }

    /// Blocks for the next change, at most `timeout`: `Timeout` if none
    /// came, `Disconnected` when the client is gone.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<StateChange, RecvTimeoutError> {
        assert_outside_runtime();
        match poll_until(&mut NextItem(&mut self.inner), Some(timeout)) {
            Some(Some(change)) => Ok(change),
            Some(None) => Err(RecvTimeoutError::Disconnected),
            None => Err(RecvTimeoutError::Timeout),
        }
    }
}

impl Iterator for StateChanges {
    type Item = StateChange;

    fn next(&mut self) -> Option<StateChange> {
        self.recv()
    }
}

/// The next item of a stream, as a future.
struct NextItem<'a, S>(&'a mut S);

impl<S: Stream + Unpin> std::future::Future for NextItem<'_, S> {
    type Output = Option<S::Item>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<S::Item>> {
        Pin::new(&mut *self.0).poll_next(cx)
    }
}
