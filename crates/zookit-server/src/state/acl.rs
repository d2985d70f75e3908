//! Access control as ZooKeeper does it: ACL lists shared between znodes
//! (`ReferenceCountedACLCache`), the checks of `ZooKeeperServer.checkACL`,
//! `PrepRequestProcessor.fixupACL`, and the `world`, `auth`, `digest`, `ip`
//! and `super` schemes, with `sasl` and `x509` where they are registered.

use std::collections::HashMap;

use base64::Engine;
use sha1::{Digest, Sha1};
use zookit_proto::{Acl, ErrorCode, Id, Perms};

use super::sasl::Schemes;

/// A shared ACL list, as the znodes that use it refer to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct AclId(u32);

/// Every distinct ACL list in use, each stored once with a count of the
/// znodes using it.
#[derive(Debug, Default)]
pub(crate) struct AclCache {
    lists: Vec<(Vec<Acl>, usize)>,
    index: HashMap<Vec<Acl>, AclId>,
    free: Vec<AclId>,
}

impl AclCache {
    /// The id of `acl`, counting one more use of it.
    pub(crate) fn intern(&mut self, acl: &[Acl]) -> AclId {
        if let Some(&id) = self.index.get(acl) {
            self.lists[id.0 as usize].1 += 1;
            return id;
        }
        let entry = (acl.to_vec(), 1);
        let id = match self.free.pop() {
            Some(id) => {
                self.lists[id.0 as usize] = entry;
                id
            }
            None => {
                // Fewer distinct ACLs than znodes, which fit in memory.
                let id = AclId(u32::try_from(self.lists.len()).unwrap_or(u32::MAX));
                self.lists.push(entry);
                id
            }
        };
        self.index.insert(acl.to_vec(), id);
        id
    }

    /// Counts one use of `id` less, forgetting the list when unused.
    pub(crate) fn release(&mut self, id: AclId) {
        let Some(entry) = self.lists.get_mut(id.0 as usize) else { return };
        entry.1 = entry.1.saturating_sub(1);
        if entry.1 == 0 {
            let list = std::mem::take(&mut entry.0);
            self.index.remove(&list);
            self.free.push(id);
        }
    }

    /// The list `id` stands for.
    pub(crate) fn get(&self, id: AclId) -> &[Acl] {
        self.lists.get(id.0 as usize).map_or(&[], |entry| &entry.0)
    }

    /// How many distinct lists are in use.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }
}

/// `world:anyone` with every permission (`ZooDefs.Ids.OPEN_ACL_UNSAFE`).
pub(crate) fn open_acl_unsafe() -> Vec<Acl> {
    vec![Acl::new(Perms::ALL, Id::anyone())]
}

/// `world:anyone` may read (`ZooDefs.Ids.READ_ACL_UNSAFE`).
pub(crate) fn read_acl_unsafe() -> Vec<Acl> {
    vec![Acl::new(Perms::READ, Id::anyone())]
}

fn is_world_anyone(id: &Id) -> bool {
    id.scheme == "world" && id.id == "anyone"
}

/// Whether a session authenticated as `ids` may do what `perm` needs on a
/// znode whose ACL is `acl` (`ZooKeeperServer.checkACL`).
pub(crate) fn check(acl: &[Acl], perm: Perms, ids: &[Id]) -> Result<(), ErrorCode> {
    if acl.is_empty() || ids.iter().any(|id| id.scheme == "super") {
        return Ok(());
    }
    for entry in acl.iter().filter(|entry| entry.perms.intersects(perm)) {
        if is_world_anyone(&entry.id) {
            return Ok(());
        }
        let granted = ids.iter().filter(|id| id.scheme == entry.id.scheme).any(|id| {
            match entry.id.scheme.as_str() {
                "digest" | "sasl" | "x509" => id.id == entry.id.id,
                "ip" => ip_matches(&id.id, &entry.id.id),
                _ => false,
            }
        });
        if granted {
            return Ok(());
        }
    }
    Err(ErrorCode::NoAuth)
}

