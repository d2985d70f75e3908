//! Integration tests of zookit-testing: real ZooKeeper servers, the
//! embedded server and its simulated ensemble, and the proxy.

mod embedded;
mod ensemble;
mod janitor;
mod proxy;
mod sasl;
mod shared;
mod standalone;
mod tls;

use std::time::{Duration, Instant};

/// Result type of the tests.
type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
