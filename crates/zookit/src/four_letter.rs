//! Four-letter words (`ruok`, `srvr`, `mntr`, ...) and the server version.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::error::{Error, Result};

/// The most of an answer kept; servers answer in a few kilobytes.
const MAX_ANSWER_LEN: u64 = 1 << 20;

/// Sends a four-letter word (`ruok`, `srvr`, `mntr`, `conf`, `envi`, ...)
/// to the server at `addr` over a connection of its own and returns the
/// answer, read until the server closes the connection.
///
/// The server answers words missing from its `4lw.commands.whitelist` with
/// a message saying so, which is returned like any answer.
///
/// # Errors
///
/// [`InvalidArgument`](crate::ErrorKind::InvalidArgument) if `word` is not
/// four ASCII lowercase letters; [`Timeout`](crate::ErrorKind::Timeout) if
/// the whole exchange takes longer than `timeout`; [`Io`](crate::ErrorKind::Io)
/// if connecting, sending or receiving fails.
///
/// ```no_run
/// # async fn f() -> zookit::Result<()> {
/// use std::time::Duration;
///
/// let addr = "127.0.0.1:2181".parse().expect("an address");
/// let answer = zookit::four_letter_word(addr, "ruok", Duration::from_secs(2)).await?;
/// assert_eq!(answer, "imok");
/// # Ok(())
/// # }
/// ```
pub async fn four_letter_word(addr: SocketAddr, word: &str, timeout: Duration) -> Result<String> {
    check_word(word)?;
    match tokio::time::timeout(timeout, exchange(addr, word)).await {
        Ok(answer) => answer,
        Err(_elapsed) => {
            Err(Error::timeout(format!("no answer to `{word}` from {addr} within {timeout:?}")))
        }
    }
}

fn check_word(word: &str) -> Result<()> {
    if word.len() == 4 && word.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!(
            "{word:?} is not a four-letter word (four ASCII lowercase letters)"
        )))
    }
}

/// Connects, sends `word` and reads the answer.
async fn exchange(addr: SocketAddr, word: &str) -> Result<String> {
    let context = |what: &str, err: io::Error| {
        Error::io(err).with_detail(format!("{what} {addr} for `{word}`"))
    };
    let mut stream = TcpStream::connect(addr).await.map_err(|e| context("connecting to", e))?;
    stream.write_all(word.as_bytes()).await.map_err(|e| context("sending to", e))?;
    let mut answer = Vec::new();
    let mut limited = (&mut stream).take(MAX_ANSWER_LEN);
    limited.read_to_end(&mut answer).await.map_err(|e| context("reading from", e))?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// Parses the version from a `srvr` (or `stat`) answer: `Zookeeper version:
/// 3.8.0-5a02a05e..., built on ...` gives `(3, 8, 0)`.
///
/// Returns `None` if the answer has no such line, e.g. from a server that
/// is not serving requests.
///
/// ```
/// let srvr = "Zookeeper version: 3.8.0-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC\nMode: standalone\n";
/// assert_eq!(zookit::parse_server_version(srvr), Some((3, 8, 0)));
/// ```
pub fn parse_server_version(srvr: &str) -> Option<(u32, u32, u32)> {
    let version = srvr.lines().find_map(|line| line.trim().strip_prefix("Zookeeper version:"))?;
    let version = version.trim_start();
    let end = version.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(version.len());
    let mut numbers = version[..end].split('.').map(|n| n.parse::<u32>().ok());
    match (numbers.next(), numbers.next(), numbers.next(), numbers.next()) {
        (Some(Some(major)), Some(Some(minor)), Some(Some(patch)), None) => {
            Some((major, minor, patch))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_version_of_a_srvr_answer() {
        let srvr = "Zookeeper version: 3.8.0-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, \
                    built on 2022-02-25 08:49 UTC\nLatency min/avg/max: 0/0.0/0\n\
                    Received: 1\nMode: standalone\nNode count: 5\n";
        assert_eq!(parse_server_version(srvr), Some((3, 8, 0)));
    }

    #[test]
    fn parses_versions_in_other_shapes() {
        let cases = [
            (
                "Zookeeper version: 3.4.14-4c25d480e66aadd371de8bd2fd8da255ac140bcf, built on x",
                (3, 4, 14),
            ),
            ("Zookeeper version: 3.10.12-SNAPSHOT, built on x", (3, 10, 12)),
            ("Zookeeper version: 3.9.2, built on x", (3, 9, 2)),
            ("Zookeeper version: 3.9.2", (3, 9, 2)),
            ("Zookeeper version:3.5.9\r\n", (3, 5, 9)),
            (
                "Clients:\n /127.0.0.1:1[0](queued=0)\n\nZookeeper version: 3.7.1-a, built",
                (3, 7, 1),
            ),
        ];
        for (answer, version) in cases {
            assert_eq!(parse_server_version(answer), Some(version), "{answer:?}");
        }
    }

    #[test]
    fn rejects_answers_without_a_version() {
        for answer in [
            "",
            "imok",
            "This ZooKeeper instance is not currently serving requests\n",
            "Zookeeper version: \n",
            "Zookeeper version: 3.8\n",
            "Zookeeper version: 3.8.0.1\n",
            "Zookeeper version: 3..0\n",
            "Zookeeper version: 99999999999.0.0\n",
            "zookeeper.version=3.8.0-abc, built on x\n",
        ] {
            assert_eq!(parse_server_version(answer), None, "{answer:?}");
        }
    }

    #[test]
    fn words_are_four_lowercase_letters() {
        for word in ["ruok", "srvr", "mntr", "conf", "envi", "wchs"] {
            assert!(check_word(word).is_ok(), "{word}");
        }
        for word in ["", "ruo", "ruokk", "RUOK", "ru0k", "ru k", "rüok", "éok"] {
            let err = check_word(word).err();
            assert!(err.as_ref().is_some_and(Error::is_invalid_argument), "{word}");
        }
    }
}
