//! Test certificates generated at test time, and TLS settings for servers.
//!
//! [`TestPki`] is a throw-away certificate authority: it issues server
//! certificates (with the subject alternative names a client checks),
//! client certificates (for client-certificate authentication) and, for
//! negative tests, expired server certificates. Keys are ECDSA P-256; keys
//! are returned as unencrypted PKCS#8 PEM, or encrypted on request
//! ([`CertifiedKey::encrypted_key_pem`]).
//!
//! [`ServerTls`] tells [`EnsembleBuilder::tls`](crate::EnsembleBuilder::tls)
//! which identity the servers present and which CA they trust for client
//! certificates.

use std::fmt;
use std::net::IpAddr;

use pkcs8::der::Decode as _;
use pkcs8::der::pem::PemLabel as _;
use pkcs8::{EncryptedPrivateKeyInfo, LineEnding, PrivateKeyInfo};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType,
};

/// The hosts a server certificate from [`ServerTls::from_pki`] is valid for:
/// servers listen on `127.0.0.1`, and clients may call it `localhost`.
pub const SERVER_HOSTS: &[&str] = &["localhost", "127.0.0.1"];

/// PBKDF2 iterations of [`CertifiedKey::encrypted_key_pem`] (OpenSSL's default).
const PBKDF2_ITERATIONS: u32 = 2048;

/// A throw-away certificate authority for tests.
///
/// Every `TestPki` has a fresh key, so certificates of one are not trusted by
/// a client that trusts another ("wrong CA" tests). Nothing is written to
/// disk; PEM text is returned.
pub struct TestPki {
    name: String,
    ca: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate and its private key, both PEM.
///
/// For a client presenting a chain, append intermediate certificates to
/// `cert_pem`; [`TestPki`] issues directly from its CA, so there are none.
#[derive(Clone, PartialEq, Eq)]
pub struct CertifiedKey {
    /// The certificate (`-----BEGIN CERTIFICATE-----`).
    pub cert_pem: String,
    /// The private key, unencrypted PKCS#8 (`-----BEGIN PRIVATE KEY-----`).
    pub key_pem: String,
}

/// Whether a server asks TLS clients for a certificate (ZooKeeper's
/// `ssl.clientAuth`): the embedded server's own type, so that one setting
/// serves both servers.
pub use zookit_server::ClientAuth;

/// TLS settings of the servers of an ensemble; see
/// [`EnsembleBuilder::tls`](crate::EnsembleBuilder::tls).
///
/// Every member presents the same identity, so its certificate must be
/// valid for the name a client checks (`127.0.0.1` or `localhost`, as in
/// [`SERVER_HOSTS`]).
#[derive(Clone, PartialEq, Eq)]
pub struct ServerTls {
    pub(crate) identity: CertifiedKey,
    pub(crate) trusted_ca_pem: String,
    pub(crate) client_auth: ClientAuth,
}

impl TestPki {
    /// A new self-signed CA whose subject is `CN=<name>`.
    ///
    /// # Panics
    ///
    /// If certificate generation fails (it does not for a valid `name`).
    pub fn new(name: &str) -> TestPki {
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = new_key();
        let ca = CertifiedIssuer::self_signed(params, key)
            .unwrap_or_else(|e| panic!("generating the test CA `{name}`: {e}"));
        TestPki { name: name.to_string(), ca }
    }

    /// The CA's name (the `CN` of its subject).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The CA certificate, PEM: what a client trusts to verify servers, and
    /// what servers trust to verify client certificates.
    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    /// A server certificate valid for `hosts`: DNS names (`"localhost"`) and
    /// IP addresses (`"127.0.0.1"`, `"::1"`), as subject alternative names.
    /// Its extended key usage allows both server and client authentication
    /// (ZooKeeper members may use one certificate for both).
    ///
    /// # Panics
    ///
    /// If `hosts` is empty or a host is neither an IP address nor ASCII.
    pub fn server(&self, hosts: &[&str]) -> CertifiedKey {
        self.issue(server_params(hosts))
    }

    /// A client certificate with subject `CN=<name>`, for client-certificate
    /// authentication (ZooKeeper's `x509` scheme sees the subject's
    /// distinguished name, `CN=<name>`).
    pub fn client(&self, name: &str) -> CertifiedKey {
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        self.issue(params)
    }

    /// Like [`server`](Self::server), but expired: valid from 2000-01-01 to
    /// 2001-01-01. A verifying client must reject it.
    pub fn expired_server(&self, hosts: &[&str]) -> CertifiedKey {
        let mut params = server_params(hosts);
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        self.issue(params)
    }

