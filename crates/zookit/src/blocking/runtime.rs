//! The background thread a blocking client's async client lives on, and how
//! blocking callers wait for it.
//!
//! The thread runs a current-thread Tokio runtime until the blocking client
//! is dropped: the session's driver, its pings and reconnects, listeners and
//! watch delivery all run there while callers block (or sleep) elsewhere.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::{Error, Result};

/// What a blocking call made from within an async runtime is told.
pub(crate) const WITHIN_RUNTIME: &str = "zookit::blocking::Client was called from within an async \
     runtime; use zookit::Client there";

/// What the runtime runs last, before it stops.
pub(crate) type Farewell = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The thread running a blocking client's runtime.
pub(crate) struct RuntimeThread {
    handle: Handle,
    /// Sending (or dropping) it ends the runtime.
    shutdown: Option<oneshot::Sender<Farewell>>,
    thread: Option<JoinHandle<()>>,
}

impl RuntimeThread {
    /// Starts the thread and its runtime.
    pub(crate) fn start() -> Result<Self> {
        let (handle_sender, handle_receiver) = mpsc::sync_channel(1);
        let (shutdown, farewell) = oneshot::channel::<Farewell>();
        let thread = thread::Builder::new()
            .name("zookit-runtime".to_owned())
            .spawn(move || {
                let runtime =
                    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        Ok(runtime) => runtime,
                        Err(err) => {
                            let _ = handle_sender.send(Err(err));
                            return;
                        }
                    };
                if handle_sender.send(Ok(runtime.handle().clone())).is_err() {
                    return;
                }
                runtime.block_on(async move {
                    if let Ok(farewell) = farewell.await {
                        farewell.await;
                    }
                });
                // Dropping the runtime cancels every task left, such as the
                // driver of the closed session.
            })
            .map_err(Error::io)?;
        match handle_receiver.recv() {
            Ok(Ok(handle)) => Ok(Self { handle, shutdown: Some(shutdown), thread: Some(thread) }),
            Ok(Err(err)) => Err(Error::io(err)),
            Err(_) => Err(Error::closed()),
        }
    }

    /// A handle of the runtime, to spawn on it.
    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Runs `farewell` on the runtime, then stops the runtime and waits for
    /// the thread to end (unless this is that thread, which ends once the
    /// task calling this returns).
    pub(crate) fn shut_down(&mut self, farewell: Farewell) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(farewell);
        }
        self.join();
    }

    fn join(&mut self) {
        let Some(thread) = self.thread.take() else { return };
        if thread.thread().id() == thread::current().id() {
            return;
        }
        if thread.join().is_err() {
            tracing::error!("the zookit runtime thread panicked");
        }
    }
}

impl Drop for RuntimeThread {
    fn drop(&mut self) {
        // Without a farewell (the client was never made), dropping the
        // sender ends the runtime.
        self.shutdown = None;
        self.join();
    }
}

/// Refuses to block within an async runtime, where `op` would stall the
/// runtime's thread (or deadlock, on the client's own runtime thread).
pub(crate) fn refuse_within_runtime(op: &'static str) -> Result<()> {
    if Handle::try_current().is_ok() {
        return Err(Error::invalid_argument(WITHIN_RUNTIME).with_op(op));
    }
    Ok(())
}

/// Panics within an async runtime, as Tokio's own blocking calls do, for
/// the blocking calls that cannot return an error.
pub(crate) fn assert_outside_runtime() {
    assert!(Handle::try_current().is_err(), "{WITHIN_RUNTIME}");
}

/// Runs `future` on the runtime of `handle` and waits for its output, at
/// most `bound`. Errors name `op` and `path` (if not empty).
pub(crate) fn run_on<T, F>(
    handle: &Handle,
    bound: Duration,
    op: &'static str,
    path: &str,
    future: F,
) -> Result<T>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    let context =
        |e: Error| if path.is_empty() { e.with_op(op) } else { e.with_op(op).with_path(path) };
    refuse_within_runtime(op).map_err(context)?;
    let (sender, receiver) = mpsc::sync_channel(1);
    let task = handle.spawn(async move {
        let _ = sender.send(future.await);
    });
    match receiver.recv_timeout(bound) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => {
            // The operation may or may not have been applied, as after a
            // connection loss; it is not waited for any longer.
            task.abort();
            Err(context(Error::timeout(format!(
                "no answer within {bound:?} (the blocking client's command timeout)"
            ))))
        }
        // The task was dropped unfinished: the runtime is gone.
        Err(RecvTimeoutError::Disconnected) => Err(context(Error::closed())),
    }
}

/// Wakes a thread parked in [`poll_until`].
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this thread, parking between polls, until it is ready
/// or `timeout` has passed (`None`: no limit). For futures that need no
/// runtime context, such as channel receivers fed by the runtime thread.
pub(crate) fn poll_until<F: Future + Unpin>(
    future: &mut F,
    timeout: Option<Duration>,
) -> Option<F::Output> {
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = Pin::new(&mut *future).poll(&mut cx) {
            return Some(output);
        }
        match (timeout, deadline) {
            (None, _) | (Some(_), None) => thread::park(),
            (Some(_), Some(deadline)) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return None;
                }
                thread::park_timeout(left);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_futures_on_the_thread_and_bounds_the_wait() {
        let runtime = RuntimeThread::start().unwrap();
        let value = run_on(runtime.handle(), Duration::from_secs(5), "test", "/a", async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok(thread::current().name().map(str::to_owned))
        })
        .unwrap();
        assert_eq!(value.as_deref(), Some("zookit-runtime"));

        let start = Instant::now();
        let err = run_on(runtime.handle(), Duration::from_millis(100), "getData", "/a", async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(())
        })
        .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(err.is_timeout(), "{err}");
        assert_eq!((err.op(), err.path()), (Some("getData"), Some("/a")));
    }

    #[test]
    fn the_farewell_runs_before_the_thread_ends() {
        let mut runtime = RuntimeThread::start().unwrap();
        let (sender, receiver) = mpsc::channel();
        runtime.shut_down(Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let _ = sender.send("farewell");
        }));
        assert_eq!(receiver.try_recv(), Ok("farewell"), "joined after the farewell");
        let err = run_on(runtime.handle(), Duration::from_secs(5), "get", "", async { Ok(()) })
            .unwrap_err();
        assert!(err.is_closed(), "{err}");
    }

    #[test]
    fn refuses_to_block_within_a_runtime() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let err = runtime.block_on(async { refuse_within_runtime("get") }).unwrap_err();
        assert!(err.is_invalid_argument(), "{err}");
        assert!(err.to_string().contains("use zookit::Client there"), "{err}");
        assert!(refuse_within_runtime("get").is_ok());
    }

    #[test]
    fn polls_until_ready_or_the_timeout() {
        let (sender, mut receiver) = oneshot::channel::<u8>();
        assert_eq!(poll_until(&mut receiver, Some(Duration::from_millis(20))), None);
        let feeder = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            let _ = sender.send(7);
        });
        assert_eq!(poll_until(&mut receiver, None), Some(Ok(7)));
        feeder.join().unwrap();
    }
}
