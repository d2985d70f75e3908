//! Allocation of free loopback TCP ports.

use std::collections::HashSet;
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::{Mutex, OnceLock};

/// Ports already handed out by this process; never handed out twice, so two
/// ensembles starting at the same time in one test binary cannot collide.
fn handed_out() -> &'static Mutex<HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS.get_or_init(Default::default)
}

/// Returns `count` distinct loopback ports that were free a moment ago.
///
/// All listeners are held until every port is chosen, so the kernel cannot
/// return the same port twice; they are released on return. Another process
/// may still grab a port before the server binds it: callers retry on
/// "Address already in use".
pub(crate) fn free_ports(count: usize) -> io::Result<Vec<u16>> {
    let mut held = Vec::with_capacity(count);
    let mut ports = Vec::with_capacity(count);
    let mut used = handed_out().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // Bounded: each round either yields a new port or holds one more
    // listener, so the kernel must hand out something new.
    for _ in 0..count * 20 + 100 {
        if ports.len() == count {
            break;
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        if used.insert(port) {
            ports.push(port);
        }
        held.push(listener);
    }
    if ports.len() < count {
        return Err(io::Error::other("could not find enough free loopback ports"));
    }
    Ok(ports)
}
