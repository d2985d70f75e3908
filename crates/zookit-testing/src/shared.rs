//! One server shared by all tests of a test binary, of the kind
//! `ZOOKIT_TEST_SERVER` picks, and own servers of that kind for tests that
//! stop, kill or restart them.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::choice::{ServerKind, TestEnsemble, TestEnsembleBuilder};
use crate::ensemble::Ensemble;
use crate::error::Result;

/// Returns the standalone server shared by every test of this test binary,
/// starting it on first use: Apache ZooKeeper, or the embedded server when
/// `ZOOKIT_TEST_SERVER=embedded` ([`ServerKind::from_env`]).
///
/// It is never dropped: when the test process exits, the Apache server's
/// janitor kills the JVM and removes its directory (the embedded server
/// ends with the process). Tests sharing it run concurrently, so each
/// must work below its own chroot ([`unique_chroot`]) and must not stop,
/// kill or partition it — start an own server for that ([`standalone()`],
/// [`builder()`]).
///
/// # Panics
///
/// If `ZOOKIT_TEST_SERVER` has a value other than `apache` or `embedded`,
/// or if the server cannot be started (every caller panics with the same
/// message; the start is attempted only once).
pub fn shared() -> &'static TestEnsemble {
    static SHARED: OnceLock<std::result::Result<TestEnsemble, String>> = OnceLock::new();
    let kind = ServerKind::from_env();
    let result = SHARED.get_or_init(|| kind.standalone().map_err(|e| e.to_string()));
    match result {
        Ok(ensemble) => ensemble,
        Err(message) => panic!("cannot start the shared {} test server: {message}", kind.name()),
    }
}

/// Returns the standalone Apache ZooKeeper server shared by the tests of
/// this test binary that need the reference itself (a differential
/// comparison, the JVM's files and process), whatever `ZOOKIT_TEST_SERVER`
/// says. Otherwise as [`shared()`].
///
/// # Panics
///
/// If the server cannot be started.
pub fn shared_apache() -> &'static Ensemble {
    static SHARED: OnceLock<std::result::Result<Ensemble, String>> = OnceLock::new();
    let result = SHARED.get_or_init(|| Ensemble::standalone().map_err(|e| e.to_string()));
    match result {
        Ok(ensemble) => ensemble,
        Err(message) => panic!("cannot start the shared ZooKeeper server: {message}"),
    }
}

/// A builder for an own server or ensemble of the kind `ZOOKIT_TEST_SERVER`
/// picks ([`ServerKind::from_env`]), for tests that stop, kill, restart or
/// configure it (members, TLS, SASL).
///
/// ```no_run
/// # fn main() -> zookit_testing::Result<()> {
/// let zk = zookit_testing::builder().members(3).start()?;
/// zk.kill(0)?;
/// zk.restart(0)?;
/// # Ok(())
/// # }
/// ```
///
/// # Panics
///
/// If `ZOOKIT_TEST_SERVER` has a value other than `apache` or `embedded`.
pub fn builder() -> TestEnsembleBuilder {
    ServerKind::from_env().builder()
}

/// Starts an own standalone server of the kind `ZOOKIT_TEST_SERVER` picks
/// (see [`builder()`]).
///
/// # Panics
///
/// If `ZOOKIT_TEST_SERVER` has a value other than `apache` or `embedded`.
pub fn standalone() -> Result<TestEnsemble> {
    builder().start()
}

/// A chroot path unique to this process and call, e.g.
/// `"/zookit-test-watches-4242-7"`. It is not created; the client creates it.
///
/// Characters of `prefix` other than ASCII letters, digits, `-` and `_` are
/// replaced by `_`.
pub fn unique_chroot(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let prefix: String = prefix
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    format!("/zookit-test-{prefix}-{}-{n}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chroots_are_unique_paths() {
        let a = unique_chroot("a/b c");
        let b = unique_chroot("a/b c");
        assert_ne!(a, b);
        assert!(a.starts_with(&format!("/zookit-test-a_b_c-{}-", std::process::id())));
        assert_eq!(a.matches('/').count(), 1);
    }
}
