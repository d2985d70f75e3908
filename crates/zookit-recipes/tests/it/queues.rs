//! Queue and LockingQueue: kazoo's documented behaviour (priorities,
//! locking, consume and release), competing consumers, a consumer's
//! session lost mid-item, the blocking forms, and stopped clients.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use zookit::WatcherType;
use zookit_recipes::{DEFAULT_PRIORITY, LockingQueue, Queue};

use crate::barriers::{
    WAIT, assert_closed, blocking_sessions, dead_blocking_clients, dead_clients, expire, kids,
    sessions, through_proxy, watch_set, within,
};

fn text(value: Option<bytes::Bytes>) -> Option<String> {
    value.map(|v| String::from_utf8(v.to_vec()).unwrap())
}

// ---- Queue ----

#[tokio::test]
async fn a_queue_gives_entries_by_priority_then_age() {
    let zk = sessions("queue", 2).await;
    let queue = Queue::new(&zk[0], "/q");
    assert_eq!(queue.get().await.unwrap(), None, "empty (and not even there)");
    queue.put("one", DEFAULT_PRIORITY).await.unwrap();
    queue.put("two", DEFAULT_PRIORITY).await.unwrap();
    queue.put("urgent", 1).await.unwrap();
    queue.put("whenever", 999).await.unwrap();
    queue.put("first", 0).await.unwrap();
    assert_eq!(queue.len().await.unwrap(), 5);
    // kazoo's names: entry-<priority, 3 digits>-<sequence>.
    let names = kids(&zk[0], "/q").await;
    assert!(names.iter().any(|n| n.starts_with("entry-001-")), "{names:?}");

    let other = Queue::new(&zk[1], "/q");
    let mut got = Vec::new();
    while let Some(value) = text(other.get().await.unwrap()) {
        got.push(value);
    }
    assert_eq!(got, ["first", "urgent", "one", "two", "whenever"]);
    assert_eq!(queue.len().await.unwrap(), 0, "taken entries are deleted");
    assert!(queue.is_empty().await.unwrap());
}

#[tokio::test]
async fn a_queue_refuses_priorities_beyond_three_digits() {
    let zk = sessions("queue-priority", 1).await;
    let err = Queue::new(&zk[0], "/q").put("x", 1000).await.unwrap_err();
    assert!(err.is_invalid_argument(), "{err}");
    let err = LockingQueue::new(&zk[0], "/lq").put("x", 1000).await.unwrap_err();
    assert!(err.is_invalid_argument(), "{err}");
}

#[tokio::test]
async fn competing_queue_consumers_take_each_entry_once() {
    let zk = sessions("queue-compete", 5).await;
    let producer = Queue::new(&zk[0], "/q");
    for i in 0..60 {
        producer.put(format!("{i}"), DEFAULT_PRIORITY).await.unwrap();
    }
    let consumers: Vec<_> = zk
        .iter()
        .map(|c| {
            let queue = Queue::new(c, "/q");
            tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(value) = text(queue.get().await.unwrap()) {
                    got.push(value);
                }
                got
            })
        })
        .collect();
    let mut all = Vec::new();
    for consumer in consumers {
        all.extend(within("a consumer", consumer).await.unwrap());
    }
    assert_eq!(all.len(), 60, "no entry twice");
    let distinct: BTreeSet<_> = all.into_iter().collect();
    assert_eq!(distinct.len(), 60);
}

// ---- LockingQueue ----

