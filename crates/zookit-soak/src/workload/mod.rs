//! A worker process: zookit clients, async and blocking, running a random
//! mix of operations until told to stop, everything recorded in its
//! history file.

pub(crate) mod creates;
mod holds;
mod memory;
mod recorder;
mod registers;
mod registry;
mod tree;
mod watches;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;
use zookit::{Client, ClientState};
use zookit_soak::history::{Entry, HistoryWriter, now_us};

pub(crate) use creates::SEQUENTIAL_PARENTS;
pub(crate) use recorder::Recorder;

/// The session timeout every client asks for.
pub(crate) const SESSION_TIMEOUT: Duration = Duration::from_secs(4);
/// The bound of a plain request: three session timeouts (a request waits
/// while its client reconnects, at most until the session is lost).
pub(crate) const OP_BOUND: Duration = Duration::from_secs(12);
/// How long a recipe waits for a lock or a lease.
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// The registers' count.
pub(crate) const REGISTERS: usize = 3;
/// The registers' initial value.
pub(crate) const INITIAL: &str = "init";

/// What the worker was told.
#[derive(Clone, Debug)]
pub(crate) struct WorkerArgs {
    pub(crate) name: String,
    pub(crate) hosts: String,
    pub(crate) root: String,
    pub(crate) dir: PathBuf,
    pub(crate) seed: u64,
}

/// What the tasks share.
pub(crate) struct Ctx {
    pub(crate) rec: Recorder,
    pub(crate) name: String,
    pub(crate) root: String,
    stopping: AtomicBool,
    unique: AtomicU64,
    seed: u64,
}

impl Ctx {
    pub(crate) fn running(&self) -> bool {
        !self.stopping.load(Ordering::Relaxed)
    }

    /// A value no other operation of the run writes.
    pub(crate) fn unique(&self, tag: &str) -> String {
        format!("{}-{tag}-{}", self.name, self.unique.fetch_add(1, Ordering::Relaxed))
    }

    /// A random generator for a task, from the run's seed.
    pub(crate) fn rng(&self, task: u64) -> StdRng {
        let name_hash =
            self.name.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
        StdRng::seed_from_u64(
            self.seed ^ name_hash.rotate_left(17) ^ task.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        )
    }

    pub(crate) fn path(&self, rest: &str) -> String {
        format!("{}/{rest}", self.root)
    }
}

/// An async client shared by tasks, restarted when its session ends.
pub(crate) struct Conn {
    pub(crate) zk: Client,
    restarting: tokio::sync::Mutex<()>,
}

