//! Integration tests of zookit-registry: one binary, one module per subject.

mod graph;
mod parse_errors;
mod readme;
mod roundtrip;
mod values;
