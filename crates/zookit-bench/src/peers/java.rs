//! Apache ZooKeeper's Java client: `java/Driver.java`, compiled by the
//! harness with `javac` against Debian's `/usr/share/java/zookeeper.jar`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::Job;
use crate::child::run_bounded;
use crate::{Error, Result};

/// ZooKeeper's client jar (its manifest lists the jars it needs).
pub const ZOOKEEPER_JAR: &str = "/usr/share/java/zookeeper.jar";
/// The SLF4J binding that keeps the client quiet.
pub const SLF4J_NOP_JAR: &str = "/usr/share/java/slf4j-nop.jar";

/// The driver's source, committed with the crate.
pub fn source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("java/Driver.java")
}

/// The compiled driver.
#[derive(Debug, Clone)]
pub struct JavaDriver {
    classpath: String,
}

/// A hash of `bytes` (FNV-1a), to tell whether the classes are current.
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

impl JavaDriver {
    /// Compiles the driver into `dir` unless the classes there are of the
    /// current source.
    pub fn prepare(dir: &Path, timeout: Duration) -> Result<Self> {
        let source = std::fs::read(source())?;
        let stamp = dir.join("source.fnv");
        let classes = dir.join("classes");
        let current = format!("{:016x}", fingerprint(&source));
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(current.as_str()) {
            let _ = std::fs::remove_dir_all(&classes);
            std::fs::create_dir_all(&classes)?;
            let mut javac = Command::new("javac");
            javac
                .args(["-nowarn", "-encoding", "UTF-8", "-cp", ZOOKEEPER_JAR, "-d"])
                .arg(&classes)
                .arg(self::source());
            let output = run_bounded(javac, timeout)?;
            if !output.success {
                return Err(Error::msg(format!(
                    "javac failed ({}):\n{}",
                    output.status,
                    output.tail(20)
                )));
            }
            std::fs::write(&stamp, current)?;
        }
        let classpath = format!("{}:{ZOOKEEPER_JAR}:{SLF4J_NOP_JAR}", classes.display());
        Ok(JavaDriver { classpath })
    }

    /// The command running `job`: a JVM with its default (full JIT)
    /// options.
    pub fn command(&self, job: &Job) -> Command {
        let mut command = Command::new("java");
        command.args(["-cp", &self.classpath, "Driver"]).args(job.to_args());
        command
    }
}
