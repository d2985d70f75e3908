//! Test support for zookit: real Apache ZooKeeper servers on loopback, the
//! embedded server (zookit-server) in process, and a fault-injecting TCP
//! proxy.
//!
//! Servers are started from Debian's `zookeeper` package
//! (`apt-get install zookeeper`, which provides `/usr/share/java/zookeeper.jar`)
//! with a Java runtime (`java` on `PATH`). Both can be overridden with
//! [`ENV_JAVA`] and [`ENV_CLASSPATH`] or the [`EnsembleBuilder`].
//!
//! # A shared standalone server
//!
//! Most tests only need *a* server. [`shared()`] starts one per test binary
//! on first use; tests run concurrently against it, so each one works below
//! its own chroot:
//!
//! ```no_run
//! let zk = zookit_testing::shared();
//! let connect = zk.connect_string_with_chroot(&zookit_testing::unique_chroot("watches"));
//! // connect a client to e.g. "127.0.0.1:40123/zookit-test-watches-4242-0"
//! # let _ = connect;
//! ```
//!
//! # Either server: `ZOOKIT_TEST_SERVER`
//!
//! [`shared()`] is Apache ZooKeeper, or the embedded server when the
//! environment says `ZOOKIT_TEST_SERVER=embedded` ([`ENV_TEST_SERVER`],
//! [`ServerKind::from_env`]; `apache` or unset is Apache ZooKeeper, any
//! other value panics). Tests that stop, kill or restart a server of their
//! own take it from [`standalone()`] or [`builder()`], of the same kind, so
//! one suite runs against either server:
//!
//! ```no_run
//! # fn main() -> zookit_testing::Result<()> {
//! let zk = zookit_testing::standalone()?; // ZOOKIT_TEST_SERVER's kind
//! zk.stop(0)?;
//! zk.restart(0)?;
//! # Ok(())
//! # }
//! ```
//!
//! Tests that need a real quorum (elections, a leader, read-only mode,
//! reconfiguration) use [`Ensemble`] explicitly, and [`shared_apache()`]
//! is the shared Apache ZooKeeper server whatever the environment says.
//!
//! # An own Apache ZooKeeper server or ensemble
//!
//! Tests that stop, kill, restart or partition real ZooKeeper servers
//! start their own:
//!
//! ```no_run
//! use std::time::Duration;
//! use zookit_testing::Ensemble;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let zk = Ensemble::start(3)?; // returns once all serve with one leader
//! let leader = zk.leader().expect("a leader");
//! zk.kill(leader)?;
//! let new_leader = zk.wait_for_leader(Duration::from_secs(30))?;
//! zk.restart(leader)?; // same ports and data; waits until it follows
//! println!("{} led, then {new_leader}; mntr: {}", leader, zk.four_letter(0, "mntr")?);
//!
//! let ro = Ensemble::builder()
//!     .members(3)
//!     .read_only_mode(true)
//!     .system_property("zookeeper.maxCnxns", "100")
//!     .startup_timeout(Duration::from_secs(90))
//!     .start()?;
//! # let _ = ro;
//! # Ok(())
//! # }
//! ```
//!
//! Each member has a directory (`zoo.cfg`, `data/`, `zookeeper.log`) below
//! one temporary root (which also holds `tls/` and `jaas.conf` when TLS or
//! SASL is enabled), made in the system's temporary directory or in
//! [`EnsembleBuilder::parent_dir`]. Errors from starting and waiting include the tail of
//! the logs of the members concerned; [`Ensemble::log_tail`] gives it on demand.
//!
//! # The embedded server, and a simulated ensemble
//!
//! [`EmbeddedEnsemble`] runs zookit-server in this process: it starts in
//! milliseconds and needs no JVM. With several members it simulates an
//! ensemble — N client ports over one tree — whose members stop, die and
//! come back on their ports, whose connections drop or stall, and whose
//! sessions expire on demand, so failover tests need no Java. It does not
//! simulate a quorum, elections, read-only mode or reconfiguration (see
//! its docs):
//!
//! ```no_run
//! use zookit_testing::EmbeddedEnsemble;
//!
//! # fn main() -> zookit_testing::Result<()> {
//! let zk = EmbeddedEnsemble::start(3)?;
//! zk.kill(0)?; // its port closes: clients fail over, keeping their sessions
//! zk.restart(0)?; // the same port again
//! # Ok(())
//! # }
//! ```
//!
//! # One test, both servers
//!
//! [`ServerKind`] picks a server and [`TestEnsemble`] gives both the same
//! API; [`on_both_servers!`] turns one test body into a test per server:
//!
//! ```no_run
//! use zookit_testing::{ServerKind, on_both_servers};
//!
//! fn serves(kind: ServerKind) {
//!     let zk = kind.builder().members(3).start().unwrap();
//!     zk.kill(1).unwrap();
//!     // ... a client fails over ...
//! }
//! on_both_servers!(serves); // tests serves::on_apache and serves::on_embedded
//! # fn main() {}
//! ```
//!
//! # Cleanup, even when the test process dies
//!
//! Dropping an [`Ensemble`] kills its JVMs and removes its directory. In
//! addition every ensemble has a *janitor*: a small `sh` process reading
//! from a pipe whose write end only the test process holds. However the test
//! process ends (panic, `std::process::exit`, SIGKILL), the pipe closes and
//! the janitor kills the JVMs listed in `<root>/*/java.pid` and removes the
//! root directory. This is also how the never-dropped [`shared()`] server
//! is cleaned up.
//!
//! # Authentication
//!
//! Servers accept the digest super user [`SUPER_USER`] with password
//! [`SUPER_PASSWORD`]; a client authenticates with scheme `"digest"` and
//! credentials [`SUPER_AUTH`].
//!
//! # TLS
//!
//! [`TestPki`] makes certificates at test time; [`EnsembleBuilder::tls`]
//! gives every member a TLS client port besides the plain one (four-letter
//! words and readiness checks keep using the plain port):
//!
//! ```no_run
//! use zookit_testing::{ClientAuth, Ensemble, ServerTls, TestPki};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let pki = TestPki::new("zookit test CA");
//! let zk = Ensemble::builder()
//!     // A certificate for "localhost" and "127.0.0.1"; client certificates
//!     // must come from the same CA.
//!     .tls(ServerTls::from_pki(&pki).client_auth(ClientAuth::Need))
//!     .start()?;
//! let connect = zk.secure_connect_string(); // "127.0.0.1:41234"
//! let trust_anchor = pki.ca_pem(); // the client trusts this CA ...
//! let identity = pki.client("alice"); // ... and presents this certificate
//! let encrypted = identity.encrypted_key_pem("key password"); // PKCS#8, PBES2
//! // Negative tests: a server whose certificate expired, or a client
//! // trusting another CA.
//! let expired = Ensemble::builder()
//!     .tls(ServerTls::new(pki.expired_server(&["localhost"]), pki.ca_pem()))
//!     .start()?;
//! let wrong_anchor = TestPki::new("another CA").ca_pem();
//! # let _ = (connect, trust_anchor, encrypted, expired, wrong_anchor);
//! # Ok(())
//! # }
//! ```
//!
//! # SASL
//!
//! [`EnsembleBuilder::sasl_digest_users`] lets clients authenticate with
//! SASL DIGEST-MD5 as the given users (clients without SASL are still
//! accepted):
//!
//! ```no_run
//! use zookit_testing::Ensemble;
//!
//! # fn main() -> zookit_testing::Result<()> {
//! let zk = Ensemble::builder()
//!     .sasl_digest_users(&[("alice", "alice-secret"), ("bob", "bob-secret")])
//!     .start()?;
//! // A client authenticated as alice has the ACL identity `sasl:alice`.
//! # let _ = zk;
//! # Ok(())
//! # }
//! ```
//!
//! # Fault injection
//!
//! [`Proxy`] sits between a client and one server:
//!
//! ```no_run
//! use zookit_testing::{Proxy, shared};
//!
//! # fn main() -> std::io::Result<()> {
//! let proxy = Proxy::start(shared().member_address(0))?;
//! let connect = proxy.addr().to_string(); // give this to the client
//! proxy.stall(); // black hole: nothing is forwarded, connections stay open
//! proxy.pass(); // held data is forwarded, traffic flows again
//! proxy.drop_connections(); // close every connection, both sides
//! proxy.refuse(); // new connections are closed at once
//! proxy.pass();
//! # let _ = connect;
//! # Ok(())
//! # }
//! ```

