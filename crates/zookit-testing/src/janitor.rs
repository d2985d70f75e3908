//! A watchdog process that cleans up after a test process that died.
//!
//! Each ensemble spawns one tiny `sh` process whose stdin is a pipe from the
//! test process. It blocks in `read`. When the test process goes away in any
//! way (normal exit without running destructors, panic, SIGKILL), the kernel
//! closes the pipe, `read` returns, and the janitor kills every JVM whose pid
//! is listed in `<root>/*/java.pid` and removes the root directory.
//!
//! Rust's standard library opens every pipe close-on-exec, so the JVMs never
//! inherit the write end (otherwise the pipe would stay open as long as a JVM
//! lives, and the janitor would never fire).

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// What the normal shutdown path sends to tell the janitor that everything is
/// already cleaned up.
const DONE: &str = "done";

/// The janitor script. `$1` is the ensemble root directory. SIGINT/SIGHUP are
/// ignored (on top of running in an own process group) so that signals aimed
/// at the test run still lead to cleanup once the test process is gone.
const SCRIPT: &str = r#"trap '' INT HUP
read line
[ "$line" = done ] && exit 0
kill -9 $(cat "$1"/*/java.pid 2>/dev/null) 2>/dev/null
sleep 1
rm -rf "$1""#;

/// Handle to a running janitor process.
#[derive(Debug)]
pub(crate) struct Janitor {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Janitor {
    /// Spawns a janitor watching `root`.
    pub(crate) fn spawn(root: &Path) -> std::io::Result<Janitor> {
        // An own process group: a harness killing the test's group (e.g. on a
        // timeout) kills the test process and its JVMs but not the janitor.
        let mut child = Command::new("sh")
            .process_group(0)
            .arg("-c")
            .arg(SCRIPT)
            .arg("sh")
            .arg(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let stdin = child.stdin.take();
        Ok(Janitor { child, stdin })
    }

    /// Tells the janitor that the caller cleaned up (`cleaned == true`) or
    /// that it must do the cleanup itself, then waits (bounded) for it to exit.
    pub(crate) fn finish(mut self, cleaned: bool) {
        if let Some(mut stdin) = self.stdin.take() {
            if cleaned {
                // Ignoring errors: if the janitor is gone, there is nothing to tell.
                let _ = writeln!(stdin, "{DONE}");
            }
            drop(stdin);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        // Should not happen (the script is bounded); do not leave it behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
