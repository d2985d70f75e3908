//! `register`: registers a server as a provider of a service and keeps the
//! registration until interrupted (again after a session expiry).

use serde_json::json;

use crate::cli::RegisterArgs;
use crate::commands::set_property::parse_assignments;
use crate::connect::Context;
use crate::error::Result;
use crate::signals::interrupted;

/// Runs `register`: prints one line once registered, then waits.
pub(crate) async fn run(ctx: &Context, args: RegisterArgs) -> Result<()> {
    let properties = parse_assignments(&args.properties)?;
    let stop = interrupted();
    let zk = ctx.zk().await?;
    let real_path = zk.resolve(&args.path).await?;
    zk.register(&args.path, &args.address, None, properties).await?;
    let session = zk.client().client_id().map(|(id, _)| format!("{id:#x}"));
    if ctx.out.json_mode() {
        ctx.out.json_line(&json!({
            "registered": args.address,
            "path": real_path,
            "session": session,
        }))?;
    } else {
        ctx.out.line(format!("registered {} at {real_path}", args.address))?;
    }
    if !ctx.out.quiet() {
        eprintln!("keeping the registration until interrupted (Ctrl-C)");
    }
    stop.await;
    Ok(())
}
