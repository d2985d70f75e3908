//! Configuring a client before it connects.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use zookit_proto::{Acl, DEFAULT_MAX_FRAME_LEN, Id, Perms};

use crate::chroot::Chroot;
use crate::client::Client;
use crate::hosts::ConnectString;
use crate::retry::RetryPolicy;
use crate::sasl::SaslCredentials;
use crate::session::SessionConfig;
use crate::tls::TlsOptions;
use crate::{Error, Result};

/// The largest request ZooKeeper accepts by default (`jute.maxbuffer`):
/// a znode's data must fit in it along with the request's other fields.
pub const DEFAULT_MAX_REQUEST_LEN: usize = 0xfffff;

/// Configures a client: servers, timeouts, credentials, ACLs, TLS, SASL and
/// retry policies. Made by [`Client::builder`] for the async client, and by
/// [`blocking::Client::builder`](crate::blocking::Client::builder) (or
/// [`blocking`](ClientBuilder::blocking)) for the blocking one: both take
/// every option below, from one set of options.
///
/// ```no_run
/// use std::time::Duration;
/// use zookit::Client;
///
/// # async fn example() -> zookit::Result<()> {
/// let client = Client::builder("zk1:2181,zk2:2181,zk3:2181/my-app")
///     .session_timeout(Duration::from_secs(15))
///     .auth("digest", "user:secret")
///     .read_only(true)
///     .connect()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[doc(alias("KazooClient", "CuratorFrameworkFactory"))]
pub struct ClientBuilder<M = Async> {
    pub(crate) options: Options,
    pub(crate) mode: M,
}

/// Marks a [`ClientBuilder`] of the async [`Client`] (the default; the
/// blocking one is [`blocking::Blocking`](crate::blocking::Blocking)).
#[derive(Clone, Copy, Debug, Default)]
pub struct Async;

/// Every option of a client, async or blocking.
#[derive(Clone)]
pub(crate) struct Options {
    hosts: String,
    pub(crate) session_timeout: Duration,
    pub(crate) connection_timeout: Duration,
    read_only: bool,
    randomize_hosts: bool,
    auth: Vec<(String, Bytes)>,
    default_acl: Vec<Acl>,
    resume: Option<(i64, Bytes)>,
    connection_retry: RetryPolicy,
    pub(crate) command_retry: RetryPolicy,
    max_request_len: usize,
    max_frame_len: usize,
    sasl: Option<SaslCredentials>,
    tls: Option<TlsOptions>,
    span: tracing::Span,
}

impl<M: fmt::Debug> fmt::Debug for ClientBuilder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.options;
        f.debug_struct("ClientBuilder")
            .field("hosts", &o.hosts)
            .field("session_timeout", &o.session_timeout)
            .field("connection_timeout", &o.connection_timeout)
            .field("read_only", &o.read_only)
            .field("randomize_hosts", &o.randomize_hosts)
            .field(
                "auth",
                &o.auth
                    .iter()
                    .map(|(scheme, _)| format!("{scheme}:<redacted>"))
                    .collect::<Vec<_>>(),
            )
            .field("default_acl", &o.default_acl)
            .field("resume", &o.resume.as_ref().map(|(id, _)| format!("{id:#x}")))
            .field("sasl", &o.sasl)
            .field("tls", &o.tls)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    /// A builder for a local server, [`DEFAULT_HOSTS`](crate::DEFAULT_HOSTS).
    fn default() -> Self {
        Self::new(crate::DEFAULT_HOSTS)
    }
}

impl ClientBuilder {
    /// A builder for the servers in `hosts`, a kazoo-style connection
    /// string: `"host1:2181,host2:2181,[::1]:2183/optional/chroot"`. No
    /// server (`""`, or `"/chroot"` alone) means
    /// [`DEFAULT_HOSTS`](crate::DEFAULT_HOSTS), as kazoo's default.
    pub fn new(hosts: impl Into<String>) -> Self {
        Self {
            options: Options {
                hosts: hosts.into(),
                session_timeout: Duration::from_secs(10),
                connection_timeout: Duration::from_secs(15),
                read_only: false,
                randomize_hosts: true,
                auth: Vec::new(),
                default_acl: vec![Acl::new(Perms::ALL, Id::anyone())],
                resume: None,
                connection_retry: RetryPolicy::new()
                    .max_tries(None)
                    .delay(Duration::from_millis(100))
                    .max_delay(Duration::from_secs(1)),
                command_retry: RetryPolicy::new(),
                max_request_len: DEFAULT_MAX_REQUEST_LEN,
                max_frame_len: DEFAULT_MAX_FRAME_LEN,
                sasl: None,
                tls: None,
                span: tracing::info_span!("zookit"),
            },
            mode: Async,
        }
    }

    /// The same options, for a [`blocking::Client`](crate::blocking::Client).
    pub fn blocking(self) -> ClientBuilder<crate::blocking::Blocking> {
        ClientBuilder { options: self.options, mode: crate::blocking::Blocking::default() }
    }

    /// Creates the client without connecting; [`Client::start`] connects.
    ///
    /// Must be called within a Tokio runtime: the client's driver is spawned
    /// on it.
    pub fn build(self) -> Result<Client> {
        self.options.build()
    }

    /// Creates the client and starts its session, waiting up to the
    /// connection timeout.
    pub async fn connect(self) -> Result<Client> {
        let client = self.build()?;
        client.start().await?;
        Ok(client)
    }
}

