//! Why bytes could not be decoded.

/// An input that is not a valid ZooKeeper frame or record.
///
/// Decoding returns this instead of panicking or allocating, whatever the
/// input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The record ends before all of its fields.
    #[error("truncated record: {needed} more bytes needed, {remaining} left")]
    Truncated {
        /// Bytes the next field needs.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A buffer, string or vector length is negative (other than -1, null)
    /// or larger than what remains of the record.
    #[error("invalid length {len} with {remaining} bytes left")]
    InvalidLength {
        /// The length read from the wire.
        len: i32,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A `ustring` is not valid UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// An enumerated field (opcode, create mode, event type, ...) holds a
    /// value this protocol version does not define.
    #[error("unknown {kind} {value}")]
    UnknownValue {
        /// What the field is, for example `"opcode"`.
        kind: &'static str,
        /// The value read from the wire.
        value: i32,
    },
    /// A frame announces more bytes than the configured maximum.
    #[error("frame of {len} bytes exceeds the maximum of {max} bytes (jute.maxbuffer)")]
    FrameTooLarge {
        /// The announced length.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// A frame announces a negative length.
    #[error("frame announces a negative length {0}")]
    NegativeFrameLength(i32),
}
