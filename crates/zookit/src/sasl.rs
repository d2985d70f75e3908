//! SASL for ZooKeeper: the DIGEST-MD5 mechanism (RFC 2831) that ZooKeeper's
//! `DigestLoginModule` serves, as a step function without I/O.

use std::fmt;

use md5::{Digest, Md5};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// The service ZooKeeper's SASL clients authenticate to.
const SERVICE: &str = "zookeeper";
/// The server name ZooKeeper's DIGEST-MD5 clients use.
const SERVER_NAME: &str = "zk-sasl-md5";

/// SASL credentials: a mechanism, a user and a password (kazoo's
/// `sasl_options`). Only `DIGEST-MD5` is supported; asking for another
/// mechanism (such as `GSSAPI`) fails with a clear error. The password is
/// zeroed when dropped and never shown.
#[derive(Clone)]
pub struct SaslCredentials {
    pub(crate) username: String,
    pub(crate) password: Zeroizing<String>,
}

impl SaslCredentials {
    /// DIGEST-MD5 credentials for `username`.
    pub fn digest_md5(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self { username: username.into(), password: Zeroizing::new(password.into()) }
    }

    /// Credentials for `mechanism`; only `DIGEST-MD5` is supported.
    pub fn new(
        mechanism: &str,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Result<Self> {
        if !mechanism.eq_ignore_ascii_case("DIGEST-MD5") {
            return Err(Error::invalid_argument(format!(
                "SASL mechanism {mechanism} is not supported (only DIGEST-MD5; GSSAPI/Kerberos is not)"
            )));
        }
        Ok(Self::digest_md5(username, password))
    }

    /// Credentials from kazoo's `add_auth("sasl", "user:password")` form.
    pub(crate) fn from_credential(credential: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(credential)
            .map_err(|_| Error::invalid_argument("SASL credentials must be UTF-8"))?;
        let (user, password) = text
            .split_once(':')
            .ok_or_else(|| Error::invalid_argument("SASL credentials must be user:password"))?;
        Ok(Self::digest_md5(user, password))
    }
}

impl fmt::Debug for SaslCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaslCredentials")
            .field("mechanism", &"DIGEST-MD5")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Where a DIGEST-MD5 exchange stands.
#[derive(Debug)]
enum Stage {
    /// Waiting for the server's challenge.
    Challenge,
    /// The response is sent; waiting for the server's `rspauth`.
    Verify { expected: String },
    /// Authenticated.
    Done,
}

/// One DIGEST-MD5 exchange on one connection.
#[derive(Debug)]
pub(crate) struct DigestMd5 {
    credentials: SaslCredentials,
    cnonce: String,
    stage: Stage,
}

impl DigestMd5 {
    /// A new exchange; `cnonce` is the client nonce (random in use, fixed
    /// in tests).
    pub(crate) fn new(credentials: SaslCredentials, cnonce: String) -> Self {
        Self { credentials, cnonce, stage: Stage::Challenge }
    }

    /// The first token to send: DIGEST-MD5 has no initial response.
    pub(crate) fn initial_response(&self) -> Vec<u8> {
        Vec::new()
    }

    /// Whether the exchange succeeded.
    #[cfg(test)]
    pub(crate) fn is_done(&self) -> bool {
        matches!(self.stage, Stage::Done)
    }

    /// Takes the server's token; returns the token to send back, or `None`
    /// when the exchange is complete.
    pub(crate) fn step(&mut self, token: &[u8]) -> Result<Option<Vec<u8>>> {
        let failed = |why: &str| {
            Error::from_code(zookit_proto::ErrorCode::AuthFailed)
                .with_detail(format!("SASL DIGEST-MD5: {why}"))
        };
        let text =
            std::str::from_utf8(token).map_err(|_| failed("the server's token is not UTF-8"))?;
        let fields = parse_directives(text);
        match &self.stage {
            Stage::Challenge => {
                let nonce = fields
                    .iter()
                    .find(|(k, _)| k == "nonce")
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| failed("no nonce in the challenge"))?;
                let realm = fields
                    .iter()
                    .find(|(k, _)| k == "realm")
                    .map_or_else(String::new, |(_, v)| v.clone());
                let qops = fields
                    .iter()
                    .find(|(k, _)| k == "qop")
                    .map_or_else(|| "auth".to_owned(), |(_, v)| v.clone());
                if !qops.split(',').any(|q| q.trim() == "auth") {
                    return Err(failed(&format!(
                        "the server offers no qop this client supports ({qops})"
                    )));
                }
                let uri = format!("{SERVICE}/{SERVER_NAME}");
                let nc = "00000001";
                let user = &self.credentials.username;
                let response = response_value(
                    user,
                    &realm,
                    &self.credentials.password,
                    &nonce,
                    &self.cnonce,
                    nc,
                    &uri,
                    "AUTHENTICATE",
                );
                let expected = response_value(
                    user,
                    &realm,
                    &self.credentials.password,
                    &nonce,
                    &self.cnonce,
                    nc,
                    &uri,
                    "",
                );
                let reply = format!(
                    "charset=utf-8,username=\"{}\",realm=\"{}\",nonce=\"{}\",nc={nc},cnonce=\"{}\",digest-uri=\"{uri}\",maxbuf=65536,response={response},qop=auth",
                    quote(user),
                    quote(&realm),
                    quote(&nonce),
                    quote(&self.cnonce),
                );
                self.stage = Stage::Verify { expected };
                Ok(Some(reply.into_bytes()))
            }
            Stage::Verify { expected } => {
                let rspauth = fields.iter().find(|(k, _)| k == "rspauth").map(|(_, v)| v.as_str());
                if rspauth != Some(expected.as_str()) {
                    return Err(failed(
                        "the server's rspauth does not prove it knows the password",
                    ));
                }
                self.stage = Stage::Done;
                Ok(None)
            }
            Stage::Done => Ok(None),
        }
    }
}

