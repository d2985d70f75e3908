//! A value that changes over time: its current value (to check, or to wait
//! for a condition on) and every change in order (to subscribers).
//!
//! The recipes publish their states through it: a `watch` channel alone
//! would let a quick `Suspended` → `Acquired` flap go unseen, and a holder
//! must be able to see every suspension.

use std::sync::{Mutex, MutexGuard};

use tokio::sync::{mpsc, watch};

use crate::sync::locked;

/// The current value and the subscribers to its changes.
#[derive(Debug)]
pub(crate) struct Signal<T> {
    current: watch::Sender<T>,
    subscribers: Mutex<Vec<mpsc::UnboundedSender<T>>>,
}

impl<T: Copy + PartialEq + Send + Sync + 'static> Signal<T> {
    pub(crate) fn new(initial: T) -> Self {
        Self { current: watch::channel(initial).0, subscribers: Mutex::new(Vec::new()) }
    }

    fn subscribers(&self) -> MutexGuard<'_, Vec<mpsc::UnboundedSender<T>>> {
        locked(&self.subscribers)
    }

    /// The current value.
    pub(crate) fn get(&self) -> T {
        *self.current.borrow()
    }

    /// Sets the value; subscribers are told if it changed. Returns whether
    /// it changed.
    pub(crate) fn set(&self, value: T) -> bool {
        // Under the subscribers' lock, so that every subscriber sees the
        // changes in the order they were made.
        let mut subscribers = self.subscribers();
        if *self.current.borrow() == value {
            return false;
        }
        self.current.send_replace(value);
        subscribers.retain(|s| s.send(value).is_ok());
        true
    }

    /// A receiver of the current value, to wait for a condition on it.
    pub(crate) fn watch(&self) -> watch::Receiver<T> {
        self.current.subscribe()
    }

    /// Every change from now on, in order. Ends when the signal is dropped.
    pub(crate) fn subscribe(&self) -> mpsc::UnboundedReceiver<T> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let mut subscribers = self.subscribers();
        subscribers.retain(|s| !s.is_closed());
        subscribers.push(sender);
        receiver
    }

    /// Resolves with the first value, from now on, that satisfies
    /// `condition`: the current one, or a later one however briefly it
    /// lasted (a `watch` would miss a quick flap). `None` if the signal is
    /// dropped first.
    pub(crate) fn first<C>(
        &self,
        condition: C,
    ) -> impl Future<Output = Option<T>> + Send + use<T, C>
    where
        C: Fn(T) -> bool + Send + 'static,
    {
        let mut changes = self.subscribe();
        let current = self.get();
        async move {
            if condition(current) {
                return Some(current);
            }
            while let Some(value) = changes.recv().await {
                if condition(value) {
                    return Some(value);
                }
            }
            None
        }
    }
}

/// Waits until `receiver`'s value satisfies `condition`, and returns it.
/// `None` if the signal is dropped first.
pub(crate) async fn wait_for<T: Copy>(
    receiver: &mut watch::Receiver<T>,
    mut condition: impl FnMut(T) -> bool,
) -> Option<T> {
    receiver.wait_for(|value| condition(*value)).await.ok().map(|value| *value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_see_every_change_in_order() {
        let signal = Signal::new(0);
        let mut changes = signal.subscribe();
        assert!(signal.set(1));
        assert!(!signal.set(1), "no change, nothing sent");
        assert!(signal.set(2));
        assert!(signal.set(1));
        assert_eq!(signal.get(), 1);
        assert_eq!(changes.recv().await, Some(1));
        assert_eq!(changes.recv().await, Some(2));
        assert_eq!(changes.recv().await, Some(1));
        let mut current = signal.watch();
        assert_eq!(wait_for(&mut current, |v| v == 1).await, Some(1));
        let flap = signal.first(|v| v == 3);
        signal.set(3);
        signal.set(1);
        assert_eq!(flap.await, Some(3), "seen however briefly it lasted");
        assert_eq!(signal.first(|v| v == 1).await, Some(1), "the current value");
        assert_eq!(changes.recv().await, Some(3));
        assert_eq!(changes.recv().await, Some(1));
        drop(signal);
        assert_eq!(changes.recv().await, None);
    }
}
