//! kazoo: `python/kazoo_driver.py`, run with a virtualenv the harness makes
//! (and keeps) with kazoo from PyPI.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::child::run_bounded;
use crate::{Error, Job, Result};

/// The kazoo release compared.
pub const KAZOO_VERSION: &str = "2.11.0";
/// The Python that makes the virtualenv: `$ZOOKIT_BENCH_PYTHON`, else
/// `python3`.
pub const PYTHON_ENV: &str = "ZOOKIT_BENCH_PYTHON";

/// The driver script, committed with the crate.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python/kazoo_driver.py")
}

/// A virtualenv with kazoo, ready to run the driver.
#[derive(Debug, Clone)]
pub struct Kazoo {
    python: PathBuf,
}

impl Kazoo {
    /// The virtualenv at `venv`, made first if it is missing (`python3 -m
    /// venv`, then `pip install kazoo==2.11.0` from PyPI), all within
    /// `timeout`. It is made beside `venv` and moved there once complete,
    /// so a half-made one is never used.
    pub fn prepare(venv: &Path, timeout: Duration) -> Result<Self> {
        let deadline = Instant::now() + timeout;
        let stamp = format!(".kazoo-{KAZOO_VERSION}");
        if venv.join(&stamp).exists() {
            return Ok(Kazoo { python: venv.join("bin/python") });
        }
        if let Some(parent) = venv.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let building = venv.with_extension(format!("tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&building);
        let python = std::env::var(PYTHON_ENV).unwrap_or_else(|_| "python3".to_owned());
        let left = || deadline.saturating_duration_since(Instant::now());
        let step = |what: &str, mut command: Command| -> Result<()> {
            command.env("PIP_DISABLE_PIP_VERSION_CHECK", "1").env("PIP_NO_INPUT", "1");
            let output = run_bounded(command, left())?;
            if output.success {
                Ok(())
            } else {
                Err(Error::msg(format!("{what} failed ({}):\n{}", output.status, output.tail(15))))
            }
        };
        let result = (|| {
            let mut make = Command::new(&python);
            make.args(["-m", "venv"]).arg(&building);
            step("making the virtualenv", make)?;
            let venv_python = building.join("bin/python");
            let mut install = Command::new(&venv_python);
            install.args(["-m", "pip", "install", "-q", &format!("kazoo=={KAZOO_VERSION}")]);
            step("pip install kazoo", install)?;
            let mut check = Command::new(&venv_python);
            check.args(["-c", "import kazoo.client"]);
            step("importing kazoo", check)?;
            std::fs::write(building.join(&stamp), KAZOO_VERSION)?;
            let _ = std::fs::remove_dir_all(venv);
            std::fs::rename(&building, venv)?;
            Ok(Kazoo { python: venv.join("bin/python") })
        })();
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&building);
        }
        result
    }

    /// The command running `job`.
    pub fn command(&self, job: &Job) -> Command {
        let mut command = Command::new(&self.python);
        command.arg(script()).args(job.to_args());
        command
    }
}
