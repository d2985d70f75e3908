//! `zookit-soak`: runs the soak (see the library's documentation and
//! RELIABILITY.md). `zookit-soak worker ...` is one of its workers.

mod nemesis;
mod run;
mod server;
mod workers;
mod workload;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// A soak of zookit: a random workload under faults, its history checked.
#[derive(Debug, Parser)]
#[command(name = "zookit-soak")]
struct Cli {
    #[command(subcommand)]
    worker: Option<Worker>,
    /// How long the workload runs, in minutes (fractions allowed)
    #[arg(long, default_value_t = 1.0)]
    minutes: f64,
    /// The server under test
    #[arg(long, value_enum, default_value_t = ServerArg::Apache)]
    server: ServerArg,
    /// The seed of the workload's and the nemesis's choices [default: the time]
    #[arg(long)]
    seed: Option<u64>,
    /// Worker processes
    #[arg(long, default_value_t = 3)]
    workers: usize,
    /// The zookit binary (for the embedded server) [default: next to this one]
    #[arg(long)]
    zookit: Option<PathBuf>,
    /// Where the histories go
    #[arg(long, default_value = "target/soak-run")]
    dir: PathBuf,
    /// Where the report goes
    #[arg(long, default_value = "target/soak-report.json")]
    report: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ServerArg {
    Apache,
    Embedded,
}

#[derive(Debug, Subcommand)]
enum Worker {
    /// One worker process (started by the soak)
    Worker {
        #[arg(long)]
        name: String,
        #[arg(long)]
        hosts: String,
        #[arg(long)]
        root: String,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        seed: u64,
    },
}

fn main() {
    let cli = Cli::parse();
    if let Some(Worker::Worker { name, hosts, root, dir, seed }) = cli.worker {
        workload::run(workload::WorkerArgs { name, hosts, root, dir, seed });
        return;
    }
    let seed = cli.seed.unwrap_or_else(|| zookit_soak::history::now_us() % 1_000_000);
    let zookit = cli.zookit.unwrap_or_else(|| {
        let exe = std::env::current_exe().expect("the soak's own path");
        exe.with_file_name("zookit")
    });
    let args = run::SoakArgs {
        seconds: (cli.minutes * 60.0).round() as u64,
        apache: matches!(cli.server, ServerArg::Apache),
        seed,
        workers: cli.workers,
        zookit,
        dir: cli.dir,
        report: cli.report,
    };
    eprintln!("soak: seed {seed} (again: --seed {seed})");
    match run::soak(&args) {
        Ok(report) => {
            print!("{}", report.text());
            run::write_report(&report, &args.report);
            std::process::exit(if report.passed() { 0 } else { 1 });
        }
        Err(e) => {
            eprintln!("soak: {e}");
            std::process::exit(2);
        }
    }
}
