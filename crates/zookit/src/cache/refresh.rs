//! What a watch event asks of the cache: the watches (`persistent`,
//! `one_shot`) say it, the cache's task (`worker`) does it.

/// What a watch event asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Refresh {
    /// Read the node's data (and set its data watch, one-shot).
    Data(String),
    /// Read the node's children and load the new ones (and set its
    /// children watch, one-shot).
    Children(String),
    /// Load the node and everything below it.
    Load(String),
    /// Walk the whole tree again: the persistent watch was reset after a
    /// reconnect, and what changed meanwhile is unknown.
    Resync,
}
