//! What the lock-like recipes share: contender nodes (their names, order and
//! predecessors), contending for the first place, waiting for a usable
//! connection, and deleting nodes that are no longer wanted, now or once
//! the connection is back.
//!
//! A contender node is `{path}/{prefix}{name}{sequence}`: `prefix` is random
//! and new for every acquisition, so that a create whose reply was lost is
//! found again by its prefix (kazoo's `create_tried`, Curator's protected
//! mode); `name` is `__lock__` (locks, write locks, elections) or
//! `__rlock__` (read locks), as kazoo names them.

use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use zookit::{join_path, last_name};

use bytes::Bytes;
use tokio::runtime::Handle;
use zookit::{Client, ClientState, ErrorCode, State, Watch, WeakClient};

use crate::lock::LockError;

/// kazoo's node name of locks, write locks and elections.
pub(crate) const LOCK_NAME: &str = "__lock__";
/// kazoo's node name of read locks.
pub(crate) const READ_LOCK_NAME: &str = "__rlock__";

/// How long a failed acquisition waits for its node to be deleted before
/// it leaves the deletion to a background task.
const CLEANUP_WAIT: Duration = Duration::from_secs(2);
/// The pause before retrying an operation that failed while connected
/// (an `OperationTimeout`, say), so that such failures cannot spin.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// What kind of contender a node is: its name, and the names of the
/// contenders that exclude it when they come first.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kind {
    pub(crate) name: &'static str,
    pub(crate) blocked_by: &'static [&'static str],
}

/// An exclusive lock: excluded by every earlier lock (and write lock).
pub(crate) const EXCLUSIVE: Kind = Kind { name: LOCK_NAME, blocked_by: &[LOCK_NAME] };
/// A write lock: excluded by every earlier contender, readers included.
pub(crate) const WRITER: Kind = Kind { name: LOCK_NAME, blocked_by: &[LOCK_NAME, READ_LOCK_NAME] };
/// A read lock: excluded only by earlier writers.
pub(crate) const READER: Kind = Kind { name: READ_LOCK_NAME, blocked_by: &[LOCK_NAME] };

impl Kind {
    /// Whether `name` is one of the names this kind lists as contenders:
    /// its own and those that exclude it.
    fn lists(&self, name: &str) -> bool {
        name == self.name || self.blocked_by.contains(&name)
    }
}

/// A new random prefix, 32 hex digits like a UUID's (kazoo's
/// `uuid.uuid4().hex`). Unique across processes: the hasher keys are
/// random per process and thread, and time, process id and a counter are
/// mixed in.
pub(crate) fn unique_prefix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut prefix = String::with_capacity(32);
    for half in 0..2u8 {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u8(half);
        hasher.write_u64(count);
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        let _ = write!(prefix, "{:016x}", hasher.finish());
    }
    prefix
}

/// The sequence number of a contender node named with one of `names`
/// (the 10 digits ZooKeeper appends, negative once the counter overflowed).
fn sequence(node: &str, names: impl Fn(&str) -> bool) -> Option<i64> {
    for name in [LOCK_NAME, READ_LOCK_NAME] {
        if !names(name) {
            continue;
        }
        let Some(at) = node.rfind(name) else { continue };
        let digits = &node[at + name.len()..];
        let unsigned = digits.strip_prefix('-').unwrap_or(digits);
        if (9..=10).contains(&unsigned.len()) && unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return digits.parse().ok();
        }
    }
    None
}

/// The contenders of `kind` among `children`, first to last.
pub(crate) fn sorted_contenders(children: &[String], kind: Kind) -> Vec<String> {
    let mut contenders: Vec<(i64, &String)> = children
        .iter()
        .filter_map(|child| Some((sequence(child, |n| kind.lists(n))?, child)))
        .collect();
    contenders.sort();
    contenders.into_iter().map(|(_, child)| child.clone()).collect()
}

/// Where `own` stands among `children`.
#[derive(Debug, PartialEq, Eq)]
enum Standing {
    /// `own` is not there (its session ended, or it was deleted).
    Missing,
    /// Nothing that excludes `own` comes before it.
    First,
    /// The closest contender before `own` that excludes it: the one to
    /// watch (only that one, so that a release wakes one contender).
    After(String),
}

fn standing(children: &[String], own: &str, kind: Kind) -> Standing {
    let Some(own_sequence) =
        children.iter().any(|c| c == own).then(|| sequence(own, |n| n == kind.name)).flatten()
    else {
        return Standing::Missing;
    };
    children
        .iter()
        .filter_map(|child| {
            let s = sequence(child, |n| kind.blocked_by.contains(&n))?;
            (s < own_sequence).then_some((s, child))
        })
        .max()
        .map_or(Standing::First, |(_, child)| Standing::After(child.clone()))
}

