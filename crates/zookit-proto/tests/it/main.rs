//! Integration tests of zookit-proto: property tests of every record, and
//! the codec against a real Apache ZooKeeper over a raw TCP socket.

mod arbitrary;
mod decode_never_panics;
mod raw_session;
mod raw_socket;
mod roundtrip;
