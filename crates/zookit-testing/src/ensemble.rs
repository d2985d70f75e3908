//! A running ZooKeeper "cluster" of one (standalone) or more members.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::{MemberPorts, Settings};
use crate::error::{Error, Result};
use crate::four_letter::{FOUR_LETTER_TIMEOUT, four_letter_word, parse_mode};
use crate::janitor::Janitor;
use crate::member::{Member, ProcessState};
use crate::ports::free_ports;
use crate::tls::ServerTls;

/// How many log lines error messages include per member.
const ERROR_LOG_LINES: usize = 40;
/// Pause between polls while waiting for servers.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How often `start` tries fresh ports when a port was taken meanwhile.
const START_ATTEMPTS: usize = 3;

/// Real Apache ZooKeeper servers on loopback: standalone (one member) or an
/// ensemble of several members forming a quorum.
///
/// Members are numbered by index `0..len()`; member `i` has ZooKeeper server
/// id `i + 1`. Methods taking an index panic if it is out of range.
///
/// Dropping the ensemble kills every member JVM and removes its directory.
/// If the test process dies without dropping it, a janitor process does the
/// same (see the [crate docs](crate)).
#[derive(Debug)]
pub struct Ensemble {
    members: Vec<Member>,
    settings: Settings,
    root: Option<tempfile::TempDir>,
    root_path: PathBuf,
    janitor: Option<Janitor>,
}

/// Configures and starts an [`Ensemble`]; see [`Ensemble::builder`].
#[derive(Debug, Clone, Default)]
#[must_use = "call .start() to start the servers"]
pub struct EnsembleBuilder {
    settings: Settings,
}

impl EnsembleBuilder {
    /// Number of members (default 1 = standalone). Panics if `n == 0`.
    pub fn members(mut self, n: usize) -> Self {
        assert!(n > 0, "an ensemble needs at least one member");
        self.settings.members = n;
        self
    }

    /// Replaces the JVM options (default [`DEFAULT_JVM_OPTIONS`](crate::DEFAULT_JVM_OPTIONS):
    /// serial GC, C1 only, 512 MiB heap — fast start, slow steady state).
    ///
    /// Pass e.g. `["-Xmx1g"]` for full JIT in benchmarks.
    pub fn jvm_options<I, S>(mut self, options: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.settings.jvm_options = options.into_iter().map(Into::into).collect();
        self
    }

    /// Sets a JVM system property (`-Dkey=value`), replacing a default of the
    /// same key.
    ///
    /// Defaults: `zookeeper.admin.enableServer=false`,
    /// `zookeeper.extendedTypesEnabled=true` (TTL nodes),
    /// `znode.container.checkIntervalMs=1000`, the super user digest
    /// ([`SUPER_DIGEST`](crate::SUPER_DIGEST)) and `zookeeper.forceSync=no`.
    pub fn system_property(mut self, key: &str, value: &str) -> Self {
        self.settings.set_system_property(key, value);
        self
    }

    /// Enables read-only mode (`-Dreadonlymode.enabled=true`): a member that
    /// loses its quorum keeps serving reads (`Mode: read-only`).
    ///
    /// Also enables local sessions (`localSessionsEnabled`, with upgrading):
    /// a read-only member cannot commit a new global session, so without
    /// them it refuses every new session with `NotReadOnly`.
    pub fn read_only_mode(self, enabled: bool) -> Self {
        let flag = if enabled { "true" } else { "false" };
        self.system_property("readonlymode.enabled", flag)
            .config_entry("localSessionsEnabled", flag)
            .config_entry("localSessionsUpgradingEnabled", flag)
    }

    /// Sets a `zoo.cfg` entry, replacing the default of the same key (do not
    /// override ports or `dataDir`: they are managed per member).
    pub fn config_entry(mut self, key: &str, value: &str) -> Self {
        self.settings.set_config_entry(key, value);
        self
    }

