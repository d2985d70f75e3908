//! Counter: kazoo's documented behaviour, its formats (kazoo's text,
//! Curator's SharedCount and DistributedAtomicLong), contention with many
//! clients, the blocking form, and stopped clients.

use std::time::{Duration, Instant};

use zookit_recipes::{Change, Counter};

use crate::barriers::{
    assert_closed, blocking_sessions, dead_blocking_clients, dead_clients, sessions, within,
};

#[tokio::test]
async fn an_int_counter_as_in_kazoos_docs() {
    let zk = sessions("counter-int", 1).await;
    let mut counter = Counter::new(&zk[0], "/int", 0);
    assert_eq!((counter.pre_value(), counter.post_value()), (None, None));
    assert_eq!(counter.add(2).await.unwrap(), 2);
    assert_eq!(counter.sub(1).await.unwrap(), 1);
    assert_eq!(counter.value().await.unwrap(), 1);
    assert_eq!(counter.pre_value(), Some(2));
    assert_eq!(counter.post_value(), Some(1));
    assert_eq!(counter.last_change(), Some(Change { pre: 2, post: 1 }));
    // kazoo's format: Python's repr, as ASCII.
    assert_eq!(zk[0].get("/int").await.unwrap().0.as_ref(), b"1");
}

#[tokio::test]
async fn a_float_counter_as_in_kazoos_docs() {
    let zk = sessions("counter-float", 1).await;
    let mut counter = Counter::new(&zk[0], "/float", 1.0);
    assert_eq!(counter.value().await.unwrap(), 1.0, "the default while the node is empty");
    assert_eq!(counter.add(2.0).await.unwrap(), 3.0);
    assert_eq!(counter.value().await.unwrap(), 3.0);
    assert_eq!((counter.pre_value(), counter.post_value()), (Some(1.0), Some(3.0)));
    assert_eq!(zk[0].get("/float").await.unwrap().0.as_ref(), b"3.0", "repr(3.0)");
    counter.add(0.1).await.unwrap();
    assert_eq!(zk[0].get("/float").await.unwrap().0.as_ref(), b"3.1");
    counter.sub(1e20).await.unwrap();
    assert_eq!(zk[0].get("/float").await.unwrap().0.as_ref(), b"-1e+20");
}

#[tokio::test]
async fn a_counter_reads_what_kazoo_wrote_and_makes_its_node() {
    let zk = sessions("counter-kazoo", 1).await;
    // kazoo creates an empty node: the default.
    zk[0].create("/empty", "").await.unwrap();
    assert_eq!(Counter::new(&zk[0], "/empty", 7).value().await.unwrap(), 7);
    zk[0].create("/written", "41").await.unwrap();
    let mut counter = Counter::new(&zk[0], "/written", 0);
    assert_eq!(counter.add(1).await.unwrap(), 42);
    assert_eq!(zk[0].get("/written").await.unwrap().0.as_ref(), b"42");
    zk[0].create("/floaty", "1e+16").await.unwrap();
    assert_eq!(Counter::new(&zk[0], "/floaty", 0.0).value().await.unwrap(), 1e16);
    // A missing node (and its parents) is created on first use.
    let mut deep = Counter::new(&zk[0], "/a/b/c", 5);
    assert_eq!(deep.add(1).await.unwrap(), 6);
    // Something else in the node is an error, not a silent default.
    zk[0].create("/junk", "not a number").await.unwrap();
    let err = Counter::new(&zk[0], "/junk", 0).value().await.unwrap_err();
    assert!(err.is_invalid_argument(), "{err}");
    assert!(err.to_string().contains("/junk"), "{err}");
}

