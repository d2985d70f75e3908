//! The client handle: its lifecycle, states and listeners, and the plumbing
//! every operation goes through. The operations themselves are in `ops`.

use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot, watch};
use tracing::Instrument;
use zookit_proto::{Acl, Encode, Request, Response, validate_path, validate_sequential_path};

use crate::chroot::Chroot;
use crate::driver::{Command, Driver};
use crate::hub::{Hub, ListenerId, Snapshot, StateChange};
use crate::retry::RetryPolicy;
use crate::session::watches::{WatchKind, WatchRequest};
use crate::session::{Session, SessionConfig};
use crate::state::{ClientState, State};
use crate::waiters::{Registration, WatchSender};
use crate::watch::{PersistentWatch, Watch, WatchGuard};
use crate::{ClientBuilder, Error, Result, TlsOptions};

/// A ZooKeeper client: one session, kept alive across reconnects, shared
/// by every clone of the handle.
///
/// Cloning is cheap; the session closes when the last clone is dropped (or
/// at once with [`stop`](Client::stop)). See the [crate documentation](crate)
/// for a walk-through.
#[derive(Clone)]
#[doc(alias("KazooClient", "CuratorFramework"))]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    commands: mpsc::UnboundedSender<Command>,
    dropped_watches: mpsc::UnboundedSender<u64>,
    snapshot: watch::Receiver<Snapshot>,
    hub: Arc<Hub>,
    options: ClientOptions,
    next_watch_id: AtomicU64,
    runtime: tokio::runtime::Handle,
}

/// What the client itself applies to operations.
pub(crate) struct ClientOptions {
    pub(crate) chroot: Chroot,
    pub(crate) default_acl: Vec<Acl>,
    pub(crate) command_retry: RetryPolicy,
    pub(crate) max_request_len: usize,
    pub(crate) connection_timeout: Duration,
    pub(crate) span: tracing::Span,
    /// Whether credentials are sent on connecting (checked by `start`).
    pub(crate) has_auth: bool,
    /// TLS, if the servers' secure ports are used.
    pub(crate) tls: Option<TlsOptions>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let snapshot = self.inner.snapshot.borrow();
        f.debug_struct("Client")
            .field("state", &snapshot.state)
            .field("client_state", &snapshot.client_state)
            .field("session_id", &snapshot.client_id.as_ref().map(|(id, _)| format!("{id:#x}")))
            .field("server", &snapshot.server)
            .finish()
    }
}

impl Client {
    /// A builder for a client of the servers in `hosts` (a kazoo-style
    /// connection string, `"host1:2181,host2:2181/optional/chroot"`).
    pub fn builder(hosts: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(hosts)
    }

    /// Connects to `hosts` with the default settings, waiting up to 15 s
    /// for a session.
    pub async fn connect(hosts: impl Into<String>) -> Result<Self> {
        ClientBuilder::new(hosts).connect().await
    }

