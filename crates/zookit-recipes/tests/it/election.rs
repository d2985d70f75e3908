//! Election (kazoo's) and LeaderLatch (Curator's), async and blocking.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use zookit::Client;
use zookit_recipes::{Election, LatchEvent, LeaderLatch, Lock, LockState};
use zookit_testing::{Proxy, shared, unique_chroot};

use crate::locks::{
    WAIT, blocking_client, bounded, children, clients, eventually, no_children_left,
};

#[tokio::test]
async fn run_waits_until_elected_then_runs_and_steps_down() {
    let zk = clients("election-run", 2).await;
    let first = Election::new(&zk[0], "/election", "first");
    let second = Election::new(&zk[1], "/election", "second");
    let (elected, mut told) = tokio::sync::mpsc::unbounded_channel();
    let (step_down, stepped) = tokio::sync::oneshot::channel::<()>();

    let leading = {
        let (first, elected) = (first.clone(), elected.clone());
        tokio::spawn(async move {
            first
                .run(|leadership| async move {
                    assert!(leadership.is_leader());
                    elected.send("first").unwrap();
                    let _ = stepped.await;
                    "first's result"
                })
                .await
        })
    };
    assert_eq!(bounded("the first is elected", told.recv()).await, Some("first"));
    assert!(first.is_leader());
    let waiting = {
        let (second, elected) = (second.clone(), elected.clone());
        tokio::spawn(async move {
            second
                .run(|leadership| async move {
                    elected.send("second").unwrap();
                    leadership.state()
                })
                .await
        })
    };
    eventually("both take part", WAIT, || async { children(&zk[0], "/election").await.len() == 2 })
        .await;
    assert_eq!(second.contenders().await.unwrap(), ["first", "second"]);
    assert!(told.try_recv().is_err(), "the second waits");

    step_down.send(()).unwrap();
    assert_eq!(bounded("the first returns", leading).await.unwrap().unwrap(), "first's result");
    assert!(!first.is_leader());
    assert_eq!(bounded("the second is elected", told.recv()).await, Some("second"));
    assert_eq!(bounded("the second returns", waiting).await.unwrap().unwrap(), LockState::Acquired);
    no_children_left(&zk[0], "/election").await;
}

#[tokio::test]
async fn cancel_ends_a_run_waiting_to_be_elected() {
    let zk = clients("election-cancel", 2).await;
    let holder = Lock::new(&zk[0], "/election", "a lock holder");
    holder.acquire(true, None).await.unwrap();
    let election = Election::new(&zk[1], "/election", "candidate");
    let ran = Arc::new(AtomicBool::new(false));
    let waiting = {
        let (election, ran) = (election.clone(), Arc::clone(&ran));
        tokio::spawn(async move {
            election.run(|_| async move { ran.store(true, Ordering::SeqCst) }).await
        })
    };
    eventually("queued", WAIT, || async { children(&zk[0], "/election").await.len() == 2 }).await;
    assert_eq!(election.contenders().await.unwrap(), ["a lock holder", "candidate"]);
    election.cancel();
    let err = bounded("cancelled", waiting).await.unwrap().unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert!(!ran.load(Ordering::SeqCst), "never ran");
    holder.release().await.unwrap();
    no_children_left(&zk[0], "/election").await;
}

#[tokio::test]
async fn one_cancel_ends_a_run_made_before_it_even_if_not_yet_polled() {
    let zk = clients("election-cancel-early", 2).await;
    let holder = Lock::new(&zk[0], "/election", "a lock holder");
    holder.acquire(true, None).await.unwrap();
    let election = Election::new(&zk[1], "/election", "candidate");
    // The run is asked for, then cancelled before it sent anything.
    let run = election.run(|_| async {});
    election.cancel();
    let err = bounded("the cancelled run", run).await.unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert_eq!(err.path(), Some("/election"));
    holder.release().await.unwrap();
    no_children_left(&zk[0], "/election").await;
}

