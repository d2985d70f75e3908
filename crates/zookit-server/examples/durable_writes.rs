//! Write throughput with every write synced to disk: the embedded server
//! on a data directory against Apache ZooKeeper with `forceSync=yes`, both
//! with their logs on the same disk (under `target/durable-bench`), both in
//! processes of their own, driven by zookit's client pipelining `setData`
//! of 100 bytes.
//!
//! ```text
//! cargo run --release -p zookit-server --example durable_writes -- [SETS] [ROUNDS]
//! ```
//!
//! Prints, per server and round, the sets per second of one client with
//! 256 requests in flight and of eight clients with 32 each. Apache
//! ZooKeeper comes from Debian's `zookeeper` package (`scripts/setup`).
//!
//! Its parts run alone too: `durable_writes --serve DIR always|never`
//! serves (until standard input closes) and `durable_writes --drive
//! HOST:PORT SETS` measures any server.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use zookit::Client;
use zookit_server::{Fsync, Server};
use zookit_testing::Ensemble;

/// Where the data directories go: on the disk the benchmark is about, not
/// on a `/tmp` that may be memory.
fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/durable-bench")
}

/// Serves on `dir` with `fsync` until standard input closes (the child
/// process's part).
fn serve(dir: &str, fsync: &str) {
    let fsync = if fsync == "never" { Fsync::Never } else { Fsync::Always };
    let server = Server::builder()
        .port(0)
        .data_dir(dir)
        .fsync(fsync)
        .start_blocking()
        .expect("the embedded server starts");
    println!("listening on {}", server.addr());
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

/// The embedded server in a process of its own.
struct Embedded(Child);

impl Embedded {
    fn start(dir: &Path, fsync: &str) -> (Self, String) {
        let _ = std::fs::remove_dir_all(dir);
        let mut child = Command::new(std::env::current_exe().expect("this program"))
            .args(["--serve", &dir.display().to_string(), fsync])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the embedded server process");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let addr = stdout
            .lines()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("listening on ").map(str::to_owned))
            .expect("the server's address");
        (Self(child), addr)
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// `sets` sets of 100 bytes through `clients` clients, `window` requests
/// in flight each; sets per second.
async fn run(hosts: &str, clients: usize, window: usize, sets: usize) -> f64 {
    let mut connected = Vec::new();
    for c in 0..clients {
        let zk = Client::connect(hosts.to_owned()).await.expect("connects");
        let _ = zk.create(&format!("/bench-{c}"), "").await;
        connected.push(zk);
    }
    let data = vec![b'x'; 100];
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (c, zk) in connected.iter().enumerate() {
        for _ in 0..window {
            let (zk, data, path) = (zk.clone(), data.clone(), format!("/bench-{c}"));
            let n = sets / clients / window;
            tasks.spawn(async move {
                for _ in 0..n {
                    zk.set(&path, &data).await.expect("set");
                }
            });
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a writer");
    }
    let rate =
        (sets / clients / window * clients * window) as f64 / started.elapsed().as_secs_f64();
    for zk in connected {
        let _ = tokio::time::timeout(Duration::from_secs(5), zk.close()).await;
    }
    rate
}

async fn measure(name: &str, hosts: &str, sets: usize) {
    // Warm-up, then the measured runs.
    run(hosts, 1, 64, sets / 4).await;
    let one = run(hosts, 1, 256, sets).await;
    let eight = run(hosts, 8, 32, sets).await;
    println!("{name:<34} 1 client x256: {one:>8.0} sets/s   8 clients x32: {eight:>8.0} sets/s");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, dir, fsync] = args.as_slice()
        && flag == "--serve"
    {
        return serve(dir, fsync);
    }
    if let [flag, hosts, sets] = args.as_slice()
        && flag == "--drive"
    {
        let sets = sets.parse().expect("SETS: a number");
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        return runtime.block_on(measure(hosts, hosts, sets));
    }
    let dir = bench_dir();
    std::fs::create_dir_all(&dir).expect("target/durable-bench");
    let tmp = dir.join("apache");
    std::fs::create_dir_all(&tmp).expect("target/durable-bench/apache");
    // Apache ZooKeeper's data directory is a temporary one: make it ours.
    if std::env::var_os("TMPDIR").is_none_or(|t| Path::new(&t) != tmp) {
        let status = Command::new(std::env::current_exe().expect("this program"))
            .args(&args)
            .env("TMPDIR", &tmp)
            .status()
            .expect("running again with TMPDIR");
        std::process::exit(status.code().unwrap_or(1));
    }
    let sets: usize = args.first().map_or(20_000, |n| n.parse().expect("SETS: a number"));
    let rounds: usize = args.get(1).map_or(3, |n| n.parse().expect("ROUNDS: a number"));
    println!("data under {} ({sets} sets per run)", dir.display());
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let apache = Ensemble::builder()
        .jvm_options(["-XX:+UseG1GC", "-Xms1g", "-Xmx1g"])
        .system_property("zookeeper.forceSync", "yes")
        .start()
        .expect("Apache ZooKeeper starts (scripts/setup installs it)");
    println!("Apache ZooKeeper's data: {}", apache.member_dir(0).display());
    for round in 1..=rounds {
        println!("round {round}");
        runtime.block_on(async {
            let (server, addr) = Embedded::start(&dir.join("embedded"), "always");
            measure("embedded, fsync always", &addr, sets).await;
            drop(server);
            measure("Apache ZooKeeper, forceSync=yes", &apache.connect_string(), sets).await;
            let (server, addr) = Embedded::start(&dir.join("embedded"), "never");
            measure("embedded, fsync never", &addr, sets).await;
            drop(server);
        });
    }
}