    fn issue(&self, params: CertificateParams) -> CertifiedKey {
        let key = new_key();
        let cert = params
            .signed_by(&key, &self.ca)
            .unwrap_or_else(|e| panic!("issuing a certificate from test CA `{}`: {e}", self.name));
        CertifiedKey { cert_pem: cert.pem(), key_pem: key.serialize_pem() }
    }
}

impl fmt::Debug for TestPki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestPki").field("name", &self.name).finish_non_exhaustive()
    }
}

fn new_key() -> KeyPair {
    KeyPair::generate().unwrap_or_else(|e| panic!("generating a test key pair: {e}"))
}

fn distinguished_name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}

fn server_params(hosts: &[&str]) -> CertificateParams {
    assert!(!hosts.is_empty(), "a server certificate needs at least one host name");
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name(hosts[0]);
    params.subject_alt_names = hosts
        .iter()
        .map(|host| match host.parse::<IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(
                (*host).try_into().unwrap_or_else(|e| panic!("`{host}` is not a DNS name: {e}")),
            ),
        })
        .collect();
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages =
        vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
    params.use_authority_key_identifier_extension = true;
    params
}

impl CertifiedKey {
    /// The private key as encrypted PKCS#8 PEM (`-----BEGIN ENCRYPTED
    /// PRIVATE KEY-----`): PBES2 with PBKDF2-HMAC-SHA256 (2048 iterations,
    /// random salt) and AES-256-CBC, the scheme of OpenSSL's
    /// `openssl pkcs8 -topk8 -v2 aes-256-cbc`.
    ///
    /// This is for clients. ZooKeeper 3.8 servers on Java 17 cannot read it
    /// (its `PemReader` asks Java for a `PBES2` `SecretKeyFactory`, which
    /// does not exist), so [`ServerTls`] identities keep unencrypted keys.
    ///
    /// # Panics
    ///
    /// If [`key_pem`](Self::key_pem) is not an unencrypted PKCS#8 key.
    pub fn encrypted_key_pem(&self, password: &str) -> String {
        let (label, der) = pkcs8::der::pem::decode_vec(self.key_pem.as_bytes())
            .unwrap_or_else(|e| panic!("key_pem is not PEM: {e}"));
        assert_eq!(label, "PRIVATE KEY", "key_pem must be an unencrypted PKCS#8 key");
        let info = PrivateKeyInfo::from_der(&der)
            .unwrap_or_else(|e| panic!("key_pem is not a PKCS#8 private key: {e}"));
        let salt: [u8; 16] = rand::random();
        let iv: [u8; 16] = rand::random();
        let params =
            pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, &iv)
                .unwrap_or_else(|e| panic!("PBES2 parameters: {e}"));
        let encrypted = info
            .encrypt_with_params(params, password.as_bytes())
            .unwrap_or_else(|e| panic!("encrypting the private key: {e}"));
        let pem = encrypted
            .to_pem(EncryptedPrivateKeyInfo::PEM_LABEL, LineEnding::LF)
            .unwrap_or_else(|e| panic!("encoding the encrypted private key: {e}"));
        pem.to_string()
    }

    /// The certificate followed by the key: the PEM "key store" file
    /// ZooKeeper reads (`ssl.keyStore.type=PEM`).
    pub(crate) fn key_store_pem(&self) -> String {
        let mut text = self.cert_pem.clone();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&self.key_pem);
        text
    }
}

/// Shows the certificate's size only: the PEM text is long and the key is
/// not for logs.
impl fmt::Debug for CertifiedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertifiedKey")
            .field("cert_pem", &format_args!("<{} bytes>", self.cert_pem.len()))
            .field("key_pem", &format_args!("<redacted>"))
            .finish()
    }
}

impl ServerTls {
    /// Servers present `identity` (their certificate and key) and trust
    /// `trusted_ca_pem` (one or more PEM certificates) for client
    /// certificates. No client certificate is requested
    /// ([`ClientAuth::None`]) unless [`client_auth`](Self::client_auth) says
    /// otherwise.
    pub fn new(identity: CertifiedKey, trusted_ca_pem: impl Into<String>) -> ServerTls {
        ServerTls { identity, trusted_ca_pem: trusted_ca_pem.into(), client_auth: ClientAuth::None }
    }

    /// A fresh server certificate from `pki` valid for [`SERVER_HOSTS`],
    /// trusting `pki`'s CA for client certificates; [`ClientAuth::None`].
    pub fn from_pki(pki: &TestPki) -> ServerTls {
        ServerTls::new(pki.server(SERVER_HOSTS), pki.ca_pem())
    }

