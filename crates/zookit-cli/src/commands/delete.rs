//! `delete`: a node, or with `-r` a whole subtree, deepest first, in
//! transactions of a few hundred deletes.

use serde_json::json;
use zookit::Client;

use crate::cli::DeleteArgs;
use crate::connect::Context;
use crate::error::Result;
use crate::progress::Progress;
use crate::subtree::Subtree;

/// The most deletes in one transaction.
const BATCH_OPS: usize = 500;
/// The most path bytes in one transaction (well within `jute.maxbuffer`).
const BATCH_BYTES: usize = 256 * 1024;

/// Runs `delete`.
pub(crate) async fn run(ctx: &Context, args: DeleteArgs) -> Result<()> {
    let client = ctx.client().await?;
    let version = args.version.unwrap_or(-1);
    let deleted = if args.recursive {
        delete_tree(ctx, client, &args.path, version).await?
    } else {
        client.delete(&args.path).version(version).await?;
        1
    };
    if ctx.out.json_mode() {
        ctx.out.json(&json!({"path": args.path, "deleted": deleted}))
    } else {
        if args.recursive {
            ctx.out.note(format!("deleted {deleted} nodes"));
        }
        Ok(())
    }
}

/// Deletes the subtree at `path` (at `version`), returning how many nodes
/// were deleted. Without a chroot, `/` itself and `/zookeeper` are kept.
async fn delete_tree(ctx: &Context, client: &Client, path: &str, version: i32) -> Result<usize> {
    let progress = Progress::spinner(&ctx.out, format!("reading {path}"));
    let tree = Subtree::read(client, path, true, &progress).await?;
    let mut order = tree.post_order();
    if path == "/" && client.chroot().is_none() {
        order.retain(|node| node != "/");
    }
    progress.restart(order.len() as u64, format!("deleting {path}"));
    let mut deleted = 0;
    for batch in batches(&order) {
        let version_of = |node: &str| if node == path { version } else { -1 };
        let mut transaction = client.transaction();
        for node in batch {
            transaction = transaction.delete(node, version_of(node));
        }
        let results = transaction.commit().await?;
        if results.iter().all(Result::is_ok) {
            deleted += batch.len();
        } else {
            // Something changed meanwhile: one at a time, so that nodes
            // already gone are skipped and the error names the node.
            for node in batch {
                match client.delete(node).version(version_of(node)).await {
                    Ok(()) => deleted += 1,
                    Err(e) if e.is_no_node() => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        progress.inc(batch.len() as u64);
    }
    Ok(deleted)
}

/// Splits the paths into transactions' worth.
fn batches(paths: &[String]) -> Vec<&[String]> {
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, path) in paths.iter().enumerate() {
        if i > start && (i - start == BATCH_OPS || bytes + path.len() > BATCH_BYTES) {
            batches.push(&paths[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += path.len();
    }
    if start < paths.len() {
        batches.push(&paths[start..]);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_bounded() {
        let paths: Vec<String> = (0..1201).map(|i| format!("/n{i}")).collect();
        let sizes: Vec<usize> = batches(&paths).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [500, 500, 201]);
        let long: Vec<String> = (0..3).map(|_| "x".repeat(200 * 1024)).collect();
        assert_eq!(batches(&long).len(), 3);
        assert!(batches(&[]).is_empty());
    }
}
