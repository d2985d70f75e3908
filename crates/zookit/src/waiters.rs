//! Whoever waits on the session, as the driver keeps them: the senders of
//! replies, of answers to credentials and of watch events, under the tokens
//! and watcher ids the session knows them by (the session itself holds no
//! channel; see `session::Output`).

use std::collections::{HashMap, VecDeque};

use tokio::sync::{mpsc, oneshot};
use zookit_proto::Response;

use crate::Result;
use crate::session::watches::WatchRequest;
use crate::session::{Output, Token};
use crate::watch::WatchedEvent;

/// Where a watcher's events go.
#[derive(Debug)]
pub(crate) enum WatchSender {
    /// A one-shot watch: one event.
    Once(oneshot::Sender<WatchedEvent>),
    /// A persistent watch: events until removed or the session ends.
    Stream(mpsc::UnboundedSender<WatchedEvent>),
}

impl WatchSender {
    /// Whether the watcher's handle is gone.
    fn is_closed(&self) -> bool {
        match self {
            Self::Once(sender) => sender.is_closed(),
            Self::Stream(sender) => sender.is_closed(),
        }
    }
}

/// A watch a request asks for: what the session knows of it, and where its
/// events go once it is set.
#[derive(Debug)]
pub(crate) struct Registration {
    pub(crate) request: WatchRequest,
    pub(crate) sender: WatchSender,
}

enum Waiter {
    Reply { sender: oneshot::Sender<Result<Response>>, watch: Option<(u64, WatchSender)> },
    Auth(oneshot::Sender<Result<()>>),
}

/// The waiters of one driver.
#[derive(Default)]
pub(crate) struct Waiters {
    /// By token: tokens are handed out in order and mostly answered in
    /// order, so a queue indexed from `first` finds them without hashing.
    by_token: VecDeque<Option<Waiter>>,
    /// The token of the queue's front.
    first: Token,
    /// Watchers whose watch is set, by id.
    watchers: HashMap<u64, WatchSender>,
}

impl Waiters {
    /// A token for whoever waits for a reply (and a watch, if asked).
    pub(crate) fn reply(
        &mut self,
        sender: oneshot::Sender<Result<Response>>,
        watch: Option<(u64, WatchSender)>,
    ) -> Token {
        self.push(Waiter::Reply { sender, watch })
    }

    /// A token for whoever waits for the answer to credentials.
    pub(crate) fn auth(&mut self, sender: oneshot::Sender<Result<()>>) -> Token {
        self.push(Waiter::Auth(sender))
    }

    fn push(&mut self, waiter: Waiter) -> Token {
        let token = self.first + self.by_token.len() as u64;
        self.by_token.push_back(Some(waiter));
        token
    }

    fn take(&mut self, token: Token) -> Option<Waiter> {
        let index = usize::try_from(token.checked_sub(self.first)?).ok()?;
        let waiter = self.by_token.get_mut(index)?.take();
        while let Some(None) = self.by_token.front() {
            self.by_token.pop_front();
            self.first += 1;
        }
        waiter
    }

    /// Forgets watcher `id`: its handle was dropped.
    pub(crate) fn forget_watcher(&mut self, id: u64) {
        self.watchers.remove(&id);
    }

