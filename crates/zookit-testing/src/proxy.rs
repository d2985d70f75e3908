//! A fault-injecting TCP proxy between clients and one upstream server.
//!
//! Threads: one listener; per connection, one thread that connects upstream
//! and pumps client → upstream, plus one pumping upstream → client. Every
//! socket has a clone stored in the connection table so that faults and
//! `Drop` can unblock pumps with `TcpStream::shutdown`.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Bound for connecting to the upstream server.
const UPSTREAM_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Pass,
    Stall,
    Refuse,
}

/// A TCP proxy on `127.0.0.1:<free port>` forwarding to one upstream server,
/// with switchable faults: [`pass`](Self::pass), [`stall`](Self::stall),
/// [`refuse`](Self::refuse) and [`drop_connections`](Self::drop_connections).
///
/// Dropping it closes every connection and stops its threads.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    listener: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    upstream: Mutex<SocketAddr>,
    mode: Mutex<Mode>,
    /// Signalled (with `mode` locked) when the mode changes, a connection is
    /// dropped or the proxy stops.
    changed: Condvar,
    conns: Mutex<HashMap<u64, Conn>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    next_id: AtomicU64,
    stopping: AtomicBool,
    bytes: AtomicU64,
}

/// Clones of a connection's sockets, kept to shut them down from outside.
#[derive(Debug)]
struct Conn {
    client: TcpStream,
    upstream: Option<TcpStream>,
    closed: Arc<AtomicBool>,
}

impl Conn {
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let _ = self.client.shutdown(Shutdown::Both);
        if let Some(upstream) = &self.upstream {
            let _ = upstream.shutdown(Shutdown::Both);
        }
    }
}

/// Locks a mutex, ignoring poisoning (no invariant spans a panic here).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Proxy {
    /// Starts a proxy on a free loopback port forwarding to `upstream`.
    pub fn start(upstream: SocketAddr) -> io::Result<Proxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            mode: Mutex::new(Mode::Pass),
            changed: Condvar::new(),
            conns: Mutex::new(HashMap::new()),
            threads: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
            bytes: AtomicU64::new(0),
        });
        let thread_shared = Arc::clone(&shared);
        let handle = thread::Builder::new()
            .name("zookit-proxy-listener".into())
            .spawn(move || accept_loop(&thread_shared, &listener))?;
        Ok(Proxy { addr, shared, listener: Some(handle) })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The upstream server address.
    pub fn upstream(&self) -> SocketAddr {
        *lock(&self.shared.upstream)
    }

    /// Sends new connections to `upstream`; existing ones are unchanged.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *lock(&self.shared.upstream) = upstream;
    }

    /// Forwards normally; ends [`stall`](Self::stall) (held data is
    /// forwarded) and [`refuse`](Self::refuse).
    pub fn pass(&self) {
        self.shared.set_mode(Mode::Pass);
    }

    /// Black-holes traffic: connections stay open (new ones are accepted)
    /// but nothing is forwarded in either direction, not even a close, until
    /// [`pass`](Self::pass). Data read meanwhile is held and forwarded then.
    pub fn stall(&self) {
        self.shared.set_mode(Mode::Stall);
    }

    /// New connections are accepted and closed at once; existing ones are
    /// untouched. Ended by [`pass`](Self::pass) (or [`stall`](Self::stall)).
    pub fn refuse(&self) {
        self.shared.set_mode(Mode::Refuse);
    }

    /// Closes every current connection on both sides now, stalled ones
    /// included (clients and server see EOF). New connections are still
    /// accepted.
    pub fn drop_connections(&self) {
        self.shared.drop_connections();
    }

    /// Number of client connections currently open through the proxy.
    pub fn connection_count(&self) -> usize {
        lock(&self.shared.conns).len()
    }

    /// Total bytes forwarded so far, both directions together.
    pub fn bytes_forwarded(&self) -> u64 {
        self.shared.bytes.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the listener out of `accept`; if that fails, do not join it
        // (it would block forever) — it exits at its next accept.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok();
        if let Some(listener) = self.listener.take() {
            if woke {
                let _ = listener.join();
            }
        }
        self.shared.drop_connections();
        if !woke {
            // The listener may still register a connection; joining could hang.
            return;
        }
        let threads = std::mem::take(&mut *lock(&self.shared.threads));
        for thread in threads {
            // Pumps end promptly: their sockets are shut down and `stopping`
            // ends stalls; an upstream connect is bounded by its timeout.
            let _ = thread.join();
        }
    }
}

impl Shared {
    fn set_mode(&self, mode: Mode) {
        *lock(&self.mode) = mode;
        self.changed.notify_all();
    }

