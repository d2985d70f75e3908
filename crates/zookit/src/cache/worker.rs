//! The task of a cache: everything that changes the cache happens here, one
//! thing at a time.
//!
//! Its inputs are the client's state changes, the watches' events, and the
//! answers to its reads. Watch events and walks only *ask* for reads; every
//! change of the node map comes from an answer, applied in the order the
//! reads were sent (see `pipeline`), which is the order of the server's
//! states. So the events of one path are reported in the order the server
//! applied its changes, an older answer never overwrites a newer one, and a
//! node created and deleted before it was read leaves no trace.

use std::sync::{Arc, RwLock, RwLockWriteGuard};

use bytes::Bytes;
use tokio::sync::{oneshot, watch};
use tracing::{debug, info, warn};
use zookit_proto::{AddWatchMode, Stat};

use super::Shared;
use super::events::TreeEvent;
use super::one_shot::{Kind, OneShot};
use super::persistent::Persistent;
use super::pipeline::{Pipeline, Request};
use super::refresh::Refresh;
use super::sync::{Descend, WalkId, Walks};
use super::tree::{Applied, Tree};
use crate::client::WeakClient;
use crate::{Client, Error, PersistentWatch, Result, State, StateChange, StateChanges, Watch};

/// How the cache watches the tree.
#[derive(Debug)]
pub(super) enum Strategy {
    Persistent(Persistent),
    OneShot(OneShot),
}

impl Strategy {
    async fn next(&mut self, root: &str) -> Refresh {
        match self {
            Self::Persistent(persistent) => persistent.next(root).await,
            Self::OneShot(one_shot) => one_shot.next().await,
        }
    }
}

/// A read (or the persistent watch) asked of the server.
#[derive(Debug)]
struct Op {
    path: String,
    kind: OpKind,
    /// The one-shot watch asked for with it.
    watch: Option<u64>,
    /// The walk it belongs to.
    walk: Option<WalkId>,
}

#[derive(Clone, Copy, Debug)]
enum OpKind {
    Data,
    Children(Descend),
    /// `exists` with a watch, on the missing root (one-shot).
    Exists,
    /// The persistent recursive watch, set in this session.
    AddWatch {
        session: Option<i64>,
    },
}

impl OpKind {
    fn watch_kind(self) -> Option<Kind> {
        match self {
            Self::Data => Some(Kind::Data),
            Self::Children(_) => Some(Kind::Children),
            Self::Exists => Some(Kind::Exists),
            Self::AddWatch { .. } => None,
        }
    }
}

/// The server's answer to an [`Op`].
enum Reply {
    Data(Result<(Bytes, Stat)>, Option<Watch>),
    Children(Result<Vec<String>>, Option<Watch>),
    Exists(Result<Option<Stat>>, Option<Watch>),
    AddWatch(Result<PersistentWatch>),
}

/// The session id, if the client has one.
pub(super) fn session_id(client: &Client) -> Option<i64> {
    client.client_id().map(|(id, _)| id)
}

fn weak_session_id(client: &WeakClient) -> Option<i64> {
    client.upgrade().as_ref().and_then(session_id)
}

fn write(tree: &RwLock<Tree>) -> RwLockWriteGuard<'_, Tree> {
    // The tree is never left half-changed by a panic; recover it if poisoned.
    tree.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether `error` says the connection or the session failed the read,
/// rather than anything about the node: the next walk reads it again.
fn lost_to_connection(error: &Error) -> bool {
    error.is_connection_loss()
        || error.is_session_expired()
        || error.is_closed()
        || error.is_operation_timeout()
}

/// The request for `op`.
fn issue(client: &Client, path: &str, kind: OpKind, watch: bool) -> Request<Reply> {
    let client = client.clone();
    let path = path.to_owned();
    match kind {
        OpKind::Data if watch => Box::pin(async move {
            match client.get_watch(&path).await {
                Ok((data, stat, watch)) => Reply::Data(Ok((data, stat)), Some(watch)),
                Err(e) => Reply::Data(Err(e), None),
            }
        }),
        OpKind::Data => Box::pin(async move { Reply::Data(client.get(&path).await, None) }),
        OpKind::Children(_) if watch => Box::pin(async move {
            match client.get_children_watch(&path).await {
                Ok((children, _, watch)) => Reply::Children(Ok(children), Some(watch)),
                Err(e) => Reply::Children(Err(e), None),
            }
        }),
        OpKind::Children(_) => {
            Box::pin(async move { Reply::Children(client.get_children(&path).await, None) })
        }
        OpKind::Exists => Box::pin(async move {
            match client.exists_watch(&path).await {
                Ok((stat, watch)) => Reply::Exists(Ok(stat), Some(watch)),
                Err(e) => Reply::Exists(Err(e), None),
            }
        }),
        OpKind::AddWatch { .. } => Box::pin(async move {
            Reply::AddWatch(client.add_watch(&path, AddWatchMode::PersistentRecursive).await)
        }),
    }
}

