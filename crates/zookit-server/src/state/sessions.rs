//! Sessions as ZooKeeper's `SessionTrackerImpl` tracks them: ids, timeouts,
//! passwords, and expiry rounded up to the next tick (`ExpiryQueue`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::ConnId;

/// One session.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) id: i64,
    /// The negotiated timeout, in milliseconds.
    pub(crate) timeout: i32,
    /// When it expires (on the server's monotonic clock, in milliseconds),
    /// unless touched before.
    pub(crate) expires_at: u64,
    /// Set once it is being closed: further requests are refused.
    pub(crate) closing: bool,
    /// The connection it is attached to, if any.
    pub(crate) conn: Option<ConnId>,
}

/// The session table.
#[derive(Debug)]
pub(crate) struct Sessions {
    by_id: HashMap<i64, Session>,
    /// Sessions by the tick they expire at.
    expiry: BTreeMap<u64, BTreeSet<i64>>,
    next_id: i64,
    /// Mixed into passwords, as ZooKeeper's `superSecret`, but per server.
    secret: i64,
    tick: u64,
}

impl Sessions {
    /// A table for a server whose clock reads `wall_ms` now; `secret` keys
    /// the session passwords.
    pub(crate) fn new(tick_ms: u64, wall_ms: i64, secret: i64) -> Self {
        Self {
            by_id: HashMap::new(),
            expiry: BTreeMap::new(),
            // As SessionTrackerImpl.initializeNextSessionId for server id 1.
            next_id: ((wall_ms << 24) as u64 >> 8) as i64 | (1 << 56),
            secret,
            tick: tick_ms.max(1),
        }
    }

    /// The password of session `id` (`ZooKeeperServer.generatePasswd`).
    pub(crate) fn password(&self, id: i64) -> [u8; 16] {
        java_random_bytes(id ^ self.secret)
    }

    /// Starts a session with the negotiated `timeout`.
    pub(crate) fn create(&mut self, timeout: i32, now: u64) -> i64 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        self.by_id.insert(id, Session { id, timeout, expires_at: 0, closing: false, conn: None });
        self.touch(id, now);
        id
    }

    /// Puts back a session of a recovered server, expiring after its
    /// timeout from `now` unless touched; false if it is already there.
    /// Sessions created later get higher ids.
    pub(crate) fn restore(&mut self, id: i64, timeout: i32, now: u64) -> bool {
        if self.by_id.contains_key(&id) {
            return false;
        }
        self.next_id = self.next_id.max(id.wrapping_add(1));
        self.by_id.insert(id, Session { id, timeout, expires_at: 0, closing: false, conn: None });
        self.touch(id, now)
    }

    pub(crate) fn get(&self, id: i64) -> Option<&Session> {
        self.by_id.get(&id)
    }

    pub(crate) fn get_mut(&mut self, id: i64) -> Option<&mut Session> {
        self.by_id.get_mut(&id)
    }

    /// All sessions, by id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Session> {
        self.by_id.values()
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Pushes back a session's expiry; false if it is unknown or closing
    /// (`touchSession`).
    pub(crate) fn touch(&mut self, id: i64, now: u64) -> bool {
        let tick = self.tick;
        let Some(session) = self.by_id.get_mut(&id) else { return false };
        if session.closing {
            return false;
        }
        let timeout = u64::try_from(session.timeout).unwrap_or(0);
        let expires_at = ((now + timeout) / tick + 1) * tick;
        if expires_at != session.expires_at {
            let old = std::mem::replace(&mut session.expires_at, expires_at);
            if let Some(bucket) = self.expiry.get_mut(&old) {
                bucket.remove(&id);
                if bucket.is_empty() {
                    self.expiry.remove(&old);
                }
            }
            self.expiry.entry(expires_at).or_default().insert(id);
        }
        true
    }

    /// Marks a session as closing; later requests of it are refused.
    pub(crate) fn set_closing(&mut self, id: i64) {
        if let Some(session) = self.by_id.get_mut(&id) {
            session.closing = true;
        }
    }

    /// Forgets a closed session.
    pub(crate) fn remove(&mut self, id: i64) -> Option<Session> {
        let session = self.by_id.remove(&id)?;
        if let Some(bucket) = self.expiry.get_mut(&session.expires_at) {
            bucket.remove(&id);
            if bucket.is_empty() {
                self.expiry.remove(&session.expires_at);
            }
        }
        Some(session)
    }

    /// When the next session expires, if any does.
    pub(crate) fn next_expiry(&self) -> Option<u64> {
        self.expiry.keys().next().copied()
    }

    /// Takes the sessions that expired by `now`, in id order, marking them
    /// closing.
    pub(crate) fn take_expired(&mut self, now: u64) -> Vec<i64> {
        let mut expired = Vec::new();
        while let Some(entry) = self.expiry.first_entry() {
            if *entry.key() > now {
                break;
            }
            expired.extend(entry.remove());
        }
        for id in &expired {
            if let Some(session) = self.by_id.get_mut(id) {
                session.closing = true;
                session.expires_at = 0;
            }
        }
        expired
    }
}

/// The first 16 bytes of `java.util.Random(seed).nextBytes`.
fn java_random_bytes(seed: i64) -> [u8; 16] {
    const MULTIPLIER: i64 = 0x5_DEEC_E66D;
    const MASK: i64 = (1 << 48) - 1;
    let mut state = (seed ^ MULTIPLIER) & MASK;
    let mut out = [0_u8; 16];
    for chunk in out.chunks_mut(4) {
        state = (state.wrapping_mul(MULTIPLIER).wrapping_add(0xB)) & MASK;
        let mut value = (state >> 16) as i32;
        for byte in chunk {
            *byte = value as u8;
            value >>= 8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_follow_java_random() {
        // new java.util.Random(42).nextBytes(new byte[16])
        let expected: [i8; 16] =
            [53, -99, 65, -70, -9, -118, -2, 13, -31, -69, -25, -82, 40, -64, 69, 12];
        assert_eq!(java_random_bytes(42), expected.map(|b| b as u8));
    }

    #[test]
    fn expiry_is_rounded_to_the_next_tick() {
        let mut sessions = Sessions::new(500, 1_700_000_000_000, 7);
        let a = sessions.create(1000, 10_100);
        assert_eq!(sessions.get(a).unwrap().expires_at, 11_500);
        let b = sessions.create(1000, 10_200);
        assert_eq!(b, a + 1);
        assert_eq!(sessions.next_expiry(), Some(11_500));
        assert!(sessions.touch(a, 10_600));
        assert_eq!(sessions.get(a).unwrap().expires_at, 12_000);
        assert_eq!(sessions.take_expired(11_499), Vec::<i64>::new());
        assert_eq!(sessions.take_expired(11_500), [b]);
        assert!(!sessions.touch(b, 11_600), "an expiring session cannot be touched");
        assert!(sessions.remove(b).is_some());
        assert_eq!(sessions.take_expired(20_000), [a]);
        assert_eq!(sessions.next_expiry(), None);
    }

    #[test]
    fn ids_look_like_zookeepers() {
        let sessions = Sessions::new(2000, 1_700_000_000_000, 0);
        let id = sessions.next_id;
        assert_eq!(id >> 56, 1, "server id 1 in the high byte");
        assert_ne!(sessions.password(id), sessions.password(id + 1));
    }
}
