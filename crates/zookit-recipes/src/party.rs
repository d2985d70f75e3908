//! Parties: pools of participating processes (kazoo's `Party` and
//! `ShallowParty`).

use std::future::IntoFuture;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use zookit::join_path;

use zookit::{Client, Result};

/// A random 128-bit id as 32 lowercase hex digits (as Python's
/// `uuid4().hex`), for node names that must not collide.
pub(crate) fn unique_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut halves = [0u64; 2];
    for (i, half) in halves.iter_mut().enumerate() {
        // Each RandomState has its own random keys.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(n);
        hasher.write_u128(now);
        hasher.write_u32(std::process::id());
        hasher.write_usize(i);
        *half = hasher.finish();
    }
    format!("{:016x}{:016x}", halves[0], halves[1])
}

/// kazoo's default identifier of a participant: the host name and the
/// process id, `"host-1234"`.
pub fn default_identifier() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}-{}", std::process::id())
}

/// What a member of either kind of party is.
#[derive(Clone, Debug)]
struct Member {
    client: Client,
    path: String,
    identifier: String,
    node: String,
    participating: Arc<AtomicBool>,
}

impl Member {
    fn new(client: &Client, path: &str, identifier: &str, node: String) -> Self {
        Self {
            client: client.clone(),
            path: path.to_owned(),
            identifier: identifier.to_owned(),
            node,
            participating: Arc::new(AtomicBool::new(false)),
        }
    }

