//! The blocking helper: zc.zk's `ZooKeeper` for code without an async
//! runtime, wrapping the async [`crate::ZooKeeper`].

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use zookit::blocking::Blocking;
use zookit::{Acl, Stat};

use crate::builder::start_session;
use crate::live::callbacks::Runner;
use crate::value::Map;
use crate::{Error, RegisteringServer, Result};

/// zc.zk's `ZooKeeper` helper, blocking: each method runs the async
/// [`crate::ZooKeeper`]'s on the client's runtime thread and waits for it
/// at most the client's [command
/// timeout](zookit::blocking::Client::command_timeout). See the [module
/// documentation](super).
///
/// Cheap to clone; the session closes when the last clone (and the last
/// [`Children`](super::Children), [`Properties`](super::Properties) and
/// [`Walk`](super::Walk) made from it) is dropped, or at once with
/// [`close`](Self::close).
#[derive(Clone)]
#[doc(alias("zc.zk.ZooKeeper", "ZK"))]
pub struct ZooKeeper {
    inner: crate::ZooKeeper,
    client: zookit::blocking::Client,
}

/// Options for [`ZooKeeper::builder`]: the async helper's
/// [`crate::ZooKeeperBuilder`] in its blocking mode, whose client options
/// are a [`zookit::blocking::ClientBuilder`] (with the [command
/// timeout](zookit::ClientBuilder#method.command_timeout): imports, exports
/// and recursive deletions of large trees may need more than the default).
pub type ZooKeeperBuilder = crate::ZooKeeperBuilder<Blocking>;

impl crate::ZooKeeperBuilder<Blocking> {
    /// Connects: starts the blocking client's threads and its session.
    /// Fails with [`Error::FailedConnect`] if no session can be had (within
    /// the wait, if one was set); waits at most the wait, plus the
    /// connection timeout and the command timeout.
    pub fn connect(self) -> Result<ZooKeeper> {
        let (builder, wait) = self.into_parts();
        let hosts = builder.connect_string().to_owned();
        let client = builder
            .build()
            .map_err(|cause| Error::FailedConnect { hosts: hosts.clone(), cause })?;
        let async_client = client.async_client().clone();
        let bound = wait
            .unwrap_or_default()
            .saturating_add(async_client.connection_timeout())
            .saturating_add(client.command_timeout());
        let runner = Runner::Thread(client.callbacks().clone());
        let inner = client.block_on_timeout("connect", bound, async move {
            start_session(&async_client, hosts, wait).await?;
            Ok::<_, Error>(crate::ZooKeeper::new(async_client, true, runner))
        })?;
        Ok(ZooKeeper { inner, client })
    }
}

impl ZooKeeper {
    /// Connects as zc.zk's `ZooKeeper(connection_string, session_timeout,
    /// wait)`: to `hosts` (default: `$ZC_ZK_CONNECTION_STRING`, else
    /// `127.0.0.1:2181`), asking for `session_timeout` (default 10 s), and
    /// with `wait`, trying again until it has passed (zc.zk's `wait=True`,
    /// bounded). See [`builder`](Self::builder) for every option.
    pub fn connect(
        hosts: Option<&str>,
        session_timeout: Option<Duration>,
        wait: Option<Duration>,
    ) -> Result<Self> {
        let mut builder = Self::builder();
        if let Some(hosts) = hosts {
            builder = builder.hosts(hosts);
        }
        if let Some(timeout) = session_timeout {
            builder = builder.session_timeout(timeout);
        }
        if let Some(wait) = wait {
            builder = builder.wait(wait);
        }
        builder.connect()
    }

    /// Options for connecting.
    pub fn builder() -> ZooKeeperBuilder {
        ZooKeeperBuilder::default()
    }

    /// A helper using an existing blocking client (zc.zk takes a kazoo
    /// client too); it shares the client's session, and
    /// [`close`](Self::close) then leaves the client open. The helper
    /// restarts the client's session if it expires, to register its servers
    /// again.
    pub fn from_client(client: zookit::blocking::Client) -> Result<Self> {
        let async_client = client.async_client().clone();
        let runner = Runner::Thread(client.callbacks().clone());
        let inner =
            client.block_on_timeout("from_client", client.command_timeout(), async move {
                Ok::<_, Error>(crate::ZooKeeper::new(async_client, false, runner))
            })?;
        Ok(Self { inner, client })
    }

    /// The blocking client the helper uses.
    pub fn client(&self) -> &zookit::blocking::Client {
        &self.client
    }

    /// The async helper this one runs, for code written against it (run
    /// it with [`zookit::blocking::Client::block_on`]).
    pub fn async_helper(&self) -> &crate::ZooKeeper {
        &self.inner
    }

    /// Closes the session (its registrations vanish at once), unless the
    /// helper was made from an existing client. Closing again does nothing.
    pub fn close(&self) -> Result<()> {
        self.run("close", |zk| async move { zk.close().await })
    }

