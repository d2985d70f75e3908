//! Caches of ZooKeeper data kept current by watches: [`TreeCache`], a local
//! copy of a whole subtree (kazoo's `TreeCache`, Curator's `CuratorCache`).
//!
//! ```no_run
//! use zookit::cache::{TreeCache, TreeEvent};
//!
//! # async fn example(client: zookit::Client) -> zookit::Result<()> {
//! let cache = TreeCache::start(&client, "/services").await?;
//! let mut events = cache.events();
//! while let Some(event) = events.next().await {
//!     match event {
//!         TreeEvent::NodeAdded { path, data, .. } => println!("+ {path} {data:?}"),
//!         TreeEvent::NodeUpdated { path, data, .. } => println!("~ {path} {data:?}"),
//!         TreeEvent::NodeRemoved { path, .. } => println!("- {path}"),
//!         TreeEvent::Initialized => break,
//!         other => println!("{other:?}"),
//!     }
//! }
//! let children = cache.get_children("/services")?; // from memory
//! if let Some((data, stat)) = cache.get_data("/services/web")? {
//!     println!("version {}: {data:?}", stat.version);
//! }
//! cache.close().await;
//! # let _ = children;
//! # Ok(())
//! # }
//! ```
//!
//! # How it stays current
//!
//! - **One watch.** On ZooKeeper 3.6+ the cache sets one persistent
//!   recursive watch on its root, as `CuratorCache` does. Older servers
//!   (which answer `addWatch` with `Unimplemented`) get kazoo's scheme: a
//!   data watch and a children watch per node, set again as they fire
//!   ([`TreeCacheBuilder::persistent_watch`] chooses it explicitly).
//! - **In order.** One task per cache does everything, one thing at a time.
//!   A watch event only asks for a read of its node; the answers are applied
//!   in the order the reads were sent, which on one session is the order
//!   of the server's states. The events of a path come in the order the
//!   server applied its changes, an older answer never replaces a newer one
//!   (the stat's `czxid` and `mzxid` are compared too), and a node created
//!   and deleted before it was read is never reported. (kazoo's cache could
//!   report stale data: its issue #645.)
//! - **Pipelined.** Loads read many nodes at once, up to
//!   [`TreeCacheBuilder::max_in_flight`] requests, breadth first.
//! - **Catching up.** After every reconnect, and in every new session (once
//!   the client is connected again, after [`Client::restart`] for an ended
//!   one), the cache walks the tree again and reports exactly the
//!   differences, then [`TreeEvent::ConnectionReconnected`]: ZooKeeper does
//!   not replay what a persistent watch missed while disconnected. After a
//!   reconnect within the session, the walk starts on the persistent
//!   watch's reset signal ([`WatchedEvent::is_reset`](crate::WatchedEvent::is_reset)),
//!   once the watch is registered again.
//!
//! With ZooKeeper before 3.9, a session keeps one watch mode per znode
//! (ZOOKEEPER-4466, see the [crate documentation](crate)): do not set
//! one-shot watches on the cache's root with the cache's client, or the
//! persistent recursive watch may stop after its next event. Use a second
//! client for them.
//!
//! The cached stat is the one read with the data: its children counters
//! (`cversion`, `num_children`, `pzxid`) may lag; ask
//! [`TreeCache::get_children`] for the children.
//!
//! A cache does not keep its client alive: once the application has dropped
//! every handle of the client, the session closes and the cache ends (its
//! streams end after [`TreeEvent::ConnectionLost`]; queries fail with
//! [`Closed`](crate::ErrorKind::Closed)).

mod events;
mod one_shot;
mod persistent;
mod pipeline;
mod refresh;
mod sync;
mod tree;
mod worker;

use std::fmt;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

use bytes::Bytes;
use tokio::sync::{oneshot, watch};
use tracing::info;
use zookit_proto::{AddWatchMode, ErrorCode, Stat, validate_path};

use self::events::EventBus;
pub use self::events::{TreeEvent, TreeEvents};
use self::one_shot::OneShot;
use self::persistent::Persistent;
use self::tree::Tree;
use self::worker::{Strategy, Worker, WorkerParts, session_id};
use crate::{Client, Error, Result};

/// The default of [`TreeCacheBuilder::max_in_flight`].
const DEFAULT_MAX_IN_FLIGHT: usize = 512;

/// What the handle and the task share.
#[derive(Debug)]
struct Shared {
    root: String,
    tree: RwLock<Tree>,
    bus: EventBus,
}