    /// Tells whoever waits what the session says. Returns the id of a
    /// watcher that was just set but whose handle is gone: the session
    /// must remove it.
    pub(crate) fn deliver(&mut self, output: Output) -> Option<u64> {
        match output {
            Output::Reply { token, result, registered } => {
                let Some(Waiter::Reply { sender, watch }) = self.take(token) else { return None };
                let mut unwanted = None;
                if let (true, Some((id, watcher))) = (registered, watch) {
                    if watcher.is_closed() {
                        unwanted = Some(id);
                    } else {
                        self.watchers.insert(id, watcher);
                    }
                }
                let _ = sender.send(result);
                unwanted
            }
            Output::Auth { token, result } => {
                if let Some(Waiter::Auth(sender)) = self.take(token) {
                    let _ = sender.send(result);
                }
                None
            }
            Output::Watch { id, event } => {
                let ended = event.is_terminal();
                match self.watchers.get(&id) {
                    Some(WatchSender::Stream(sender)) if !ended => {
                        let _ = sender.send(event);
                    }
                    Some(_) => {
                        // A one-shot watch fires once; every watch ends with
                        // the terminal event (a stream ends after it).
                        match self.watchers.remove(&id) {
                            Some(WatchSender::Once(sender)) => drop(sender.send(event)),
                            Some(WatchSender::Stream(sender)) => drop(sender.send(event)),
                            None => {}
                        }
                    }
                    None => {}
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use zookit_proto::{EventType, KeeperState};

    use super::*;
    use crate::Error;

    fn event(event_type: EventType) -> WatchedEvent {
        WatchedEvent { event_type, state: KeeperState::SyncConnected, path: Some("/a".into()) }
    }

    #[test]
    fn replies_reach_their_waiters_in_any_order() {
        let mut waiters = Waiters::default();
        let (a, mut a_rx) = oneshot::channel();
        let (b, mut b_rx) = oneshot::channel();
        let (c, mut c_rx) = oneshot::channel();
        let ta = waiters.reply(a, None);
        let tb = waiters.auth(b);
        let tc = waiters.reply(c, None);
        let lost = || Err(Error::from_code(zookit_proto::ErrorCode::ConnectionLoss));
        waiters.deliver(Output::Reply { token: tc, result: lost(), registered: false });
        waiters.deliver(Output::Auth { token: tb, result: Ok(()) });
        assert!(a_rx.try_recv().is_err(), "not answered yet");
        waiters.deliver(Output::Reply { token: ta, result: lost(), registered: false });
        assert!(a_rx.try_recv().unwrap().is_err());
        assert!(b_rx.try_recv().unwrap().is_ok());
        assert!(c_rx.try_recv().unwrap().is_err());
        assert!(waiters.by_token.is_empty(), "the queue drains");
        assert_eq!(waiters.first, 3);
        // A token answered twice, or unknown, is ignored.
        waiters.deliver(Output::Reply { token: ta, result: lost(), registered: false });
        waiters.deliver(Output::Auth { token: 99, result: Ok(()) });
    }

    #[test]
    fn a_set_watch_gets_its_events_and_ends_with_the_terminal_one() {
        let mut waiters = Waiters::default();
        let (reply, _reply_rx) = oneshot::channel();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let token = waiters.reply(reply, Some((7, WatchSender::Stream(tx))));
        let ok = Ok(Response::Empty);
        assert_eq!(waiters.deliver(Output::Reply { token, result: ok, registered: true }), None);
        waiters.deliver(Output::Watch { id: 7, event: event(EventType::NodeDataChanged) });
        waiters
            .deliver(Output::Watch { id: 7, event: WatchedEvent::terminal(KeeperState::Closed) });
        assert_eq!(rx.try_recv().unwrap().event_type, EventType::NodeDataChanged);
        assert!(rx.try_recv().unwrap().is_terminal());
        assert!(rx.try_recv().is_err(), "the stream ended");
        assert!(waiters.watchers.is_empty());
    }

    #[test]
    fn a_watch_set_after_its_handle_was_dropped_is_given_back_for_removal() {
        let mut waiters = Waiters::default();
        let (reply, _reply_rx) = oneshot::channel();
        let (tx, rx) = oneshot::channel();
        let token = waiters.reply(reply, Some((3, WatchSender::Once(tx))));
        drop(rx);
        let ok = Ok(Response::Empty);
        assert_eq!(waiters.deliver(Output::Reply { token, result: ok, registered: true }), Some(3));
        assert!(waiters.watchers.is_empty());

        // A watch not set (the request failed) is simply dropped.
        let (reply, _reply_rx) = oneshot::channel();
        let (tx, mut rx) = oneshot::channel();
        let token = waiters.reply(reply, Some((4, WatchSender::Once(tx))));
        let lost = Err(Error::from_code(zookit_proto::ErrorCode::ConnectionLoss));
        assert_eq!(waiters.deliver(Output::Reply { token, result: lost, registered: false }), None);
        assert!(rx.try_recv().is_err());
        assert!(waiters.watchers.is_empty());
    }
}
