//! Safety under faults: never two lock holders (never more than
//! `max_leases`, never two leaders) while leaders are killed and
//! connections cut or stalled; holders told at once when suspended or
//! lost; no recipe hanging on a stopped or never-started client; nothing
//! left behind.
//!
//! The fault tests record, for every holder, the interval from when its
//! recipe reported `Acquired` to when the holder released it or was told
//! it no longer holds it (`Suspended`, `Lost`), and check that the
//! intervals never overlap (more than allowed).

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zookit::{Client, ClientState};
use zookit_recipes::{Election, LatchEvent, LeaderLatch, Lock, LockState, Semaphore};
use zookit_testing::{Proxy, ServerKind, TestEnsemble, shared, unique_chroot};

use crate::locks::{WAIT, bounded, children, clients, eventually, no_children_left};

/// The session timeout of the clients under faults: short, so that
/// sessions expire within the test.
const SESSION_TIMEOUT: Duration = Duration::from_secs(4);
/// The contenders under faults.
const CONTENDERS: usize = 5;

/// An interval in which a contender held (as its recipe told it).
#[derive(Clone, Copy, Debug)]
struct Interval {
    who: usize,
    start: Instant,
    end: Instant,
}

/// Where contenders record their intervals.
#[derive(Clone, Default)]
struct Record {
    intervals: Arc<Mutex<Vec<Interval>>>,
    /// Per contender, how many of its holdings ended by being suspended or
    /// lost.
    interrupted: Arc<Mutex<[usize; CONTENDERS]>>,
}

impl Record {
    fn push(&self, who: usize, start: Instant, end: Instant) {
        self.intervals.lock().unwrap().push(Interval { who, start, end });
    }

    fn intervals(&self) -> Vec<Interval> {
        self.intervals.lock().unwrap().clone()
    }

    /// Contender `who`'s holding ended by a suspension or loss.
    fn interrupt(&self, who: usize) {
        self.interrupted.lock().unwrap()[who] += 1;
    }

    /// How many of `who`'s holdings ended by a suspension or loss.
    fn interrupted_of(&self, who: usize) -> usize {
        self.interrupted.lock().unwrap()[who]
    }

    /// How many holdings ended by a suspension or loss, in all.
    fn interrupted(&self) -> usize {
        self.interrupted.lock().unwrap().iter().sum()
    }

    /// Whether someone other than `who` started holding within `window`.
    fn acquired_by_another(&self, who: usize, window: (Instant, Instant)) -> bool {
        self.intervals().iter().any(|i| i.who != who && i.start >= window.0 && i.start <= window.1)
    }
}

/// How many times an aimed fault is tried before the test gives up on
/// hitting a holder with it.
const AIM_ATTEMPTS: usize = 8;

/// The largest number of intervals that overlap at some instant.
fn most_at_once(intervals: &[Interval]) -> (usize, Vec<Interval>) {
    let mut events: Vec<(Instant, i32, usize)> = Vec::new();
    for (i, interval) in intervals.iter().enumerate() {
        events.push((interval.start, 1, i));
        events.push((interval.end, -1, i));
    }
    // At the same instant, ends before starts: touching is not overlapping.
    events.sort_by_key(|&(at, delta, _)| (at, delta));
    let (mut now, mut most, mut open, mut worst) = (0usize, 0usize, Vec::new(), Vec::new());
    for (_, delta, i) in events {
        if delta > 0 {
            now += 1;
            open.push(i);
            if now > most {
                most = now;
                worst = open.iter().map(|&i| intervals[i]).collect();
            }
        } else {
            now -= 1;
            open.retain(|&j| j != i);
        }
    }
    (most, worst)
}