mod choice;
mod config;
mod embedded;
mod ensemble;
mod error;
mod expire;
mod four_letter;
mod janitor;
mod member;
mod ports;
mod proxy;
mod shared;
pub mod tls;
pub mod zc_zk;

pub use choice::{ENV_TEST_SERVER, ServerKind, TestEnsemble, TestEnsembleBuilder};
pub use config::{DEFAULT_JVM_OPTIONS, ENV_CLASSPATH, ENV_JAVA, SUPER_DIGEST};
pub use embedded::{EmbeddedEnsemble, EmbeddedEnsembleBuilder};
pub use ensemble::{Ensemble, EnsembleBuilder};
pub use error::{Error, Result};
pub use expire::expire_session;
pub use four_letter::{four_letter_word, parse_mode};
pub use proxy::Proxy;
pub use shared::{builder, shared, shared_apache, standalone, unique_chroot};
pub use tls::{CertifiedKey, ClientAuth, ServerTls, TestPki};

/// User name of the digest super user every server accepts.
pub const SUPER_USER: &str = "super";
/// Password of [`SUPER_USER`].
pub const SUPER_PASSWORD: &str = "zookit-test";
/// Credentials a client passes to `add_auth("digest", ...)` to become the
/// super user: `"super:zookit-test"`.
pub const SUPER_AUTH: &str = "super:zookit-test";