impl Conn {
    /// After an error: a new session if the old one ended; a short pause.
    pub(crate) async fn recover(&self) {
        {
            let _one = self.restarting.lock().await;
            if matches!(self.zk.client_state(), ClientState::Expired | ClientState::Closed) {
                let _ = tokio::time::timeout(OP_BOUND, self.zk.restart()).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// After an error on a blocking client: a new session if the old one
/// ended; a short pause.
pub(crate) fn recover_blocking(zk: &zookit::blocking::Client) {
    if matches!(zk.client_state(), ClientState::Expired | ClientState::Closed) {
        let _ = zk.restart();
    }
    std::thread::sleep(Duration::from_millis(50));
}

async fn connect(hosts: &str) -> Conn {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match Client::builder(hosts).session_timeout(SESSION_TIMEOUT).connect().await {
            Ok(zk) => return Conn { zk, restarting: tokio::sync::Mutex::new(()) },
            Err(e) if Instant::now() < deadline => {
                eprintln!("soak worker: connecting: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("soak worker: no session within 120 s: {e}"),
        }
    }
}

fn connect_blocking(hosts: &str) -> zookit::blocking::Client {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let built = zookit::blocking::Client::builder(hosts)
            .session_timeout(SESSION_TIMEOUT)
            .command_timeout(OP_BOUND)
            .connect();
        match built {
            Ok(zk) => return zk,
            Err(e) if Instant::now() < deadline => {
                eprintln!("soak worker: connecting: {e}");
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("soak worker: no session within 120 s: {e}"),
        }
    }
}

/// Writes each client's session id and password where the nemesis finds
/// them (`sessions/<worker>-<client>`), every second.
async fn publish_sessions(ctx: Arc<Ctx>, dir: PathBuf, clients: Vec<(String, Client)>) {
    while ctx.running() {
        for (label, zk) in &clients {
            if let Some((id, password)) = zk.client_id() {
                let hex: String = password.iter().map(|b| format!("{b:02x}")).collect();
                let file = dir.join(format!("{}-{label}", ctx.name));
                let _ = std::fs::write(file, format!("{id} {hex}\n"));
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Runs a worker until `<dir>/stop` exists.
pub(crate) fn run(args: WorkerArgs) {
    let history = args.dir.join("history").join(format!("{}.jsonl", args.name));
    let out = HistoryWriter::create(&history).expect("the history file");
    let ctx = Arc::new(Ctx {
        rec: Recorder::new(out),
        name: args.name.clone(),
        root: args.root.clone(),
        stopping: AtomicBool::new(false),
        unique: AtomicU64::new(0),
        seed: args.seed,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(work(ctx, args));
}

async fn work(ctx: Arc<Ctx>, args: WorkerArgs) {
    let hosts = args.hosts.as_str();
    let (a, b, w1, w2, w3) = tokio::join!(
        connect(hosts),
        connect(hosts),
        connect(hosts),
        connect(hosts),
        connect(hosts)
    );
    let (a, b, w1, w2, w3) = (Arc::new(a), Arc::new(b), Arc::new(w1), Arc::new(w2), Arc::new(w3));
    let blocking_hosts = hosts.to_string();
    // The blocking client refuses to be made or used on a runtime's
    // threads: a thread of its own.
    let connecting = std::thread::spawn(move || Arc::new(connect_blocking(&blocking_hosts)));
    let blocking = tokio::task::spawn_blocking(move || connecting.join())
        .await
        .expect("connecting")
        .expect("connecting");
    let sessions = vec![
        ("a".to_string(), a.zk.clone()),
        ("b".to_string(), b.zk.clone()),
        ("w1".to_string(), w1.zk.clone()),
        ("w2".to_string(), w2.zk.clone()),
        ("w3".to_string(), w3.zk.clone()),
        ("blocking".to_string(), blocking.async_client().clone()),
    ];
    // SOAK_ONLY=registers,creates,... runs only those groups (to find
    // which one a finding comes from); all by default.
    let only = std::env::var("SOAK_ONLY").ok();
    let on = |group: &str| only.as_deref().is_none_or(|o| o.split(',').any(|g| g == group));
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(publish_sessions(ctx.clone(), args.dir.join("sessions"), sessions));
    tasks.spawn(memory::sample(ctx.clone()));
    if on("registers") {
        tasks.spawn(registers::cas(ctx.clone(), a.clone(), 1, false));
        tasks.spawn(registers::cas(ctx.clone(), b.clone(), 2, true));
    }
    if on("creates") {
        tasks.spawn(creates::run(ctx.clone(), a.clone(), 3));
    }
    if on("locks") {
        tasks.spawn(holds::lock(ctx.clone(), a.clone(), 4));
    }
    if on("semaphores") {
        tasks.spawn(holds::semaphore(ctx.clone(), a.clone(), 5));
        tasks.spawn(holds::semaphore(ctx.clone(), b.clone(), 6));
    }
    if on("leases") {
        tasks.spawn(holds::lease(ctx.clone(), b.clone(), 7));
    }
    if on("registry") {
        tasks.spawn(registry::run(ctx.clone(), b.clone(), 8));
    }
    if on("watches") {
        tasks.spawn(watches::one_shot(ctx.clone(), w1.clone(), 9));
        tasks.spawn(watches::persistent(ctx.clone(), w2.clone(), 10, false));
        tasks.spawn(watches::persistent(ctx.clone(), w3.clone(), 11, true));
    }
    let cache =
        if on("tree") { tree::start(ctx.clone(), w3.clone(), a.clone()).await } else { None };
    if on("tree") {
        tasks.spawn(tree::mutate(ctx.clone(), a.clone(), 12));
    }
    let mut threads = Vec::new();
    if on("blocking") {
        let (cas_ctx, cas_zk) = (ctx.clone(), blocking.clone());
        threads.push(std::thread::spawn(move || registers::cas_blocking(&cas_ctx, &cas_zk, 13)));
        let (lock_ctx, lock_zk) = (ctx.clone(), blocking.clone());
        threads.push(std::thread::spawn(move || holds::lock_blocking(&lock_ctx, &lock_zk, 14)));
    }
    let stop_file = args.dir.join("stop");
    while !stop_file.exists() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    ctx.stopping.store(true, Ordering::Relaxed);
    while tasks.join_next().await.is_some() {}
    for thread in threads {
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
    if let Some(cache) = cache {
        tree::compare_at_end(&ctx, &cache, &a).await;
    }
    ctx.rec.write(&Entry::Finished { time: now_us() });
    for conn in [&a, &b, &w1, &w2, &w3] {
        let _ = tokio::time::timeout(Duration::from_secs(5), conn.zk.stop()).await;
    }
    let stopping = std::thread::spawn(move || blocking.stop());
    let _ = tokio::task::spawn_blocking(move || stopping.join()).await;
}
