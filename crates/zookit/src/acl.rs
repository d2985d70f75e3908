//! ACL helpers, as kazoo's `kazoo.security` offers them.

use base64::Engine;
use sha1::{Digest, Sha1};
use zookit_proto::{Acl, Id, Perms};

/// An ACL entry granting `perms` to `credential` in `scheme` (kazoo's
/// `make_acl`).
///
/// ```
/// use zookit::{Perms, acl};
///
/// let entry = acl::make_acl("ip", "10.0.0.0/8", Perms::READ | Perms::WRITE);
/// assert_eq!(entry.id.scheme, "ip");
/// ```
pub fn make_acl(scheme: &str, credential: &str, perms: Perms) -> Acl {
    Acl::new(perms, Id::new(scheme, credential))
}

/// The `digest` scheme's id for a user and password: `user:` and the
/// base64 of the SHA-1 of `user:password`, as ZooKeeper's
/// `DigestAuthenticationProvider` computes it (kazoo's
/// `make_digest_acl_credential`).
///
/// ```
/// assert_eq!(zookit::acl::make_digest_acl_credential("user", "pass"), "user:smGaoVKd/cQkjm7b88GyorAUz20=");
/// ```
pub fn make_digest_acl_credential(username: &str, password: &str) -> String {
    let digest = Sha1::digest(format!("{username}:{password}").as_bytes());
    format!("{username}:{}", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// An ACL entry granting `perms` to a digest user (kazoo's
/// `make_digest_acl`); a session has it after `add_auth("digest",
/// "user:password")`.
pub fn make_digest_acl(username: &str, password: &str, perms: Perms) -> Acl {
    make_acl("digest", &make_digest_acl_credential(username, password), perms)
}

/// Everything for everyone (ZooKeeper's `OPEN_ACL_UNSAFE`).
#[doc(alias("OPEN_ACL_UNSAFE"))]
pub fn open_acl_unsafe() -> Vec<Acl> {
    vec![Acl::new(Perms::ALL, Id::anyone())]
}

/// Reading for everyone (ZooKeeper's `READ_ACL_UNSAFE`).
#[doc(alias("READ_ACL_UNSAFE"))]
pub fn read_acl_unsafe() -> Vec<Acl> {
    vec![Acl::new(Perms::READ, Id::anyone())]
}

/// Everything for the identities the creating session is authenticated as
/// (ZooKeeper's `CREATOR_ALL_ACL`).
#[doc(alias("CREATOR_ALL_ACL"))]
pub fn creator_all_acl() -> Vec<Acl> {
    vec![Acl::new(Perms::ALL, Id::authenticated())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_zookeepers() {
        // Computed with ZooKeeper's own DigestAuthenticationProvider.
        assert_eq!(make_digest_acl_credential("a", "b"), "a:3OptnM09ILoVSfbZtd3mB0IViII=");
        assert_eq!(
            make_digest_acl_credential("super", "zookit-test"),
            "super:y+OuwIkYNvhyrfSObq+zwH6eTZk="
        );
        let acl = make_digest_acl("foo", "bar", Perms::READ);
        assert_eq!(acl.id, Id::new("digest", "foo:VNy+Z9IdXrOUk9Rtia4fQS071t4="));
        assert_eq!(acl.perms, Perms::READ);
    }
}