    /// Gives every member a TLS client port (`secureClientPort`, on
    /// `127.0.0.1`) besides its plain one, with `tls`'s identity, trusted CA
    /// and client-certificate mode.
    ///
    /// This switches the members to Netty
    /// (`-Dzookeeper.serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory`,
    /// for the plain port too) and sets the system properties
    /// `zookeeper.ssl.keyStore.location`/`.type=PEM` (a file of the
    /// certificate and the unencrypted key), `zookeeper.ssl.trustStore.location`/`.type=PEM`,
    /// `zookeeper.ssl.clientAuth` and `zookeeper.ssl.hostnameVerification=false`
    /// (servers do not check client host names). The PEM files are written
    /// to `<root>/tls/`. A property set with
    /// [`system_property`](Self::system_property) takes precedence.
    ///
    /// Netty needs `netty-codec`, which the manifest of Debian's
    /// `zookeeper.jar` does not list: with that jar on the class path,
    /// `/usr/share/java/netty-codec.jar` (package `libnetty-java`) is added.
    /// A custom [`classpath`](Self::classpath) must include it itself.
    ///
    /// The secure port serves the ZooKeeper protocol only: four-letter words
    /// and readiness checks use the plain port. See
    /// [`Ensemble::secure_address`] and [`Ensemble::secure_connect_string`].
    pub fn tls(mut self, tls: ServerTls) -> Self {
        self.settings.tls = Some(tls);
        self
    }

    /// Enables SASL authentication of clients with DIGEST-MD5 for `users`
    /// (name, password); an empty list enables SASL with no users.
    ///
    /// Writes `<root>/jaas.conf` with a `Server` section
    /// (`org.apache.zookeeper.server.auth.DigestLoginModule required
    /// user_<name>="<password>";`), passes it as
    /// `-Djava.security.auth.login.config=<root>/jaas.conf` and registers
    /// the `sasl` scheme with the `zoo.cfg` entry
    /// `authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider`.
    /// Clients without SASL are still accepted (ZooKeeper's default).
    /// A client authenticated as `name` has the ACL identity `sasl:name`.
    ///
    /// # Panics
    ///
    /// If a name has characters other than ASCII letters, digits, `_` and
    /// `-`, or a password contains `${` (JAAS would expand it).
    pub fn sasl_digest_users(mut self, users: &[(&str, &str)]) -> Self {
        for (name, password) in users {
            assert!(
                crate::config::is_valid_sasl_user(name),
                "SASL user name {name:?}: use ASCII letters, digits, `_` and `-`"
            );
            assert!(
                !password.contains("${"),
                "the password of SASL user {name:?} contains `${{`, which JAAS expands"
            );
        }
        let users = users.iter().map(|(n, p)| (n.to_string(), p.to_string())).collect();
        self.settings.sasl_users = Some(users);
        self
    }

    /// Makes the ensemble's root directory (every member's `dataDir`, and
    /// so its transaction log) in `dir`, which is created if missing, rather
    /// than in the system's temporary directory (`$TMPDIR`, else `/tmp`).
    ///
    /// For servers whose disk matters: with
    /// `.system_property("zookeeper.forceSync", "yes")` every write waits for
    /// an fsync of the log, which on a `tmpfs` `/tmp` costs nothing. The root
    /// is removed as usual when the ensemble is dropped; `dir` is kept.
    pub fn parent_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.settings.parent_dir = Some(dir.into());
        self
    }

    /// Bound for starting (and restarting) members; default 60 s.
    pub fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.settings.startup_timeout = timeout;
        self
    }

    /// The Java binary (default `$ZOOKIT_JAVA`, else `java` from `PATH`).
    pub fn java(mut self, java: impl Into<OsString>) -> Self {
        self.settings.java = java.into();
        self
    }

    /// The class path (default `$ZOOKIT_ZOOKEEPER_CLASSPATH`, else Debian's
    /// `/usr/share/java/zookeeper.jar` and `/usr/share/java/slf4j-simple.jar`).
    pub fn classpath<I, P>(mut self, jars: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<PathBuf>,
    {
        self.settings.classpath = jars.into_iter().map(Into::into).collect();
        self
    }

    /// Starts the members and waits until they all serve and, for an
    /// ensemble, exactly one of them leads.
    ///
    /// Retries with fresh ports if a port was taken in the meantime.
    pub fn start(self) -> Result<Ensemble> {
        self.settings.check_installed()?;
        let mut attempt = 1;
        loop {
            match Ensemble::launch(&self.settings) {
                Ok(ensemble) => return Ok(ensemble),
                Err(failed) if failed.port_in_use && attempt < START_ATTEMPTS => attempt += 1,
                Err(failed) => return Err(failed.error),
            }
        }
    }
}

impl Ensemble {
    /// A builder with the defaults (one member, fast-start JVM options).
    pub fn builder() -> EnsembleBuilder {
        EnsembleBuilder::default()
    }

    /// Starts one standalone server and waits until it serves.
    pub fn standalone() -> Result<Ensemble> {
        Ensemble::builder().start()
    }

