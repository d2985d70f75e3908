//! The Tokio runtime the recipes spawn their tasks on.

use tokio::runtime::Handle;

use crate::error::{Error, Result};

/// The caller's runtime; an error outside of one (use the blocking forms
/// there).
pub(crate) fn runtime() -> Result<Handle> {
    Handle::try_current().map_err(|_| {
        Error::invalid_argument(
            "zookit recipes must be used within a Tokio runtime (or through their blocking forms)",
        )
    })
}
