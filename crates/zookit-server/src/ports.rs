//! The client ports of a server: several may serve one state (the data
//! tree and its sessions), each plain or TLS, and each may be closed,
//! opened again, have its connections dropped or stalled. Sessions
//! belong to the state, not to a port, so a client that loses its port
//! resumes its session on another, as on another member of an ensemble.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::core::Command;
use crate::error::Error;
use crate::net::port::PortControl;
use crate::net::{Shared, listener};

/// How a client port speaks: plain TCP, or TLS (the server's
/// [`Tls`](crate::Tls) settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// The ZooKeeper protocol over plain TCP (`clientPort`).
    Plain,
    /// The ZooKeeper protocol over TLS (`secureClientPort`).
    Tls,
}

/// One open client port.
struct OpenPort {
    addr: SocketAddr,
    transport: Transport,
    control: Arc<PortControl>,
    task: JoinHandle<()>,
}

/// Every client port of a server.
pub(crate) struct Ports {
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    open: Mutex<Vec<OpenPort>>,
}

impl std::fmt::Debug for Ports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ports").field("open", &self.list()).finish_non_exhaustive()
    }
}

impl Ports {
    pub(crate) fn new(shared: Arc<Shared>, tls: Option<TlsAcceptor>) -> Self {
        Self { shared, tls, open: Mutex::new(Vec::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<OpenPort>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Listens on `host:port` (port 0 picks one) and serves it; returns
    /// the address bound.
    pub(crate) async fn open(
        &self,
        host: &str,
        port: u16,
        transport: Transport,
    ) -> Result<SocketAddr, Error> {
        let tls = match transport {
            Transport::Plain => None,
            Transport::Tls => Some(self.tls.clone().ok_or_else(|| {
                Error::Config("a TLS client port needs the server's TLS settings".into())
            })?),
        };
        let addr = format!("{host}:{port}");
        let listener = TcpListener::bind((host, port))
            .await
            .map_err(|source| Error::Bind { addr: addr.clone(), source })?;
        let local = listener.local_addr().map_err(|source| Error::Bind { addr, source })?;
        let control = Arc::new(PortControl::new(tls));
        let task = tokio::spawn(listener::run(listener, self.shared.clone(), control.clone()));
        self.lock().push(OpenPort { addr: local, transport, control, task });
        Ok(local)
    }

    /// Closes the port at `addr`: it stops listening, its connections end
    /// (their sessions stay), and this returns once all are gone. False if
    /// no such port is open.
    pub(crate) async fn close(&self, addr: SocketAddr) -> bool {
        let port = {
            let mut open = self.lock();
            let Some(i) = open.iter().position(|p| p.addr == addr) else { return false };
            open.remove(i)
        };
        port.control.close();
        let _ = port.task.await;
        true
    }

    /// Applies `f` to the port at `addr`; false if none is open there.
    pub(crate) fn with(&self, addr: SocketAddr, f: impl FnOnce(&PortControl)) -> bool {
        let open = self.lock();
        open.iter().find(|p| p.addr == addr).map(|p| f(&p.control)).is_some()
    }

    /// The open ports, in the order they were opened.
    pub(crate) fn list(&self) -> Vec<(SocketAddr, Transport)> {
        self.lock().iter().map(|p| (p.addr, p.transport)).collect()
    }

    /// Expires session `id` now, as if its timeout had passed: its
    /// ephemerals go, its watches fire, its connection closes. False if no
    /// such session is alive.
    pub(crate) async fn expire_session(&self, id: i64) -> bool {
        let (reply, expired) = oneshot::channel();
        if self.shared.commands.send(Command::Expire { session: id, reply }).await.is_err() {
            return false;
        }
        expired.await.unwrap_or(false)
    }

    /// Waits for every listener to end (after shutdown).
    pub(crate) async fn join(&self) {
        let tasks: Vec<_> = self.lock().drain(..).map(|p| p.task).collect();
        for task in tasks {
            let _ = task.await;
        }
    }
}
