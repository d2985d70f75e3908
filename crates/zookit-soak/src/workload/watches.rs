//! Watches of every kind, checked by reads: ZooKeeper sends a watch event
//! before the reply of any later read of the watcher's session, so once a
//! read sees a newer version than the watch was set at, the event (or a
//! reset or the session's end) must have arrived. A grace period makes a
//! late event an observation rather than a miss; none at all is a silent
//! miss.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use zookit::{AddWatchMode, PersistentWatch};

use super::recorder::{definite, nothing, other};
use super::{Conn, Ctx, OP_BOUND, REGISTERS};

/// How long an event may trail the read that saw its change.
const GRACE: Duration = Duration::from_secs(5);

/// One-shot data watches on the registers and child watches on the
/// ephemeral nodes' parent.
pub(crate) async fn one_shot(ctx: Arc<Ctx>, conn: Arc<Conn>, task: u64) {
    let mut rng = ctx.rng(task);
    let zk = &conn.zk;
    while ctx.running() {
        let children = rng.random_bool(0.3);
        let path = if children {
            ctx.path("ephemeral")
        } else {
            ctx.path(&format!("reg/r{}", rng.random_range(0..REGISTERS)))
        };
        let set = if children {
            let watch = zk.get_children_watch(&path);
            let r =
                ctx.rec.op(other("get_children_watch"), OP_BOUND, watch, definite, nothing).await;
            r.and_then(Result::ok).map(|(_, stat, watch)| (stat.cversion, watch))
        } else {
            let watch = zk.get_watch(&path);
            let r = ctx.rec.op(other("get_watch"), OP_BOUND, watch, definite, nothing).await;
            r.and_then(Result::ok).map(|(_, stat, watch)| (stat.version, watch))
        };
        let Some((before, mut watch)) = set else {
            conn.recover().await;
            continue;
        };
        tokio::time::sleep(Duration::from_millis(rng.random_range(20..400))).await;
        let after = if children {
            let read = zk.get_children_with_stat(&path);
            let r = ctx.rec.op(other("get_children"), OP_BOUND, read, definite, nothing).await;
            r.and_then(Result::ok).map(|(_, stat)| stat.cversion)
        } else {
            let r = ctx.rec.op(other("get"), OP_BOUND, zk.get(&path), definite, nothing).await;
            r.and_then(Result::ok).map(|(_, stat)| stat.version)
        };
        let Some(after) = after else {
            conn.recover().await;
            continue;
        };
        if after > before {
            let kind = if children { "children" } else { "one_shot" };
            let started = Instant::now();
            match tokio::time::timeout(GRACE, &mut watch).await {
                Ok(event) => {
                    let detail = format!("{:?} after {:?}", event.event_type, started.elapsed());
                    ctx.rec.watch_check(kind, &path, true, detail);
                }
                Err(_) => {
                    let detail =
                        format!("set at {before}, read {after}, no event within {GRACE:?}");
                    ctx.rec.watch_check(kind, &path, false, detail);
                }
            }
        }
    }
}

/// Events counted per path; resets and ends count for every path.
#[derive(Default)]
struct Counts {
    per_path: Mutex<HashMap<String, u64>>,
    ended: AtomicBool,
}

impl Counts {
    fn get(&self, path: &str) -> u64 {
        let per_path = self.per_path.lock().unwrap_or_else(|p| p.into_inner());
        per_path.get(path).copied().unwrap_or(0) + per_path.get("*").copied().unwrap_or(0)
    }

    fn bump(&self, path: &str) {
        let mut per_path = self.per_path.lock().unwrap_or_else(|p| p.into_inner());
        *per_path.entry(path.to_string()).or_default() += 1;
    }
}

async fn consume(ctx: Arc<Ctx>, mut watch: PersistentWatch, counts: Arc<Counts>) {
    while ctx.running() {
        tokio::select! {
            event = watch.next() => match event {
                Some(event) if event.is_terminal() => {
                    counts.bump("*");
                    counts.ended.store(true, Ordering::Relaxed);
                    return;
                }
                Some(event) if event.is_reset() => counts.bump("*"),
                Some(event) => counts.bump(event.path.as_deref().unwrap_or("*")),
                None => {
                    counts.ended.store(true, Ordering::Relaxed);
                    return;
                }
            },
            () = tokio::time::sleep(Duration::from_millis(300)) => {}
        }
    }
}

/// Persistent watches on each register, or one persistent recursive watch
/// on their parent.
pub(crate) async fn persistent(ctx: Arc<Ctx>, conn: Arc<Conn>, task: u64, recursive: bool) {
    let mut rng = ctx.rng(task);
    let zk = &conn.zk;
    let kind = if recursive { "persistent_recursive" } else { "persistent" };
    let registers: Vec<String> = (0..REGISTERS).map(|i| ctx.path(&format!("reg/r{i}"))).collect();
    while ctx.running() {
        // A new set of watches (at the start, and after the session ended).
        let counts = Arc::new(Counts::default());
        let targets: Vec<(String, AddWatchMode)> = if recursive {
            vec![(ctx.path("reg"), AddWatchMode::PersistentRecursive)]
        } else {
            registers.iter().map(|r| (r.clone(), AddWatchMode::Persistent)).collect()
        };
        let mut consumers = Vec::new();
        for (path, mode) in targets {
            let add = zk.add_watch(&path, mode);
            match ctx.rec.op(other("add_watch"), OP_BOUND, add, definite, nothing).await {
                Some(Ok(watch)) => {
                    consumers.push(tokio::spawn(consume(ctx.clone(), watch, counts.clone())))
                }
                _ => break,
            }
        }
        if consumers.len() < if recursive { 1 } else { REGISTERS } {
            for consumer in consumers {
                consumer.abort();
            }
            conn.recover().await;
            continue;
        }
        // path -> (version at the last read, count before that read)
        let mut last: HashMap<&str, (i32, u64)> = HashMap::new();
        while ctx.running() && !counts.ended.load(Ordering::Relaxed) {
            let register = &registers[rng.random_range(0..REGISTERS)];
            let before = counts.get(register);
            let read =
                ctx.rec.op(other("get"), OP_BOUND, zk.get(register), definite, nothing).await;
            let Some(Ok((_, stat))) = read else {
                conn.recover().await;
                continue;
            };
            if let Some(&(version, count)) = last.get(register.as_str()) {
                if stat.version > version {
                    let deadline = Instant::now() + GRACE;
                    while counts.get(register) <= count && Instant::now() < deadline {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    let ok = counts.get(register) > count;
                    let detail = format!(
                        "version {version} -> {}, events {count} -> {}",
                        stat.version,
                        counts.get(register)
                    );
                    ctx.rec.watch_check(kind, register, ok, detail);
                }
            }
            last.insert(register, (stat.version, before));
            tokio::time::sleep(Duration::from_millis(rng.random_range(20..300))).await;
        }
        for consumer in consumers {
            let _ = consumer.await;
        }
        if ctx.running() {
            conn.recover().await;
        }
    }
}
