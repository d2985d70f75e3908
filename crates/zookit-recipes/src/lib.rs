//! ZooKeeper coordination recipes for zookit: kazoo's recipes, with
//! Curator's care for correctness. Each recipe is async, for
//! [`zookit::Client`], and has a blocking form in [`blocking`], for
//! [`zookit::blocking::Client`]: the same type name, the same arguments,
//! without `.await`.
//!
//! | Recipe | Async | Blocking |
//! |---|---|---|
//! | exclusive lock | [`Lock`] `::new(&zk, "/lock", "me").lock().await?` | [`blocking::Lock`] `::new(&zk, "/lock", "me").lock()?` |
//! | read/write lock | [`ReadLock`], [`WriteLock`] | [`blocking::ReadLock`], [`blocking::WriteLock`] |
//! | semaphore | [`Semaphore`] `::new(&zk, "/sem", "me", 3).lease().await?` | [`blocking::Semaphore`] `::new(&zk, "/sem", "me", 3).lease()?` |
//! | election | [`Election`] `::new(&zk, "/e", "me").run(f).await?` | [`blocking::Election`] `::new(&zk, "/e", "me").run(f)?` |
//! | leader latch | [`LeaderLatch`] | [`blocking::LeaderLatch`] |
//! | barriers | [`Barrier`], [`DoubleBarrier`] | [`blocking::Barrier`], [`blocking::DoubleBarrier`] |
//! | counter | [`Counter`] `::new(&zk, "/n", 0).add(2).await?` | [`blocking::Counter`] `::new(&zk, "/n", 0).add(2)?` |
//! | parties | [`Party`], [`ShallowParty`] | [`blocking::Party`], [`blocking::ShallowParty`] |
//! | queues | [`Queue`], [`LockingQueue`] | [`blocking::Queue`], [`blocking::LockingQueue`] |
//! | leases | [`NonBlockingLease`], [`MultiNonBlockingLease`] | [`blocking::NonBlockingLease`], [`blocking::MultiNonBlockingLease`] |
//! | set partitioner | [`SetPartitioner`] | [`blocking::SetPartitioner`] |
//!
//! Constructors take the client, then the recipe's path and (where it has
//! one) the participant's identifier, as `impl Into<String>`; nothing is
//! sent until the recipe is used.
//!
//! # Errors
//!
//! Every call fails with one [`Error`]: predicates say what happened
//! ([`is_timeout`](Error::is_timeout), [`is_cancelled`](Error::is_cancelled),
//! [`is_closed`](Error::is_closed),
//! [`is_session_expired`](Error::is_session_expired),
//! [`is_corrupt`](Error::is_corrupt), ...), the message names the recipe's
//! path, and the client's error, when the client failed, is
//! [`client_error`](Error::client_error).
//!
//! # Locks
//!
//! [`Lock`] is an exclusive lock; [`ReadLock`] and [`WriteLock`] are the two
//! sides of a read/write lock: readers share it, a reader waits only for the
//! writers before it, a writer for everyone before it (kazoo's names, node
//! names and semantics). Contenders queue as ephemeral sequential nodes and
//! each watches only the one just before it, so a release wakes one
//! contender. `acquire(blocking, timeout)` says whether it got the lock; it
//! fails with [`is_timeout`](Error::is_timeout) once `timeout` passes,
//! [`is_cancelled`](Error::is_cancelled) on `cancel()` (from any task or
//! thread, from the moment the acquisition is asked for), and at once when
//! the client is stopped or was never started.
//!
//! ```no_run
//! # async fn do_the_work() {}
//! # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
//! use std::time::Duration;
//! use zookit_recipes::Lock;
//!
//! let lock = Lock::new(&zk, "/lockpath", "my-identifier");
//! let guard = lock.lock().await?; // waits for the lock
//! tokio::select! {
//!     () = do_the_work() => {}
//!     // Suspended (possibly lost), Lost or Released: stop relying on it.
//!     state = guard.lost() => eprintln!("the lock is {state}: work abandoned"),
//! }
//! guard.release().await?; // also released (in the background) when dropped
//!
//! if lock.acquire(true, Some(Duration::from_secs(5))).await? {
//!     println!("contenders, holder first: {:?}", lock.contenders().await?);
//!     lock.release().await?;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The blocking form, for a [`zookit::blocking::Client`]:
//!
//! ```no_run
//! # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
//! use std::time::Duration;
//!
//! let lock = zookit_recipes::blocking::Lock::new(&zk, "/lockpath", "my-identifier");
//! let guard = lock.lock_timeout(Duration::from_secs(5))?;
//! // ... the work the lock protects; guard.wait_lost(Some(d)) to watch it ...
//! guard.release()?;
//! # Ok(())
//! # }
//! ```
//!
//! # Semaphore
//!
//! [`Semaphore`] lets up to `max_leases` holders in at a time (kazoo's: the
//! number is stored in the semaphore's node, and a semaphore created with
//! another number fails with
//! [`is_max_leases_mismatch`](Error::is_max_leases_mismatch)). A lease is
//! taken only while a lock on the lease pool is held, checked by the same
//! transaction that creates the lease, so no fault lets more in.
//!
//! ```no_run
//! # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
//! use zookit_recipes::Semaphore;
//!
//! let semaphore = Semaphore::new(&zk, "/leasepath", "my-identifier", 3);
//! let lease = semaphore.lease().await?; // waits for a free lease
//! println!("holders: {:?}", semaphore.lease_holders().await?);
//! lease.release().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Election
//!
//! [`Election`] (kazoo's) runs a function once elected, then steps down;
//! [`LeaderLatch`] (Curator's) takes part until closed and tells whether it
//! leads. Both are lock contenders on the election's path: the leader
//! holds the lock, with the same states.
//!
//! ```no_run
//! # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
//! use std::time::Duration;
//! use zookit_recipes::{Election, LatchEvent, LeaderLatch};
//!
//! let election = Election::new(&zk, "/electionpath", "my-identifier");
//! // Waits until elected (run_timeout: at most so long), runs the
//! // function, steps down.
//! election
//!     .run(|leadership| async move {
//!         // lead, while leadership.is_leader(); leadership.lost() says when not
//!         # let _ = leadership;
//!     })
//!     .await?;
//!
//! let latch = LeaderLatch::new(&zk, "/latchpath", "my-identifier");
//! let mut events = latch.events();
//! latch.start()?;
//! if latch.wait_for_leadership(Some(Duration::from_secs(10))).await? {
//!     // leads until events.next() says LatchEvent::NotLeader
//!     # let _ = (&mut events, LatchEvent::IsLeader);
//! }
//! latch.close().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Holding a lock safely
//!
//! A ZooKeeper lock is only as good as the session that holds its node.
//! The locks, semaphore leases and leaderships here say where they stand as
//! a [`LockState`] — `state()`, every change through `states()`, and
//! `lost()`, which resolves as soon as the holding is not `Acquired` (a
//! suspension is reported however briefly it lasts) — following the
//! client's connection state:
//!
//! - `Acquired`: held; the session is connected and the node is the holder's.
//! - `Suspended`: the connection dropped. The session, and so the lock, may
//!   already be gone; another contender gets the lock once the server
//!   expires the session. **Treat `Suspended` as lost** (Curator's advice):
//!   stop the work the lock protects. If the client reconnects within the
//!   session and the server confirms the node is still there, the state
//!   goes back to `Acquired`.
//! - `Lost`: the session expired or was closed, the client gave up on it
//!   after the session timeout, or the node was deleted. The holding is
//!   over: acquire again (after a `restart` if the session expired). If the
//!   session turns out to live on, the node is deleted once reconnected, so
//!   that it blocks nobody.
//! - `Released`: not held.
//!
//! The client reports `Suspended` within two thirds of the session timeout
//! after the last word from the server, before the server may expire the
//! session; so a holder that stops on `Suspended` is done before the next
//! holder starts. (No lease-based lock survives a process paused for longer
//! than the session timeout: fence external writes if that matters.)
//!
//! Nodes are cleaned up: a contender node that is not wanted (timeout,
//! cancel, a non-blocking miss, a dropped future, a release) is deleted at
//! once when connected, else as soon as the session is connected again; a
//! lost session takes its nodes with it. Dropping a guard cannot wait, so it
//! deletes its node from a task spawned on the runtime it was acquired on.
//!
//! # Barriers
//!
//! [`Barrier`] holds processes up while its node exists; [`DoubleBarrier`]
//! lets its participants in once all have entered, and out once all have
//! left (kazoo's `Barrier` and `DoubleBarrier`). Every wait is bounded.
//!
//! ```no_run
//! # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
//! use std::time::Duration;
//! use zookit_recipes::{Barrier, DoubleBarrier};
//!
//! let barrier = Barrier::new(&zk, "/barriers/deploy");
//! barrier.create().await?;
//! // elsewhere: true once removed, false after 30 s
//! let cleared = barrier.wait(Duration::from_secs(30)).await?;
//!
//! let double = DoubleBarrier::new(&zk, "/barriers/batch", 3, "worker-1");
//! if double.enter(Duration::from_secs(60)).await? {
//!     // all three are in: work, then wait for the others to finish
//!     double.leave(Duration::from_secs(60)).await?;
//! }
//! # let _ = cleared;
//! # Ok(())
//! # }
//! ```
//!
//! # Counter
//!
//! [`Counter`] is a shared number changed by versioned updates, retried
//! when another client got in between, so that every change counts once
//! (kazoo's `Counter`; integers and floats in kazoo's text format, or
//! Curator's `SharedCount` and `DistributedAtomicLong` formats). A node
//! that holds something else is [`is_corrupt`](Error::is_corrupt), a change
//! out of the format's range [`is_overflow`](Error::is_overflow).
//!
//! ```no_run
//! # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
//! use zookit_recipes::Counter;
//!
//! let counter = Counter::new(&zk, "/int", 0);
//! counter.add(2).await?; // kazoo: counter += 2
//! counter.sub(1).await?; // kazoo: counter -= 1
//! assert_eq!(counter.value().await?, 1);
//! assert_eq!((counter.pre_value(), counter.post_value()), (Some(2), Some(1)));
//! let shared = Counter::shared_count(&zk, "/curator", 0);
//! shared.add(1).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Party
//!
//! [`Party`] and [`ShallowParty`] are pools of participating processes,
//! each an ephemeral node (kazoo's; the shallow one names members by their
//! node, so listing them is one request).
//!
//! ```no_run
//! # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
//! use zookit_recipes::Party;
//!
//! let party = Party::new(&zk, "/party", "worker-1");
//! party.join().await?;
//! println!("{} members: {:?}", party.len().await?, party.members().await?);
//! party.leave().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Queues
//!
//! [`Queue`] hands out entries by priority, then age (kazoo's `Queue`:
//! an entry is removed as it is taken). [`LockingQueue`] locks the entry
//! it hands out until it is consumed or released, built on transactions:
//! an entry whose consumer's session is lost goes to another consumer, so
//! each is consumed exactly once.
//!
//! ```no_run
//! # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
//! use std::time::Duration;
//! use zookit_recipes::{DEFAULT_PRIORITY, LockingQueue, Queue};
//!
//! let queue = Queue::new(&zk, "/queue");
//! queue.put("a job", DEFAULT_PRIORITY).await?;
//! let job = queue.get().await?; // None when empty
//!
//! let jobs = LockingQueue::new(&zk, "/jobs");
//! jobs.put_all(["job-1", "job-2"], 10).await?;
//! if let Some(job) = jobs.get(Duration::from_secs(5)).await? {
//!     // process `job`, then:
//!     jobs.consume().await?;
//! }
//! # let _ = job;
//! # Ok(())
//! # }
//! ```
//!
//! # Leases
//!
//! [`NonBlockingLease`] is obtained at once or not at all, held by one
//! identifier until its end and renewed by obtaining it again;
//! [`MultiNonBlockingLease`] hands out up to `count` of them (kazoo's
//! lease recipes, in kazoo's stored format).
//!
//! ```no_run
//! # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
//! use std::time::Duration;
//! use zookit_recipes::NonBlockingLease;
//!
//! let lease =
//!     NonBlockingLease::obtain(&zk, "/leases/cleanup", Duration::from_secs(3600), "host-1").await?;
//! if lease.obtained() {
//!     // only one host runs the cleanup this hour
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Set partitioner
//!
//! [`SetPartitioner`] divides a set of items among the members of a party,
//! each item to one member under a lock, and divides it again when members
//! come or go: [`PartitionState`] goes from `Allocating` to `Acquired`,
//! to `Release` when the party changes (the member then calls
//! [`release_set`](SetPartitioner::release_set)), and to `Failure` when the
//! session is lost or the locks cannot be had within the acquire timeout
//! (never allocating for ever, kazoo's issue #392).
//!
//! ```no_run
//! # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
//! use std::time::Duration;
//! use zookit_recipes::{PartitionState, SetPartitioner};
//!
//! let partitioner = SetPartitioner::builder(&zk, "/work_queues", ["q-1", "q-2", "q-3"]).start().await?;
//! loop {
//!     match partitioner.state() {
//!         PartitionState::Failure => break,
//!         PartitionState::Release => partitioner.release_set().await?,
//!         PartitionState::Acquired => {
//!             for queue in &partitioner {
//!                 // work on `queue`
//!                 # let _ = queue;
//!             }
//!             partitioner.wait_for_change(Duration::from_secs(1)).await;
//!         }
//!         PartitionState::Allocating => {
//!             partitioner.wait_for_acquire(Duration::from_secs(30)).await;
//!         }
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Blocking forms
//!
//! The types in [`blocking`] hold their async recipe and run it on the
//! blocking client's runtime, so states, cancellation and errors are the
//! async recipe's. Every blocking call is bounded: by the client's command
//! timeout, or by the timeout it is given plus the command timeout; a wait
//! without a timeout (`lock()`, `run()`) ends with one `cancel()` from
//! another thread, and every call fails at once on a stopped client.
//!
//! ```no_run
//! # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
//! use std::time::Duration;
//! use zookit_recipes::blocking::{Counter, Election, LockingQueue};
//!
//! let counter = Counter::new(&zk, "/int", 0);
//! counter.add(2)?;
//!
//! let election = Election::new(&zk, "/electionpath", "my-identifier");
//! election.run_timeout(Duration::from_secs(60), |leadership| {
//!     // lead, while leadership.is_leader()
//!     # let _ = leadership;
//! })?;
//!
//! let jobs = LockingQueue::new(&zk, "/jobs");
//! if let Some(job) = jobs.get(Duration::from_secs(5))? {
//!     // process `job`, then:
//!     jobs.consume()?;
//!     # let _ = job;
//! }
//! # Ok(())
//! # }
//! ```