/// Checks an ACL being set and expands `auth` entries to the session's
/// authenticated ids (`PrepRequestProcessor.fixupACL`); `schemes` are the
/// extra schemes registered.
pub(crate) fn fixup(acl: &[Acl], ids: &[Id], schemes: Schemes) -> Result<Vec<Acl>, ErrorCode> {
    let mut unique: Vec<&Acl> = Vec::with_capacity(acl.len());
    for entry in acl {
        if !unique.contains(&entry) {
            unique.push(entry);
        }
    }
    if unique.is_empty() {
        return Err(ErrorCode::InvalidAcl);
    }
    let mut fixed = Vec::with_capacity(unique.len());
    for entry in unique {
        if is_world_anyone(&entry.id) {
            fixed.push(entry.clone());
        } else if entry.id.scheme == "auth" {
            // Identities of schemes that authenticate (not ip, not super).
            let before = fixed.len();
            fixed.extend(
                ids.iter()
                    .filter(|id| {
                        id.scheme == "digest"
                            || (id.scheme == "sasl" && schemes.sasl)
                            || (id.scheme == "x509" && schemes.x509)
                    })
                    .map(|id| Acl::new(entry.perms, id.clone())),
            );
            if fixed.len() == before {
                return Err(ErrorCode::InvalidAcl);
            }
        } else if is_valid_id(&entry.id, schemes) {
            fixed.push(entry.clone());
        } else {
            return Err(ErrorCode::InvalidAcl);
        }
    }
    Ok(fixed)
}

/// Whether an id of a scheme other than `world:anyone` and `auth` may be set.
fn is_valid_id(id: &Id, schemes: Schemes) -> bool {
    match id.scheme.as_str() {
        "sasl" if schemes.sasl => is_kerberos_name(&id.id),
        "x509" if schemes.x509 => is_distinguished_name(&id.id),
        "digest" => java_split(&id.id, ':').len() == 2,
        "ip" => {
            let (addr, bits) = match id.id.split_once('/') {
                Some((addr, bits)) => (addr, Some(bits)),
                None => (id.id.as_str(), None),
            };
            v4_bytes(addr).is_some() && bits.is_none_or(|bits| parse_bits(bits).is_some())
        }
        _ => false,
    }
}

/// `SASLAuthenticationProvider.isValid`: a Kerberos principal,
/// `name[/host][@REALM]`, each part non-empty and free of `/` and `@`.
fn is_kerberos_name(id: &str) -> bool {
    let (rest, realm) = match id.split_once('@') {
        Some((rest, realm)) => (rest, Some(realm)),
        None => (id, None),
    };
    let (name, host) = match rest.split_once('/') {
        Some((name, host)) => (name, Some(host)),
        None => (rest, None),
    };
    let part = |p: &str| !p.is_empty() && !p.contains(['/', '@']);
    part(name) && host.is_none_or(part) && realm.is_none_or(part)
}

/// `X509AuthenticationProvider.isValid`, approximately: a distinguished
/// name in RFC 2253 form, `type=value` pairs separated by unescaped `,`
/// or `+` (or nothing at all).
fn is_distinguished_name(id: &str) -> bool {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut chars = id.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                part.push(c);
                match chars.next() {
                    Some(escaped) => part.push(escaped),
                    None => return false,
                }
            }
            ',' | '+' | ';' => parts.push(std::mem::take(&mut part)),
            c => part.push(c),
        }
    }
    if id.is_empty() {
        return true;
    }
    parts.push(part);
    parts.iter().all(|p| p.split_once('=').is_some_and(|(kind, _)| !kind.trim().is_empty()))
}

/// `String.split(separator)` in Java: trailing empty strings are dropped.
fn java_split(s: &str, separator: char) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split(separator).collect();
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    parts
}

/// Java's `Integer.parseInt` for a mask length: an optional sign and ASCII
/// digits; `Some` only within 0..=32.
fn parse_bits(s: &str) -> Option<u32> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    let (negative, digits) = match digits.strip_prefix('-') {
        Some(rest) if !s.starts_with('+') => (true, rest),
        _ => (false, digits),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: u64 = digits.bytes().try_fold(0_u64, |v, b| {
        v.checked_mul(10)?.checked_add(u64::from(b - b'0')).filter(|v| *v <= 1 << 31)
    })?;
    match (negative, value) {
        (true, 0) => Some(0),
        (true, _) => None,
        (false, v) if v <= 32 => u32::try_from(v).ok(),
        _ => None,
    }
}

/// An IPv4 address in dotted quads (`IPAuthenticationProvider.v4addr2Bytes`).
fn v4_bytes(addr: &str) -> Option<[u8; 4]> {
    let mut out = [0_u8; 4];
    let mut parts = addr.split('.');
    for byte in &mut out {
        let part = parts.next()?;
        let digits = part.strip_prefix('+').unwrap_or(part);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 10 {
            return None;
        }
        *byte = u8::try_from(digits.parse::<u64>().ok()?).ok()?;
    }
    parts.next().is_none().then_some(out)
}