#[tokio::test]
async fn curator_formats_are_big_endian_integers() {
    let zk = sessions("counter-curator", 1).await;
    let mut shared = Counter::shared_count(&zk[0], "/curator", 0);
    assert_eq!(shared.add(2).await.unwrap(), 2);
    assert_eq!(shared.sub(1).await.unwrap(), 1);
    assert_eq!((shared.pre_value(), shared.post_value()), (Some(2), Some(1)));
    assert_eq!(zk[0].get("/curator").await.unwrap().0.as_ref(), 1i32.to_be_bytes());

    // Curator seeds its node with the default.
    let seeded = Counter::shared_count(&zk[0], "/seeded", 9);
    assert_eq!(seeded.value().await.unwrap(), 9);
    assert_eq!(zk[0].get("/seeded").await.unwrap().0.as_ref(), 9i32.to_be_bytes());

    // SharedCount is 32 bits: beyond is refused, and nothing is written.
    zk[0].set("/curator", i32::MAX.to_be_bytes()).await.unwrap();
    let err = shared.add(1).await.unwrap_err();
    assert!(err.is_invalid_argument(), "{err}");
    assert_eq!(zk[0].get("/curator").await.unwrap().0.as_ref(), i32::MAX.to_be_bytes());

    let mut long = Counter::atomic_long(&zk[0], "/long", 0);
    long.add(i64::from(i32::MAX) + 1).await.unwrap();
    assert_eq!(
        zk[0].get("/long").await.unwrap().0.as_ref(),
        (i64::from(i32::MAX) + 1).to_be_bytes()
    );
    let err = long.add(i64::MAX).await.unwrap_err();
    assert!(err.to_string().contains("overflows"), "{err}");
}

#[tokio::test]
async fn ten_clients_twenty_increments_each_count_exactly() {
    let zk = sessions("counter-contention", 10).await;
    let began = Instant::now();
    let tasks: Vec<_> = zk
        .iter()
        .map(|client| {
            let mut counter = Counter::new(client, "/hits", 0);
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..20 {
                    let post = counter.add(1).await.unwrap();
                    assert_eq!(counter.pre_value(), Some(post - 1), "each change adds exactly one");
                    seen.push(post);
                }
                seen
            })
        })
        .collect();
    let mut posts = Vec::new();
    for task in tasks {
        posts.extend(within("a client's increments", task).await.unwrap());
    }
    assert_eq!(Counter::new(&zk[0], "/hits", 0).value().await.unwrap(), 200);
    posts.sort_unstable();
    assert_eq!(
        posts,
        (1..=200).collect::<Vec<i64>>(),
        "every value was stored by exactly one change"
    );
    eprintln!("10 x 20 contended increments in {:?}", began.elapsed());
}

#[tokio::test]
async fn counters_fail_at_once_on_stopped_and_unstarted_clients() {
    for zk in dead_clients("counter-dead").await {
        let began = Instant::now();
        let mut counter = Counter::new(&zk, "/c", 0);
        assert_closed("value", began, counter.value().await);
        assert_closed("add", began, counter.add(1).await);
        assert_eq!(counter.post_value(), None);
    }
}

#[test]
fn blocking_counters_count_exactly_across_threads() {
    let zk = blocking_sessions("counter-blocking", 4);
    let mut counter = zookit_recipes::blocking::Counter::new(&zk[0], "/int", 0);
    counter.add(2).unwrap();
    counter.sub(1).unwrap();
    assert_eq!(counter.value().unwrap(), 1);
    assert_eq!((counter.pre_value(), counter.post_value()), (Some(2), Some(1)));

    let threads: Vec<_> = zk
        .iter()
        .map(|client| {
            let mut counter = zookit_recipes::blocking::Counter::new(client, "/threads", 0);
            std::thread::spawn(move || {
                for _ in 0..10 {
                    counter.add(1).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(zookit_recipes::blocking::Counter::new(&zk[1], "/threads", 0).value().unwrap(), 40);

    let mut shared = zookit_recipes::blocking::Counter::shared_count(&zk[0], "/curator", 0);
    shared.add(5).unwrap();
    assert_eq!(zk[0].get("/curator").unwrap().0.as_ref(), 5i32.to_be_bytes());
}

#[test]
fn blocking_counters_fail_at_once_on_stopped_and_unstarted_clients() {
    for zk in dead_blocking_clients("counter-blocking-dead") {
        let began = Instant::now();
        let mut counter = zookit_recipes::blocking::Counter::new(&zk, "/c", 0.5);
        assert_closed("value", began, counter.value());
        assert_closed("add", began, counter.add(1.0));
        assert!(began.elapsed() < Duration::from_secs(5));
    }
}
