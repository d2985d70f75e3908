//! The session handshake: the first frame each way on a new connection.

use crate::redacted::Redacted;
use std::fmt;

use bytes::{Buf, BufMut, Bytes};

use crate::{Decode, DecodeError, Encode};

/// The first frame a client sends: establishes a new session or resumes one.
///
/// It has no [`RequestHeader`](crate::RequestHeader).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConnectRequest {
    /// Always 0.
    pub protocol_version: i32,
    /// The last zxid the client has seen; a server that is behind it refuses
    /// the connection.
    pub last_zxid_seen: i64,
    /// The session timeout the client asks for, in milliseconds.
    pub timeout: i32,
    /// 0 for a new session, else the session to resume.
    pub session_id: i64,
    /// The password of the session to resume (16 zero bytes for a new one).
    pub passwd: Bytes,
    /// Whether the client accepts a read-only server (3.4+). `None` is the
    /// older form with no flag on the wire; servers read it as `false`.
    pub read_only: Option<bool>,
}

/// The server's answer to a [`ConnectRequest`].
///
/// A `timeout` of 0 or less means the server refused the session (for
/// example, it expired). It has no [`ReplyHeader`](crate::ReplyHeader).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConnectResponse {
    /// Always 0.
    pub protocol_version: i32,
    /// The negotiated session timeout, in milliseconds.
    pub timeout: i32,
    /// The session's id.
    pub session_id: i64,
    /// The session's password, needed to resume it.
    pub passwd: Bytes,
    /// Whether the server is read-only (3.4+). `None` when the server sent
    /// the older form without the flag.
    pub read_only: Option<bool>,
}

fn encode_read_only<B: BufMut + ?Sized>(read_only: Option<bool>, buf: &mut B) {
    if let Some(flag) = read_only {
        flag.encode(buf);
    }
}

fn decode_read_only(buf: &mut Bytes) -> Result<Option<bool>, DecodeError> {
    if buf.has_remaining() { bool::decode(buf).map(Some) } else { Ok(None) }
}

impl Encode for ConnectRequest {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.protocol_version.encode(buf);
        self.last_zxid_seen.encode(buf);
        self.timeout.encode(buf);
        self.session_id.encode(buf);
        self.passwd.encode(buf);
        encode_read_only(self.read_only, buf);
    }
    fn encoded_len(&self) -> usize {
        4 + 8 + 4 + 8 + self.passwd.encoded_len() + usize::from(self.read_only.is_some())
    }
}

impl Decode for ConnectRequest {
    const MIN_LEN: usize = 28;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        Ok(Self {
            protocol_version: Decode::decode(buf)?,
            last_zxid_seen: Decode::decode(buf)?,
            timeout: Decode::decode(buf)?,
            session_id: Decode::decode(buf)?,
            passwd: Decode::decode(buf)?,
            read_only: decode_read_only(buf)?,
        })
    }
}

impl Encode for ConnectResponse {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.protocol_version.encode(buf);
        self.timeout.encode(buf);
        self.session_id.encode(buf);
        self.passwd.encode(buf);
        encode_read_only(self.read_only, buf);
    }
    fn encoded_len(&self) -> usize {
        4 + 4 + 8 + self.passwd.encoded_len() + usize::from(self.read_only.is_some())
    }
}

impl Decode for ConnectResponse {
    const MIN_LEN: usize = 20;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        Ok(Self {
            protocol_version: Decode::decode(buf)?,
            timeout: Decode::decode(buf)?,
            session_id: Decode::decode(buf)?,
            passwd: Decode::decode(buf)?,
            read_only: decode_read_only(buf)?,
        })
    }
}

/// The session password is a secret: `Debug` shows only its length.
impl fmt::Debug for ConnectRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectRequest")
            .field("protocol_version", &self.protocol_version)
            .field("last_zxid_seen", &self.last_zxid_seen)
            .field("timeout", &self.timeout)
            .field("session_id", &format_args!("{:#x}", self.session_id))
            .field("passwd", &Redacted(self.passwd.len()))
            .field("read_only", &self.read_only)
            .finish()
    }
}

/// The session password is a secret: `Debug` shows only its length.
impl fmt::Debug for ConnectResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectResponse")
            .field("protocol_version", &self.protocol_version)
            .field("timeout", &self.timeout)
            .field("session_id", &format_args!("{:#x}", self.session_id))
            .field("passwd", &Redacted(self.passwd.len()))
            .field("read_only", &self.read_only)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_flag_is_optional_on_the_wire() {
        let request = ConnectRequest {
            timeout: 10_000,
            passwd: Bytes::from_static(&[0; 16]),
            read_only: Some(true),
            ..ConnectRequest::default()
        };
        let mut out = Vec::new();
        request.encode(&mut out);
        assert_eq!(out.len(), 4 + 8 + 4 + 8 + 4 + 16 + 1);
        assert_eq!(ConnectRequest::decode(&mut Bytes::from(out.clone())).unwrap(), request);

        // The older form: no flag.
        out.pop();
        let legacy = ConnectRequest::decode(&mut Bytes::from(out)).unwrap();
        assert_eq!(legacy.read_only, None);
    }

    #[test]
    fn debug_redacts_the_password() {
        let response = ConnectResponse {
            passwd: Bytes::from_static(b"secret-password!"),
            ..ConnectResponse::default()
        };
        let shown = format!("{response:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("16 bytes redacted"), "{shown}");
    }
}
