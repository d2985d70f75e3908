//! NonBlockingLease and MultiNonBlockingLease: kazoo's documented
//! behaviour (exclusive until the end, renewed by the same identifier),
//! kazoo's stored format, the blocking forms, and stopped clients.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use zookit_recipes::{LeaseOptions, Lock, MultiNonBlockingLease, NonBlockingLease};

use crate::barriers::{
    assert_closed, blocking_sessions, dead_blocking_clients, dead_clients, kids, sessions,
};

const HOUR: Duration = Duration::from_secs(3600);

/// Options deciding at `now`.
fn at(now: SystemTime) -> LeaseOptions {
    LeaseOptions { now: Some(now), ..LeaseOptions::default() }
}

#[tokio::test]
async fn a_lease_is_exclusive_until_its_end_and_renewed_by_its_holder() {
    let zk = sessions("lease", 2).await;
    let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let lease =
        NonBlockingLease::obtain_with(&zk[0], "/lease", HOUR, "host-a", &at(t0)).await.unwrap();
    assert!(lease.obtained());
    assert_eq!(lease.end(), Some(t0 + HOUR));

    // Another holder, before the end: not obtained.
    let later = t0 + Duration::from_secs(1800);
    let other =
        NonBlockingLease::obtain_with(&zk[1], "/lease", HOUR, "host-b", &at(later)).await.unwrap();
    assert!(!other.obtained());
    assert_eq!(other.end(), None);

    // The holder renews it.
    let renewed =
        NonBlockingLease::obtain_with(&zk[0], "/lease", HOUR, "host-a", &at(later)).await.unwrap();
    assert!(renewed.obtained());
    assert_eq!(renewed.end(), Some(later + HOUR));

    // Past the end, another takes it.
    let after = later + HOUR + Duration::from_secs(1);
    let taken =
        NonBlockingLease::obtain_with(&zk[1], "/lease", HOUR, "host-b", &at(after)).await.unwrap();
    assert!(taken.obtained());
    let again =
        NonBlockingLease::obtain_with(&zk[0], "/lease", HOUR, "host-a", &at(after)).await.unwrap();
    assert!(!again.obtained(), "host-b holds it now");

    // Only the holder node is left: the locks are gone.
    assert_eq!(kids(&zk[0], "/lease").await, ["lease_holder"]);
}

#[tokio::test]
async fn the_lease_is_stored_as_kazoo_stores_it() {
    let zk = sessions("lease-format", 1).await;
    let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    NonBlockingLease::obtain_with(
        &zk[0],
        "/lease",
        Duration::from_secs(90),
        "db \"cleanup\"",
        &at(t0),
    )
    .await
    .unwrap();
    let (raw, _) = zk[0].get("/lease/lease_holder").await.unwrap();
    assert_eq!(
        std::str::from_utf8(&raw).unwrap(),
        r#"{"version": 1, "holder": "db \"cleanup\"", "end": "2023-11-14T22:14:50"}"#
    );

    // What kazoo wrote is read: held by someone else until 2099.
    zk[0]
        .set(
            "/lease/lease_holder",
            r#"{"holder": "kazoo-host", "end": "2099-01-01T00:00:00", "version": 1}"#,
        )
        .await
        .unwrap();
    assert!(!NonBlockingLease::obtain(&zk[0], "/lease", HOUR, "me").await.unwrap().obtained());
    // Another format version is left alone (kazoo: "we need an upgrade").
    zk[0]
        .set(
            "/lease/lease_holder",
            r#"{"version": 2, "holder": "me", "end": "2000-01-01T00:00:00"}"#,
        )
        .await
        .unwrap();
    assert!(!NonBlockingLease::obtain(&zk[0], "/lease", HOUR, "me").await.unwrap().obtained());
    // An unreadable holder is an error, not a lease.
    zk[0].set("/lease/lease_holder", "garbage").await.unwrap();
    let err = NonBlockingLease::obtain(&zk[0], "/lease", HOUR, "me").await.unwrap_err();
    assert!(err.is_corrupt() && err.path() == Some("/lease"), "corrupt, not bad input: {err}");
    assert_eq!(
        zk[0].get("/lease/lease_holder").await.unwrap().0.as_ref(),
        b"garbage",
        "left alone"
    );
}

#[tokio::test]
async fn a_real_clock_lease_expires() {
    let zk = sessions("lease-clock", 2).await;
    let lease =
        NonBlockingLease::obtain(&zk[0], "/lease", Duration::from_secs(1), "a").await.unwrap();
    assert!(lease.obtained());
    assert!(!NonBlockingLease::obtain(&zk[1], "/lease", HOUR, "b").await.unwrap().obtained());
    // The end is stored to the second: at most two seconds from now.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(NonBlockingLease::obtain(&zk[1], "/lease", HOUR, "b").await.unwrap().obtained());
}

