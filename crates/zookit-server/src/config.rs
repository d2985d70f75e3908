//! A server's settings, as the builder collects them.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

/// The four-letter words ZooKeeper knows (`FourLetterCommands`).
pub(crate) const FOUR_LETTER_WORDS: [&str; 15] = [
    "conf", "cons", "crst", "dirs", "dump", "envi", "isro", "mntr", "ruok", "srst", "srvr", "stat",
    "wchc", "wchp", "wchs",
];

/// Everything a server runs with.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) tick_time: Duration,
    pub(crate) min_session_timeout: Option<Duration>,
    pub(crate) max_session_timeout: Option<Duration>,
    /// Enabled four-letter words; `None`: all.
    pub(crate) four_letter_words: Option<BTreeSet<String>>,
    pub(crate) super_digest: Option<String>,
    pub(crate) container_check_interval: Duration,
    pub(crate) extended_types: bool,
    pub(crate) reconfig_enabled: bool,
    pub(crate) max_frame_len: usize,
    pub(crate) max_unsent_replies: usize,
    pub(crate) max_unsent_bytes: usize,
    pub(crate) max_connections: usize,
    pub(crate) handshake_timeout: Duration,
    /// The data directory and how it is kept (in memory without one).
    pub(crate) persist: Settings,
    /// Whether the plain client port is opened.
    pub(crate) plain_port: bool,
    /// The TLS client port (`secureClientPort`) and its host, if any.
    pub(crate) secure_port: Option<u16>,
    pub(crate) secure_host: Option<String>,
    pub(crate) tls: Option<crate::net::tls::Tls>,
    /// SASL DIGEST-MD5 users; `None`: SASL is not configured.
    pub(crate) sasl: Option<crate::state::SaslUsers>,
    /// The SASL user that is the super user (`zookeeper.superUser`).
    pub(crate) sasl_super_user: Option<String>,
    /// The certificate subject that is the super user
    /// (`zookeeper.X509AuthenticationProvider.superUser`).
    pub(crate) x509_super_user: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: 2181,
            tick_time: Duration::from_millis(2000),
            min_session_timeout: None,
            max_session_timeout: None,
            four_letter_words: None,
            super_digest: None,
            container_check_interval: Duration::from_secs(60),
            extended_types: true,
            reconfig_enabled: false,
            // jute.maxbuffer
            max_frame_len: 0xfffff,
            max_unsent_replies: 100_000,
            max_unsent_bytes: 64 << 20,
            max_connections: 60_000,
            // zookeeper.nio.sessionlessCnxnTimeout
            handshake_timeout: Duration::from_secs(10),
            persist: Settings::default(),
            plain_port: true,
            secure_port: None,
            secure_host: None,
            tls: None,
            sasl: None,
            sasl_super_user: None,
            x509_super_user: None,
        }
    }
}

fn millis(d: Duration) -> i32 {
    i32::try_from(d.as_millis()).unwrap_or(i32::MAX)
}

impl Config {
    /// The tick, in milliseconds (at least 1).
    pub(crate) fn tick_ms(&self) -> u64 {
        u64::try_from(self.tick_time.as_millis()).unwrap_or(u64::MAX).max(1)
    }

    /// The smallest session timeout granted: 2 ticks unless set.
    pub(crate) fn min_session_timeout_ms(&self) -> i32 {
        self.min_session_timeout.map_or_else(|| millis(self.tick_time).saturating_mul(2), millis)
    }

    /// The largest session timeout granted: 20 ticks unless set.
    pub(crate) fn max_session_timeout_ms(&self) -> i32 {
        self.max_session_timeout.map_or_else(|| millis(self.tick_time).saturating_mul(20), millis)
    }

    /// Whether a four-letter word may run.
    pub(crate) fn four_letter_enabled(&self, word: &str) -> bool {
        // `srvr` is always on: ZooKeeper's scripts depend on it.
        word == "srvr" || self.four_letter_words.as_ref().is_none_or(|words| words.contains(word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_timeouts_follow_the_tick() {
        let config = Config { tick_time: Duration::from_millis(500), ..Config::default() };
        assert_eq!(
            (config.min_session_timeout_ms(), config.max_session_timeout_ms()),
            (1000, 10_000)
        );
        let config = Config { max_session_timeout: Some(Duration::from_secs(60)), ..config };
        assert_eq!(config.max_session_timeout_ms(), 60_000);
    }

    #[test]
    fn whitelists() {
        let mut config = Config::default();
        assert!(config.four_letter_enabled("mntr"));
        config.four_letter_words = Some(BTreeSet::from(["ruok".to_owned()]));
        assert!(config.four_letter_enabled("ruok") && config.four_letter_enabled("srvr"));
        assert!(!config.four_letter_enabled("mntr"));
    }
}

/// Whether the server waits for the disk before answering a write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fsync {
    /// Every write is on disk (`fdatasync`) before it is answered;
    /// concurrent writes share one sync. The default.
    #[default]
    Always,
    /// Writes are handed to the operating system before they are answered
    /// but the server does not wait for the disk: nothing acknowledged is
    /// lost if the server's process dies (even by `kill -9`), but a crash
    /// of the machine can lose the last writes. For tests.
    Never,
}

/// Where and how the server keeps its data.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// `dataDir`: snapshots, and logs unless `data_log_dir` is set. `None`:
    /// in memory.
    pub(crate) data_dir: Option<PathBuf>,
    /// `dataLogDir`: the logs, on a device of their own.
    pub(crate) data_log_dir: Option<PathBuf>,
    pub(crate) fsync: Fsync,
    /// `snapCount`: entries logged between snapshots.
    pub(crate) snap_count: u64,
    /// Log bytes between snapshots.
    pub(crate) snap_size_limit: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: None,
            data_log_dir: None,
            fsync: Fsync::Always,
            // ZooKeeper's snapCount.
            snap_count: 100_000,
            snap_size_limit: 64 << 20,
        }
    }
}
