//! One client port's controls, which its listener and connections follow:
//! closing it, dropping its connections, stalling them.

use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// What a client port's connections are told.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PortSignal {
    /// The port is closing: its listener and every connection end.
    pub(crate) closed: bool,
    /// Bumped to drop every connection open at that moment.
    pub(crate) drops: u64,
    /// While set, connections neither read nor write (a black hole).
    pub(crate) stalled: bool,
}

/// A client port: plain or TLS, and its signal.
pub(crate) struct PortControl {
    pub(crate) tls: Option<TlsAcceptor>,
    signal: watch::Sender<PortSignal>,
}

impl std::fmt::Debug for PortControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortControl")
            .field("tls", &self.tls.is_some())
            .field("signal", &*self.signal.borrow())
            .finish()
    }
}

impl PortControl {
    pub(crate) fn new(tls: Option<TlsAcceptor>) -> Self {
        Self { tls, signal: watch::Sender::new(PortSignal::default()) }
    }

    pub(crate) fn subscribe(&self) -> PortWatch {
        let rx = self.signal.subscribe();
        let drops = rx.borrow().drops;
        PortWatch { rx, drops }
    }

    pub(crate) fn close(&self) {
        self.signal.send_modify(|s| s.closed = true);
    }

    pub(crate) fn drop_connections(&self) {
        self.signal.send_modify(|s| s.drops += 1);
    }

    pub(crate) fn set_stalled(&self, stalled: bool) {
        self.signal.send_modify(|s| s.stalled = stalled);
    }
}

/// A connection's view of its port's signal.
#[derive(Clone, Debug)]
pub(crate) struct PortWatch {
    rx: watch::Receiver<PortSignal>,
    /// The drop count when the connection began.
    drops: u64,
}

impl PortWatch {
    fn must_end(&self, signal: &PortSignal) -> bool {
        signal.closed || signal.drops != self.drops
    }

    /// Resolves once this connection must end (its port closed, or its
    /// connections dropped).
    pub(crate) async fn ended(&mut self) {
        let drops = self.drops;
        let _ = self.rx.wait_for(|s| s.closed || s.drops != drops).await;
    }

    /// Resolves once the port closes.
    pub(crate) async fn closed(&mut self) {
        let _ = self.rx.wait_for(|s| s.closed).await;
    }

    /// Resolves once the port is not stalled, or the connection must end.
    pub(crate) async fn flowing(&mut self) {
        let drops = self.drops;
        let _ = self.rx.wait_for(|s| !s.stalled || s.closed || s.drops != drops).await;
    }

    /// Whether the connection must end now.
    pub(crate) fn is_ended(&self) -> bool {
        self.must_end(&self.rx.borrow())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn drops_end_only_the_connections_open_then() {
        let port = PortControl::new(None);
        let mut old = port.subscribe();
        port.drop_connections();
        assert!(old.is_ended());
        tokio::time::timeout(Duration::from_secs(5), old.ended()).await.unwrap();
        let mut new = port.subscribe();
        assert!(!new.is_ended());
        port.set_stalled(true);
        let stalled = tokio::time::timeout(Duration::from_millis(20), new.flowing()).await;
        assert!(stalled.is_err(), "a stalled port does not flow");
        port.set_stalled(false);
        tokio::time::timeout(Duration::from_secs(5), new.flowing()).await.unwrap();
        port.close();
        tokio::time::timeout(Duration::from_secs(5), new.ended()).await.unwrap();
    }
}
