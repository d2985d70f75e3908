//! Running the built `zookit` binary against the shared ZooKeeper server.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use zookit::Client;
use zookit_testing::{shared, unique_chroot};

/// The binary under test.
pub(crate) const ZOOKIT: &str = env!("CARGO_BIN_EXE_zookit");

/// How long any one invocation may take before the test fails.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A connection string to a fresh chroot of the shared server; the chroot
/// node exists.
pub(crate) fn chroot(name: &str) -> String {
    let hosts = shared().connect_string_with_chroot(&unique_chroot(name));
    block_on(async {
        let client = Client::connect(hosts.clone()).await.expect("connecting to the shared server");
        client.ensure_path("/").await.expect("creating the chroot");
        client.stop().await.expect("closing");
    });
    hosts
}

/// Runs a future on a runtime of its own.
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

/// What an invocation did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) elapsed: Duration,
}

impl Run {
    /// Asserts success and returns standard output.
    #[track_caller]
    pub(crate) fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "failed: {self:?}");
        &self.stdout
    }

    /// Asserts the exit code and returns standard error.
    #[track_caller]
    pub(crate) fn fails(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "exit code: {self:?}");
        assert!(!self.stderr.contains("panicked"), "a panic: {self:?}");
        &self.stderr
    }

    /// Standard output, which must be JSON, of a successful run.
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(self.ok()).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

/// A `zookit` command connected to `hosts` (the environment's default
/// connection string removed).
pub(crate) fn command(hosts: &str, args: &[&str]) -> Command {
    let mut command = Command::new(ZOOKIT);
    command.env_remove("ZC_ZK_CONNECTION_STRING").arg("-c").arg(hosts).args(args);
    command
}

/// Runs `zookit -c hosts args...`.
pub(crate) fn zookit(hosts: &str, args: &[&str]) -> Run {
    run(command(hosts, args), None)
}

/// Runs `zookit -c hosts args...` with `stdin` as standard input.
pub(crate) fn zookit_stdin(hosts: &str, args: &[&str], stdin: &str) -> Run {
    run(command(hosts, args), Some(stdin))
}

/// Runs a command to its end (within a bound), feeding it `stdin`.
pub(crate) fn run(mut command: Command, stdin: Option<&str>) -> Run {
    let start = Instant::now();
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("starting zookit");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        // A command that refuses its arguments may exit before reading.
        if let Err(err) = pipe.write_all(input.as_bytes()) {
            assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe, "writing stdin: {err}");
        }
    }
    let stdout = reader(child.stdout.take().expect("stdout"));
    let stderr = reader(child.stderr.take().expect("stderr"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting") {
            break status;
        }
        if start.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            panic!("{command:?} did not end within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
        elapsed: start.elapsed(),
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// A long-running `zookit` (register, watch) whose output lines are read as
/// they come; interrupted, then killed, when dropped.
pub(crate) struct Background {
    child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

impl Background {
    /// Starts `command` with its output piped.
    pub(crate) fn start(mut command: Command) -> Self {
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("starting zookit");
        let stdout = lines(child.stdout.take().expect("stdout"));
        let stderr = lines(child.stderr.take().expect("stderr"));
        Self { child, stdout, stderr }
    }

    /// The next line of standard output (within 30 s).
    #[track_caller]
    pub(crate) fn line(&self) -> String {
        self.stdout
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no output line; stderr: {:?}", self.stderr_now()))
    }

    /// The next line of standard error (within 30 s).
    #[track_caller]
    pub(crate) fn error_line(&self) -> String {
        self.stderr.recv_timeout(Duration::from_secs(30)).expect("no line on stderr")
    }

    /// Whatever standard error holds so far.
    fn stderr_now(&self) -> Vec<String> {
        self.stderr.try_iter().collect()
    }

    /// Sends SIGINT (as Ctrl-C does) and waits for the exit code.
    pub(crate) fn interrupt(mut self) -> i32 {
        signal(&self.child, "INT");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("waiting") {
                return status.code().unwrap_or(-1);
            }
            assert!(start.elapsed() < Duration::from_secs(30), "zookit ignored SIGINT");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kills the process with SIGKILL and waits until it is gone.
    pub(crate) fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("waiting");
    }

    /// Sends SIGTERM and waits for the exit code.
    pub(crate) fn terminate(mut self) -> i32 {
        signal(&self.child, "TERM");
        self.child.wait().expect("waiting").code().unwrap_or(-1)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .expect("running kill");
    assert!(status.success());
}

fn lines(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// Waits until `check` holds (within 30 s).
#[track_caller]
pub(crate) fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < Duration::from_secs(30), "never: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Writes `text` to `name` in `dir`, returning the path as a string.
pub(crate) fn write_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("writing a file");
    path.to_str().expect("a UTF-8 path").to_owned()
}

pub(crate) use zookit_testing::zc_zk::TREE_TEXT;