fn mask(bytes: &mut [u8; 4], bits: u32) {
    let bits = bits as usize;
    for (i, byte) in bytes.iter_mut().enumerate() {
        if i * 8 >= bits {
            *byte = 0;
        } else if i * 8 + 8 > bits {
            *byte &= !(0xff_u8 >> (bits - i * 8));
        }
    }
}

/// Whether the client address `id` is in the ACL's `addr[/bits]`
/// (`IPAuthenticationProvider.matches`; IPv4 only, as there).
fn ip_matches(id: &str, acl_expr: &str) -> bool {
    let (addr, bits) = match acl_expr.split_once('/') {
        Some((addr, bits)) => (addr, Some(bits)),
        None => (acl_expr, None),
    };
    let Some(mut acl_addr) = v4_bytes(addr) else { return false };
    let bits = match bits {
        Some(bits) => match parse_bits(bits) {
            Some(bits) => bits,
            None => return false,
        },
        None => 32,
    };
    let Some(mut client) = v4_bytes(id) else { return false };
    mask(&mut acl_addr, bits);
    mask(&mut client, bits);
    acl_addr == client
}

/// `user:base64(sha1(user:password))` for the credentials `user:password`
/// (`DigestAuthenticationProvider.generateDigest`).
pub(crate) fn generate_digest(credentials: &str) -> String {
    let user = credentials.split(':').next().unwrap_or_default();
    let hash = Sha1::digest(credentials.as_bytes());
    format!("{user}:{}", base64::engine::general_purpose::STANDARD.encode(hash))
}