mod acquirer;
mod barrier;
pub mod blocking;
mod connection;
mod contenders;
mod counter;
mod election;
mod error;
mod guard;
mod hold;
mod ids;
mod latch;
mod lease;
mod limits;
mod lock;
mod partitioner;
mod party;
mod queue;
mod removal;
mod runtime;
mod semaphore;
mod signal;
mod state;
mod sync;
mod transaction;
mod wait;

pub use barrier::{Barrier, DoubleBarrier};
pub use counter::{Change, Counter, CounterValue};
pub use election::{Election, Leadership};
pub use error::{Error, Result};
pub use guard::LockGuard;
pub use ids::default_identifier;
pub use latch::{LatchEvent, LatchEvents, LeaderLatch};
pub use lease::{
    DEFAULT_LEASE_LOCK_TIMEOUT, LeaseOptions, MultiNonBlockingLease, NonBlockingLease,
};
pub use lock::{Lock, ReadLock, WriteLock};
pub use partitioner::{
    DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_MAX_REACTION_TIME, DEFAULT_TIME_BOUNDARY, PartitionFunc,
    PartitionState, SetPartitioner, SetPartitionerBuilder, default_partitioner,
};
pub use party::{Party, ShallowParty};
pub use queue::{DEFAULT_PRIORITY, LockingQueue, MAX_PRIORITY, Queue};
pub use semaphore::Semaphore;
pub use state::{LockState, LockStates};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