/// The cache's task.
pub(super) struct Worker {
    /// The client, not kept alive by the cache: once the application drops
    /// it, the session closes and the cache ends.
    client: WeakClient,
    root: String,
    shared: Arc<Shared>,
    strategy: Strategy,
    pipeline: Pipeline<Op, Reply>,
    walks: Walks,
    changes: StateChanges,
    /// The simple state last seen.
    state: State,
    /// The session last seen connected.
    session: Option<i64>,
    /// Events not yet published.
    events: Vec<TreeEvent>,
    initialized: watch::Sender<bool>,
}

/// What the worker starts from.
pub(super) struct WorkerParts {
    pub(super) client: WeakClient,
    pub(super) shared: Arc<Shared>,
    pub(super) strategy: Strategy,
    pub(super) changes: StateChanges,
    pub(super) state: State,
    pub(super) session: Option<i64>,
    pub(super) max_in_flight: usize,
    pub(super) initialized: watch::Sender<bool>,
}

impl Worker {
    pub(super) fn new(parts: WorkerParts) -> Self {
        let root = parts.shared.root.clone();
        Self {
            client: parts.client,
            root,
            shared: parts.shared,
            strategy: parts.strategy,
            pipeline: Pipeline::new(parts.max_in_flight),
            walks: Walks::default(),
            changes: parts.changes,
            state: parts.state,
            session: parts.session,
            events: Vec::new(),
            initialized: parts.initialized,
        }
    }

