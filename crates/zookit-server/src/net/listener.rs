//! Accepting connections on one client port, within the connection limit.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::port::PortControl;
use super::{OpenGuard, Shared, connection};

/// How long the connections of a closing port may take to end on their own
/// (telling the state they are gone) before they are aborted.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Accepts connections until the server shuts down or the port closes.
/// On shutdown every connection task ends at once; when only the port
/// closes, the listener goes first, then its connections end (they follow
/// the port's signal) and the state hears of each.
pub(crate) async fn run(listener: TcpListener, shared: Arc<Shared>, port: Arc<PortControl>) {
    let mut shutdown = shared.shutdown.clone();
    let mut closing = port.subscribe();
    let mut tasks = JoinSet::new();
    let shut_down = loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => break true,
            _ = closing.closed() => break false,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let open = shared.open.load(Ordering::Relaxed);
                    if open >= shared.config.max_connections {
                        tracing::warn!(%peer, "refusing a connection: {open} are open");
                        continue;
                    }
                    while tasks.try_join_next().is_some() {}
                    let guard = OpenGuard::new(&shared.open);
                    tasks.spawn(connection::serve(stream, peer, shared.clone(), port.clone(), guard));
                }
                Err(error) => {
                    // Out of file descriptors, typically: wait for some to close.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    };
    drop(listener);
    if !shut_down {
        let ended = async { while tasks.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(CLOSE_GRACE, ended).await;
    }
    tasks.shutdown().await;
}
