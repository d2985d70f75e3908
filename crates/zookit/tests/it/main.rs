//! Integration tests of the zookit client against servers started by
//! zookit-testing: Apache ZooKeeper, or the embedded server with
//! `ZOOKIT_TEST_SERVER=embedded` (tests needing a real quorum are
//! `apache_only`).

mod admin;
mod auth_acl;
mod blocking;
mod chroot;
mod common;
mod crud;
mod ensemble;
mod faults;
mod four_letter;
mod limits;
mod missed_changes;
mod options;
mod pipelining;
mod security;
mod states;
mod transactions;
mod tree_cache;
mod watchers;
mod watches;