impl<M> ClientBuilder<M> {
    /// The connection string.
    pub fn connect_string(&self) -> &str {
        &self.options.hosts
    }

    /// Replaces the connection string.
    pub fn hosts(mut self, hosts: impl Into<String>) -> Self {
        self.options.hosts = hosts.into();
        self
    }

    /// The session timeout to ask for (default 10 s); the server may grant
    /// another within its bounds, and the granted one governs.
    pub fn session_timeout(mut self, timeout: Duration) -> Self {
        self.options.session_timeout = timeout;
        self
    }

    /// How long `connect` waits for a session (default 15 s).
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.options.connection_timeout = timeout;
        self
    }

    /// Whether a read-only server (a member cut off from its quorum) is
    /// acceptable (default no). Connected read-only, reads work, writes fail
    /// with `NotReadOnly`, and the client moves to a read-write server as
    /// soon as it finds one.
    pub fn read_only(mut self, allowed: bool) -> Self {
        self.options.read_only = allowed;
        self
    }

    /// Whether to try the servers in random order (default yes), which
    /// spreads clients over the ensemble.
    pub fn randomize_hosts(mut self, randomize: bool) -> Self {
        self.options.randomize_hosts = randomize;
        self
    }

    /// Credentials sent on every connection, such as `("digest",
    /// "user:password")`. `("sasl", "user:password")`, as in kazoo's
    /// `auth_data`, authenticates with SASL DIGEST-MD5 instead, like
    /// [`sasl`](Self::sasl).
    pub fn auth(mut self, scheme: impl Into<String>, credential: impl AsRef<[u8]>) -> Self {
        self.options.auth.push((scheme.into(), Bytes::copy_from_slice(credential.as_ref())));
        self
    }

    /// The ACL of every znode created without one (default: open to the
    /// world).
    pub fn default_acl(mut self, acl: Vec<Acl>) -> Self {
        self.options.default_acl = acl;
        self
    }

    /// Resumes an existing session, from [`Client::client_id`] of another
    /// client.
    pub fn session(mut self, session_id: i64, password: impl AsRef<[u8]>) -> Self {
        self.options.resume = Some((session_id, Bytes::copy_from_slice(password.as_ref())));
        self
    }

    /// The back-off between rounds of connection attempts over all servers
    /// (default: forever, from 100 ms doubling to 1 s).
    pub fn connection_retry(mut self, policy: RetryPolicy) -> Self {
        self.options.connection_retry = policy;
        self
    }

    /// The policy of [`Client::retry`] (default: kazoo's `KazooRetry()`).
    pub fn command_retry(mut self, policy: RetryPolicy) -> Self {
        self.options.command_retry = policy;
        self
    }

    /// The largest request to send (default [`DEFAULT_MAX_REQUEST_LEN`],
    /// the server's default `jute.maxbuffer`). Larger data is refused
    /// before it is sent. Raise it only with the servers' `jute.maxbuffer`.
    pub fn max_request_len(mut self, len: usize) -> Self {
        self.options.max_request_len = len;
        self
    }

    /// The largest reply frame to accept (default: 1 MiB plus headroom).
    pub fn max_frame_len(mut self, len: usize) -> Self {
        self.options.max_frame_len = len;
        self
    }

    /// SASL credentials (kazoo's `sasl_options`), used to authenticate every
    /// connection before anything else is sent; only DIGEST-MD5 is
    /// supported. A refusal ends the session with `AuthFailed`.
    pub fn sasl(mut self, credentials: SaslCredentials) -> Self {
        self.options.sasl = Some(credentials);
        self
    }

    /// Connects with TLS (kazoo's `use_ssl`), to the servers' secure client
    /// ports. Certificate files are read when the client is built; a
    /// certificate failure on every server ends the session with a
    /// [`Tls`](crate::ErrorKind::Tls) error naming the host and the cause.
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.options.tls = Some(tls);
        self
    }

    /// The `tracing` span the client's logs are recorded in (default
    /// `zookit`), for telling clients apart.
    pub fn span(mut self, span: tracing::Span) -> Self {
        self.options.span = span;
        self
    }
}

impl Options {
    /// Creates the async client (within a Tokio runtime).
    pub(crate) fn build(self) -> Result<Client> {
        let connect = ConnectString::parse(&self.hosts)?;
        if self.session_timeout.is_zero() {
            return Err(Error::invalid_argument("the session timeout must be positive"));
        }
        let chroot = Chroot::new(connect.chroot);
        let (sasl, auth): (Vec<_>, Vec<_>) =
            self.auth.into_iter().partition(|(scheme, _)| scheme == "sasl");
        let sasl = match sasl.last() {
            Some((_, credential)) => Some(SaslCredentials::from_credential(credential)?),
            None => self.sasl,
        };
        let has_auth = !auth.is_empty();
        let session = SessionConfig {
            hosts: connect.hosts,
            randomize_hosts: self.randomize_hosts,
            seed: rand::random(),
            chroot: chroot.clone(),
            session_timeout: self.session_timeout,
            read_only: self.read_only,
            auth,
            resume: self.resume,
            connection_retry: self.connection_retry,
            max_frame_len: self.max_frame_len,
            sasl,
        };
        Client::spawn(
            session,
            crate::client::ClientOptions {
                chroot,
                default_acl: self.default_acl,
                command_retry: self.command_retry,
                max_request_len: self.max_request_len,
                connection_timeout: self.connection_timeout,
                span: self.span,
                has_auth,
                tls: self.tls,
            },
        )
    }
}
