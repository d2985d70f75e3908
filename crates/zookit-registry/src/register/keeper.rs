//! Keeping the session: after an expiry, a new session, and the
//! registrations again.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tracing::{info, warn};
use zookit::{Client, ClientState};

use super::Registrations;

/// The keeper task of a helper; stopped when dropped.
pub(crate) struct Keeper(JoinHandle<()>);

impl Drop for Keeper {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Keeper {
    /// Watches `client`'s session: when it expires, starts a new one; when a
    /// new session is up, registers the servers again. Runs on its own task,
    /// so the client's event delivery never waits for it.
    pub(crate) fn start(client: &Client, registrations: Arc<Registrations>) -> Self {
        let weak = client.downgrade();
        let mut changes = client.state_changes();
        let mut session = client.client_id().map(|(id, _)| id);
        Keeper(tokio::spawn(async move {
            while let Some(change) = changes.next().await {
                let Some(client) = weak.upgrade() else { return };
                match change.client_state {
                    ClientState::Expired => restart(&client).await,
                    ClientState::Connected | ClientState::ConnectedReadOnly => {
                        let current = client.client_id().map(|(id, _)| id);
                        if current != session {
                            let renewed = session.is_some();
                            session = current;
                            if renewed {
                                info!("new session: registering the servers again");
                                if let Err(err) = registrations.recreate(&client).await {
                                    warn!(%err, "re-registering failed");
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }))
    }
}

/// Starts a new session after an expiry, trying until one is had (or the
/// client is stopped meanwhile).
async fn restart(client: &Client) {
    let mut delay = Duration::from_millis(100);
    loop {
        info!("session expired: starting a new one");
        match client.start().await {
            Ok(()) => return,
            Err(err) if err.is_closed() => return,
            Err(err) => {
                warn!(%err, "can't start a new session yet");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}
