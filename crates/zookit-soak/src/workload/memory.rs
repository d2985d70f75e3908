//! Samples the worker's resident memory.

use std::sync::Arc;
use std::time::Duration;

use zookit_soak::history::{Entry, now_us};

use super::Ctx;

/// How often.
const EVERY: Duration = Duration::from_secs(2);

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub(crate) async fn sample(ctx: Arc<Ctx>) {
    while ctx.running() {
        if let Some(kib) = rss_kib() {
            ctx.rec.write(&Entry::Rss { time: now_us(), kib });
        }
        tokio::time::sleep(EVERY).await;
    }
}
