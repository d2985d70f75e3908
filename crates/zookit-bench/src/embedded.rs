//! zookit's embedded server as the harness runs it: `zookit serve` (the
//! release build of zookit-cli) in a process of its own, so that its CPU
//! time and memory are measured per process, as Apache ZooKeeper's JVM.
//!
//! It keeps a data directory with fsync off (`--data-dir DIR --fsync
//! never`), as the Apache ZooKeeper it is compared with does
//! (`zookeeper.forceSync=no`): both write their transaction log and
//! snapshots, neither waits for the disk.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::Context as _;
use crate::{Error, Result};

/// The environment variable naming the `zookit` executable to run.
pub const BINARY_ENV: &str = "ZOOKIT_BENCH_ZOOKIT";
/// The longest a server may take to say where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The `zookit` executable of the release build: `$ZOOKIT_BENCH_ZOOKIT`,
/// else `release/zookit` in the [target directory](crate::target_dir)
/// (`scripts/bench` builds it first).
pub fn release_binary() -> PathBuf {
    std::env::var_os(BINARY_ENV)
        .map_or_else(|| crate::target_dir().join("release").join("zookit"), Into::into)
}

/// A running `zookit serve`, killed (and reaped) when dropped.
#[derive(Debug)]
pub struct EmbeddedServer {
    child: Child,
    addr: String,
}

impl EmbeddedServer {
    /// Starts `binary serve --port 0` on the data directory `dir` (emptied
    /// first) and waits until it prints where it listens (it then accepts
    /// connections). Its standard error goes to `dir.log`.
    pub fn start(binary: &Path, dir: &Path) -> Result<Self> {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
        let log = File::create(dir.with_extension("log"))?;
        let mut child = Command::new(binary)
            .args(["serve", "--port", "0", "--fsync", "never", "--data-dir"])
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .context(format!("starting {} serve", binary.display()))?;
        let stdout = child.stdout.take().ok_or_else(|| Error::msg("no standard output"))?;
        let (lines, first) = mpsc::channel();
        std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = String::new();
            let _ = stdout.read_line(&mut line);
            let _ = lines.send(line);
            // Keep reading until the server ends, so it never blocks on
            // a full pipe.
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        });
        let mut server = EmbeddedServer { child, addr: String::new() };
        let deadline = Instant::now() + START_TIMEOUT;
        let line = first.recv_timeout(deadline.saturating_duration_since(Instant::now()));
        match line.as_deref().map(|l| l.trim().strip_prefix("listening on ")) {
            Ok(Some(addr)) => server.addr = addr.to_owned(),
            _ => {
                let log = std::fs::read_to_string(dir.with_extension("log")).unwrap_or_default();
                return Err(Error::msg(format!(
                    "{} serve did not say where it listens within {START_TIMEOUT:?} \
                     ({line:?}); its standard error:\n{log}",
                    binary.display()
                )));
            }
        }
        Ok(server)
    }

    /// Where it listens, `host:port`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
