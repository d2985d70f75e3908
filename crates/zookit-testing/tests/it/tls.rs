//! TLS client ports: a rustls client completes the handshake and a raw
//! ZooKeeper connect exchange on the secure port.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{CertificateError, ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use zookit_testing::tls::SERVER_HOSTS;
use zookit_testing::{CertifiedKey, ClientAuth, Ensemble, ServerTls, TestPki};

use crate::TestResult;

/// Bound of every socket operation of the client.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// The fields of a ZooKeeper ConnectResponse this test looks at.
#[derive(Debug)]
struct Session {
    timeout_ms: i32,
    session_id: i64,
}

/// A client configuration trusting `ca_pem`, presenting `identity` if given.
fn client_config(ca_pem: &str, identity: Option<&CertifiedKey>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.expect("CA PEM")).expect("a valid CA certificate");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots);
    let config = match identity {
        None => builder.with_no_client_auth(),
        Some(identity) => {
            let certs = CertificateDer::pem_slice_iter(identity.cert_pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .expect("certificate PEM");
            let key = PrivateKeyDer::from_pem_slice(identity.key_pem.as_bytes()).expect("key PEM");
            builder.with_client_auth_cert(certs, key).expect("client identity")
        }
    };
    Arc::new(config)
}

/// The 49-byte frame of a ConnectRequest for a new session: length 45,
/// protocolVersion 0, lastZxidSeen 0, timeOut 10 000 ms, sessionId 0,
/// passwd (length 16, zeros), readOnly false.
fn connect_request() -> Vec<u8> {
    let mut body = Vec::with_capacity(45);
    body.extend_from_slice(&0i32.to_be_bytes());
    body.extend_from_slice(&0i64.to_be_bytes());
    body.extend_from_slice(&10_000i32.to_be_bytes());
    body.extend_from_slice(&0i64.to_be_bytes());
    body.extend_from_slice(&16i32.to_be_bytes());
    body.extend_from_slice(&[0; 16]);
    body.push(0);
    assert_eq!(body.len(), 45);
    let mut frame = (body.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&body);
    frame
}

/// Sends a ConnectRequest on `stream` and reads the ConnectResponse.
fn zookeeper_connect(stream: &mut impl ReadWrite) -> io::Result<Session> {
    stream.write_all(&connect_request())?;
    stream.flush()?;
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    let len = i32::from_be_bytes(len);
    // protocolVersion, timeOut, sessionId, passwd (4 + 16) [, readOnly]
    if !(36..=64).contains(&len) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("unexpected ConnectResponse length {len}"),
        ));
    }
    let mut body = vec![0u8; len as usize];
    stream.read_exact(&mut body)?;
    let int = |at: usize| i32::from_be_bytes(body[at..at + 4].try_into().expect("4 bytes"));
    let long = |at: usize| i64::from_be_bytes(body[at..at + 8].try_into().expect("8 bytes"));
    assert_eq!(int(0), 0, "protocolVersion");
    assert_eq!(int(16), 16, "passwd length");
    Ok(Session { timeout_ms: int(4), session_id: long(8) })
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

fn tcp(addr: SocketAddr) -> io::Result<TcpStream> {
    let tcp = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    tcp.set_read_timeout(Some(IO_TIMEOUT))?;
    tcp.set_write_timeout(Some(IO_TIMEOUT))?;
    Ok(tcp)
}

/// Connects to `addr`, completes the TLS handshake checking the server's
/// certificate for `server_name`, and does the ZooKeeper connect exchange.
fn tls_connect(
    addr: SocketAddr,
    server_name: &str,
    config: Arc<ClientConfig>,
) -> io::Result<Session> {
    let name = ServerName::try_from(server_name.to_string()).expect("a valid server name");
    let conn = ClientConnection::new(config, name).map_err(io::Error::other)?;
    let mut tls = StreamOwned::new(conn, tcp(addr)?);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    zookeeper_connect(&mut tls)
}

