//! The helper: zc.zk's `ZooKeeper` object.

use std::sync::Arc;

use zookit::Client;

use crate::live::callbacks::Runner;
use crate::register::Registrations;
use crate::register::keeper::Keeper;
use crate::{Result, ZooKeeperBuilder};

/// zc.zk's `ZooKeeper` helper: service registration and discovery, live
/// children and properties, symbolic and property links, and the tree text
/// format's import and export.
///
/// Cheap to clone. Sessions are kept: after a session expires, the helper
/// starts a new one and registers its servers again (kazoo and zc.zk do
/// the same).
#[derive(Clone)]
pub struct ZooKeeper {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    owns_client: bool,
    registrations: Arc<Registrations>,
    runner: Runner,
    _keeper: Keeper,
}

impl ZooKeeper {
    /// Connects to `hosts` (or the default connection string).
    pub async fn connect(hosts: Option<&str>) -> Result<Self> {
        let mut builder = Self::builder();
        if let Some(hosts) = hosts {
            builder = builder.hosts(hosts);
        }
        builder.connect().await
    }

    /// Options for connecting.
    pub fn builder() -> ZooKeeperBuilder {
        ZooKeeperBuilder::default()
    }

    /// A helper using an existing client; [`close`](Self::close) then leaves
    /// the client open. The helper restarts the client's session if it
    /// expires, to register its servers again.
    pub fn from_client(client: Client) -> Self {
        Self::new(client, false, Runner::InPlace)
    }

    /// A helper on `client` (closed with the helper if `owns_client`)
    /// whose users' functions run on `runner`. Must be called within the
    /// client's runtime: it spawns the task keeping the session.
    pub(crate) fn new(client: Client, owns_client: bool, runner: Runner) -> Self {
        let registrations = Arc::new(Registrations::default());
        let keeper = Keeper::start(&client, Arc::clone(&registrations));
        let inner = Inner { client, owns_client, registrations, runner, _keeper: keeper };
        Self { inner: Arc::new(inner) }
    }

    /// The client the helper uses.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// A reference that does not keep the helper (and its session) alive,
    /// for background tasks.
    pub(crate) fn downgrade(&self) -> WeakZooKeeper {
        WeakZooKeeper(Arc::downgrade(&self.inner))
    }

    pub(crate) fn registrations(&self) -> &Arc<Registrations> {
        &self.inner.registrations
    }

    /// Where the helper runs its users' functions.
    pub(crate) fn runner(&self) -> &Runner {
        &self.inner.runner
    }

    /// Closes the session (its registrations vanish at once), unless the
    /// helper was made from an existing client.
    pub async fn close(&self) -> Result<()> {
        self.inner.registrations.clear();
        if self.inner.owns_client {
            self.inner.client.stop().await?;
        }
        Ok(())
    }
}

/// A [`ZooKeeper`] that does not keep the helper alive.
#[derive(Clone)]
pub(crate) struct WeakZooKeeper(std::sync::Weak<Inner>);

impl WeakZooKeeper {
    /// The helper, while some handle to it is alive.
    pub(crate) fn upgrade(&self) -> Option<ZooKeeper> {
        self.0.upgrade().map(|inner| ZooKeeper { inner })
    }
}

impl std::fmt::Debug for ZooKeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZooKeeper").field("client", &self.inner.client).finish_non_exhaustive()
    }
}
