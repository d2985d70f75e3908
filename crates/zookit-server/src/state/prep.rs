//! Checking writes before they are applied, in the order ZooKeeper's
//! `PrepRequestProcessor` checks them, so each failing write gets the same
//! error. A multi's later operations see its earlier ones through the
//! changes recorded in a [`View`].

use std::borrow::Cow;
use std::collections::HashMap;

use zookit_proto::{
    Acl, CheckVersionRequest, CreateMode, DeleteRequest, ErrorCode, Id, OpCode, Perms,
    SetAclRequest, validate_path,
};

use super::acl;
use super::request::{CreateBody, SetDataBody};
use super::tree::{DataTree, MAX_TTL, NodeKind, QUOTA_NODE, ZOOKEEPER_NODE, split, ttl_owner};
use super::txn::Txn;
use super::znode::{CONTAINER_OWNER, NodeStat};

/// What a check needs to know of a znode (`ChangeRecord`).
#[derive(Clone, Debug)]
struct Record<'t> {
    stat: NodeStat,
    child_count: usize,
    acl: Cow<'t, [Acl]>,
}

/// The tree as the writes checked so far in a request would leave it.
pub(crate) struct View<'t> {
    tree: &'t DataTree,
    /// Changed znodes (`None`: deleted).
    changes: HashMap<String, Option<Record<'t>>>,
    /// Whether changes are recorded (not for a single write, which no
    /// later check needs to see).
    recording: bool,
}

/// Who is writing.
pub(crate) struct Writer<'a> {
    pub(crate) session: i64,
    pub(crate) auth: &'a [Id],
    /// The extra schemes ACLs may name.
    pub(crate) schemes: super::Schemes,
}

impl<'t> View<'t> {
    /// A view for the operations of a multi, each seeing the earlier ones.
    pub(crate) fn new(tree: &'t DataTree) -> Self {
        Self { tree, changes: HashMap::new(), recording: true }
    }

    /// A view for a single write.
    pub(crate) fn single(tree: &'t DataTree) -> Self {
        Self { tree, changes: HashMap::new(), recording: false }
    }

    /// The znode at `path` (`getRecordForPath`), or `NoNode`.
    fn record(&self, path: &str) -> Result<Record<'t>, ErrorCode> {
        if let Some(change) = self.changes.get(path) {
            return change.clone().ok_or(ErrorCode::NoNode);
        }
        let node = self.tree.get(path).ok_or(ErrorCode::NoNode)?;
        Ok(Record {
            stat: node.stat,
            child_count: node.num_children(),
            acl: Cow::Borrowed(self.tree.acl_of(node)),
        })
    }

    fn exists(&self, path: &str) -> bool {
        self.record(path).is_ok()
    }

    fn set(&mut self, path: &str, record: Option<Record<'t>>) {
        if self.recording {
            self.changes.insert(path.to_owned(), record);
        }
    }

    fn kind(&self, owner: i64) -> NodeKind {
        NodeKind::of(owner, self.tree.extended_types())
    }
}

fn validate(path: &str) -> Result<(), ErrorCode> {
    validate_path(path).map_err(|_| ErrorCode::BadArguments)
}

fn check_version(current: i32, expected: i32) -> Result<i32, ErrorCode> {
    if expected != -1 && expected != current {
        return Err(ErrorCode::BadVersion);
    }
    Ok(current.wrapping_add(1))
}

/// The parent of a znode to delete (`getParentPathAndValidate`).
fn parent_to_delete(path: &str) -> Result<&str, ErrorCode> {
    let special = matches!(path, "/" | ZOOKEEPER_NODE | QUOTA_NODE | zookit_proto::CONFIG_NODE);
    match split(path) {
        Some((parent, _)) if !path.contains('\0') && !special => Ok(parent),
        _ => Err(ErrorCode::BadArguments),
    }
}