#[tokio::test]
async fn a_locking_queue_holds_an_entry_until_consumed() {
    let zk = sessions("lq", 2).await;
    let first = LockingQueue::new(&zk[0], "/lq");
    let second = LockingQueue::new(&zk[1], "/lq");
    first.put("a", DEFAULT_PRIORITY).await.unwrap();
    first.put("b", DEFAULT_PRIORITY).await.unwrap();

    assert_eq!(text(first.get(WAIT).await.unwrap()).as_deref(), Some("a"));
    assert!(first.holds_lock().await.unwrap());
    assert_eq!(text(first.holding()).as_deref(), Some("a"));
    // Not consumed yet: got again, and still counted.
    assert_eq!(text(first.get(WAIT).await.unwrap()).as_deref(), Some("a"));
    assert_eq!(first.len().await.unwrap(), 2, "locked entries count");
    // Another consumer gets the next free one, not the locked one.
    assert_eq!(text(second.get(WAIT).await.unwrap()).as_deref(), Some("b"));
    // kazoo's layout: entries/ and taken/ (the lock holding the consumer id).
    assert_eq!(kids(&zk[0], "/lq").await, ["entries", "taken"]);
    assert_eq!(kids(&zk[0], "/lq/taken").await.len(), 2);

    assert!(first.consume().await.unwrap());
    assert!(!first.holds_lock().await.unwrap());
    assert!(!first.consume().await.unwrap(), "nothing held");
    assert_eq!(first.len().await.unwrap(), 1);
    assert!(second.consume().await.unwrap());
    assert!(kids(&zk[0], "/lq/entries").await.is_empty());
    assert!(kids(&zk[0], "/lq/taken").await.is_empty(), "no lock left behind");
    // Empty: None after the timeout.
    let began = Instant::now();
    assert_eq!(first.get(Duration::from_millis(200)).await.unwrap(), None);
    assert!(
        began.elapsed() >= Duration::from_millis(200) && began.elapsed() < Duration::from_secs(5)
    );
}

#[tokio::test]
async fn a_released_entry_goes_to_the_next_consumer() {
    let zk = sessions("lq-release", 2).await;
    let first = LockingQueue::new(&zk[0], "/lq");
    let second = LockingQueue::new(&zk[1], "/lq");
    first.put("job", DEFAULT_PRIORITY).await.unwrap();
    assert_eq!(text(first.get(WAIT).await.unwrap()).as_deref(), Some("job"));
    assert_eq!(second.get(Duration::from_millis(200)).await.unwrap(), None, "locked");
    let waiting = {
        let second = second.clone();
        tokio::spawn(async move { second.get(WAIT).await })
    };
    // The waiting get watches the locks, to try again when one goes.
    watch_set(&zk[0], "/lq/taken", WatcherType::Children).await;
    assert!(first.release().await.unwrap());
    assert!(!first.release().await.unwrap(), "nothing held");
    assert_eq!(
        text(within("the waiting get", waiting).await.unwrap().unwrap()).as_deref(),
        Some("job")
    );
    assert!(second.consume().await.unwrap());
    assert_eq!(first.len().await.unwrap(), 0);
}

#[tokio::test]
async fn put_all_is_all_or_nothing_and_get_waits_for_entries() {
    let zk = sessions("lq-put-all", 2).await;
    let producer = LockingQueue::new(&zk[0], "/lq");
    let consumer = LockingQueue::new(&zk[1], "/lq");
    let waiting = {
        let consumer = consumer.clone();
        tokio::spawn(async move { consumer.get(WAIT).await })
    };
    watch_set(&zk[0], "/lq/entries", WatcherType::Children).await;
    assert!(!waiting.is_finished(), "waits for an entry");
    producer.put_all(["x", "y", "z"], 5).await.unwrap();
    let got = text(within("the waiting get", waiting).await.unwrap().unwrap()).unwrap();
    assert_eq!(got, "x", "the first of the three");
    producer.put("late but urgent", 1).await.unwrap();
    assert!(consumer.consume().await.unwrap());
    let mut order = Vec::new();
    while let Some(value) = text(consumer.get(Duration::from_millis(200)).await.unwrap()) {
        order.push(value);
        assert!(consumer.consume().await.unwrap());
    }
    assert_eq!(order, ["late but urgent", "y", "z"]);

    // One bad value fails the whole transaction: nothing is added.
    producer.put_all(Vec::<&[u8]>::new(), 5).await.unwrap();
    let too_big = vec![0u8; 2 << 20];
    let err = producer.put_all([&b"fine"[..], &too_big[..]], 5).await.unwrap_err();
    assert!(err.is_invalid_argument(), "refused before anything is sent: {err}");
    assert_eq!(producer.len().await.unwrap(), 0);
}