    /// Loads the tree, then keeps it current until `stop` resolves (sent,
    /// or dropped with the cache) or the client is gone. Then empties the
    /// tree and ends the event streams; the watches go with the task.
    pub(super) async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        self.walk();
        loop {
            tokio::select! {
                biased;
                _ = &mut stop => break,
                change = self.changes.next() => match change {
                    Some(change) => self.on_state(change),
                    None => {
                        self.publish();
                        break; // the client is gone
                    }
                },
                (op, reply) = self.pipeline.next(), if !self.pipeline.is_empty() => {
                    self.on_reply(op, reply);
                }
                refresh = self.strategy.next(&self.root) => self.on_refresh(refresh),
            }
            self.publish();
        }
        debug!(root = self.root, "tree cache closed");
        write(&self.shared.tree).close();
        self.shared.bus.close();
    }

    fn publish(&mut self) {
        self.shared.bus.publish(&mut self.events);
        if self.walks.is_initialized() && !*self.initialized.borrow() {
            self.initialized.send_replace(true);
        }
    }

    // ---- asking ----

    /// Queues a read of `kind` on `path`, with a one-shot watch if the node
    /// needs one.
    fn push(&mut self, path: String, kind: OpKind, walk: Option<WalkId>) {
        let Some(client) = self.client.upgrade() else {
            return; // the client is gone: its state stream ends next
        };
        let watch = match (&mut self.strategy, kind.watch_kind()) {
            (Strategy::OneShot(one_shot), Some(watch_kind)) => one_shot.want(&path, watch_kind),
            _ => None,
        };
        if matches!(kind, OpKind::Exists) && watch.is_none() {
            return; // the root's exists watch is set already
        }
        self.walks.queued(walk);
        let request = issue(&client, &path, kind, watch.is_some());
        self.pipeline.push(Op { path, kind, watch, walk }, request);
    }

    /// Reads `path` and its children, then loads the children (all, or
    /// only those not cached).
    fn load(&mut self, path: String, walk: Option<WalkId>, descend: Descend) {
        self.push(path.clone(), OpKind::Data, walk);
        self.push(path, OpKind::Children(descend), walk);
    }

    /// Walks the whole tree again (the initial load, or a resync).
    fn walk(&mut self) {
        let walk = self.walks.begin();
        debug!(root = self.root, walk, "walking the tree");
        self.load(self.root.clone(), Some(walk), Descend::All);
    }

    fn on_refresh(&mut self, refresh: Refresh) {
        match refresh {
            Refresh::Data(path) => self.push(path, OpKind::Data, None),
            Refresh::Children(path) => self.push(path, OpKind::Children(Descend::New), None),
            Refresh::Load(path) => self.load(path, None, Descend::All),
            Refresh::Resync => self.walk(),
        }
    }

    fn on_state(&mut self, change: StateChange) {
        let previous = std::mem::replace(&mut self.state, change.state);
        if previous == change.state {
            return;
        }
        match change.state {
            State::Suspended => {
                self.walks.disconnected();
                self.events.push(TreeEvent::ConnectionSuspended);
            }
            State::Lost => {
                self.walks.disconnected();
                self.events.push(TreeEvent::ConnectionLost);
            }
            State::Connected => self.reconnected(),
        }
    }

    /// Connected again: in a new session, the old watches are gone; set
    /// them again, then walk to catch up with what changed meanwhile. In
    /// the same session, a persistent watch goes on, and its reset signal
    /// starts the walk once the watch is registered again.
    fn reconnected(&mut self) {
        let session = weak_session_id(&self.client);
        let new_session = session != self.session;
        self.session = session;
        info!(root = self.root, new_session, "reconnected; resynchronising the tree cache");
        match &mut self.strategy {
            Strategy::Persistent(persistent) => {
                if !persistent.needs_watch(session) {
                    return;
                }
                // Set before the walk's reads, so no change falls between.
                self.push(self.root.clone(), OpKind::AddWatch { session }, None);
            }
            Strategy::OneShot(one_shot) => {
                if new_session {
                    one_shot.new_session();
                }
            }
        }
        self.walk();
    }

    // ---- applying answers ----

    fn on_reply(&mut self, op: Op, reply: Reply) {
        let (result, watch): (Result<()>, _) = match reply {
            Reply::Data(result, watch) => (self.on_data(&op, result), watch),
            Reply::Children(result, watch) => (self.on_children(&op, result), watch),
            Reply::Exists(result, watch) => (self.on_exists(&op, result), watch),
            Reply::AddWatch(result) => (self.on_add_watch(&op, result), None),
        };
        if let (Strategy::OneShot(one_shot), Some(id), Some(kind)) =
            (&mut self.strategy, op.watch, op.kind.watch_kind())
        {
            one_shot.settle(&op.path, kind, id, watch);
        }
        let failed = match result {
            Ok(()) => false,
            Err(e) if lost_to_connection(&e) => {
                debug!(error = %e, "a read of the tree cache was cut off; the next walk reads again");
                true
            }
            Err(e) => {
                // Not readable (e.g. NoAuth): left out of the cache.
                warn!(error = %e, "the tree cache cannot read a node");
                false
            }
        };
        self.walks.applied(op.walk, failed, &mut self.events);
    }

    fn on_data(&mut self, op: &Op, result: Result<(Bytes, Stat)>) -> Result<()> {
        match result {
            Ok((data, stat)) => {
                let applied =
                    write(&self.shared.tree).apply_data(&op.path, data, stat, &mut self.events);
                if applied == Applied::Orphan {
                    // Its parent is not cached (yet): load the parent, which
                    // loads its missing children, this node among them.
                    let parent = zookit_proto::parent_path(&op.path).unwrap_or("/");
                    self.load(parent.to_owned(), op.walk, Descend::New);
                }
                Ok(())
            }
            Err(e) if e.is_no_node() => {
                write(&self.shared.tree).remove(&op.path, &mut self.events);
                if op.path == self.root && matches!(self.strategy, Strategy::OneShot(_)) {
                    self.push(op.path.clone(), OpKind::Exists, op.walk);
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn on_children(&mut self, op: &Op, result: Result<Vec<String>>) -> Result<()> {
        let children = match result {
            Ok(children) => children,
            // The data read says what happened to the node.
            Err(e) if e.is_no_node() => return Ok(()),
            Err(e) => return Err(e),
        };
        let OpKind::Children(descend) = op.kind else { return Ok(()) };
        let to_load: Vec<String> = {
            let mut tree = write(&self.shared.tree);
            let listed = tree.apply_children(&op.path, children, &mut self.events);
            match descend {
                Descend::All => listed,
                Descend::New => listed.into_iter().filter(|child| !tree.contains(child)).collect(),
            }
        };
        for child in to_load {
            self.load(child, op.walk, Descend::All);
        }
        Ok(())
    }

    fn on_exists(&mut self, op: &Op, result: Result<Option<Stat>>) -> Result<()> {
        if result?.is_some() {
            // Created since the read that found it missing.
            self.load(op.path.clone(), op.walk, Descend::All);
        }
        Ok(())
    }

    fn on_add_watch(&mut self, op: &Op, result: Result<PersistentWatch>) -> Result<()> {
        let (OpKind::AddWatch { session }, Strategy::Persistent(persistent)) =
            (op.kind, &mut self.strategy)
        else {
            return Ok(());
        };
        persistent.set(result?, session, self.session);
        Ok(())
    }
}
