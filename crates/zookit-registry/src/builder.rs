//! The helper's options, and connecting: one builder for the async and the
//! blocking helper.

use std::time::Duration;

use tracing::warn;
use zookit::Client;

use crate::live::callbacks::Runner;
use crate::{Error, Result, ZooKeeper};

/// The environment variable holding the default connection string.
pub const CONNECTION_STRING_ENV: &str = "ZC_ZK_CONNECTION_STRING";
/// The connection string used when none is given and the environment
/// variable is not set.
pub const DEFAULT_CONNECTION_STRING: &str = "127.0.0.1:2181";

/// Options for [`ZooKeeper::builder`], and in its blocking mode for
/// [`blocking::ZooKeeper::builder`](crate::blocking::ZooKeeper::builder):
/// one set of options for both helpers, as zookit's
/// [`ClientBuilder`](zookit::ClientBuilder) is for both clients.
#[derive(Debug, Default)]
pub struct ZooKeeperBuilder<M = zookit::Async> {
    hosts: Option<String>,
    session_timeout: Option<Duration>,
    wait: Option<Duration>,
    client: Option<zookit::ClientBuilder<M>>,
}

/// The kind of client a helper of each mode has.
pub(crate) trait Mode: Sized {
    /// The client options for the servers in `hosts`.
    fn client_builder(hosts: String) -> zookit::ClientBuilder<Self>;
}

impl Mode for zookit::Async {
    fn client_builder(hosts: String) -> zookit::ClientBuilder<Self> {
        Client::builder(hosts)
    }
}

impl Mode for zookit::blocking::Blocking {
    fn client_builder(hosts: String) -> zookit::ClientBuilder<Self> {
        zookit::blocking::Client::builder(hosts)
    }
}

impl<M> ZooKeeperBuilder<M> {
    /// The connection string (default: `$ZC_ZK_CONNECTION_STRING`, else
    /// `127.0.0.1:2181`), optionally with a chroot.
    pub fn hosts(mut self, hosts: impl Into<String>) -> Self {
        self.hosts = Some(hosts.into());
        self
    }

    /// The session timeout to ask for (default: the client's, 10 s).
    pub fn session_timeout(mut self, timeout: Duration) -> Self {
        self.session_timeout = Some(timeout);
        self
    }

    /// Every other client option (credentials, TLS, SASL, timeouts, and for
    /// the blocking helper the command timeout): the helper's client is
    /// built from `client` (with the connection string of
    /// [`hosts`](Self::hosts), if one is set, and the
    /// [`session_timeout`](Self::session_timeout), if one is set). The
    /// helper's `close` closes it.
    pub fn client(mut self, client: zookit::ClientBuilder<M>) -> Self {
        self.client = Some(client);
        self
    }

    /// Keep trying to connect until `limit` has passed, instead of failing
    /// after the first attempt (zc.zk's `wait=True`, bounded): each attempt
    /// waits up to the client's connection timeout (15 s unless set on
    /// [`client`](Self::client)), and while the limit has not passed, a new
    /// one starts a second after a failed one (or at the limit, if sooner).
    /// Connecting thus fails after the limit and before the limit plus one
    /// connection timeout. Every failed attempt is logged.
    pub fn wait(mut self, limit: Duration) -> Self {
        self.wait = Some(limit);
        self
    }

    /// The client's options, with the connection string and the session
    /// timeout applied, and the wait.
    pub(crate) fn into_parts(self) -> (zookit::ClientBuilder<M>, Option<Duration>)
    where
        M: Mode,
    {
        let mut builder = match (self.hosts, self.client) {
            (Some(hosts), Some(client)) => client.hosts(hosts),
            (Some(hosts), None) => M::client_builder(hosts),
            (None, Some(client)) => client,
            (None, None) => M::client_builder(default_connection_string()),
        };
        if let Some(timeout) = self.session_timeout {
            builder = builder.session_timeout(timeout);
        }
        (builder, self.wait)
    }
}

impl ZooKeeperBuilder {
    /// Connects. Fails with [`Error::FailedConnect`] if no session can be had
    /// (within the wait, if one was set).
    pub async fn connect(self) -> Result<ZooKeeper> {
        let (builder, wait) = self.into_parts();
        let hosts = builder.connect_string().to_owned();
        let client = builder
            .build()
            .map_err(|cause| Error::FailedConnect { hosts: hosts.clone(), cause })?;
        start_session(&client, hosts, wait).await?;
        Ok(ZooKeeper::new(client, true, Runner::InPlace))
    }
}

/// The pause between two attempts to connect.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// Starts the session of `client` (of the servers in `hosts`): one attempt,
/// or with `wait`, attempts until the wait has passed (see
/// [`ZooKeeperBuilder::wait`]).
pub(crate) async fn start_session(
    client: &Client,
    hosts: String,
    wait: Option<Duration>,
) -> Result<()> {
    let deadline = wait.map(|wait| tokio::time::Instant::now() + wait);
    loop {
        match client.start().await {
            Ok(()) => return Ok(()),
            Err(cause) => {
                let now = tokio::time::Instant::now();
                match deadline {
                    Some(deadline) if now < deadline => {
                        warn!(%hosts, error = %cause, "can't connect to ZooKeeper yet; trying again");
                        tokio::time::sleep(RETRY_PAUSE.min(deadline - now)).await;
                    }
                    _ => return Err(Error::FailedConnect { hosts, cause }),
                }
            }
        }
    }
}

/// `$ZC_ZK_CONNECTION_STRING`, else `127.0.0.1:2181`.
pub fn default_connection_string() -> String {
    std::env::var(CONNECTION_STRING_ENV).unwrap_or_else(|_| DEFAULT_CONNECTION_STRING.to_owned())
}
