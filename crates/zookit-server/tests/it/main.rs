//! Integration tests of zookit-server: zookit's client against it, the
//! differential suite against Apache ZooKeeper, four-letter words,
//! hostile input, durability, and real configuration files.

mod client;
mod differential;
mod durable;
mod hostile;
mod support;
mod zoo_cfg;
