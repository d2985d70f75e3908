//! `create`: a node, printing its path.

use std::time::Duration;

use serde_json::json;

use crate::cli::CreateArgs;
use crate::connect::Context;
use crate::error::Result;

/// Runs `create`.
pub(crate) async fn run(ctx: &Context, args: CreateArgs) -> Result<()> {
    let client = ctx.client().await?;
    let mut create = client.create(&args.path, &args.data);
    if args.container {
        create = create.container();
    }
    if args.ephemeral {
        create = create.ephemeral();
    }
    if args.sequential {
        create = create.sequential();
    }
    if let Some(ttl) = args.ttl {
        create = create.ttl(Duration::from_millis(ttl));
    }
    if args.parents {
        create = create.makepath();
    }
    let created = create.await?;
    if ctx.out.json_mode() {
        ctx.out.json(&json!({"path": created}))
    } else {
        ctx.out.line(created)
    }
}
