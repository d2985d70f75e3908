//! TLS to ZooKeeper's secure client port (rustls): trust anchors, client
//! certificates (encrypted keys too), and the verification switches kazoo
//! offers.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pkcs8::der::Decode;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use zeroize::Zeroizing;

use crate::{Error, ErrorKind, Result};

/// Where PEM data comes from.
#[derive(Clone)]
enum Pem {
    File(PathBuf),
    Bytes(Vec<u8>),
}

impl Pem {
    fn read(&self, what: &str) -> Result<Vec<u8>> {
        match self {
            Pem::Bytes(bytes) => Ok(bytes.clone()),
            Pem::File(path) => std::fs::read(path).map_err(|e| {
                Error::tls(format!("reading the {what} {}", path.display())).caused_by(e)
            }),
        }
    }
}

/// How to connect with TLS (kazoo's `use_ssl`, `ca`, `certfile`, `keyfile`,
/// `keyfile_password`, `verify_certs`, `check_hostname`).
///
/// ```no_run
/// use zookit::{Client, TlsOptions};
///
/// # async fn example() -> zookit::Result<()> {
/// let tls = TlsOptions::new()
///     .ca_file("/etc/zookeeper/ca.pem")
///     .client_cert_file("/etc/app/client.pem", "/etc/app/client-key.pem")
///     .key_password("secret");
/// let zk = Client::builder("zk1:2281,zk2:2281/app").tls(tls).connect().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TlsOptions {
    ca: Option<Pem>,
    cert: Option<Pem>,
    key: Option<Pem>,
    key_password: Option<Zeroizing<String>>,
    verify_certs: bool,
    check_hostname: bool,
}

impl Default for TlsOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl TlsOptions {
    /// TLS with verification on; set the CA to trust with
    /// [`ca_file`](Self::ca_file) or [`ca_pem`](Self::ca_pem).
    pub fn new() -> Self {
        Self {
            ca: None,
            cert: None,
            key: None,
            key_password: None,
            verify_certs: true,
            check_hostname: true,
        }
    }

    /// The CA certificates (a PEM bundle file) that server certificates must
    /// chain to.
    pub fn ca_file(mut self, path: impl AsRef<Path>) -> Self {
        self.ca = Some(Pem::File(path.as_ref().to_owned()));
        self
    }

