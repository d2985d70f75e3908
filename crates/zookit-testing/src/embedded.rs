//! The embedded server (zookit-server) in process: one standalone server,
//! or a simulated ensemble of N members — N client ports over one data
//! tree — whose members stop, die and come back on their ports.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use zookit_server::{BlockingServer, Server, Tls, Transport};

use crate::config::SUPER_DIGEST;
use crate::error::{Error, Result};
use crate::four_letter::{FOUR_LETTER_TIMEOUT, four_letter_word};
use crate::tls::ServerTls;

/// The embedded ZooKeeper-compatible server (zookit-server) in this
/// process, standalone or as a simulated ensemble: it starts in
/// milliseconds, needs no JVM, and has the shape of [`Ensemble`](crate::Ensemble)'s
/// API (connect strings, member addresses, stop, kill, restart), plus
/// faults a real ensemble needs a proxy for.
///
/// ```no_run
/// use zookit_testing::EmbeddedEnsemble;
///
/// # fn main() -> zookit_testing::Result<()> {
/// let zk = EmbeddedEnsemble::start(3)?; // three client ports over one tree
/// let connect = zk.connect_string(); // "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3"
/// zk.kill(1)?; // its port closes, its connections drop
/// zk.restart(1)?; // listening again on the same port
/// zk.stall(2); // its connections go silent, as behind a partition
/// zk.pass(2);
/// # let session_id = 0;
/// zk.expire_session(session_id); // as if its timeout had passed
/// # let _ = connect;
/// # Ok(())
/// # }
/// ```
///
/// # A simulation, not a quorum
///
/// Every member serves the same state: a session, a znode or a watch
/// lives in the one tree, not in a member, so a client failing over to
/// another member finds its session and ephemerals there at once, and a
/// write through one member is seen through every other at once. What a
/// simulation of members cannot show is not simulated:
///
/// - **No quorum**: stopping members never makes the others refuse
///   service; the tree stays writable while one member runs.
/// - **No elections and no leader**: every member reports `Mode:
///   standalone` (`srvr`), and there is no `leader()`.
/// - **No read-only mode**, no observers, and no dynamic reconfiguration
///   (`getConfig` answers as a standalone server does).
/// - **No lag**: members are never behind one another, so `sync` has
///   nothing to catch up on.
///
/// Use a real [`Ensemble`](crate::Ensemble) for those.
///
/// # Settings
///
/// As [`Ensemble`](crate::Ensemble)'s defaults: tick 500 ms, session
/// timeouts 1 to 60 s, every four-letter word, TTL znodes, containers
/// checked every second, and the digest super user
/// [`SUPER_AUTH`](crate::SUPER_AUTH).
#[derive(Debug)]
pub struct EmbeddedEnsemble {
    server: BlockingServer,
    members: Vec<EmbeddedMember>,
}

/// One simulated member: its ports, and whether they are open.
#[derive(Debug)]
struct EmbeddedMember {
    client: SocketAddr,
    secure: Option<SocketAddr>,
    running: Mutex<bool>,
}

/// Configures and starts an [`EmbeddedEnsemble`].
#[derive(Debug, Clone, Default)]
#[must_use = "call .start() to start the server"]
pub struct EmbeddedEnsembleBuilder {
    members: Option<usize>,
    tls: Option<ServerTls>,
    sasl_users: Option<Vec<(String, String)>>,
}

impl EmbeddedEnsembleBuilder {
    /// Number of members (default 1 = standalone). Panics if `n == 0`.
    pub fn members(mut self, n: usize) -> Self {
        assert!(n > 0, "an ensemble needs at least one member");
        self.members = Some(n);
        self
    }