/// Checks a create (`pRequest2TxnCreate`).
pub(crate) fn create(
    view: &mut View<'_>,
    writer: &Writer<'_>,
    op: OpCode,
    body: CreateBody,
    zxid: i64,
    time: i64,
) -> Result<Txn, ErrorCode> {
    let mode = CreateMode::from_code(body.flags).ok_or(ErrorCode::BadArguments)?;
    if mode.is_ttl() && !view.tree.extended_types() {
        return Err(ErrorCode::Unimplemented);
    }
    let ttl_valid = (1..=MAX_TTL).contains(&body.ttl);
    if (mode.is_ttl() && !ttl_valid) || (!mode.is_ttl() && body.ttl >= 0) {
        return Err(ErrorCode::BadArguments);
    }
    // ZooKeeper would fail applying a createTTL whose TTL is not valid
    // (a non-TTL mode with no TTL); refuse it here instead.
    if op == OpCode::CreateTtl && !ttl_valid {
        return Err(ErrorCode::BadArguments);
    }
    if body.path.contains('\0') {
        return Err(ErrorCode::BadArguments);
    }
    let (parent_path, _) = split(&body.path).ok_or(ErrorCode::BadArguments)?;
    let parent_path = parent_path.to_owned();
    let acl = acl::fixup(&body.acl, writer.auth, writer.schemes)?;
    let parent = view.record(&parent_path)?;
    acl::check(&parent.acl, Perms::CREATE, writer.auth)?;
    let path = if mode.is_sequential() {
        format!("{}{:010}", body.path, parent.stat.cversion)
    } else {
        body.path
    };
    validate(&path)?;
    if view.exists(&path) {
        return Err(ErrorCode::NodeExists);
    }
    if view.kind(parent.stat.ephemeral_owner) == NodeKind::Ephemeral {
        return Err(ErrorCode::NoChildrenForEphemerals);
    }
    let parent_cversion = parent.stat.cversion.wrapping_add(1);
    // The owner as checks see it, from the mode ...
    let seen_owner = if mode.is_container() {
        CONTAINER_OWNER
    } else if mode.is_ttl() {
        ttl_owner(body.ttl)
    } else if mode.is_ephemeral() {
        writer.session
    } else {
        0
    };
    // ... and as the tree gets it, from the opcode (`DataTree.processTxn`).
    let ephemeral_owner = match op {
        OpCode::CreateContainer => CONTAINER_OWNER,
        OpCode::CreateTtl => ttl_owner(body.ttl),
        _ if mode.is_ephemeral() => writer.session,
        _ => 0,
    };
    let mut parent = parent;
    parent.child_count += 1;
    parent.stat.cversion = parent_cversion;
    parent.stat.pzxid = zxid;
    view.set(&parent_path, Some(parent));
    let record = Record {
        stat: NodeStat::created(zxid, time, seen_owner),
        child_count: 0,
        acl: Cow::Owned(acl.clone()),
    };
    view.set(&path, Some(record));
    Ok(Txn::Create { op, path, data: body.data, acl, ephemeral_owner, parent_cversion })
}

/// Checks a delete.
pub(crate) fn delete(
    view: &mut View<'_>,
    writer: &Writer<'_>,
    request: DeleteRequest,
    zxid: i64,
) -> Result<Txn, ErrorCode> {
    let parent_path = parent_to_delete(&request.path)?;
    let mut parent = view.record(parent_path)?;
    acl::check(&parent.acl, Perms::DELETE, writer.auth)?;
    let node = view.record(&request.path)?;
    check_version(node.stat.version, request.version)?;
    if node.child_count > 0 {
        return Err(ErrorCode::NotEmpty);
    }
    parent.child_count = parent.child_count.saturating_sub(1);
    parent.stat.pzxid = zxid;
    let parent_path = parent_path.to_owned();
    view.set(&parent_path, Some(parent));
    view.set(&request.path, None);
    Ok(Txn::Delete { op: OpCode::Delete, path: request.path })
}

/// Checks the deletion of a container or expired TTL znode.
pub(crate) fn delete_container(
    view: &mut View<'_>,
    path: String,
    zxid: i64,
) -> Result<Txn, ErrorCode> {
    let parent_path = parent_to_delete(&path)?;
    let node = view.record(&path)?;
    if node.child_count > 0 {
        return Err(ErrorCode::NotEmpty);
    }
    if view.kind(node.stat.ephemeral_owner) == NodeKind::Ephemeral {
        return Err(ErrorCode::BadVersion);
    }
    let mut parent = view.record(parent_path)?;
    parent.child_count = parent.child_count.saturating_sub(1);
    parent.stat.pzxid = zxid;
    let parent_path = parent_path.to_owned();
    view.set(&parent_path, Some(parent));
    view.set(&path, None);
    Ok(Txn::Delete { op: OpCode::DeleteContainer, path })
}

/// Checks a setData.
pub(crate) fn set_data(
    view: &mut View<'_>,
    writer: &Writer<'_>,
    request: SetDataBody,
    zxid: i64,
    time: i64,
) -> Result<Txn, ErrorCode> {
    validate(&request.path)?;
    let mut node = view.record(&request.path)?;
    acl::check(&node.acl, Perms::WRITE, writer.auth)?;
    let version = check_version(node.stat.version, request.version)?;
    node.stat.version = version;
    node.stat.mtime = time;
    node.stat.mzxid = zxid;
    view.set(&request.path, Some(node));
    Ok(Txn::SetData { path: request.path, data: request.data, version })
}

/// Checks a setACL.
pub(crate) fn set_acl(
    view: &mut View<'_>,
    writer: &Writer<'_>,
    request: SetAclRequest,
) -> Result<Txn, ErrorCode> {
    validate(&request.path)?;
    let acl = acl::fixup(&request.acl, writer.auth, writer.schemes)?;
    let mut node = view.record(&request.path)?;
    acl::check(&node.acl, Perms::ADMIN, writer.auth)?;
    let aversion = check_version(node.stat.aversion, request.version)?;
    node.stat.aversion = aversion;
    node.acl = Cow::Owned(acl.clone());
    view.set(&request.path, Some(node));
    Ok(Txn::SetAcl { path: request.path, acl, aversion })
}

/// Checks a version check.
pub(crate) fn check(
    view: &View<'_>,
    writer: &Writer<'_>,
    request: CheckVersionRequest,
) -> Result<Txn, ErrorCode> {
    validate(&request.path)?;
    let node = view.record(&request.path)?;
    acl::check(&node.acl, Perms::READ, writer.auth)?;
    check_version(node.stat.version, request.version)?;
    Ok(Txn::Check { path: request.path })
}
