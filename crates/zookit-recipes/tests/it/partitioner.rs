//! SetPartitioner: kazoo's states and transitions, the default partition
//! function, repartitioning as members come and go, kazoo issue #392 (no
//! allocating for ever while a lock is held elsewhere), session loss, the
//! blocking form, and stopped clients.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use zookit::Client;
use zookit_recipes::{Lock, PartitionState, SetPartitioner, default_partitioner};

use crate::barriers::{
    WAIT, assert_closed, blocking_sessions, client_state, dead_clients, expire, kids, sessions,
    through_proxy, until_true, within,
};

/// The time boundary of the tests: short, so that they are quick.
const SETTLE: Duration = Duration::from_millis(300);

fn items(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

async fn start(client: &Client, identifier: &str, set: &[&str]) -> SetPartitioner {
    within(
        "start",
        SetPartitioner::builder(client, "/p", set.iter().copied())
            .identifier(identifier)
            .time_boundary(SETTLE)
            .max_reaction_time(Duration::from_millis(200))
            .start(),
    )
    .await
    .expect("starts")
}

/// Waits until `partitioner` is in `state`.
async fn reaches(partitioner: &SetPartitioner, state: PartitionState) {
    until_true(&format!("{} {state}", partitioner.identifier()), WAIT, || async {
        partitioner.state() == state
    })
    .await;
}

/// Releases and re-acquires until acquired (the application loop).
async fn settle(partitioner: &SetPartitioner) {
    let deadline = Instant::now() + WAIT;
    loop {
        assert!(Instant::now() < deadline, "{}: not acquired in time", partitioner.identifier());
        match partitioner.state() {
            PartitionState::Acquired => return,
            PartitionState::Release => partitioner.release_set().await.unwrap(),
            PartitionState::Allocating => {
                partitioner.wait_for_acquire(Duration::from_secs(1)).await;
            }
            PartitionState::Failure => panic!("failed: {:?}", partitioner.failure()),
        }
    }
}

/// Runs the application loop of every member (release when asked, wait
/// while allocating) until all are acquired together, twice in a row.
async fn settle_all(partitioners: &[&SetPartitioner]) {
    let services: Vec<_> = partitioners
        .iter()
        .map(|p| {
            let p = (*p).clone();
            tokio::spawn(async move {
                loop {
                    match p.state() {
                        PartitionState::Release => p.release_set().await.unwrap(),
                        PartitionState::Failure => panic!("failed: {:?}", p.failure()),
                        _ => {
                            p.wait_for_change(Duration::from_millis(50)).await;
                        }
                    }
                }
            })
        })
        .collect();
    within("all acquired", async {
        let mut stable = 0;
        while stable < 2 {
            tokio::time::sleep(SETTLE).await;
            stable = if partitioners.iter().all(|p| p.is_acquired()) { stable + 1 } else { 0 };
        }
    })
    .await;
    for service in services {
        service.abort();
    }
}

#[test]
fn the_default_partitioner_deals_sorted_items_round_robin() {
    let members = items(&["b", "c", "a"]);
    let set = items(&["5", "1", "4", "2", "3"]);
    assert_eq!(default_partitioner("a", &members, &set), ["1", "4"]);
    assert_eq!(default_partitioner("b", &members, &set), ["2", "5"]);
    assert_eq!(default_partitioner("c", &members, &set), ["3"]);
    assert!(default_partitioner("stranger", &members, &set).is_empty());
    assert_eq!(default_partitioner("a", &items(&["a"]), &set), ["1", "2", "3", "4", "5"]);
}

#[tokio::test]
async fn a_lone_member_allocates_then_acquires_the_whole_set() {
    let zk = sessions("partition-one", 1).await;
    let began = Instant::now();
    let partitioner = start(&zk[0], "one", &["q-1", "q-2", "q-3"]).await;
    assert_eq!(partitioner.state(), PartitionState::Allocating, "allocating at first");
    assert!(partitioner.acquired_set().is_empty());
    assert_eq!(partitioner.wait_for_acquire(WAIT).await, PartitionState::Acquired);
    assert!(began.elapsed() >= SETTLE, "after the party settled");
    assert_eq!(partitioner.acquired_set(), ["q-1", "q-2", "q-3"]);
    assert_eq!((&partitioner).into_iter().count(), 3);
    // One lock per item, held by this member; the member in the party.
    for item in ["q-1", "q-2", "q-3"] {
        assert_eq!(kids(&zk[0], &format!("/p/locks/{item}")).await.len(), 1, "{item}");
    }
    assert_eq!(kids(&zk[0], "/p/party").await.len(), 1);
    assert!(kids(&zk[0], "/p/party").await[0].ends_with("-one"));
}

#[tokio::test]
async fn members_divide_the_set_and_divide_it_again_as_they_come_and_go() {
    let zk = sessions("partition-many", 3).await;
    let set = ["a", "b", "c", "d", "e"];
    let first = start(&zk[0], "m1", &set).await;
    settle(&first).await;
    assert_eq!(first.acquired_set().len(), 5);

    // A second member: the first is asked to release, then they share.
    let second = start(&zk[1], "m2", &set).await;
    reaches(&first, PartitionState::Release).await;
    assert!(first.needs_release());
    assert_eq!(first.acquired_set().len(), 5, "held until released");
    settle_all(&[&first, &second]).await;
    assert_eq!(first.acquired_set(), ["a", "c", "e"], "m1 sorts first");
    assert_eq!(second.acquired_set(), ["b", "d"]);

    // A third.
    let third = start(&zk[2], "m3", &set).await;
    let all = [&first, &second, &third];
    settle_all(&all).await;
    let mut dealt: Vec<String> = all.iter().flat_map(|p| p.acquired_set()).collect();
    dealt.sort();
    assert_eq!(dealt, items(&set), "each item to exactly one member");
    assert_eq!(third.acquired_set(), ["c"]);

    // One leaves: the others take its items.
    second.finish().await.unwrap();
    assert_eq!(second.state(), PartitionState::Failure);
    assert!(second.acquired_set().is_empty());
    settle_all(&[&first, &third]).await;
    let mut dealt: Vec<String> = [&first, &third].iter().flat_map(|p| p.acquired_set()).collect();
    dealt.sort();
    assert_eq!(dealt, items(&set));
    assert_eq!(kids(&zk[0], "/p/party").await.len(), 2, "the finished member left the party");
}

#[tokio::test]
async fn a_custom_partition_function_decides() {
    let zk = sessions("partition-custom", 1).await;
    let partitioner = SetPartitioner::builder(&zk[0], "/p", ["x", "y", "z"])
        .identifier("picky")
        .time_boundary(SETTLE)
        .partition_func(|identifier, members, items| {
            assert_eq!(members, ["picky"]);
            assert_eq!(identifier, "picky");
            items.iter().filter(|i| *i != "y").cloned().collect()
        })
        .start()
        .await
        .unwrap();
    assert_eq!(partitioner.wait_for_acquire(WAIT).await, PartitionState::Acquired);
    assert_eq!(partitioner.acquired_set(), ["x", "z"]);
}

/// kazoo issue #392: a lock held outside the partitioner (or by a member
/// with another set) must not keep it allocating for ever.
#[tokio::test]
async fn a_lock_held_elsewhere_fails_the_allocation_in_time() {
    let zk = sessions("partition-392", 2).await;
    zk[1].ensure_path("/p/locks/b").await.unwrap();
    let outsider = Lock::new(&zk[1], "/p/locks/b", "outsider");
    let guard = outsider.lock().await.unwrap();

    let began = Instant::now();
    let partitioner = SetPartitioner::builder(&zk[0], "/p", ["a", "b", "c"])
        .identifier("stuck")
        .time_boundary(SETTLE)
        .max_reaction_time(Duration::from_millis(200))
        .acquire_timeout(Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    assert_eq!(partitioner.wait_for_acquire(WAIT).await, PartitionState::Failure);
    let took = began.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "failed after {took:?}"
    );
    let reason = partitioner.failure().unwrap();
    assert!(reason.contains("\"b\""), "{reason}");
    // It let go of everything: its other locks and its party node.
    until_true("cleaned up", WAIT, || async {
        kids(&zk[1], "/p/locks/a").await.is_empty()
            && kids(&zk[1], "/p/party").await.is_empty()
            && kids(&zk[1], "/p/locks/b").await.len() == 1
    })
    .await;
    assert!(guard.is_acquired(), "the outsider still holds its lock");
}

#[tokio::test]
async fn a_lock_released_in_time_lets_the_allocation_complete() {
    let zk = sessions("partition-392-ok", 2).await;
    zk[1].ensure_path("/p/locks/b").await.unwrap();
    let guard = Lock::new(&zk[1], "/p/locks/b", "outsider").lock().await.unwrap();
    let partitioner = start(&zk[0], "patient", &["a", "b"]).await;
    tokio::time::sleep(SETTLE + Duration::from_millis(700)).await;
    assert_eq!(partitioner.state(), PartitionState::Allocating, "waits for the lock");
    guard.release().await.unwrap();
    assert_eq!(partitioner.wait_for_acquire(WAIT).await, PartitionState::Acquired);
    assert_eq!(partitioner.acquired_set(), ["a", "b"]);
}

#[tokio::test]
async fn a_lost_session_fails_the_partitioner_and_leaves_nothing() {
    let (proxy, zk, direct) = through_proxy("partition-expired", Duration::from_secs(10)).await;
    let partitioner = within(
        "start",
        SetPartitioner::builder(&zk, "/p", ["a", "b"])
            .identifier("doomed")
            .time_boundary(SETTLE)
            .start(),
    )
    .await
    .unwrap();
    assert_eq!(partitioner.wait_for_acquire(WAIT).await, PartitionState::Acquired);
    expire(&proxy, &zk).await;
    reaches(&partitioner, PartitionState::Failure).await;
    assert!(partitioner.failure().unwrap().contains("lost"), "{:?}", partitioner.failure());
    assert!(partitioner.acquired_set().is_empty());
    assert!(kids(&direct, "/p/party").await.is_empty());
    assert!(
        kids(&direct, "/p/locks/a").await.is_empty()
            && kids(&direct, "/p/locks/b").await.is_empty()
    );
    // Failure is final.
    partitioner.release_set().await.unwrap();
    assert_eq!(partitioner.state(), PartitionState::Failure);
}

#[tokio::test]
async fn a_suspended_connection_asks_for_a_release() {
    let (proxy, zk, direct) = through_proxy("partition-suspended", Duration::from_secs(10)).await;
    let partitioner = within(
        "start",
        SetPartitioner::builder(&zk, "/p", ["a", "b"])
            .identifier("shaky")
            .time_boundary(SETTLE)
            .start(),
    )
    .await
    .unwrap();
    assert_eq!(partitioner.wait_for_acquire(WAIT).await, PartitionState::Acquired);
    let changed = {
        let partitioner = partitioner.clone();
        tokio::spawn(async move { partitioner.wait_for_change(WAIT).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    proxy.drop_connections();
    assert_eq!(within("the change", changed).await.unwrap(), PartitionState::Release);
    client_state(&zk, zookit::ClientState::Connected).await;
    // The session survived: released and acquired again.
    settle(&partitioner).await;
    assert_eq!(partitioner.acquired_set(), ["a", "b"]);
    assert_eq!(kids(&direct, "/p/party").await.len(), 1);
}

#[tokio::test]
async fn finishing_or_dropping_leaves_the_party_and_the_locks() {
    let zk = sessions("partition-finish", 2).await;
    let finished = start(&zk[0], "finished", &["a"]).await;
    assert_eq!(finished.wait_for_acquire(WAIT).await, PartitionState::Acquired);
    finished.finish().await.unwrap();
    assert!(finished.is_failed());
    assert_eq!(finished.failure().as_deref(), Some("finished"));
    assert!(kids(&zk[0], "/p/party").await.is_empty());
    assert!(kids(&zk[0], "/p/locks/a").await.is_empty());

    let dropped = start(&zk[1], "dropped", &["a"]).await;
    assert_eq!(dropped.wait_for_acquire(WAIT).await, PartitionState::Acquired);
    drop(dropped);
    until_true("dropped member gone", WAIT, || async {
        kids(&zk[0], "/p/party").await.is_empty() && kids(&zk[0], "/p/locks/a").await.is_empty()
    })
    .await;
}

#[tokio::test]
async fn a_partitioner_fails_at_once_on_stopped_and_unstarted_clients() {
    for zk in dead_clients("partition-dead").await {
        let began = Instant::now();
        assert_closed("start", began, SetPartitioner::builder(&zk, "/p", ["a"]).start().await);
    }
    let zk = sessions("partition-bad-item", 1).await;
    let err = SetPartitioner::builder(&zk[0], "/p", ["a/b"]).start().await.unwrap_err();
    assert!(err.is_invalid_argument(), "{err}");
}

#[tokio::test]
async fn a_partitioner_fails_when_its_client_stops() {
    let zk = sessions("partition-stop", 1).await;
    let partitioner = start(&zk[0], "stopping", &["a"]).await;
    assert_eq!(partitioner.wait_for_acquire(WAIT).await, PartitionState::Acquired);
    zk[0].stop().await.unwrap();
    reaches(&partitioner, PartitionState::Failure).await;
}

#[test]
fn a_blocking_partitioner() {
    let zk = blocking_sessions("partition-blocking", 2);
    let started = |client: &zookit::blocking::Client, identifier: &str| {
        zookit_recipes::blocking::SetPartitioner::builder(client, "/p", ["1", "2", "3", "4"])
            .identifier(identifier)
            .time_boundary(SETTLE)
            .max_reaction_time(Duration::from_millis(200))
            .start()
            .unwrap()
    };
    let first = started(&zk[0], "b1");
    assert_eq!(first.wait_for_acquire(WAIT).unwrap(), PartitionState::Acquired);
    assert_eq!(first.acquired_set().len(), 4);
    let second = started(&zk[1], "b2");
    let deadline = Instant::now() + WAIT;
    while !(first.is_acquired() && second.is_acquired() && first.acquired_set().len() == 2) {
        assert!(Instant::now() < deadline, "not divided in time");
        for p in [&first, &second] {
            match p.state() {
                PartitionState::Release => p.release_set().unwrap(),
                PartitionState::Allocating => {
                    p.wait_for_acquire(Duration::from_secs(1)).unwrap();
                }
                PartitionState::Acquired => {
                    p.wait_for_change(Duration::from_millis(100)).unwrap();
                }
                PartitionState::Failure => panic!("failed: {:?}", p.failure()),
            }
        }
    }
    let dealt: BTreeSet<String> =
        first.acquired_set().into_iter().chain(second.acquired_set()).collect();
    assert_eq!(dealt.len(), 4);
    first.finish().unwrap();
    assert!(first.is_failed());

    let [never, stopped] = crate::barriers::dead_blocking_clients("partition-blocking-dead");
    for zk in [never, stopped] {
        let began = Instant::now();
        assert_closed(
            "start",
            began,
            zookit_recipes::blocking::SetPartitioner::builder(&zk, "/p", ["a"]).start(),
        );
    }
}
