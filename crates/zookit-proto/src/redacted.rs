//! How secrets show in `Debug` output: their length only.

use std::fmt;

/// A secret of this many bytes, for a `Debug` field: `<16 bytes redacted>`.
pub(crate) struct Redacted(pub(crate) usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes redacted>", self.0)
    }
}