#[tokio::test]
async fn competing_consumers_consume_each_entry_exactly_once() {
    let zk = sessions("lq-compete", 6).await;
    let producer = LockingQueue::new(&zk[0], "/lq");
    let values: Vec<String> = (0..60).map(|i| format!("item-{i:02}")).collect();
    producer.put_all(&values[..30], DEFAULT_PRIORITY).await.unwrap();
    let began = Instant::now();
    let consumers: Vec<_> = zk[1..]
        .iter()
        .map(|c| {
            let queue = LockingQueue::new(c, "/lq");
            tokio::spawn(async move {
                let mut consumed = Vec::new();
                while let Some(value) = text(queue.get(Duration::from_secs(2)).await.unwrap()) {
                    if queue.consume().await.unwrap() {
                        consumed.push(value);
                    }
                }
                consumed
            })
        })
        .collect();
    for value in &values[30..] {
        producer.put(value, DEFAULT_PRIORITY).await.unwrap();
    }
    let mut all = Vec::new();
    for consumer in consumers {
        all.extend(within("a consumer", consumer).await.unwrap());
    }
    all.sort();
    assert_eq!(all, values, "each entry consumed exactly once");
    assert!(kids(&zk[0], "/lq/taken").await.is_empty());
    eprintln!("60 entries by 5 competing consumers in {:?}", began.elapsed());
}

#[tokio::test]
async fn an_entry_whose_consumer_lost_its_session_is_consumed_once_by_another() {
    let (proxy, lost, direct) = through_proxy("lq-lost", Duration::from_secs(10)).await;
    let doomed = LockingQueue::new(&lost, "/lq");
    let other = LockingQueue::new(&direct, "/lq");
    other.put("precious", DEFAULT_PRIORITY).await.unwrap();
    assert_eq!(text(doomed.get(WAIT).await.unwrap()).as_deref(), Some("precious"));
    // The other consumer waits: the entry is locked.
    let waiting = {
        let other = other.clone();
        tokio::spawn(async move { other.get(WAIT).await })
    };
    watch_set(&direct, "/lq/taken", WatcherType::Children).await;
    assert!(!waiting.is_finished());

    // Mid-item, the session is lost: its lock goes, the entry is free again.
    expire(&proxy, &lost).await;
    assert_eq!(
        text(within("the other get", waiting).await.unwrap().unwrap()).as_deref(),
        Some("precious")
    );
    assert!(other.consume().await.unwrap());

    // The first consumer cannot consume it as well: not with the expired
    // session, nor with a new one.
    assert!(doomed.consume().await.unwrap_err().is_session_expired());
    lost.restart().await.unwrap();
    assert!(!doomed.holds_lock().await.unwrap());
    assert!(!doomed.consume().await.unwrap());
    assert_eq!(doomed.holding(), None, "the lost entry is no longer held");
    assert_eq!(
        doomed.get(Duration::from_millis(200)).await.unwrap(),
        None,
        "consumed exactly once"
    );
    assert!(kids(&direct, "/lq/taken").await.is_empty());
}

