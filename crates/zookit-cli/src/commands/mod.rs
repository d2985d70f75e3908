//! The commands, one file each.

mod acl;
mod completions;
mod create;
mod delete;
mod export;
mod four_letter;
mod get;
mod graph;
mod import;
mod ls;
mod properties;
mod register;
mod resolve;
pub(crate) mod serve;
mod set;
mod set_property;
mod stat;
mod sync;
mod tree;
mod validate;
mod walk;
mod watch;

use crate::cli::Command;
use crate::connect::Context;
use crate::error::Result;

/// Runs `command`.
pub(crate) async fn run(ctx: &Context, command: Command) -> Result<()> {
    match command {
        Command::Ls(args) => ls::run(ctx, args).await,
        Command::Get(args) => get::run(ctx, args).await,
        Command::Stat(args) => stat::run(ctx, args).await,
        Command::Set(args) => set::run(ctx, args).await,
        Command::Create(args) => create::run(ctx, args).await,
        Command::Delete(args) => delete::run(ctx, args).await,
        Command::GetAcl(args) => acl::get(ctx, args).await,
        Command::SetAcl(args) => acl::set(ctx, args).await,
        Command::Sync(args) => sync::run(ctx, args).await,
        Command::Watch(args) => watch::run(ctx, args).await,
        Command::Export(args) => export::run(ctx, args).await,
        Command::Import(args) => import::run(ctx, args).await,
        Command::Validate(args) => validate::run(ctx, &args),
        Command::Tree(args) => tree::run(ctx, args).await,
        Command::SetProperty(args) => set_property::run(ctx, args).await,
        Command::Properties(args) => properties::run(ctx, args).await,
        Command::Resolve(args) => resolve::resolve(ctx, args).await,
        Command::Ln(args) => resolve::ln(ctx, args).await,
        Command::Walk(args) => walk::run(ctx, args).await,
        Command::Register(args) => register::run(ctx, args).await,
        Command::Graph(args) => graph::run(ctx, args).await,
        Command::FourLetter(args) => four_letter::run(ctx, args).await,
        Command::Serve(args) => serve::run(ctx, *args).await,
        Command::Completions(args) => completions::run(ctx, &args),
    }
}
