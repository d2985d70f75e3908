//! `stat`: a node's stat.

use serde_json::json;

use crate::cli::PathArg;
use crate::connect::Context;
use crate::error::{CliError, Result};
use crate::format::{stat_json, stat_text};

/// Runs `stat`.
pub(crate) async fn run(ctx: &Context, args: PathArg) -> Result<()> {
    let client = ctx.client().await?;
    let stat =
        client.exists(&args.path).await?.ok_or_else(|| CliError::no_node("exists", &args.path))?;
    if ctx.out.json_mode() {
        ctx.out.json(&json!({"path": args.path, "stat": stat_json(&stat)}))
    } else {
        ctx.out.text(&stat_text(&stat))
    }
}
