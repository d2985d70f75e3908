//! Errors of the tree text format.

use crate::value::LiteralError;

/// Why a tree text could not be parsed: which line, and what is wrong with
/// it.
///
/// Displays as `line 3: duplicate property: "  threads = 3"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}: {text:?}")]
pub struct ParseError {
    /// The 1-based number of the offending line.
    pub line: usize,
    /// The offending line, without its trailing whitespace.
    pub text: String,
    /// What is wrong with it.
    pub kind: ParseErrorKind,
}

/// The kinds of [`ParseError`], zc.zk's categories.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The line contains `->` but is not a well-formed `name -> path`
    /// (zc.zk: `Bad link format`).
    #[error("bad link format")]
    BadLinkFormat,
    /// The line is not a node, property, link or property link (zc.zk:
    /// `Unrecognized data`).
    #[error("unrecognized data")]
    UnrecognizedData,
    /// A property's value is not a Python literal that can be stored (zc.zk:
    /// `Error <error> in expression: <expr> in line <n>`).
    #[error("error in expression {expression:?}: {error}")]
    BadValue {
        /// The value's text.
        expression: String,
        /// What is wrong with it.
        error: LiteralError,
    },
    /// The line is indented under a property or link rather than a node
    /// (zc.zk: `Can't indent under properties`).
    #[error("can't indent under properties")]
    IndentUnderProperties,
    /// The line is less indented than the previous line but does not line up
    /// with any enclosing node's entries (zc.zk: `Invalid indentation`).
    #[error("invalid indentation")]
    InvalidIndentation,
    /// The node already has a sub-node of this name (zc.zk: `duplicate
    /// node`).
    #[error("duplicate node")]
    DuplicateNode {
        /// The sub-node's name.
        name: String,
    },
    /// The node already has this property, link or property link (zc.zk:
    /// `duplicate property`). A node type counts as the property `type`.
    #[error("duplicate property")]
    DuplicateProperty {
        /// The key as stored: `threads`, `providers ->` or `threads =>`.
        name: String,
    },
    /// A property, link or property link at the level of the top nodes,
    /// which have no node to belong to (zc.zk: `Can't import properties
    /// above imported nodes.`).
    #[error("can't import properties above imported nodes")]
    PropertiesAboveNodes,
}
