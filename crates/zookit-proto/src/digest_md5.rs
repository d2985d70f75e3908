//! SASL DIGEST-MD5 (RFC 2831) as ZooKeeper speaks it in `sasl` requests:
//! the directives both sides exchange and the digests that prove the
//! password, for the client (zookit) and the embedded server alike.
//!
//! ZooKeeper's clients authenticate to the service `zookeeper` of the server
//! `zk-sasl-md5`, which is also the realm its `DigestLoginModule` offers;
//! only the `auth` quality of protection is used (no integrity or privacy
//! layer).
//!
//! ```
//! use zookit_proto::digest_md5::{self, Digest};
//!
//! // What a client answers to a challenge, and what the server proves back.
//! let digest = Digest {
//!     username: "alice",
//!     realm: digest_md5::REALM,
//!     password: "secret",
//!     nonce: "OA6MG9tEQGm2hh",
//!     cnonce: "OA6MHXh6VqTrRk",
//!     nc: "00000001",
//!     digest_uri: &digest_md5::digest_uri(),
//! };
//! let response = digest.response();
//! let rspauth = digest.rspauth();
//! assert_eq!(response.len(), 32);
//! assert_ne!(response, rspauth);
//! ```

use md5::{Digest as _, Md5};
use zeroize::Zeroizing;

/// The service ZooKeeper's SASL clients authenticate to.
pub const SERVICE: &str = "zookeeper";
/// The server name ZooKeeper's DIGEST-MD5 clients use, and the realm its
/// server offers.
pub const REALM: &str = "zk-sasl-md5";

/// The `digest-uri` a ZooKeeper client sends: `zookeeper/zk-sasl-md5`.
pub fn digest_uri() -> String {
    format!("{SERVICE}/{REALM}")
}

/// The inputs of RFC 2831's `response-value` for `qop=auth`.
#[derive(Clone, Copy)]
pub struct Digest<'a> {
    /// The user name, as sent.
    pub username: &'a str,
    /// The realm, as sent.
    pub realm: &'a str,
    /// The user's password.
    pub password: &'a str,
    /// The server's nonce.
    pub nonce: &'a str,
    /// The client's nonce.
    pub cnonce: &'a str,
    /// The nonce count, eight hexadecimal digits (`00000001`).
    pub nc: &'a str,
    /// The `digest-uri`, such as [`digest_uri()`].
    pub digest_uri: &'a str,
}

impl std::fmt::Debug for Digest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Digest")
            .field("username", &self.username)
            .field("realm", &self.realm)
            .field("password", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Digest<'_> {
    /// The client's `response`: proves it knows the password.
    pub fn response(&self) -> String {
        self.value("AUTHENTICATE")
    }

    /// The server's `rspauth`: proves the server knows it too.
    pub fn rspauth(&self) -> String {
        self.value("")
    }

    fn value(&self, method: &str) -> String {
        let secret = Zeroizing::new(md5(&[
            self.username.as_bytes(),
            b":",
            self.realm.as_bytes(),
            b":",
            self.password.as_bytes(),
        ]));
        let a1 = md5(&[&secret[..], b":", self.nonce.as_bytes(), b":", self.cnonce.as_bytes()]);
        let a2 = md5(&[method.as_bytes(), b":", self.digest_uri.as_bytes()]);
        hex(&md5(&[
            hex(&a1).as_bytes(),
            b":",
            self.nonce.as_bytes(),
            b":",
            self.nc.as_bytes(),
            b":",
            self.cnonce.as_bytes(),
            b":auth:",
            hex(&a2).as_bytes(),
        ]))
    }
}

fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut hasher = Md5::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A value for a quoted directive: `\` and `"` escaped.
pub fn quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Splits `key=value,key="quoted, value"` directives, in order. Never
/// fails: what cannot be read ends the list.
pub fn parse_directives(text: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String =
            chars.by_ref().take_while(|c| *c != '=').collect::<String>().trim().to_owned();
        if key.is_empty() {
            return fields;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek().copied() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        fields.push((key, value.trim().to_owned()));
    }
}

/// The value of the first directive named `key`.
pub fn directive<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_2831_example() {
        let digest = Digest {
            username: "chris",
            realm: "elwood.innosoft.com",
            password: "secret",
            nonce: "OA6MG9tEQGm2hh",
            cnonce: "OA6MHXh6VqTrRk",
            nc: "00000001",
            digest_uri: "imap/elwood.innosoft.com",
        };
        assert_eq!(digest.response(), "d388dad90d4bbd760a152321f2143af7");
        // The RFC prints ...dbabcbfff1, a known erratum; this is the
        // correct value for its inputs.
        assert_eq!(digest.rspauth(), "ea40f60335c427b5527b84dbabcdfffd");
        assert!(!format!("{digest:?}").contains("secret"));
    }

    #[test]
    fn directives_quoted_and_bare() {
        let fields = parse_directives(r#"realm="zk",nonce="a,b\"c", qop=auth ,x="#);
        assert_eq!(directive(&fields, "realm"), Some("zk"));
        assert_eq!(directive(&fields, "nonce"), Some("a,b\"c"));
        assert_eq!(directive(&fields, "qop"), Some("auth"));
        assert_eq!(directive(&fields, "x"), Some(""));
        assert_eq!(directive(&fields, "none"), None);
        assert_eq!(parse_directives(&format!("n=\"{}\"", quote(r#"a"b\c"#)))[0].1, r#"a"b\c"#);
        assert!(parse_directives("").is_empty());
        assert!(parse_directives("\"unterminated").len() <= 1);
    }
}