    pub(crate) fn spawn(config: SessionConfig, options: ClientOptions) -> Result<Self> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::invalid_argument("a zookit client must be created within a Tokio runtime")
        })?;
        let (commands, command_receiver) = mpsc::unbounded_channel();
        let (dropped_watches, dropped_receiver) = mpsc::unbounded_channel();
        let (hub, dispatcher) = Hub::new();
        let hub = Arc::new(hub);
        let tls = options.tls.as_ref().map(TlsOptions::config).transpose()?;
        let now = tokio::time::Instant::now().into_std();
        let session = Session::new(config, now);
        let driver =
            Driver::new(session, command_receiver, dropped_receiver, Arc::clone(&hub), tls);
        runtime.spawn(driver.instrument(options.span.clone()));
        runtime.spawn(dispatcher.instrument(options.span.clone()));
        let snapshot = hub.snapshot();
        Ok(Self {
            inner: Arc::new(Inner {
                commands,
                dropped_watches,
                snapshot,
                hub,
                options,
                next_watch_id: AtomicU64::new(1),
                runtime,
            }),
        })
    }

    // ---- lifecycle ----

    /// Starts a session (a new one if one ran before) and waits until it is
    /// connected, for at most the builder's
    /// [`connection_timeout`](ClientBuilder::connection_timeout). If it is
    /// not connected in time, the client stops trying and the error says so.
    #[doc(alias("start_async"))]
    pub async fn start(&self) -> Result<()> {
        let timeout = self.inner.options.connection_timeout;
        let mut snapshot = self.inner.snapshot.clone();
        let (before, starts) = {
            let current = snapshot.borrow_and_update();
            (current.client_state, current.starts)
        };
        if before.is_connected() {
            return Ok(());
        }
        self.send(Command::Start)?;
        let connected = async {
            loop {
                {
                    let current = snapshot.borrow_and_update();
                    // States from before this start belong to the previous
                    // session; a start while connecting changes nothing.
                    if current.starts > starts || before == ClientState::Connecting {
                        match current.client_state {
                            ClientState::Connected | ClientState::ConnectedReadOnly => {
                                return Ok(());
                            }
                            ClientState::Expired => {
                                return Err(Error::from_code(
                                    zookit_proto::ErrorCode::SessionExpired,
                                ));
                            }
                            ClientState::AuthFailed => {
                                return Err(match &current.failure {
                                    Some(failure) => failure.duplicate(),
                                    None => Error::from_code(zookit_proto::ErrorCode::AuthFailed),
                                });
                            }
                            ClientState::Closed => return Err(Error::closed()),
                            ClientState::Connecting => {}
                        }
                    }
                }
                if snapshot.changed().await.is_err() {
                    return Err(Error::closed());
                }
            }
        };
        match tokio::time::timeout(timeout, connected).await {
            Ok(Ok(())) if self.inner.options.has_auth => {
                // The server answers the credentials before any later
                // request: one round trip tells whether it refused them.
                match self.exists("/").await {
                    Err(e) if e.is_auth_failed() => {
                        Err(Error::from_code(zookit_proto::ErrorCode::AuthFailed).with_op("start"))
                    }
                    _ => Ok(()),
                }
            }
            Ok(result) => result.map_err(|e| e.with_op("start")),
            Err(_) => {
                self.stop().await?;
                Err(Error::timeout(format!("no session within {timeout:?}")).with_op("start"))
            }
        }
    }

    /// Closes the session: its ephemeral nodes vanish at once and its
    /// watches end. Returns promptly, also while reconnecting. The client
    /// can be started again.
    pub async fn stop(&self) -> Result<()> {
        let (done, stopped) = oneshot::channel();
        if self.send(Command::Stop { done }).is_err() {
            return Ok(());
        }
        // The driver ends the close within a bounded wait; a driver that is
        // gone has nothing left to close.
        let _ = stopped.await;
        Ok(())
    }

    /// Stops the session and starts a new one.
    pub async fn restart(&self) -> Result<()> {
        self.stop().await?;
        self.start().await
    }

    /// Stops the session and releases this handle. (Other clones keep the
    /// client, stopped.)
    pub async fn close(self) -> Result<()> {
        self.stop().await
    }

    // ---- state ----

    /// The simple state: `Connected`, `Suspended` or `Lost`.
    pub fn state(&self) -> State {
        self.inner.snapshot.borrow().state
    }

    /// The raw client state.
    pub fn client_state(&self) -> ClientState {
        self.inner.snapshot.borrow().client_state
    }

    /// Whether the client is connected to a server.
    pub fn connected(&self) -> bool {
        self.client_state().is_connected()
    }

    /// The session's id and password, to resume it elsewhere with
    /// [`ClientBuilder::session`]. `None` before a server granted a session.
    pub fn client_id(&self) -> Option<(i64, Bytes)> {
        self.inner.snapshot.borrow().client_id.clone()
    }

    /// The session timeout the server granted (it governs pings, the read
    /// timeout and when a disconnected client reports `Lost`).
    pub fn session_timeout(&self) -> Option<Duration> {
        self.inner.snapshot.borrow().session_timeout
    }

    /// The server the client is connected to, as `host:port`.
    pub fn server(&self) -> Option<String> {
        self.inner.snapshot.borrow().server.clone()
    }

    /// The chroot every path is relative to, if any.
    pub fn chroot(&self) -> Option<&str> {
        self.inner.options.chroot.prefix()
    }

    /// Replaces the servers (kazoo's `set_hosts`), from a connection string
    /// such as `"zk4:2181,zk5:2181"`: the current connection stays, and the
    /// next one goes to a server of the new list (shuffled unless the
    /// builder said not to randomize). The chroot cannot change: a string
    /// with another chroot fails with
    /// [`InvalidConnectString`](crate::ErrorKind::InvalidConnectString). Pointing a
    /// client at another ensemble is undefined: its session is not there.
    pub fn set_hosts(&self, hosts: &str) -> Result<()> {
        let parsed = crate::ConnectString::parse(hosts)?;
        if parsed.chroot.as_deref() != self.chroot() {
            return Err(Error::invalid_connect_string(format!(
                "set_hosts cannot change the chroot ({:?} to {:?})",
                self.chroot().unwrap_or("/"),
                parsed.chroot.as_deref().unwrap_or("/"),
            )));
        }
        self.send(Command::SetHosts(parsed.hosts))
    }

    /// Calls `listener` with the state now (if the client has started), then
    /// with the new state on every change of the simple state, so a listener
    /// added after `connect` hears `Connected` at once. Listeners run on
    /// their own task, one after another: they must not block for long, but
    /// may call the client.
    pub fn add_listener(&self, listener: impl Fn(State) + Send + Sync + 'static) -> ListenerId {
        self.inner.hub.add_listener(Arc::new(listener))
    }

    /// Removes a listener; `false` if it was not there.
    pub fn remove_listener(&self, id: ListenerId) -> bool {
        self.inner.hub.remove_listener(id)
    }

    /// Every state change from now on, simple and raw, as a stream.
    pub fn state_changes(&self) -> StateChanges {
        StateChanges { receiver: self.inner.hub.subscribe() }
    }

    /// Runs `operation` with the client's command retry policy: again after
    /// a connection loss (kazoo's `client.retry`).
    ///
    /// ```no_run
    /// # async fn example(client: zookit::Client) -> zookit::Result<()> {
    /// let (data, stat) = client.retry(|| client.get("/config")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn retry<T, F, Fut>(&self, operation: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: IntoFuture<Output = Result<T>>,
    {
        self.inner.options.command_retry.run(operation).await
    }

    // ---- plumbing for the operations ----

    /// The Tokio runtime the client's driver and tasks run on (for code
    /// that spawns work of its own next to the client's).
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        &self.inner.runtime
    }

    /// How long [`ClientBuilder::connect`] waits for a session (the
    /// builder's [`connection_timeout`](ClientBuilder::connection_timeout)).
    pub fn connection_timeout(&self) -> Duration {
        self.inner.options.connection_timeout
    }

    /// A reference that does not keep the session alive. Listeners and
    /// callbacks that call the client should hold one (a `Client` captured
    /// by a listener keeps the session open for ever); the watch helpers
    /// and caches do.
    pub fn downgrade(&self) -> WeakClient {
        WeakClient { inner: Arc::downgrade(&self.inner), snapshot: self.inner.snapshot.clone() }
    }

    pub(crate) fn default_acl(&self) -> &[Acl] {
        &self.inner.options.default_acl
    }

    fn send(&self, command: Command) -> Result<()> {
        self.inner.commands.send(command).map_err(|_| Error::closed())
    }

    /// Validates a client path for `op` and returns the server path.
    pub(crate) fn server_path(&self, op: &'static str, path: &str) -> Result<String> {
        validate_path(path).map_err(|e| Error::invalid_path(e).with_op(op))?;
        Ok(self.inner.options.chroot.apply(path))
    }

    /// Validates a path for a sequential create and returns the server path.
    pub(crate) fn server_sequential_path(&self, op: &'static str, path: &str) -> Result<String> {
        validate_sequential_path(path).map_err(|e| Error::invalid_path(e).with_op(op))?;
        Ok(self.inner.options.chroot.apply(path))
    }

    /// The client path for a server path.
    pub(crate) fn client_path(&self, server_path: String) -> String {
        self.inner.options.chroot.strip_owned(server_path)
    }

    /// Refuses a request larger than the server accepts.
    pub(crate) fn check_size(&self, request: &Request) -> Result<()> {
        let len = 8 + request.encoded_len();
        let max = self.inner.options.max_request_len;
        if len > max {
            return Err(Error::invalid_argument(format!(
                "the request would be {len} bytes, over the server's limit of {max} (jute.maxbuffer)"
            )));
        }
        Ok(())
    }

    /// Sends `request` and waits for its answer; errors name `op` and `path`.
    pub(crate) async fn call(
        &self,
        op: &'static str,
        path: &str,
        request: Request,
    ) -> Result<Response> {
        self.call_watching(op, path, request, None).await
    }

    pub(crate) async fn call_watching(
        &self,
        op: &'static str,
        path: &str,
        request: Request,
        watch: Option<Registration>,
    ) -> Result<Response> {
        let context =
            |e: Error| if path.is_empty() { e.with_op(op) } else { e.with_op(op).with_path(path) };
        self.check_size(&request).map_err(context)?;
        let (reply, answer) = oneshot::channel();
        self.send(Command::Submit { request, reply, watch }).map_err(context)?;
        match answer.await {
            Ok(result) => result.map_err(context),
            Err(_) => Err(context(Error::closed())),
        }
    }

    /// A one-shot watch of `kind`: what to register, and the handle.
    pub(crate) fn one_shot_watch(&self, kind: WatchKind) -> (Registration, Watch) {
        let id = self.inner.next_watch_id.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = oneshot::channel();
        let guard = WatchGuard::new(id, self.inner.dropped_watches.clone());
        let watch = Watch::new(receiver, guard, self.inner.runtime.clone());
        let request = WatchRequest { id, kind };
        (Registration { request, sender: WatchSender::Once(sender) }, watch)
    }

    /// A persistent watch of `kind`: what to register, and the handle.
    pub(crate) fn persistent_watch(&self, kind: WatchKind) -> (Registration, PersistentWatch) {
        let id = self.inner.next_watch_id.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = mpsc::unbounded_channel();
        let guard = WatchGuard::new(id, self.inner.dropped_watches.clone());
        let request = WatchRequest { id, kind };
        (
            Registration { request, sender: WatchSender::Stream(sender) },
            PersistentWatch::new(receiver, guard),
        )
    }

    /// Adds credentials to the session; see [`Client::add_auth`].
    pub(crate) async fn add_auth_inner(&self, scheme: &str, credential: &[u8]) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        let command = Command::AddAuth {
            scheme: scheme.to_owned(),
            credential: Bytes::copy_from_slice(credential),
            reply,
        };
        let context = |e: Error| e.with_op("auth").with_path(scheme.to_owned());
        self.send(command).map_err(context)?;
        match answer.await {
            Ok(result) => result.map_err(context),
            Err(_) => Err(context(Error::closed())),
        }
    }
}

