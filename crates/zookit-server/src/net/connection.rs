//! One client connection: the TLS handshake on a secure port, then the
//! ZooKeeper handshake (or a four-letter word), then reading requests in
//! batches for the state task while writing what its outbox collects.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, Interest, ReadHalf};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::oneshot;
use zookit_proto::{ConnectRequest, Decode, FrameDecoder, Id};

use super::outbox::Outbox;
use super::port::{PortControl, PortWatch};
use super::{OpenGuard, Shared};
use crate::core::Command;
use crate::four_letter;
use crate::state::ConnId;
use crate::state::request;

/// The most bytes read per system call into an empty buffer.
const READ_CHUNK: usize = 16 * 1024;

/// How a connection starts.
enum Start {
    Connect(ConnectRequest),
    FourLetter(&'static str),
}

/// Serves one connection until it ends, its port closes, or the server
/// shuts down.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    port: Arc<PortControl>,
    _open: OpenGuard,
) {
    let conn = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    let _ = stream.set_nodelay(true);
    let mut watch = port.subscribe();
    let Some(acceptor) = &port.tls else {
        let (reader, writer) = stream.into_split();
        return run(conn, peer, reader, writer, Vec::new(), &shared, watch).await;
    };
    let mut shutdown = shared.shutdown.clone();
    let gate = watch.clone();
    let handshake = async {
        let mut gate = gate;
        gate.flowing().await;
        acceptor.accept(stream).await
    };
    let tls = tokio::select! {
        _ = shutdown.changed() => return,
        _ = watch.ended() => return,
        tls = tokio::time::timeout(shared.config.handshake_timeout, handshake) => tls,
    };
    let Ok(Ok(tls)) = tls else {
        tracing::debug!(%peer, "a TLS handshake failed or timed out");
        return;
    };
    let identities = match tls.get_ref().1.peer_certificates().and_then(|chain| chain.first()) {
        None => Vec::new(),
        Some(certificate) => match super::x509::subject(certificate) {
            Some(subject) => x509_identities(subject, shared.config.x509_super_user.as_deref()),
            None => {
                tracing::debug!(%peer, "closing: the client certificate's subject is unreadable");
                return;
            }
        },
    };
    let (reader, writer) = tokio::io::split(tls);
    run(conn, peer, reader, writer, identities, &shared, watch).await;
}

/// The identities a client certificate gives (`X509AuthenticationProvider`):
/// `x509:<subject>`, and `super:<subject>` for the x509 super user.
fn x509_identities(subject: String, super_user: Option<&str>) -> Vec<Id> {
    let mut ids = Vec::new();
    if super_user == Some(subject.as_str()) {
        ids.push(Id::new("super", subject.clone()));
    }
    ids.push(Id::new("x509", subject));
    ids
}

/// Serves a connection over `reader` and `writer` once any TLS handshake
/// is done; `identities` are added to it after the ZooKeeper handshake.
async fn run<R: ReadSome, W: AsyncWrite + Unpin>(
    conn: ConnId,
    peer: SocketAddr,
    mut reader: R,
    writer: W,
    identities: Vec<Id>,
    shared: &Shared,
    mut watch: PortWatch,
) {
    let mut shutdown = shared.shutdown.clone();
    let decoder = FrameDecoder::new(shared.config.max_frame_len);
    let mut buf = BytesMut::new();
    let gate = watch.clone();
    let started = async {
        let mut gate = gate;
        loop {
            gate.flowing().await;
            if let Some(first) = first_message(&mut buf, &decoder) {
                return first;
            }
            if reader.read_some(&mut buf).await? == 0 {
                return None;
            }
        }
    };
    let start = tokio::select! {
        _ = shutdown.changed() => return,
        _ = watch.ended() => return,
        start = tokio::time::timeout(shared.config.handshake_timeout, started) => start,
    };
    let request = match start {
        Ok(Some(Start::Connect(request))) => request,
        Ok(Some(Start::FourLetter(word))) => {
            return four_letter_word(word, peer, writer, shared).await;
        }
        // A timeout, an early end, or a malformed handshake.
        _ => return,
    };
    let outbox = Arc::new(Outbox::default());
    let connect = Command::Connect { conn, peer, outbox: outbox.clone(), request };
    if shared.commands.send(connect).await.is_err() {
        return;
    }
    if !identities.is_empty()
        && shared.commands.send(Command::Identify { conn, ids: identities }).await.is_err()
    {
        return;
    }
    tokio::join!(
        read_requests(conn, reader, buf, &decoder, shared, &outbox, watch.clone()),
        write_replies(writer, &outbox, watch),
    );
    let _ = shared.commands.send(Command::Closed { conn }).await;
}

/// What a connection starts with, once `buf` holds it: a four-letter
/// word or a handshake. `Some(None)` if it sent something else.
fn first_message(buf: &mut BytesMut, decoder: &FrameDecoder) -> Option<Option<Start>> {
    let first = buf.get(..4)?;
    let first = [first[0], first[1], first[2], first[3]];
    if let Some(word) = four_letter::word(first) {
        return Some(Some(Start::FourLetter(word)));
    }
    match decoder.decode(buf) {
        Ok(Some(mut frame)) => Some(ConnectRequest::decode(&mut frame).ok().map(Start::Connect)),
        Ok(None) => None,
        Err(_) => Some(None),
    }
}

