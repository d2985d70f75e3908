//! Running the async recipes of this module's barriers, counters,
//! parties, queues, leases and partitioner on the blocking client, each
//! call bounded in time.

use std::future::Future;
use std::time::Duration;

use zookit::Result;
use zookit::blocking::Client;

/// Runs `future` on `client`'s runtime and waits for it at most `bound`;
/// past it the future is dropped and the call fails with
/// [`ErrorKind::Timeout`](zookit::ErrorKind::Timeout) naming `what` (what it
/// did may or may not have been applied, as after a connection loss).
pub(crate) fn run_for<T, F>(
    client: &Client,
    what: &'static str,
    bound: Duration,
    future: F,
) -> Result<T>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    client.block_on_timeout(what, bound, future)
}

/// Like [`run_for`], bounded by the client's command timeout.
pub(crate) fn run<T, F>(client: &Client, what: &'static str, future: F) -> Result<T>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    run_for(client, what, client.command_timeout(), future)
}

/// The bound of a call that waits up to `timeout`: the timeout plus the
/// command timeout, for the requests around the wait.
pub(crate) fn waiting(client: &Client, timeout: Duration) -> Duration {
    timeout.saturating_add(client.command_timeout())
}
