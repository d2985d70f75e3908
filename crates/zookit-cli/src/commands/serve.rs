//! `serve`: runs an embedded ZooKeeper-compatible server (zookit-server),
//! in memory or on a data directory, configured by options or by a
//! zoo.cfg, until interrupted.

use std::time::Duration;

use serde_json::json;
use zookit_server::{ClientAuth, Error as ServerError, Fsync, Server, ServerBuilder, Tls, ZooCfg};

use crate::cli::serve::{ClientAuthArg, FsyncArg, ServeArgs};
use crate::connect::Context;
use crate::error::{CliError, Result};
use crate::signals::interrupted;

/// A server setting or file that cannot be used is bad usage; anything
/// else (a busy port, a damaged data directory) a failure.
fn server_error(e: ServerError) -> CliError {
    match e {
        ServerError::Config(_) | ServerError::ConfigFile { .. } | ServerError::Tls(_) => {
            CliError::usage(e.to_string())
        }
        _ => CliError::failed(e.to_string()),
    }
}

/// The builder: zoo.cfg's settings first (its warnings printed), then
/// the options given; and whether it keeps a data directory.
fn builder(ctx: &Context, args: ServeArgs) -> Result<(ServerBuilder, bool)> {
    let mut builder = Server::builder();
    let mut durable = args.data_dir.is_some();
    if let Some(path) = &args.config {
        let cfg = ZooCfg::read(path).map_err(server_error)?;
        if !ctx.out.quiet()
            && let Some(warning) = cfg.warning()
        {
            eprintln!("zookit serve: {warning}");
        }
        durable |= cfg.data_dir().is_some();
        builder = cfg.apply(builder).map_err(server_error)?;
    }
    let durability_options = [
        ("--data-log-dir", args.data_log_dir.is_some()),
        ("--fsync", args.fsync.is_some()),
        ("--snap-count", args.snap_count.is_some()),
    ];
    if let Some((option, _)) = durability_options.iter().find(|(_, given)| *given && !durable) {
        return Err(CliError::usage(format!(
            "{option} needs --data-dir (or a dataDir in the --config file)"
        )));
    }
    if let Some(port) = args.port {
        builder = builder.port(port).plain_port(true);
    }
    if let Some(host) = args.host {
        builder = builder.host(host);
    }
    if let Some(ms) = args.tick_time {
        builder = builder.tick_time(Duration::from_millis(ms));
    }
    if let Some(ms) = args.min_session_timeout {
        builder = builder.min_session_timeout(Duration::from_millis(ms));
    }
    if let Some(ms) = args.max_session_timeout {
        builder = builder.max_session_timeout(Duration::from_millis(ms));
    }
    if let Some(dir) = args.data_dir {
        builder = builder.data_dir(dir);
    }
    if let Some(dir) = args.data_log_dir {
        builder = builder.data_log_dir(dir);
    }
    if let Some(fsync) = args.fsync {
        builder = builder.fsync(match fsync {
            FsyncArg::Always => Fsync::Always,
            FsyncArg::Never => Fsync::Never,
        });
    }
    if let Some(changes) = args.snap_count {
        builder = builder.snap_count(changes);
    }
    if let Some(port) = args.secure_port {
        builder = builder.secure_port(port);
    }
    if let (Some(cert), Some(key)) = (&args.server_cert, &args.server_key) {
        let mut tls = Tls::from_files(cert, key).map_err(server_error)?;
        if let Some(ca) = &args.client_ca {
            let ca = std::fs::read_to_string(ca)
                .map_err(|e| CliError::usage(format!("cannot read {}: {e}", ca.display())))?;
            let mode = match args.client_auth.unwrap_or(ClientAuthArg::Need) {
                ClientAuthArg::None => ClientAuth::None,
                ClientAuthArg::Want => ClientAuth::Want,
                ClientAuthArg::Need => ClientAuth::Need,
            };
            tls = tls.client_auth(mode, ca);
        }
        builder = builder.tls(tls);
    }
    if let Some(jaas) = &args.jaas {
        builder = builder.sasl_jaas_file(jaas);
    }
    if let Some(digest) = args.super_digest {
        builder = builder.super_digest(digest);
    }
    Ok((builder, durable))
}

/// Runs `serve`: prints one line per client port once connections are
/// accepted, then serves until Ctrl-C or SIGTERM.
pub(crate) async fn run(ctx: &Context, args: ServeArgs) -> Result<()> {
    let (builder, durable) = builder(ctx, args)?;
    let stop = interrupted();
    let server = builder.start().await.map_err(server_error)?;
    let plain = server
        .client_ports()
        .first()
        .map(|(addr, _)| *addr)
        .filter(|addr| Some(*addr) != server.secure_addr());
    if ctx.out.json_mode() {
        let mut announced = json!({});
        if let Some(addr) = plain {
            announced["listening"] = json!(addr.to_string());
        }
        if let Some(addr) = server.secure_addr() {
            announced["listening_tls"] = json!(addr.to_string());
        }
        ctx.out.json_line(&announced)?;
    } else {
        if let Some(addr) = plain {
            ctx.out.line(format!("listening on {addr}"))?;
        }
        if let Some(addr) = server.secure_addr() {
            ctx.out.line(format!("listening with TLS on {addr}"))?;
        }
    }
    if !ctx.out.quiet() {
        let kept = if durable { "on the data directory" } else { "in memory" };
        eprintln!("serving {kept} until interrupted (Ctrl-C)");
    }
    tokio::select! {
        () = stop => {}
        error = server.failed() => return Err(CliError::failed(error.to_string())),
    }
    server.shutdown().await;
    Ok(())
}
