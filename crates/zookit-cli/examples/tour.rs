//! A short tour of the `zookit` command line (what `scripts/tour` runs):
//! starts a server on a free loopback port — `zookit serve`, the embedded
//! server, or with `--apache` Apache ZooKeeper — then runs the built
//! `zookit` binary against it, printing each command and its output: it
//! imports zc.zk's example tree, exports it, resolves a symbolic link,
//! registers two providers and lists them, sets a property and shows it,
//! does a dry-run import with trim, and stops the server.
//!
//! The binary is found next to this example's directory (`target/debug/`),
//! or at `$ZOOKIT`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use zookit_testing::Ensemble;
use zookit_testing::zc_zk::{TREE_TEXT, TREE_TEXT_2};

fn main() -> ExitCode {
    match tour() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tour: {message}");
            ExitCode::FAILURE
        }
    }
}

/// How long a background `zookit` may take to print its first line.
const FIRST_LINE: Duration = Duration::from_secs(30);

/// The server of the tour.
enum Server {
    /// `zookit serve` in the background.
    Embedded(Background),
    /// Apache ZooKeeper (`--apache`).
    Apache(Box<Ensemble>),
}

fn tour() -> Result<(), String> {
    let apache = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--apache") => true,
        Some(other) => return Err(format!("unknown argument {other:?} (only --apache)")),
    };
    let zookit = zookit_binary()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("tree.txt"), TREE_TEXT.trim_start())
        .map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("new-tree.txt"), TREE_TEXT_2.trim_start())
        .map_err(|e| e.to_string())?;
    let mut shell = Shell { zookit, hosts: String::new(), dir: dir.path().to_owned() };
    let server = if apache {
        println!("# Starting Apache ZooKeeper on a free loopback port ...");
        let server = Ensemble::standalone().map_err(|e| format!("can't start ZooKeeper: {e}"))?;
        shell.hosts = server.connect_string();
        Server::Apache(Box::new(server))
    } else {
        println!("# Starting zookit's embedded ZooKeeper-compatible server on a free port");
        let (server, line) = shell.start(&["serve", "--port", "0"])?;
        shell.hosts = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("zookit serve said {line:?}"))?
            .to_owned();
        Server::Embedded(server)
    };
    println!("$ export ZC_ZK_CONNECTION_STRING={}   # zookit's default server", shell.hosts);

    shell.say("zc.zk's example tree, in its text format");
    shell.show("cat tree.txt", TREE_TEXT.trim_start());
    shell.say("Import it, and export the tree back (sorted, comments gone)");
    shell.run(&["import", "tree.txt"])?;
    shell.run(&["export"])?;
    shell.say("Resolve a symbolic link: the pool's providers are /cms's");
    shell.run(&["resolve", "/lb/pools/cms/providers"])?;

    shell.say("Register two providers of /cms (each keeps its registration until stopped)");
    let providers = [
        shell.start(&["register", "/lb/pools/cms/providers", "10.0.0.1:8080", "weight=2"])?.0,
        shell.start(&["register", "/cms/providers", "10.0.0.2:8080", "weight=1"])?.0,
    ];
    shell.run(&["ls", "-l", "/cms/providers"])?;
    shell.run(&["export", "--ephemeral", "/cms/providers"])?;

    shell.say("Set a property (a Python literal) and show the node's properties");
    shell.run(&["set-property", "/cms", "threads=4", "debug=True"])?;
    shell.run(&["properties", "/cms"])?;

    shell.say("What importing the updated tree with trim would do (a dry run)");
    shell.show("cat new-tree.txt", TREE_TEXT_2.trim_start());
    shell.run(&["import", "--dry-run", "--trim", "new-tree.txt"])?;

    shell.say("Stop the providers: their registrations vanish with their sessions");
    for provider in providers {
        stop(provider)?;
    }
    shell.run(&["ls", "/cms/providers"])?;

    match server {
        Server::Embedded(server) => {
            shell.say("Stop the server (Ctrl-C): in memory, its tree goes with it");
            stop(server)?;
        }
        Server::Apache(server) => {
            println!("\n# Stopping ZooKeeper.");
            drop(server);
        }
    }
    println!("# Done. See `zookit --help` for every command.");
    Ok(())
}

/// The `zookit` binary: `$ZOOKIT`, or next to this example's directory.
fn zookit_binary() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("ZOOKIT") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let binary = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("zookit"))
        .ok_or("can't find the zookit binary")?;
    if binary.exists() {
        Ok(binary)
    } else {
        Err(format!("{} is missing: cargo build -p zookit-cli --bin zookit", binary.display()))
    }
}

/// Runs `zookit` commands against the server, showing them as a terminal
/// session would.
struct Shell {
    zookit: PathBuf,
    hosts: String,
    dir: PathBuf,
}

impl Shell {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.zookit);
        command.args(args).current_dir(&self.dir).env("ZC_ZK_CONNECTION_STRING", &self.hosts);
        command
    }

    /// A heading.
    fn say(&self, what: &str) {
        println!("\n# {what}");
    }

    /// A command whose output is known.
    fn show(&self, line: &str, output: &str) {
        println!("$ {line}");
        print!("{output}");
    }

    /// Runs `zookit args...`, printing it and its output.
    fn run(&self, args: &[&str]) -> Result<(), String> {
        println!("$ zookit {}", quoted(args));
        let output = self.command(args).output().map_err(|e| format!("can't run zookit: {e}"))?;
        print!("{}", String::from_utf8_lossy(&output.stdout));
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        if output.status.success() {
            Ok(())
        } else {
            Err(format!("`zookit {}` failed ({})", quoted(args), output.status))
        }
    }

    /// Starts `zookit args...` in the background and shows its first
    /// line, which it returns.
    fn start(&self, args: &[&str]) -> Result<(Background, String), String> {
        println!("$ zookit {} &", quoted(args));
        let mut quiet = vec!["--quiet"];
        quiet.extend(args);
        let mut child = self
            .command(&quiet)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("can't run zookit: {e}"))?;
        let stdout = child.stdout.take().ok_or("no output")?;
        let background = Background(child);
        let (sender, first) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let read = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
            let _ = sender.send(read.map(|_| line));
        });
        let line = match first.recv_timeout(FIRST_LINE) {
            Ok(Ok(line)) if !line.is_empty() => line,
            Ok(Ok(_)) => return Err(format!("`zookit {}` failed", quoted(args))),
            Ok(Err(e)) => return Err(e.to_string()),
            Err(_) => {
                return Err(format!("`zookit {}`: no output in {FIRST_LINE:?}", quoted(args)));
            }
        };
        print!("{line}");
        Ok((background, line))
    }
}

/// A `zookit` running in the background; killed if the tour fails.
struct Background(Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Interrupts a background `zookit` (as Ctrl-C does) and waits for it.
fn stop(mut background: Background) -> Result<(), String> {
    let child = &mut background.0;
    let sent = Command::new("kill").arg("-INT").arg(child.id().to_string()).status();
    if !sent.is_ok_and(|status| status.success()) {
        let _ = child.kill();
    }
    child.wait().map(drop).map_err(|e| e.to_string())
}

/// Arguments as a shell would need them.
fn quoted(args: &[&str]) -> String {
    let quote = |arg: &&str| {
        if arg.chars().all(|c| c.is_ascii_alphanumeric() || "/:.=_,-".contains(c)) {
            (*arg).to_owned()
        } else {
            format!("\"{arg}\"")
        }
    };
    args.iter().map(quote).collect::<Vec<_>>().join(" ")
}
