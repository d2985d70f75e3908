//! Bounded waits: deadlines, and watches that end with the session.

use std::time::Duration;

use tokio::time::Instant;
use zookit::{Watch, WatchedEvent};

use crate::error::{Error, Result};

/// The instant `timeout` from now (far in the future if it overflows).
pub(crate) fn deadline_in(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout).unwrap_or_else(|| now + Duration::from_secs(86_400 * 365))
}

/// Runs `future` until `deadline`; `None` if the deadline came first.
pub(crate) async fn until<T>(deadline: Instant, future: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout_at(deadline, future).await.ok()
}

/// Sleeps until `deadline`, for ever without one.
pub(crate) async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Waits for a watch to fire: its event, or an error if the session ended
/// (the terminal event says how: expired, closed, refused credentials).
pub(crate) async fn fired(watch: Watch) -> Result<WatchedEvent> {
    let event = watch.await;
    if event.is_terminal() { Err(Error::session_ended(event.state)) } else { Ok(event) }
}

/// Waits for a watch until `deadline`: `Ok(Some(event))` when it fired,
/// `Ok(None)` at the deadline, an error if the session ended.
pub(crate) async fn fired_until(watch: Watch, deadline: Instant) -> Result<Option<WatchedEvent>> {
    until(deadline, fired(watch)).await.transpose()
}
