//! SASL as ZooKeeper's server serves it with `DigestLoginModule`: one
//! DIGEST-MD5 exchange per connection (a challenge, then the client's
//! response checked and proved back), after which the connection has the
//! identity `sasl:<user>`. A failed step answers `AuthFailed` and closes
//! the connection; its session lives on.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use base64::Engine;
use sha1::{Digest as _, Sha1};
use zookit_proto::digest_md5::{self, Digest, directive, parse_directives};
use zookit_proto::{ErrorCode, Id, ReplyHeader, SetSaslResponse};

use super::{ConnId, Outbound, State};

/// SASL DIGEST-MD5 users and their passwords, as a JAAS `Server` section
/// lists them (`user_<name>="<password>"`).
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct SaslUsers(BTreeMap<String, String>);

impl SaslUsers {
    pub(crate) fn insert(&mut self, user: String, password: String) {
        self.0.insert(user, password);
    }

    fn password(&self, user: &str) -> Option<&str> {
        self.0.get(user).map(String::as_str)
    }
}

/// Names the users, never their passwords.
impl fmt::Debug for SaslUsers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// Which authentication schemes beyond `world`, `auth`, `digest` and `ip`
/// are registered, so that ACLs may name them (ZooKeeper's
/// `ProviderRegistry`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Schemes {
    /// `sasl` (`SASLAuthenticationProvider`).
    pub(crate) sasl: bool,
    /// `x509` (`X509AuthenticationProvider`, with TLS).
    pub(crate) x509: bool,
}

/// The state's settings for SASL and the extra schemes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Security {
    /// `None`: SASL is not configured.
    pub(crate) sasl: Option<Arc<SaslUsers>>,
    /// The SASL user that is the super user (`zookeeper.superUser`).
    pub(crate) sasl_super_user: Option<String>,
    pub(crate) schemes: Schemes,
}

/// Where a connection's exchange stands.
#[derive(Debug)]
enum Stage {
    /// The challenge is sent with this nonce.
    Challenged { nonce: String },
    /// Authenticated: another step fails, as in ZooKeeper.
    Done,
}

/// The exchanges in progress.
#[derive(Debug, Default)]
pub(crate) struct SaslServer {
    exchanges: HashMap<ConnId, Stage>,
    nonces: u64,
}

impl SaslServer {
    /// Forgets a connection's exchange.
    pub(crate) fn forget(&mut self, conn: ConnId) {
        self.exchanges.remove(&conn);
    }

    /// A fresh nonce, from the server's secret (random per server).
    fn nonce(&mut self, secret: i64, conn: ConnId) -> String {
        self.nonces += 1;
        let mut hasher = Sha1::new();
        hasher.update(secret.to_be_bytes());
        hasher.update(conn.to_be_bytes());
        hasher.update(self.nonces.to_be_bytes());
        base64::engine::general_purpose::STANDARD.encode(hasher.finalize())
    }
}

/// The challenge DIGEST-MD5 starts with.
fn challenge(nonce: &str) -> String {
    format!(
        "realm=\"{}\",nonce=\"{nonce}\",qop=\"auth\",charset=utf-8,algorithm=md5-sess",
        digest_md5::REALM
    )
}

/// Checks the client's response to the challenge with `nonce`; returns the
/// user and the `rspauth` token proving the server knows the password.
fn verify(users: &SaslUsers, nonce: &str, token: &[u8]) -> Result<(String, String), String> {
    let text = std::str::from_utf8(token).map_err(|_| "the response is not UTF-8".to_owned())?;
    let fields = parse_directives(text);
    let get = |key: &str| directive(&fields, key);
    let username = get("username").ok_or("no username")?;
    let realm = get("realm").unwrap_or_default();
    if !realm.is_empty() && realm != digest_md5::REALM {
        return Err(format!("unknown realm {realm:?}"));
    }
    if get("nonce") != Some(nonce) {
        return Err("the nonce is not the one sent".into());
    }
    if get("nc") != Some("00000001") {
        return Err("the nonce count must be 00000001".into());
    }
    if get("qop").is_some_and(|qop| qop != "auth") {
        return Err("only qop=auth is served".into());
    }
    if get("authzid").is_some_and(|id| id != username) {
        return Err("an authorization id other than the user is not served".into());
    }
    let digest_uri = get("digest-uri").ok_or("no digest-uri")?;
    if !digest_uri.eq_ignore_ascii_case(&digest_md5::digest_uri()) {
        return Err(format!("digest-uri {digest_uri:?} is not this server's"));
    }
    let cnonce = get("cnonce").ok_or("no cnonce")?;
    let response = get("response").ok_or("no response")?;
    let password = users.password(username).ok_or_else(|| format!("no user {username:?}"))?;
    let digest = Digest { username, realm, password, nonce, cnonce, nc: "00000001", digest_uri };
    if !digest.response().eq_ignore_ascii_case(response) {
        return Err(format!("wrong password for {username:?}"));
    }
    Ok((username.to_owned(), format!("rspauth={}", digest.rspauth())))
}