#[tokio::test]
async fn a_lease_released_early_is_free_for_others() {
    let zk = sessions("lease-release", 2).await;
    let lease = NonBlockingLease::obtain(&zk[0], "/lease", HOUR, "a").await.unwrap();
    assert!(!NonBlockingLease::obtain(&zk[1], "/lease", HOUR, "b").await.unwrap().obtained());
    assert!(lease.release().await.unwrap());
    assert!(!lease.release().await.unwrap(), "no longer held");
    let other = NonBlockingLease::obtain(&zk[1], "/lease", HOUR, "b").await.unwrap();
    assert!(other.obtained());
    assert!(!lease.release().await.unwrap(), "not this holder's to release");
    assert!(zk[0].exists("/lease/lease_holder").await.unwrap().is_some());
}

#[tokio::test]
async fn a_lease_decided_under_a_lock_held_elsewhere_is_not_obtained() {
    let zk = sessions("lease-locked", 2).await;
    zk[0].ensure_path("/lease").await.unwrap();
    let blocker = Lock::new(&zk[0], "/lease", "blocker");
    let guard = blocker.lock().await.unwrap();
    let options =
        LeaseOptions { lock_timeout: Duration::from_millis(300), ..LeaseOptions::default() };
    let began = Instant::now();
    let lease = NonBlockingLease::obtain_with(&zk[1], "/lease", HOUR, "b", &options).await.unwrap();
    assert!(!lease.obtained());
    assert!(began.elapsed() < Duration::from_secs(5));
    guard.release().await.unwrap();
    assert!(
        NonBlockingLease::obtain_with(&zk[1], "/lease", HOUR, "b", &options)
            .await
            .unwrap()
            .obtained()
    );
    assert_eq!(kids(&zk[0], "/lease").await, ["lease_holder"], "no contender node left");
}

#[tokio::test]
async fn a_multi_lease_hands_out_count_leases() {
    let zk = sessions("multi-lease", 3).await;
    let mut got = Vec::new();
    for (i, client) in zk.iter().enumerate() {
        let lease = MultiNonBlockingLease::obtain(client, 2, "/multi", HOUR, &format!("host-{i}"))
            .await
            .unwrap();
        got.push((lease.obtained(), lease.index()));
        if let Some(lease) = lease.lease() {
            assert_eq!(lease.path(), format!("/multi/{}", i));
        }
    }
    assert_eq!(got, [(true, Some(0)), (true, Some(1)), (false, None)]);
    // A holder renewing gets its own slot back.
    let renewed = MultiNonBlockingLease::obtain(&zk[1], 2, "/multi", HOUR, "host-1").await.unwrap();
    assert_eq!(renewed.index(), Some(1));
}

#[tokio::test]
async fn leases_fail_at_once_on_stopped_and_unstarted_clients() {
    for zk in dead_clients("lease-dead").await {
        let began = Instant::now();
        assert_closed("obtain", began, NonBlockingLease::obtain(&zk, "/lease", HOUR, "a").await);
        assert_closed(
            "multi",
            began,
            MultiNonBlockingLease::obtain(&zk, 2, "/multi", HOUR, "a").await,
        );
    }
}

#[test]
fn blocking_leases() {
    let zk = blocking_sessions("lease-blocking", 2);
    let lease =
        zookit_recipes::blocking::NonBlockingLease::obtain(&zk[0], "/lease", HOUR, "a").unwrap();
    assert!(lease.obtained());
    assert!(
        !zookit_recipes::blocking::NonBlockingLease::obtain(&zk[1], "/lease", HOUR, "b")
            .unwrap()
            .obtained()
    );
    assert!(lease.release().unwrap());
    let multi =
        zookit_recipes::blocking::MultiNonBlockingLease::obtain(&zk[1], 3, "/multi", HOUR, "b")
            .unwrap();
    assert_eq!(multi.index(), Some(0));
    assert!(multi.lease().unwrap().end().is_some());
}

#[test]
fn blocking_leases_fail_at_once_on_stopped_and_unstarted_clients() {
    for zk in dead_blocking_clients("lease-blocking-dead") {
        let began = Instant::now();
        assert_closed(
            "obtain",
            began,
            zookit_recipes::blocking::NonBlockingLease::obtain(&zk, "/lease", HOUR, "a"),
        );
    }
}
