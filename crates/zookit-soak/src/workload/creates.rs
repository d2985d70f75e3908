//! Creates of sequential and ephemeral nodes, and deletes of some of them.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use zookit::CreateMode;
use zookit_soak::history::Call;

use super::recorder::{Seen, definite, nothing};
use super::{Conn, Ctx, OP_BOUND};

/// Parents of the persistent sequential nodes.
pub(crate) const SEQUENTIAL_PARENTS: usize = 4;
/// Ephemeral nodes a worker keeps at most.
const EPHEMERALS: usize = 8;

fn seen_path<P: AsRef<str>>(path: &P) -> Seen {
    Seen { read: None, path: Some(path.as_ref().to_owned()) }
}

pub(crate) async fn run(ctx: Arc<Ctx>, conn: Arc<Conn>, task: u64) {
    let mut rng = ctx.rng(task);
    let zk = &conn.zk;
    let mut persistent: Vec<String> = Vec::new();
    let mut ephemeral: Vec<String> = Vec::new();
    while ctx.running() {
        let roll = rng.random_range(0..10);
        let result = if roll < 5 {
            let parent = ctx.path(&format!("seq/p{}", rng.random_range(0..SEQUENTIAL_PARENTS)));
            let call = Call::Create { parent: parent.clone(), sequential: true, ephemeral: false };
            let create = zk
                .create(&format!("{parent}/n"), ctx.name.as_bytes())
                .mode(CreateMode::PersistentSequential);
            let result =
                ctx.rec.op(call, OP_BOUND, create.into_future(), definite, seen_path).await;
            if let Some(Ok(path)) = &result {
                persistent.push(path.clone());
            }
            result.map(|r| r.map(drop))
        } else if roll < 8 || persistent.is_empty() {
            let parent = ctx.path("ephemeral");
            let call = Call::Create { parent: parent.clone(), sequential: true, ephemeral: true };
            let create = zk
                .create(&format!("{parent}/e"), ctx.name.as_bytes())
                .mode(CreateMode::EphemeralSequential);
            let result =
                ctx.rec.op(call, OP_BOUND, create.into_future(), definite, seen_path).await;
            if let Some(Ok(path)) = &result {
                ephemeral.push(path.clone());
            }
            if ephemeral.len() > EPHEMERALS {
                let path = ephemeral.remove(0);
                delete(&ctx, &conn, path).await;
            }
            result.map(|r| r.map(drop))
        } else {
            let path = persistent.swap_remove(rng.random_range(0..persistent.len()));
            delete(&ctx, &conn, path).await
        };
        if !matches!(result, Some(Ok(()))) {
            conn.recover().await;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..40))).await;
    }
}

async fn delete(ctx: &Ctx, conn: &Conn, path: String) -> Option<zookit::Result<()>> {
    let call = Call::Delete { path: path.clone() };
    let delete = conn.zk.delete(&path);
    ctx.rec.op(call, OP_BOUND, delete.into_future(), definite, nothing).await
}
