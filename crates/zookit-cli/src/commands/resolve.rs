//! `resolve` and `ln`: zc.zk's symbolic links.

use serde_json::json;

use crate::cli::{LnArgs, PathArg};
use crate::connect::Context;
use crate::error::Result;

/// Runs `resolve`.
pub(crate) async fn resolve(ctx: &Context, args: PathArg) -> Result<()> {
    let zk = ctx.zk().await?;
    let real = zk.resolve(&args.path).await?;
    if ctx.out.json_mode() {
        ctx.out.json(&json!({"path": args.path, "realPath": real}))
    } else {
        ctx.out.line(real)
    }
}

/// Runs `ln`.
pub(crate) async fn ln(ctx: &Context, args: LnArgs) -> Result<()> {
    let zk = ctx.zk().await?;
    zk.ln(&args.target, &args.source).await?;
    if ctx.out.json_mode() {
        ctx.out.json(&json!({"link": args.source, "target": args.target}))
    } else {
        Ok(())
    }
}
