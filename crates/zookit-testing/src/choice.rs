//! Running one test body against either server: Apache ZooKeeper (a real
//! [`Ensemble`]) or the embedded server (an [`EmbeddedEnsemble`]), through
//! one API, picked by the test or by [`ENV_TEST_SERVER`].

use std::io;
use std::net::SocketAddr;

use crate::embedded::{EmbeddedEnsemble, EmbeddedEnsembleBuilder};
use crate::ensemble::{Ensemble, EnsembleBuilder};
use crate::error::Result;
use crate::tls::ServerTls;

/// The environment variable that picks the server of [`shared()`](crate::shared),
/// [`builder()`](crate::builder) and [`standalone()`](crate::standalone):
/// `apache` (the default when unset) or `embedded`. See [`ServerKind::from_env`].
pub const ENV_TEST_SERVER: &str = "ZOOKIT_TEST_SERVER";

/// Which server a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerKind {
    /// Apache ZooKeeper from Debian's package, in JVMs ([`Ensemble`]).
    Apache,
    /// zookit-server in this process ([`EmbeddedEnsemble`]).
    Embedded,
}

impl ServerKind {
    /// Both kinds, Apache ZooKeeper first.
    pub const ALL: [ServerKind; 2] = [ServerKind::Apache, ServerKind::Embedded];

    /// `"apache"` or `"embedded"`.
    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Apache => "apache",
            ServerKind::Embedded => "embedded",
        }
    }

    /// The kind [`ENV_TEST_SERVER`] (`ZOOKIT_TEST_SERVER`) names:
    /// [`Apache`](Self::Apache) when it is unset or `apache`,
    /// [`Embedded`](Self::Embedded) when it is `embedded`.
    ///
    /// ```no_run
    /// // ZOOKIT_TEST_SERVER=embedded cargo test ...
    /// let kind = zookit_testing::ServerKind::from_env();
    /// let zk = kind.standalone().unwrap();
    /// # let _ = zk;
    /// ```
    ///
    /// # Panics
    ///
    /// On any other value (an empty one included), naming the variable and
    /// the values it takes: a typo must not silently test the wrong server.
    pub fn from_env() -> ServerKind {
        match std::env::var_os(ENV_TEST_SERVER) {
            None => ServerKind::Apache,
            Some(value) => match value.to_str() {
                Some("apache") => ServerKind::Apache,
                Some("embedded") => ServerKind::Embedded,
                _ => panic!(
                    "{ENV_TEST_SERVER}={value:?} is not a test server: set it to \"apache\" \
                     (Apache ZooKeeper, the default when unset) or \"embedded\" (zookit-server)"
                ),
            },
        }
    }

    /// A builder for a server (or ensemble) of this kind.
    pub fn builder(self) -> TestEnsembleBuilder {
        match self {
            ServerKind::Apache => TestEnsembleBuilder::Apache(Ensemble::builder()),
            ServerKind::Embedded => TestEnsembleBuilder::Embedded(EmbeddedEnsemble::builder()),
        }
    }

    /// Starts one standalone server of this kind.
    pub fn standalone(self) -> Result<TestEnsemble> {
        self.builder().start()
    }
}

/// Configures a [`TestEnsemble`] of either kind: the settings both kinds
/// share. See [`ServerKind::builder`].
#[derive(Debug, Clone)]
#[must_use = "call .start() to start the servers"]
pub enum TestEnsembleBuilder {
    /// For Apache ZooKeeper.
    Apache(EnsembleBuilder),
    /// For the embedded server.
    Embedded(EmbeddedEnsembleBuilder),
}

impl TestEnsembleBuilder {
    /// Number of members (default 1).
    pub fn members(self, n: usize) -> Self {
        match self {
            Self::Apache(b) => Self::Apache(b.members(n)),
            Self::Embedded(b) => Self::Embedded(b.members(n)),
        }
    }

    /// A TLS client port per member.
    pub fn tls(self, tls: ServerTls) -> Self {
        match self {
            Self::Apache(b) => Self::Apache(b.tls(tls)),
            Self::Embedded(b) => Self::Embedded(b.tls(tls)),
        }
    }

    /// SASL DIGEST-MD5 for `users` (name, password).
    pub fn sasl_digest_users(self, users: &[(&str, &str)]) -> Self {
        match self {
            Self::Apache(b) => Self::Apache(b.sasl_digest_users(users)),
            Self::Embedded(b) => Self::Embedded(b.sasl_digest_users(users)),
        }
    }

    /// Starts the servers (for Apache ZooKeeper, waits until they serve).
    pub fn start(self) -> Result<TestEnsemble> {
        Ok(match self {
            Self::Apache(b) => TestEnsemble::Apache(b.start()?),
            Self::Embedded(b) => TestEnsemble::Embedded(b.start()?),
        })
    }
}

/// A running server or ensemble of either kind, with the API both share.
#[derive(Debug)]
#[allow(clippy::large_enum_variant, reason = "one per test, never moved in a loop")]
pub enum TestEnsemble {
    /// Apache ZooKeeper.
    Apache(Ensemble),
    /// The embedded server.
    Embedded(EmbeddedEnsemble),
}

/// Calls the same method on whichever ensemble it is.
macro_rules! either {
    ($self:expr, $e:ident => $body:expr) => {
        match $self {
            TestEnsemble::Apache($e) => $body,
            TestEnsemble::Embedded($e) => $body,
        }
    };
}

