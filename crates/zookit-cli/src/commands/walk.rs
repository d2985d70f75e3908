//! `walk`: the paths of a tree, depth first, as they are read (zc.zk's
//! `walk`).

use serde_json::Value;

use crate::cli::WalkArgs;
use crate::connect::Context;
use crate::error::Result;

/// Runs `walk`.
pub(crate) async fn run(ctx: &Context, args: WalkArgs) -> Result<()> {
    let zk = ctx.zk().await?;
    let mut walk = zk.walk(&args.path, !args.no_ephemeral, false);
    let mut paths = Vec::new();
    while let Some(path) = walk.next_path().await {
        let path = path?;
        if ctx.out.json_mode() {
            paths.push(Value::String(path));
        } else {
            ctx.out.line(path)?;
        }
    }
    if ctx.out.json_mode() { ctx.out.json(&Value::Array(paths)) } else { Ok(()) }
}
