//! kazoo's watch helpers: [`DataWatch`], [`ChildrenWatch`] and the patient
//! children watch ([`Client::patient_children`](crate::Client::patient_children)).
//!
//! Each runs on its own task, keeps watching across reconnects and new
//! sessions, calls its function at once and then on every change (never
//! twice for the same value), and stops when the function returns `false`
//! or its handle is dropped. They do not keep the client alive.

mod blocking;
mod children;
mod data;
mod patient;
mod task;

pub use children::{ChildrenStream, ChildrenUpdate, ChildrenWatch};
pub use data::{DataStream, DataUpdate, DataWatch};
pub use task::{KeepWatching, UpdateStream};
