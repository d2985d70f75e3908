//! The error codes a ZooKeeper server answers with.

use bytes::{BufMut, Bytes};

use crate::{Decode, DecodeError, Encode};

macro_rules! error_codes {
    ($( $(#[$meta:meta])* $variant:ident = $code:literal, $name:literal, $text:literal; )*) => {
        /// The outcome a server reports in a reply header, a multi result or an
        /// `ErrorResponse`.
        ///
        /// `Ok` is success; every other value is an error. Codes unknown to
        /// this version are kept as [`ErrorCode::Unknown`], so decoding never
        /// fails on them.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$meta])* $variant, )*
            /// A code this version does not know.
            Unknown(i32),
        }

        impl ErrorCode {
            /// The value on the wire.
            pub const fn code(self) -> i32 {
                match self {
                    $( Self::$variant => $code, )*
                    Self::Unknown(code) => code,
                }
            }

            /// The error code for a value on the wire.
            pub const fn from_code(code: i32) -> Self {
                match code {
                    $( $code => Self::$variant, )*
                    other => Self::Unknown(other),
                }
            }

            /// The code's name as ZooKeeper's Java client spells it, for
            /// example `"NoNode"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => $name, )*
                    Self::Unknown(_) => "Unknown",
                }
            }

            /// A short description of what the code means.
            pub const fn description(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::Unknown(_) => "unknown error code",
                }
            }
        }
    };
}

error_codes! {
    /// Success.
    #[default]
    Ok = 0, "Ok", "ok";
    /// A server-side error of no particular kind.
    SystemError = -1, "SystemError", "system error";
    /// The server found its state inconsistent; also the result of the ops
    /// after the failing one in a multi.
    RuntimeInconsistency = -2, "RuntimeInconsistency", "runtime inconsistency";
    /// The server's data is inconsistent.
    DataInconsistency = -3, "DataInconsistency", "data inconsistency";
    /// The connection to the server was lost (client-side).
    ConnectionLoss = -4, "ConnectionLoss", "connection lost";
    /// A record could not be encoded or decoded.
    MarshallingError = -5, "MarshallingError", "marshalling error";
    /// The operation is not implemented by the server.
    Unimplemented = -6, "Unimplemented", "operation not implemented";
    /// The operation timed out.
    OperationTimeout = -7, "OperationTimeout", "operation timed out";
    /// Invalid arguments.
    BadArguments = -8, "BadArguments", "bad arguments";
    /// The session is not known to the server.
    UnknownSession = -12, "UnknownSession", "unknown session";
    /// A reconfiguration's new configuration has no quorum.
    NewConfigNoQuorum = -13, "NewConfigNoQuorum", "no quorum of the new config is connected";
    /// Another reconfiguration is in progress.
    ReconfigInProgress = -14, "ReconfigInProgress", "another reconfiguration is in progress";
    /// An API error of no particular kind.
    ApiError = -100, "APIError", "API error";
    /// The node does not exist.
    NoNode = -101, "NoNode", "node does not exist";
    /// Not authorized.
    NoAuth = -102, "NoAuth", "not authorized";
    /// The version does not match the node's.
    BadVersion = -103, "BadVersion", "version does not match";
    /// Ephemeral nodes cannot have children.
    NoChildrenForEphemerals = -108, "NoChildrenForEphemerals", "ephemeral nodes may not have children";
    /// The node already exists.
    NodeExists = -110, "NodeExists", "node already exists";
    /// The node has children.
    NotEmpty = -111, "NotEmpty", "node has children";
    /// The session has expired.
    SessionExpired = -112, "SessionExpired", "session expired";
    /// Invalid callback.
    InvalidCallback = -113, "InvalidCallback", "invalid callback";
    /// Invalid ACL.
    InvalidAcl = -114, "InvalidACL", "invalid ACL";
    /// Authentication failed.
    AuthFailed = -115, "AuthFailed", "authentication failed";
    /// The session moved to another server.
    SessionMoved = -118, "SessionMoved", "session moved to another server";
    /// A write was sent to a read-only server.
    NotReadOnly = -119, "NotReadOnly", "state-changing request sent to a read-only server";
    /// An ephemeral node cannot be created on a local session.
    EphemeralOnLocalSession = -120, "EphemeralOnLocalSession", "ephemeral node on a local session";
    /// The watcher to remove or check does not exist.
    NoWatcher = -121, "NoWatcher", "no such watcher";
    /// The request timed out (while waiting for a quorum, for example).
    RequestTimeout = -122, "RequestTimeout", "request timed out";
    /// Dynamic reconfiguration is disabled.
    ReconfigDisabled = -123, "ReconfigDisabled", "reconfiguration is disabled";
    /// The session was closed because the client failed to authenticate.
    SessionClosedRequireSaslAuth = -124, "SessionClosedRequireSaslAuth", "session closed: SASL authentication required";
    /// A quota was exceeded.
    QuotaExceeded = -125, "QuotaExceeded", "quota exceeded";
    /// The server throttled the operation under load.
    ThrottledOp = -127, "ThrottledOp", "operation throttled due to high load";
}

impl ErrorCode {
    /// Whether this is [`ErrorCode::Ok`].
    pub const fn is_ok(self) -> bool {
        matches!(self, Self::Ok)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unknown(code) => write!(f, "unknown error code {code}"),
            _ => write!(f, "{} ({})", self.name(), self.description()),
        }
    }
}

impl Encode for ErrorCode {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.code().encode(buf);
    }
    fn encoded_len(&self) -> usize {
        4
    }
}

impl Decode for ErrorCode {
    const MIN_LEN: usize = 4;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        Ok(Self::from_code(i32::decode(buf)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_kept() {
        for code in -130..=1 {
            assert_eq!(ErrorCode::from_code(code).code(), code);
        }
        assert_eq!(ErrorCode::from_code(-101), ErrorCode::NoNode);
        assert_eq!(ErrorCode::from_code(-126), ErrorCode::Unknown(-126));
        assert_eq!(ErrorCode::NoNode.to_string(), "NoNode (node does not exist)");
        assert_eq!(ErrorCode::InvalidAcl.name(), "InvalidACL");
    }
}