    /// Gives every member a TLS client port besides its plain one, with
    /// `tls`'s identity, trusted CA and client-certificate mode (as
    /// [`EnsembleBuilder::tls`](crate::EnsembleBuilder::tls)).
    pub fn tls(mut self, tls: ServerTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Enables SASL DIGEST-MD5 for `users` (name, password), as
    /// [`EnsembleBuilder::sasl_digest_users`](crate::EnsembleBuilder::sasl_digest_users).
    pub fn sasl_digest_users(mut self, users: &[(&str, &str)]) -> Self {
        self.sasl_users = Some(users.iter().map(|(n, p)| (n.to_string(), p.to_string())).collect());
        self
    }

    /// Starts the server with a client port per member (and a TLS port
    /// each, with [`tls`](Self::tls)) on free loopback ports.
    pub fn start(self) -> Result<EmbeddedEnsemble> {
        let mut builder = Server::builder()
            .host("127.0.0.1")
            .port(0)
            .tick_time(Duration::from_millis(500))
            .min_session_timeout(Duration::from_secs(1))
            .max_session_timeout(Duration::from_secs(60))
            .super_digest(SUPER_DIGEST)
            .four_letter_words(["*"])
            .container_check_interval(Duration::from_secs(1))
            .reconfig_enabled(true);
        if let Some(tls) = &self.tls {
            let identity = tls.identity();
            let server_tls = Tls::from_pem(identity.cert_pem.clone(), identity.key_pem.clone())
                .client_auth(tls.client_auth_mode(), tls.trusted_ca_pem());
            builder = builder.secure_port(0).tls(server_tls);
        }
        if let Some(users) = self.sasl_users {
            builder = builder.sasl_digest_users(users);
        }
        let server = builder.start_blocking().map_err(Error::Embedded)?;
        let mut members = vec![EmbeddedMember {
            client: server.addr(),
            secure: server.secure_addr(),
            running: Mutex::new(true),
        }];
        let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        for _ in 1..self.members.unwrap_or(1) {
            let client = server.open_client_port(any, Transport::Plain).map_err(Error::Embedded)?;
            let secure = match self.tls {
                Some(_) => {
                    Some(server.open_client_port(any, Transport::Tls).map_err(Error::Embedded)?)
                }
                None => None,
            };
            members.push(EmbeddedMember { client, secure, running: Mutex::new(true) });
        }
        Ok(EmbeddedEnsemble { server, members })
    }
}

impl EmbeddedEnsemble {
    /// A builder with the defaults (one member, no TLS, no SASL).
    pub fn builder() -> EmbeddedEnsembleBuilder {
        EmbeddedEnsembleBuilder::default()
    }

    /// Starts one standalone server.
    pub fn standalone() -> Result<EmbeddedEnsemble> {
        EmbeddedEnsemble::builder().start()
    }

    /// Starts a simulated ensemble of `n` members.
    pub fn start(n: usize) -> Result<EmbeddedEnsemble> {
        EmbeddedEnsemble::builder().members(n).start()
    }