#[tokio::test]
async fn competing_consumers_consume_each_entry_once_when_one_loses_its_session_mid_item() {
    let (proxy, lost, direct) = through_proxy("lq-compete-lost", Duration::from_secs(10)).await;
    let connect = zookit_testing::shared().connect_string_with_chroot(direct.chroot().unwrap());
    let mut consumers = vec![direct.clone()];
    for _ in 0..2 {
        consumers.push(within("connect", zookit::Client::connect(connect.clone())).await.unwrap());
    }
    let values: Vec<String> = (0..40).map(|i| format!("item-{i:02}")).collect();
    LockingQueue::new(&direct, "/lq").put_all(&values, DEFAULT_PRIORITY).await.unwrap();

    // The doomed consumer takes the first entry and never finishes it.
    let doomed = LockingQueue::new(&lost, "/lq");
    let stranded = text(doomed.get(WAIT).await.unwrap()).unwrap();
    assert_eq!(stranded, "item-00");

    let consumed = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = consumers
        .iter()
        .map(|client| {
            let queue = LockingQueue::new(client, "/lq");
            let consumed = Arc::clone(&consumed);
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while consumed.load(Ordering::SeqCst) < 40 {
                    if let Some(value) = text(queue.get(Duration::from_millis(200)).await.unwrap())
                    {
                        tokio::time::sleep(Duration::from_millis(10)).await; // "processing"
                        if queue.consume().await.unwrap() {
                            consumed.fetch_add(1, Ordering::SeqCst);
                            mine.push(value);
                        }
                    }
                }
                mine
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    expire(&proxy, &lost).await;
    let mut all = Vec::new();
    for worker in workers {
        all.extend(within("a consumer", worker).await.unwrap());
    }
    all.sort();
    assert_eq!(all, values, "each entry consumed exactly once, the stranded one included");
    assert!(doomed.consume().await.unwrap_err().is_session_expired());
    assert!(kids(&direct, "/lq/entries").await.is_empty());
    assert!(kids(&direct, "/lq/taken").await.is_empty());
}

#[tokio::test]
async fn a_stopped_consumers_entry_is_free_at_once() {
    let zk = sessions("lq-stopped", 2).await;
    let stopping = LockingQueue::new(&zk[0], "/lq");
    let other = LockingQueue::new(&zk[1], "/lq");
    other.put("job", DEFAULT_PRIORITY).await.unwrap();
    assert!(stopping.get(WAIT).await.unwrap().is_some());
    let waiting = {
        let other = other.clone();
        tokio::spawn(async move { other.get(WAIT).await })
    };
    watch_set(&zk[1], "/lq/taken", WatcherType::Children).await;
    zk[0].stop().await.unwrap();
    let began = Instant::now();
    assert!(within("the other get", waiting).await.unwrap().unwrap().is_some());
    assert!(began.elapsed() < Duration::from_secs(5), "at once, not after a session timeout");
    assert!(other.consume().await.unwrap());
    assert_closed("consume on the stopped client", began, stopping.consume().await);
}

#[tokio::test]
async fn a_get_fails_when_the_client_stops_while_it_waits() {
    let zk = sessions("lq-stop-wait", 1).await;
    let queue = LockingQueue::new(&zk[0], "/lq");
    queue.put_all(Vec::<Vec<u8>>::new(), DEFAULT_PRIORITY).await.unwrap();
    let waiting = {
        let queue = queue.clone();
        tokio::spawn(async move { queue.get(WAIT).await })
    };
    watch_set(&zk[0], "/lq/entries", WatcherType::Children).await;
    let began = Instant::now();
    zk[0].stop().await.unwrap();
    assert_closed("get", began, within("the get", waiting).await.unwrap());
}

#[tokio::test]
async fn queues_fail_at_once_on_stopped_and_unstarted_clients() {
    for zk in dead_clients("queue-dead").await {
        let began = Instant::now();
        let queue = Queue::new(&zk, "/q");
        assert_closed("put", began, queue.put("x", 1).await);
        assert_closed("get", began, queue.get().await);
        assert_closed("len", began, queue.len().await);
        let locking = LockingQueue::new(&zk, "/lq");
        assert_closed("put", began, locking.put("x", 1).await);
        assert_closed("put_all", began, locking.put_all(["x"], 1).await);
        assert_closed("get", began, locking.get(WAIT).await);
        assert!(!locking.consume().await.unwrap(), "nothing held: nothing to do");
    }
}

#[test]
fn blocking_queues() {
    let zk = blocking_sessions("queue-blocking", 2);
    let queue = zookit_recipes::blocking::Queue::new(&zk[0], "/q");
    queue.put("b", 2).unwrap();
    queue.put("a", 1).unwrap();
    assert_eq!(queue.len().unwrap(), 2);
    assert_eq!(text(queue.get().unwrap()).as_deref(), Some("a"));
    assert_eq!(text(queue.get().unwrap()).as_deref(), Some("b"));
    assert_eq!(queue.get().unwrap(), None);

    let first = zookit_recipes::blocking::LockingQueue::new(&zk[0], "/lq");
    let second = zookit_recipes::blocking::LockingQueue::new(&zk[1], "/lq");
    first.put_all(["x", "y"], DEFAULT_PRIORITY).unwrap();
    assert_eq!(text(first.get(WAIT).unwrap()).as_deref(), Some("x"));
    assert!(first.holds_lock().unwrap());
    assert_eq!(text(second.get(WAIT).unwrap()).as_deref(), Some("y"));
    assert!(second.release().unwrap());
    assert!(first.consume().unwrap());
    assert_eq!(text(first.get(WAIT).unwrap()).as_deref(), Some("y"));
    assert!(first.consume().unwrap());
    let began = Instant::now();
    assert_eq!(second.get(Duration::from_millis(200)).unwrap(), None);
    assert!(began.elapsed() < Duration::from_secs(5));
    assert!(first.is_empty().unwrap());
}

#[test]
fn blocking_queues_fail_at_once_on_stopped_and_unstarted_clients() {
    for zk in dead_blocking_clients("queue-blocking-dead") {
        let began = Instant::now();
        assert_closed("put", began, zookit_recipes::blocking::Queue::new(&zk, "/q").put("x", 1));
        assert_closed(
            "get",
            began,
            zookit_recipes::blocking::LockingQueue::new(&zk, "/lq").get(WAIT),
        );
    }
}
