use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use zookit_testing::Proxy;

use crate::{TestResult, eventually};

const WAIT: Duration = Duration::from_secs(5);

/// A TCP echo server on a free loopback port (threads end with the process).
fn echo_server() -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if stream.write_all(&buf[..n]).is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    Ok(addr)
}

/// Accepts one connection, failing after `timeout`.
fn accept_within(listener: &TcpListener, timeout: Duration) -> io::Result<TcpStream> {
    listener.set_nonblocking(true)?;
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false)?;
                return Ok(stream);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if std::time::Instant::now() >= deadline {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "no connection"));
                }
                thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e),
        }
    }
}

fn connect(proxy: &Proxy) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&proxy.addr(), WAIT)?;
    stream.set_read_timeout(Some(WAIT))?;
    Ok(stream)
}

/// Sends `message` and reads the echo (bounded by the read timeout).
fn round_trip(stream: &mut TcpStream, message: &[u8]) -> io::Result<Vec<u8>> {
    stream.write_all(message)?;
    let mut echo = vec![0u8; message.len()];
    stream.read_exact(&mut echo)?;
    Ok(echo)
}

/// Whether the peer closed the stream: EOF or a reset within the timeout.
fn is_closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 16];
    match stream.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut),
    }
}

#[test]
fn passes_traffic_through() -> TestResult {
    let upstream = echo_server()?;
    let proxy = Proxy::start(upstream)?;
    assert_eq!(proxy.upstream(), upstream);
    assert_ne!(proxy.addr(), upstream);
    let mut a = connect(&proxy)?;
    let mut b = connect(&proxy)?;
    assert_eq!(round_trip(&mut a, b"hello")?, b"hello");
    assert_eq!(round_trip(&mut b, b"world!")?, b"world!");
    assert_eq!(proxy.connection_count(), 2);
    assert!(eventually(WAIT, || proxy.bytes_forwarded() == 22));
    let big: Vec<u8> = (0..1_000_000u32).map(|i| i as u8).collect();
    let mut writer = a.try_clone()?;
    let sent = big.clone();
    let sender = thread::spawn(move || writer.write_all(&sent));
    let mut echoed = vec![0u8; big.len()];
    a.read_exact(&mut echoed)?;
    sender.join().expect("sender thread")?;
    assert!(echoed == big, "1 MB echo differs");
    // A client closing is passed on; the connection goes away.
    drop(a);
    drop(b);
    assert!(eventually(WAIT, || proxy.connection_count() == 0));
    Ok(())
}

#[test]
fn stall_holds_data_until_pass() -> TestResult {
    let proxy = Proxy::start(echo_server()?)?;
    let mut client = connect(&proxy)?;
    assert_eq!(round_trip(&mut client, b"before")?, b"before");
    // Counted right after each write; the echo may arrive a moment earlier.
    assert!(eventually(WAIT, || proxy.bytes_forwarded() == 12));
    proxy.stall();
    client.write_all(b"held")?;
    // A connection made while stalled is accepted but gets nothing either.
    let mut late = connect(&proxy)?;
    late.write_all(b"late")?;
    client.set_read_timeout(Some(Duration::from_millis(300)))?;
    let mut buf = [0u8; 4];
    let err = client.read(&mut buf).expect_err("nothing may arrive while stalled");
    assert!(matches!(err.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut), "{err}");
    assert_eq!(proxy.bytes_forwarded(), 12);
    assert!(eventually(WAIT, || proxy.connection_count() == 2));

    proxy.pass();
    client.set_read_timeout(Some(WAIT))?;
    client.read_exact(&mut buf)?;
    assert_eq!(&buf, b"held");
    late.read_exact(&mut buf)?;
    assert_eq!(&buf, b"late");
    assert_eq!(round_trip(&mut client, b"after")?, b"after");
    Ok(())
}

