//! Opening connections to servers.

use std::io;
use std::time::Duration;

use tokio::net::TcpStream;

use crate::hosts::HostPort;

/// A connection to a server.
pub(crate) type Transport = TcpStream;

/// Opens a connection to `host` within `timeout`, trying each address the
/// name resolves to.
pub(crate) async fn connect(host: HostPort, timeout: Duration) -> io::Result<Transport> {
    let attempt = async {
        let mut last = None;
        for addr in tokio::net::lookup_host((host.host.as_str(), host.port)).await? {
            match TcpStream::connect(addr).await {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    return Ok(stream);
                }
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("{host} resolves to no address"))
        }))
    };
    tokio::time::timeout(timeout, attempt).await.unwrap_or_else(|_| {
        Err(io::Error::new(io::ErrorKind::TimedOut, format!("connecting to {host} timed out")))
    })
}
