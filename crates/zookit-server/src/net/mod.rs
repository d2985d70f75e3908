//! The network side: the listeners (one per client port, plain or TLS),
//! one task per connection, and the queue each connection's replies wait
//! in.

pub(crate) mod connection;
pub(crate) mod listener;
pub(crate) mod outbox;
pub(crate) mod port;
pub(crate) mod tls;
mod x509;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::core::Command;

/// What every connection task shares.
pub(crate) struct Shared {
    pub(crate) config: Arc<Config>,
    /// The state task's queue.
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) shutdown: watch::Receiver<bool>,
    pub(crate) next_conn: AtomicU64,
    /// Open connections, handshake or not (the four-letter words count
    /// them all, as ZooKeeper does).
    pub(crate) open: Arc<AtomicUsize>,
}

/// Counts a connection as open for as long as it lives.
pub(crate) struct OpenGuard(Arc<AtomicUsize>);

impl OpenGuard {
    pub(crate) fn new(open: &Arc<AtomicUsize>) -> Self {
        open.fetch_add(1, Ordering::Relaxed);
        Self(open.clone())
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
