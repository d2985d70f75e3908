//! End-to-end tests of the `zookit` binary against a real ZooKeeper (one
//! shared server, a chroot per test): one binary, one module per subject.

mod common;
mod live;
mod nodes;
mod security;
mod serve;
mod tree;
mod usage;
mod zc_zk;