    fn member(&self, i: usize) -> &EmbeddedMember {
        let n = self.members.len();
        self.members
            .get(i)
            .unwrap_or_else(|| panic!("member index {i} out of range (ensemble of {n})"))
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Always false: an ensemble has at least one member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Whether this is a single standalone server.
    pub fn is_standalone(&self) -> bool {
        self.members.len() == 1
    }

    /// `"127.0.0.1:p1,127.0.0.1:p2,..."`: the client addresses of all members.
    pub fn connect_string(&self) -> String {
        self.members.iter().map(|m| m.client.to_string()).collect::<Vec<_>>().join(",")
    }

    /// [`connect_string`](Self::connect_string) followed by a chroot path.
    pub fn connect_string_with_chroot(&self, chroot: &str) -> String {
        format!("{}{chroot}", self.connect_string())
    }

    /// The client address of member `i`.
    pub fn member_address(&self, i: usize) -> SocketAddr {
        self.member(i).client
    }

    /// The client port of member `i`.
    pub fn client_port(&self, i: usize) -> u16 {
        self.member(i).client.port()
    }

    /// Whether members have a TLS client port ([`EmbeddedEnsembleBuilder::tls`]).
    pub fn has_tls(&self) -> bool {
        self.members[0].secure.is_some()
    }

    /// The TLS client address of member `i`.
    ///
    /// # Panics
    ///
    /// If TLS is not enabled or `i` is out of range.
    pub fn secure_address(&self, i: usize) -> SocketAddr {
        self.member(i).secure.unwrap_or_else(|| {
            panic!(
                "member {i} has no secure client port: TLS is not enabled (EmbeddedEnsembleBuilder::tls)"
            )
        })
    }

    /// The TLS client addresses of all members, comma-separated.
    ///
    /// # Panics
    ///
    /// If TLS is not enabled.
    pub fn secure_connect_string(&self) -> String {
        (0..self.len()).map(|i| self.secure_address(i).to_string()).collect::<Vec<_>>().join(",")
    }

    /// Whether member `i`'s ports are open.
    pub fn is_running(&self, i: usize) -> bool {
        *lock(&self.member(i).running)
    }

    /// Sends `word` (e.g. `"mntr"`) to member `i`; see [`four_letter_word`].
    pub fn four_letter(&self, i: usize, word: &str) -> io::Result<String> {
        four_letter_word(self.member_address(i), word, FOUR_LETTER_TIMEOUT)
    }

    /// Stops member `i`: its ports close (connecting is refused) and its
    /// connections are closed; their sessions live on in the shared tree
    /// until they expire or their clients resume them on another member.
    /// Does nothing if it is stopped.
    pub fn stop(&self, i: usize) -> Result<()> {
        let member = self.member(i);
        let mut running = lock(&member.running);
        if *running {
            for addr in std::iter::once(member.client).chain(member.secure) {
                self.server.close_client_port(addr);
            }
            *running = false;
        }
        Ok(())
    }

    /// Kills member `i`. In process this is [`stop`](Self::stop): a killed
    /// member's connections drop at once, its ports close, and there is
    /// nothing of its own to lose (the tree is shared).
    pub fn kill(&self, i: usize) -> Result<()> {
        self.stop(i)
    }

    /// Stops member `i` if it runs and opens its ports again, on the same
    /// port numbers.
    pub fn restart(&self, i: usize) -> Result<()> {
        self.stop(i)?;
        self.start_member_no_wait(i)
    }

    /// Opens stopped member `i`'s ports again (same port numbers). Fails
    /// with [`Error::AlreadyRunning`] if it runs, and with
    /// [`Error::Embedded`] if a port was taken meanwhile.
    pub fn start_member_no_wait(&self, i: usize) -> Result<()> {
        let member = self.member(i);
        let mut running = lock(&member.running);
        if *running {
            return Err(Error::AlreadyRunning { member: i });
        }
        self.server.open_client_port(member.client, Transport::Plain).map_err(Error::Embedded)?;
        if let Some(secure) = member.secure
            && let Err(e) = self.server.open_client_port(secure, Transport::Tls)
        {
            self.server.close_client_port(member.client);
            return Err(Error::Embedded(e));
        }
        *running = true;
        Ok(())
    }

    /// Closes every connection of member `i` (plain and TLS); it keeps
    /// listening, so clients reconnect at once.
    pub fn drop_connections(&self, i: usize) {
        let member = self.member(i);
        for addr in std::iter::once(member.client).chain(member.secure) {
            self.server.drop_connections(addr);
        }
    }

    /// Stalls member `i`'s connections, new ones included: nothing is
    /// read or written, connections stay open, and sessions' clocks run on
    /// (as [`Proxy::stall`](crate::Proxy::stall) does). [`pass`](Self::pass)
    /// resumes them.
    pub fn stall(&self, i: usize) {
        self.set_stalled(i, true);
    }

    /// Lets member `i`'s connections flow again after [`stall`](Self::stall).
    pub fn pass(&self, i: usize) {
        self.set_stalled(i, false);
    }

    fn set_stalled(&self, i: usize, stalled: bool) {
        let member = self.member(i);
        for addr in std::iter::once(member.client).chain(member.secure) {
            self.server.stall_client_port(addr, stalled);
        }
    }

    /// Expires session `id` now, as if its timeout had passed: its
    /// ephemerals are deleted, watches fire, its connection is closed and
    /// its client learns it is expired when it reconnects. False if no
    /// such session is alive.
    pub fn expire_session(&self, id: i64) -> bool {
        self.server.expire_session(id)
    }
}

fn lock(running: &Mutex<bool>) -> std::sync::MutexGuard<'_, bool> {
    running.lock().unwrap_or_else(|e| e.into_inner())
}