/// A local, always current copy of the subtree at a root (root included):
/// every node's data, stat and children, and a stream of its changes.
///
/// Made by [`TreeCache::start`] or [`TreeCache::builder`]. Queries answer
/// from memory. [`close`](TreeCache::close) stops it, as does dropping it.
/// See the [module documentation](self) for how it stays current.
#[doc(alias("CuratorCache"))]
pub struct TreeCache {
    shared: Arc<Shared>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    done: watch::Receiver<bool>,
    initialized: watch::Receiver<bool>,
    persistent: bool,
    /// The client's runtime, where listeners run.
    runtime: tokio::runtime::Handle,
}

impl fmt::Debug for TreeCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TreeCache")
            .field("root", &self.shared.root)
            .field("persistent_watch", &self.persistent)
            .field("nodes", &self.read().len())
            .field("closed", &self.read().is_closed())
            .finish()
    }
}

/// Configures a [`TreeCache`]; made by [`TreeCache::builder`].
#[derive(Clone, Debug)]
pub struct TreeCacheBuilder {
    client: Client,
    root: String,
    persistent_watch: bool,
    max_in_flight: usize,
    events_from_start: bool,
}

impl TreeCacheBuilder {
    /// Whether to watch with one persistent recursive watch (default yes;
    /// servers before 3.6 get one-shot watches anyway). With `false`, every
    /// node gets a data watch and a children watch, set again as they fire,
    /// which any server supports.
    pub fn persistent_watch(mut self, enabled: bool) -> Self {
        self.persistent_watch = enabled;
        self
    }

    /// The most reads in flight at once while loading (default 512).
    pub fn max_in_flight(mut self, max: usize) -> Self {
        self.max_in_flight = max.max(1);
        self
    }

    /// Whether the first stream of [`TreeCache::events`] begins at the
    /// start (default yes): until it is taken, the cache keeps its events
    /// for it. A cache used only for its queries may turn this off.
    pub fn events_from_start(mut self, enabled: bool) -> Self {
        self.events_from_start = enabled;
        self
    }

    /// Starts the cache: sets its watch, then loads the tree in the
    /// background ([`TreeEvent::Initialized`], or
    /// [`TreeCache::initialized`], tells when it is loaded). A root that
    /// does not exist is fine: the cache stays empty until it is created.
    ///
    /// Fails if the root is not a valid path, or the watch cannot be set
    /// (e.g. the client is closed).
    pub async fn start(self) -> Result<TreeCache> {
        validate_path(&self.root).map_err(Error::invalid_path)?;
        let client = self.client;
        let changes = client.state_changes();
        let state = client.state();
        let session = session_id(&client);
        let strategy = if self.persistent_watch {
            match client.add_watch(&self.root, AddWatchMode::PersistentRecursive).await {
                Ok(watch) => Strategy::Persistent(Persistent::new(watch, session)),
                Err(e) if e.code() == Some(ErrorCode::Unimplemented) => {
                    info!(
                        root = self.root,
                        "no persistent watches (server before 3.6): one-shot watches"
                    );
                    Strategy::OneShot(OneShot::new())
                }
                Err(e) => return Err(e),
            }
        } else {
            Strategy::OneShot(OneShot::new())
        };
        let persistent = matches!(strategy, Strategy::Persistent(_));
        let shared = Arc::new(Shared {
            tree: RwLock::new(Tree::new(self.root.clone())),
            root: self.root,
            bus: EventBus::new(self.events_from_start),
        });
        let (stop, stopped) = oneshot::channel();
        let (done_sender, done) = watch::channel(false);
        let (initialized_sender, initialized) = watch::channel(false);
        let worker = Worker::new(WorkerParts {
            client: client.downgrade(),
            shared: Arc::clone(&shared),
            strategy,
            changes,
            state,
            session,
            max_in_flight: self.max_in_flight,
            initialized: initialized_sender,
        });
        let runtime = client.runtime().clone();
        runtime.spawn(async move {
            worker.run(stopped).await;
            done_sender.send_replace(true);
        });
        Ok(TreeCache {
            shared,
            stop: Mutex::new(Some(stop)),
            done,
            initialized,
            persistent,
            runtime,
        })
    }
}

impl TreeCache {
    /// Starts a cache of the subtree at `root` with the default settings;
    /// see [`TreeCacheBuilder::start`].
    pub async fn start(client: &Client, root: &str) -> Result<Self> {
        Self::builder(client, root).start().await
    }

