//! Four-letter words against a real server.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use zookit::{ErrorKind, four_letter_word, parse_server_version};

const TIMEOUT: Duration = Duration::from_secs(5);

fn server() -> SocketAddr {
    zookit_testing::shared().member_address(0)
}

#[tokio::test]
async fn ruok_answers_imok() {
    let answer = four_letter_word(server(), "ruok", TIMEOUT).await.expect("ruok");
    assert_eq!(answer, "imok");
}

#[tokio::test]
async fn srvr_gives_the_server_version() {
    let answer = four_letter_word(server(), "srvr", TIMEOUT).await.expect("srvr");
    assert!(answer.contains("Mode: standalone"), "{answer}");
    assert_eq!(parse_server_version(&answer), Some((3, 8, 0)), "{answer}");
}

#[tokio::test]
async fn mntr_answers_with_key_value_lines() {
    let answer = four_letter_word(server(), "mntr", TIMEOUT).await.expect("mntr");
    assert!(answer.lines().any(|line| line.starts_with("zk_version\t3.8.0")), "{answer}");
}

#[tokio::test]
async fn invalid_words_are_refused_before_connecting() {
    for word in ["RUOK", "ruo", "ruokk", "ru0k", ""] {
        let err = four_letter_word(server(), word, TIMEOUT).await.expect_err(word);
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{word}: {err:?}");
    }
}

#[tokio::test]
async fn a_closed_port_fails_fast() {
    let addr = {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        listener.local_addr().expect("local address")
    };
    let start = Instant::now();
    let err = four_letter_word(addr, "ruok", TIMEOUT).await.expect_err("nothing listens");
    assert!(start.elapsed() < TIMEOUT, "took {:?}", start.elapsed());
    assert_eq!(err.kind(), ErrorKind::Io, "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&addr.to_string()) && message.contains("ruok"), "{message}");
}

#[tokio::test]
async fn a_silent_server_times_out() {
    // Connections complete in the backlog, but nobody ever answers.
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let addr = listener.local_addr().expect("local address");
    let timeout = Duration::from_millis(300);
    let start = Instant::now();
    let err = four_letter_word(addr, "srvr", timeout).await.expect_err("no answer");
    assert!(start.elapsed() < TIMEOUT, "took {:?}", start.elapsed());
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&addr.to_string()) && message.contains("srvr"), "{message}");
    drop(listener);
}
