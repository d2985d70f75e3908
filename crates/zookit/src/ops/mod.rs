//! The operations of a [`Client`](crate::Client), grouped by kind.

mod admin;
mod multi;
mod read;
mod watches;
mod write;

pub use admin::SERVER_VERSION_RETRIES;
pub use multi::{OpOutcome, ReadOp, ReadOutcome, Transaction, TransactionResults};
pub use write::{Create, CreateWithStat, Delete, SetAcl, SetData};
