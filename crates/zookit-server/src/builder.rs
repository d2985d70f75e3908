//! Configuring and starting a server.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::config::{Config, FOUR_LETTER_WORDS};
use crate::error::Error;
use crate::net::Shared;
use crate::net::tls::Tls;
use crate::ports::{Ports, Transport};
use crate::server::{BlockingServer, Server};

/// How many commands may wait for the state task before connections stop
/// reading (each holds one read's worth of requests).
const COMMAND_QUEUE: usize = 1024;

/// Configures a [`Server`]. The defaults are ZooKeeper's, but for the port
/// (`2181`), the host (`127.0.0.1`), every four-letter word enabled, and
/// TTL znodes enabled.
///
/// ```no_run
/// use std::time::Duration;
///
/// # async fn demo() -> Result<(), zookit_server::Error> {
/// let server = zookit_server::Server::builder()
///     .port(0) // any free port
///     .tick_time(Duration::from_millis(500))
///     .super_user("super", "secret")
///     .start()
///     .await?;
/// # let _ = server;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
#[must_use = "a builder does nothing until started"]
pub struct ServerBuilder {
    config: Config,
    error: Option<String>,
}

impl ServerBuilder {
    /// The port to listen on (default 2181); 0 picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.config.port = port;
        self
    }

    /// The host or address to listen on (default `127.0.0.1`).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.config.host = host.into();
        self
    }

    /// ZooKeeper's `tickTime` (default 2 s): session expiry is checked on
    /// its boundaries, and the default session timeouts are 2 and 20 ticks.
    pub fn tick_time(mut self, tick: Duration) -> Self {
        self.config.tick_time = tick;
        self
    }

    /// The smallest session timeout granted (default two ticks).
    pub fn min_session_timeout(mut self, timeout: Duration) -> Self {
        self.config.min_session_timeout = Some(timeout);
        self
    }

    /// The largest session timeout granted (default twenty ticks).
    pub fn max_session_timeout(mut self, timeout: Duration) -> Self {
        self.config.max_session_timeout = Some(timeout);
        self
    }

    /// The four-letter words answered (`4lw.commands.whitelist`); `"*"`
    /// stands for all. `srvr` is always answered. Default: all.
    pub fn four_letter_words<I, S>(mut self, words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut enabled = BTreeSet::new();
        for word in words {
            let word = word.as_ref().trim();
            if word == "*" {
                self.config.four_letter_words = None;
                return self;
            }
            if !FOUR_LETTER_WORDS.contains(&word) {
                self.error = Some(format!("unknown four-letter word {word:?}"));
            }
            enabled.insert(word.to_owned());
        }
        self.config.four_letter_words = Some(enabled);
        self
    }

    /// The digest super user, as ZooKeeper's
    /// `zookeeper.DigestAuthenticationProvider.superDigest`:
    /// `user:base64(sha1(user:password))`. A session that authenticates
    /// with `digest` as that user passes every ACL check.
    pub fn super_digest(mut self, digest: impl Into<String>) -> Self {
        self.config.super_digest = Some(digest.into());
        self
    }

    /// The digest super user, by name and password.
    pub fn super_user(mut self, user: &str, password: &str) -> Self {
        self.config.super_digest = Some(crate::state::digest(&format!("{user}:{password}")));
        self
    }

    /// The largest request accepted, in bytes (`jute.maxbuffer`, default
    /// 0xfffff); a longer frame closes the connection, as in ZooKeeper.
    pub fn jute_max_buffer(mut self, bytes: usize) -> Self {
        self.config.max_frame_len = bytes;
        self
    }

    /// How many replies and notifications may wait unsent for a connection
    /// (default 100,000) before the server closes it: a client that sends
    /// requests and never reads costs bounded memory.
    pub fn max_unsent_replies(mut self, replies: usize) -> Self {
        self.config.max_unsent_replies = replies;
        self
    }

    /// How many bytes may wait unsent for a connection (default 64 MiB)
    /// before the server closes it.
    pub fn max_unsent_bytes(mut self, bytes: usize) -> Self {
        self.config.max_unsent_bytes = bytes;
        self
    }

    /// How many connections may be open at once (default 60,000); more
    /// are closed as soon as accepted.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.config.max_connections = connections;
        self
    }

    /// How long a new connection may take to send its handshake (default
    /// 10 s, ZooKeeper's `zookeeper.nio.sessionlessCnxnTimeout`).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.config.handshake_timeout = timeout;
        self
    }

    /// How often empty containers and expired TTL znodes are deleted
    /// (`znode.container.checkIntervalMs`, default 60 s).
    pub fn container_check_interval(mut self, interval: Duration) -> Self {
        self.config.container_check_interval = interval;
        self
    }

    /// Whether TTL znodes may be created (`zookeeper.extendedTypesEnabled`;
    /// default true here). Without, `createTTL` answers `Unimplemented`.
    pub fn extended_types(mut self, enabled: bool) -> Self {
        self.config.extended_types = enabled;
        self
    }

    /// ZooKeeper's `reconfigEnabled` (default false): whether `reconfig`
    /// answers `Unimplemented` (a standalone server cannot reconfigure)
    /// rather than `ReconfigDisabled`.
    pub fn reconfig_enabled(mut self, enabled: bool) -> Self {
        self.config.reconfig_enabled = enabled;
        self
    }

    /// Keeps the tree and the sessions in `dir` (ZooKeeper's `dataDir`),
    /// created if missing: every write is in the transaction log before it
    /// is answered, and a server started again on the same directory
    /// recovers them (see the crate docs, *Durability*). Without one, the
    /// server is in memory.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), zookit_server::Error> {
    /// let server = zookit_server::Server::builder()
    ///     .port(0)
    ///     .data_dir("target/zk-data")
    ///     .start()
    ///     .await?;
    /// # let _ = server;
    /// # Ok(())
    /// # }
    /// ```
    pub fn data_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.config.persist.data_dir = Some(dir.into());
        self
    }

    /// Keeps the transaction logs in `dir` rather than in the data
    /// directory (ZooKeeper's `dataLogDir`), such as on a disk of their
    /// own; snapshots stay in the data directory. Only with
    /// [`data_dir`](Self::data_dir).
    pub fn data_log_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.config.persist.data_log_dir = Some(dir.into());
        self
    }

    /// Whether a write waits for the disk before it is answered (default
    /// [`Fsync::Always`](crate::Fsync::Always)); [`Fsync::Never`](crate::Fsync::Never)
    /// is for tests. Only with [`data_dir`](Self::data_dir).
    pub fn fsync(mut self, fsync: crate::Fsync) -> Self {
        self.config.persist.fsync = fsync;
        self
    }

    /// How many changes are logged between snapshots (ZooKeeper's
    /// `snapCount`, default 100,000). Only with [`data_dir`](Self::data_dir).
    pub fn snap_count(mut self, changes: u64) -> Self {
        self.config.persist.snap_count = changes;
        self
    }

    /// How many bytes are logged between snapshots (default 64 MiB),
    /// whatever their count. Only with [`data_dir`](Self::data_dir).
    pub fn snap_size_limit(mut self, bytes: u64) -> Self {
        self.config.persist.snap_size_limit = bytes;
        self
    }

    /// Whether the plain client port is opened (default true); without
    /// it only the [`secure_port`](Self::secure_port) serves, as with a
    /// `zoo.cfg` that sets `secureClientPort` and no `clientPort`.
    pub fn plain_port(mut self, enabled: bool) -> Self {
        self.config.plain_port = enabled;
        self
    }

    /// A TLS client port (`secureClientPort`) besides the plain one; 0
    /// picks a free port. Needs [`tls`](Self::tls).
    pub fn secure_port(mut self, port: u16) -> Self {
        self.config.secure_port = Some(port);
        self
    }

    /// The host or address of the TLS client port
    /// (`secureClientPortAddress`; default: the [`host`](Self::host)).
    pub fn secure_host(mut self, host: impl Into<String>) -> Self {
        self.config.secure_host = Some(host.into());
        self
    }

    /// The TLS settings of the secure client port: the server's
    /// certificate and key, and whether clients must present a
    /// certificate. A client certificate's subject becomes the
    /// connection's `x509` identity (`CN=alice,O=example`, as ZooKeeper's
    /// `X509AuthenticationProvider` names it), usable in ACLs with the
    /// `x509` scheme and shown by `whoAmI`.
    pub fn tls(mut self, tls: Tls) -> Self {
        self.config.tls = Some(tls);
        self
    }

    /// The client certificate subject that is the super user
    /// (`zookeeper.X509AuthenticationProvider.superUser`): a connection
    /// presenting it passes every ACL check.
    pub fn x509_super_user(mut self, subject: impl Into<String>) -> Self {
        self.config.x509_super_user = Some(subject.into());
        self
    }

    /// Enables SASL DIGEST-MD5 with these users (name, password), as
    /// ZooKeeper's `DigestLoginModule` serves them from a JAAS file's
    /// `Server` section; an empty list enables SASL with no users. A
    /// client that authenticates as `name` gets the identity `sasl:name`,
    /// and ACLs may use the `sasl` scheme (ZooKeeper's
    /// `authProvider.N=...SASLAuthenticationProvider`). A failed exchange
    /// answers `AuthFailed` and closes the connection. Clients without
    /// SASL are still served.
    pub fn sasl_digest_users<I, U, P>(mut self, users: I) -> Self
    where
        I: IntoIterator<Item = (U, P)>,
        U: Into<String>,
        P: Into<String>,
    {
        let mut all = self.config.sasl.take().unwrap_or_default();
        for (user, password) in users {
            all.insert(user.into(), password.into());
        }
        self.config.sasl = Some(all);
        self
    }

    /// Enables SASL DIGEST-MD5 with the users of the `Server` section of
    /// a JAAS login configuration, as ZooKeeper reads it with
    /// `-Djava.security.auth.login.config=FILE`:
    /// `org.apache.zookeeper.server.auth.DigestLoginModule required
    /// user_<name>="<password>" ...;`. A file that cannot be read or has
    /// another login module in that section makes [`start`](Self::start)
    /// fail, naming the file and line.
    pub fn sasl_jaas_file(self, path: impl AsRef<std::path::Path>) -> Self {
        let path = path.as_ref();
        let users = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))
            .and_then(|text| {
                crate::jaas::digest_users(&text, &path.display().to_string(), "Server")
            });
        match users {
            Ok(users) => self.sasl_digest_users(users),
            Err(e) => Self { error: Some(e.to_string()), ..self },
        }
    }

    /// The SASL user that is the super user (ZooKeeper's
    /// `zookeeper.superUser`).
    pub fn sasl_super_user(mut self, user: impl Into<String>) -> Self {
        self.config.sasl_super_user = Some(user.into());
        self
    }

    fn check(&self) -> Result<(), Error> {
        if let Some(error) = &self.error {
            return Err(Error::Config(error.clone()));
        }
        let c = &self.config;
        if c.tick_time.is_zero() {
            return Err(Error::Config("the tick time must be positive".into()));
        }
        let (min, max) = (c.min_session_timeout_ms(), c.max_session_timeout_ms());
        if min <= 0 || min > max {
            return Err(Error::Config(format!(
                "the session timeouts must satisfy 0 < minimum ({min} ms) <= maximum ({max} ms)"
            )));
        }
        if c.max_frame_len < 64 {
            return Err(Error::Config(format!(
                "jute.maxbuffer of {} bytes is too small",
                c.max_frame_len
            )));
        }
        if c.max_unsent_replies == 0 || c.max_unsent_bytes == 0 || c.max_connections == 0 {
            return Err(Error::Config("the connection limits must be positive".into()));
        }
        if c.persist.snap_count == 0 || c.persist.snap_size_limit == 0 {
            return Err(Error::Config("the snapshot intervals must be positive".into()));
        }
        if c.persist.data_log_dir.is_some() && c.persist.data_dir.is_none() {
            return Err(Error::Config("a data log directory needs a data directory".into()));
        }
        match (c.secure_port, &c.tls) {
            (Some(_), None) => {
                return Err(Error::Config(
                    "a secure client port needs TLS settings (a server certificate and key)".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(Error::Config("TLS settings without a secure client port".into()));
            }
            _ => {}
        }
        if !c.plain_port && c.secure_port.is_none() {
            return Err(Error::Config("neither a client port nor a secure client port".into()));
        }
        Ok(())
    }

    /// Binds the client ports and starts serving on the current tokio
    /// runtime. Returns once connections are accepted. With a data
    /// directory, the tree and sessions it holds are recovered first.
    pub async fn start(self) -> Result<Server, Error> {
        self.check()?;
        let tls = self.config.tls.as_ref().map(Tls::acceptor).transpose()?;
        let config = Arc::new(self.config);
        let origin = {
            let config = config.clone();
            tokio::task::spawn_blocking(move || crate::core::Origin::new(&config))
                .await
                .map_err(|e| Error::Runtime(std::io::Error::other(e)))??
        };
        // Dropped on an early return, which ends any listener started.
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (reason, failure) = watch::channel(None);
        let (commands, commands_rx) = mpsc::channel(COMMAND_QUEUE);
        let open = Arc::new(AtomicUsize::new(0));
        let shared = Arc::new(Shared {
            config: config.clone(),
            commands,
            shutdown: shutdown_rx.clone(),
            next_conn: AtomicU64::new(1),
            open: open.clone(),
        });
        let ports = Arc::new(Ports::new(shared, tls));
        let plain = match config.plain_port {
            true => Some(ports.open(&config.host, config.port, Transport::Plain).await?),
            false => None,
        };
        let secure = match config.secure_port {
            Some(port) => {
                let host = config.secure_host.as_deref().unwrap_or(&config.host);
                Some(ports.open(host, port, Transport::Tls).await?)
            }
            None => None,
        };
        let Some(local) = plain.or(secure) else {
            return Err(Error::Config("no client port".into()));
        };
        let core = tokio::spawn(crate::core::run(
            config.clone(),
            local.port(),
            open,
            commands_rx,
            shutdown_rx,
            origin,
            crate::core::Failure { shutdown: shutdown.clone(), reason },
        ));
        Ok(Server { addr: local, secure_addr: secure, shutdown, failure, tasks: vec![core], ports })
    }

    /// Starts the server on threads of its own, for code without an async
    /// runtime. Returns once connections are accepted.
    pub fn start_blocking(self) -> Result<BlockingServer, Error> {
        self.check()?;
        BlockingServer::start(self.start())
    }
}

impl Server {
    /// A builder with ZooKeeper's defaults.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_refused_before_binding() {
        let bad = [
            Server::builder().tick_time(Duration::ZERO),
            Server::builder()
                .min_session_timeout(Duration::from_secs(9))
                .max_session_timeout(Duration::from_secs(1)),
            Server::builder().four_letter_words(["ruok", "nope"]),
            Server::builder().jute_max_buffer(1),
            Server::builder().max_unsent_replies(0),
            Server::builder().secure_port(0),
            Server::builder().tls(Tls::from_pem("", "")),
            Server::builder().plain_port(false),
        ];
        for builder in bad {
            assert!(matches!(builder.check(), Err(Error::Config(_))), "{builder:?}");
        }
        assert!(Server::builder().four_letter_words(["*"]).check().is_ok());
    }
}