#[tokio::test]
async fn run_timeout_gives_up_when_not_elected_in_time() {
    let zk = clients("election-timeout", 2).await;
    let holder = Lock::new(&zk[0], "/election", "a lock holder");
    holder.acquire(true, None).await.unwrap();
    let election = Election::new(&zk[1], "/election", "candidate");
    let ran = Arc::new(AtomicBool::new(false));
    let run = {
        let ran = Arc::clone(&ran);
        election.run_timeout(Duration::from_millis(300), |_| async move {
            ran.store(true, Ordering::SeqCst);
        })
    };
    let err = bounded("the bounded run", run).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(err.to_string().starts_with("/election: "), "{err}");
    assert!(!ran.load(Ordering::SeqCst), "never ran");
    assert_eq!(children(&zk[0], "/election").await.len(), 1, "only the holder's node");

    holder.release().await.unwrap();
    let led = election.run_timeout(WAIT, |leadership| async move { leadership.is_leader() });
    assert!(bounded("elected in time", led).await.unwrap());
    no_children_left(&zk[0], "/election").await;
}

#[test]
fn the_blocking_election_is_bounded_and_one_cancel_ends_it() {
    let zk = blocking_client("blocking-election-bounds");
    let holder = zookit_recipes::blocking::Lock::new(&zk, "/election", "a lock holder");
    assert!(holder.acquire(true, Some(WAIT)).unwrap());
    let election = zookit_recipes::blocking::Election::new(&zk, "/election", "candidate");
    let err = election.run_timeout(Duration::from_millis(200), |_| ()).unwrap_err();
    assert!(err.is_timeout(), "{err}");

    let (done, outcome) = std::sync::mpsc::channel();
    let waiting = {
        let election = election.clone();
        std::thread::spawn(move || done.send(election.run(|_| ())).unwrap())
    };
    let queued = Instant::now();
    while zk.get_children("/election").unwrap().len() < 2 {
        assert!(queued.elapsed() < WAIT, "the candidate's node never came");
        std::thread::sleep(Duration::from_millis(20));
    }
    election.cancel();
    let ran = outcome.recv_timeout(WAIT).expect("one cancel ends the run");
    assert!(ran.unwrap_err().is_cancelled());
    waiting.join().unwrap();
    assert!(holder.release().unwrap());
    assert!(zk.get_children("/election").unwrap().is_empty());
}

#[tokio::test]
async fn a_latch_leads_until_closed_and_the_next_takes_over() {
    let zk = clients("latch", 3).await;
    let latches: Vec<LeaderLatch> = zk
        .iter()
        .enumerate()
        .map(|(i, c)| LeaderLatch::new(c, "/latch", format!("p{i}")))
        .collect();
    let err = latches[0].wait_for_leadership(Some(Duration::from_millis(10))).await.unwrap_err();
    assert!(err.is_not_running(), "not started: {err}");

    let mut events = latches[0].events();
    latches[0].start().unwrap();
    assert!(latches[0].start().is_err(), "started once");
    assert!(bounded("leads", latches[0].wait_for_leadership(None)).await.unwrap());
    assert!(latches[0].has_leadership());
    assert_eq!(bounded("the event", events.next()).await, Some(LatchEvent::IsLeader));

    let mut second_events = latches[1].events();
    latches[1].start().unwrap();
    eventually("the second takes part", WAIT, || async {
        children(&zk[0], "/latch").await.len() == 2
    })
    .await;
    latches[2].start().unwrap();
    eventually("all take part", WAIT, || async { children(&zk[0], "/latch").await.len() == 3 })
        .await;
    assert!(!latches[1].wait_for_leadership(Some(Duration::from_millis(200))).await.unwrap());
    assert!(!latches[1].has_leadership());
    assert_eq!(latches[2].participants().await.unwrap(), ["p0", "p1", "p2"]);
    assert_eq!(latches[2].leader().await.unwrap().as_deref(), Some("p0"));

    bounded("close", latches[0].close()).await.unwrap();
    assert!(!latches[0].has_leadership());
    assert_eq!(bounded("the loss", events.next()).await, Some(LatchEvent::NotLeader));
    assert!(latches[0].wait_for_leadership(None).await.is_err(), "closed");
    assert!(latches[0].start().is_err(), "a closed latch stays closed");
    assert_eq!(bounded("the next leads", second_events.next()).await, Some(LatchEvent::IsLeader));
    assert!(latches[1].has_leadership());
    assert_eq!(latches[2].leader().await.unwrap().as_deref(), Some("p1"));

    for latch in &latches[1..] {
        bounded("close", latch.close()).await.unwrap();
    }
    no_children_left(&zk[0], "/latch").await;
}

