//! Test support: a raw-protocol client and the differential harness.

pub(crate) mod names;
pub(crate) mod raw;
pub(crate) mod scenario;
