//! Registrations through zookit-registry: a provider registers (an
//! ephemeral node), reads the providers back, and unregisters.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use zookit_registry::ZooKeeper;

use super::recorder::{nothing, other};
use super::{Conn, Ctx, OP_BOUND};

fn definite(_: &zookit_registry::Error) -> bool {
    false
}

pub(crate) async fn run(ctx: Arc<Ctx>, conn: Arc<Conn>, task: u64) {
    let mut rng = ctx.rng(task);
    let registry = ZooKeeper::from_client(conn.zk.clone());
    let providers = ctx.path("providers");
    let mut port = 10_000;
    while ctx.running() {
        port += 1;
        let address = format!("127.0.0.1:{port}");
        let register = registry.register(&providers, &address, None, Default::default());
        let registered = ctx.rec.op(other("register"), OP_BOUND, register, definite, nothing).await;
        if !matches!(registered, Some(Ok(_))) {
            conn.recover().await;
            continue;
        }
        let list = conn.zk.get_children(&providers);
        let _ = ctx.rec.op(other("get_children"), OP_BOUND, list, |_| false, nothing).await;
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..500))).await;
        let unregister = registry.unregister(&providers, &address);
        if !matches!(
            ctx.rec.op(other("unregister"), OP_BOUND, unregister, definite, nothing).await,
            Some(Ok(()))
        ) {
            conn.recover().await;
        }
    }
}