/// Reading from a connection into a buffer that stays empty (unallocated)
/// while nothing arrives.
pub(crate) trait ReadSome {
    /// Reads once into `buf`; `None` on an error, `Some(0)` at the end.
    async fn read_some(&mut self, buf: &mut BytesMut) -> Option<usize>;
}

/// A plain connection: an empty `buf` is only allocated once bytes have
/// arrived (readiness can be spurious), so an idle connection holds no
/// read buffer.
///
/// A read that fills less than it asked for has drained the socket: its
/// readiness is cleared then and there, so that the next read waits for
/// new bytes instead of first asking the kernel again only to hear
/// `WouldBlock` (one system call less per request when a client sends
/// one request at a time). Bytes that arrive after the read raise a new
/// readiness event, which the clearing does not lose.
impl ReadSome for OwnedReadHalf {
    async fn read_some(&mut self, buf: &mut BytesMut) -> Option<usize> {
        let reader = &*self;
        loop {
            reader.readable().await.ok()?;
            let mut got = None;
            let drained = reader.as_ref().try_io(Interest::READABLE, || {
                let (n, asked) = if buf.capacity() > buf.len() {
                    // Room left, such as for the rest of a long frame.
                    let asked = buf.capacity() - buf.len();
                    (reader.try_read_buf(buf)?, asked)
                } else {
                    let mut chunk = [0_u8; READ_CHUNK];
                    let n = reader.try_read(&mut chunk)?;
                    buf.extend_from_slice(&chunk[..n]);
                    (n, READ_CHUNK)
                };
                got = Some(n);
                if n > 0 && n < asked { Err(std::io::ErrorKind::WouldBlock.into()) } else { Ok(n) }
            });
            match (got, drained) {
                (Some(n), _) => return Some(n),
                (None, Err(e)) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                (None, _) => return None,
            }
        }
    }
}

/// Answers a four-letter word and closes the connection.
async fn four_letter_word<W: AsyncWrite + Unpin>(
    word: &'static str,
    peer: SocketAddr,
    mut writer: W,
    shared: &Shared,
) {
    let (reply, answer) = oneshot::channel();
    if shared.commands.send(Command::FourLetter { word, peer, reply }).await.is_err() {
        return;
    }
    if let Ok(answer) = answer.await {
        let _ = writer.write_all(answer.as_bytes()).await;
    }
    let _ = writer.shutdown().await;
}

/// Reads requests and passes them on, a read's worth at a time, until the
/// connection ends or is stopped. While the port is stalled, what arrives
/// waits unread (or read and held).
async fn read_requests<R: ReadSome>(
    conn: ConnId,
    mut reader: R,
    mut buf: BytesMut,
    decoder: &FrameDecoder,
    shared: &Shared,
    outbox: &Outbox,
    mut watch: PortWatch,
) {
    let mut shutdown = shared.shutdown.clone();
    loop {
        tokio::select! {
            _ = watch.flowing() => {}
            _ = outbox.stopped() => break,
            _ = shutdown.changed() => break,
        }
        if watch.is_ended() {
            break;
        }
        let mut requests = Vec::new();
        let mut fatal = false;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => match request::decode(frame) {
                    Ok(incoming) => requests.push(incoming),
                    Err(_) => {
                        fatal = true;
                        break;
                    }
                },
                Ok(None) => break,
                // Too long or negative: the stream cannot be trusted further.
                Err(_) => {
                    fatal = true;
                    break;
                }
            }
        }
        if !requests.is_empty()
            && shared.commands.send(Command::Requests { conn, requests }).await.is_err()
        {
            break;
        }
        if fatal {
            break;
        }
        if buf.is_empty() {
            // An idle connection holds no read buffer.
            buf = BytesMut::new();
        }
        let read = tokio::select! {
            read = reader.read_some(&mut buf) => read,
            _ = outbox.stopped() => break,
            _ = shutdown.changed() => break,
            _ = watch.ended() => break,
        };
        if matches!(read, None | Some(0)) {
            break;
        }
    }
    outbox.stop();
}

/// Writes whatever the outbox collects, everything queued in one write,
/// until it is closed or stopped; nothing while the port is stalled.
async fn write_replies<W: AsyncWrite + Unpin>(
    mut writer: W,
    outbox: &Outbox,
    mut watch: PortWatch,
) {
    while let Some(bytes) = outbox.take().await {
        tokio::select! {
            _ = watch.flowing() => {}
            _ = outbox.stopped() => break,
        }
        let written = tokio::select! {
            written = writer.write_all(&bytes) => written.is_ok(),
            _ = outbox.stopped() => false,
        };
        if !written {
            break;
        }
    }
    let _ = writer.shutdown().await;
    outbox.stop();
}

/// A TLS connection: rustls decrypts into a buffer of its own, so this one
/// is allocated per read.
impl<T: AsyncRead> ReadSome for ReadHalf<T> {
    async fn read_some(&mut self, buf: &mut BytesMut) -> Option<usize> {
        if buf.capacity() == buf.len() {
            buf.reserve(READ_CHUNK);
        }
        self.read_buf(buf).await.ok()
    }
}
