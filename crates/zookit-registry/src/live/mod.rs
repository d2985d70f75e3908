//! Live data (zc.zk's `Children` and `Properties`): a node's children or
//! properties, kept current, with callbacks called at once and on every
//! change.

pub(crate) mod callbacks;
mod children;
mod properties;

pub use callbacks::CallbackResult;
pub use children::Children;
pub use properties::Properties;
