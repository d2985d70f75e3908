//! A running server, and its blocking form.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;

use tokio::runtime::Handle;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::error::Error;
use crate::ports::{Ports, Transport};

/// A running server. [`shutdown`](Server::shutdown) stops it; dropping it
/// stops it too, without waiting.
///
/// ```no_run
/// # async fn demo() -> Result<(), zookit_server::Error> {
/// let server = zookit_server::Server::builder().port(0).start().await?;
/// println!("serving on {}", server.addr());
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "the server stops when its handle is dropped"]
pub struct Server {
    pub(crate) addr: SocketAddr,
    pub(crate) secure_addr: Option<SocketAddr>,
    pub(crate) shutdown: watch::Sender<bool>,
    /// Why the server stopped by itself, once it has.
    pub(crate) failure: watch::Receiver<Option<String>>,
    pub(crate) tasks: Vec<JoinHandle<()>>,
    pub(crate) ports: Arc<Ports>,
}

impl Server {
    /// The address the server listens on (with the port it picked for
    /// port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A connection string for clients: `host:port`.
    pub fn connect_string(&self) -> String {
        self.addr.to_string()
    }

    /// Waits until the server stops by itself because it cannot go on —
    /// its transaction log could not be written — and says why
    /// ([`Error::Stopped`]). Never returns while the server is well.
    ///
    /// ```no_run
    /// # async fn demo(server: zookit_server::Server) {
    /// let why = server.failed().await;
    /// eprintln!("{why}");
    /// # }
    /// ```
    pub async fn failed(&self) -> Error {
        let mut failure = self.failure.clone();
        match failure.wait_for(Option::is_some).await {
            Ok(reason) => Error::Stopped(reason.clone().unwrap_or_default()),
            // The server is gone without failing: nothing to report, ever.
            Err(_) => std::future::pending().await,
        }
    }

    /// The address of the TLS client port, if one was configured
    /// ([`ServerBuilder::secure_port`](crate::ServerBuilder::secure_port)).
    pub fn secure_addr(&self) -> Option<SocketAddr> {
        self.secure_addr
    }

    /// Opens another client port on the same state (the same tree and
    /// sessions): port 0 of `addr` picks a free one. Returns the address
    /// bound. A [`Transport::Tls`] port needs the server's
    /// [`Tls`](crate::Tls) settings.
    ///
    /// Several ports over one state are how zookit-testing simulates the
    /// members of an ensemble in one process.
    pub async fn open_client_port(
        &self,
        addr: SocketAddr,
        transport: Transport,
    ) -> Result<SocketAddr, Error> {
        self.ports.open(&addr.ip().to_string(), addr.port(), transport).await
    }

    /// Closes the client port at `addr`: it stops listening (connecting
    /// is refused) and its connections are closed; their sessions live on
    /// until they expire or resume elsewhere. Returns once the port and
    /// its connections are gone; false if no port is open at `addr`. It
    /// may be opened again with [`open_client_port`](Self::open_client_port).
    pub async fn close_client_port(&self, addr: SocketAddr) -> bool {
        self.ports.close(addr).await
    }

    /// Closes every connection of the client port at `addr`, which keeps
    /// listening; false if no port is open there.
    pub fn drop_connections(&self, addr: SocketAddr) -> bool {
        self.ports.with(addr, |port| port.drop_connections())
    }

    /// Stalls (or, with `false`, resumes) the connections of the client
    /// port at `addr`: while stalled nothing is read from or written to
    /// them, new ones included, and their sessions' clocks run on, as
    /// behind a network partition. False if no port is open there.
    pub fn stall_client_port(&self, addr: SocketAddr, stalled: bool) -> bool {
        self.ports.with(addr, |port| port.set_stalled(stalled))
    }

    /// The open client ports, in the order they were opened.
    pub fn client_ports(&self) -> Vec<(SocketAddr, Transport)> {
        self.ports.list()
    }

    /// Expires session `id` now, as if its timeout had passed: its
    /// ephemeral znodes are deleted, watches fire, and its connection is
    /// closed, so its client learns it is expired. False if no such
    /// session is alive.
    pub async fn expire_session(&self, id: i64) -> bool {
        self.ports.expire_session(id).await
    }