    /// Starts `n` members (standalone if `n == 1`) and waits until they serve
    /// with one leader.
    pub fn start(n: usize) -> Result<Ensemble> {
        Ensemble::builder().members(n).start()
    }

    /// One attempt to start an ensemble on fresh ports.
    fn launch(settings: &Settings) -> Result<Ensemble, LaunchError> {
        let mut root = tempfile::Builder::new();
        root.prefix("zookit-zk-");
        let root = match &settings.parent_dir {
            Some(parent) => std::fs::create_dir_all(parent)
                .and_then(|()| root.tempdir_in(parent))
                .map_err(|e| Error::io(format!("creating a directory in {}", parent.display()), e)),
            None => root.tempdir().map_err(|e| Error::io("creating a temporary directory", e)),
        }?;
        let root_path = root.path().to_path_buf();
        let janitor = Janitor::spawn(&root_path)
            .map_err(|e| Error::io("spawning the janitor process (`sh`)", e))?;
        // From here on, Drop cleans up whatever happens.
        let mut ensemble = Ensemble {
            members: Vec::new(),
            settings: settings.clone(),
            root: Some(root),
            root_path,
            janitor: Some(janitor),
        };
        // With the paths of the TLS and JAAS files, for starts and restarts.
        ensemble.settings = settings.prepare(&ensemble.root_path)?;
        let settings = &ensemble.settings;
        let n = settings.members;
        let tls = settings.tls.is_some();
        // Per member: client, [quorum, election,] [secure client].
        let per_member = if n == 1 { 1 } else { 3 } + usize::from(tls);
        let p = free_ports(per_member * n).map_err(|e| Error::io("allocating ports", e))?;
        let ports: Vec<MemberPorts> = p
            .chunks(per_member)
            .map(|c| MemberPorts {
                client: c[0],
                quorum: if n == 1 { 0 } else { c[1] },
                election: if n == 1 { 0 } else { c[2] },
                secure_client: tls.then(|| c[per_member - 1]),
            })
            .collect();
        for index in 0..n {
            let member = Member::create(&ensemble.root_path, settings, &ports, index)?;
            ensemble.members.push(member);
        }
        for member in &ensemble.members {
            member.spawn(settings)?;
        }
        let all: Vec<usize> = (0..n).collect();
        let what = if n == 1 {
            "the standalone ZooKeeper server to serve".to_string()
        } else {
            format!("all {n} ZooKeeper members to serve with exactly one leader")
        };
        let ready = ensemble.wait_until(&what, settings.startup_timeout, &all, |modes| {
            ensemble.all_serve_with_one_leader(modes).then_some(())
        });
        match ready {
            Ok(()) => Ok(ensemble),
            Err(error) => Err(LaunchError {
                error,
                port_in_use: ensemble.members.iter().any(Member::log_reports_port_in_use),
            }),
        }
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

    fn member(&self, i: usize) -> &Member {
        let n = self.members.len();
        self.members
            .get(i)
            .unwrap_or_else(|| panic!("member index {i} out of range (ensemble of {n})"))
    }

    /// `"127.0.0.1:p1,127.0.0.1:p2,..."`: the client addresses of all members.
    pub fn connect_string(&self) -> String {
        self.members.iter().map(|m| m.client_addr().to_string()).collect::<Vec<_>>().join(",")
    }

    /// [`connect_string`](Self::connect_string) followed by a chroot path,
    /// e.g. `"127.0.0.1:2181/zookit-test-foo-12-0"`.
    pub fn connect_string_with_chroot(&self, chroot: &str) -> String {
        format!("{}{chroot}", self.connect_string())
    }

    /// The client address (`127.0.0.1:port`) of member `i`.
    pub fn member_address(&self, i: usize) -> SocketAddr {
        self.member(i).client_addr()
    }

    /// The TLS client address (`127.0.0.1:port`) of member `i`.
    ///
    /// # Panics
    ///
    /// If TLS is not enabled ([`EnsembleBuilder::tls`]) or `i` is out of range.
    pub fn secure_address(&self, i: usize) -> SocketAddr {
        self.member(i).secure_addr().unwrap_or_else(|| {
            panic!(
                "member {i} has no secure client port: TLS is not enabled (EnsembleBuilder::tls)"
            )
        })
    }

    /// `"127.0.0.1:p1,127.0.0.1:p2,..."`: the TLS client addresses of all
    /// members.
    ///
    /// # Panics
    ///
    /// If TLS is not enabled ([`EnsembleBuilder::tls`]).
    pub fn secure_connect_string(&self) -> String {
        (0..self.len()).map(|i| self.secure_address(i).to_string()).collect::<Vec<_>>().join(",")
    }

    /// Whether members have a TLS client port ([`EnsembleBuilder::tls`]).
    pub fn has_tls(&self) -> bool {
        self.settings.tls.is_some()
    }

    /// The client port of member `i`.
    pub fn client_port(&self, i: usize) -> u16 {
        self.member(i).client_addr().port()
    }

    /// The root directory holding every member's directory.
    pub fn root_dir(&self) -> &Path {
        &self.root_path
    }

    /// Member `i`'s directory (`zoo.cfg`, `data/`, `zookeeper.log`).
    pub fn member_dir(&self, i: usize) -> &Path {
        self.member(i).dir()
    }

    /// Path of member `i`'s log file (stdout and stderr of its JVM runs).
    pub fn log_path(&self, i: usize) -> PathBuf {
        self.member(i).log_path()
    }

    /// The last `lines` lines of member `i`'s log.
    pub fn log_tail(&self, i: usize, lines: usize) -> String {
        self.member(i).log_tail(lines)
    }

    /// The pid of member `i`'s JVM, if it was started and not yet reaped.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.member(i).pid()
    }

