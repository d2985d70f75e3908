//! One standalone server shared by all tests of a test binary.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::ensemble::Ensemble;

/// Returns the standalone server shared by every test of this test binary,
/// starting it on first use.
///
/// It is never dropped: when the test process exits, its janitor kills the
/// JVM and removes its directory. Tests sharing it run concurrently, so each
/// must work below its own chroot ([`unique_chroot`]) and must not stop,
/// kill or partition it — start an own [`Ensemble`] for that.
///
/// # Panics
///
/// If the server cannot be started (every caller panics with the same
/// message; the start is attempted only once).
pub fn shared() -> &'static Ensemble {
    static SHARED: OnceLock<Result<Ensemble, String>> = OnceLock::new();
    let result = SHARED.get_or_init(|| Ensemble::standalone().map_err(|e| e.to_string()));
    match result {
        Ok(ensemble) => ensemble,
        Err(message) => panic!("cannot start the shared ZooKeeper server: {message}"),
    }
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