    /// Runs `call` with the async helper on the client's runtime and waits
    /// for it, at most the command timeout; a timeout names `op`.
    pub(crate) fn run<T, F>(
        &self,
        op: &'static str,
        call: impl FnOnce(crate::ZooKeeper) -> F,
    ) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        let future = call(self.inner.clone());
        self.client.block_on_timeout(op, self.client.command_timeout(), future)
    }

    /// Runs `job` on the client's callback thread and waits for it (at most
    /// the command timeout), or at once if this is that thread. A job that
    /// is still queued when the wait ends runs later.
    pub(crate) fn on_callback_thread(
        &self,
        op: &'static str,
        job: impl FnOnce() -> Result<()> + Send + 'static,
    ) -> Result<()> {
        let thread = self.client.callbacks().clone();
        if thread.is_current() {
            return job();
        }
        self.run(op, |_| async move {
            // The jobs given here do not panic (callbacks' panics are caught
            // within them).
            thread.call(job).await.unwrap_or(Ok(()))
        })
    }

    // ---- registration ----

    /// Registers a server at `address` as a provider of the service at
    /// `path`, with `acl` (default: readable by the world) and
    /// `properties`; see [`crate::ZooKeeper::register`].
    ///
    /// ```no_run
    /// # fn example(zk: zookit_registry::blocking::ZooKeeper) -> zookit_registry::Result<()> {
    /// use zookit_registry::value::Map;
    ///
    /// zk.register("/fooservice/providers", "192.168.0.42:8080", None, Map::new())?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn register(
        &self,
        path: &str,
        address: &str,
        acl: Option<Vec<Acl>>,
        properties: Map,
    ) -> Result<Vec<String>> {
        let (path, address) = (path.to_owned(), address.to_owned());
        self.run(
            "register",
            |zk| async move { zk.register(&path, &address, acl, properties).await },
        )
    }

    /// Removes a registration; see [`crate::ZooKeeper::unregister`].
    pub fn unregister(&self, path: &str, address: &str) -> Result<()> {
        let (path, address) = (path.to_owned(), address.to_owned());
        self.run("unregister", |zk| async move { zk.unregister(&path, &address).await })
    }

    /// Adds a hook called before each server's node is created; see
    /// [`crate::ZooKeeper::on_registering`]. It runs on the client's runtime
    /// thread while `register` runs: it must be quick and must not call the
    /// helper.
    pub fn on_registering(
        &self,
        hook: impl Fn(&mut RegisteringServer<'_>) + Send + Sync + 'static,
    ) {
        self.inner.on_registering(hook);
    }

    // ---- links ----

    /// The real path of `path`, following symbolic links; see
    /// [`crate::ZooKeeper::resolve`].
    pub fn resolve(&self, path: &str) -> Result<String> {
        let path = path.to_owned();
        self.run("resolve", |zk| async move { zk.resolve(&path).await })
    }

    /// Makes a symbolic link at `source` pointing to `target` (zc.zk's
    /// `ln(target, source)`); see [`crate::ZooKeeper::ln`].
    pub fn ln(&self, target: &str, source: &str) -> Result<()> {
        let (target, source) = (target.to_owned(), source.to_owned());
        self.run("ln", |zk| async move { zk.ln(&target, &source).await })
    }

    // ---- kazoo shortcuts, as zc.zk offers them ----

    /// The node's stat, if it exists.
    pub fn exists(&self, path: &str) -> Result<Option<Stat>> {
        let path = path.to_owned();
        self.run("exists", |zk| async move { zk.exists(&path).await })
    }

    /// Creates a node with `acl` (`None`: the client's default ACL);
    /// returns its path. See [`crate::ZooKeeper::create`].
    pub fn create(
        &self,
        path: &str,
        data: impl AsRef<[u8]>,
        acl: Option<Vec<Acl>>,
    ) -> Result<String> {
        let (path, data) = (path.to_owned(), Bytes::copy_from_slice(data.as_ref()));
        self.run("create", |zk| async move { zk.create(&path, data, acl).await })
    }

    /// Deletes a node.
    pub fn delete(&self, path: &str) -> Result<()> {
        let path = path.to_owned();
        self.run("delete", |zk| async move { zk.delete(&path).await })
    }

    /// The node's children.
    pub fn get_children(&self, path: &str) -> Result<Vec<String>> {
        let path = path.to_owned();
        self.run("get_children", |zk| async move { zk.get_children(&path).await })
    }

    /// The node's data and stat.
    pub fn get(&self, path: &str) -> Result<(Bytes, Stat)> {
        let path = path.to_owned();
        self.run("get", |zk| async move { zk.get(&path).await })
    }

    /// Sets the node's data.
    pub fn set(&self, path: &str, data: impl AsRef<[u8]>) -> Result<Stat> {
        let (path, data) = (path.to_owned(), Bytes::copy_from_slice(data.as_ref()));
        self.run("set", |zk| async move { zk.set(&path, data).await })
    }

    /// Whether the node at `path` is ephemeral; see
    /// [`crate::ZooKeeper::is_ephemeral`].
    pub fn is_ephemeral(&self, path: &str) -> Result<bool> {
        let path = path.to_owned();
        self.run("is_ephemeral", |zk| async move { zk.is_ephemeral(&path).await })
    }
}

impl std::fmt::Debug for ZooKeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZooKeeper").field("client", &self.client).finish_non_exhaustive()
    }
}