// ---- connection ----

/// The error of a client that is gone.
pub(crate) fn closed() -> zookit::Error {
    zookit::__transitional::closed()
}

/// The client, while it is alive.
pub(crate) fn strong(client: &WeakClient) -> Result<Client, zookit::Error> {
    client.upgrade().ok_or_else(closed)
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

/// Whether the session the error came from is over for good (so are its
/// ephemeral nodes).
fn is_session_over(err: &zookit::Error) -> bool {
    err.is_closed() || err.is_session_expired() || err.is_auth_failed()
}

/// Waits until the client is connected to a read-write server. Fails when
/// it will not be by itself: stopped, never started, expired, refused, or
/// gone. (Subscribed before the state is read: no reconnect is missed.)
pub(crate) async fn wait_writable(client: &WeakClient) -> Result<(), zookit::Error> {
    let mut changes = strong(client)?.state_changes();
    loop {
        match strong(client)?.client_state() {
            ClientState::Connected => return Ok(()),
            ClientState::Closed => return Err(closed()),
            ClientState::Expired => {
                return Err(zookit::Error::from(ErrorCode::SessionExpired));
            }
            ClientState::AuthFailed => return Err(zookit::Error::from(ErrorCode::AuthFailed)),
            ClientState::Connecting | ClientState::ConnectedReadOnly => {}
        }
        if changes.next().await.is_none() {
            return Err(closed());
        }
    }
}

/// Runs `op` again after a connection loss while the session may live
/// (the client queues requests while it reconnects); once the client
/// reports the session `Lost`, the error is returned: queries do not wait
/// for a connection that may never come back.
pub(crate) async fn with_retries<T, F, Fut>(client: &Client, mut op: F) -> Result<T, LockError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, LockError>>,
{
    loop {
        match op().await {
            Err(LockError::Client(err)) if is_retryable(&err) && client.state() != State::Lost => {
                tokio::time::sleep(RETRY_PAUSE).await;
            }
            other => return other,
        }
    }
}

// ---- deleting nodes ----

/// A node to delete: by path, or (a create whose reply never came) every
/// child of `parent` whose name starts with `prefix`.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    Node(String),
    Prefixed { parent: String, prefix: String },
}