impl State {
    /// A `sasl` request: the next step of the connection's exchange,
    /// answered at once with zxid 0. Without SASL configured, ZooKeeper
    /// answers each token with a null one.
    pub(super) fn sasl_step(
        &mut self,
        conn: ConnId,
        xid: i32,
        token: &[u8],
        out: &mut impl Outbound,
    ) {
        let Some(users) = self.config.security.sasl.clone() else {
            let header = ReplyHeader { xid, zxid: 0, err: ErrorCode::Ok };
            // A null buffer: length -1.
            return self.counting(out).send(conn, &(header, -1_i32));
        };
        let stage = self.sasl.exchanges.remove(&conn);
        let step = match stage {
            None if token.is_empty() => {
                let nonce = self.sasl.nonce(self.config.secret, conn);
                let token = challenge(&nonce);
                self.sasl.exchanges.insert(conn, Stage::Challenged { nonce });
                Ok(token)
            }
            None => Err("DIGEST-MD5 takes no initial response".to_owned()),
            Some(Stage::Challenged { nonce }) => {
                verify(&users, &nonce, token).map(|(user, rspauth)| {
                    let mut ids = Vec::new();
                    if self.config.security.sasl_super_user.as_deref() == Some(user.as_str()) {
                        ids.push(Id::new("super", ""));
                    }
                    ids.push(Id::new("sasl", user));
                    self.identify(conn, ids);
                    self.sasl.exchanges.insert(conn, Stage::Done);
                    rspauth
                })
            }
            Some(Stage::Done) => Err("SASL authentication is already complete".to_owned()),
        };
        match step {
            Ok(token) => {
                let header = ReplyHeader { xid, zxid: 0, err: ErrorCode::Ok };
                let response = SetSaslResponse { token: token.into_bytes().into() };
                self.counting(out).send(conn, &(header, response));
            }
            Err(why) => {
                tracing::info!(conn, "SASL authentication failed: {why}");
                let header = ReplyHeader { xid, zxid: 0, err: ErrorCode::AuthFailed };
                self.counting(out).send(conn, &(header, -1_i32));
                self.close_conn(conn, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> SaslUsers {
        let mut users = SaslUsers::default();
        users.insert("alice".into(), "alice-secret".into());
        users
    }

    /// A client's response to `nonce`, as zookit's client writes it.
    fn response(user: &str, password: &str, nonce: &str) -> String {
        let uri = digest_md5::digest_uri();
        let digest = Digest {
            username: user,
            realm: digest_md5::REALM,
            password,
            nonce,
            cnonce: "c1",
            nc: "00000001",
            digest_uri: &uri,
        };
        format!(
            "charset=utf-8,username=\"{user}\",realm=\"zk-sasl-md5\",nonce=\"{nonce}\",nc=00000001,cnonce=\"c1\",digest-uri=\"{uri}\",maxbuf=65536,response={},qop=auth",
            digest.response()
        )
    }

    #[test]
    fn a_right_password_is_proved_back() {
        let (user, rspauth) =
            verify(&users(), "n1", response("alice", "alice-secret", "n1").as_bytes()).unwrap();
        assert_eq!(user, "alice");
        let uri = digest_md5::digest_uri();
        let expected = Digest {
            username: "alice",
            realm: digest_md5::REALM,
            password: "alice-secret",
            nonce: "n1",
            cnonce: "c1",
            nc: "00000001",
            digest_uri: &uri,
        }
        .rspauth();
        assert_eq!(rspauth, format!("rspauth={expected}"));
        assert!(challenge("n1").contains("nonce=\"n1\""));
    }

    #[test]
    fn every_wrong_response_is_refused() {
        let users = users();
        let good = response("alice", "alice-secret", "n1");
        let cases = [
            (response("alice", "wrong", "n1"), "wrong password"),
            (response("bob", "alice-secret", "n1"), "no user"),
            (response("alice", "alice-secret", "n2"), "nonce"),
            (good.replace("nc=00000001", "nc=00000002"), "nonce count"),
            (good.replace("qop=auth", "qop=auth-int"), "qop"),
            (good.replace("zookeeper/", "imap/"), "digest-uri"),
            (good.replace("realm=\"zk-sasl-md5\"", "realm=\"other\""), "realm"),
            (format!("{good},authzid=\"root\""), "authorization id"),
            (String::new(), "no username"),
        ];
        for (token, why) in cases {
            let err = verify(&users, "n1", token.as_bytes()).unwrap_err();
            assert!(err.contains(why), "{why}: {err}");
        }
        assert!(verify(&users, "n1", &[0xff]).is_err());
        assert_eq!(format!("{users:?}"), "{\"alice\"}");
    }

    #[test]
    fn nonces_differ() {
        let mut server = SaslServer::default();
        assert_ne!(server.nonce(1, 1), server.nonce(1, 1));
    }
}
