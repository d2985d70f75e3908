//! Integration tests of zookit-proto: property tests of every record, and
//! the codec against a server over a raw TCP socket (Apache ZooKeeper, or
//! the embedded server with `ZOOKIT_TEST_SERVER=embedded`).

mod arbitrary;
mod decode_never_panics;
mod raw_session;
mod raw_socket;
mod roundtrip;
