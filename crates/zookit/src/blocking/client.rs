//! The blocking client handle: lifecycle, states, listeners and the
//! plumbing every blocking operation goes through. The builder is in
//! `builder`; the operations are in `ops` and `write`.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::runtime::Handle;

use super::runtime::{RuntimeThread, refuse_within_runtime, run_on};
use super::watch::StateChanges;
use super::{CallbackThread, ClientBuilder};
use crate::{ClientState, ListenerId, Result, RetryPolicy, State};

/// The shortest default command timeout, whatever the session timeout.
const MIN_DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// A blocking ZooKeeper client: the async [`crate::Client`] run on a
/// background thread, with methods that block until their answer comes.
///
/// Cloning is cheap; the session closes and the background thread ends when
/// the last clone is dropped (or the session at once with
/// [`stop`](Client::stop)). See the [module documentation](super) for a
/// walk-through and how it works.
#[derive(Clone)]
#[doc(alias("KazooClient"))]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    client: crate::Client,
    runtime: RuntimeThread,
    callbacks: CallbackThread,
    settings: Settings,
}

/// What the builder settles for the blocking client itself.
#[derive(Clone, Debug)]
pub(super) struct Settings {
    /// The command timeout set on the builder, if any.
    pub(super) command_timeout: Option<Duration>,
    /// The session timeout asked for, until the server grants one.
    pub(super) session_timeout: Duration,
    pub(super) connection_timeout: Duration,
    pub(super) command_retry: RetryPolicy,
}

impl Settings {
    /// The command timeout: the one set, or twice the session timeout (the
    /// `granted` one once known), at least a few seconds.
    pub(super) fn command_timeout(&self, granted: Option<Duration>) -> Duration {
        self.command_timeout.unwrap_or_else(|| {
            granted
                .unwrap_or(self.session_timeout)
                .saturating_mul(2)
                .max(MIN_DEFAULT_COMMAND_TIMEOUT)
        })
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Close the session on the runtime, then stop the runtime.
        let client = self.client.clone();
        let bound = self.settings.command_timeout(None);
        self.runtime.shut_down(Box::pin(async move {
            if tokio::time::timeout(bound, client.stop()).await.is_err() {
                tracing::warn!("the session did not close within {bound:?}; dropped anyway");
            }
        }));
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("client", &self.inner.client)
            .field("command_timeout", &self.command_timeout())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A blocking client of `client`, which runs on `runtime`.
    pub(super) fn new(
        client: crate::Client,
        runtime: RuntimeThread,
        callbacks: CallbackThread,
        settings: Settings,
    ) -> Self {
        Self { inner: Arc::new(Inner { client, runtime, callbacks, settings }) }
    }

    /// A builder for a client of the servers in `hosts` (a kazoo-style
    /// connection string, `"host1:2181,host2:2181/optional/chroot"`).
    pub fn builder(hosts: impl Into<String>) -> ClientBuilder {
        crate::ClientBuilder::new(hosts).blocking()
    }

    /// Connects to `hosts` with the default settings, waiting up to 15 s
    /// for a session.
    pub fn connect(hosts: impl Into<String>) -> Result<Self> {
        Self::builder(hosts).connect()
    }

    // ---- lifecycle ----

    /// Starts a session (a new one if one ran before) and waits until it is
    /// connected, for at most the builder's connection timeout; see
    /// [`crate::Client::start`].
    pub fn start(&self) -> Result<()> {
        let client = self.async_client().clone();
        let bound = self.inner.settings.connection_timeout.saturating_add(self.command_timeout());
        run_on(self.runtime_handle(), bound, "start", "", async move { client.start().await })
    }

    /// Closes the session: its ephemeral nodes vanish at once and its
    /// watches end. The client can be started again. See
    /// [`crate::Client::stop`].
    pub fn stop(&self) -> Result<()> {
        let client = self.async_client().clone();
        self.run("stop", "", async move { client.stop().await })
    }

    /// Stops the session and starts a new one, waiting up to the connection
    /// timeout.
    pub fn restart(&self) -> Result<()> {
        let client = self.async_client().clone();
        let bound = self.inner.settings.connection_timeout.saturating_add(self.command_timeout());
        run_on(self.runtime_handle(), bound, "restart", "", async move { client.restart().await })
    }

    /// Stops the session and releases this handle. (Other clones keep the
    /// client, stopped.)
    pub fn close(self) -> Result<()> {
        self.stop()
    }

    // ---- state ----

    /// The simple state: `Connected`, `Suspended` or `Lost`. Never blocks.
    pub fn state(&self) -> State {
        self.inner.client.state()
    }

    /// The raw client state. Never blocks.
    pub fn client_state(&self) -> ClientState {
        self.inner.client.client_state()
    }

    /// Whether the client is connected to a server. Never blocks.
    pub fn connected(&self) -> bool {
        self.inner.client.connected()
    }

    /// The session's id and password; see [`crate::Client::client_id`].
    pub fn client_id(&self) -> Option<(i64, Bytes)> {
        self.inner.client.client_id()
    }

    /// Replaces the servers from the next connection on; see
    /// [`crate::Client::set_hosts`].
    pub fn set_hosts(&self, hosts: &str) -> Result<()> {
        self.inner.client.set_hosts(hosts)
    }

    /// The session timeout the server granted.
    pub fn session_timeout(&self) -> Option<Duration> {
        self.inner.client.session_timeout()
    }

    /// The server the client is connected to, as `host:port`.
    pub fn server(&self) -> Option<String> {
        self.inner.client.server()
    }

    /// The chroot every path is relative to, if any.
    pub fn chroot(&self) -> Option<&str> {
        self.inner.client.chroot()
    }

    /// How long a blocking call waits for its answer before it fails with
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout); see
    /// [`ClientBuilder::command_timeout`].
    pub fn command_timeout(&self) -> Duration {
        self.inner.settings.command_timeout(self.session_timeout())
    }