    fn mode(&self) -> Mode {
        *lock(&self.mode)
    }

    fn drop_connections(&self) {
        let conns: Vec<Conn> = lock(&self.conns).drain().map(|(_, c)| c).collect();
        for conn in &conns {
            conn.close();
        }
        // Lock so that no pump can miss the wake-up between check and wait.
        let _mode = lock(&self.mode);
        self.changed.notify_all();
    }

    /// Blocks while stalled. Returns false if the connection was dropped or
    /// the proxy is stopping (then nothing more may be forwarded).
    fn wait_while_stalled(&self, closed: &AtomicBool) -> bool {
        let mut mode = lock(&self.mode);
        loop {
            if closed.load(Ordering::SeqCst) || self.stopping.load(Ordering::SeqCst) {
                return false;
            }
            if *mode != Mode::Stall {
                return true;
            }
            mode = self.changed.wait(mode).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn spawn(&self, name: &str, f: impl FnOnce() + Send + 'static) -> io::Result<()> {
        let handle = thread::Builder::new().name(name.into()).spawn(f)?;
        let mut threads = lock(&self.threads);
        threads.retain(|t| !t.is_finished());
        threads.push(handle);
        Ok(())
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    loop {
        let accepted = listener.accept();
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let client = match accepted {
            Ok((client, _)) => client,
            Err(_) => {
                // E.g. out of file descriptors: back off instead of spinning.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if shared.mode() == Mode::Refuse {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        }
        let Ok(client_clone) = client.try_clone() else {
            continue;
        };
        let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
        let closed = Arc::new(AtomicBool::new(false));
        lock(&shared.conns)
            .insert(id, Conn { client: client_clone, upstream: None, closed: Arc::clone(&closed) });
        // Chosen at accept time, so `set_upstream` affects only later clients.
        let upstream = *lock(&shared.upstream);
        let conn_shared = Arc::clone(shared);
        let spawned = shared.spawn("zookit-proxy-conn", move || {
            connection(&conn_shared, id, client, upstream, &closed);
            lock(&conn_shared.conns).remove(&id);
        });
        if spawned.is_err() {
            if let Some(conn) = lock(&shared.conns).remove(&id) {
                conn.close();
            }
        }
    }
}

/// Connects upstream, then pumps both directions until both have ended.
fn connection(
    shared: &Arc<Shared>,
    id: u64,
    client: TcpStream,
    upstream_addr: SocketAddr,
    closed: &Arc<AtomicBool>,
) {
    let Ok(upstream) = TcpStream::connect_timeout(&upstream_addr, UPSTREAM_CONNECT_TIMEOUT) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let clones = (upstream.try_clone(), upstream.try_clone(), client.try_clone());
    let (Ok(registered), Ok(upstream_reader), Ok(client_writer)) = clones else {
        let _ = client.shutdown(Shutdown::Both);
        let _ = upstream.shutdown(Shutdown::Both);
        return;
    };
    {
        let mut conns = lock(&shared.conns);
        match conns.get_mut(&id) {
            Some(conn) if !closed.load(Ordering::SeqCst) => conn.upstream = Some(registered),
            // Dropped while connecting.
            _ => {
                let _ = client.shutdown(Shutdown::Both);
                let _ = upstream.shutdown(Shutdown::Both);
                return;
            }
        }
    }
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let back_shared = Arc::clone(shared);
    let back_closed = Arc::clone(closed);
    let back = thread::Builder::new()
        .name("zookit-proxy-pump".into())
        .spawn(move || pump(&back_shared, upstream_reader, client_writer, &back_closed));
    match back {
        Ok(back) => {
            pump(shared, client, upstream, closed);
            let _ = back.join();
        }
        Err(_) => {
            let _ = client.shutdown(Shutdown::Both);
            let _ = upstream.shutdown(Shutdown::Both);
        }
    }
}

/// Copies `from` to `to` until EOF or an error, honouring stalls. EOF is
/// passed on as a half-close; an error closes both sockets completely.
fn pump(shared: &Shared, mut from: TcpStream, mut to: TcpStream, closed: &AtomicBool) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                if shared.wait_while_stalled(closed) {
                    let _ = from.shutdown(Shutdown::Both);
                    let _ = to.shutdown(Shutdown::Both);
                }
                return;
            }
        };
        if !shared.wait_while_stalled(closed) {
            return;
        }
        if n == 0 {
            let _ = to.shutdown(Shutdown::Write);
            return;
        }
        if to.write_all(&buf[..n]).is_err() {
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
            return;
        }
        shared.bytes.fetch_add(n as u64, Ordering::SeqCst);
    }
}
