//! Reads: exists, get, children, ACLs, ephemerals, counts, sync.

use bytes::Bytes;
use zookit_proto::{
    Acl, ErrorCode, ExistsRequest, GetAclRequest, GetAllChildrenNumberRequest, GetChildrenRequest,
    GetDataRequest, GetEphemeralsRequest, Request, Response, Stat, SyncRequest,
};

use crate::session::watches::WatchKind;
use crate::waiters::Registration;
use crate::watch::Watch;
use crate::{Client, Error, ErrorKind, Result};

/// An answer of the wrong shape for its request (a bug, never expected):
/// `reply` is logged, the error is [`ErrorKind::UnexpectedReply`].
pub(crate) fn unexpected(op: &'static str, path: &str, reply: &dyn std::fmt::Debug) -> Error {
    tracing::error!(op, path, ?reply, "a reply of the wrong kind");
    Error::new(ErrorKind::UnexpectedReply)
        .with_detail("a reply of another kind than the request")
        .with_op(op)
        .with_path(path)
}

impl Client {
    /// The znode's stat, or `None` if it does not exist.
    #[doc(alias("exists_async", "checkExists"))]
    pub async fn exists(&self, path: &str) -> Result<Option<Stat>> {
        self.exists_inner(path, None).await
    }

    /// Like [`exists`](Client::exists), and leaves a watch that fires when
    /// the znode is created, changed or deleted.
    pub async fn exists_watch(&self, path: &str) -> Result<(Option<Stat>, Watch)> {
        let (registration, watch) = self.one_shot_watch(WatchKind::Data);
        let stat = self.exists_inner(path, Some(registration)).await?;
        Ok((stat, watch))
    }

    async fn exists_inner(&self, path: &str, watch: Option<Registration>) -> Result<Option<Stat>> {
        let request = Request::Exists(ExistsRequest {
            path: self.server_path("exists", path)?,
            watch: watch.is_some(),
        });
        match self.call_watching("exists", path, request, watch).await {
            Ok(Response::Exists(r)) => Ok(Some(r.stat)),
            Err(e) if e.code() == Some(ErrorCode::NoNode) => Ok(None),
            Ok(other) => Err(unexpected("exists", path, &other)),
            Err(e) => Err(e),
        }
    }

    /// The znode's data and stat.
    #[doc(alias("get_async", "getData"))]
    pub async fn get(&self, path: &str) -> Result<(Bytes, Stat)> {
        let request = Request::GetData(GetDataRequest {
            path: self.server_path("getData", path)?,
            watch: false,
        });
        match self.call("getData", path, request).await? {
            Response::GetData(r) => Ok((r.data, r.stat)),
            other => Err(unexpected("getData", path, &other)),
        }
    }

    /// Like [`get`](Client::get), and leaves a watch that fires when the
    /// znode's data changes or it is deleted.
    #[doc(alias("DataWatch"))]
    pub async fn get_watch(&self, path: &str) -> Result<(Bytes, Stat, Watch)> {
        let request = Request::GetData(GetDataRequest {
            path: self.server_path("getData", path)?,
            watch: true,
        });
        let (registration, handle) = self.one_shot_watch(WatchKind::Data);
        match self.call_watching("getData", path, request, Some(registration)).await? {
            Response::GetData(r) => Ok((r.data, r.stat, handle)),
            other => Err(unexpected("getData", path, &other)),
        }
    }

    /// The names of the znode's children, in no particular order.
    #[doc(alias("get_children_async", "getChildren"))]
    pub async fn get_children(&self, path: &str) -> Result<Vec<String>> {
        let request = Request::GetChildren(GetChildrenRequest {
            path: self.server_path("getChildren", path)?,
            watch: false,
        });
        match self.call("getChildren", path, request).await? {
            Response::GetChildren(r) => Ok(r.children),
            other => Err(unexpected("getChildren", path, &other)),
        }
    }

    /// The names of the znode's children and the znode's stat.
    #[doc(alias("include_data", "get_children_async"))]
    pub async fn get_children_with_stat(&self, path: &str) -> Result<(Vec<String>, Stat)> {
        let request = Request::GetChildren2(GetChildrenRequest {
            path: self.server_path("getChildren2", path)?,
            watch: false,
        });
        match self.call("getChildren2", path, request).await? {
            Response::GetChildren2(r) => Ok((r.children, r.stat)),
            other => Err(unexpected("getChildren2", path, &other)),
        }
    }

    /// Like [`get_children_with_stat`](Client::get_children_with_stat), and
    /// leaves a watch that fires when a child is created or deleted, or the
    /// znode is deleted.
    pub async fn get_children_watch(&self, path: &str) -> Result<(Vec<String>, Stat, Watch)> {
        let request = Request::GetChildren2(GetChildrenRequest {
            path: self.server_path("getChildren2", path)?,
            watch: true,
        });
        let (registration, handle) = self.one_shot_watch(WatchKind::Child);
        match self.call_watching("getChildren2", path, request, Some(registration)).await? {
            Response::GetChildren2(r) => Ok((r.children, r.stat, handle)),
            other => Err(unexpected("getChildren2", path, &other)),
        }
    }

    /// The znode's ACL and stat.
    #[doc(alias("get_acls_async", "getACL"))]
    pub async fn get_acls(&self, path: &str) -> Result<(Vec<Acl>, Stat)> {
        let request = Request::GetAcl(GetAclRequest { path: self.server_path("getACL", path)? });
        match self.call("getACL", path, request).await? {
            Response::GetAcl(r) => Ok((r.acl, r.stat)),
            other => Err(unexpected("getACL", path, &other)),
        }
    }

    /// The paths of this session's ephemeral znodes under `prefix` (a path
    /// prefix, not necessarily a whole znode name; `/` for all).
    #[doc(alias("getEphemerals"))]
    pub async fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>> {
        let prefix_path = self.server_path("getEphemerals", prefix)?;
        let request = Request::GetEphemerals(GetEphemeralsRequest { prefix_path });
        match self.call("getEphemerals", prefix, request).await? {
            Response::GetEphemerals(r) => {
                Ok(r.ephemerals.into_iter().map(|p| self.client_path(p)).collect())
            }
            other => Err(unexpected("getEphemerals", prefix, &other)),
        }
    }

    /// The number of the znode's descendants (children, their children, ...).
    #[doc(alias("getAllChildrenNumber"))]
    pub async fn get_all_children_number(&self, path: &str) -> Result<i32> {
        let request = Request::GetAllChildrenNumber(GetAllChildrenNumberRequest {
            path: self.server_path("getAllChildrenNumber", path)?,
        });
        match self.call("getAllChildrenNumber", path, request).await? {
            Response::GetAllChildrenNumber(r) => Ok(r.total_number),
            other => Err(unexpected("getAllChildrenNumber", path, &other)),
        }
    }

    /// Makes the connected server catch up with the leader, so that reads
    /// after it see every write committed before it. Returns the path.
    #[doc(alias("sync_async"))]
    pub async fn sync(&self, path: &str) -> Result<String> {
        let request = Request::Sync(SyncRequest { path: self.server_path("sync", path)? });
        match self.call("sync", path, request).await? {
            Response::Sync(r) => Ok(self.client_path(r.path)),
            other => Err(unexpected("sync", path, &other)),
        }
    }
}