    async fn join(&self) -> Result<()> {
        let client = &self.client;
        client.retry(|| client.ensure_path(&self.path)).await?;
        let own = join_path(&self.path, &self.node);
        let created = client
            .retry(|| client.create(&own, self.identifier.as_bytes()).ephemeral().into_future())
            .await;
        match created {
            // Already a member (or created by an attempt whose answer was lost).
            Err(e) if e.is_node_exists() => {}
            other => drop(other?),
        }
        self.participating.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn leave(&self) -> Result<bool> {
        self.participating.store(false, Ordering::SeqCst);
        let own = join_path(&self.path, &self.node);
        match self.client.retry(|| self.client.delete(&own).into_future()).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_no_node() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The party's children; none if the party's node does not exist.
    async fn children(&self) -> Result<Vec<String>> {
        match self.client.retry(|| self.client.get_children(&self.path)).await {
            Err(e) if e.is_no_node() => Ok(Vec::new()),
            other => other,
        }
    }
}

/// The suffix of a [`Party`] member's node name.
const PARTY_NODE: &str = "__party__";

/// A party (kazoo's `Party`): a pool of participating processes, each an
/// ephemeral node under the party's path holding its identifier.
///
/// Clones are the same member.
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
/// use zookit_recipes::Party;
///
/// let party = Party::new(&zk, "/app/party", "worker-1");
/// party.join().await?;
/// println!("{} members: {:?}", party.len().await?, party.members().await?);
/// party.leave().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[doc(alias("GroupMember"))]
pub struct Party {
    member: Member,
}

impl Party {
    /// A member of the party at `path` with `identifier` (not joined yet).
    pub fn new(client: &Client, path: &str, identifier: &str) -> Self {
        let node = format!("{}{PARTY_NODE}", unique_id());
        Self { member: Member::new(client, path, identifier, node) }
    }

    /// The party's node.
    pub fn path(&self) -> &str {
        &self.member.path
    }

    /// This member's identifier.
    pub fn identifier(&self) -> &str {
        &self.member.identifier
    }

    /// Whether this member has joined (and not left).
    pub fn participating(&self) -> bool {
        self.member.participating.load(Ordering::SeqCst)
    }

    /// Joins the party: creates this member's ephemeral node (and the
    /// party's node if needed). Joining again is fine.
    pub async fn join(&self) -> Result<()> {
        self.member.join().await
    }

    /// Leaves the party: deletes this member's node; `false` if it was not
    /// there.
    pub async fn leave(&self) -> Result<bool> {
        self.member.leave().await
    }

    /// The number of members.
    pub async fn len(&self) -> Result<usize> {
        Ok(self.member_nodes().await?.len())
    }

    /// Whether the party has no members.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }

    /// The identifiers of the members (kazoo's iteration of a party).
    /// Members that leave while they are read are left out.
    pub async fn members(&self) -> Result<Vec<String>> {
        let client = &self.member.client;
        let mut members = Vec::new();
        for node in self.member_nodes().await? {
            let path = join_path(&self.member.path, &node);
            match client.retry(|| client.get(&path)).await {
                Ok((data, _)) => members.push(String::from_utf8_lossy(&data).into_owned()),
                Err(e) if e.is_no_node() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(members)
    }

    async fn member_nodes(&self) -> Result<Vec<String>> {
        let mut children = self.member.children().await?;
        children.retain(|c| c.contains(PARTY_NODE));
        Ok(children)
    }
}

/// A shallow party (kazoo's `ShallowParty`): like [`Party`], with the
/// identifier in the member's node name (`<random id>-<identifier>`), so
/// that listing the members takes one request. The identifier must be
/// valid in a node name (no `/`).
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
/// use zookit_recipes::ShallowParty;
///
/// let party = ShallowParty::new(&zk, "/app/shallow", "worker-1")?;
/// party.join().await?;
/// assert!(party.members().await?.contains(&"worker-1".to_owned()));
/// party.leave().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ShallowParty {
    member: Member,
}

impl ShallowParty {
    /// A member of the shallow party at `path` with `identifier` (not
    /// joined yet). Fails if the identifier cannot be part of a node name.
    pub fn new(client: &Client, path: &str, identifier: &str) -> Result<Self> {
        if identifier.contains('/') || identifier.contains('\0') {
            return Err(zookit::__transitional::invalid_argument(format!(
                "a shallow party's identifier is part of a node name: {identifier:?} cannot be"
            )));
        }
        let node = format!("{}-{identifier}", unique_id());
        Ok(Self { member: Member::new(client, path, identifier, node) })
    }

    /// The party's node.
    pub fn path(&self) -> &str {
        &self.member.path
    }

    /// This member's identifier.
    pub fn identifier(&self) -> &str {
        &self.member.identifier
    }

    /// Whether this member has joined (and not left).
    pub fn participating(&self) -> bool {
        self.member.participating.load(Ordering::SeqCst)
    }

    /// Joins the party: creates this member's ephemeral node (and the
    /// party's node if needed). Joining again is fine.
    pub async fn join(&self) -> Result<()> {
        self.member.join().await
    }

    /// Leaves the party: deletes this member's node; `false` if it was not
    /// there.
    pub async fn leave(&self) -> Result<bool> {
        self.member.leave().await
    }

    /// The number of members.
    pub async fn len(&self) -> Result<usize> {
        Ok(self.member.children().await?.len())
    }

    /// Whether the party has no members.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }

    /// The identifiers of the members (kazoo's iteration of a shallow
    /// party), from one listing of the party's children.
    pub async fn members(&self) -> Result<Vec<String>> {
        Ok(self.member.children().await?.iter().map(|node| shallow_identifier(node)).collect())
    }
}

/// The identifier in a shallow party member's node name: what follows the
/// first `-`.
pub(crate) fn shallow_identifier(node: &str) -> String {
    node.split_once('-').map_or(node, |(_, identifier)| identifier).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_ids_look_like_uuid_hex_and_differ() {
        let a = unique_id();
        let b = unique_id();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn shallow_identifiers_follow_the_first_dash() {
        assert_eq!(shallow_identifier("0123abcd-worker-1"), "worker-1");
        assert_eq!(shallow_identifier("0123abcd-"), "");
        assert_eq!(shallow_identifier("odd"), "odd");
    }

    #[test]
    fn the_default_identifier_ends_with_the_pid() {
        assert!(default_identifier().ends_with(&format!("-{}", std::process::id())));
    }
}
