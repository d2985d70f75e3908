//! One ZooKeeper server process: its directory, ports, JVM and log.
//!
//! Layout of a member directory (`<root>/member-<id>/`):
//!
//! - `zoo.cfg` — the configuration (ZooKeeper may rewrite it for dynamic
//!   reconfiguration),
//! - `data/` — `dataDir`, holding `myid` for ensemble members,
//! - `zookeeper.log` — stdout and stderr of every JVM run, appended,
//! - `java.pid` — the pid of the running JVM (only while it runs; read by the
//!   janitor).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::{MemberPorts, Settings, render_zoo_cfg};
use crate::error::{Error, Result};

/// How long a graceful stop may take before the JVM is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// How long to wait for a killed JVM to be reaped.
const KILL_WAIT: Duration = Duration::from_secs(10);

/// One member of an ensemble (index `0..n`, ZooKeeper server id `index + 1`).
#[derive(Debug)]
pub(crate) struct Member {
    index: usize,
    dir: PathBuf,
    ports: MemberPorts,
    process: Mutex<Option<Child>>,
}

/// What a poll of the process found.
pub(crate) enum ProcessState {
    Running,
    NotStarted,
    Exited(String),
}

impl Member {
    /// Creates the member directory and writes `zoo.cfg` (and `myid` for
    /// ensembles). Does not start the JVM.
    pub(crate) fn create(
        root: &Path,
        settings: &Settings,
        all_ports: &[MemberPorts],
        index: usize,
    ) -> Result<Member> {
        let dir = root.join(format!("member-{}", index + 1));
        let data_dir = dir.join("data");
        fs::create_dir_all(&data_dir)
            .map_err(|e| Error::io(format!("creating {}", data_dir.display()), e))?;
        let cfg = render_zoo_cfg(settings, &data_dir, all_ports, index);
        let cfg_path = dir.join("zoo.cfg");
        fs::write(&cfg_path, cfg)
            .map_err(|e| Error::io(format!("writing {}", cfg_path.display()), e))?;
        if all_ports.len() > 1 {
            let myid = data_dir.join("myid");
            fs::write(&myid, format!("{}\n", index + 1))
                .map_err(|e| Error::io(format!("writing {}", myid.display()), e))?;
        }
        Ok(Member { index, dir, ports: all_ports[index], process: Mutex::new(None) })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn log_path(&self) -> PathBuf {
        self.dir.join("zookeeper.log")
    }

    fn pid_path(&self) -> PathBuf {
        self.dir.join("java.pid")
    }

    pub(crate) fn client_addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.ports.client))
    }

    pub(crate) fn secure_addr(&self) -> Option<SocketAddr> {
        self.ports.secure_client.map(|port| SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Child>> {
        // A panic while holding the lock cannot leave the Option inconsistent.
        self.process.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts the JVM. Fails with [`Error::AlreadyRunning`] if it runs.
    pub(crate) fn spawn(&self, settings: &Settings) -> Result<()> {
        let mut process = self.lock();
        if let Some(child) = process.as_mut() {
            if matches!(child.try_wait(), Ok(None)) {
                return Err(Error::AlreadyRunning { member: self.index });
            }
            *process = None;
            self.remove_pid_file();
        }
        let log_path = self.log_path();
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| Error::io(format!("opening {}", log_path.display()), e))?;
        // A marker line makes restarts visible in the log.
        let _ = writeln!(log, "==== zookit-testing: starting member {} ====", self.index);
        let log_err =
            log.try_clone().map_err(|e| Error::io(format!("opening {}", log_path.display()), e))?;
        let child = Command::new(&settings.java)
            .args(settings.jvm_args())
            .arg(self.dir.join("zoo.cfg"))
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| {
                let java = settings.java.to_string_lossy();
                Error::io(
                    format!(
                        "starting `{java}` (is a Java runtime installed? apt-get install \
                         default-jre-headless; or set ${})",
                        crate::config::ENV_JAVA
                    ),
                    e,
                )
            })?;
        let pid = child.id();
        *process = Some(child);
        // Written right after spawn; the janitor kills what is listed here.
        fs::write(self.pid_path(), format!("{pid}\n"))
            .map_err(|e| Error::io(format!("writing {}", self.pid_path().display()), e))?;
        Ok(())
    }

    /// The pid of the JVM if it was started and has not been reaped.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.lock().as_ref().map(Child::id)
    }

    /// Polls the process; reaps it if it exited.
    pub(crate) fn state(&self) -> ProcessState {
        let mut process = self.lock();
        let Some(child) = process.as_mut() else {
            return ProcessState::NotStarted;
        };
        match child.try_wait() {
            Ok(None) => ProcessState::Running,
            Ok(Some(status)) => {
                *process = None;
                self.remove_pid_file();
                ProcessState::Exited(status.to_string())
            }
            Err(e) => ProcessState::Exited(format!("unknown status: {e}")),
        }
    }

    /// Sends SIGTERM and waits for the JVM to exit; kills it if it does not
    /// exit within a grace period. Does nothing if it does not run.
    pub(crate) fn stop(&self) -> Result<()> {
        let mut process = self.lock();
        let Some(child) = process.as_mut() else {
            return Ok(());
        };
        if matches!(child.try_wait(), Ok(None)) {
            // A failing `kill` means the JVM is already gone; the wait settles it.
            Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .stderr(Stdio::null())
                .status()
                .map_err(|e| Error::io("running `kill -TERM`", e))?;
            if !wait_bounded(child, STOP_GRACE)? {
                let _ = child.kill();
                wait_or_fail(child, self.index)?;
            }
        }
        *process = None;
        self.remove_pid_file();
        Ok(())
    }

    /// Kills the JVM with SIGKILL and reaps it. Does nothing if it does not run.
    pub(crate) fn kill(&self) -> Result<()> {
        let mut process = self.lock();
        let Some(child) = process.as_mut() else {
            return Ok(());
        };
        // Fails only if it was already reaped; the wait below settles it.
        let _ = child.kill();
        wait_or_fail(child, self.index)?;
        *process = None;
        self.remove_pid_file();
        Ok(())
    }

    fn remove_pid_file(&self) {
        // Missing file is fine.
        let _ = fs::remove_file(self.pid_path());
    }

    /// Whether the log (of this and earlier runs) reports a port that was
    /// already in use.
    pub(crate) fn log_reports_port_in_use(&self) -> bool {
        read_tail(&self.log_path(), usize::MAX).is_ok_and(|log| {
            log.contains("Address already in use") || log.contains("BindException")
        })
    }

    /// The last `lines` lines of the member's log (empty if there is none).
    pub(crate) fn log_tail(&self, lines: usize) -> String {
        match read_tail(&self.log_path(), lines) {
            Ok(text) => text,
            Err(e) => format!("(cannot read {}: {e})", self.log_path().display()),
        }
    }
}

