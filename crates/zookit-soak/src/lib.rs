//! The zookit soak: several worker processes run a random mix of zookit
//! operations and recipes against Apache ZooKeeper or the embedded server
//! while a nemesis injects faults; every operation goes to a history, and
//! at the end the history is checked. This library holds the history
//! format and the checks; the `zookit-soak` binary runs the soak
//! (`scripts/soak`, see RELIABILITY.md).

pub mod checks;
pub mod history;
pub mod linearizable;
pub mod report;
