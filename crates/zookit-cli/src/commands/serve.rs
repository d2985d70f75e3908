//! `serve`: runs an embedded ZooKeeper-compatible server (zookit-server) in
//! memory until interrupted.

use std::time::Duration;

use clap::Args;
use serde_json::json;
use zookit_server::{Error as ServerError, Server};

use crate::connect::Context;
use crate::error::{CliError, Result};
use crate::signals::interrupted;

/// `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The port to listen on; 0 picks a free one
    #[arg(long, default_value_t = 2181)]
    pub(crate) port: u16,
    /// The host or address to listen on
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: String,
    /// ZooKeeper's tickTime, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub(crate) tick_time: u64,
    /// The smallest session timeout granted, in milliseconds [default: 2 ticks]
    #[arg(long, value_name = "MS")]
    pub(crate) min_session_timeout: Option<u64>,
    /// The largest session timeout granted, in milliseconds [default: 20 ticks]
    #[arg(long, value_name = "MS")]
    pub(crate) max_session_timeout: Option<u64>,
}

/// Runs `serve`: prints one line once connections are accepted, then
/// serves until Ctrl-C or SIGTERM.
pub(crate) async fn run(ctx: &Context, args: ServeArgs) -> Result<()> {
    let mut builder = Server::builder()
        .host(args.host.clone())
        .port(args.port)
        .tick_time(Duration::from_millis(args.tick_time));
    if let Some(ms) = args.min_session_timeout {
        builder = builder.min_session_timeout(Duration::from_millis(ms));
    }
    if let Some(ms) = args.max_session_timeout {
        builder = builder.max_session_timeout(Duration::from_millis(ms));
    }
    let server = builder.start().await.map_err(|e| match e {
        ServerError::Config(_) => CliError::usage(e.to_string()),
        _ => CliError::failed(e.to_string()),
    })?;
    if ctx.out.json_mode() {
        ctx.out.json_line(&json!({"listening": server.addr().to_string()}))?;
    } else {
        ctx.out.line(format!("listening on {}", server.addr()))?;
    }
    if !ctx.out.quiet() {
        eprintln!("serving in memory until interrupted (Ctrl-C)");
    }
    interrupted().await;
    server.shutdown().await;
    Ok(())
}
