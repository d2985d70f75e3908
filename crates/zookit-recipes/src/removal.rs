//! Deleting nodes that are no longer wanted (contenders that gave up,
//! released holdings): now if the connection allows, else once the session
//! is connected again.

use std::time::Duration;

use tokio::runtime::Handle;
use zookit::{ClientState, WeakClient, join_path};

use crate::connection::{
    RETRY_PAUSE, is_retryable, is_session_over, session_of, strong, wait_writable,
};

/// How long a failed acquisition waits for its node to be deleted before
/// it leaves the deletion to a background task.
const CLEANUP_WAIT: Duration = Duration::from_secs(2);

/// A node to delete: by path, or (a create whose reply never came) every
/// child of `parent` whose name starts with `prefix`.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    Node(String),
    Prefixed { parent: String, prefix: String },
}

/// Deletes `target` if the client is still in `session` (in another
/// session the node is gone, or goes when its session expires). One try.
async fn remove(client: &WeakClient, target: &Target, session: i64) -> zookit::Result<()> {
    let Ok(client) = strong(client) else { return Ok(()) };
    if session_of(&client) != Some(session) {
        return Ok(());
    }
    let nodes = match target {
        Target::Node(path) => vec![path.clone()],
        Target::Prefixed { parent, prefix } => match client.get_children(parent).await {
            Ok(children) => children
                .iter()
                .filter(|child| child.starts_with(prefix.as_str()))
                .map(|child| join_path(parent, child))
                .collect(),
            Err(e) if e.is_no_node() => Vec::new(),
            Err(e) => return Err(e),
        },
    };
    for node in nodes {
        match client.delete(&node).await {
            Err(e) if !e.is_no_node() => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Deletes `target` now if the connection allows, waiting at most a
/// little; otherwise (or if that fails for the connection's sake) in a
/// background task on `runtime`, once the session is connected again.
/// Errors that leave the node in place for good are returned.
pub(crate) async fn remove_now_or_later(
    client: &WeakClient,
    runtime: &Handle,
    target: Target,
    session: i64,
) -> zookit::Result<()> {
    let connected = client.upgrade().is_some_and(|c| c.client_state() == ClientState::Connected);
    if connected {
        match tokio::time::timeout(CLEANUP_WAIT, remove(client, &target, session)).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) if is_session_over(&e) => return Ok(()),
            Ok(Err(e)) if !is_retryable(&e) => return Err(e),
            _ => {}
        }
    }
    remove_later(client, runtime, target, session);
    Ok(())
}

/// Deletes `target` in the background: see [`remove_in_background`].
pub(crate) fn remove_later(client: &WeakClient, runtime: &Handle, target: Target, session: i64) {
    runtime.spawn(remove_in_background(client.clone(), target, session));
}

/// Deletes `target` as soon as the session is connected, trying again
/// after every connection loss; ends when it is deleted, when the session
/// is over (the node went with it), or when the client is gone.
pub(crate) async fn remove_in_background(client: WeakClient, target: Target, session: i64) {
    loop {
        if wait_writable(&client).await.is_err() {
            return;
        }
        match remove(&client, &target, session).await {
            Ok(()) => return,
            Err(e) if is_retryable(&e) => tokio::time::sleep(RETRY_PAUSE).await,
            Err(e) if is_session_over(&e) => return,
            Err(e) => {
                tracing::warn!(err = %e, ?target, "cannot delete a contender node");
                return;
            }
        }
    }
}
