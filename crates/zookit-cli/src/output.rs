//! Where results go: text or JSON on standard output, errors on standard
//! error, and the exit code.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use serde_json::Value;

use crate::error::{CliError, Failure, Result};

/// How results are printed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    json: bool,
    quiet: bool,
}

impl Output {
    /// Text (or `json`) output; `quiet` silences notes and progress.
    pub(crate) fn new(json: bool, quiet: bool) -> Self {
        Self { json, quiet }
    }

    /// Whether results are printed as JSON.
    pub(crate) fn json_mode(&self) -> bool {
        self.json
    }

    /// Whether notes for people (on standard error) are wanted: not with
    /// `--quiet`, and only when standard error is a terminal.
    pub(crate) fn notes_wanted(&self) -> bool {
        !self.quiet && io::stderr().is_terminal()
    }

    /// Whether `--quiet` was given.
    pub(crate) fn quiet(&self) -> bool {
        self.quiet
    }

    /// Writes `bytes` to standard output as they are.
    pub(crate) fn raw(&self, bytes: &[u8]) -> Result<()> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(bytes).and_then(|()| stdout.flush()).map_err(|e| CliError::stdout(&e))
    }

    /// Writes `text` to standard output as it is.
    pub(crate) fn text(&self, text: &str) -> Result<()> {
        self.raw(text.as_bytes())
    }

    /// Writes `line` and a newline to standard output.
    pub(crate) fn line(&self, line: impl std::fmt::Display) -> Result<()> {
        self.text(&format!("{line}\n"))
    }

    /// Writes lines to standard output.
    pub(crate) fn lines<I, S>(&self, lines: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut text = String::new();
        for line in lines {
            text.push_str(line.as_ref());
            text.push('\n');
        }
        self.text(&text)
    }

    /// Writes `value` as pretty-printed JSON.
    pub(crate) fn json(&self, value: &Value) -> Result<()> {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
        self.line(text)
    }

    /// Writes `value` as one line of JSON (for streams such as `watch`).
    pub(crate) fn json_line(&self, value: &Value) -> Result<()> {
        self.line(value)
    }

    /// A note for people on standard error (see [`notes_wanted`](Self::notes_wanted)).
    pub(crate) fn note(&self, note: impl std::fmt::Display) {
        if self.notes_wanted() {
            eprintln!("{note}");
        }
    }

    /// Reports how the command ended and returns the exit code: errors on
    /// standard error, as `program: message` or, with `--json`, as JSON.
    pub(crate) fn finish(&self, program: &str, result: Result<()>) -> ExitCode {
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                if error.failure != Failure::BrokenPipe {
                    let mut stderr = io::stderr().lock();
                    let _ = if self.json {
                        writeln!(stderr, "{}", error.to_json())
                    } else {
                        writeln!(stderr, "{program}: {}", error.message)
                    };
                }
                ExitCode::from(error.failure.exit_code())
            }
        }
    }
}
