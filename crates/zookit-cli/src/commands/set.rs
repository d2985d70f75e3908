//! `set`: a node's data.

use serde_json::json;

use crate::cli::SetArgs;
use crate::connect::Context;
use crate::error::Result;
use crate::format::stat_json;
use crate::input::read_bytes;

/// Runs `set`.
pub(crate) async fn run(ctx: &Context, args: SetArgs) -> Result<()> {
    let data = match (&args.data, &args.file) {
        (_, Some(file)) => read_bytes(file)?,
        (Some(data), None) => data.clone().into_bytes(),
        (None, None) => Vec::new(),
    };
    let client = ctx.client().await?;
    let stat = client.set(&args.path, data).version(args.version.unwrap_or(-1)).await?;
    if ctx.out.json_mode() {
        ctx.out.json(&json!({"path": args.path, "stat": stat_json(&stat)}))
    } else {
        Ok(())
    }
}
