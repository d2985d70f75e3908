//! A ZooKeeper session driven by nothing but zookit-proto and a TCP socket:
//! every request is encoded, and every reply decoded, by this crate.
//!
//! ```text
//! cargo run -p zookit-proto --example raw_session                  # starts a ZooKeeper
//! ZOOKEEPER_HOSTS=127.0.0.1:2181 cargo run -p zookit-proto --example raw_session
//! ```

use std::net::{SocketAddr, ToSocketAddrs};

use bytes::Bytes;
use zookit_proto::*;
use zookit_testing::Ensemble;

#[allow(dead_code)]
#[path = "../tests/it/raw_session.rs"]
mod raw_session;

use raw_session::RawSession;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (_server, addr) = server()?;
    println!("connecting to {addr}");
    let mut session = RawSession::connect(addr);
    println!("<- {:?}", session.session);

    let root = format!("/zookit-demo-{}", std::process::id());
    let open = vec![Acl::new(Perms::ALL, Id::anyone())];
    let child = format!("{root}/child");
    let requests = [
        Request::Create(CreateRequest {
            path: root.clone(),
            data: Bytes::from_static(b"hello"),
            acl: open.clone(),
            mode: CreateMode::Persistent,
        }),
        Request::GetData(GetDataRequest { path: root.clone(), watch: false }),
        Request::SetData(SetDataRequest {
            path: root.clone(),
            data: Bytes::from_static(b"world"),
            version: 0,
        }),
        Request::Multi(MultiRequest {
            ops: vec![
                Op::Check(CheckVersionRequest { path: root.clone(), version: 1 }),
                Op::Create(CreateRequest {
                    path: child.clone(),
                    data: Bytes::new(),
                    acl: open,
                    mode: CreateMode::Persistent,
                }),
            ],
        }),
        Request::GetChildren2(GetChildrenRequest { path: root.clone(), watch: false }),
        Request::Delete(DeleteRequest { path: child, version: -1 }),
        Request::Delete(DeleteRequest { path: root, version: -1 }),
        Request::WhoAmI,
    ];
    for request in requests {
        println!("-> {request:?}");
        println!("<- {:?}", session.ok(request));
    }
    let (header, _) = session.call(Request::CloseSession);
    println!("-> CloseSession\n<- {header:?}");
    Ok(())
}

/// The server named by `ZOOKEEPER_HOSTS` (its first host), or a standalone
/// ZooKeeper started for the example (stopped when dropped).
fn server() -> Result<(Option<Ensemble>, SocketAddr), Box<dyn std::error::Error>> {
    if let Ok(hosts) = std::env::var("ZOOKEEPER_HOSTS") {
        let first = hosts.split([',', '/']).next().unwrap_or_default();
        let addr = first.to_socket_addrs()?.next().ok_or(format!("cannot resolve {first:?}"))?;
        return Ok((None, addr));
    }
    println!("starting Apache ZooKeeper (set ZOOKEEPER_HOSTS to use a running one)");
    let ensemble = Ensemble::standalone()?;
    let addr = ensemble.member_address(0);
    Ok((Some(ensemble), addr))
}
