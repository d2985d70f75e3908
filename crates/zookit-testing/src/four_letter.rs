//! ZooKeeper "four letter word" admin commands (`ruok`, `srvr`, `mntr`, ...).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Default time limit for one four-letter-word exchange.
pub(crate) const FOUR_LETTER_TIMEOUT: Duration = Duration::from_secs(2);

/// Sends a four letter word (e.g. `"ruok"`, `"srvr"`, `"mntr"`) to the server
/// at `addr` and returns its whole answer (read until the server closes).
///
/// `timeout` bounds connecting and the whole exchange. The server must allow
/// the word (`4lw.commands.whitelist`; servers started by this crate allow all).
pub fn four_letter_word(addr: SocketAddr, word: &str, timeout: Duration) -> io::Result<String> {
    let deadline = Instant::now() + timeout;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(word.as_bytes())?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no complete answer to `{word}` from {addr} within {timeout:?}"),
            ));
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// Extracts the text after `Mode: ` from a `srvr` (or `stat`) answer, e.g.
/// `"standalone"`, `"leader"`, `"follower"` or `"read-only"`.
///
/// Returns `None` when the answer has no such line (the server is not
/// serving requests yet).
pub fn parse_mode(srvr_answer: &str) -> Option<&str> {
    srvr_answer.lines().find_map(|line| line.strip_prefix("Mode:")).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mode_line() {
        let answer = "Zookeeper version: 3.8.0\nZxid: 0x0\nMode: follower\nNode count: 5\n";
        assert_eq!(parse_mode(answer), Some("follower"));
        assert_eq!(parse_mode("This ZooKeeper instance is not currently serving requests\n"), None);
    }
}