/// A small deterministic random sequence (xorshift), for hold times.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// How long contender `i` holds: mostly briefly, sometimes for longer than
/// the read timeout, so that faults catch holders; the solo contender (the
/// one whose session is made to expire) holds long every other time.
fn hold_time(i: usize, rng: &mut Rng) -> Duration {
    let long = if i == CONTENDERS - 1 { rng.below(2) == 0 } else { rng.below(10) == 0 };
    if long {
        Duration::from_millis(3500 + rng.below(2000))
    } else {
        Duration::from_millis(20 + rng.below(200))
    }
}

/// What a contender does after a recipe failed with `err`: restart an
/// expired (or given up) client, else pause a little.
async fn recover(client: &Client, err: &zookit_recipes::Error) {
    match client.client_state() {
        ClientState::Expired | ClientState::Closed => {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.restart()).await;
        }
        _ => {
            if !err.is_timeout() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// A 3-member ensemble with a proxy in front of each member, a fourth
/// proxy (`solo`) in front of a follower for the one contender that can
/// only reach the ensemble through it, and the contenders' clients.
struct Chaos {
    ensemble: Arc<TestEnsemble>,
    proxies: Vec<Proxy>,
    solo: Proxy,
    chroot: String,
    clients: Vec<Client>,
    /// A client straight to the ensemble, to look at the tree.
    observer: Client,
}

impl Chaos {
    async fn start(name: &str) -> Chaos {
        let ensemble = tokio::task::spawn_blocking(|| zookit_testing::builder().members(3).start())
            .await
            .unwrap()
            .expect("an ensemble");
        let ensemble = Arc::new(ensemble);
        let proxies: Vec<Proxy> =
            (0..3).map(|i| Proxy::start(ensemble.member_address(i)).unwrap()).collect();
        let leader = {
            let ensemble = Arc::clone(&ensemble);
            tokio::task::spawn_blocking(move || leader_of(&ensemble)).await.unwrap()
        };
        let follower = (0..3).find(|&i| Some(i) != leader).unwrap();
        let solo = Proxy::start(ensemble.member_address(follower)).unwrap();
        let chroot = unique_chroot(name);
        let mut clients = Vec::new();
        for i in 0..CONTENDERS {
            let hosts: Vec<String> = if i == CONTENDERS - 1 {
                vec![solo.addr().to_string()]
            } else {
                (0..3).map(|k| proxies[(i + k) % 3].addr().to_string()).collect()
            };
            let client = Client::builder(format!("{}{chroot}", hosts.join(",")))
                .session_timeout(SESSION_TIMEOUT)
                .connect()
                .await
                .expect("a contender connects");
            clients.push(client);
        }
        let observer = Client::connect(ensemble.connect_string_with_chroot(&chroot)).await.unwrap();
        observer.ensure_path("/").await.unwrap();
        Chaos { ensemble, proxies, solo, chroot, clients, observer }
    }

    /// Runs `contender` on every client while faults happen, then stops
    /// them (`stop` is set) and waits for them. `held` is what they
    /// contend for, to aim faults at its holders.
    async fn run<F, Fut>(&self, held: Held, record: &Record, contender: F)
    where
        F: Fn(usize, Client, Arc<AtomicBool>, Record) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = self
            .clients
            .iter()
            .enumerate()
            .map(|(i, client)| {
                tokio::spawn(contender(i, client.clone(), Arc::clone(&stop), record.clone()))
            })
            .collect();
        self.faults(held, record).await;
        stop.store(true, Ordering::SeqCst);
        for task in tasks {
            bounded("a contender stops", task).await.unwrap();
        }
    }

    /// The contenders holding `held` now (by their identifiers `c{i}`).
    async fn holders(&self, held: Held) -> Vec<usize> {
        let identifiers = match held {
            Held::Lock(path) => Lock::new(&self.observer, path, "")
                .contenders()
                .await
                .map(|c| c.into_iter().take(1).collect()),
            Held::Semaphore(path) => {
                Semaphore::new(&self.observer, path, "", 1).lease_holders().await
            }
        };
        identifiers
            .unwrap_or_default()
            .iter()
            .filter_map(|id| id.strip_prefix('c')?.parse().ok())
            .collect()
    }

    /// The proxy contender `i` is connected through now.
    fn proxy_of(&self, i: usize) -> Option<&Proxy> {
        let server = self.clients[i].server()?;
        self.proxies.iter().chain([&self.solo]).find(|p| p.addr().to_string() == server)
    }

    /// Waits (a while) for a holder among `among` that has held for half
    /// a second (a long holding, likely to last through the fault), and
    /// returns it and its proxy.
    async fn holders_proxy(&self, held: Held, among: &[usize]) -> Option<(usize, &Proxy)> {
        let deadline = Instant::now() + Duration::from_secs(6);
        while Instant::now() < deadline {
            let before = self.holders(held).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            for i in self.holders(held).await {
                if among.contains(&i) && before.contains(&i) {
                    if let Some(proxy) = self.proxy_of(i) {
                        return Some((i, proxy));
                    }
                }
            }
        }
        None
    }

    /// The faults, about 20 s of them: each aimed one is tried until it
    /// interrupts the holding it was aimed at (a holding may end by itself
    /// just before the fault), and the test fails if none does.
    async fn faults(&self, held: Held, record: &Record) {
        let all: Vec<usize> = (0..CONTENDERS - 1).collect();
        self.aimed("cutting the connection", held, record, &all, |proxy| async move {
            proxy.drop_connections();
        })
        .await;
        self.aimed(
            "stalling the connection past the read timeout",
            held,
            record,
            &all,
            |proxy| async move {
                proxy.stall();
                tokio::time::sleep(Duration::from_millis(3500)).await;
                proxy.pass();
            },
        )
        .await;
        let leader = self.leader().await;
        eprintln!("{}: killing the leader, member {leader}", self.chroot);
        let ensemble = Arc::clone(&self.ensemble);
        tokio::task::spawn_blocking(move || ensemble.kill(leader)).await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let ensemble = Arc::clone(&self.ensemble);
        bounded(
            "the old leader serves again",
            tokio::task::spawn_blocking(move || ensemble.restart(leader)),
        )
        .await
        .unwrap()
        .unwrap();
        // The solo contender holds, loses its session while stalled, and
        // another contender takes over meanwhile.
        let solo = CONTENDERS - 1;
        let window = Mutex::new(None);
        self.aimed(
            "stalling the connection past the session timeout",
            held,
            record,
            &[solo],
            |proxy| {
                let window = &window;
                async move {
                    let start = Instant::now();
                    proxy.stall();
                    tokio::time::sleep(SESSION_TIMEOUT + Duration::from_millis(1500)).await;
                    proxy.pass();
                    *window.lock().unwrap() = Some((start, Instant::now()));
                }
            },
        )
        .await;
        let window = window.lock().unwrap().expect("the solo stall ran");
        assert!(
            record.acquired_by_another(solo, window),
            "{}: no other contender acquired while the solo contender was stalled",
            self.chroot
        );
        eprintln!("{}: cutting every connection", self.chroot);
        for proxy in &self.proxies {
            proxy.drop_connections();
        }
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }

    /// Runs `fault` on the proxy of a holder among `among` (one that has
    /// held for half a second) until the holding is interrupted by it.
    async fn aimed<'a, F, Fut>(
        &'a self,
        what: &str,
        held: Held,
        record: &Record,
        among: &[usize],
        fault: F,
    ) where
        F: Fn(&'a Proxy) -> Fut,
        Fut: Future<Output = ()>,
    {
        for attempt in 1..=AIM_ATTEMPTS {
            let Some((i, proxy)) = self.holders_proxy(held, among).await else {
                eprintln!("{}: {what}: no holder found (attempt {attempt})", self.chroot);
                continue;
            };
            let before = record.interrupted_of(i);
            eprintln!("{}: {what} of holder c{i} (attempt {attempt})", self.chroot);
            fault(proxy).await;
            let deadline = Instant::now() + Duration::from_secs(3);
            while record.interrupted_of(i) == before && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if record.interrupted_of(i) > before {
                return;
            }
        }
        panic!("{}: {what}: no attempt interrupted a holder", self.chroot);
    }

    /// The ensemble's leader, waiting (a bounded while) for one.
    async fn leader(&self) -> usize {
        let deadline = Instant::now() + WAIT;
        loop {
            let ensemble = Arc::clone(&self.ensemble);
            let leader = tokio::task::spawn_blocking(move || leader_of(&ensemble));
            if let Some(leader) = leader.await.unwrap() {
                return leader;
            }
            assert!(Instant::now() < deadline, "{}: no leader within {WAIT:?}", self.chroot);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until every client is connected again, then until `path` has
    /// no children: nothing was left behind by live sessions.
    async fn check_nothing_left(&self, path: &str) {
        for client in &self.clients {
            eventually("a contender reconnects", WAIT, || async {
                if client.client_state() == ClientState::Expired {
                    let _ = client.restart().await;
                }
                client.client_state() == ClientState::Connected
            })
            .await;
        }
        no_children_left(&self.observer, path).await;
    }
}

/// The member to kill as the leader: Apache ZooKeeper's leader (`None`
/// while electing). The embedded server's simulated ensemble has none: its
/// first member stands in, and its clients fail over all the same.
fn leader_of(ensemble: &TestEnsemble) -> Option<usize> {
    match ensemble.kind() {
        ServerKind::Apache => ensemble.leader(),
        ServerKind::Embedded => Some(0),
    }
}

/// What the contenders contend for.
#[derive(Clone, Copy, Debug)]
enum Held {
    /// A lock (or an election) at this path.
    Lock(&'static str),
    /// A semaphore at this path.
    Semaphore(&'static str),
}

/// Checks the recorded intervals: at most `allowed` at once, and enough of
/// them to mean something.
fn check(what: &str, record: &Record, allowed: usize) {
    let intervals = record.intervals();
    let (most, worst) = most_at_once(&intervals);
    let holders: std::collections::BTreeSet<usize> = intervals.iter().map(|i| i.who).collect();
    let interrupted = record.interrupted();
    eprintln!(
        "{what}: {} holdings by {} contenders, {interrupted} ended by a suspension or loss, at most {most} at once",
        intervals.len(),
        holders.len(),
    );
    assert!(most <= allowed, "{what}: {most} holders at once (allowed {allowed}): {worst:?}");
    assert!(intervals.len() >= 6, "{what}: only {} holdings", intervals.len());
    assert!(holders.len() >= 2, "{what}: only {holders:?} held");
    assert!(interrupted >= 1, "{what}: no fault interrupted a holding");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lock_never_has_two_holders_under_faults() {
    let started = Instant::now();
    let chaos = Chaos::start("safety-lock").await;
    let record = Record::default();
    chaos
        .run(Held::Lock("/lock"), &record, |i, client, stop, record| async move {
            let lock = Lock::new(&client, "/lock", format!("c{i}"));
            if std::env::var_os("SAFETY_DEBUG").is_some() {
                let mut states = lock.states();
                let t0 = Instant::now();
                tokio::spawn(async move {
                    while let Some(s) = states.next().await {
                        if s != LockState::Acquired && s != LockState::Released {
                            eprintln!("{:?} c{i} {s}", t0.elapsed());
                        }
                    }
                });
            }
            let mut rng = Rng(0x9e37_79b9 + i as u64);
            while !stop.load(Ordering::SeqCst) {
                match lock.acquire(true, Some(Duration::from_secs(2))).await {
                    Ok(true) => {
                        let hold = hold_time(i, &mut rng);
                        let mut states = lock.states();
                        hold_while_acquired(
                            i,
                            &record,
                            hold,
                            || lock.state(),
                            || lock.lost(),
                            &mut states,
                        )
                        .await;
                        let _ = lock.release().await;
                    }
                    Ok(false) => {}
                    Err(err) => recover(&client, &err).await,
                }
            }
        })
        .await;
    chaos.check_nothing_left("/lock").await;
    check("lock", &record, 1);
    eprintln!("lock safety: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_semaphore_never_has_more_than_max_leases_holders_under_faults() {
    let started = Instant::now();
    let chaos = Chaos::start("safety-semaphore").await;
    let record = Record::default();
    chaos
        .run(Held::Semaphore("/sem"), &record, |i, client, stop, record| async move {
            let semaphore = Semaphore::new(&client, "/sem", format!("c{i}"), 2);
            let mut rng = Rng(0x7f4a_7c15 + i as u64);
            while !stop.load(Ordering::SeqCst) {
                match semaphore.acquire(true, Some(Duration::from_secs(2))).await {
                    Ok(true) => {
                        let hold = hold_time(i, &mut rng);
                        let mut states = semaphore.states();
                        hold_while_acquired(
                            i,
                            &record,
                            hold,
                            || semaphore.state(),
                            || semaphore.lost(),
                            &mut states,
                        )
                        .await;
                        let _ = semaphore.release().await;
                    }
                    Ok(false) => {}
                    Err(err) => recover(&client, &err).await,
                }
            }
        })
        .await;
    chaos.check_nothing_left("/sem").await;
    no_children_left(&chaos.observer, "/sem-__lock__").await;
    check("semaphore", &record, 2);
    eprintln!("semaphore safety: {:?}", started.elapsed());
}

/// Holds for `hold` in all, recording every interval in which `state()`
/// is `Acquired`: a suspension ends one, and a holding that comes back
/// (the session reconnected in time) starts another; waits at most the
/// session timeout for it to come back.
async fn hold_while_acquired<S, L, Fut>(
    who: usize,
    record: &Record,
    hold: Duration,
    state: S,
    lost: L,
    states: &mut zookit_recipes::LockStates,
) where
    S: Fn() -> LockState,
    L: Fn() -> Fut,
    Fut: Future<Output = LockState>,
{
    let until = tokio::time::Instant::now() + hold;
    loop {
        if state() == LockState::Acquired {
            let start = Instant::now();
            tokio::select! {
                () = tokio::time::sleep_until(until) => {
                    record.push(who, start, Instant::now());
                    return;
                }
                _ = lost() => {
                    record.push(who, start, Instant::now());
                    record.interrupt(who);
                }
            }
        }
        if state() != LockState::Suspended {
            return;
        }
        // Suspended: held again if the session survives.
        match tokio::time::timeout_at(until + SESSION_TIMEOUT, states.next()).await {
            Ok(Some(_)) => {}
            _ => return,
        }
    }
}

/// Waits for the first `NotLeader` on `events`.
async fn not_leader(events: &mut zookit_recipes::LatchEvents) {
    while let Some(event) = events.next().await {
        if event == LatchEvent::NotLeader {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_election_never_has_two_leaders_under_faults() {
    let started = Instant::now();
    let chaos = Chaos::start("safety-election").await;
    let record = Record::default();
    chaos
        .run(Held::Lock("/election"), &record, |i, client, stop, record| async move {
            let mut rng = Rng(0x2545_f491 + i as u64);
            let id = format!("c{i}");
            while !stop.load(Ordering::SeqCst) {
                let hold = hold_time(i, &mut rng);
                if i % 2 == 0 {
                    // Curator's LeaderLatch, leaving after a while.
                    let latch = LeaderLatch::new(&client, "/election", id.as_str());
                    let mut events = latch.events();
                    latch.start().unwrap();
                    match latch.wait_for_leadership(Some(Duration::from_secs(2))).await {
                        Ok(true) => {
                            // Leads, maybe with interruptions, for `hold`.
                            let until = tokio::time::Instant::now() + hold;
                            loop {
                                while events.try_next().is_some() {}
                                if latch.has_leadership() {
                                    let start = Instant::now();
                                    tokio::select! {
                                        () = tokio::time::sleep_until(until) => {
                                            record.push(i, start, Instant::now());
                                            break;
                                        }
                                        () = not_leader(&mut events) => {
                                            record.push(i, start, Instant::now());
                                            record.interrupt(i);
                                        }
                                    }
                                }
                                // Not leading: wait for leadership to come back.
                                let back =
                                    tokio::time::timeout_at(until + SESSION_TIMEOUT, events.next())
                                        .await;
                                if !matches!(back, Ok(Some(_))) {
                                    break;
                                }
                            }
                        }
                        Ok(false) => {}
                        Err(err) => recover(&client, &err).await,
                    }
                    let _ = latch.close().await;
                } else {
                    // kazoo's Election, cancelled if not elected in time.
                    let election = Election::new(&client, "/election", id.as_str());
                    let canceller = {
                        let election = election.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_secs(2)).await;
                            election.cancel();
                        })
                    };
                    let record = record.clone();
                    let ran = election
                        .run(|leadership| async move {
                            if leadership.is_leader() {
                                let start = Instant::now();
                                tokio::select! {
                                    () = tokio::time::sleep(hold) => {}
                                    _ = leadership.lost() => {
                                        record.interrupt(i);
                                    }
                                }
                                record.push(i, start, Instant::now());
                            }
                        })
                        .await;
                    canceller.abort();
                    if let Err(err) = ran {
                        if !err.is_cancelled() {
                            recover(&client, &err).await;
                        }
                    }
                }
            }
        })
        .await;
    chaos.check_nothing_left("/election").await;
    check("election", &record, 1);
    eprintln!("election safety: {:?}", started.elapsed());
}

// ---- told at once ----

/// A client of the shared server through `proxy` only, and one straight to
/// it, in one fresh chroot.
async fn proxied(name: &str, proxy: &Proxy, session_timeout: Duration) -> (Client, Client) {
    let chroot = unique_chroot(name);
    let direct = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    direct.ensure_path("/").await.unwrap();
    let client = Client::builder(format!("{}{chroot}", proxy.addr()))
        .session_timeout(session_timeout)
        .connect()
        .await
        .unwrap();
    (client, direct)
}

#[tokio::test]
async fn a_holder_is_told_when_suspended_and_when_lost() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let (zk, direct) = proxied("told", &proxy, Duration::from_secs(3)).await;
    let lock = Lock::new(&zk, "/lock", "holder");
    let rival = Lock::new(&direct, "/lock", "rival");
    let guard = bounded("lock", lock.lock()).await.unwrap();
    let node = lock.node().unwrap();
    let mut states = lock.states();

    // A cut: suspended at once, acquired again on the same session.
    proxy.drop_connections();
    assert_eq!(bounded("suspended", states.next()).await, Some(LockState::Suspended));
    assert_eq!(bounded("acquired again", states.next()).await, Some(LockState::Acquired));
    assert!(guard.is_acquired());
    assert_eq!(lock.node().as_deref(), Some(node.as_str()), "the same node");
    assert!(!rival.acquire(false, None).await.unwrap(), "still held");

    // A stall past the session timeout: suspended within the read
    // timeout, lost at the session timeout; the rival gets the lock only
    // after the holder was told.
    let rival_waits = {
        let rival = rival.clone();
        tokio::spawn(async move {
            let acquired = rival.acquire(true, None).await;
            (acquired, Instant::now())
        })
    };
    proxy.stall();
    let stalled = Instant::now();
    assert_eq!(bounded("suspended", states.next()).await, Some(LockState::Suspended));
    let told = Instant::now();
    assert_eq!(guard.lost().await, LockState::Suspended);
    assert!(
        told - stalled < Duration::from_secs(3),
        "told within the read timeout: {:?}",
        told - stalled
    );
    assert_eq!(bounded("lost", states.next()).await, Some(LockState::Lost));
    assert_eq!(guard.state(), LockState::Lost);
    let (acquired, at) = bounded("the rival", rival_waits).await.unwrap();
    assert!(acquired.unwrap());
    assert!(at > told, "the rival acquired after the holder was told");
    proxy.pass();
    eventually("expired", WAIT, || async { zk.client_state() == ClientState::Expired }).await;
    assert!(!lock.release().await.unwrap(), "nothing to release");
    drop(guard);
    let err = lock.acquire(true, None).await.unwrap_err();
    assert!(err.is_session_expired(), "a clear error: {err}");

    zk.restart().await.unwrap();
    rival.release().await.unwrap();
    assert!(bounded("acquired on the new session", lock.acquire(true, None)).await.unwrap());
    assert_eq!(lock.state(), LockState::Acquired);
    lock.release().await.unwrap();
    no_children_left(&direct, "/lock").await;
}

#[tokio::test]
async fn a_semaphore_holder_is_told_when_its_client_stops() {
    let zk = clients("told-stop", 1).await;
    let semaphore = Semaphore::new(&zk[0], "/sem", "holder", 1);
    let lease = semaphore.lease().await.unwrap();
    zk[0].stop().await.unwrap();
    assert_eq!(bounded("lost", lease.lost()).await, LockState::Lost);
    assert_eq!(semaphore.state(), LockState::Lost);
}

// ---- no hangs ----

/// Asserts that `future` fails at once because the client is closed.
async fn fails_closed<T: std::fmt::Debug>(
    what: &str,
    future: impl Future<Output = zookit_recipes::Result<T>>,
) {
    let err = tokio::time::timeout(Duration::from_secs(5), future)
        .await
        .unwrap_or_else(|_| panic!("{what}: hangs"))
        .expect_err(what);
    assert!(err.is_closed(), "{what}: {err}");
    assert!(err.to_string().contains("closed"), "{what}: {err}");
}

async fn every_recipe_fails_closed(client: &Client) {
    fails_closed("Lock::acquire", Lock::new(client, "/lock", "x").acquire(true, None)).await;
    fails_closed("Lock::lock", Lock::new(client, "/lock", "x").lock()).await;
    fails_closed("Lock::contenders", Lock::new(client, "/lock", "x").contenders()).await;
    fails_closed(
        "ReadLock",
        zookit_recipes::ReadLock::new(client, "/rw", "x").acquire(false, None),
    )
    .await;
    fails_closed("Semaphore::acquire", Semaphore::new(client, "/sem", "x", 2).acquire(true, None))
        .await;
    fails_closed(
        "Semaphore::lease_holders",
        Semaphore::new(client, "/sem", "x", 2).lease_holders(),
    )
    .await;
    fails_closed("Election::run", Election::new(client, "/election", "x").run(|_| async {})).await;
    let latch = LeaderLatch::new(client, "/latch", "x");
    latch.start().unwrap();
    fails_closed("LeaderLatch::wait_for_leadership", latch.wait_for_leadership(None)).await;
    bounded("close", latch.close()).await.unwrap();
    assert!(!Lock::new(client, "/lock", "x").release().await.unwrap());
}

#[tokio::test]
async fn recipes_fail_at_once_on_a_never_started_client() {
    let client = Client::builder(shared().connect_string_with_chroot(&unique_chroot("never")))
        .build()
        .unwrap();
    every_recipe_fails_closed(&client).await;
}

#[tokio::test]
async fn recipes_fail_at_once_on_a_stopped_client() {
    let zk = clients("stopped", 1).await;
    zk[0].stop().await.unwrap();
    every_recipe_fails_closed(&zk[0]).await;
}

#[tokio::test]
async fn waiting_recipes_fail_when_their_client_stops() {
    let zk = clients("stopping", 2).await;
    let (holder, waiter) = (&zk[0], &zk[1]);
    let lock = Lock::new(holder, "/lock", "holder");
    lock.acquire(true, None).await.unwrap();
    let semaphore = Semaphore::new(holder, "/sem", "holder", 1);
    semaphore.acquire(true, None).await.unwrap();
    let latch = LeaderLatch::new(holder, "/latch", "holder");
    latch.start().unwrap();
    assert!(latch.wait_for_leadership(Some(WAIT)).await.unwrap());

    let waiting_lock = {
        let lock = Lock::new(waiter, "/lock", "waiter");
        tokio::spawn(async move { lock.acquire(true, None).await })
    };
    let waiting_semaphore = {
        let semaphore = Semaphore::new(waiter, "/sem", "waiter", 1);
        tokio::spawn(async move { semaphore.acquire(true, None).await })
    };
    let waiting_election = {
        let election = Election::new(waiter, "/lock", "waiter");
        tokio::spawn(async move { election.run(|_| async {}).await })
    };
    let waiting_latch = LeaderLatch::new(waiter, "/latch", "waiter");
    waiting_latch.start().unwrap();
    let waiting_for_leadership = {
        let latch = waiting_latch.clone();
        tokio::spawn(async move { latch.wait_for_leadership(None).await })
    };
    eventually("all wait", WAIT, || async {
        children(holder, "/lock").await.len() == 3
            && children(holder, "/sem-__lock__").await.len() == 1
            && children(holder, "/latch").await.len() == 2
    })
    .await;
    waiter.stop().await.unwrap();
    fails_closed("a waiting lock", async { waiting_lock.await.unwrap() }).await;
    fails_closed("a waiting semaphore", async { waiting_semaphore.await.unwrap() }).await;
    fails_closed("a waiting election", async { waiting_election.await.unwrap() }).await;
    fails_closed("waiting for leadership", async { waiting_for_leadership.await.unwrap() }).await;
    bounded("close", waiting_latch.close()).await.unwrap();

    // The holders are untouched, and the waiters' nodes went with their
    // session.
    assert!(lock.is_acquired() && semaphore.is_acquired() && latch.has_leadership());
    assert_eq!(children(holder, "/lock").await.len(), 1);
    assert!(children(holder, "/sem-__lock__").await.is_empty());
    assert_eq!(children(holder, "/latch").await.len(), 1);

    // A holder whose client stops is told: lost.
    holder.stop().await.unwrap();
    assert_eq!(bounded("lost", lock.lost()).await, LockState::Lost);
    assert_eq!(bounded("lost", semaphore.lost()).await, LockState::Lost);
    eventually("not the leader", WAIT, || async { !latch.has_leadership() }).await;
    bounded("close", latch.close()).await.unwrap();
}

#[test]
fn blocking_recipes_fail_at_once_on_a_never_started_or_stopped_client() {
    let connect = shared().connect_string_with_chroot(&unique_chroot("blocking-never"));
    let never = zookit::blocking::Client::builder(connect.clone()).build().unwrap();
    let stopped = zookit::blocking::Client::connect(connect).unwrap();
    stopped.stop().unwrap();
    for client in [&never, &stopped] {
        let started = Instant::now();
        let lock = zookit_recipes::blocking::Lock::new(client, "/lock", "x");
        assert!(lock.acquire(true, None).unwrap_err().is_closed());
        assert!(lock.lock().unwrap_err().is_closed());
        let semaphore = zookit_recipes::blocking::Semaphore::new(client, "/sem", "x", 1);
        assert!(semaphore.acquire(true, None).unwrap_err().is_closed());
        let election = zookit_recipes::blocking::Election::new(client, "/election", "x");
        assert!(election.run(|_| ()).unwrap_err().is_closed());
        let latch = zookit_recipes::blocking::LeaderLatch::new(client, "/latch", "x");
        latch.start().unwrap();
        assert!(latch.wait_for_leadership(None).unwrap_err().is_closed());
        latch.close().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    }
}
