//! Integration tests of zookit-registry: one binary, one module per subject.

mod acl;
mod blocking_live;
mod blocking_readme;
mod connect;
mod graph;
mod live;
mod parse_errors;
mod readme;
mod readme_expected;
mod roundtrip;
mod server_proptest;
mod server_tree;
mod support;
mod values;
mod walk;
