//! Integration tests of the soak: short soaks with the seeds that found
//! anomalies.

mod regressions;
