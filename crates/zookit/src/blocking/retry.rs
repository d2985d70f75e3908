//! [`RetryPolicy::run`] for blocking operations.
//!
//! The policy's own loop runs on the runtime (its sleeps, deadline and
//! interrupt checks are exactly those of the async client); each try is
//! handed to the calling thread, which runs the blocking operation and hands
//! the result back.

use std::sync::mpsc;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::{Error, Result, RetryPolicy};

/// What the policy's loop asks of the calling thread.
enum Turn<T> {
    /// Run the operation once and send its result.
    Try(oneshot::Sender<Result<T>>),
    /// The policy is done: this is the outcome.
    Done(Result<T>),
}

/// Runs the blocking `operation` with `policy`, as [`RetryPolicy::run`]
/// runs an async one; the policy's loop runs on the runtime of `handle`.
pub(crate) fn run<T: Send + 'static>(
    policy: &RetryPolicy,
    handle: &Handle,
    mut operation: impl FnMut() -> Result<T>,
) -> Result<T> {
    let (turns, next_turn) = mpsc::channel::<Turn<T>>();
    let tries = turns.clone();
    let policy = policy.clone();
    handle.spawn(async move {
        let outcome = policy
            .run(|| {
                let (reply, answer) = oneshot::channel();
                let asked = tries.send(Turn::Try(reply)).is_ok();
                async move {
                    if !asked {
                        return Err(Error::closed());
                    }
                    // No answer: the operation panicked; nothing to retry.
                    answer.await.unwrap_or_else(|_| Err(Error::closed()))
                }
            })
            .await;
        let _ = turns.send(Turn::Done(outcome));
    });
    loop {
        match next_turn.recv() {
            Ok(Turn::Try(reply)) => {
                let _ = reply.send(operation());
            }
            Ok(Turn::Done(outcome)) => return outcome,
            // The loop was dropped unfinished: the runtime is gone.
            Err(_) => return Err(Error::closed()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use zookit_proto::ErrorCode;

    use super::*;
    use crate::blocking::runtime::RuntimeThread;

    #[test]
    fn retries_connection_loss_on_the_calling_thread() {
        let runtime = RuntimeThread::start().unwrap();
        let policy = RetryPolicy::new().max_tries(Some(3)).delay(Duration::from_millis(10));
        let caller = std::thread::current().id();
        let mut tries = 0;
        let result = run(&policy, runtime.handle(), || {
            assert_eq!(std::thread::current().id(), caller);
            tries += 1;
            if tries < 3 { Err(Error::from_code(ErrorCode::ConnectionLoss)) } else { Ok(tries) }
        });
        assert_eq!(result.unwrap(), 3);
    }

    #[test]
    fn gives_up_as_the_async_policy_does() {
        let runtime = RuntimeThread::start().unwrap();
        let start = Instant::now();
        let mut tries = 0;
        let result: Result<()> = run(&RetryPolicy::new(), runtime.handle(), || {
            tries += 1;
            Err(Error::from_code(ErrorCode::ConnectionLoss))
        });
        let err = result.unwrap_err();
        assert!(
            matches!(err.kind(), crate::ErrorKind::RetryFailed { attempts: 2 }),
            "{err} after {tries} tries"
        );
        assert!(start.elapsed() >= Duration::from_millis(60), "slept between the tries");

        let mut tries = 0;
        let result: Result<()> = run(&RetryPolicy::new(), runtime.handle(), || {
            tries += 1;
            Err(Error::from_code(ErrorCode::NoNode))
        });
        assert!(result.unwrap_err().is_no_node());
        assert_eq!(tries, 1, "other errors are not retried");
    }
}
