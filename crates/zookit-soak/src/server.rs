//! The servers under test, each behind a fault-injecting proxy: a
//! 3-member Apache ZooKeeper ensemble, or the embedded server as a child
//! process (`zookit serve --data-dir`).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Duration;

use zookit_testing::{Ensemble, Proxy};

/// How long a server may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The servers and their proxies.
pub(crate) enum Servers {
    Apache { ensemble: Box<Ensemble>, proxies: Vec<Proxy> },
    Embedded { server: Mutex<EmbeddedProcess>, proxies: Vec<Proxy> },
}

/// `zookit serve` as a child process.
pub(crate) struct EmbeddedProcess {
    zookit: PathBuf,
    data_dir: PathBuf,
    log: PathBuf,
    addr: Option<SocketAddr>,
    child: Option<Child>,
}

impl EmbeddedProcess {
    fn start(&mut self) -> Result<SocketAddr, String> {
        let port = self.addr.map_or(0, |a| a.port()).to_string();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("{}: {e}", self.log.display()))?;
        // --fsync never: a write is in the operating system's hands before
        // it is answered, which a kill -9 of the server does not lose.
        let mut child = Command::new(&self.zookit)
            .args(["serve", "--port", &port, "--fsync", "never", "--data-dir"])
            .arg(&self.data_dir)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", self.zookit.display()))?;
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        self.child = Some(child);
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .map_err(|_| "zookit serve printed nothing".to_string())?;
        let addr = line
            .strip_prefix("listening on ")
            .and_then(|a| a.trim().parse().ok())
            .ok_or_else(|| format!("zookit serve said {line:?}"))?;
        self.addr = Some(addr);
        Ok(addr)
    }

    fn stop(&mut self, kill: bool) {
        if let Some(mut child) = self.child.take() {
            if kill {
                let _ = child.kill();
            } else {
                let pid = nix::unistd::Pid::from_raw(child.id() as i32);
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            }
            let _ = child.wait();
        }
    }
}

impl Drop for EmbeddedProcess {
    fn drop(&mut self) {
        self.stop(true);
    }
}

impl Servers {
    pub(crate) fn apache() -> Result<Self, String> {
        let ensemble = Ensemble::builder()
            .members(3)
            .startup_timeout(Duration::from_secs(120))
            .start()
            .map_err(|e| e.to_string())?;
        let proxies = (0..3)
            .map(|i| Proxy::start(ensemble.member_address(i)).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        Ok(Servers::Apache { ensemble: Box::new(ensemble), proxies })
    }

    pub(crate) fn embedded(zookit: &Path, dir: &Path) -> Result<Self, String> {
        let mut server = EmbeddedProcess {
            zookit: zookit.to_path_buf(),
            data_dir: dir.join("server-data"),
            log: dir.join("server.log"),
            addr: None,
            child: None,
        };
        let addr = server.start()?;
        let proxies = vec![Proxy::start(addr).map_err(|e| e.to_string())?];
        Ok(Servers::Embedded { server: Mutex::new(server), proxies })
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Servers::Apache { .. } => "apache",
            Servers::Embedded { .. } => "embedded",
        }
    }

    pub(crate) fn proxies(&self) -> &[Proxy] {
        match self {
            Servers::Apache { proxies, .. } | Servers::Embedded { proxies, .. } => proxies,
        }
    }

    /// The connect string the workers use: the proxies.
    pub(crate) fn hosts(&self) -> String {
        let hosts: Vec<String> = self.proxies().iter().map(|p| p.addr().to_string()).collect();
        hosts.join(",")
    }

    /// A server's own address (not through a proxy), of a running one.
    pub(crate) fn direct(&self) -> Option<SocketAddr> {
        match self {
            Servers::Apache { ensemble, .. } => (0..ensemble.len())
                .find(|&i| ensemble.is_running(i))
                .map(|i| ensemble.member_address(i)),
            Servers::Embedded { server, .. } => {
                let server = server.lock().unwrap_or_else(|p| p.into_inner());
                server.child.as_ref().and(server.addr)
            }
        }
    }

    /// The embedded server: stops it (kill -9 with `kill`), then starts it
    /// again on the same port and data.
    pub(crate) fn restart_embedded(&self, kill: bool) -> Result<(), String> {
        let Servers::Embedded { server, .. } = self else { return Ok(()) };
        let mut server = server.lock().unwrap_or_else(|p| p.into_inner());
        server.stop(kill);
        std::thread::sleep(Duration::from_millis(300));
        server.start().map(drop)
    }

    /// Every proxy passing, every member running, a leader.
    pub(crate) fn heal(&self) -> Result<(), String> {
        for proxy in self.proxies() {
            proxy.pass();
        }
        match self {
            Servers::Apache { ensemble, .. } => {
                for i in 0..ensemble.len() {
                    if !ensemble.is_running(i) {
                        ensemble.restart(i).map_err(|e| e.to_string())?;
                    }
                }
                ensemble.wait_for_leader(START_TIMEOUT).map(drop).map_err(|e| e.to_string())
            }
            Servers::Embedded { server, .. } => {
                let mut server = server.lock().unwrap_or_else(|p| p.into_inner());
                if server.child.is_none() {
                    server.start()?;
                }
                Ok(())
            }
        }
    }
}
