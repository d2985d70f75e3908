//! Reading input files, `-` meaning standard input.

use std::io::{IsTerminal, Read};
use std::path::Path;

use crate::error::{CliError, Result};

/// The bytes of `file`, or of standard input for `-`.
pub(crate) fn read_bytes(file: &Path) -> Result<Vec<u8>> {
    if file == Path::new("-") {
        if std::io::stdin().is_terminal() {
            eprintln!("reading standard input (end with Ctrl-D)");
        }
        let mut data = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut data)
            .map_err(|e| CliError::file("read", Path::new("standard input"), &e))?;
        Ok(data)
    } else {
        std::fs::read(file).map_err(|e| CliError::file("read", file, &e))
    }
}

/// The text of `file`, or of standard input for `-`; it must be UTF-8.
pub(crate) fn read_text(file: &Path) -> Result<String> {
    String::from_utf8(read_bytes(file)?)
        .map_err(|_| CliError::usage(format!("{} is not UTF-8 text", display_name(file))))
}

/// How to name `file` in messages.
pub(crate) fn display_name(file: &Path) -> String {
    if file == Path::new("-") { "standard input".to_owned() } else { file.display().to_string() }
}
