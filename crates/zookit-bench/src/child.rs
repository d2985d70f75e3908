//! Running a job in a process of its own, and reading back its outcome.
//!
//! Every driver (this executable started again for the Rust clients, the
//! Python and the Java driver) prints one line, [`RESULT_PREFIX`] followed
//! by the [`Outcome`] as JSON, and exits 0. Everything else it prints is
//! ignored, but kept for error messages.

use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::Context as _;
use crate::measure::Outcome;
use crate::peers::{Peer, zookit};
use crate::{Error, Job, Result};

/// The environment variable that hands a Rust child its job: the job's
/// `key=value` arguments, one a line.
pub const JOB_ENV: &str = "ZOOKIT_BENCH_JOB";
/// What the line with a driver's outcome starts with.
pub const RESULT_PREFIX: &str = "ZOOKIT_BENCH_RESULT ";

/// Runs a job of a Rust client that is not zookit (`zookeeper-client`,
/// whose runner lives with the benchmark: it is a dev-dependency).
pub type RustRunner = fn(&Job) -> Result<Outcome>;

/// The job handed to this process in [`JOB_ENV`], if it is a child.
pub fn job_from_env() -> Option<Result<Job>> {
    let args = std::env::var(JOB_ENV).ok()?;
    Some(Job::from_args(&args.lines().collect::<Vec<_>>()))
}

/// Runs `job` in this (child) process and prints its outcome line.
/// `zkclient` runs the `zookeeper-client` jobs.
pub fn serve(job: &Job, zkclient: Option<RustRunner>) -> Result<()> {
    let outcome = match Peer::from_name(&job.peer) {
        Some(Peer::Zookit) => zookit::run_async(job)?,
        Some(Peer::ZookitBlocking) => zookit::run_blocking(job)?,
        Some(Peer::ZkClient) => {
            zkclient.ok_or_else(|| Error::msg("no runner for zookeeper-client"))?(job)?
        }
        _ => return Err(Error::msg(format!("{} is not a Rust client", job.peer))),
    };
    println!("\n{RESULT_PREFIX}{}", serde_json::to_string(&outcome)?);
    Ok(())
}

/// How the harness starts a Rust child: this executable again, with
/// `args` (for a libtest binary: the filter selecting the test that calls
/// [`serve`]).
#[derive(Debug, Clone)]
pub struct Launcher {
    program: PathBuf,
    args: Vec<OsString>,
    zkclient: Option<RustRunner>,
}

impl Launcher {
    /// This executable, started with `args`; `zkclient` says whether it can
    /// run `zookeeper-client` jobs (and is used by [`serve`] in the child).
    pub fn this_executable<I, S>(args: I, zkclient: Option<RustRunner>) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let program = std::env::current_exe().context("finding this executable")?;
        Ok(Launcher { program, args: args.into_iter().map(Into::into).collect(), zkclient })
    }

    /// Whether it runs `zookeeper-client` jobs.
    pub fn has_zkclient(&self) -> bool {
        self.zkclient.is_some()
    }

    /// The command running `job` in a child.
    pub fn command(&self, job: &Job) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args).env(JOB_ENV, job.to_args().join("\n"));
        command
    }
}

/// What a command printed, and how it ended.
#[derive(Debug)]
pub struct Output {
    /// Whether it exited with status 0.
    pub success: bool,
    /// Its exit status, described.
    pub status: String,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl Output {
    /// The last `n` lines of standard error and output, for messages.
    pub fn tail(&self, n: usize) -> String {
        let text = format!("{}\n{}", self.stderr.trim_end(), self.stdout.trim_end());
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

/// Runs `command` (standard input closed, output captured), killing it if
/// it has not ended within `timeout`.
pub fn run_bounded(mut command: Command, timeout: Duration) -> Result<Output> {
    let shown = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context(format!("starting {shown}"))?;
    let drain = |stream: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut stream) = stream {
                let _ = stream.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>));
    let stderr = drain(child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        success: status.is_some_and(|s| s.success()),
        status: status.map_or_else(|| format!("killed after {timeout:?}"), |s| s.to_string()),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    Ok(output)
}

/// Runs a driver and returns the outcome it printed.
pub fn run_driver(command: Command, timeout: Duration) -> Result<Outcome> {
    let output = run_bounded(command, timeout)?;
    let line = output
        .stdout
        .lines()
        .find_map(|line| line.find(RESULT_PREFIX).map(|at| &line[at + RESULT_PREFIX.len()..]));
    match line {
        Some(json) if output.success => Ok(serde_json::from_str(json.trim())?),
        _ => Err(Error::msg(format!(
            "the driver failed ({}); its last lines:\n{}",
            output.status,
            output.tail(25)
        ))),
    }
}
