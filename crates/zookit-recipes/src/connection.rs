//! The client as the recipes see it: alive or gone, its session, which
//! failures are worth another try, and waiting for a usable connection.

use std::time::Duration;

use zookit::{Client, ClientState, ErrorCode, State, WeakClient};

use crate::error::{Error, Result};

/// The pause before retrying an operation that failed while connected
/// (an `OperationTimeout`, say), so that such failures cannot spin.
pub(crate) const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// The client, while it is alive.
pub(crate) fn strong(client: &WeakClient) -> Result<Client> {
    client.upgrade().ok_or_else(Error::closed)
}

/// The id of the client's current session.
pub(crate) fn session_of(client: &Client) -> Option<i64> {
    client.client_id().map(|(id, _)| id)
}

/// Whether trying again, once connected, may succeed.
pub(crate) fn is_retryable(err: &zookit::Error) -> bool {
    err.is_connection_loss()
        || err.is_operation_timeout()
        || matches!(err.code(), Some(ErrorCode::SessionMoved | ErrorCode::NotReadOnly))
}

/// Whether a recipe's error is the client's, and worth another try.
pub(crate) fn is_retryable_error(err: &Error) -> bool {
    err.client_error().is_some_and(is_retryable)
}

/// Whether the session the error came from is over for good (so are its
/// ephemeral nodes).
pub(crate) fn is_session_over(err: &zookit::Error) -> bool {
    err.is_closed() || err.is_session_expired() || err.is_auth_failed()
}

/// Waits until the client is connected to a read-write server. Fails when
/// it will not be by itself: stopped, never started, expired, refused, or
/// gone. (Subscribed before the state is read: no reconnect is missed.)
pub(crate) async fn wait_writable(client: &WeakClient) -> Result<()> {
    let mut changes = strong(client)?.state_changes();
    loop {
        let state = strong(client)?.client_state();
        if state == ClientState::Connected {
            return Ok(());
        }
        if let Some(err) = Error::from_client_state(state) {
            return Err(err);
        }
        if changes.next().await.is_none() {
            return Err(Error::closed());
        }
    }
}

/// Runs `op` again after a connection loss while the session may live
/// (the client queues requests while it reconnects); once the client
/// reports the session `Lost`, the error is returned: queries do not wait
/// for a connection that may never come back.
pub(crate) async fn with_retries<T, F, Fut>(client: &Client, mut op: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    loop {
        match op().await {
            Err(err) if is_retryable_error(&err) && client.state() != State::Lost => {
                tokio::time::sleep(RETRY_PAUSE).await;
            }
            other => return other,
        }
    }
}
