//! Blocking forms of the recipes, for code using [`zookit::blocking::Client`]
//! (no async runtime needed).
//!
//! Each type wraps its async counterpart and runs it on the blocking
//! client's runtime thread with [`Client::block_on`](zookit::blocking::Client::block_on);
//! states, cancellation and errors are the async recipe's. A call waiting
//! for a lock is bounded by its timeout or ended by `cancel()` from
//! another thread, and fails at once when the client is stopped or was
//! never started. As with the blocking client, calls made within an async
//! runtime fail instead of blocking it: use the async recipes there.
//!
//! The barriers, counters, parties, queues, leases and the set
//! partitioner bound every call: one that does not wait by the client's
//! [command timeout](zookit::blocking::Client::command_timeout), one that
//! waits (`Barrier::wait`, `DoubleBarrier::enter`, `LockingQueue::get`,
//! ...) by its timeout plus the command timeout; past it the call fails
//! with [`ErrorKind::Timeout`](zookit::ErrorKind::Timeout).

mod barrier;
mod counter;
mod election;
mod lease;
mod lock;
mod partitioner;
mod party;
mod queue;
mod run_bounded;
mod semaphore;

pub use barrier::{Barrier, DoubleBarrier};
pub use counter::Counter;
pub use election::{Election, LatchEvents, LeaderLatch, Leadership};
pub use lease::{MultiNonBlockingLease, NonBlockingLease};
pub use lock::{Lock, LockGuard, ReadLock, WriteLock};
pub use partitioner::{SetPartitioner, SetPartitionerBuilder};
pub use party::{Party, ShallowParty};
pub use queue::{LockingQueue, Queue};
pub use semaphore::Semaphore;