/// A client through `proxy` (and nothing else), of the shared server, in
/// `chroot`, with a short session timeout.
async fn through(proxy: &Proxy, chroot: &str, session_timeout: Duration) -> Client {
    let client = Client::builder(format!("{}{chroot}", proxy.addr()))
        .session_timeout(session_timeout)
        .connect()
        .await
        .expect("connects through the proxy");
    client.ensure_path("/").await.unwrap();
    client
}

#[tokio::test]
async fn a_latch_gives_up_leadership_while_suspended_and_takes_part_again_after_a_lost_session() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let chroot = unique_chroot("latch-faults");
    let zk = through(&proxy, &chroot, Duration::from_secs(3)).await;
    let direct = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    let latch = LeaderLatch::new(&zk, "/latch", "flaky");
    let other = LeaderLatch::new(&direct, "/latch", "steady");
    let mut events = latch.events();
    latch.start().unwrap();
    assert!(bounded("leads", latch.wait_for_leadership(None)).await.unwrap());
    assert_eq!(events.next().await, Some(LatchEvent::IsLeader));
    other.start().unwrap();
    eventually("both take part", WAIT, || async { children(&direct, "/latch").await.len() == 2 })
        .await;

    // A cut: not the leader while suspended, the leader again once back.
    proxy.drop_connections();
    assert_eq!(bounded("suspended", events.next()).await, Some(LatchEvent::NotLeader));
    assert_eq!(bounded("back", events.next()).await, Some(LatchEvent::IsLeader));
    assert!(!other.has_leadership());

    // A stall past the session timeout: the session expires, the other
    // participant leads; once restarted, the latch takes part again.
    proxy.stall();
    assert_eq!(bounded("suspended", events.next()).await, Some(LatchEvent::NotLeader));
    assert!(bounded("the other leads", other.wait_for_leadership(None)).await.unwrap());
    proxy.pass();
    eventually("expired", WAIT, || async { zk.client_state() == zookit::ClientState::Expired })
        .await;
    let err = latch.wait_for_leadership(Some(WAIT)).await.unwrap_err();
    assert!(err.is_session_expired(), "{err}");
    bounded("restart", zk.restart()).await.unwrap();
    eventually("takes part again", WAIT, || async { children(&direct, "/latch").await.len() == 2 })
        .await;
    assert_eq!(other.participants().await.unwrap(), ["steady", "flaky"]);
    bounded("close", other.close()).await.unwrap();
    assert!(bounded("leads again", latch.wait_for_leadership(None)).await.unwrap());
    bounded("close", latch.close()).await.unwrap();
    no_children_left(&direct, "/latch").await;
}

#[test]
fn the_blocking_election_and_latch() {
    let zk = blocking_client("blocking-election");
    let election = zookit_recipes::blocking::Election::new(&zk, "/election", "blocking");
    let value = election
        .run(|leadership| {
            assert!(leadership.is_leader());
            assert_eq!(leadership.wait_lost(Some(Duration::from_millis(20))).unwrap(), None);
            42
        })
        .unwrap();
    assert_eq!(value, 42);
    assert!(!election.is_leader());
    assert!(election.contenders().unwrap().is_empty());

    let latch = zookit_recipes::blocking::LeaderLatch::new(&zk, "/latch", "blocking-latch");
    let events = latch.events();
    latch.start().unwrap();
    assert!(latch.wait_for_leadership(Some(WAIT)).unwrap());
    assert!(latch.has_leadership());
    assert_eq!(events.recv_timeout(WAIT).unwrap(), Some(LatchEvent::IsLeader));
    assert_eq!(latch.participants().unwrap(), ["blocking-latch"]);
    latch.close().unwrap();
    assert_eq!(events.recv_timeout(WAIT).unwrap(), Some(LatchEvent::NotLeader));
    assert_eq!(events.recv_timeout(Duration::from_millis(20)).unwrap(), None);
    assert!(zk.get_children("/latch").unwrap().is_empty());
}
