//! End-to-end tests of the `zookit` binary against a ZooKeeper server (one
//! shared server, a chroot per test; Apache ZooKeeper, or the embedded
//! server with `ZOOKIT_TEST_SERVER=embedded`): one binary, one module per
//! subject.

mod common;
mod live;
mod nodes;
mod security;
mod serve;
mod tree;
mod usage;
mod zc_zk;
