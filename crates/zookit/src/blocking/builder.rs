//! Configuring a blocking client, and starting its threads.

use std::time::Duration;

use zookit_proto::Acl;

use super::CallbackThread;
use super::client::{Client, Settings};
use super::runtime::{RuntimeThread, refuse_within_runtime, run_on};
use crate::{Result, RetryPolicy};

/// Configures a blocking [`Client`]: every option of the async
/// [`crate::ClientBuilder`], and the [`command_timeout`](Self::command_timeout).
/// Made by [`Client::builder`].
///
/// ```no_run
/// use std::time::Duration;
/// use zookit::blocking::Client;
///
/// # fn example() -> zookit::Result<()> {
/// let client = Client::builder("zk1:2181,zk2:2181,zk3:2181/my-app")
///     .session_timeout(Duration::from_secs(15))
///     .command_timeout(Duration::from_secs(20))
///     .connect()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    inner: crate::ClientBuilder,
    settings: Settings,
}

impl ClientBuilder {
    /// A builder for the servers in `hosts`; see [`crate::ClientBuilder::new`].
    pub fn new(hosts: impl Into<String>) -> Self {
        Self {
            inner: crate::ClientBuilder::new(hosts),
            // The async builder's defaults, which it does not expose.
            settings: Settings {
                command_timeout: None,
                session_timeout: Duration::from_secs(10),
                connection_timeout: Duration::from_secs(15),
                command_retry: RetryPolicy::new(),
            },
        }
    }

    /// The session timeout to ask for (default 10 s); see
    /// [`crate::ClientBuilder::session_timeout`].
    pub fn session_timeout(mut self, timeout: Duration) -> Self {
        self.settings.session_timeout = timeout;
        self.inner = self.inner.session_timeout(timeout);
        self
    }

    /// How long [`connect`](Self::connect) and [`Client::restart`] wait for
    /// a session (default 15 s).
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connection_timeout = timeout;
        self.inner = self.inner.connection_timeout(timeout);
        self
    }

    /// How long each blocking call waits for its answer before it fails
    /// with [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) (the
    /// operation may or may not have been applied then). Default: twice the
    /// session timeout (the granted one once connected), at least 5 s, which
    /// outlasts the wait of a request made while disconnected.
    ///
    /// `start`, `connect` and `restart` wait for their own timeout plus
    /// this one; [`Client::retry`] bounds each try, not the whole.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.settings.command_timeout = Some(timeout);
        self
    }

    /// Whether a read-only server is acceptable (default no); see
    /// [`crate::ClientBuilder::read_only`].
    pub fn read_only(mut self, allowed: bool) -> Self {
        self.inner = self.inner.read_only(allowed);
        self
    }

    /// Whether to try the servers in random order (default yes).
    pub fn randomize_hosts(mut self, randomize: bool) -> Self {
        self.inner = self.inner.randomize_hosts(randomize);
        self
    }

    /// Credentials sent on every connection, such as `("digest",
    /// "user:password")`.
    pub fn auth(mut self, scheme: impl Into<String>, credential: impl AsRef<[u8]>) -> Self {
        self.inner = self.inner.auth(scheme, credential);
        self
    }

    /// The ACL of every znode created without one (default: open to the
    /// world).
    pub fn default_acl(mut self, acl: Vec<Acl>) -> Self {
        self.inner = self.inner.default_acl(acl);
        self
    }

    /// Resumes an existing session, from [`Client::client_id`] of another
    /// client.
    pub fn session(mut self, session_id: i64, password: impl AsRef<[u8]>) -> Self {
        self.inner = self.inner.session(session_id, password);
        self
    }

    /// The back-off between rounds of connection attempts; see
    /// [`crate::ClientBuilder::connection_retry`].
    pub fn connection_retry(mut self, policy: RetryPolicy) -> Self {
        self.inner = self.inner.connection_retry(policy);
        self
    }

    /// The policy of [`Client::retry`] (default: kazoo's `KazooRetry()`).
    pub fn command_retry(mut self, policy: RetryPolicy) -> Self {
        self.settings.command_retry = policy.clone();
        self.inner = self.inner.command_retry(policy);
        self
    }

    /// The largest request to send; see
    /// [`crate::ClientBuilder::max_request_len`].
    pub fn max_request_len(mut self, len: usize) -> Self {
        self.inner = self.inner.max_request_len(len);
        self
    }

    /// The largest reply frame to accept (default: 1 MiB plus headroom).
    pub fn max_frame_len(mut self, len: usize) -> Self {
        self.inner = self.inner.max_frame_len(len);
        self
    }

    /// The `tracing` span the client's logs are recorded in (default
    /// `zookit`).
    pub fn span(mut self, span: tracing::Span) -> Self {
        self.inner = self.inner.span(span);
        self
    }

    /// Creates the client without connecting; [`Client::start`] connects.
    /// Starts the client's background thread, and the async client on it.
    ///
    /// Fails with [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
    /// within an async runtime: use [`crate::ClientBuilder::build`] there.
    pub fn build(self) -> Result<Client> {
        refuse_within_runtime("build")?;
        let runtime = RuntimeThread::start()?;
        let callbacks = CallbackThread::start()?;
        let bound = self.settings.command_timeout(None);
        let builder = self.inner;
        // The async client spawns its tasks on the runtime it is made in.
        let client = run_on(runtime.handle(), bound, "build", "", async move { builder.build() })?;
        Ok(Client::new(client, runtime, callbacks, self.settings))
    }

    /// Creates the client and starts its session, waiting up to the
    /// connection timeout.
    pub fn connect(self) -> Result<Client> {
        refuse_within_runtime("connect")?;
        let timeout = self.settings.connection_timeout;
        let client = self.build()?;
        client.start(timeout)?;
        Ok(client)
    }
}
