//! Locks, semaphore leases and leases, held for a moment: every holding is
//! recorded from its acquisition to its end (a release, or the moment it
//! is seen suspended or lost), for the exclusion check.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use rand::Rng;
use zookit_recipes::{Lock, LockGuard, NonBlockingLease, Semaphore};

use super::recorder::{definite_recipe, nothing, other};
use super::{ACQUIRE_TIMEOUT, Conn, Ctx, OP_BOUND, recover_blocking};

/// A semaphore's permits.
pub(crate) const PERMITS: u32 = 2;
/// How long a lease is taken for.
const LEASE: Duration = Duration::from_secs(2);

/// Holds `guard` for a random moment, recording the holding.
async fn hold(ctx: &Ctx, guard: LockGuard, kind: &str, holder: &str, limit: usize, millis: u64) {
    let hold = ctx.rec.hold();
    ctx.rec.acquired(hold, kind, guard.path(), holder, limit, None);
    let lost = guard.lost();
    tokio::select! {
        () = tokio::time::sleep(Duration::from_millis(millis)) => {
            ctx.rec.ended(hold, "released");
            let _ = ctx.rec.op(other("release"), OP_BOUND, guard.release(), definite_recipe, nothing).await;
        }
        state = lost => {
            ctx.rec.ended(hold, &state.to_string());
            drop(guard);
        }
    }
}

pub(crate) async fn lock(ctx: Arc<Ctx>, conn: Arc<Conn>, task: u64) {
    let mut rng = ctx.rng(task);
    let holder = format!("{}-lock", ctx.name);
    let lock = Lock::new(&conn.zk, ctx.path("lock"), &holder);
    while ctx.running() {
        let bound = ACQUIRE_TIMEOUT + OP_BOUND;
        let acquired = ctx
            .rec
            .op(other("lock"), bound, lock.lock_timeout(ACQUIRE_TIMEOUT), definite_recipe, nothing)
            .await;
        match acquired {
            Some(Ok(guard)) => {
                hold(&ctx, guard, "lock", &holder, 1, rng.random_range(0..200)).await
            }
            Some(Err(e)) if e.is_timeout() => {}
            _ => conn.recover().await,
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..100))).await;
    }
}

pub(crate) async fn semaphore(ctx: Arc<Ctx>, conn: Arc<Conn>, task: u64) {
    let mut rng = ctx.rng(task);
    let holder = format!("{}-sem{task}", ctx.name);
    let semaphore = Semaphore::new(&conn.zk, ctx.path("semaphore"), &holder, PERMITS);
    while ctx.running() {
        let bound = ACQUIRE_TIMEOUT + OP_BOUND;
        let acquired = ctx
            .rec
            .op(
                other("semaphore"),
                bound,
                semaphore.lease_timeout(ACQUIRE_TIMEOUT),
                definite_recipe,
                nothing,
            )
            .await;
        match acquired {
            Some(Ok(guard)) => {
                hold(&ctx, guard, "semaphore", &holder, PERMITS as usize, rng.random_range(0..300))
                    .await;
            }
            Some(Err(e)) if e.is_timeout() => {}
            _ => conn.recover().await,
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..100))).await;
    }
}

pub(crate) async fn lease(ctx: Arc<Ctx>, conn: Arc<Conn>, task: u64) {
    let mut rng = ctx.rng(task);
    let holder = format!("{}-lease", ctx.name);
    let path = ctx.path("lease");
    while ctx.running() {
        let bound = zookit_recipes::DEFAULT_LEASE_LOCK_TIMEOUT + OP_BOUND;
        let obtain = NonBlockingLease::obtain(&conn.zk, &path, LEASE, &holder);
        match ctx.rec.op(other("lease"), bound, obtain, definite_recipe, nothing).await {
            Some(Ok(lease)) => {
                if let Some(end) = lease.end() {
                    let until = end.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64);
                    let hold = ctx.rec.hold();
                    ctx.rec.acquired(hold, "lease", &path, &holder, 1, Some(until));
                    tokio::time::sleep(Duration::from_millis(rng.random_range(0..1500))).await;
                    if rng.random_bool(0.5) {
                        ctx.rec.ended(hold, "released");
                        let _ = ctx
                            .rec
                            .op(
                                other("lease_release"),
                                OP_BOUND,
                                lease.release(),
                                definite_recipe,
                                nothing,
                            )
                            .await;
                    }
                }
            }
            _ => conn.recover().await,
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..300))).await;
    }
}

/// The lock on the blocking client.
pub(crate) fn lock_blocking(ctx: &Ctx, zk: &zookit::blocking::Client, task: u64) {
    let mut rng = ctx.rng(task);
    let holder = format!("{}-block", ctx.name);
    let lock = zookit_recipes::blocking::Lock::new(zk, ctx.path("lock"), &holder);
    while ctx.running() {
        let bound = ACQUIRE_TIMEOUT + OP_BOUND;
        let acquire = || lock.lock_timeout(ACQUIRE_TIMEOUT);
        match ctx.rec.op_blocking(other("lock"), bound, acquire, definite_recipe, nothing) {
            Ok(guard) => {
                let hold = ctx.rec.hold();
                ctx.rec.acquired(hold, "lock", guard.path(), &holder, 1, None);
                let held = Duration::from_millis(rng.random_range(0..200));
                match guard.wait_lost(Some(held)) {
                    Ok(Some(state)) => ctx.rec.ended(hold, &state.to_string()),
                    _ => {
                        ctx.rec.ended(hold, "released");
                        let release = || guard.release();
                        let _ = ctx.rec.op_blocking(
                            other("release"),
                            OP_BOUND,
                            release,
                            definite_recipe,
                            nothing,
                        );
                    }
                }
            }
            Err(e) if e.is_timeout() => {}
            Err(_) => recover_blocking(zk),
        }
        std::thread::sleep(Duration::from_millis(rng.random_range(0..100)));
    }
}