/// The proof a server sends for a DIGEST-MD5 `response` (for tests that
/// play the server).
#[cfg(test)]
pub(crate) fn server_proof(username: &str, password: &str, client_response: &str) -> String {
    let fields = parse_directives(client_response);
    let get = |key: &str| {
        fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    response_value(
        username,
        &get("realm"),
        password,
        &get("nonce"),
        &get("cnonce"),
        &get("nc"),
        &get("digest-uri"),
        "",
    )
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

/// RFC 2831's `response-value` (or `rspauth`, with an empty method).
#[allow(clippy::too_many_arguments)]
fn response_value(
    user: &str,
    realm: &str,
    password: &str,
    nonce: &str,
    cnonce: &str,
    nc: &str,
    uri: &str,
    method: &str,
) -> String {
    let secret =
        Zeroizing::new(md5(&[user.as_bytes(), b":", realm.as_bytes(), b":", password.as_bytes()]));
    let a1 = md5(&[&secret[..], b":", nonce.as_bytes(), b":", cnonce.as_bytes()]);
    let a2 = md5(&[method.as_bytes(), b":", uri.as_bytes()]);
    hex(&md5(&[
        hex(&a1).as_bytes(),
        b":",
        nonce.as_bytes(),
        b":",
        nc.as_bytes(),
        b":",
        cnonce.as_bytes(),
        b":auth:",
        hex(&a2).as_bytes(),
    ]))
}

fn quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Splits `key=value,key="quoted, value"` directives.
fn parse_directives(text: &str) -> Vec<(String, String)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_2831_example() {
        let response = response_value(
            "chris",
            "elwood.innosoft.com",
            "secret",
            "OA6MG9tEQGm2hh",
            "OA6MHXh6VqTrRk",
            "00000001",
            "imap/elwood.innosoft.com",
            "AUTHENTICATE",
        );
        assert_eq!(response, "d388dad90d4bbd760a152321f2143af7");
        let rspauth = response_value(
            "chris",
            "elwood.innosoft.com",
            "secret",
            "OA6MG9tEQGm2hh",
            "OA6MHXh6VqTrRk",
            "00000001",
            "imap/elwood.innosoft.com",
            "",
        );
        // The RFC prints ...dbabcbfff1, a known erratum; this is the
        // correct value for its inputs.
        assert_eq!(rspauth, "ea40f60335c427b5527b84dbabcdfffd");
    }

    #[test]
    fn an_exchange_answers_the_challenge_and_checks_the_proof() {
        let mut exchange =
            DigestMd5::new(SaslCredentials::digest_md5("alice", "secret"), "cnonce1".into());
        assert!(exchange.initial_response().is_empty());
        let challenge =
            br#"realm="zk-sasl-md5",nonce="abc,def",qop="auth",charset=utf-8,algorithm=md5-sess"#;
        let reply = String::from_utf8(exchange.step(challenge).unwrap().unwrap()).unwrap();
        assert!(reply.contains(r#"username="alice""#), "{reply}");
        assert!(reply.contains(r#"nonce="abc,def""#), "{reply}");
        assert!(reply.contains(r#"digest-uri="zookeeper/zk-sasl-md5""#), "{reply}");
        let expected = response_value(
            "alice",
            "zk-sasl-md5",
            "secret",
            "abc,def",
            "cnonce1",
            "00000001",
            "zookeeper/zk-sasl-md5",
            "",
        );
        assert!(exchange.step(b"rspauth=0000").is_err(), "a wrong proof is refused");
        let mut exchange =
            DigestMd5::new(SaslCredentials::digest_md5("alice", "secret"), "cnonce1".into());
        exchange.step(challenge).unwrap();
        assert_eq!(exchange.step(format!("rspauth={expected}").as_bytes()).unwrap(), None);
        assert!(exchange.is_done());
    }

    #[test]
    fn other_mechanisms_are_refused_and_passwords_hidden() {
        let err = SaslCredentials::new("GSSAPI", "u", "p").unwrap_err();
        assert!(err.to_string().contains("GSSAPI is not supported"), "{err}");
        let shown = format!("{:?}", SaslCredentials::new("digest-md5", "u", "hunter2").unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
