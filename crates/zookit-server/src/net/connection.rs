//! One client connection: the handshake (or a four-letter word), then
//! reading requests in batches for the state task while writing what its
//! outbox collects.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::oneshot;
use zookit_proto::{ConnectRequest, Decode, FrameDecoder};

use super::outbox::Outbox;
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

/// Serves one connection until it ends or the server shuts down.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    _open: OpenGuard,
) {
    let conn = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    let _ = stream.set_nodelay(true);
    let (mut reader, writer) = stream.into_split();
    let mut shutdown = shared.shutdown.clone();
    let decoder = FrameDecoder::new(shared.config.max_frame_len);
    let mut buf = BytesMut::new();
    let start = tokio::select! {
        _ = shutdown.changed() => return,
        start = tokio::time::timeout(shared.config.handshake_timeout, start(&mut reader, &mut buf, &decoder)) => start,
    };
    let request = match start {
        Ok(Some(Start::Connect(request))) => request,
        Ok(Some(Start::FourLetter(word))) => {
            return four_letter_word(word, peer, writer, &shared).await;
        }
        // A timeout, an early end, or a malformed handshake.
        _ => return,
    };
    let outbox = Arc::new(Outbox::default());
    let connect = Command::Connect { conn, peer, outbox: outbox.clone(), request };
    if shared.commands.send(connect).await.is_err() {
        return;
    }
    tokio::join!(
        read_requests(conn, reader, buf, &decoder, &shared, &outbox),
        write_replies(writer, &outbox),
    );
    let _ = shared.commands.send(Command::Closed { conn }).await;
}

/// Reads what a connection starts with: a four-letter word or a handshake.
/// `None` if the connection ends first or sends something else.
async fn start(
    reader: &mut OwnedReadHalf,
    buf: &mut BytesMut,
    decoder: &FrameDecoder,
) -> Option<Start> {
    loop {
        if let Some(first) = buf.get(..4) {
            let first = [first[0], first[1], first[2], first[3]];
            if let Some(word) = four_letter::word(first) {
                return Some(Start::FourLetter(word));
            }
            if let Some(mut frame) = decoder.decode(buf).ok()? {
                return ConnectRequest::decode(&mut frame).ok().map(Start::Connect);
            }
        }
        if read_some(reader, buf).await? == 0 {
            return None;
        }
    }
}

/// Reads once into `buf`; `None` on an error. An empty `buf` is only
/// allocated once bytes have arrived (readiness can be spurious), so an
/// idle connection holds no read buffer.
async fn read_some(reader: &mut OwnedReadHalf, buf: &mut BytesMut) -> Option<usize> {
    loop {
        reader.readable().await.ok()?;
        let read = if buf.capacity() > buf.len() {
            // Room left, such as for the rest of a long frame.
            reader.try_read_buf(buf)
        } else {
            let mut chunk = [0_u8; READ_CHUNK];
            reader.try_read(&mut chunk).inspect(|&n| buf.extend_from_slice(&chunk[..n]))
        };
        match read {
            Ok(n) => return Some(n),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return None,
        }
    }
}

/// Answers a four-letter word and closes the connection.
async fn four_letter_word(
    word: &'static str,
    peer: SocketAddr,
    mut writer: OwnedWriteHalf,
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
/// connection ends or is stopped.
async fn read_requests(
    conn: ConnId,
    mut reader: OwnedReadHalf,
    mut buf: BytesMut,
    decoder: &FrameDecoder,
    shared: &Shared,
    outbox: &Outbox,
) {
    let mut shutdown = shared.shutdown.clone();
    loop {
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
            read = read_some(&mut reader, &mut buf) => read,
            _ = outbox.stopped() => break,
            _ = shutdown.changed() => break,
        };
        if matches!(read, None | Some(0)) {
            break;
        }
    }
    outbox.stop();
}

/// Writes whatever the outbox collects, everything queued in one write,
/// until it is closed or stopped.
async fn write_replies(mut writer: OwnedWriteHalf, outbox: &Outbox) {
    while let Some(bytes) = outbox.take().await {
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
