//! `serve`: runs an embedded ZooKeeper-compatible server (zookit-server),
//! in memory or on a data directory, until interrupted.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde_json::json;
use zookit_server::{Error as ServerError, Fsync, Server};

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
    /// Keep the tree and the sessions in DIR (created if missing): every
    /// write is in the transaction log before it is answered, and a server
    /// started again on DIR recovers them. Without it, the server is in
    /// memory
    #[arg(long, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Keep the transaction logs in DIR instead of the data directory
    /// (ZooKeeper's dataLogDir)
    #[arg(long, value_name = "DIR", requires = "data_dir")]
    pub(crate) data_log_dir: Option<PathBuf>,
    /// Whether a write waits for the disk before it is answered; `never`
    /// survives the server's own crash but not the machine's (for tests)
    #[arg(long, value_enum, default_value_t = FsyncArg::Always, requires = "data_dir")]
    pub(crate) fsync: FsyncArg,
    /// Take a snapshot (and start a new log) after N logged changes
    /// (ZooKeeper's snapCount)
    #[arg(long, value_name = "N", default_value_t = 100_000, requires = "data_dir")]
    pub(crate) snap_count: u64,
}

/// `--fsync`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FsyncArg {
    /// Sync the log (one fdatasync per batch of writes) before answering
    Always,
    /// Hand writes to the operating system without waiting for the disk
    Never,
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
    let durable = args.data_dir.is_some();
    if let Some(dir) = args.data_dir {
        builder = builder.data_dir(dir).snap_count(args.snap_count).fsync(match args.fsync {
            FsyncArg::Always => Fsync::Always,
            FsyncArg::Never => Fsync::Never,
        });
    }
    if let Some(dir) = args.data_log_dir {
        builder = builder.data_log_dir(dir);
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
        let kept = if durable { "on the data directory" } else { "in memory" };
        eprintln!("serving {kept} until interrupted (Ctrl-C)");
    }
    tokio::select! {
        _ = interrupted() => {}
        error = server.failed() => return Err(CliError::failed(error.to_string())),
    }
    server.shutdown().await;
    Ok(())
}
