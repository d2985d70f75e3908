//! Blocking forms of the recipes, for code using [`zookit::blocking::Client`]
//! (no async runtime needed).
//!
//! Each type holds its async counterpart and runs it on the blocking
//! client's runtime thread with
//! [`Client::block_on`](zookit::blocking::Client::block_on); states,
//! cancellation and errors are the async recipe's. Every call is bounded:
//! one that does not wait by the client's
//! [command timeout](zookit::blocking::Client::command_timeout), one that
//! waits up to a timeout (`Lock::acquire`, `Election::run_timeout`,
//! `Barrier::wait`, `LockingQueue::get`, ...) by that timeout plus the
//! command timeout; past it the call fails with
//! [`is_timeout`](crate::Error::is_timeout). A wait without a timeout
//! (`Lock::lock`, `Election::run`) ends with `cancel()`, called once from
//! another thread, and fails at once when the client is stopped or was
//! never started. As with the blocking client, calls made within an async
//! runtime fail instead of blocking it: use the async recipes there.

mod barrier;
mod counter;
mod election;
mod latch;
mod lease;
mod lock;
mod partitioner;
mod party;
mod queue;
mod run;
mod semaphore;

pub use barrier::{Barrier, DoubleBarrier};
pub use counter::Counter;
pub use election::{Election, Leadership};
pub use latch::{LatchEvents, LeaderLatch};
pub use lease::{MultiNonBlockingLease, NonBlockingLease};
pub use lock::{Lock, LockGuard, ReadLock, WriteLock};
pub use partitioner::{SetPartitioner, SetPartitionerBuilder};
pub use party::{Party, ShallowParty};
pub use queue::{LockingQueue, Queue};
pub use semaphore::Semaphore;
