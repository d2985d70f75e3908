//! `import`: a tree in zc.zk's text format (zc.zk's `zookeeper_import`).

use serde_json::json;
use zookit::{Acl, Id, Perms};
use zookit_registry::tree::{Node, parse_tree};

use crate::cli::ImportArgs;
use crate::connect::Context;
use crate::error::{CliError, Result};
use crate::input::{display_name, read_text};
use crate::progress::Progress;

/// Runs `import`.
pub(crate) async fn run(ctx: &Context, args: ImportArgs) -> Result<()> {
    let perms = Perms::from_bits(args.permission)
        .filter(|_| (0..=Perms::ALL.bits()).contains(&args.permission))
        .ok_or_else(|| {
            CliError::usage(format!(
                "--permission takes ZooKeeper permission bits from 0 to 31 \
                 (read 1, write 2, create 4, delete 8, admin 16), not {}",
                args.permission
            ))
        })?;
    let text = read_text(&args.file)?;
    let tree = parse_tree(&text)
        .map_err(|e| CliError::usage(format!("{}: {e}", display_name(&args.file))))?;
    let zk = ctx.zk().await?;
    let progress = Progress::working(
        &ctx.out,
        format!("importing {} nodes into {}", count_nodes(&tree), args.path),
    );
    // zc.zk's script passes `trim=None` without -t: extra nodes are reported.
    let trim = args.trim.then_some(true);
    let acl = vec![Acl::new(perms, Id::anyone())];
    let report = zk.import_node(&tree, &args.path, trim, Some(acl), args.dry_run).await?;
    drop(progress);
    if ctx.out.json_mode() {
        return ctx.out.json(&json!({
            "path": args.path,
            "dryRun": args.dry_run,
            "messages": report.messages,
            "created": report.created,
            "updated": report.updated,
            "deleted": report.deleted,
        }));
    }
    ctx.out.lines(&report.messages)?;
    if !args.dry_run {
        ctx.out.note(format!(
            "imported: {} created, {} updated, {} deleted",
            report.created, report.updated, report.deleted
        ));
    }
    Ok(())
}

/// The number of nodes in a parsed tree, its top excluded.
pub(crate) fn count_nodes(tree: &Node) -> usize {
    tree.children.values().map(|child| 1 + count_nodes(child)).sum()
}