    /// Whether member `i`'s JVM is running.
    pub fn is_running(&self, i: usize) -> bool {
        matches!(self.member(i).state(), ProcessState::Running)
    }

    /// Sends `word` (e.g. `"mntr"`) to member `i`; see [`four_letter_word`].
    pub fn four_letter(&self, i: usize, word: &str) -> io::Result<String> {
        four_letter_word(self.member_address(i), word, FOUR_LETTER_TIMEOUT)
    }

    /// Member `i`'s `Mode:` from `srvr` (`"standalone"`, `"leader"`,
    /// `"follower"`, `"read-only"`, ...); `None` if it does not answer or does
    /// not serve.
    pub fn mode(&self, i: usize) -> Option<String> {
        let answer = self.four_letter(i, "srvr").ok()?;
        parse_mode(&answer).map(str::to_string)
    }

    fn modes(&self) -> Vec<Option<String>> {
        (0..self.len()).map(|i| self.mode(i)).collect()
    }

    /// The mode(s) that count as serving normally for this ensemble.
    fn is_serving_mode(&self, mode: &str) -> bool {
        if self.is_standalone() {
            mode == "standalone"
        } else {
            matches!(mode, "leader" | "follower" | "observer")
        }
    }

    fn leader_in(&self, modes: &[Option<String>]) -> Option<usize> {
        let leader_mode = if self.is_standalone() { "standalone" } else { "leader" };
        let mut leaders = modes
            .iter()
            .enumerate()
            .filter(|(_, m)| m.as_deref() == Some(leader_mode))
            .map(|(i, _)| i);
        match (leaders.next(), leaders.next()) {
            (Some(i), None) => Some(i),
            _ => None,
        }
    }

    fn all_serve_with_one_leader(&self, modes: &[Option<String>]) -> bool {
        modes.iter().all(|m| m.as_deref().is_some_and(|m| self.is_serving_mode(m)))
            && self.leader_in(modes).is_some()
    }

    /// Index of the member whose `srvr` says `Mode: leader` (member 0 when it
    /// says `Mode: standalone` for a standalone server); `None` unless exactly
    /// one member says so.
    pub fn leader(&self) -> Option<usize> {
        self.leader_in(&self.modes())
    }

    /// Waits up to `timeout` until [`leader`](Self::leader) returns a member.
    pub fn wait_for_leader(&self, timeout: Duration) -> Result<usize> {
        self.wait_until("a single ZooKeeper leader", timeout, &[], |modes| self.leader_in(modes))
    }

    /// Waits up to `timeout` until member `i` serves normally (`standalone`,
    /// or `leader`/`follower`/`observer` in an ensemble); returns its mode.
    pub fn wait_until_serving(&self, i: usize, timeout: Duration) -> Result<String> {
        self.wait_until(&format!("member {i} to serve"), timeout, &[i], |modes| {
            modes[i].clone().filter(|m| self.is_serving_mode(m))
        })
    }

