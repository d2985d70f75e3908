//! The clients compared, and how each one runs a [`Job`](crate::Job).
//!
//! - `zookit` and `zookit-blocking` ([`zookit`]) and `zookeeper-client`
//!   (in `benches/zkclient.rs`: a dev-dependency) run in a child process of
//!   the harness: the same executable, started again with the job in
//!   [`child::JOB_ENV`](crate::child::JOB_ENV), so that the process's CPU
//!   time and memory are the client's alone.
//! - `kazoo` ([`kazoo`]) runs `python/kazoo_driver.py` in a virtualenv the
//!   harness makes.
//! - `java` ([`java`]) runs `java/Driver.java`, compiled by the harness,
//!   with Apache ZooKeeper's own client.
//!
//! The async Rust clients share their workload code ([`async_client`]).

pub mod async_client;
pub mod java;
pub mod kazoo;
pub mod zookit;

use std::fmt;

use crate::Workload;

/// A client under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    /// zookit's async client (and for trees, zookit-registry on it).
    Zookit,
    /// zookit's blocking client.
    ZookitBlocking,
    /// The Rust crate `zookeeper-client`.
    ZkClient,
    /// Python's kazoo (its async API for pipelining; for trees, a script
    /// doing what zc.zk does, node by node).
    Kazoo,
    /// Apache ZooKeeper's Java client.
    Java,
}

impl Peer {
    /// Every peer, in report order.
    pub const ALL: [Peer; 5] =
        [Peer::Zookit, Peer::ZookitBlocking, Peer::ZkClient, Peer::Kazoo, Peer::Java];

    /// Its name in reports and jobs.
    pub fn name(self) -> &'static str {
        match self {
            Peer::Zookit => "zookit",
            Peer::ZookitBlocking => "zookit-blocking",
            Peer::ZkClient => "zookeeper-client",
            Peer::Kazoo => "kazoo",
            Peer::Java => "java",
        }
    }

    /// The peer called `name`.
    pub fn from_name(name: &str) -> Option<Peer> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether the peer runs `workload`. The blocking client has no
    /// asynchronous submission to pipeline with (its concurrency is
    /// threads: see the parallel workload); the tree workloads compare
    /// zookit-registry with the node-by-node script only; the latency
    /// workloads compare zookit with the other clients that pipeline
    /// natively (kazoo's asynchronous API would measure Python's per-request
    /// cost, 200 µs and more, rather than the wait for replies).
    pub fn runs(self, workload: Workload) -> bool {
        use Workload::*;
        let tree = matches!(workload, TreeExport | TreeImport);
        match self {
            Peer::Zookit => true,
            Peer::Kazoo => !workload.is_latency(),
            Peer::ZookitBlocking => !workload.is_pipelined() && !tree,
            Peer::ZkClient | Peer::Java => !tree,
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