#[test]
fn drop_connections_closes_both_sides_and_accepts_new_ones() -> TestResult {
    let proxy = Proxy::start(echo_server()?)?;
    let mut a = connect(&proxy)?;
    let mut b = connect(&proxy)?;
    assert_eq!(round_trip(&mut a, b"a")?, b"a");
    assert_eq!(round_trip(&mut b, b"b")?, b"b");
    proxy.drop_connections();
    assert_eq!(proxy.connection_count(), 0);
    assert!(is_closed(&mut a), "client a must see the connection closed");
    assert!(is_closed(&mut b), "client b must see the connection closed");
    let mut c = connect(&proxy)?;
    assert_eq!(round_trip(&mut c, b"c")?, b"c");
    Ok(())
}

#[test]
fn drop_connections_also_ends_stalled_connections() -> TestResult {
    let proxy = Proxy::start(echo_server()?)?;
    let mut client = connect(&proxy)?;
    assert_eq!(round_trip(&mut client, b"x")?, b"x");
    proxy.stall();
    client.write_all(b"held")?;
    proxy.drop_connections();
    assert!(is_closed(&mut client));
    // Still stalled for new connections.
    let mut late = connect(&proxy)?;
    late.write_all(b"y")?;
    late.set_read_timeout(Some(Duration::from_millis(200)))?;
    assert!(late.read(&mut [0u8; 1]).is_err());
    proxy.pass();
    late.set_read_timeout(Some(WAIT))?;
    let mut buf = [0u8; 1];
    late.read_exact(&mut buf)?;
    assert_eq!(&buf, b"y");
    Ok(())
}

#[test]
fn refuse_closes_new_connections_only() -> TestResult {
    let proxy = Proxy::start(echo_server()?)?;
    let mut existing = connect(&proxy)?;
    assert_eq!(round_trip(&mut existing, b"1")?, b"1");
    proxy.refuse();
    let mut refused = connect(&proxy)?;
    assert!(is_closed(&mut refused), "a new connection must be closed at once");
    assert_eq!(round_trip(&mut existing, b"2")?, b"2");
    assert_eq!(proxy.connection_count(), 1);
    proxy.pass();
    let mut fresh = connect(&proxy)?;
    assert_eq!(round_trip(&mut fresh, b"3")?, b"3");
    Ok(())
}

#[test]
fn set_upstream_redirects_new_connections() -> TestResult {
    let first = echo_server()?;
    let second = TcpListener::bind("127.0.0.1:0")?;
    let proxy = Proxy::start(first)?;
    let mut old = connect(&proxy)?;
    // Accepted (and bound to the first upstream) once it echoes.
    assert_eq!(round_trip(&mut old, b"first")?, b"first");
    proxy.set_upstream(second.local_addr()?);
    assert_eq!(proxy.upstream(), second.local_addr()?);
    let mut new = connect(&proxy)?;
    let mut upstream_side = accept_within(&second, WAIT)?;
    upstream_side.write_all(b"from second")?;
    let mut buf = [0u8; 11];
    new.read_exact(&mut buf)?;
    assert_eq!(&buf, b"from second");
    assert_eq!(round_trip(&mut old, b"still first")?, b"still first");
    Ok(())
}

#[test]
fn dropping_the_proxy_closes_everything() -> TestResult {
    let proxy = Proxy::start(echo_server()?)?;
    let addr = proxy.addr();
    let mut client = connect(&proxy)?;
    assert_eq!(round_trip(&mut client, b"x")?, b"x");
    proxy.stall();
    client.write_all(b"y")?;
    let started = std::time::Instant::now();
    drop(proxy);
    assert!(started.elapsed() < WAIT, "drop took {:?}", started.elapsed());
    assert!(is_closed(&mut client));
    assert!(TcpStream::connect_timeout(&addr, WAIT).is_err());
    Ok(())
}

#[test]
fn unreachable_upstream_closes_the_client() -> TestResult {
    // Bind then release a port so nothing listens there.
    let dead = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let proxy = Proxy::start(dead)?;
    let mut client = connect(&proxy)?;
    assert!(is_closed(&mut client));
    assert!(eventually(WAIT, || proxy.connection_count() == 0));
    Ok(())
}
