//! Names that must not collide: random ids of nodes, and kazoo's default
//! identifier of a participant.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A random 128-bit id as 32 lowercase hex digits (as Python's
/// `uuid4().hex`). Unique across processes: the hasher keys are random per
/// process and thread, and time, process id and a counter are mixed in.
pub(crate) fn unique_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut halves = [0u64; 2];
    for (half, value) in halves.iter_mut().enumerate() {
        // Each RandomState has its own random keys.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(half);
        hasher.write_u64(count);
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        *value = hasher.finish();
    }
    format!("{:016x}{:016x}", halves[0], halves[1])
}

/// kazoo's default identifier of a participant: the host name and the
/// process id, `"host-1234"`.
pub fn default_identifier() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_ids_look_like_uuid_hex_and_differ() {
        let a = unique_id();
        let b = unique_id();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_default_identifier_ends_with_the_pid() {
        assert!(default_identifier().ends_with(&format!("-{}", std::process::id())));
    }
}
