//! SASL for ZooKeeper: the DIGEST-MD5 mechanism (RFC 2831) that ZooKeeper's
//! `DigestLoginModule` serves, as a step function without I/O.

use std::fmt;

use zeroize::Zeroizing;
use zookit_proto::digest_md5::{self, Digest, directive, parse_directives, quote};

use crate::{Error, Result};

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
                let nonce = directive(&fields, "nonce")
                    .ok_or_else(|| failed("no nonce in the challenge"))?
                    .to_owned();
                let realm = directive(&fields, "realm").unwrap_or_default().to_owned();
                let qops = directive(&fields, "qop").unwrap_or("auth");
                if !qops.split(',').any(|q| q.trim() == "auth") {
                    return Err(failed(&format!(
                        "the server offers no qop this client supports ({qops})"
                    )));
                }
                let uri = digest_md5::digest_uri();
                let nc = "00000001";
                let user = &self.credentials.username;
                let digest = Digest {
                    username: user,
                    realm: &realm,
                    password: &self.credentials.password,
                    nonce: &nonce,
                    cnonce: &self.cnonce,
                    nc,
                    digest_uri: &uri,
                };
                let response = digest.response();
                let expected = digest.rspauth();
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
                let rspauth = directive(&fields, "rspauth");
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
    let get = |key: &str| directive(&fields, key).unwrap_or_default();
    Digest {
        username,
        realm: get("realm"),
        password,
        nonce: get("nonce"),
        cnonce: get("cnonce"),
        nc: get("nc"),
        digest_uri: get("digest-uri"),
    }
    .rspauth()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let expected = server_proof("alice", "secret", &reply);
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