    /// A builder for a cache of the subtree at `root`.
    pub fn builder(client: &Client, root: &str) -> TreeCacheBuilder {
        TreeCacheBuilder {
            client: client.clone(),
            root: root.to_owned(),
            persistent_watch: true,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            events_from_start: true,
        }
    }

    /// The root of the cached subtree.
    pub fn root(&self) -> &str {
        &self.shared.root
    }

    /// Whether the cache watches with one persistent recursive watch (else
    /// with one-shot watches per node).
    pub fn uses_persistent_watch(&self) -> bool {
        self.persistent
    }

    /// The cache's events, as a stream. The first stream taken begins at
    /// the start (unless [`TreeCacheBuilder::events_from_start`] is off):
    /// a `NodeAdded` for each node of the initial load, then `Initialized`.
    /// Taken after `Initialized`, it gets the changes since folded into
    /// those events (so a cache nobody streams stays as big as its
    /// subtree): each `NodeAdded` carries the node's current data, nodes
    /// removed since are left out, nodes added since follow `Initialized`,
    /// and connection events before it was taken are not kept; from then
    /// on, every event. Later streams begin now. Every stream ends when the
    /// cache closes.
    pub fn events(&self) -> TreeEvents {
        self.shared.bus.subscribe()
    }

    /// Calls `listener` with every event, as [`events`](Self::events)
    /// streams them (the first listener or stream from the start), on a
    /// task of its own on the client's runtime: it may call the client, but
    /// should not block for long. It ends when the cache closes.
    pub fn listen(&self, mut listener: impl FnMut(TreeEvent) + Send + 'static) {
        let mut events = self.events();
        self.runtime.spawn(async move {
            while let Some(event) = events.next().await {
                let call = std::panic::AssertUnwindSafe(|| listener(event));
                if std::panic::catch_unwind(call).is_err() {
                    tracing::error!("a tree cache listener panicked");
                }
            }
        });
    }

    /// Waits until the initial load is complete. Fails with
    /// [`Closed`](crate::ErrorKind::Closed) if the cache closes first.
    pub async fn initialized(&self) -> Result<()> {
        let mut initialized = self.initialized.clone();
        match initialized.wait_for(|done| *done).await {
            Ok(_) => Ok(()),
            Err(_) => Err(Error::closed()),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Tree> {
        self.shared.tree.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The tree, for a query of `path`: a valid path inside it, and open.
    fn query(&self, path: &str) -> Result<RwLockReadGuard<'_, Tree>> {
        validate_path(path).map_err(Error::invalid_path)?;
        let root = &self.shared.root;
        if !zookit_proto::is_within(root, path) {
            return Err(Error::invalid_argument(format!(
                "{path} is outside the tree cached at {root}"
            ))
            .with_path(path));
        }
        let tree = self.read();
        if tree.is_closed() {
            return Err(Error::closed().with_path(path));
        }
        Ok(tree)
    }

    /// The cached data and stat of `path`; `None` if it is not in the
    /// cache (it does not exist, or is not loaded yet).
    ///
    /// Fails with [`InvalidArgument`](crate::ErrorKind::InvalidArgument)
    /// for a path outside the tree, [`InvalidPath`](crate::ErrorKind::InvalidPath)
    /// for an invalid one, and [`Closed`](crate::ErrorKind::Closed) once the
    /// cache is closed.
    pub fn get_data(&self, path: &str) -> Result<Option<(Bytes, Stat)>> {
        Ok(self.query(path)?.get(path).map(|node| (node.data.clone(), node.stat)))
    }

    /// The names of the cached children of `path`, sorted; `None` if it is
    /// not in the cache. Fails as [`get_data`](Self::get_data) does.
    pub fn get_children(&self, path: &str) -> Result<Option<Vec<String>>> {
        Ok(self.query(path)?.get(path).map(|node| node.children.iter().cloned().collect()))
    }

    /// Every cached path, sorted (empty once closed).
    pub fn paths(&self) -> Vec<String> {
        self.read().paths()
    }

    /// How many nodes are cached.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether no node is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stops the cache: its watches are dropped (and removed from the
    /// server), its contents cleared, and its event streams end. Queries
    /// fail with [`Closed`](crate::ErrorKind::Closed) from then on. Dropping
    /// the cache does the same in the background.
    pub async fn close(&self) {
        let stop = self.stop.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        let mut done = self.done.clone();
        // An error means the task is gone, which is done too.
        let _ = done.wait_for(|done| *done).await;
    }
}
