//! Lock, ReadLock, WriteLock and Semaphore: one test per documented
//! behaviour (kazoo's), contention with many clients, and the blocking
//! forms. Helpers shared with `election` and `safety` are here too.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use zookit::Client;
use zookit_recipes::{Lock, LockState, ReadLock, Semaphore, WriteLock};
use zookit_testing::{shared, unique_chroot};

/// How long any single wait in a test may take before it fails.
pub(crate) const WAIT: Duration = Duration::from_secs(30);

/// Waits for `future` at most [`WAIT`].
pub(crate) async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {WAIT:?}"))
}

/// Polls `condition` every 20 ms until it holds, at most `within`.
pub(crate) async fn eventually<F, Fut>(what: &str, within: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let polling = async {
        while !condition().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(within, polling)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {within:?}"));
}

/// A connect string of the shared server with a fresh chroot.
pub(crate) fn connect_string(name: &str) -> String {
    shared().connect_string_with_chroot(&unique_chroot(name))
}

/// `n` connected clients (`n` sessions) of the shared server, in one fresh
/// chroot that exists.
pub(crate) async fn clients(name: &str, n: usize) -> Vec<Client> {
    let connect = connect_string(name);
    let mut clients = Vec::new();
    for _ in 0..n {
        let client = bounded("connect", Client::connect(connect.clone())).await.expect("connects");
        clients.push(client);
    }
    clients[0].ensure_path("/").await.expect("the chroot is created");
    clients
}

/// The children of `path`, sorted; empty if it does not exist.
pub(crate) async fn children(client: &Client, path: &str) -> Vec<String> {
    match client.get_children(path).await {
        Ok(mut children) => {
            children.sort();
            children
        }
        Err(e) if e.is_no_node() => Vec::new(),
        Err(e) => panic!("get_children {path}: {e}"),
    }
}

/// Waits until `path` has no children left.
pub(crate) async fn no_children_left(client: &Client, path: &str) {
    eventually(&format!("no nodes left below {path}"), Duration::from_secs(10), || async {
        children(client, path).await.is_empty()
    })
    .await;
}

// ---- Lock ----

#[tokio::test]
async fn a_lock_is_held_by_one_contender_until_released() {
    let zk = clients("lock-exclusive", 2).await;
    let first = Lock::new(&zk[0], "/lock", "first");
    let second = Lock::new(&zk[1], "/lock", "second");

    assert_eq!(first.state(), LockState::Released);
    assert!(bounded("acquire", first.acquire(true, None)).await.unwrap());
    assert!(first.is_acquired());
    assert_eq!(first.state(), LockState::Acquired);
    let node = first.node().expect("the holder's node");
    assert!(node.starts_with("/lock/") && node.contains("__lock__"), "{node}");
    assert_eq!(
        zk[0].exists(&node).await.unwrap().unwrap().ephemeral_owner,
        zk[0].client_id().unwrap().0
    );

    // Not free: a non-blocking acquire says so at once.
    assert!(!bounded("try", second.acquire(false, None)).await.unwrap());
    assert!(!second.is_acquired());

    // A blocking one waits, and gets it once released.
    let waiting = {
        let second = second.clone();
        tokio::spawn(async move { second.acquire(true, None).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "waits while the lock is held");
    assert!(bounded("release", first.release()).await.unwrap());
    assert_eq!(first.state(), LockState::Released);
    assert!(!bounded("release again", first.release()).await.unwrap(), "nothing to release");
    assert!(bounded("the waiter", waiting).await.unwrap().unwrap());
    assert!(second.is_acquired());
    assert!(bounded("release", second.release()).await.unwrap());
    no_children_left(&zk[0], "/lock").await;
}

#[tokio::test]
async fn a_timeout_fails_with_lock_timeout_and_leaves_no_node() {
    let zk = clients("lock-timeout", 2).await;
    let holder = Lock::new(&zk[0], "/lock", "holder");
    let waiter = Lock::new(&zk[1], "/lock", "waiter");
    assert!(holder.acquire(true, None).await.unwrap());

    let started = Instant::now();
    let err = bounded("acquire", waiter.acquire(true, Some(Duration::from_millis(500))))
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert!(err.is_timeout(), "{err}");
    assert!(err.path() == Some("/lock") && err.to_string().ends_with("within 500ms"));
    assert!(err.to_string().contains("/lock"), "{err}");
    assert!(waited >= Duration::from_millis(500) && waited < Duration::from_secs(5), "{waited:?}");
    assert_eq!(children(&zk[0], "/lock").await.len(), 1, "only the holder's node");

    // The guard form too.
    let err =
        bounded("lock_timeout", waiter.lock_timeout(Duration::from_millis(200))).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    holder.release().await.unwrap();
    no_children_left(&zk[0], "/lock").await;
}

#[tokio::test]
async fn a_non_blocking_acquire_leaves_no_node_behind() {
    let zk = clients("lock-try", 2).await;
    let holder = Lock::new(&zk[0], "/lock", "holder");
    let other = Lock::new(&zk[1], "/lock", "other");
    assert!(holder.acquire(false, None).await.unwrap(), "free: acquired at once");
    for _ in 0..3 {
        assert!(!other.acquire(false, None).await.unwrap());
    }
    assert_eq!(children(&zk[0], "/lock").await, vec![node_name(&holder.node().unwrap())]);
    holder.release().await.unwrap();
    assert!(other.acquire(false, None).await.unwrap());
    other.release().await.unwrap();
    no_children_left(&zk[0], "/lock").await;
}

fn node_name(path: &str) -> String {
    path.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn cancel_makes_a_waiting_acquire_fail_and_deletes_its_node() {
    let zk = clients("lock-cancel", 2).await;
    let holder = Lock::new(&zk[0], "/lock", "holder");
    let waiter = Lock::new(&zk[1], "/lock", "waiter");
    holder.acquire(true, None).await.unwrap();
    let waiting = {
        let waiter = waiter.clone();
        tokio::spawn(async move { waiter.acquire(true, None).await })
    };
    eventually("the waiter's node", WAIT, || async { children(&zk[0], "/lock").await.len() == 2 })
        .await;
    waiter.cancel();
    let err = bounded("the cancelled acquire", waiting).await.unwrap().unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert!(err.is_cancelled() && err.path() == Some("/lock"));
    assert_eq!(children(&zk[0], "/lock").await.len(), 1, "the waiter's node is deleted");

    // A cancel affects acquisitions in progress only.
    holder.release().await.unwrap();
    assert!(bounded("acquire after a cancel", waiter.acquire(true, None)).await.unwrap());
    waiter.release().await.unwrap();
    no_children_left(&zk[0], "/lock").await;
}

#[tokio::test]
async fn contenders_are_the_identifiers_in_order() {
    let zk = clients("lock-contenders", 3).await;
    let locks: Vec<Lock> = ["first", "second", "third"]
        .iter()
        .zip(&zk)
        .map(|(id, c)| Lock::new(c, "/lock", *id))
        .collect();
    assert!(locks[0].contenders().await.unwrap().is_empty(), "no lock node yet");
    locks[0].acquire(true, None).await.unwrap();
    let mut waiting = Vec::new();
    for (i, lock) in locks.iter().enumerate().skip(1) {
        let lock = lock.clone();
        waiting.push(tokio::spawn(async move { lock.acquire(true, None).await }));
        eventually("queued", WAIT, || async { children(&zk[0], "/lock").await.len() == i + 1 })
            .await;
    }
    assert_eq!(locks[2].contenders().await.unwrap(), ["first", "second", "third"]);
    locks[0].release().await.unwrap();
    bounded("the second", waiting.remove(0)).await.unwrap().unwrap();
    assert_eq!(locks[0].contenders().await.unwrap(), ["second", "third"]);
    locks[1].release().await.unwrap();
    bounded("the third", waiting.remove(0)).await.unwrap().unwrap();
    locks[2].release().await.unwrap();
    no_children_left(&zk[0], "/lock").await;
}

#[tokio::test]
async fn each_contender_watches_only_its_predecessor() {
    let n = 4;
    let zk = clients("lock-herd", n).await;
    let chroot = zk[0].chroot().unwrap().to_owned();
    let locks: Vec<Lock> =
        zk.iter().enumerate().map(|(i, c)| Lock::new(c, "/lock", format!("c{i}"))).collect();
    locks[0].acquire(true, None).await.unwrap();
    let mut waiting = Vec::new();
    for (i, lock) in locks.iter().enumerate().skip(1) {
        let lock = lock.clone();
        waiting.push(tokio::spawn(async move { lock.acquire(true, None).await }));
        eventually("queued", WAIT, || async { children(&zk[0], "/lock").await.len() == i + 1 })
            .await;
    }
    let sessions: Vec<i64> = zk.iter().map(|c| c.client_id().unwrap().0).collect();
    let nodes = children(&zk[0], "/lock").await; // in order: the prefixes are random, but
    let mut nodes: Vec<String> = nodes;
    nodes.sort_by_key(|n| n[n.len() - 10..].to_owned());
    let owners: Vec<i64> = {
        let mut owners = Vec::new();
        for node in &nodes {
            owners.push(
                zk[0].exists(&format!("/lock/{node}")).await.unwrap().unwrap().ephemeral_owner,
            );
        }
        owners
    };
    assert_eq!(owners, sessions, "queued in order");
    // Each waiter's watch is set by the time its node is queued and it
    // read the children; give the last one a moment.
    let expected: BTreeMap<String, BTreeSet<i64>> = (0..n)
        .map(|i| {
            let mut watchers = BTreeSet::new();
            if i == 0 {
                watchers.insert(sessions[0]); // the holder watches its own node
            }
            if i + 1 < n {
                watchers.insert(sessions[i + 1]);
            }
            (format!("{chroot}/lock/{}", nodes[i]), watchers)
        })
        .filter(|(_, watchers)| !watchers.is_empty())
        .collect();
    eventually("one watcher per predecessor", Duration::from_secs(5), || async {
        watches_below(&format!("{chroot}/lock")).await == expected
    })
    .await;
    for lock in &locks[..1] {
        lock.release().await.unwrap();
    }
    for (i, waiter) in waiting.into_iter().enumerate() {
        bounded("the next", waiter).await.unwrap().unwrap();
        locks[i + 1].release().await.unwrap();
    }
    no_children_left(&zk[0], "/lock").await;
}

/// The watches the shared server holds on znodes below (or at) `prefix`:
/// path → sessions (its `wchp` four-letter word).
pub(crate) async fn watches_below(prefix: &str) -> BTreeMap<String, BTreeSet<i64>> {
    let dump =
        zookit::four_letter_word(shared().member_address(0), "wchp", WAIT).await.expect("wchp");
    let mut watches: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in dump.lines() {
        if let Some(session) = line.strip_prefix('\t') {
            if let Some(path) = &current {
                let id =
                    i64::from_str_radix(session.trim().trim_start_matches("0x"), 16).unwrap_or(0);
                watches.entry(path.clone()).or_default().insert(id);
            }
        } else {
            current = (line == prefix || line.starts_with(&format!("{prefix}/")))
                .then(|| line.to_owned());
        }
    }
    watches
}

#[tokio::test]
async fn the_guard_releases_when_dropped_or_released() {
    let zk = clients("lock-guard", 2).await;
    let lock = Lock::new(&zk[0], "/lock", "guarded");
    let other = Lock::new(&zk[1], "/lock", "other");
    {
        let guard = bounded("lock", lock.lock()).await.unwrap();
        assert!(guard.is_acquired());
        assert_eq!(guard.path(), "/lock");
        assert!(!other.acquire(false, None).await.unwrap());
    }
    // Dropped: released in the background.
    assert_eq!(lock.state(), LockState::Released, "released at once");
    assert!(bounded("acquire after the drop", other.acquire(true, None)).await.unwrap());
    other.release().await.unwrap();

    let guard = bounded("lock", lock.lock()).await.unwrap();
    assert!(bounded("release", guard.release()).await.unwrap());
    assert!(children(&zk[0], "/lock").await.is_empty(), "deleted before release returns");

    // A guard outliving its acquisition reports how it ended, and
    // releasing it does not release a later acquisition.
    let guard = lock.lock().await.unwrap();
    lock.release().await.unwrap();
    assert_eq!(guard.state(), LockState::Released);
    let later = lock.lock().await.unwrap();
    drop(guard);
    assert!(later.is_acquired(), "the old guard's drop leaves the new holding alone");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(lock.is_acquired());
    later.release().await.unwrap();
    no_children_left(&zk[0], "/lock").await;
}

#[tokio::test]
async fn a_lock_is_not_reentrant() {
    let zk = clients("lock-reentrant", 1).await;
    let lock = Lock::new(&zk[0], "/lock", "once");
    assert!(lock.acquire(true, None).await.unwrap());
    assert!(!lock.acquire(false, None).await.unwrap(), "non-blocking: false");
    let err = lock.acquire(true, Some(Duration::from_millis(300))).await.unwrap_err();
    assert!(err.is_timeout(), "blocking: waits for the release ({err})");
    // A blocking acquire in another task gets it once released.
    let again = {
        let lock = lock.clone();
        tokio::spawn(async move { lock.acquire(true, None).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    lock.release().await.unwrap();
    assert!(bounded("acquired again", again).await.unwrap().unwrap());
    assert_eq!(children(&zk[0], "/lock").await.len(), 1);
    lock.release().await.unwrap();
    no_children_left(&zk[0], "/lock").await;
}

#[tokio::test]
async fn a_deleted_lock_node_is_reported_lost() {
    let zk = clients("lock-deleted", 2).await;
    let lock = Lock::new(&zk[0], "/lock", "victim");
    lock.acquire(true, None).await.unwrap();
    let mut states = lock.states();
    zk[1].delete(&lock.node().unwrap()).await.unwrap();
    assert_eq!(bounded("lost", lock.lost()).await, LockState::Lost);
    assert_eq!(bounded("the state change", states.next()).await, Some(LockState::Lost));
    assert_eq!(lock.node(), None);
    assert!(!lock.release().await.unwrap(), "nothing held any more");
}

#[tokio::test]
async fn many_clients_increment_a_counter_under_the_lock_without_lost_updates() {
    let tasks = 10;
    let rounds = 8;
    let zk = clients("lock-counter", tasks).await;
    zk[0].create("/counter", "0").await.unwrap();
    let handles: Vec<_> = zk
        .iter()
        .enumerate()
        .map(|(i, client)| {
            let client = client.clone();
            tokio::spawn(async move {
                let lock = Lock::new(&client, "/lock", format!("task-{i}"));
                for _ in 0..rounds {
                    let guard = lock.lock().await.unwrap();
                    // A read-modify-write with no version check: only the
                    // lock keeps it from losing updates.
                    let (data, _) = client.get("/counter").await.unwrap();
                    let n: u64 = std::str::from_utf8(&data).unwrap().parse().unwrap();
                    tokio::task::yield_now().await;
                    client.set("/counter", (n + 1).to_string()).await.unwrap();
                    assert!(guard.is_acquired());
                    guard.release().await.unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        bounded("a task", handle).await.unwrap();
    }
    let (data, _) = zk[0].get("/counter").await.unwrap();
    assert_eq!(std::str::from_utf8(&data).unwrap(), (tasks * rounds).to_string());
    no_children_left(&zk[0], "/lock").await;
}

// ---- ReadLock and WriteLock ----

#[tokio::test]
async fn readers_share_the_lock() {
    let zk = clients("rw-readers", 3).await;
    let readers: Vec<ReadLock> =
        zk.iter().enumerate().map(|(i, c)| ReadLock::new(c, "/rw", format!("r{i}"))).collect();
    for reader in &readers {
        assert!(bounded("read lock", reader.acquire(false, None)).await.unwrap());
    }
    assert!(readers.iter().all(ReadLock::is_acquired));
    assert!(readers[0].node().unwrap().contains("__rlock__"));
    assert_eq!(readers[0].contenders().await.unwrap(), ["r0", "r1", "r2"]);
    for reader in &readers {
        reader.release().await.unwrap();
    }
    no_children_left(&zk[0], "/rw").await;
}

#[tokio::test]
async fn a_writer_waits_for_everyone_before_it_and_readers_only_for_writers() {
    let zk = clients("rw-order", 4).await;
    let reader = ReadLock::new(&zk[0], "/rw", "reader");
    let writer = WriteLock::new(&zk[1], "/rw", "writer");
    let late_reader = ReadLock::new(&zk[2], "/rw", "late-reader");
    let plain = Lock::new(&zk[3], "/rw", "plain");

    assert!(reader.acquire(true, None).await.unwrap());
    assert!(!writer.acquire(false, None).await.unwrap(), "a reader holds it");
    let writing = {
        let writer = writer.clone();
        tokio::spawn(async move { writer.acquire(true, None).await })
    };
    eventually("the writer queued", WAIT, || async { children(&zk[0], "/rw").await.len() == 2 })
        .await;
    // A reader after a waiting writer waits for it (writers do not starve).
    assert!(!late_reader.acquire(false, None).await.unwrap());
    assert_eq!(reader.contenders().await.unwrap(), ["reader", "writer"]);
    reader.release().await.unwrap();
    assert!(bounded("the writer", writing).await.unwrap().unwrap());
    assert!(writer.is_acquired());
    assert!(!late_reader.acquire(false, None).await.unwrap(), "a writer holds it");
    // A plain Lock on the same path is excluded by the writer, and excludes.
    assert!(!plain.acquire(false, None).await.unwrap());
    writer.release().await.unwrap();
    assert!(plain.acquire(false, None).await.unwrap());
    assert!(!late_reader.acquire(false, None).await.unwrap(), "a Lock is a writer for readers");
    plain.release().await.unwrap();
    assert!(late_reader.acquire(false, None).await.unwrap());
    late_reader.release().await.unwrap();
    no_children_left(&zk[0], "/rw").await;
}

// ---- Semaphore ----

#[tokio::test]
async fn a_semaphore_has_max_leases_holders() {
    let zk = clients("semaphore", 4).await;
    let semaphores: Vec<Semaphore> =
        zk.iter().enumerate().map(|(i, c)| Semaphore::new(c, "/sem", format!("s{i}"), 2)).collect();
    assert!(semaphores[0].acquire(true, None).await.unwrap());
    assert!(semaphores[1].acquire(true, None).await.unwrap());
    let (data, _) = zk[0].get("/sem").await.unwrap();
    assert_eq!(&data[..], b"2", "max_leases is stored in the node");
    assert_eq!(semaphores[3].lease_holders().await.unwrap(), ["s0", "s1"]);

    assert!(!semaphores[2].acquire(false, None).await.unwrap(), "none free");
    let err = semaphores[2].acquire(true, Some(Duration::from_millis(300))).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.path(), Some("/sem"), "{err}");

    let waiting = {
        let semaphore = semaphores[2].clone();
        tokio::spawn(async move { semaphore.acquire(true, None).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiting.is_finished());
    assert!(semaphores[0].release().await.unwrap());
    assert!(bounded("a freed lease", waiting).await.unwrap().unwrap());
    assert_eq!(semaphores[3].lease_holders().await.unwrap(), ["s1", "s2"]);
    assert!(semaphores[2].acquire(false, None).await.unwrap(), "already holds one");
    assert_eq!(children(&zk[0], "/sem").await.len(), 2);

    // The pool lock is left empty, the pool holds only leases.
    assert!(children(&zk[0], "/sem-__lock__").await.is_empty());
    for semaphore in &semaphores {
        semaphore.release().await.unwrap();
    }
    no_children_left(&zk[0], "/sem").await;
}

#[tokio::test]
async fn a_semaphore_refuses_another_number_of_leases() {
    let zk = clients("semaphore-mismatch", 2).await;
    let two = Semaphore::new(&zk[0], "/sem", "two", 2);
    let three = Semaphore::new(&zk[1], "/sem", "three", 3);
    assert!(two.acquire(true, None).await.unwrap());
    let err = three.acquire(true, Some(Duration::from_secs(5))).await.unwrap_err();
    assert!(
        err.is_max_leases_mismatch()
            && err.path() == Some("/sem")
            && err.to_string().contains("stores 2, this semaphore has 3"),
        "{err}"
    );
    assert!(err.to_string().contains("inconsistent max leases"), "{err}");
    two.release().await.unwrap();

    // Non-numeric data is left alone (kazoo); empty data is set.
    zk[0].create("/other", "not a number").await.unwrap();
    let semaphore = Semaphore::new(&zk[0], "/other", "x", 1);
    assert!(semaphore.acquire(false, None).await.unwrap());
    semaphore.release().await.unwrap();
    zk[0].create("/empty", "").await.unwrap();
    let semaphore = Semaphore::new(&zk[0], "/empty", "x", 4);
    assert!(semaphore.acquire(false, None).await.unwrap());
    assert_eq!(&zk[0].get("/empty").await.unwrap().0[..], b"4");
    semaphore.release().await.unwrap();

    let none = Semaphore::new(&zk[0], "/zero", "x", 0);
    assert!(none.acquire(false, None).await.is_err(), "no leases at all");
}

#[tokio::test]
async fn cancel_makes_a_waiting_semaphore_acquire_fail() {
    let zk = clients("semaphore-cancel", 2).await;
    let holder = Semaphore::new(&zk[0], "/sem", "holder", 1);
    let waiter = Semaphore::new(&zk[1], "/sem", "waiter", 1);
    let guard = holder.lease().await.unwrap();
    let waiting = {
        let waiter = waiter.clone();
        tokio::spawn(async move { waiter.acquire(true, None).await })
    };
    // The waiter holds the pool lock while it waits for a lease.
    eventually("the waiter waits", WAIT, || async {
        children(&zk[0], "/sem-__lock__").await.len() == 1
    })
    .await;
    waiter.cancel();
    let err = bounded("cancelled", waiting).await.unwrap().unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert!(children(&zk[0], "/sem-__lock__").await.is_empty(), "the pool lock is released");
    assert_eq!(children(&zk[0], "/sem").await.len(), 1);
    guard.release().await.unwrap();
    no_children_left(&zk[0], "/sem").await;
}

#[tokio::test]
async fn many_clients_never_exceed_the_leases() {
    let tasks = 8;
    let max = 3;
    let zk = clients("semaphore-contention", tasks).await;
    let inside = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = zk
        .iter()
        .enumerate()
        .map(|(i, client)| {
            let semaphore = Semaphore::new(client, "/sem", format!("t{i}"), max);
            let (inside, most) = (Arc::clone(&inside), Arc::clone(&most));
            tokio::spawn(async move {
                for _ in 0..4 {
                    let lease = semaphore.lease().await.unwrap();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                    lease.release().await.unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        bounded("a task", handle).await.unwrap();
    }
    let most = most.load(Ordering::SeqCst);
    assert!(most <= max as usize, "{most} holders at once");
    assert!(most >= 2, "leases were shared ({most})");
    no_children_left(&zk[0], "/sem").await;
}

// ---- blocking forms ----

/// A blocking client of the shared server in a fresh chroot that exists.
pub(crate) fn blocking_client(name: &str) -> zookit::blocking::Client {
    let client = zookit::blocking::Client::connect(connect_string(name)).expect("connects");
    client.ensure_path("/").expect("the chroot is created");
    client
}

#[test]
fn the_blocking_lock() {
    let zk = blocking_client("blocking-lock");
    let other_zk = zookit::blocking::Client::connect(format!(
        "{}{}",
        shared().connect_string(),
        zk.chroot().unwrap()
    ))
    .unwrap();
    let lock = zookit_recipes::blocking::Lock::new(&zk, "/lock", "blocking");
    let other = zookit_recipes::blocking::Lock::new(&other_zk, "/lock", "other");
    assert!(lock.acquire(true, Some(WAIT)).unwrap());
    assert!(lock.is_acquired());
    assert!(!other.acquire(false, None).unwrap());
    let err = other.acquire(true, Some(Duration::from_millis(200))).unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(other.contenders().unwrap(), ["blocking"]);
    assert_eq!(lock.wait_lost(Some(Duration::from_millis(50))).unwrap(), None, "still held");

    // cancel() from another thread ends a blocked acquire.
    let waiting = {
        let other = other.clone();
        std::thread::spawn(move || other.acquire(true, None))
    };
    std::thread::sleep(Duration::from_millis(300));
    other.cancel();
    assert!(waiting.join().unwrap().unwrap_err().is_cancelled());

    assert!(lock.release().unwrap());
    {
        let guard = other.lock().unwrap();
        assert!(guard.is_acquired());
        assert!(!lock.acquire(false, None).unwrap());
    }
    assert!(lock.acquire(false, None).unwrap(), "the guard's drop released it");
    let waiter = {
        let lock = lock.clone();
        std::thread::spawn(move || lock.wait_lost(Some(WAIT)))
    };
    std::thread::sleep(Duration::from_millis(100));
    lock.release().unwrap();
    assert_eq!(waiter.join().unwrap().unwrap(), Some(LockState::Released));

    let read = zookit_recipes::blocking::ReadLock::new(&zk, "/rw", "r");
    let write = zookit_recipes::blocking::WriteLock::new(&other_zk, "/rw", "w");
    let guard = read.lock_timeout(WAIT).unwrap();
    assert!(!write.acquire(false, None).unwrap());
    guard.release().unwrap();
    assert!(write.acquire(false, None).unwrap());
    write.release().unwrap();
    assert!(zk.get_children("/lock").unwrap().is_empty());
    assert!(zk.get_children("/rw").unwrap().is_empty());
}

#[test]
fn the_blocking_semaphore() {
    let zk = blocking_client("blocking-semaphore");
    let semaphore = zookit_recipes::blocking::Semaphore::new(&zk, "/sem", "a", 1);
    let other = zookit_recipes::blocking::Semaphore::new(&zk, "/sem", "b", 1);
    let lease = semaphore.lease().unwrap();
    assert!(semaphore.is_acquired());
    assert_eq!(semaphore.lease_holders().unwrap(), ["a"]);
    assert!(!other.acquire(false, None).unwrap());
    assert!(other.acquire(true, Some(Duration::from_millis(200))).unwrap_err().is_timeout());
    drop(lease);
    assert!(other.acquire(true, Some(WAIT)).unwrap());
    assert_eq!(other.lease_holders().unwrap(), ["b"]);
    assert!(other.release().unwrap());
    assert!(zk.get_children("/sem").unwrap().is_empty());
}

#[tokio::test]
async fn a_lease_can_be_waited_for_with_a_timeout() {
    let zk = clients("semaphore-lease-timeout", 2).await;
    let holder = Semaphore::new(&zk[0], "/sem", "holder", 1);
    let waiter = Semaphore::new(&zk[1], "/sem", "waiter", 1);
    let lease = bounded("the lease", holder.lease_timeout(WAIT)).await.unwrap();
    let err = waiter.lease_timeout(Duration::from_millis(300)).await.unwrap_err();
    assert!(err.is_timeout() && err.path() == Some("/sem"), "{err}");
    lease.release().await.unwrap();
    let lease = bounded("free again", waiter.lease_timeout(WAIT)).await.unwrap();
    assert!(lease.is_acquired());
    lease.release().await.unwrap();
    no_children_left(&zk[0], "/sem").await;
}

#[test]
fn a_blocking_lease_can_be_waited_for_with_a_timeout() {
    let zk = blocking_client("blocking-lease-timeout");
    let holder = zookit_recipes::blocking::Semaphore::new(&zk, "/sem", "holder", 1);
    let waiter = zookit_recipes::blocking::Semaphore::new(&zk, "/sem", "waiter", 1);
    let lease = holder.lease_timeout(WAIT).unwrap();
    assert!(waiter.lease_timeout(Duration::from_millis(200)).unwrap_err().is_timeout());
    lease.release().unwrap();
    assert!(waiter.lease_timeout(WAIT).unwrap().release().unwrap());
}

#[test]
fn blocking_calls_within_an_async_runtime_are_refused() {
    let zk = blocking_client("blocking-refused");
    let lock = zookit_recipes::blocking::Lock::new(&zk, "/lock", "x");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let err = runtime.block_on(async { lock.acquire(true, None) }).unwrap_err();
    assert!(err.to_string().contains("use zookit::Client there"), "{err}");
}
