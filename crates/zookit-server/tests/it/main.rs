//! Integration tests of zookit-server: zookit's client against it, the
//! differential suite against Apache ZooKeeper, four-letter words,
//! hostile input, and real configuration files.

mod client;
mod differential;
mod hostile;
mod support;
mod zoo_cfg;
