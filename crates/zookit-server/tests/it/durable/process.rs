//! A durable server in a process of its own, so that it can be killed
//! with SIGKILL: this test binary again, running the same test, which
//! serves when [`SERVE_DURABLE`] says so.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use zookit_server::Server;

/// The environment variable that makes a test serve: `PORT DATA_DIR`.
const SERVE_DURABLE: &str = "ZOOKIT_SERVE_DURABLE";

/// Serves if this process was started to: on a data directory, with a
/// 100 ms tick and session timeouts up to 30 s, printing `listening on
/// ADDR` and serving until standard input closes (or it is killed).
/// Returns whether it served.
pub(crate) fn serve_if_asked() -> bool {
    let Ok(spec) = std::env::var(SERVE_DURABLE) else { return false };
    let (port, dir) = spec.split_once(' ').expect("PORT DATA_DIR");
    let server = Server::builder()
        .port(port.parse().expect("a port"))
        .data_dir(dir)
        .tick_time(Duration::from_millis(100))
        .max_session_timeout(Duration::from_secs(30))
        .start_blocking()
        .expect("the durable server starts");
    println!("listening on {}", server.addr());
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    server.shutdown();
    true
}

/// A server process; killed when dropped.
pub(crate) struct ServerProcess {
    child: Child,
    pub(crate) addr: SocketAddr,
}

impl ServerProcess {
    /// Starts `test` of this binary as a server on `dir` and `port` (0:
    /// any), and waits for its address.
    pub(crate) fn start(test: &str, dir: &Path, port: u16) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("this test binary"))
            .args(["--exact", test, "--nocapture", "--test-threads=1"])
            .env(SERVE_DURABLE, format!("{port} {}", dir.display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server process");
        let stdout = child.stdout.take().expect("stdout");
        let (lines, addr) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // The test harness may have begun the line (`test name ... `).
                if let Some((_, addr)) = line.split_once("listening on ") {
                    let _ = lines.send(addr.parse::<SocketAddr>().expect("an address"));
                }
            }
        });
        let addr = addr.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("the server process did not start: {:?}", child.wait())
        });
        Self { child, addr }
    }

    /// Kills the server with SIGKILL and waits until it is gone.
    pub(crate) fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("the killed server ends");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
