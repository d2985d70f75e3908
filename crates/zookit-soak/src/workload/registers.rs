//! Compare-and-set on a few registers: a read, then a set expecting the
//! version read, or the same as a transaction that also creates a node.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use zookit::CreateMode;
use zookit_soak::history::Call;

use super::recorder::{Seen, definite, nothing};
use super::{Conn, Ctx, OP_BOUND, REGISTERS, recover_blocking};

/// The share of reads that sync first (and so are checked for
/// linearizability; plain reads are checked for what ZooKeeper promises
/// them: a real state, never older than the client saw).
const SYNCED_READS: f64 = 0.3;

fn seen_read((data, stat): &(bytes::Bytes, zookit::Stat)) -> Seen {
    Seen { read: Some((stat.version, String::from_utf8_lossy(data).into_owned())), path: None }
}

/// Why a transaction was not applied, and whether surely so.
#[derive(Debug)]
struct MultiFailure {
    text: String,
    definite: bool,
}

impl std::fmt::Display for MultiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<&zookit::Error> for MultiFailure {
    fn from(e: &zookit::Error) -> Self {
        // "BadVersion" is what the checks look for.
        let text = if e.is_bad_version() { format!("BadVersion: {e}") } else { e.to_string() };
        Self { text, definite: definite(e) }
    }
}

/// The async loop; with `multi`, a third of the sets are transactions.
pub(crate) async fn cas(ctx: Arc<Ctx>, conn: Arc<Conn>, task: u64, multi: bool) {
    let mut rng = ctx.rng(task);
    let zk = &conn.zk;
    let client = format!("task{task}");
    while ctx.running() {
        let register = ctx.path(&format!("reg/r{}", rng.random_range(0..REGISTERS)));
        let synced = rng.random_bool(SYNCED_READS);
        let call = Call::Read { register: register.clone(), synced, client: client.clone() };
        let get = async {
            if synced {
                zk.sync(&register).await?;
            }
            zk.get(&register).await
        };
        let read = ctx.rec.op(call, OP_BOUND, get, definite, seen_read).await;
        let version = match read {
            Some(Ok((_, stat))) => stat.version,
            _ => {
                conn.recover().await;
                continue;
            }
        };
        if rng.random_bool(0.7) {
            let value = ctx.unique("v");
            let failed = if multi && rng.random_bool(0.35) {
                let node = ctx.path(&format!("multi/{value}"));
                let call = Call::Multi {
                    register: register.clone(),
                    expect: version,
                    value: value.clone(),
                    node: node.clone(),
                    client: client.clone(),
                };
                let txn = async {
                    let results = zk
                        .transaction()
                        .check(&register, version)
                        .set_data(&register, &value, version)
                        .create(&node, "", CreateMode::Persistent)
                        .commit()
                        .await
                        .map_err(|e| MultiFailure::from(&e))?;
                    match results.failure() {
                        None => Ok(()),
                        Some(e) => Err(MultiFailure::from(e)),
                    }
                };
                let result = ctx.rec.op(call, OP_BOUND, txn, |e| e.definite, nothing).await;
                !matches!(result, Some(Ok(())) | Some(Err(MultiFailure { definite: true, .. })))
            } else {
                let call = Call::Cas {
                    register: register.clone(),
                    expect: version,
                    value: value.clone(),
                    client: client.clone(),
                };
                let set = zk.set(&register, &value).version(version);
                let result = ctx.rec.op(call, OP_BOUND, set.into_future(), definite, nothing).await;
                !matches!(result, Some(Ok(_))) && !matches!(&result, Some(Err(e)) if definite(e))
            };
            if failed {
                conn.recover().await;
            }
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..20))).await;
    }
}

/// The same on the blocking client.
pub(crate) fn cas_blocking(ctx: &Ctx, zk: &zookit::blocking::Client, task: u64) {
    let mut rng = ctx.rng(task);
    let client = format!("task{task}");
    while ctx.running() {
        let register = ctx.path(&format!("reg/r{}", rng.random_range(0..REGISTERS)));
        let synced = rng.random_bool(SYNCED_READS);
        let call = Call::Read { register: register.clone(), synced, client: client.clone() };
        let get = || {
            if synced {
                zk.sync(&register)?;
            }
            zk.get(&register)
        };
        let read = ctx.rec.op_blocking(call, OP_BOUND, get, definite, seen_read);
        let Ok((_, stat)) = read else {
            recover_blocking(zk);
            continue;
        };
        if rng.random_bool(0.7) {
            let value = ctx.unique("b");
            let call = Call::Cas {
                register: register.clone(),
                expect: stat.version,
                value: value.clone(),
                client: client.clone(),
            };
            let set = || zk.set_with(&register, &value).version(stat.version).send();
            if let Err(e) = ctx.rec.op_blocking(call, OP_BOUND, set, definite, nothing) {
                if !definite(&e) {
                    recover_blocking(zk);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(rng.random_range(0..20)));
    }
}