    /// Calls `listener` with the state now (if the client has started), then
    /// with the new state on every change of the simple state, on the
    /// client's callback thread (one after another, after the
    /// callbacks queued before): a listener may block and may call the
    /// client, even [`stop`](Self::stop). A listener holding a clone of the
    /// client keeps the client alive until it is removed.
    pub fn add_listener(&self, listener: impl Fn(State) + Send + Sync + 'static) -> ListenerId {
        let listener = Arc::new(listener);
        let callbacks = self.callbacks().clone();
        self.inner.client.add_listener(move |state| {
            let listener = Arc::clone(&listener);
            callbacks.run(Box::new(move || listener(state)));
        })
    }

    /// Removes a listener; `false` if it was not there. Calls already
    /// queued still run.
    pub fn remove_listener(&self, id: ListenerId) -> bool {
        self.inner.client.remove_listener(id)
    }

    /// Every state change from now on, simple and raw, as a blocking
    /// iterator.
    pub fn state_changes(&self) -> StateChanges {
        StateChanges::new(self.inner.client.state_changes())
    }

    /// Runs the blocking `operation` with the client's command retry policy:
    /// again after a connection loss (kazoo's `client.retry`), as
    /// [`crate::Client::retry`] and [`RetryPolicy::run`] do.
    ///
    /// ```no_run
    /// # fn example(client: zookit::blocking::Client) -> zookit::Result<()> {
    /// let (data, stat) = client.retry(|| client.get("/config"))?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn retry<T: Send + 'static>(&self, operation: impl FnMut() -> Result<T>) -> Result<T> {
        refuse_within_runtime("retry")?;
        super::retry::run(&self.inner.settings.command_retry, self.runtime_handle(), operation)
    }

    // ---- for code built on the async client ----

    /// The async client this blocking client runs: code written for
    /// [`crate::Client`] (recipes, caches) can be given it and run with
    /// [`block_on`](Self::block_on).
    pub fn async_client(&self) -> &crate::Client {
        &self.inner.client
    }

    /// Runs `future` on the client's runtime and waits for it, with no time
    /// bound of its own: the future must bound itself (or be cancellable).
    /// Fails, without running it, when called within an async runtime.
    pub fn block_on<T, E, F>(&self, future: F) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<crate::Error> + Send + 'static,
        F: Future<Output = std::result::Result<T, E>> + Send + 'static,
    {
        self.block_on_timeout("block_on", Duration::MAX, future)
    }

    /// Like [`block_on`](Self::block_on), waiting at most `timeout`: past
    /// it the future is dropped (what it did may or may not have been
    /// applied, as after a connection loss) and the call fails with
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) naming `op`. Code
    /// built on the async client bounds its blocking calls with this,
    /// usually by the [command timeout](Self::command_timeout).
    pub fn block_on_timeout<T, E, F>(
        &self,
        op: &'static str,
        timeout: Duration,
        future: F,
    ) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<crate::Error> + Send + 'static,
        F: Future<Output = std::result::Result<T, E>> + Send + 'static,
    {
        match run_on(self.runtime_handle(), timeout, op, "", async move { Ok(future.await) }) {
            Ok(result) => result,
            Err(err) => Err(E::from(err)),
        }
    }

    /// The thread this client runs listeners and watch functions on, one
    /// after another: code built on the async client runs its users'
    /// functions there too (with [`CallbackThread::call`]), so that they
    /// may block and call this client.
    pub fn callbacks(&self) -> &CallbackThread {
        &self.inner.callbacks
    }

    // ---- plumbing ----

    /// The runtime the async client runs on (on the background thread).
    pub(crate) fn runtime_handle(&self) -> &Handle {
        self.inner.runtime.handle()
    }

    /// Runs `future` on the runtime and waits for its output, at most the
    /// command timeout; errors name `op` and `path`.
    pub(crate) fn run<T, F>(&self, op: &'static str, path: &str, future: F) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        run_on(self.runtime_handle(), self.command_timeout(), op, path, future)
    }

    /// Like [`run`](Self::run), waiting at most `timeout`.
    pub(crate) fn run_for<T, F>(
        &self,
        op: &'static str,
        path: &str,
        timeout: Duration,
        future: F,
    ) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        run_on(self.runtime_handle(), timeout, op, path, future)
    }

    /// What an operation's future owns: the async client and the path.
    pub(crate) fn owned(&self, path: &str) -> (crate::Client, String) {
        (self.inner.client.clone(), path.to_owned())
    }

    /// A blocking handle of an async one-shot watch.
    pub(crate) fn watch(&self, watch: crate::Watch) -> super::Watch {
        super::Watch::new(watch, self.runtime_handle().clone(), self.callbacks().clone())
    }
}
