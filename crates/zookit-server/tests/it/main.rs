//! Integration tests of zookit-server: zookit's client against it, the
//! differential suite against Apache ZooKeeper, four-letter words, and
//! hostile input.

mod client;
mod differential;
mod hostile;
mod support;