impl TestEnsemble {
    /// Which kind of server this is.
    pub fn kind(&self) -> ServerKind {
        match self {
            TestEnsemble::Apache(_) => ServerKind::Apache,
            TestEnsemble::Embedded(_) => ServerKind::Embedded,
        }
    }

    /// The Apache ZooKeeper ensemble, if this is one.
    pub fn as_apache(&self) -> Option<&Ensemble> {
        match self {
            TestEnsemble::Apache(e) => Some(e),
            TestEnsemble::Embedded(_) => None,
        }
    }

    /// The embedded ensemble, if this is one.
    pub fn as_embedded(&self) -> Option<&EmbeddedEnsemble> {
        match self {
            TestEnsemble::Apache(_) => None,
            TestEnsemble::Embedded(e) => Some(e),
        }
    }

    /// Whether this is a single standalone server.
    pub fn is_standalone(&self) -> bool {
        either!(self, e => e.is_standalone())
    }

    /// The member leading the ensemble: for Apache ZooKeeper as
    /// [`Ensemble::leader`] says (`None` when standalone or while electing);
    /// always `None` for the embedded server, which has no leader.
    pub fn leader(&self) -> Option<usize> {
        match self {
            TestEnsemble::Apache(e) => e.leader(),
            TestEnsemble::Embedded(_) => None,
        }
    }

    /// The client port of member `i`.
    pub fn client_port(&self, i: usize) -> u16 {
        either!(self, e => e.client_port(i))
    }

    /// Whether members have a TLS client port.
    pub fn has_tls(&self) -> bool {
        either!(self, e => e.has_tls())
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        either!(self, e => e.len())
    }

    /// Always false: an ensemble has at least one member.
    pub fn is_empty(&self) -> bool {
        either!(self, e => e.is_empty())
    }

    /// The client addresses of all members, comma-separated.
    pub fn connect_string(&self) -> String {
        either!(self, e => e.connect_string())
    }

    /// [`connect_string`](Self::connect_string) followed by a chroot path.
    pub fn connect_string_with_chroot(&self, chroot: &str) -> String {
        either!(self, e => e.connect_string_with_chroot(chroot))
    }

    /// The client address of member `i`.
    pub fn member_address(&self, i: usize) -> SocketAddr {
        either!(self, e => e.member_address(i))
    }

    /// The TLS client address of member `i` (panics without TLS).
    pub fn secure_address(&self, i: usize) -> SocketAddr {
        either!(self, e => e.secure_address(i))
    }

    /// The TLS client addresses of all members (panics without TLS).
    pub fn secure_connect_string(&self) -> String {
        either!(self, e => e.secure_connect_string())
    }

    /// Whether member `i` runs.
    pub fn is_running(&self, i: usize) -> bool {
        either!(self, e => e.is_running(i))
    }

    /// Sends a four-letter word to member `i`.
    pub fn four_letter(&self, i: usize, word: &str) -> io::Result<String> {
        either!(self, e => e.four_letter(i, word))
    }

    /// Stops member `i`.
    pub fn stop(&self, i: usize) -> Result<()> {
        either!(self, e => e.stop(i))
    }

    /// Kills member `i`.
    pub fn kill(&self, i: usize) -> Result<()> {
        either!(self, e => e.kill(i))
    }

    /// Restarts member `i` (for Apache ZooKeeper, waits until it serves).
    pub fn restart(&self, i: usize) -> Result<()> {
        either!(self, e => e.restart(i))
    }

    /// Starts stopped member `i` again without waiting until it serves.
    pub fn start_member_no_wait(&self, i: usize) -> Result<()> {
        either!(self, e => e.start_member_no_wait(i))
    }
}

/// Runs a test body against both servers: for `fn name(kind: ServerKind)`
/// (or `async fn`), generates a module `name` with the tests `on_apache`
/// and `on_embedded`, each calling it with its [`ServerKind`]. Async bodies
/// run under `#[tokio::test]` (the calling crate needs tokio).
///
/// Such tests pick their server themselves, whatever
/// [`ENV_TEST_SERVER`] says; `--skip ::on_apache --skip ::on_embedded`
/// leaves them out of a pass that would only repeat them.
///
/// ```no_run
/// use zookit_testing::{ServerKind, on_both_servers};
///
/// async fn serves_async(kind: ServerKind) {
///     let zk = kind.standalone().unwrap();
///     // ... connect an async client to zk.connect_string() ...
/// }
/// on_both_servers!(async serves_async);
///
/// fn serves(kind: ServerKind) {
///     let zk = kind.builder().members(3).start().unwrap();
///     zk.kill(0).unwrap();
/// }
/// on_both_servers!(serves);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! on_both_servers {
    (async $name:ident) => {
        mod $name {
            #[tokio::test]
            async fn on_apache() {
                super::$name($crate::ServerKind::Apache).await
            }

            #[tokio::test]
            async fn on_embedded() {
                super::$name($crate::ServerKind::Embedded).await
            }
        }
    };
    ($name:ident) => {
        mod $name {
            #[test]
            fn on_apache() {
                super::$name($crate::ServerKind::Apache)
            }

            #[test]
            fn on_embedded() {
                super::$name($crate::ServerKind::Embedded)
            }
        }
    };
}
