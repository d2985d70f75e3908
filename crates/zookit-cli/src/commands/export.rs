//! `export`: a tree in zc.zk's text format (zc.zk's `zookeeper_export`).

use crate::cli::ExportArgs;
use crate::connect::Context;
use crate::error::{CliError, Result};
use crate::format::tree_json;
use crate::progress::Progress;

/// Runs `export`.
pub(crate) async fn run(ctx: &Context, args: ExportArgs) -> Result<()> {
    let zk = ctx.zk().await?;
    let progress = Progress::working(&ctx.out, format!("exporting {}", args.path));
    let text = if ctx.out.json_mode() {
        let tree = zk.read_tree(&args.path, args.ephemeral).await?;
        let json = match tree {
            Some(mut tree) => {
                if let Some(name) = &args.name {
                    tree.name.clone_from(name);
                }
                tree_json(&tree, &args.path)
            }
            None => serde_json::Value::Null,
        };
        format!("{}\n", serde_json::to_string_pretty(&json).unwrap_or_default())
    } else {
        zk.export_tree(&args.path, args.ephemeral, args.name.as_deref()).await?
    };
    drop(progress);
    match &args.output {
        Some(file) => std::fs::write(file, text).map_err(|e| CliError::file("write", file, &e)),
        None => ctx.out.text(&text),
    }
}