/// The rustls error inside an I/O error, if any.
fn rustls_error(error: &io::Error) -> Option<&rustls::Error> {
    error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

fn assert_serves(session: &Session) {
    assert!(session.timeout_ms > 0, "session refused: {session:?}");
    assert_ne!(session.session_id, 0, "{session:?}");
}

#[test]
fn standalone_serves_zookeeper_over_tls_and_plain() -> TestResult {
    let pki = TestPki::new("zookit-testing CA");
    let zk = Ensemble::builder().tls(ServerTls::from_pki(&pki)).start()?;
    assert!(zk.has_tls());
    let secure = zk.secure_address(0);
    assert_ne!(secure.port(), zk.client_port(0));
    assert_eq!(zk.secure_connect_string(), format!("127.0.0.1:{}", secure.port()));
    let cfg = std::fs::read_to_string(zk.member_dir(0).join("zoo.cfg"))?;
    assert!(cfg.contains(&format!("\nsecureClientPort={}\n", secure.port())), "{cfg}");

    // The plain port still answers four-letter words and the protocol.
    assert_eq!(zk.four_letter(0, "ruok")?, "imok");
    assert_serves(&zookeeper_connect(&mut tcp(zk.member_address(0))?)?);

    // TLS, checking the certificate against both names it carries.
    let config = client_config(&pki.ca_pem(), None);
    for name in SERVER_HOSTS {
        assert_serves(&tls_connect(secure, name, config.clone())?);
    }
    // The certificate is not valid for other names.
    let err = tls_connect(secure, "zookeeper.example", config).expect_err("wrong name");
    assert!(
        matches!(
            rustls_error(&err),
            Some(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForNameContext { .. }
            ))
        ),
        "{err:?}"
    );

    // The secure port does not speak plaintext.
    let plain_on_secure = zookeeper_connect(&mut tcp(secure)?);
    assert!(plain_on_secure.is_err(), "{plain_on_secure:?}");
    Ok(())
}

#[test]
fn client_certificate_required_with_need() -> TestResult {
    let pki = TestPki::new("zookit-testing CA");
    let tls = ServerTls::from_pki(&pki).client_auth(ClientAuth::Need);
    let zk = Ensemble::builder().tls(tls).start()?;
    let secure = zk.secure_address(0);
    let ca = pki.ca_pem();

    let anonymous = tls_connect(secure, "localhost", client_config(&ca, None));
    assert!(anonymous.is_err(), "a client without a certificate got in: {anonymous:?}");

    let stranger = TestPki::new("another CA").client("mallory");
    let untrusted = tls_connect(secure, "localhost", client_config(&ca, Some(&stranger)));
    assert!(untrusted.is_err(), "a certificate of another CA got in: {untrusted:?}");

    let alice = pki.client("alice");
    assert_serves(&tls_connect(secure, "localhost", client_config(&ca, Some(&alice)))?);
    assert_eq!(zk.four_letter(0, "ruok")?, "imok");
    Ok(())
}

#[test]
fn client_certificate_optional_with_want() -> TestResult {
    let pki = TestPki::new("zookit-testing CA");
    let tls = ServerTls::from_pki(&pki).client_auth(ClientAuth::Want);
    let zk = Ensemble::builder().tls(tls).start()?;
    let secure = zk.secure_address(0);
    let ca = pki.ca_pem();
    assert_serves(&tls_connect(secure, "localhost", client_config(&ca, None))?);
    let bob = pki.client("bob");
    assert_serves(&tls_connect(secure, "localhost", client_config(&ca, Some(&bob)))?);
    Ok(())
}

#[test]
fn client_trusting_another_ca_rejects_the_server() -> TestResult {
    let pki = TestPki::new("zookit-testing CA");
    let zk = Ensemble::builder().tls(ServerTls::from_pki(&pki)).start()?;
    let other = TestPki::new("another CA");
    let err = tls_connect(zk.secure_address(0), "localhost", client_config(&other.ca_pem(), None))
        .expect_err("the server's certificate is not from the trusted CA");
    assert!(
        matches!(
            rustls_error(&err),
            Some(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))
        ),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn client_rejects_an_expired_server_certificate() -> TestResult {
    let pki = TestPki::new("zookit-testing CA");
    let tls = ServerTls::new(pki.expired_server(SERVER_HOSTS), pki.ca_pem());
    let zk = Ensemble::builder().tls(tls).start()?;
    let err = tls_connect(zk.secure_address(0), "localhost", client_config(&pki.ca_pem(), None))
        .expect_err("the server's certificate expired");
    assert!(
        matches!(
            rustls_error(&err),
            Some(rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. }
            ))
        ),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn three_member_ensemble_serves_tls_on_every_member() -> TestResult {
    let pki = TestPki::new("zookit-testing CA");
    let zk = Ensemble::builder().members(3).tls(ServerTls::from_pki(&pki)).start()?;
    assert!(zk.leader().is_some());
    let config = client_config(&pki.ca_pem(), None);
    let mut ports: Vec<u16> = Vec::new();
    for i in 0..zk.len() {
        let session = tls_connect(zk.secure_address(i), "localhost", config.clone())?;
        assert_serves(&session);
        ports.push(zk.secure_address(i).port());
    }
    let expected: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    assert_eq!(zk.secure_connect_string(), expected.join(","));
    Ok(())
}

#[test]
#[should_panic(expected = "TLS is not enabled")]
fn secure_address_without_tls_panics() {
    let _ = zookit_testing::shared().secure_address(0);
}