    /// Stops accepting, closes every connection and waits until all of the
    /// server's tasks have ended. In memory, sessions and znodes are gone
    /// with it; with a data directory, they are there when it starts again.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        self.ports.join().await;
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// A server running on its own threads, for code without an async
/// runtime (started by [`ServerBuilder::start_blocking`](crate::ServerBuilder::start_blocking)). Dropping it
/// stops it and waits for it.
///
/// ```no_run
/// let server = zookit_server::Server::builder().port(0).start_blocking()?;
/// let connect = server.connect_string(); // give this to a client
/// # let _ = connect;
/// server.shutdown();
/// # Ok::<(), zookit_server::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "the server stops when its handle is dropped"]
pub struct BlockingServer {
    addr: SocketAddr,
    secure_addr: Option<SocketAddr>,
    runtime: Handle,
    ports: Arc<Ports>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

/// What the server thread reports once serving.
type Started = (SocketAddr, Option<SocketAddr>, Handle, Arc<Ports>);

impl BlockingServer {
    /// Runs `start` (a builder's) on a runtime of its own thread, and
    /// returns once the server serves.
    pub(crate) fn start(
        start: impl Future<Output = Result<Server, Error>> + Send + 'static,
    ) -> Result<Self, Error> {
        let (started, start_result) = std::sync::mpsc::channel::<Result<Started, Error>>();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("zookit-server".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .thread_name("zookit-server-worker")
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = started.send(Err(Error::Runtime(e)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match start.await {
                        Ok(server) => {
                            let report = (
                                server.addr,
                                server.secure_addr,
                                Handle::current(),
                                server.ports.clone(),
                            );
                            let _ = started.send(Ok(report));
                            // Until stopped, or the handle is gone.
                            let _ = stopped.await;
                            server.shutdown().await;
                        }
                        Err(e) => {
                            let _ = started.send(Err(e));
                        }
                    }
                });
            })
            .map_err(Error::Runtime)?;
        match start_result.recv() {
            Ok(Ok((addr, secure_addr, runtime, ports))) => Ok(Self {
                addr,
                secure_addr,
                runtime,
                ports,
                stop: Some(stop),
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(Error::Runtime(std::io::Error::other(
                    "the server thread ended before starting",
                )))
            }
        }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A connection string for clients: `host:port`.
    pub fn connect_string(&self) -> String {
        self.addr.to_string()
    }

    /// The address of the TLS client port, if one was configured.
    pub fn secure_addr(&self) -> Option<SocketAddr> {
        self.secure_addr
    }

    /// Runs `future` on the server's runtime and waits for it, from any
    /// thread, async or not. `None` if the server has stopped.
    fn wait<T: Send + 'static>(
        &self,
        future: impl Future<Output = T> + Send + 'static,
    ) -> Option<T> {
        let (done, result) = std::sync::mpsc::channel();
        self.runtime.spawn(async move {
            let _ = done.send(future.await);
        });
        result.recv().ok()
    }

    /// [`Server::open_client_port`], waiting.
    pub fn open_client_port(
        &self,
        addr: SocketAddr,
        transport: Transport,
    ) -> Result<SocketAddr, Error> {
        let ports = self.ports.clone();
        let host = addr.ip().to_string();
        self.wait(async move { ports.open(&host, addr.port(), transport).await })
            .unwrap_or_else(|| Err(Error::Runtime(std::io::Error::other("the server has stopped"))))
    }

    /// [`Server::close_client_port`], waiting.
    pub fn close_client_port(&self, addr: SocketAddr) -> bool {
        let ports = self.ports.clone();
        self.wait(async move { ports.close(addr).await }).unwrap_or(false)
    }

    /// [`Server::drop_connections`].
    pub fn drop_connections(&self, addr: SocketAddr) -> bool {
        self.ports.with(addr, |port| port.drop_connections())
    }

    /// [`Server::stall_client_port`].
    pub fn stall_client_port(&self, addr: SocketAddr, stalled: bool) -> bool {
        self.ports.with(addr, |port| port.set_stalled(stalled))
    }

    /// [`Server::client_ports`].
    pub fn client_ports(&self) -> Vec<(SocketAddr, Transport)> {
        self.ports.list()
    }

    /// [`Server::expire_session`], waiting.
    pub fn expire_session(&self, id: i64) -> bool {
        let ports = self.ports.clone();
        self.wait(async move { ports.expire_session(id).await }).unwrap_or(false)
    }

    /// Stops the server and waits until it has ended.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for BlockingServer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