/// Deletes `target` if the client is still in `session` (in another
/// session the node is gone, or goes when its session expires). One try.
async fn remove(client: &WeakClient, target: &Target, session: i64) -> Result<(), zookit::Error> {
    let client = strong(client)?;
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
) -> Result<(), zookit::Error> {
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

// ---- contending ----

/// What a contender is: where, of which kind, with which data.
#[derive(Clone, Debug)]
pub(crate) struct Contest {
    pub(crate) path: String,
    pub(crate) kind: Kind,
    pub(crate) data: Bytes,
}

/// A contender node on its way: what to delete if the acquisition fails,
/// is cancelled, times out, or its future is dropped (then in the
/// background, on drop).
pub(crate) struct Pending {
    client: WeakClient,
    runtime: Handle,
    parent: String,
    prefix: String,
    /// The node's name, once its create was answered.
    node: Option<String>,
    /// The session a create was sent in: set while a node may exist.
    session: Option<i64>,
    /// Whether the parent is known to exist.
    assured: bool,
}

impl Pending {
    pub(crate) fn new(client: &Client, runtime: Handle, parent: &str) -> Self {
        Self {
            client: client.downgrade(),
            runtime,
            parent: parent.to_owned(),
            prefix: unique_prefix(),
            node: None,
            session: None,
            assured: false,
        }
    }

    /// What to delete, if anything.
    fn target(&self) -> Option<(Target, i64)> {
        let session = self.session?;
        let target = match &self.node {
            Some(node) => Target::Node(join_path(&self.parent, node)),
            None => Target::Prefixed { parent: self.parent.clone(), prefix: self.prefix.clone() },
        };
        Some((target, session))
    }

    /// The random prefix of this contender's node name.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A create of a node named with the prefix is being sent, in
    /// `session`: from now on a node may exist.
    pub(crate) fn sending(&mut self, session: Option<i64>) {
        self.session = session;
    }

    /// The node is wanted: nothing is to be deleted.
    pub(crate) fn keep(&mut self) {
        self.session = None;
    }

    /// The node is not wanted: deletes it now if possible, else later.
    pub(crate) async fn clean_up(mut self) -> Result<(), zookit::Error> {
        match self.target() {
            Some((target, session)) => {
                self.session = None;
                remove_now_or_later(&self.client, &self.runtime, target, session).await
            }
            None => Ok(()),
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some((target, session)) = self.target() {
            remove_later(&self.client, &self.runtime, target, session);
        }
    }
}

/// A contender that came first.
pub(crate) struct Won {
    /// The node's path.
    pub(crate) node: String,
    /// The session that owns it.
    pub(crate) session: i64,
    /// A watch of the node, to tell when it is deleted.
    pub(crate) watch: Watch,
}

/// One step of contending.
enum Step {
    Won(Won),
    /// Not first, and not to wait (non-blocking).
    Busy,
    /// The node vanished: contend again with a new one.
    Again,
}

/// Creates a contender node (or finds the one a lost reply created) and
/// waits until it comes first; `None` if it is not first and `blocking` is
/// false. After a connection loss it waits for the connection and goes on;
/// bounded by the caller (drop the future: `pending` knows what to delete).
pub(crate) async fn contend(
    client: &Client,
    contest: &Contest,
    blocking: bool,
    pending: &mut Pending,
) -> Result<Option<Won>, LockError> {
    let weak = client.downgrade();
    loop {
        match attempt(client, contest, blocking, pending).await {
            Ok(Step::Won(won)) => return Ok(Some(won)),
            Ok(Step::Busy) => return Ok(None),
            Ok(Step::Again) => {}
            Err(LockError::Client(err)) if is_retryable(&err) => {
                wait_writable(&weak).await?;
                tokio::time::sleep(RETRY_PAUSE).await;
            }
            Err(err) => return Err(err),
        }
    }
}

async fn attempt(
    client: &Client,
    contest: &Contest,
    blocking: bool,
    pending: &mut Pending,
) -> Result<Step, LockError> {
    let path = contest.path.as_str();
    if !pending.assured {
        client.ensure_path(path).await?;
        pending.assured = true;
    }
    let found = match (&pending.node, pending.session) {
        (Some(node), _) => Some(node.clone()),
        // A create was sent, and its reply lost: find its node.
        (None, Some(_)) => client
            .get_children(path)
            .await?
            .into_iter()
            .find(|child| child.starts_with(pending.prefix.as_str())),
        (None, None) => None,
    };
    let own = match found {
        Some(own) => own,
        None => {
            pending.session = session_of(client);
            let base = join_path(path, &format!("{}{}", pending.prefix, contest.kind.name));
            let (created, stat) = match client
                .create(&base, &contest.data)
                .ephemeral()
                .sequential()
                .with_stat()
                .await
            {
                Err(e) if e.is_no_node() => {
                    // The parent vanished meanwhile.
                    pending.assured = false;
                    pending.session = None;
                    return Ok(Step::Again);
                }
                other => other?,
            };
            pending.session = Some(stat.ephemeral_owner);
            let own = last_name(&created).to_owned();
            pending.node = Some(own.clone());
            own
        }
    };
    let own_path = join_path(path, &own);
    loop {
        let children = match client.get_children(path).await {
            Err(e) if e.is_no_node() => Vec::new(),
            other => other?,
        };
        match standing(&children, &own, contest.kind) {
            Standing::Missing => {
                // Probably a session that ended meanwhile; kazoo's
                // ForceRetryError: contend again with a new node.
                pending.node = None;
                pending.session = None;
                pending.assured = false;
                return Ok(Step::Again);
            }
            Standing::First => {
                let (stat, watch) = client.exists_watch(&own_path).await?;
                let Some(stat) = stat else { continue };
                return Ok(Step::Won(Won { node: own_path, session: stat.ephemeral_owner, watch }));
            }
            Standing::After(_) if !blocking => return Ok(Step::Busy),
            Standing::After(predecessor) => {
                // A data watch, as Curator's: no watch is left behind on a
                // node that is already gone.
                match client.get_watch(&join_path(path, &predecessor)).await {
                    Ok((_, _, watch)) => {
                        let _ = watch.await;
                    }
                    Err(e) if e.is_no_node() => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
}

/// The identifiers (node data) of the contenders of `kind` at `path`, first
/// to last; empty if the path does not exist.
pub(crate) async fn identifiers(
    client: &Client,
    path: &str,
    kind: Kind,
) -> Result<Vec<String>, LockError> {
    with_retries(client, || async {
        let children = match client.get_children(path).await {
            Err(e) if e.is_no_node() => return Ok(Vec::new()),
            other => other?,
        };
        let mut identifiers = Vec::new();
        for node in sorted_contenders(&children, kind) {
            match client.get(&join_path(path, &node)).await {
                Ok((data, _)) => identifiers.push(String::from_utf8_lossy(&data).into_owned()),
                Err(e) if e.is_no_node() => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(identifiers)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn prefixes_are_unique_hex() {
        let a = unique_prefix();
        let b = unique_prefix();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn sequences_follow_the_node_name() {
        assert_eq!(sequence("abc__lock__0000000042", |_| true), Some(42));
        assert_eq!(sequence("abc__rlock__0000000042", |n| n == READ_LOCK_NAME), Some(42));
        assert_eq!(sequence("abc__rlock__0000000042", |n| n == LOCK_NAME), None);
        assert_eq!(sequence("abc__lock__-000000001", |_| true), Some(-1));
        assert_eq!(sequence("abc__lock__12", |_| true), None);
        assert_eq!(sequence("leases", |_| true), None);
    }

    #[test]
    fn contenders_sort_by_sequence_whatever_their_prefix() {
        let children =
            names(&["ff__lock__0000000003", "00__rlock__0000000001", "aa__lock__0000000002", "x"]);
        assert_eq!(
            sorted_contenders(&children, EXCLUSIVE),
            names(&["aa__lock__0000000002", "ff__lock__0000000003"])
        );
        assert_eq!(
            sorted_contenders(&children, READER),
            names(&["00__rlock__0000000001", "aa__lock__0000000002", "ff__lock__0000000003"])
        );
    }

    #[test]
    fn each_kind_waits_for_the_right_predecessor() {
        let children = names(&[
            "a__lock__0000000001",
            "b__rlock__0000000002",
            "c__rlock__0000000003",
            "d__lock__0000000004",
            "e__rlock__0000000005",
        ]);
        assert_eq!(standing(&children, "a__lock__0000000001", WRITER), Standing::First);
        // A reader waits for the writer before it, not for other readers.
        assert_eq!(
            standing(&children, "c__rlock__0000000003", READER),
            Standing::After("a__lock__0000000001".into())
        );
        assert_eq!(
            standing(&children, "e__rlock__0000000005", READER),
            Standing::After("d__lock__0000000004".into())
        );
        // A writer waits for whoever is just before it.
        assert_eq!(
            standing(&children, "d__lock__0000000004", WRITER),
            Standing::After("c__rlock__0000000003".into())
        );
        assert_eq!(standing(&children, "z__lock__0000000009", WRITER), Standing::Missing);
        let readers = names(&["b__rlock__0000000002", "c__rlock__0000000003"]);
        assert_eq!(standing(&readers, "c__rlock__0000000003", READER), Standing::First);
    }

    #[tokio::test]
    async fn a_create_whose_reply_was_lost_is_found_again_or_deleted() {
        let chroot = zookit_testing::unique_chroot("lost-reply");
        let hosts = zookit_testing::shared().connect_string_with_chroot(&chroot);
        let client = Client::connect(hosts).await.unwrap();
        client.ensure_path("/lock").await.unwrap();
        let contest =
            Contest { path: "/lock".into(), kind: EXCLUSIVE, data: Bytes::from_static(b"x") };
        let create = |prefix: String| {
            let client = client.clone();
            async move {
                let base = format!("/lock/{prefix}{LOCK_NAME}");
                client.create(&base, "x").ephemeral().sequential().await.unwrap()
            }
        };

        // A create was sent and applied, but its reply never came: the
        // retry finds the node by its prefix instead of queueing twice.
        let mut pending = Pending::new(&client, Handle::current(), "/lock");
        let created = create(pending.prefix().to_owned()).await;
        pending.sending(session_of(&client));
        let won = contend(&client, &contest, true, &mut pending).await.unwrap().expect("first");
        assert_eq!(won.node, created);
        assert_eq!(client.get_children("/lock").await.unwrap().len(), 1);
        pending.keep();
        client.delete(&created).await.unwrap();

        // An acquisition that gives up deletes such a node by its prefix.
        let mut pending = Pending::new(&client, Handle::current(), "/lock");
        create(pending.prefix().to_owned()).await;
        pending.sending(session_of(&client));
        pending.clean_up().await.unwrap();
        assert!(client.get_children("/lock").await.unwrap().is_empty());
    }

    #[test]
    fn paths() {
        assert_eq!(join_path("/a", "b"), "/a/b");
        assert_eq!(join_path("/", "b"), "/b");
        assert_eq!(last_name("/a/b__lock__0000000001"), "b__lock__0000000001");
    }
}