/// The user name `whoAmI` reports for an id (`getUserName` of its
/// scheme's provider; none for `super`).
pub(crate) fn user_name(id: &Id) -> &str {
    match id.scheme.as_str() {
        "digest" => id.id.split(':').next().unwrap_or_default(),
        "ip" | "sasl" | "x509" => &id.id,
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(perms: Perms, scheme: &str, id: &str) -> Acl {
        Acl::new(perms, Id::new(scheme, id))
    }

    #[test]
    fn digests_match_zookeeper() {
        // zookit-testing's super user: super:zookit-test.
        assert_eq!(generate_digest("super:zookit-test"), "super:y+OuwIkYNvhyrfSObq+zwH6eTZk=");
        assert!(generate_digest("nopassword").starts_with("nopassword:"));
    }

    #[test]
    fn interning_shares_lists_and_forgets_unused_ones() {
        let mut cache = AclCache::default();
        let open = cache.intern(&open_acl_unsafe());
        assert_eq!(cache.intern(&open_acl_unsafe()), open);
        let read = cache.intern(&read_acl_unsafe());
        assert_ne!(read, open);
        assert_eq!(cache.len(), 2);
        cache.release(read);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(open), open_acl_unsafe().as_slice());
        let again = cache.intern(&[acl(Perms::READ, "ip", "10.0.0.1")]);
        assert_eq!(again, read, "a freed id is reused");
    }

    #[test]
    fn checks_follow_zookeeper() {
        let ip = vec![Id::new("ip", "127.0.0.1")];
        let only_ip = [acl(Perms::READ, "ip", "127.0.0.0/8")];
        assert_eq!(check(&only_ip, Perms::READ, &ip), Ok(()));
        assert_eq!(check(&only_ip, Perms::WRITE, &ip), Err(ErrorCode::NoAuth));
        assert_eq!(check(&[], Perms::WRITE, &ip), Ok(()), "an empty ACL allows all");
        let digest = [acl(Perms::ALL, "digest", "u:hash")];
        assert_eq!(check(&digest, Perms::READ, &ip), Err(ErrorCode::NoAuth));
        let mut with_digest = ip.clone();
        with_digest.push(Id::new("digest", "u:hash"));
        assert_eq!(check(&digest, Perms::READ, &with_digest), Ok(()));
        let mut superuser = ip;
        superuser.push(Id::new("super", ""));
        assert_eq!(check(&digest, Perms::ADMIN, &superuser), Ok(()));
    }

    #[test]
    fn ip_masks() {
        assert!(ip_matches("10.1.2.3", "10.0.0.0/8"));
        assert!(!ip_matches("11.1.2.3", "10.0.0.0/8"));
        assert!(ip_matches("10.1.2.3", "10.1.2.3"));
        assert!(ip_matches("10.1.2.3", "0.0.0.0/0"));
        assert!(ip_matches("10.1.2.3", "10.1.2.0/+24"));
        assert!(ip_matches("10.1.2.3", "10.1.3.3/22"));
        assert!(!ip_matches("10.1.2.3", "10.1.2.4/32"));
        assert!(!ip_matches("10.1.2.3", "10.1.2.4/33"));
        assert!(!ip_matches("0:0:0:0:0:0:0:1", "0:0:0:0:0:0:0:1"));
    }

    #[test]
    fn fixup_validates_and_expands() {
        let ids = vec![Id::new("ip", "127.0.0.1"), Id::new("digest", "u:h")];
        let none = Schemes::default();
        let fixup = |acl: &[Acl], ids: &[Id]| fixup(acl, ids, none);
        let world = acl(Perms::ALL, "world", "anyone");
        assert_eq!(fixup(&[world.clone(), world.clone()], &ids), Ok(vec![world.clone()]));
        assert_eq!(fixup(&[], &ids), Err(ErrorCode::InvalidAcl));
        assert_eq!(
            fixup(&[acl(Perms::READ, "auth", "")], &ids),
            Ok(vec![acl(Perms::READ, "digest", "u:h")])
        );
        assert_eq!(fixup(&[acl(Perms::READ, "auth", "")], &ids[..1]), Err(ErrorCode::InvalidAcl));
        for bad in
            [("world", "someone"), ("digest", "nocolon"), ("digest", "a:b:c"), ("ip", "1.2.3")]
        {
            assert_eq!(fixup(&[acl(Perms::READ, bad.0, bad.1)], &ids), Err(ErrorCode::InvalidAcl));
        }
        for good in [("digest", "a:b:"), ("ip", "1.2.3.4/0"), ("ip", "1.2.3.4")] {
            assert!(fixup(&[acl(Perms::READ, good.0, good.1)], &ids).is_ok(), "{good:?}");
        }
        assert_eq!(fixup(&[acl(Perms::READ, "sasl", "u")], &ids), Err(ErrorCode::InvalidAcl));
        assert_eq!(fixup(&[acl(Perms::READ, "x509", "CN=a")], &ids), Err(ErrorCode::InvalidAcl));
    }

    #[test]
    fn sasl_and_x509_where_registered() {
        let all = Schemes { sasl: true, x509: true };
        let ids = vec![
            Id::new("ip", "127.0.0.1"),
            Id::new("sasl", "alice"),
            Id::new("x509", "CN=app"),
            Id::new("super", ""),
        ];
        assert_eq!(
            fixup(&[acl(Perms::READ, "auth", "")], &ids, all),
            Ok(vec![acl(Perms::READ, "sasl", "alice"), acl(Perms::READ, "x509", "CN=app")])
        );
        let sasl_only = Schemes { sasl: true, x509: false };
        assert_eq!(
            fixup(&[acl(Perms::READ, "auth", "")], &ids, sasl_only),
            Ok(vec![acl(Perms::READ, "sasl", "alice")])
        );
        for good in ["alice", "zk/host.example@EXAMPLE.COM", "a@B"] {
            assert!(fixup(&[acl(Perms::READ, "sasl", good)], &[], all).is_ok(), "{good}");
        }
        for bad in ["", "a@b@c", "a/b/c", "/x", "a@"] {
            assert!(fixup(&[acl(Perms::READ, "sasl", bad)], &[], all).is_err(), "{bad}");
        }
        for good in ["CN=app", "CN=a\\,b,O=x", "CN=a+UID=b", ""] {
            assert!(fixup(&[acl(Perms::READ, "x509", good)], &[], all).is_ok(), "{good:?}");
        }
        for bad in ["app", "CN=a,nothing", "=x", "CN=a\\"] {
            assert!(fixup(&[acl(Perms::READ, "x509", bad)], &[], all).is_err(), "{bad:?}");
        }
        assert_eq!(check(&[acl(Perms::READ, "sasl", "alice")], Perms::READ, &ids), Ok(()));
        assert_eq!(check(&[acl(Perms::READ, "x509", "CN=app")], Perms::READ, &ids[..3]), Ok(()));
        assert_eq!(
            check(&[acl(Perms::READ, "sasl", "bob")], Perms::READ, &ids[..3]),
            Err(ErrorCode::NoAuth)
        );
    }

    #[test]
    fn whoami_user_names() {
        assert_eq!(user_name(&Id::new("digest", "u:h")), "u");
        assert_eq!(user_name(&Id::new("ip", "127.0.0.1")), "127.0.0.1");
        assert_eq!(user_name(&Id::new("super", "")), "");
        assert_eq!(user_name(&Id::new("sasl", "alice")), "alice");
        assert_eq!(user_name(&Id::new("x509", "CN=a")), "CN=a");
    }
}
