//! The command line's one error type, and the exit code of each error.

use std::fmt;
use std::io;
use std::path::Path;

use zookit::ErrorKind;

/// How a command failed, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// ZooKeeper said no (NoNode, BadVersion, ...), or could not be reached:
    /// exit code 1.
    ZooKeeper,
    /// Bad usage or bad input (an invalid path, value or tree file): exit
    /// code 2.
    Usage,
    /// Standard output was closed (`zookit ls -R / | head`): nothing more to
    /// say, exit code 0.
    BrokenPipe,
}

impl Failure {
    /// The process exit code.
    pub(crate) fn exit_code(self) -> u8 {
        match self {
            Failure::ZooKeeper => 1,
            Failure::Usage => 2,
            Failure::BrokenPipe => 0,
        }
    }
}

/// A failed command: what kind of failure, a one-line message naming the
/// path and the cause, and for ZooKeeper errors the error code's name.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) failure: Failure,
    pub(crate) message: String,
    /// ZooKeeper's name of the error code (`NoNode`), when there is one.
    pub(crate) code: Option<&'static str>,
    /// The znode path concerned, when known.
    pub(crate) path: Option<String>,
}

/// The result of a command.
pub(crate) type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    /// Bad usage or input: exit code 2.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self { failure: Failure::Usage, message: message.into(), code: None, path: None }
    }

    /// A failure other than bad usage: exit code 1.
    pub(crate) fn failed(message: impl Into<String>) -> Self {
        Self { failure: Failure::ZooKeeper, message: message.into(), code: None, path: None }
    }

    /// The node at `path` does not exist (found out by `op`).
    pub(crate) fn no_node(op: &str, path: &str) -> Self {
        Self {
            failure: Failure::ZooKeeper,
            message: format!("{op} {path}: NoNode (node does not exist)"),
            code: Some("NoNode"),
            path: Some(path.to_owned()),
        }
    }

    /// Reading or writing a local file failed.
    pub(crate) fn file(action: &str, path: &Path, error: &io::Error) -> Self {
        Self::usage(format!("can't {action} {}: {}", path.display(), io_cause(error)))
    }

    /// Writing to standard output failed.
    pub(crate) fn stdout(error: &io::Error) -> Self {
        if error.kind() == io::ErrorKind::BrokenPipe {
            Self { failure: Failure::BrokenPipe, message: String::new(), code: None, path: None }
        } else {
            Self::failed(format!("can't write to standard output: {error}"))
        }
    }

    /// Could not get a session with `hosts`.
    pub(crate) fn connect(hosts: &str, error: &zookit::Error) -> Self {
        let failure = match error.kind() {
            ErrorKind::InvalidConnectString | ErrorKind::InvalidArgument => Failure::Usage,
            _ => Failure::ZooKeeper,
        };
        // The client's TLS messages name its API; say the options instead.
        let cause = error
            .message()
            .to_string()
            .replace("TlsOptions::key_password", "--tls-key-password")
            .replace("TlsOptions::ca_file", "--tls-ca or --tls-no-verify");
        Self {
            failure,
            message: format!("can't connect to ZooKeeper at {hosts}: {cause}"),
            code: error.code().map(|code| code.name()),
            path: None,
        }
    }

    /// The error as JSON, for `--json`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        let mut error = serde_json::Map::new();
        error.insert("message".into(), self.message.clone().into());
        if let Some(code) = self.code {
            error.insert("code".into(), code.into());
        }
        if let Some(path) = &self.path {
            error.insert("path".into(), path.clone().into());
        }
        error.insert("exit".into(), self.failure.exit_code().into());
        serde_json::json!({ "error": error })
    }
}

/// An I/O error's cause without Rust's `(os error 2)` suffix.
fn io_cause(error: &io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<zookit::Error> for CliError {
    fn from(error: zookit::Error) -> Self {
        let failure = match error.kind() {
            ErrorKind::InvalidPath
            | ErrorKind::InvalidArgument
            | ErrorKind::InvalidConnectString => Failure::Usage,
            _ => Failure::ZooKeeper,
        };
        Self {
            failure,
            message: error.to_string(),
            code: error.code().map(|code| code.name()),
            path: error.path().map(str::to_owned),
        }
    }
}

impl From<zookit_registry::Error> for CliError {
    fn from(error: zookit_registry::Error) -> Self {
        use zookit_registry::Error as E;
        match error {
            E::ZooKeeper(e) => e.into(),
            E::FailedConnect { hosts, cause } => Self::connect(&hosts, &cause),
            E::Parse(e) => Self::usage(e.to_string()),
            E::InvalidAddress(_) => Self::usage(error.to_string()),
            E::NoNode { ref path } => Self {
                failure: Failure::ZooKeeper,
                code: Some("NoNode"),
                path: Some(path.clone()),
                message: error.to_string(),
            },
            other => Self::failed(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use zookit::ErrorCode;

    use super::*;

    #[test]
    fn exit_codes() {
        let no_node: CliError = zookit::Error::from(ErrorCode::NoNode).into();
        assert_eq!(no_node.failure.exit_code(), 1);
        assert_eq!(no_node.code, Some("NoNode"));
        let bad_input = zookit::SaslCredentials::new("GSSAPI", "user", "password").unwrap_err();
        assert_eq!(bad_input.kind(), ErrorKind::InvalidArgument);
        assert_eq!(CliError::from(bad_input).failure.exit_code(), 2);
        let bad_hosts = zookit::ConnectString::parse("zk:port").unwrap_err();
        assert_eq!(CliError::from(bad_hosts).failure.exit_code(), 2);
        assert_eq!(CliError::usage("x").failure.exit_code(), 2);
        let pipe = CliError::stdout(&io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(pipe.failure.exit_code(), 0);
    }

    #[test]
    fn json_errors_name_the_code_and_path() {
        let error = CliError::no_node("getData", "/x");
        assert_eq!(
            error.to_json(),
            serde_json::json!({"error": {
                "message": "getData /x: NoNode (node does not exist)",
                "code": "NoNode",
                "path": "/x",
                "exit": 1,
            }})
        );
    }
}
