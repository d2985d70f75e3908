//! The janitor cleans up when the test process dies without running
//! destructors. A child process (this test binary, filtered to
//! `janitor::child_process`) starts a server, prints where it is, and dies.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use zookit_testing::{Ensemble, shared_apache};

use crate::{TestResult, eventually};

/// Set in the child process; says how it ends: `exit` or `sigkill`.
const CHILD_ENV: &str = "ZOOKIT_TESTING_JANITOR_CHILD";

/// Runs only as the child of the tests below (does nothing otherwise).
#[test]
fn child_process() {
    let Ok(how) = std::env::var(CHILD_ENV) else {
        return;
    };
    let owned;
    let zk = if how == "exit" {
        // The shared server is never dropped: exactly this case.
        shared_apache()
    } else {
        owned = Ensemble::standalone().expect("start a server");
        &owned
    };
    assert!(zk.is_running(0));
    let pid = zk.pid(0).expect("pid");
    // The harness may have printed "test ... " without a line break.
    println!("\nZOOKIT_ROOT={}", zk.root_dir().display());
    println!("ZOOKIT_PID={pid}");
    std::io::stdout().flush().expect("flush stdout");
    if how == "sigkill" {
        let me = std::process::id().to_string();
        let _ = Command::new("kill").args(["-KILL", &me]).status();
        std::thread::sleep(Duration::from_secs(30));
    }
    std::process::exit(0);
}

/// Whether `pid` is a live (not zombie) ZooKeeper JVM.
fn zookeeper_alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat.rsplit(')').next().and_then(|rest| rest.trim().chars().next());
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    state != Some('Z') && String::from_utf8_lossy(&cmdline).contains("QuorumPeerMain")
}

fn run_child_and_check_cleanup(how: &str) -> TestResult {
    let child = Command::new(std::env::current_exe()?)
        .args(["janitor::child_process", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, how)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let child_pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(output) => output?,
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &child_pid.to_string()]).status();
            return Err("the child process did not finish within 120 s".into());
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let value =
        |key: &str| {
            stdout.lines().find_map(|l| l.strip_prefix(key)).map(str::to_string).ok_or_else(|| {
                format!("child printed no {key}; stdout:\n{stdout}\nstderr:\n{stderr}")
            })
        };
    let root = PathBuf::from(value("ZOOKIT_ROOT=")?);
    let pid: u32 = value("ZOOKIT_PID=")?.parse()?;
    if how == "sigkill" {
        assert!(!output.status.success(), "the child should have been killed");
    } else {
        assert!(output.status.success(), "child failed: {stderr}");
    }
    assert!(
        eventually(Duration::from_secs(15), || !zookeeper_alive(pid)),
        "ZooKeeper JVM {pid} still runs after its test process died"
    );
    assert!(
        eventually(Duration::from_secs(15), || !root.exists()),
        "{} still exists after its test process died",
        root.display()
    );
    Ok(())
}

#[test]
fn janitor_cleans_up_after_sigkill() -> TestResult {
    run_child_and_check_cleanup("sigkill")
}

#[test]
fn janitor_cleans_up_the_shared_server_after_exit() -> TestResult {
    run_child_and_check_cleanup("exit")
}