/// Waits up to `limit` for `child` to exit; returns whether it did.
fn wait_bounded(child: &mut Child, limit: Duration) -> Result<bool> {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return Ok(true),
            Ok(None) if Instant::now() >= deadline => return Ok(false),
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(Error::io("waiting for the ZooKeeper JVM", e)),
        }
    }
}

fn wait_or_fail(child: &mut Child, index: usize) -> Result<()> {
    if wait_bounded(child, KILL_WAIT)? {
        Ok(())
    } else {
        Err(Error::io(
            format!("ZooKeeper member {index} (pid {}) did not die after SIGKILL", child.id()),
            io::Error::from(io::ErrorKind::TimedOut),
        ))
    }
}

/// Reads the last `lines` lines of a file, looking only at its last 256 KiB.
fn read_tail(path: &Path, lines: usize) -> io::Result<String> {
    const WINDOW: u64 = 256 * 1024;
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(WINDOW)))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    let mut tail = all[start..].join("\n");
    tail.push('\n');
    Ok(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_of_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log");
        let text: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        fs::write(&path, text).expect("write");
        assert_eq!(read_tail(&path, 3).expect("tail"), "line 98\nline 99\nline 100\n");
        assert_eq!(read_tail(&path, 1000).expect("tail").lines().count(), 100);
    }
}
