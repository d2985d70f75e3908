//! Connections to servers: plain TCP, or TLS over it.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::ClientConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::Error;
use crate::hosts::HostPort;
use crate::tls::{self, server_name};

/// A connection to a server.
#[derive(Debug)]
pub(crate) enum Transport {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Transport {
    /// The TCP connection underneath.
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Transport::Plain(tcp) => tcp,
            Transport::Tls(tls) => tls.get_ref().0,
        }
    }
}

/// Why a connection could not be made or failed.
#[derive(Debug)]
pub(crate) struct TransportError {
    /// What happened, naming the host.
    pub(crate) message: String,
    /// Set when trying again cannot help (the TLS peer was refused, or
    /// refused us, for its certificate): the error that says why.
    pub(crate) fatal: Option<Error>,
}

/// Whether an I/O error is a TLS certificate failure, which no retry fixes.
pub(crate) fn is_certificate_failure(error: &io::Error) -> bool {
    use rustls::AlertDescription as Alert;
    let Some(tls) = error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) else {
        return false;
    };
    match tls {
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => true,
        rustls::Error::AlertReceived(alert) => matches!(
            alert,
            Alert::BadCertificate
                | Alert::UnsupportedCertificate
                | Alert::CertificateRevoked
                | Alert::CertificateExpired
                | Alert::CertificateUnknown
                | Alert::UnknownCA
                | Alert::CertificateRequired
                | Alert::AccessDenied
        ),
        _ => false,
    }
}

/// Opens a connection to `host` within `timeout`, trying each address the
/// name resolves to, with TLS when `tls` is given.
pub(crate) async fn connect(
    host: HostPort,
    timeout: Duration,
    tls: Option<Arc<ClientConfig>>,
) -> Result<Transport, TransportError> {
    let plain = |message: String| TransportError { message, fatal: None };
    let attempt = async {
        let mut last = None;
        let mut stream = None;
        for addr in tokio::net::lookup_host((host.host.as_str(), host.port))
            .await
            .map_err(|e| plain(format!("resolving {host}: {e}")))?
        {
            match TcpStream::connect(addr).await {
                Ok(connected) => {
                    stream = Some(connected);
                    break;
                }
                Err(err) => last = Some(err),
            }
        }
        let stream = stream.ok_or_else(|| match last {
            Some(err) => plain(format!("connecting to {host}: {err}")),
            None => plain(format!("{host} resolves to no address")),
        })?;
        stream.set_nodelay(true).map_err(|e| plain(format!("connecting to {host}: {e}")))?;
        let Some(config) = tls else { return Ok(Transport::Plain(stream)) };
        let name = server_name(&host.host)
            .map_err(|e| TransportError { message: e.to_string(), fatal: Some(e) })?;
        match TlsConnector::from(config).connect(name, stream).await {
            Ok(stream) => Ok(Transport::Tls(Box::new(stream))),
            Err(err) => {
                let detail = format!("TLS handshake with {host} failed");
                let message = format!("{detail}: {err}");
                let fatal = is_certificate_failure(&err).then(|| tls::failure(detail, err));
                Err(TransportError { message, fatal })
            }
        }
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .unwrap_or_else(|_| Err(plain(format!("connecting to {host} timed out"))))
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Transport::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Transport::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Transport::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Transport::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}
