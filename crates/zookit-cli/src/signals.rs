//! Waiting for the user to stop a long-running command (Ctrl-C, SIGTERM).

use std::future::Future;

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
///
/// The handlers are installed when this is called, not when the future is
/// first polled: call it before announcing that the command is ready, so
/// that a signal sent right after the announcement stops the command
/// instead of killing the process with the signal's default action.
pub(crate) fn interrupted() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    };
    async move {
        #[cfg(unix)]
        if let (Ok(mut interrupt), Ok(mut terminate)) = signals {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
        if tokio::signal::ctrl_c().await.is_err() {
            // No way to be told; run until killed.
            std::future::pending::<()>().await;
        }
    }
}
