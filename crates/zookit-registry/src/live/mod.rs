//! Live data (zc.zk's `Children` and `Properties`): a node's children or
//! properties, kept current, with callbacks called at once and on every
//! change.

pub(crate) mod callbacks;
mod children;
mod properties;

pub use callbacks::CallbackResult;
pub use children::Children;
pub use properties::Properties;

use crate::{Error, ZooKeeper};

/// Where live data goes once its node was deleted.
enum Relocated {
    /// The path now resolves (through links) to this node: follow it.
    To(String),
    /// The path resolves nowhere (or into a link loop): the data is gone.
    Nowhere,
    /// It cannot be told (the error is logged): stop following.
    Unknown,
}

/// Resolves the path of the live `what` at `path` again, after its node
/// was deleted.
async fn relocate(zk: &ZooKeeper, path: &str, what: &str) -> Relocated {
    match zk.resolve(path).await {
        Ok(real_path) => Relocated::To(real_path),
        Err(Error::NoNode { .. } | Error::LinkLoop(_)) => Relocated::Nowhere,
        Err(err) => {
            tracing::warn!(path, %err, "can't follow the {what} any more");
            Relocated::Unknown
        }
    }
}
