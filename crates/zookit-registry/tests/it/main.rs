//! Integration tests of zookit-registry: one binary, one module per subject.

mod graph;
mod live;
mod parse_errors;
mod readme;
mod roundtrip;
mod server_proptest;
mod server_tree;
mod values;
mod walk;
