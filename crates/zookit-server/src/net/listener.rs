//! Accepting connections, within the connection limit.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::{OpenGuard, Shared, connection};

/// Accepts connections until shutdown, then ends every connection task.
pub(crate) async fn run(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.clone();
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let open = shared.open.load(Ordering::Relaxed);
                    if open >= shared.config.max_connections {
                        tracing::warn!(%peer, "refusing a connection: {open} are open");
                        continue;
                    }
                    while tasks.try_join_next().is_some() {}
                    let guard = OpenGuard::new(&shared.open);
                    tasks.spawn(connection::serve(stream, peer, shared.clone(), guard));
                }
                Err(error) => {
                    // Out of file descriptors, typically: wait for some to close.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    }
    drop(listener);
    tasks.shutdown().await;
}
