//! A minimal synchronous ZooKeeper connection over one socket, built on
//! zookit-proto alone, that hands back every frame as it arrives: the
//! differential suite needs the exact wire answers, events included, in
//! order.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use zookit_proto::{
    ConnectRequest, ConnectResponse, Decode, Encode, FrameDecoder, ReplyHeader, WATCH_XID,
    WatcherEvent, encode_frame,
};

/// How long any read may wait.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(15);

/// One frame from the server, or the end of the connection.
#[derive(Debug)]
pub(crate) enum Frame {
    Reply(ReplyHeader, Bytes),
    Event(WatcherEvent),
    Closed,
}

/// A raw connection.
pub(crate) struct RawConn {
    stream: TcpStream,
    buf: BytesMut,
    decoder: FrameDecoder,
    closed: bool,
}

impl RawConn {
    /// Opens a TCP connection; nothing is sent.
    pub(crate) fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
            .unwrap_or_else(|e| panic!("connecting to {addr}: {e}"));
        stream.set_nodelay(true).expect("nodelay");
        Self { stream, buf: BytesMut::new(), decoder: FrameDecoder::new(64 << 20), closed: false }
    }

    /// Sends bytes as they are.
    pub(crate) fn send_bytes(&mut self, bytes: &[u8]) {
        // A server that closed may refuse the write; the next read says so.
        let _ = self.stream.write_all(bytes);
    }

    /// Sends `record` as one frame.
    pub(crate) fn send(&mut self, record: &impl Encode) {
        let mut out = BytesMut::new();
        encode_frame(&mut out, record);
        self.send_bytes(&out);
    }

    /// Sends a handshake and reads the answer; `None` if the server closed
    /// the connection instead.
    pub(crate) fn handshake(&mut self, request: &ConnectRequest) -> Option<ConnectResponse> {
        self.send(request);
        let mut frame = self.read_raw(IO_TIMEOUT)?;
        let response = ConnectResponse::decode(&mut frame).expect("a connect response");
        assert!(frame.is_empty(), "connect response with {} extra bytes", frame.len());
        Some(response)
    }

    /// The next frame's bytes, or `None` once the server closed the
    /// connection.
    pub(crate) fn read_raw(&mut self, timeout: Duration) -> Option<Bytes> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(frame) = self.decoder.decode(&mut self.buf).expect("a valid frame") {
                return Some(frame);
            }
            if self.closed {
                return None;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no frame from the server within {timeout:?}");
            self.stream.set_read_timeout(Some(left)).expect("read timeout");
            let mut chunk = [0_u8; 64 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => self.closed = true,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                // A reset is an end too.
                Err(_) => self.closed = true,
            }
        }
    }

    /// The next frame, waiting at most `timeout`.
    pub(crate) fn read_within(&mut self, timeout: Duration) -> Frame {
        let Some(mut frame) = self.read_raw(timeout) else { return Frame::Closed };
        let header = ReplyHeader::decode(&mut frame).expect("a reply header");
        if header.xid == WATCH_XID {
            let event = WatcherEvent::decode(&mut frame).expect("a watcher event");
            assert!(frame.is_empty(), "an event with extra bytes");
            return Frame::Event(event);
        }
        Frame::Reply(header, frame)
    }

    /// The next frame.
    pub(crate) fn read(&mut self) -> Frame {
        self.read_within(IO_TIMEOUT)
    }

    /// Whether a frame or the end arrives within `wait`.
    pub(crate) fn poll(&mut self, wait: Duration) -> Option<Frame> {
        if self.buf.len() >= 4 || self.closed {
            return Some(self.read());
        }
        self.stream.set_read_timeout(Some(wait)).expect("read timeout");
        let mut chunk = [0_u8; 64 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => self.closed = true,
            Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) =>
            {
                return None;
            }
            Err(_) => self.closed = true,
        }
        Some(self.read())
    }
}
