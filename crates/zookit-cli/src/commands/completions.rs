//! `completions`: shell completion scripts.

use clap::CommandFactory;
use clap_complete::Shell as Target;

use crate::cli::{Cli, CompletionsArgs, Shell};
use crate::connect::Context;
use crate::error::Result;

/// Runs `completions`.
pub(crate) fn run(ctx: &Context, args: &CompletionsArgs) -> Result<()> {
    let target = match args.shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
        Shell::Powershell => Target::PowerShell,
        Shell::Elvish => Target::Elvish,
    };
    let mut script = Vec::new();
    clap_complete::generate(target, &mut Cli::command(), "zookit", &mut script);
    ctx.out.raw(&script)
}
