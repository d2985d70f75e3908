//! Walks of the subtree: the initial load, and the resynchronisation after
//! every reconnect and every new session.
//!
//! A walk reads every node (data and children) breadth first, through the
//! pipeline: a node's children list brings the loads of its children. Each
//! answer is applied as it comes (see `tree`), so a walk reports exactly the
//! differences between the cache and the server: nodes added, nodes whose
//! data moved on, nodes gone. This module counts a walk's reads to tell when
//! it is complete, and which event completes it.

use super::events::TreeEvent;

/// Which children of a listed node to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Descend {
    /// Every child: a walk checks them all.
    All,
    /// Only those not cached yet (a children watch fired, or a repair).
    New,
}

/// Which walk a read belongs to.
pub(super) type WalkId = u64;

/// The walks of a cache: only the latest counts; an older one (cut short by
/// a disconnect) is forgotten when a new one begins.
#[derive(Debug, Default)]
pub(super) struct Walks {
    current: WalkId,
    /// Reads of the current walk not applied yet.
    outstanding: usize,
    /// Whether the current walk is running.
    active: bool,
    /// Whether a read of the current walk failed (the connection dropped):
    /// the walk is incomplete, and the next reconnect walks again.
    failed: bool,
    initialized: bool,
    /// A disconnect was reported and not yet followed by a complete walk.
    reconnect_pending: bool,
}

impl Walks {
    /// Begins a walk (forgetting any running one); returns its id.
    pub(super) fn begin(&mut self) -> WalkId {
        self.current += 1;
        self.outstanding = 0;
        self.active = true;
        self.failed = false;
        self.current
    }

    fn counts(&self, walk: Option<WalkId>) -> bool {
        self.active && walk == Some(self.current)
    }

    /// A read of `walk` was queued.
    pub(super) fn queued(&mut self, walk: Option<WalkId>) {
        if self.counts(walk) {
            self.outstanding += 1;
        }
    }

    /// The connection dropped or the session was lost: the next complete
    /// walk reports the reconnect.
    pub(super) fn disconnected(&mut self) {
        self.reconnect_pending = true;
    }

    /// Whether the initial load has completed.
    pub(super) fn is_initialized(&self) -> bool {
        self.initialized
    }

    /// A read of `walk` was applied (after what it queued); `failed` if the
    /// connection failed it. Pushes the events that complete the walk.
    pub(super) fn applied(
        &mut self,
        walk: Option<WalkId>,
        failed: bool,
        events: &mut Vec<TreeEvent>,
    ) {
        if !self.counts(walk) {
            return;
        }
        self.outstanding -= 1;
        self.failed |= failed;
        if self.outstanding > 0 {
            return;
        }
        self.active = false;
        if self.failed {
            return;
        }
        if !self.initialized {
            self.initialized = true;
            events.push(TreeEvent::Initialized);
        }
        if std::mem::take(&mut self.reconnect_pending) {
            events.push(TreeEvent::ConnectionReconnected);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_completes_when_its_last_read_is_applied() {
        let mut walks = Walks::default();
        let mut events = Vec::new();
        let first = walks.begin();
        walks.queued(Some(first));
        walks.queued(Some(first));
        walks.queued(None);
        walks.applied(Some(first), false, &mut events);
        walks.applied(None, false, &mut events);
        assert!(events.is_empty());
        walks.queued(Some(first)); // a child found by the read
        walks.applied(Some(first), false, &mut events);
        assert!(events.is_empty());
        walks.applied(Some(first), false, &mut events);
        assert_eq!(events, [TreeEvent::Initialized]);
        assert!(walks.is_initialized());
    }

    #[test]
    fn a_failed_walk_completes_nothing_and_the_next_reports_the_reconnect() {
        let mut walks = Walks::default();
        let mut events = Vec::new();
        let first = walks.begin();
        walks.queued(Some(first));
        walks.queued(Some(first));
        walks.disconnected();
        walks.applied(Some(first), true, &mut events);
        let second = walks.begin();
        walks.applied(Some(first), true, &mut events); // the old walk's last read
        walks.queued(Some(second));
        walks.applied(Some(second), false, &mut events);
        assert_eq!(events, [TreeEvent::Initialized, TreeEvent::ConnectionReconnected]);

        events.clear();
        let third = walks.begin();
        walks.queued(Some(third));
        walks.applied(Some(third), false, &mut events);
        assert!(events.is_empty(), "no disconnect since the last walk: {events:?}");
    }
}
