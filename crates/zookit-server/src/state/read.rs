//! Requests that do not change the tree: reads, watches, `sync`, `whoAmI`
//! (ZooKeeper's `FinalRequestProcessor`).

use zookit_proto::{
    Acl, ClientInfo, ErrorCode, ErrorResponse, EventType, ExistsResponse, GetAclResponse,
    GetAllChildrenNumberResponse, GetEphemeralsResponse, Id, KeeperState, Perms, ReplyHeader,
    Request, SetWatches2, SyncResponse, WatcherEvent, WatcherType, WhoAmIResponse,
};

use super::reply::{ChildrenBody, DataBody, event_frame};
use super::tree::DataTree;
use super::watches::{WatchManager, WatchMode};
use super::{ConnId, Counting, Outbound, State, acl};

impl State {
    /// Answers a request that reads.
    pub(super) fn read(
        &mut self,
        conn: ConnId,
        session: i64,
        xid: i32,
        request: Request,
        auth: &[Id],
        out: &mut impl Outbound,
    ) {
        let ok = ReplyHeader { xid, zxid: self.last_zxid, err: ErrorCode::Ok };
        let error = |err| ReplyHeader { err, ..ok };
        let request_kind =
            if matches!(request, Request::GetChildren2(_)) { Kind::Children2 } else { Kind::Other };
        let State { tree, data_watches, child_watches, conns, stats, .. } = self;
        let mut out = Counting { out, conns, stats };
        match request {
            Request::Exists(r) => {
                if r.path.contains('\0') {
                    return out.send(conn, &error(ErrorCode::BadArguments));
                }
                if r.watch {
                    data_watches.add(&r.path, conn, WatchMode::Standard);
                }
                match tree.get(&r.path) {
                    Some(node) => out.send(conn, &(ok, ExistsResponse { stat: node.full_stat() })),
                    None => out.send(conn, &error(ErrorCode::NoNode)),
                }
            }
            Request::GetData(r) => match tree.get(&r.path) {
                None => out.send(conn, &error(ErrorCode::NoNode)),
                Some(node) => match acl::check(tree.acl_of(node), Perms::READ, auth) {
                    Err(err) => out.send(conn, &error(err)),
                    Ok(()) => {
                        if r.watch {
                            data_watches.add(&r.path, conn, WatchMode::Standard);
                        }
                        out.send(conn, &(ok, DataBody::of(node)));
                    }
                },
            },
            Request::GetChildren(r) | Request::GetChildren2(r) => {
                let with_stat = matches!(request_kind, Kind::Children2);
                let Some(node) = tree.get(&r.path) else {
                    return out.send(conn, &error(ErrorCode::NoNode));
                };
                if let Err(err) = acl::check(tree.acl_of(node), Perms::READ, auth) {
                    return out.send(conn, &error(err));
                }
                if r.watch {
                    child_watches.add(&r.path, conn, WatchMode::Standard);
                }
                let stat = with_stat.then(|| node.full_stat());
                out.send(conn, &(ok, ChildrenBody { node, stat }));
            }
            Request::GetAcl(r) => {
                let Some(node) = tree.get(&r.path) else {
                    return out.send(conn, &error(ErrorCode::NoNode));
                };
                let list = tree.acl_of(node);
                if let Err(err) = acl::check(list, Perms::READ | Perms::ADMIN, auth) {
                    return out.send(conn, &error(err));
                }
                let acl = if acl::check(list, Perms::ADMIN, auth).is_ok() {
                    list.to_vec()
                } else {
                    // Without ADMIN, digest hashes are hidden.
                    list.iter().map(mask_digest).collect()
                };
                out.send(conn, &(ok, GetAclResponse { acl, stat: node.full_stat() }));
            }
            Request::GetAllChildrenNumber(r) => {
                let Some(node) = tree.get(&r.path) else {
                    return out.send(conn, &error(ErrorCode::NoNode));
                };
                if let Err(err) = acl::check(tree.acl_of(node), Perms::READ, auth) {
                    return out.send(conn, &error(err));
                }
                let total = i32::try_from(tree.descendants(&r.path)).unwrap_or(i32::MAX);
                out.send(conn, &(ok, GetAllChildrenNumberResponse { total_number: total }));
            }
            Request::GetEphemerals(r) => {
                let prefix = r.prefix_path.as_str();
                let all = prefix.trim_matches(|c: char| c <= ' ').is_empty()
                    || prefix.trim_matches(|c: char| c <= ' ') == "/";
                let ephemerals = tree
                    .ephemerals(session)
                    .into_iter()
                    .filter(|path| all || path.starts_with(prefix))
                    .map(str::to_owned)
                    .collect();
                out.send(conn, &(ok, GetEphemeralsResponse { ephemerals }));
            }
            Request::Sync(r) => out.send(conn, &(ok, SyncResponse { path: r.path })),
            Request::WhoAmI => {
                let client_info = auth
                    .iter()
                    .map(|id| ClientInfo {
                        auth_scheme: id.scheme.clone(),
                        user: acl::user_name(id).to_owned(),
                    })
                    .collect();
                out.send(conn, &(ok, WhoAmIResponse { client_info }));
            }
            Request::AddWatch(r) => {
                let mode = match r.mode {
                    zookit_proto::AddWatchMode::Persistent => WatchMode::Persistent,
                    zookit_proto::AddWatchMode::PersistentRecursive => {
                        WatchMode::PersistentRecursive
                    }
                };
                data_watches.add(&r.path, conn, mode);
                child_watches.add(&r.path, conn, mode);
                out.send(conn, &(ok, ErrorResponse { err: ErrorCode::Ok }));
            }
            Request::RemoveWatches(r) | Request::CheckWatches(r) if is_3_9_type(r.watcher_type) => {
                drop(r);
                out.send(conn, &error(ErrorCode::MarshallingError));
            }
            Request::RemoveWatches(r) => {
                let (data, child) = kinds(r.watcher_type);
                let removed_child = child && child_watches.remove(&r.path, conn);
                let removed_data = data && data_watches.remove(&r.path, conn);
                let err = if removed_child || removed_data {
                    ErrorCode::Ok
                } else {
                    ErrorCode::NoWatcher
                };
                out.send(conn, &error(err));
            }
            Request::CheckWatches(r) => {
                let (data, child) = kinds(r.watcher_type);
                let found = (child && child_watches.contains(&r.path))
                    || (data && data_watches.contains(&r.path));
                out.send(conn, &error(if found { ErrorCode::Ok } else { ErrorCode::NoWatcher }));
            }
            Request::SetWatches(r) => {
                let all = SetWatches2 {
                    relative_zxid: r.relative_zxid,
                    data_watches: r.data_watches,
                    exist_watches: r.exist_watches,
                    child_watches: r.child_watches,
                    ..SetWatches2::default()
                };
                set_watches(tree, data_watches, child_watches, conn, all, &mut out);
                out.send(conn, &ok);
            }
            Request::SetWatches2(r) => {
                set_watches(tree, data_watches, child_watches, conn, r, &mut out);
                out.send(conn, &ok);
            }
            // Every other request has its own path; none reaches here.
            _ => out.send(conn, &error(ErrorCode::Unimplemented)),
        }
    }
}

