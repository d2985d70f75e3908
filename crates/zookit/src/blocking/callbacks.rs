//! The callback thread: where a blocking client runs its listeners and watch
//! functions, one after another, never on the runtime thread, so that a
//! callback may block and call the blocking client. Code built on the async
//! client runs its users' functions there too
//! ([`Client::callbacks`](super::Client::callbacks)).

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::thread::{self, ThreadId};

use tokio::sync::oneshot;

use crate::{Error, Result};

/// A queued callback.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// The thread a blocking client runs its callbacks on: queued closures run
/// there in order, one at a time.
///
/// Clones share the thread, which ends once every clone is gone and the
/// queue is drained. A panicking closure is logged and the thread goes on.
#[derive(Clone, Debug)]
pub struct CallbackThread {
    jobs: mpsc::Sender<Job>,
    thread: ThreadId,
}

impl CallbackThread {
    /// Starts the thread.
    pub(crate) fn start() -> Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let thread = thread::Builder::new()
            .name("zookit-callbacks".to_owned())
            .spawn(move || {
                for job in queue {
                    if let Err(panic) = catch_unwind(AssertUnwindSafe(job)) {
                        tracing::error!(
                            panic = panic_message(panic.as_ref()),
                            "a zookit callback panicked; the callback thread goes on"
                        );
                    }
                }
            })
            .map_err(Error::io)?;
        Ok(Self { jobs, thread: thread.thread().id() })
    }

    /// Queues `job` to run on the thread after the jobs queued before it.
    pub(crate) fn run(&self, job: Job) {
        if self.jobs.send(job).is_err() {
            // Only possible if the thread itself died, which catching panics
            // prevents.
            tracing::error!("the zookit callback thread is gone; a callback was dropped");
        }
    }

    /// Runs `job` on the thread, after the jobs queued before it, and
    /// returns its result: for async code (on the client's runtime) that
    /// calls a user's function, which may block and call the blocking
    /// client. `None` if the job panicked (the panic is logged). The job is
    /// queued when the future is first polled, and runs even if the future
    /// is dropped then.
    pub async fn call<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (reply, answer) = oneshot::channel();
        self.run(Box::new(move || {
            let _ = reply.send(job());
        }));
        answer.await.ok()
    }

    /// Whether the calling thread is this thread (a callback is running):
    /// code that would wait for a job must run it in place there instead.
    pub fn is_current(&self) -> bool {
        thread::current().id() == self.thread
    }
}

/// The message of a panic payload, if it is a string.
fn panic_message(panic: &(dyn Any + Send)) -> &str {
    if let Some(message) = panic.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message
    } else {
        "(not a string)"
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    #[test]
    fn runs_jobs_in_order_on_its_own_thread_and_survives_panics() {
        let callbacks = CallbackThread::start().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        for i in 0..5 {
            let seen = Arc::clone(&seen);
            callbacks.run(Box::new(move || {
                if i == 2 {
                    panic!("callback {i} fails");
                }
                let name = thread::current().name().map(str::to_owned);
                seen.lock().unwrap().push((i, name));
            }));
        }
        let (done, finished) = mpsc::channel();
        callbacks.run(Box::new(move || done.send(()).unwrap()));
        finished.recv_timeout(Duration::from_secs(10)).unwrap();
        let name = Some("zookit-callbacks".to_owned());
        assert_eq!(
            *seen.lock().unwrap(),
            [(0, name.clone()), (1, name.clone()), (3, name.clone()), (4, name)]
        );
    }

    #[tokio::test]
    async fn call_returns_the_result_to_async_code() {
        let callbacks = CallbackThread::start().unwrap();
        let name = callbacks.call(|| thread::current().name().map(str::to_owned)).await;
        assert_eq!(name, Some(Some("zookit-callbacks".to_owned())));
        assert!(!callbacks.is_current());
        let inside = callbacks.clone();
        assert_eq!(callbacks.call(move || inside.is_current()).await, Some(true));
        let failed: Option<()> = callbacks.call(|| panic!("fails")).await;
        assert_eq!(failed, None);
        assert_eq!(callbacks.call(|| 42).await, Some(42));
    }
}
