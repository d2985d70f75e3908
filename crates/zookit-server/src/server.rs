//! A running server, and its blocking form.

use std::net::SocketAddr;
use std::thread;

use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::builder::ServerBuilder;
use crate::error::Error;

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
    pub(crate) shutdown: watch::Sender<bool>,
    /// Why the server stopped by itself, once it has.
    pub(crate) failure: watch::Receiver<Option<String>>,
    pub(crate) tasks: Vec<JoinHandle<()>>,
}

impl Server {
    /// A builder with ZooKeeper's defaults.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

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

    /// Stops accepting, closes every connection and waits until all of the
    /// server's tasks have ended. In memory, sessions and znodes are gone
    /// with it; with a data directory, they are there when it starts again.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
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
/// runtime (started by [`ServerBuilder::start_blocking`]). Dropping it
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
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl BlockingServer {
    pub(crate) fn start(builder: ServerBuilder) -> Result<Self, Error> {
        let (started, start_result) = std::sync::mpsc::channel();
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
                    match builder.start().await {
                        Ok(server) => {
                            let _ = started.send(Ok(server.addr()));
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
            Ok(Ok(addr)) => Ok(Self { addr, stop: Some(stop), thread: Some(thread) }),
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
