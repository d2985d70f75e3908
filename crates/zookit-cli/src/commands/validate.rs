//! `validate`: parses a tree file without a server (zc.zk's
//! `zookeeper_validate`).

use serde_json::json;
use zookit_registry::tree::parse_tree;

use crate::cli::ValidateArgs;
use crate::commands::import::count_nodes;
use crate::connect::Context;
use crate::error::{CliError, Result};
use crate::input::{display_name, read_text};

/// Runs `validate`: silent on success under zc.zk's name, as zc.zk is.
pub(crate) fn run(ctx: &Context, args: &ValidateArgs) -> Result<()> {
    let name = display_name(&args.file);
    let text = read_text(&args.file)?;
    let tree = parse_tree(&text).map_err(|e| CliError::usage(format!("{name}: {e}")))?;
    let nodes = count_nodes(&tree);
    if ctx.out.json_mode() {
        ctx.out.json(&json!({"file": name, "valid": true, "nodes": nodes}))
    } else if ctx.zc_zk {
        Ok(())
    } else {
        ctx.out.line(format!("{name}: valid, {nodes} nodes"))
    }
}