    /// The CA certificates as PEM text.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca = Some(Pem::Bytes(pem.into()));
        self
    }

    /// A client certificate (chain) and its private key, PEM files, for
    /// servers that authenticate clients by certificate.
    pub fn client_cert_file(mut self, cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Self {
        self.cert = Some(Pem::File(cert.as_ref().to_owned()));
        self.key = Some(Pem::File(key.as_ref().to_owned()));
        self
    }

    /// A client certificate (chain) and its private key as PEM text.
    pub fn client_cert_pem(mut self, cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Self {
        self.cert = Some(Pem::Bytes(cert.into()));
        self.key = Some(Pem::Bytes(key.into()));
        self
    }

    /// The password of an encrypted private key (`ENCRYPTED PRIVATE KEY`,
    /// PKCS#8). Never shown, and zeroed when dropped.
    pub fn key_password(mut self, password: impl Into<String>) -> Self {
        self.key_password = Some(Zeroizing::new(password.into()));
        self
    }

    /// Whether to verify the server's certificate (default yes). Turning it
    /// off accepts any server: for tests only.
    pub fn verify_certs(mut self, verify: bool) -> Self {
        self.verify_certs = verify;
        self
    }

    /// Whether the server's certificate must name the host connected to
    /// (default yes).
    pub fn check_hostname(mut self, check: bool) -> Self {
        self.check_hostname = check;
        self
    }

    /// Builds the rustls configuration, reading the files now: errors name
    /// the file and what is wrong with it.
    pub(crate) fn config(&self) -> Result<Arc<ClientConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(cause)?;
        let verifier: Arc<dyn ServerCertVerifier> = if self.verify_certs {
            let ca = self.ca.as_ref().ok_or_else(|| {
                Error::tls("verifying server certificates needs a CA certificate to trust")
            })?;
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(&ca.read("CA bundle")?) {
                let cert = cert.map_err(|e| {
                    Error::tls("the CA bundle is not PEM certificates").caused_by(e)
                })?;
                roots
                    .add(cert)
                    .map_err(|e| Error::tls("a CA certificate is unusable").caused_by(e))?;
            }
            if roots.is_empty() {
                return Err(Error::tls("the CA bundle holds no certificate"));
            }
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(cause)?;
            Arc::new(Verifier { webpki: Some(webpki), check_hostname: self.check_hostname })
        } else {
            Arc::new(Verifier { webpki: None, check_hostname: false })
        };
        let builder = builder.dangerous().with_custom_certificate_verifier(verifier);
        let config = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => {
                let chain = CertificateDer::pem_slice_iter(&cert.read("client certificate")?)
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| Error::tls("the client certificate is not PEM").caused_by(e))?;
                let key = self.private_key(&key.read("client key")?)?;
                builder.with_client_auth_cert(chain, key).map_err(|e| {
                    Error::tls("the client certificate or key is unusable").caused_by(e)
                })?
            }
            _ => builder.with_no_client_auth(),
        };
        Ok(Arc::new(config))
    }

    fn private_key(&self, pem: &[u8]) -> Result<PrivateKeyDer<'static>> {
        let text = String::from_utf8_lossy(pem);
        if text.contains("ENCRYPTED PRIVATE KEY") {
            let password = self.key_password.as_ref().ok_or_else(|| {
                Error::tls("the client key is encrypted and no key password was given")
            })?;
            let (_, der) = pkcs8::der::pem::decode_vec(pem)
                .map_err(|e| Error::tls(format!("the encrypted client key is not PEM: {e}")))?;
            let encrypted = pkcs8::EncryptedPrivateKeyInfo::from_der(&der)
                .map_err(|e| Error::tls(format!("the encrypted client key is not PKCS#8: {e}")))?;
            let decrypted = encrypted.decrypt(password.as_bytes()).map_err(|_| {
                Error::tls("the client key could not be decrypted (wrong password?)")
            })?;
            return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                decrypted.as_bytes().to_vec(),
            )));
        }
        PrivateKeyDer::from_pem_slice(pem)
            .map_err(|e| Error::tls("the client key is not a PEM private key").caused_by(e))
    }
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = |pem: &Option<Pem>| match pem {
            Some(Pem::File(path)) => path.display().to_string(),
            Some(Pem::Bytes(_)) => "<PEM>".to_owned(),
            None => "-".to_owned(),
        };
        f.debug_struct("TlsOptions")
            .field("ca", &source(&self.ca))
            .field("cert", &source(&self.cert))
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("key_password", &self.key_password.as_ref().map(|_| "<redacted>"))
            .field("verify_certs", &self.verify_certs)
            .field("check_hostname", &self.check_hostname)
            .finish()
    }
}

/// A TLS error that is its cause and nothing more.
fn cause(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
    Error::new(ErrorKind::Tls).caused_by(error)
}

/// A TLS connection that failed for `detail` (naming the host): the cause
/// is the rustls error within the I/O error, if there is one.
pub(crate) fn failure(detail: String, cause: io::Error) -> Error {
    let tls = Error::tls(detail);
    if cause.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
        match cause.into_inner() {
            Some(inner) => tls.caused_by(inner),
            None => tls,
        }
    } else {
        tls.caused_by(cause)
    }
}

/// The server name to verify for `host`.
pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(host.to_owned())
        .map_err(|e| Error::tls(format!("{host} is not a valid server name")).caused_by(e))
}

/// webpki verification, with kazoo's switches: no verification at all, or
/// no hostname check.
#[derive(Debug)]
struct Verifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    check_hostname: bool,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let Some(webpki) = &self.webpki else { return Ok(ServerCertVerified::assertion()) };
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_hostname => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &rustls::crypto::ring::default_provider().signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &rustls::crypto::ring::default_provider().signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}
