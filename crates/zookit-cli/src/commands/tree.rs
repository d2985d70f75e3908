//! `tree`: a tree with its ephemeral nodes (zc.zk's `print_tree`).

use crate::cli::OptionalPathArg;
use crate::connect::Context;
use crate::error::Result;
use crate::format::tree_json;
use crate::progress::Progress;

/// Runs `tree`.
pub(crate) async fn run(ctx: &Context, args: OptionalPathArg) -> Result<()> {
    let zk = ctx.zk().await?;
    let progress = Progress::working(&ctx.out, format!("reading {}", args.path));
    if ctx.out.json_mode() {
        let tree = zk.read_tree(&args.path, true).await?;
        drop(progress);
        let json = tree.map_or(serde_json::Value::Null, |tree| tree_json(&tree, &args.path));
        ctx.out.json(&json)
    } else {
        let text = zk.print_tree_text(&args.path).await?;
        drop(progress);
        ctx.out.text(&text)
    }
}
