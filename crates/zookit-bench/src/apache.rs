//! Apache ZooKeeper as the harness runs it: Debian's package, started by
//! `zookit-testing`, with full-JIT JVM options.

use zookit_testing::{Ensemble, EnsembleBuilder};

/// The server's JVM options: full JIT (tiered up to C2), a fixed heap.
/// (The test default stops at C1 for fast starts.)
pub const JVM_OPTIONS: [&str; 3] = ["-XX:+UseG1GC", "-Xms1g", "-Xmx1g"];

/// A builder of a standalone Apache ZooKeeper with [`JVM_OPTIONS`] (and the
/// tests' default `zookeeper.forceSync=no`).
pub fn builder() -> EnsembleBuilder {
    Ensemble::builder().jvm_options(JVM_OPTIONS)
}

/// The first line of `srvr` of the server (its version), or nothing.
pub fn version(server: &Ensemble) -> String {
    server
        .four_letter(0, "srvr")
        .ok()
        .and_then(|s| s.lines().next().map(str::to_owned))
        .unwrap_or_default()
}
