//! `zookit-soak`: see the library's documentation.

fn main() {}