/// A [`Client`] that does not keep the session alive, from
/// [`Client::downgrade`].
#[derive(Clone)]
pub struct WeakClient {
    inner: std::sync::Weak<Inner>,
    snapshot: watch::Receiver<Snapshot>,
}

impl std::fmt::Debug for WeakClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeakClient").field("alive", &(self.inner.strong_count() > 0)).finish()
    }
}

impl WeakClient {
    /// The client, while some handle to it is alive.
    pub fn upgrade(&self) -> Option<Client> {
        self.inner.upgrade().map(|inner| Client { inner })
    }

    /// Waits until the session is connected (read-write or read-only).
    /// `Err(Closed)` once the client is gone.
    pub async fn wait_until_connected(&self) -> Result<()> {
        let mut snapshot = self.snapshot.clone();
        loop {
            if snapshot.borrow_and_update().client_state.is_connected() {
                return Ok(());
            }
            if self.inner.strong_count() == 0 || snapshot.changed().await.is_err() {
                return Err(Error::closed());
            }
        }
    }
}

/// A stream of the client's state changes, from [`Client::state_changes`].
#[must_use = "a stream does nothing unless polled"]
#[derive(Debug)]
pub struct StateChanges {
    receiver: mpsc::UnboundedReceiver<StateChange>,
}

impl StateChanges {
    /// The next change; `None` when the client is gone.
    pub async fn next(&mut self) -> Option<StateChange> {
        self.receiver.recv().await
    }

    /// Drops the changes received so far: a reader about to look at the
    /// tree (as the watch helpers do) has them covered by that read.
    pub(crate) fn discard_received(&mut self) {
        while self.receiver.try_recv().is_ok() {}
    }
}

impl futures_core::Stream for StateChanges {
    type Item = StateChange;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<StateChange>> {
        self.receiver.poll_recv(cx)
    }
}
