//! `sync`: makes the connected server catch up with the leader.

use serde_json::json;

use crate::cli::PathArg;
use crate::connect::Context;
use crate::error::Result;

/// Runs `sync`.
pub(crate) async fn run(ctx: &Context, args: PathArg) -> Result<()> {
    let client = ctx.client().await?;
    let path = client.sync(&args.path).await?;
    if ctx.out.json_mode() { ctx.out.json(&json!({"path": path, "synced": true})) } else { Ok(()) }
}
