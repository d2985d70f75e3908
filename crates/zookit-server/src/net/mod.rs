//! The network side: the listener, one task per connection, and the queue
//! each connection's replies wait in.

pub(crate) mod connection;
pub(crate) mod listener;
pub(crate) mod outbox;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

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
}
