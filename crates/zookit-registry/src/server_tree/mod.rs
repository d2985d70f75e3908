//! Trees on the server: reading one into the [tree model](crate::tree) and
//! exporting it, importing a tree text, deleting recursively, and walking.
//! Whole subtrees are read with many requests in flight (`pipeline`) and
//! written in transactions of a few hundred operations (`batch`).

mod batch;
mod delete;
mod diff;
mod export;
mod import;
mod pipeline;
mod walk;

pub use import::ImportReport;
pub use walk::{Walk, WalkEntry};
