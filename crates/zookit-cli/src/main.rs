//! `zookit`: ZooKeeper from the command line.
//!
//! zc.zk's scripts (`export`, `import`, `set-property`, `validate`, and the
//! zc.zk names themselves through symlinks), a zkCli for people (`ls`,
//! `get`, `stat`, `set`, `create`, `delete`, ACLs, `watch`, `four-letter`)
//! and zc.zk's registry (`tree`, `resolve`, `ln`, `properties`, `walk`,
//! `register`, `graph`), with `--json` for scripts and exit codes 0
//! (success), 1 (a ZooKeeper error) and 2 (bad usage). See `zookit --help`.

mod cli;
mod commands;
mod connect;
mod error;
mod format;
mod input;
mod output;
mod progress;
mod signals;
mod stat_snapshot;
mod subtree;
mod zcz;

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::connect::Context;
use crate::error::CliError;
use crate::output::Output;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let program = program_name(&args);
    let parsed = match zcz::Script::from_program(&program) {
        Some(script) => zcz::parse(script, &args).map(|(global, command)| (global, command, true)),
        None => Cli::try_parse_from(&args).map(|cli| (cli.global, cli.command, false)),
    };
    let (global, command, zc_zk) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    let out = Output::new(global.json, global.quiet);
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            let error = CliError::failed(format!("can't start the async runtime: {e}"));
            return out.finish(&program, Err(error));
        }
    };
    let result = runtime.block_on(async {
        let ctx = Context::new(out, global, zc_zk);
        let result = commands::run(&ctx, command).await;
        ctx.close().await;
        result
    });
    out.finish(&program, result)
}

/// The name the binary was invoked as (`zookit`, or a zc.zk script's name
/// through a symlink).
fn program_name(args: &[OsString]) -> String {
    args.first()
        .and_then(|arg0| Path::new(arg0).file_stem())
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "zookit".to_owned())
}
