//! Expiring a session for real, as its client would live through it.
//!
//! A second client resuming the session and closing it (Curator's
//! `KillSession`) loses a race: the session's own client reconnects within
//! a millisecond, takes the session back, and the close is never sent. Here
//! a raw connection sends the connect request and `closeSession` in one
//! write, so the server handles them back to back, and tries again until a
//! connect with the session's id is answered "expired".

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The opcode of `closeSession`.
const CLOSE_SESSION: i32 = -11;

/// Expires the session `session_id` (with its `password`) on the server at
/// `server`, waiting at most `within`. Its ephemeral nodes are gone and its
/// client is told `Expired` when it next reaches a server.
pub fn expire_session(
    server: SocketAddr,
    session_id: i64,
    password: &[u8],
    within: Duration,
) -> io::Result<()> {
    let deadline = Instant::now() + within;
    loop {
        // Resumed and closed in one go; then asked again, alone, whether
        // the session is still there (the server may answer a connect with
        // a close behind it by just closing the connection).
        let closing = granted(server, session_id, password, deadline, true);
        if closing.is_ok_and(|granted| !granted) {
            return Ok(());
        }
        if granted(server, session_id, password, deadline, false).is_ok_and(|granted| !granted) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("session {session_id:#x} still alive after {within:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Asks to resume the session on a new connection (and, with `close`,
/// closes it in the same write). Returns whether the server granted it
/// (the session was still alive).
fn granted(
    server: SocketAddr,
    session_id: i64,
    password: &[u8],
    deadline: Instant,
    close: bool,
) -> io::Result<bool> {
    let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(100));
    let mut stream = TcpStream::connect_timeout(&server, left)?;
    stream.set_read_timeout(Some(left))?;
    let mut bytes = connect_frame(session_id, password);
    if close {
        bytes.extend(frame(&[1_i32.to_be_bytes(), CLOSE_SESSION.to_be_bytes()].concat()));
    }
    stream.write_all(&bytes)?;
    // The connect response: protocol version, then the granted timeout,
    // which is 0 when the session no longer exists.
    let answer = read_frame(&mut stream)?;
    let timeout = answer.get(4..8).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let granted = timeout.is_some_and(|t| t > 0);
    if granted && close {
        // The close's reply, or the connection closed after it.
        let _ = read_frame(&mut stream);
    }
    Ok(granted)
}

fn connect_frame(session_id: i64, password: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(0_i32.to_be_bytes()); // protocol version
    body.extend(0_i64.to_be_bytes()); // last zxid seen
    body.extend(10_000_i32.to_be_bytes()); // timeout
    body.extend(session_id.to_be_bytes());
    body.extend(i32::try_from(password.len()).unwrap_or(0).to_be_bytes());
    body.extend(password);
    body.push(0); // not read-only
    frame(&body)
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut framed = i32::try_from(body.len()).unwrap_or(i32::MAX).to_be_bytes().to_vec();
    framed.extend(body);
    framed
}

fn read_frame(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut len = [0; 4];
    stream.read_exact(&mut len)?;
    let len = usize::try_from(i32::from_be_bytes(len))
        .ok()
        .filter(|&len| len <= 1 << 20)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad frame length"))?;
    let mut body = vec![0; len];
    stream.read_exact(&mut body)?;
    Ok(body)
}
