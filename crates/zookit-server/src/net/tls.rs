//! TLS on the secure client port (rustls): the server's certificate and
//! key, and optional client-certificate authentication, whose subject
//! becomes the connection's `x509` identity as ZooKeeper's
//! `X509AuthenticationProvider` makes it.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use tokio_rustls::TlsAcceptor;

use crate::error::Error;

/// Whether the secure port asks clients for a certificate (ZooKeeper's
/// `ssl.clientAuth`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ClientAuth {
    /// No certificate is asked for (`none`).
    #[default]
    None,
    /// A certificate is asked for; clients without one are served without
    /// an `x509` identity (`want`). A certificate presented must be trusted.
    Want,
    /// A trusted certificate is required (`need`, ZooKeeper's default when
    /// `ssl.clientAuth` is not set).
    Need,
}

impl ClientAuth {
    /// The value of ZooKeeper's `ssl.clientAuth` setting.
    pub fn as_zookeeper_value(self) -> &'static str {
        match self {
            ClientAuth::None => "none",
            ClientAuth::Want => "want",
            ClientAuth::Need => "need",
        }
    }

    /// Reads ZooKeeper's `ssl.clientAuth` value (`none`, `want`, `need`,
    /// in any case).
    pub fn from_zookeeper_value(value: &str) -> Option<Self> {
        [ClientAuth::None, ClientAuth::Want, ClientAuth::Need]
            .into_iter()
            .find(|mode| mode.as_zookeeper_value().eq_ignore_ascii_case(value.trim()))
    }
}

/// The TLS settings of the secure client port
/// ([`ServerBuilder::tls`](crate::ServerBuilder::tls)): the server's
/// certificate chain and private key (PEM), and for client certificates
/// the CA certificates to trust and whether one is required.
///
/// ```no_run
/// use zookit_server::{ClientAuth, Tls};
///
/// # fn demo() -> Result<(), zookit_server::Error> {
/// let tls = Tls::from_files("server.pem", "server-key.pem")?
///     .client_auth(ClientAuth::Need, std::fs::read_to_string("ca.pem").unwrap());
/// # let _ = tls;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Tls {
    cert_chain_pem: String,
    key_pem: String,
    trusted_ca_pem: Option<String>,
    client_auth: ClientAuth,
}

impl Tls {
    /// The server presents the certificates of `cert_chain_pem` (its own
    /// first) and proves it holds `key_pem` (an unencrypted PKCS#8, PKCS#1
    /// or SEC1 key). No client certificate is asked for.
    pub fn from_pem(cert_chain_pem: impl Into<String>, key_pem: impl Into<String>) -> Self {
        Self {
            cert_chain_pem: cert_chain_pem.into(),
            key_pem: key_pem.into(),
            trusted_ca_pem: None,
            client_auth: ClientAuth::None,
        }
    }

    /// [`from_pem`](Self::from_pem) with the PEM text of two files (they
    /// may be the same file, as ZooKeeper's PEM key store is).
    pub fn from_files(cert_chain: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Self, Error> {
        Ok(Self::from_pem(read(cert_chain.as_ref())?, read(key.as_ref())?))
    }

    /// Asks clients for a certificate issued by one of `trusted_ca_pem`'s
    /// certificates (ignored with [`ClientAuth::None`]).
    pub fn client_auth(mut self, mode: ClientAuth, trusted_ca_pem: impl Into<String>) -> Self {
        self.client_auth = mode;
        self.trusted_ca_pem = Some(trusted_ca_pem.into());
        self
    }

    /// Whether clients are asked for a certificate.
    pub fn client_auth_mode(&self) -> ClientAuth {
        self.client_auth
    }

    /// The rustls acceptor, every certificate and key read now: errors
    /// say what is wrong.
    pub(crate) fn acceptor(&self) -> Result<TlsAcceptor, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error(e.to_string()))?;
        let builder = match (self.client_auth, &self.trusted_ca_pem) {
            (ClientAuth::None, _) => builder.with_no_client_auth(),
            (_, None) => {
                return Err(tls_error(
                    "client certificates are asked for, but no CA certificate is trusted".into(),
                ));
            }
            (mode, Some(ca)) => {
                let mut roots = RootCertStore::empty();
                for cert in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                    let cert = cert.map_err(|e| {
                        tls_error(format!("the trusted CA certificates are not PEM: {e}"))
                    })?;
                    roots
                        .add(cert)
                        .map_err(|e| tls_error(format!("a trusted CA certificate: {e}")))?;
                }
                if roots.is_empty() {
                    return Err(tls_error("no trusted CA certificate was given".into()));
                }
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
                let verifier = if mode == ClientAuth::Want {
                    verifier.allow_unauthenticated()
                } else {
                    verifier
                };
                let verifier = verifier.build().map_err(|e| tls_error(e.to_string()))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let chain = CertificateDer::pem_slice_iter(self.cert_chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_error(format!("the server certificate is not PEM: {e}")))?;
        if chain.is_empty() {
            return Err(tls_error("no server certificate was given".into()));
        }
        if self.key_pem.contains("ENCRYPTED PRIVATE KEY") {
            return Err(tls_error(
                "the server key is encrypted; give it unencrypted \
                 (`openssl pkcs8 -in KEY -out PLAIN`), as ZooKeeper 3.8 on Java 17 needs too"
                    .into(),
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .map_err(|e| tls_error(format!("the server key is not a PEM private key: {e}")))?;
        let config = builder
            .with_single_cert(chain, key)
            .map_err(|e| tls_error(format!("the server certificate or key is unusable: {e}")))?;
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// Shows the mode only: certificates are long, and the key is secret.
impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("client_auth", &self.client_auth)
            .field("key_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| tls_error(format!("reading {}: {e}", path.display())))
}

fn tls_error(message: String) -> Error {
    Error::Tls(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_auth_values_are_zookeepers() {
        for mode in [ClientAuth::None, ClientAuth::Want, ClientAuth::Need] {
            assert_eq!(ClientAuth::from_zookeeper_value(mode.as_zookeeper_value()), Some(mode));
        }
        assert_eq!(ClientAuth::from_zookeeper_value(" NEED "), Some(ClientAuth::Need));
        assert_eq!(ClientAuth::from_zookeeper_value("required"), None);
    }

    #[test]
    fn bad_material_is_a_clear_error() {
        let message = |tls: Tls| match tls.acceptor() {
            Err(Error::Tls(message)) => message,
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("accepted"),
        };
        assert!(message(Tls::from_pem("", "")).contains("no server certificate"));
        assert!(message(Tls::from_pem("junk", "")).contains("no server certificate"));
        let cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(
            message(Tls::from_pem(cert, "-----BEGIN ENCRYPTED PRIVATE KEY-----"))
                .contains("encrypted")
        );
        assert!(message(Tls::from_pem(cert, "no key")).contains("not a PEM private key"));
        assert!(
            message(Tls::from_pem(cert, "").client_auth(ClientAuth::Need, ""))
                .contains("no trusted CA")
        );
        let shown = format!("{:?}", Tls::from_pem(cert, "SECRET"));
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