    /// Whether servers ask clients for a certificate (default
    /// [`ClientAuth::None`]).
    pub fn client_auth(mut self, client_auth: ClientAuth) -> ServerTls {
        self.client_auth = client_auth;
        self
    }

    /// The identity servers present.
    pub fn identity(&self) -> &CertifiedKey {
        &self.identity
    }

    /// The CA certificate(s) servers trust for client certificates.
    pub fn trusted_ca_pem(&self) -> &str {
        &self.trusted_ca_pem
    }

    /// Whether servers ask clients for a certificate.
    pub fn client_auth_mode(&self) -> ClientAuth {
        self.client_auth
    }
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls")
            .field("identity", &self.identity)
            .field("client_auth", &self.client_auth)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem_blocks(text: &str, label: &str) -> usize {
        text.matches(&format!("-----BEGIN {label}-----")).count()
    }

    #[test]
    fn pki_issues_pem_certificates_and_pkcs8_keys() {
        let pki = TestPki::new("zookit test CA");
        assert_eq!(pki.name(), "zookit test CA");
        let ca = pki.ca_pem();
        assert_eq!(pem_blocks(&ca, "CERTIFICATE"), 1);
        let server = pki.server(&["localhost", "127.0.0.1"]);
        assert_eq!(pem_blocks(&server.cert_pem, "CERTIFICATE"), 1);
        assert_eq!(pem_blocks(&server.key_pem, "PRIVATE KEY"), 1);
        let (_, der) = pkcs8::der::pem::decode_vec(server.key_pem.as_bytes()).expect("PEM");
        PrivateKeyInfo::from_der(&der).expect("PKCS#8");
        let client = pki.client("alice");
        assert_ne!(client.cert_pem, server.cert_pem);
        assert_ne!(client.key_pem, server.key_pem);
        let expired = pki.expired_server(SERVER_HOSTS);
        assert_eq!(pem_blocks(&expired.cert_pem, "CERTIFICATE"), 1);
        // Two CAs never share a key.
        assert_ne!(TestPki::new("other").ca_pem(), ca);
    }

    #[test]
    fn key_store_file_holds_certificate_then_key() {
        let key = TestPki::new("ca").server(&["localhost"]);
        let store = key.key_store_pem();
        let cert_at = store.find("BEGIN CERTIFICATE").expect("certificate");
        let key_at = store.find("BEGIN PRIVATE KEY").expect("key");
        assert!(cert_at < key_at);
    }

    #[test]
    fn encrypted_key_decrypts_back_to_the_key() {
        let key = TestPki::new("ca").client("bob");
        let encrypted = key.encrypted_key_pem("s3cret");
        assert!(encrypted.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"), "{encrypted}");
        assert!(!encrypted.contains("BEGIN PRIVATE KEY"));
        let (label, der) = pkcs8::der::pem::decode_vec(encrypted.as_bytes()).expect("PEM");
        assert_eq!(label, "ENCRYPTED PRIVATE KEY");
        let info = EncryptedPrivateKeyInfo::from_der(&der).expect("EncryptedPrivateKeyInfo");
        assert_eq!(info.encryption_algorithm.oid(), pkcs8::pkcs5::pbes2::PBES2_OID);
        let decrypted = info.decrypt("s3cret").expect("decrypts with the password");
        let (_, original) = pkcs8::der::pem::decode_vec(key.key_pem.as_bytes()).expect("PEM");
        assert_eq!(decrypted.as_bytes(), original.as_slice());
        assert!(info.decrypt("wrong").is_err(), "a wrong password must not decrypt");
        // Fresh salt and IV every time.
        assert_ne!(key.encrypted_key_pem("s3cret"), encrypted);
    }

    #[test]
    fn client_auth_values_are_zookeepers() {
        assert_eq!(ClientAuth::default(), ClientAuth::None);
        let values: Vec<_> = [ClientAuth::None, ClientAuth::Want, ClientAuth::Need]
            .iter()
            .map(|c| c.as_zookeeper_value())
            .collect();
        assert_eq!(values, ["none", "want", "need"]);
    }

    #[test]
    fn debug_output_hides_keys() {
        let pki = TestPki::new("ca");
        let tls = ServerTls::from_pki(&pki).client_auth(ClientAuth::Need);
        let text = format!("{tls:?} {pki:?}");
        assert!(!text.contains("PRIVATE KEY"), "{text}");
        assert!(text.contains("Need"), "{text}");
    }
}
