//! Where a lock, a semaphore lease or a leadership stands, and every change
//! of it.

use std::fmt;

use tokio::sync::mpsc;

/// Where a lock (a semaphore lease, a leadership) stands.
///
/// Only [`Acquired`](Self::Acquired) means it is held: `Suspended` means the
/// connection is down and the session may be lost, so the holder must act
/// as if it were not held (Curator's advice). It comes back to `Acquired`
/// if the session survives; after `Lost` the lock must be acquired anew.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockState {
    /// Not held: never acquired, or released.
    Released,
    /// Held: the session is connected and the lock node is the holder's.
    Acquired,
    /// Possibly lost: the connection is down; the session, and so the
    /// lock, may have ended. Treat it as lost; it comes back to `Acquired`
    /// if the session reconnects in time and the node is still there.
    Suspended,
    /// Lost: the session ended (or was given up after the session timeout),
    /// or the node was deleted. Acquire again for a new holding.
    Lost,
}

impl LockState {
    /// Whether this is [`LockState::Acquired`].
    pub fn is_acquired(self) -> bool {
        self == Self::Acquired
    }
}

impl fmt::Display for LockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Released => "RELEASED",
            Self::Acquired => "ACQUIRED",
            Self::Suspended => "SUSPENDED",
            Self::Lost => "LOST",
        })
    }
}

/// Every change of a lock's state, in order, from `states()`.
#[derive(Debug)]
pub struct LockStates {
    receiver: mpsc::UnboundedReceiver<LockState>,
}

impl LockStates {
    pub(crate) fn new(receiver: mpsc::UnboundedReceiver<LockState>) -> Self {
        Self { receiver }
    }

    /// The next state; `None` once the lock is dropped.
    pub async fn next(&mut self) -> Option<LockState> {
        self.receiver.recv().await
    }

    /// The next state if one is waiting.
    pub fn try_next(&mut self) -> Option<LockState> {
        self.receiver.try_recv().ok()
    }
}
