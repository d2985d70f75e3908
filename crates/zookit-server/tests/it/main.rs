//! Integration tests of zookit-server: zookit's client against it, the
//! differential suite against Apache ZooKeeper, four-letter words,
//! hostile input, and durability.

mod client;
mod differential;
mod durable;
mod hostile;
mod support;
