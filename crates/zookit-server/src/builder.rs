//! Configuring and starting a server.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::config::{Config, FOUR_LETTER_WORDS};
use crate::error::Error;
use crate::net::{Shared, listener};
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
        Ok(())
    }

    /// Binds the port and starts serving on the current tokio runtime.
    /// Returns once connections are accepted. With a data directory, the
    /// tree and sessions it holds are recovered first.
    pub async fn start(self) -> Result<Server, Error> {
        self.check()?;
        let config = Arc::new(self.config);
        let origin = {
            let config = config.clone();
            tokio::task::spawn_blocking(move || crate::core::Origin::new(&config))
                .await
                .map_err(|e| Error::Runtime(std::io::Error::other(e)))??
        };
        let addr = format!("{}:{}", config.host, config.port);
        let listener = TcpListener::bind((config.host.as_str(), config.port))
            .await
            .map_err(|source| Error::Bind { addr: addr.clone(), source })?;
        let local = listener.local_addr().map_err(|source| Error::Bind { addr, source })?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (reason, failure) = watch::channel(None);
        let (commands, commands_rx) = mpsc::channel(COMMAND_QUEUE);
        let open = Arc::new(AtomicUsize::new(0));
        let core = tokio::spawn(crate::core::run(
            config.clone(),
            local.port(),
            open.clone(),
            commands_rx,
            shutdown_rx.clone(),
            origin,
            crate::core::Failure { shutdown: shutdown.clone(), reason },
        ));
        let shared = Arc::new(Shared {
            config,
            commands,
            shutdown: shutdown_rx,
            next_conn: AtomicU64::new(1),
            open,
        });
        let accept = tokio::spawn(listener::run(listener, shared));
        Ok(Server { addr: local, shutdown, failure, tasks: vec![accept, core] })
    }

    /// Starts the server on threads of its own, for code without an async
    /// runtime. Returns once connections are accepted.
    pub fn start_blocking(self) -> Result<BlockingServer, Error> {
        self.check()?;
        BlockingServer::start(self)
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
        ];
        for builder in bad {
            assert!(matches!(builder.check(), Err(Error::Config(_))), "{builder:?}");
        }
        assert!(Server::builder().four_letter_words(["*"]).check().is_ok());
    }
}