    /// Waits up to `timeout` until member `i`'s `srvr` reports `Mode: <mode>`
    /// (e.g. `"read-only"`).
    pub fn wait_for_mode(&self, i: usize, mode: &str, timeout: Duration) -> Result<()> {
        self.wait_until(&format!("member {i} to report `Mode: {mode}`"), timeout, &[i], |modes| {
            (modes[i].as_deref() == Some(mode)).then_some(())
        })
    }

    /// Stops member `i` gracefully: SIGTERM, then waits for the JVM to exit
    /// (SIGKILL after 10 s). Does nothing if it is not running.
    pub fn stop(&self, i: usize) -> Result<()> {
        self.member(i).stop()
    }

    /// Kills member `i` with SIGKILL and reaps it. Does nothing if it is not
    /// running.
    pub fn kill(&self, i: usize) -> Result<()> {
        self.member(i).kill()
    }

    /// Stops member `i` if it runs, starts it again with the same ports,
    /// configuration and data, and waits (startup timeout) until it serves:
    /// `standalone`, or `leader`/`follower` in an ensemble (which needs a
    /// quorum; otherwise use [`start_member_no_wait`](Self::start_member_no_wait)).
    pub fn restart(&self, i: usize) -> Result<()> {
        self.stop(i)?;
        self.start_member_no_wait(i)?;
        self.wait_until_serving(i, self.settings.startup_timeout).map(drop)
    }

    /// Starts stopped member `i` again (same ports, configuration and data)
    /// and returns as soon as its JVM is spawned. Fails with
    /// [`Error::AlreadyRunning`] if it runs.
    pub fn start_member_no_wait(&self, i: usize) -> Result<()> {
        self.member(i).spawn(&self.settings)
    }

    /// Polls the modes of all members until `done` returns something or
    /// `timeout` passes. Fails at once if one of the members in `must_run`
    /// is not running.
    fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        must_run: &[usize],
        mut done: impl FnMut(&[Option<String>]) -> Option<T>,
    ) -> Result<T> {
        let start = Instant::now();
        loop {
            for &i in must_run {
                let status = match self.member(i).state() {
                    ProcessState::Running => continue,
                    ProcessState::NotStarted => "not running".to_string(),
                    ProcessState::Exited(status) => status,
                };
                return Err(Error::Exited {
                    member: i,
                    status,
                    log_tail: self.log_tail(i, ERROR_LOG_LINES),
                });
            }
            let modes = self.modes();
            if let Some(found) = done(&modes) {
                return Ok(found);
            }
            if start.elapsed() >= timeout {
                return Err(Error::Timeout {
                    what: what.to_string(),
                    waited: start.elapsed(),
                    details: self.describe(&modes),
                });
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// State of every member plus the log tails of those not serving
    /// normally (of all of them if each one does).
    fn describe(&self, modes: &[Option<String>]) -> String {
        let mut text = String::new();
        let mut troubled = Vec::new();
        for (i, mode) in modes.iter().enumerate() {
            let process = match self.member(i).state() {
                ProcessState::Running => "running".to_string(),
                ProcessState::NotStarted => "not running".to_string(),
                ProcessState::Exited(status) => format!("exited ({status})"),
            };
            let mode = mode.as_deref().unwrap_or("not serving");
            let _ = writeln!(text, "member {i} ({}, {process}): {mode}", self.member_address(i));
            if !self.is_serving_mode(mode) {
                troubled.push(i);
            }
        }
        if troubled.is_empty() {
            troubled = (0..self.len()).collect();
        }
        for i in troubled {
            let _ = write!(
                text,
                "---- last {ERROR_LOG_LINES} lines of {} ----\n{}",
                self.log_path(i).display(),
                self.log_tail(i, ERROR_LOG_LINES)
            );
        }
        text
    }
}

/// A failed start attempt; `port_in_use` says whether a retry on fresh
/// ports may succeed.
#[derive(Debug)]
struct LaunchError {
    error: Error,
    port_in_use: bool,
}

impl From<Error> for LaunchError {
    fn from(error: Error) -> Self {
        LaunchError { error, port_in_use: false }
    }
}

impl Drop for Ensemble {
    fn drop(&mut self) {
        let mut cleaned = true;
        for member in &self.members {
            cleaned &= member.kill().is_ok();
        }
        if let Some(root) = self.root.take() {
            if cleaned {
                cleaned = root.close().is_ok();
            } else {
                // Leave it to the janitor, which kills by pid file first.
                let _ = root.keep();
            }
        }
        if let Some(janitor) = self.janitor.take() {
            janitor.finish(cleaned);
        }
    }
}