/// Whether a watcher type is one ZooKeeper 3.8 does not know.
fn is_3_9_type(kind: WatcherType) -> bool {
    matches!(kind, WatcherType::Persistent | WatcherType::PersistentRecursive)
}

/// Which tables (data, child) a watcher type covers.
fn kinds(kind: WatcherType) -> (bool, bool) {
    match kind {
        WatcherType::Children => (false, true),
        WatcherType::Data => (true, false),
        _ => (true, true),
    }
}

/// `digest:user:hash` as `digest:user:x`.
fn mask_digest(entry: &Acl) -> Acl {
    if entry.id.scheme != "digest" {
        return entry.clone();
    }
    let id = match entry.id.id.split_once(':') {
        Some((user, _)) => format!("{user}:x"),
        None => entry.id.id.clone(),
    };
    Acl::new(entry.perms, Id::new("digest", id))
}

/// A notification for one path.
fn event(event_type: EventType, path: &str) -> WatcherEvent {
    WatcherEvent { event_type, state: KeeperState::SyncConnected, path: path.to_owned() }
}

/// Re-arms watches after a reconnect, firing at once those whose znode
/// changed after the client's zxid (`DataTree.setWatches`).
fn set_watches(
    tree: &DataTree,
    data_watches: &mut WatchManager,
    child_watches: &mut WatchManager,
    conn: ConnId,
    watches: SetWatches2,
    out: &mut impl Outbound,
) {
    let relative = watches.relative_zxid;
    for path in &watches.data_watches {
        match tree.get(path) {
            None => out.send(conn, &event_frame(event(EventType::NodeDeleted, path))),
            Some(node) if node.stat.mzxid > relative => {
                out.send(conn, &event_frame(event(EventType::NodeDataChanged, path)))
            }
            Some(_) => data_watches.add(path, conn, WatchMode::Standard),
        }
    }
    for path in &watches.exist_watches {
        match tree.get(path) {
            Some(_) => out.send(conn, &event_frame(event(EventType::NodeCreated, path))),
            None => data_watches.add(path, conn, WatchMode::Standard),
        }
    }
    for path in &watches.child_watches {
        match tree.get(path) {
            None => out.send(conn, &event_frame(event(EventType::NodeDeleted, path))),
            Some(node) if node.stat.pzxid > relative => {
                out.send(conn, &event_frame(event(EventType::NodeChildrenChanged, path)))
            }
            Some(_) => child_watches.add(path, conn, WatchMode::Standard),
        }
    }
    for (paths, mode) in [
        (&watches.persistent_watches, WatchMode::Persistent),
        (&watches.persistent_recursive_watches, WatchMode::PersistentRecursive),
    ] {
        for path in paths {
            child_watches.add(path, conn, mode);
            data_watches.add(path, conn, mode);
        }
    }
}

/// Which answer a children request gets.
enum Kind {
    Children2,
    Other,
}
