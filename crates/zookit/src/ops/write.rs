//! Writes: create (with `makepath`, TTL, containers), ensure_path, set,
//! delete (recursive), set_acls. Those with options are builders, awaited
//! directly: `client.create("/a", "data").ephemeral().await`. The same
//! builders serve the blocking client, which sends them (`blocking/write.rs`).

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use zookit_proto::{
    Acl, CreateMode, CreateRequest, CreateTtlRequest, DeleteRequest, ErrorCode, Request, Response,
    SetAclRequest, SetDataRequest, Stat, parent_path,
};

use super::read::unexpected;
use crate::{Client, Error, Result};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// The longest TTL ZooKeeper accepts, in milliseconds (40 bits).
const MAX_TTL_MS: u128 = (1 << 40) - 1;

/// Creates a znode: made by [`Client::create`] and awaited for the created
/// path (with the sequence number for sequential modes), or by
/// [`blocking::Client::create_with`](crate::blocking::Client::create_with)
/// and [sent](Create::send). The options are set on it in any order.
#[must_use = "a create does nothing unless awaited (or sent, on the blocking client)"]
pub struct Create<'a, C = Client> {
    pub(crate) client: &'a C,
    pub(crate) args: CreateArgs,
}

/// What a [`Create`] sends, whichever client sends it.
pub(crate) struct CreateArgs {
    pub(crate) path: String,
    data: Bytes,
    acl: Option<Vec<Acl>>,
    mode: CreateMode,
    ttl: Option<Duration>,
    makepath: bool,
}

impl<'a, C> Create<'a, C> {
    pub(crate) fn new(client: &'a C, path: &str, data: impl AsRef<[u8]>) -> Self {
        let args = CreateArgs {
            path: path.to_owned(),
            data: Bytes::copy_from_slice(data.as_ref()),
            acl: None,
            mode: CreateMode::Persistent,
            ttl: None,
            makepath: false,
        };
        Self { client, args }
    }

    /// The kind of znode (default persistent).
    pub fn mode(mut self, mode: CreateMode) -> Self {
        self.args.mode = mode;
        self
    }

    /// An ephemeral znode: deleted when the session ends. Keeps `sequential`.
    pub fn ephemeral(self) -> Self {
        let mode = if self.args.mode.is_sequential() {
            CreateMode::EphemeralSequential
        } else {
            CreateMode::Ephemeral
        };
        self.mode(mode)
    }

    /// A sequential znode: the server appends a 10-digit counter to the
    /// name. Keeps `ephemeral` and TTL.
    pub fn sequential(self) -> Self {
        let mode = match self.args.mode {
            CreateMode::Ephemeral | CreateMode::EphemeralSequential => {
                CreateMode::EphemeralSequential
            }
            CreateMode::PersistentWithTtl | CreateMode::PersistentSequentialWithTtl => {
                CreateMode::PersistentSequentialWithTtl
            }
            _ => CreateMode::PersistentSequential,
        };
        self.mode(mode)
    }

    /// A container znode: deleted by the server once its last child is.
    pub fn container(self) -> Self {
        self.mode(CreateMode::Container)
    }

    /// A time to live: the server deletes the znode when it has not been
    /// modified for `ttl` and has no children. Makes a persistent mode a TTL
    /// mode; with an ephemeral or container mode the create fails. Needs
    /// servers with `zookeeper.extendedTypesEnabled=true`.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.args.ttl = Some(ttl);
        self
    }

    /// The ACL (default: the client's default ACL).
    pub fn acl(mut self, acl: Vec<Acl>) -> Self {
        self.args.acl = Some(acl);
        self
    }

    /// Creates missing parents too (with the same ACL), as kazoo's `makepath`.
    pub fn makepath(mut self) -> Self {
        self.args.makepath = true;
        self
    }

    /// Asks for the new znode's stat too (ZooKeeper's `create2`).
    pub fn with_stat(self) -> CreateWithStat<'a, C> {
        CreateWithStat(self)
    }
}

impl CreateArgs {
    /// The mode to send, checked against the TTL.
    fn checked_mode(&self) -> Result<(CreateMode, Option<i64>)> {
        let mode = match (self.ttl, self.mode) {
            (None, mode) if mode.is_ttl() => {
                return Err(Error::invalid_argument(format!("{mode:?} needs a TTL (Create::ttl)")));
            }
            (None, mode) => return Ok((mode, None)),
            (Some(_), CreateMode::Persistent) => CreateMode::PersistentWithTtl,
            (Some(_), CreateMode::PersistentSequential) => CreateMode::PersistentSequentialWithTtl,
            (Some(_), mode) if mode.is_ttl() => mode,
            (Some(_), mode) => {
                return Err(Error::invalid_argument(format!(
                    "a TTL needs a persistent mode, not {mode:?}"
                )));
            }
        };
        let ttl = self.ttl.unwrap_or_default().as_millis();
        if ttl == 0 || ttl > MAX_TTL_MS {
            return Err(Error::invalid_argument(format!(
                "a TTL must be from 1 ms to {MAX_TTL_MS} ms, not {ttl} ms"
            )));
        }
        Ok((mode, i64::try_from(ttl).ok()))
    }

    /// Sends the create on `client`; returns the created path and, if it
    /// was asked for (or came anyway), the stat.
    pub(crate) async fn run(
        self,
        client: &Client,
        want_stat: bool,
    ) -> Result<(String, Option<Stat>)> {
        let context = |e: Error| e.with_op("create").with_path(self.path.as_str());
        let (mode, ttl) = self.checked_mode().map_err(context)?;
        let server_path = if mode.is_sequential() {
            client.server_sequential_path("create", &self.path)
        } else {
            client.server_path("create", &self.path)
        }
        .map_err(context)?;
        let acl = self.acl.clone().unwrap_or_else(|| client.default_acl().to_vec());
        let request =
            CreateRequest { path: server_path, data: self.data.clone(), acl: acl.clone(), mode };
        let request = match (ttl, mode) {
            (Some(ttl), _) => Request::CreateTtl(CreateTtlRequest {
                path: request.path,
                data: request.data,
                acl: request.acl,
                mode,
                ttl,
            }),
            (None, CreateMode::Container) => Request::CreateContainer(request),
            (None, _) if want_stat => Request::Create2(request),
            (None, _) => Request::Create(request),
        };
        let op = match request {
            Request::Create(_) => "create",
            _ => "create2",
        };
        let mut result = client.call(op, &self.path, request.clone()).await;
        if self.makepath && result.as_ref().is_err_and(|e| e.code() == Some(ErrorCode::NoNode)) {
            if let Some(parent) = parent_path(&self.path) {
                client.ensure_path_with_acl(parent, &acl).await?;
                result = client.call(op, &self.path, request).await;
            }
        }
        match result? {
            Response::Create(r) => Ok((client.client_path(r.path), None)),
            Response::Create2(r) => Ok((client.client_path(r.path), Some(r.stat))),
            other => Err(unexpected(op, &self.path, &other)),
        }
    }

    /// Sends the create on `client` as a `create2`; returns the created
    /// path and the stat.
    pub(crate) async fn run_with_stat(self, client: &Client) -> Result<(String, Stat)> {
        let path = self.path.clone();
        match self.run(client, true).await? {
            (created, Some(stat)) => Ok((created, stat)),
            (_, None) => Err(unexpected("create2", &path, &"a reply without a stat")),
        }
    }
}

impl<'a> IntoFuture for Create<'a> {
    type Output = Result<String>;
    type IntoFuture = BoxFuture<'a, String>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.args.run(self.client, false).await.map(|(path, _)| path) })
    }
}

/// A [`Create`] that also returns the new znode's stat.
#[must_use = "a create does nothing unless awaited (or sent, on the blocking client)"]
pub struct CreateWithStat<'a, C = Client>(pub(crate) Create<'a, C>);

impl<'a> IntoFuture for CreateWithStat<'a> {
    type Output = Result<(String, Stat)>;
    type IntoFuture = BoxFuture<'a, (String, Stat)>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.0.args.run_with_stat(self.0.client))
    }
}

/// Sets a znode's data: made by [`Client::set`] and awaited for the new
/// stat, or by [`blocking::Client::set_with`](crate::blocking::Client::set_with)
/// and [sent](SetData::send).
#[must_use = "a set does nothing unless awaited (or sent, on the blocking client)"]
pub struct SetData<'a, C = Client> {
    pub(crate) client: &'a C,
    pub(crate) args: SetDataArgs,
}

/// What a [`SetData`] sends.
pub(crate) struct SetDataArgs {
    pub(crate) path: String,
    data: Bytes,
    version: i32,
}

impl<'a, C> SetData<'a, C> {
    pub(crate) fn new(client: &'a C, path: &str, data: impl AsRef<[u8]>) -> Self {
        let data = Bytes::copy_from_slice(data.as_ref());
        Self { client, args: SetDataArgs { path: path.to_owned(), data, version: -1 } }
    }

    /// Only if the znode's data version is `version` (else `BadVersion`).
    pub fn version(mut self, version: i32) -> Self {
        self.args.version = version;
        self
    }
}

impl SetDataArgs {
    /// Sets the data on `client`; returns the new stat.
    pub(crate) async fn run(self, client: &Client) -> Result<Stat> {
        let server_path = client.server_path("setData", &self.path)?;
        let request = Request::SetData(SetDataRequest {
            path: server_path,
            data: self.data,
            version: self.version,
        });
        match client.call("setData", &self.path, request).await? {
            Response::SetData(r) => Ok(r.stat),
            other => Err(unexpected("setData", &self.path, &other)),
        }
    }
}

impl<'a> IntoFuture for SetData<'a> {
    type Output = Result<Stat>;
    type IntoFuture = BoxFuture<'a, Stat>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.args.run(self.client))
    }
}

/// Deletes a znode: made by [`Client::delete`] and awaited, or by
/// [`blocking::Client::delete_with`](crate::blocking::Client::delete_with)
/// and [sent](Delete::send).
#[must_use = "a delete does nothing unless awaited (or sent, on the blocking client)"]
pub struct Delete<'a, C = Client> {
    pub(crate) client: &'a C,
    pub(crate) args: DeleteArgs,
}

/// What a [`Delete`] sends.
pub(crate) struct DeleteArgs {
    pub(crate) path: String,
    version: i32,
    recursive: bool,
}

impl<'a, C> Delete<'a, C> {
    pub(crate) fn new(client: &'a C, path: &str) -> Self {
        Self { client, args: DeleteArgs { path: path.to_owned(), version: -1, recursive: false } }
    }

    /// Only if the znode's data version is `version` (else `BadVersion`).
    pub fn version(mut self, version: i32) -> Self {
        self.args.version = version;
        self
    }

    /// Deletes the znode's descendants first (kazoo's `recursive=True`);
    /// descendants that vanish meanwhile are fine. (On the blocking client,
    /// all of it must end within the command timeout.)
    pub fn recursive(mut self) -> Self {
        self.args.recursive = true;
        self
    }
}

impl DeleteArgs {
    /// Deletes on `client`.
    pub(crate) async fn run(self, client: &Client) -> Result<()> {
        if self.recursive {
            client.server_path("delete", &self.path)?;
            client.delete_descendants(&self.path).await?;
        }
        client.delete_one(&self.path, self.version).await
    }
}

impl<'a> IntoFuture for Delete<'a> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, ()>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.args.run(self.client))
    }
}

/// Sets a znode's ACL: made by [`Client::set_acls`] and awaited for the new
/// stat, or by [`blocking::Client::set_acls_with`](crate::blocking::Client::set_acls_with)
/// and [sent](SetAcl::send).
#[must_use = "a set_acls does nothing unless awaited (or sent, on the blocking client)"]
pub struct SetAcl<'a, C = Client> {
    pub(crate) client: &'a C,
    pub(crate) args: SetAclArgs,
}

/// What a [`SetAcl`] sends.
pub(crate) struct SetAclArgs {
    pub(crate) path: String,
    acl: Vec<Acl>,
    version: i32,
}

impl<'a, C> SetAcl<'a, C> {
    pub(crate) fn new(client: &'a C, path: &str, acl: Vec<Acl>) -> Self {
        Self { client, args: SetAclArgs { path: path.to_owned(), acl, version: -1 } }
    }

    /// Only if the znode's ACL version (`aversion`) is `version`.
    pub fn version(mut self, version: i32) -> Self {
        self.args.version = version;
        self
    }
}

impl SetAclArgs {
    /// Sets the ACL on `client`; returns the new stat.
    pub(crate) async fn run(self, client: &Client) -> Result<Stat> {
        let server_path = client.server_path("setACL", &self.path)?;
        let request = Request::SetAcl(SetAclRequest {
            path: server_path,
            acl: self.acl,
            version: self.version,
        });
        match client.call("setACL", &self.path, request).await? {
            Response::SetAcl(r) => Ok(r.stat),
            other => Err(unexpected("setACL", &self.path, &other)),
        }
    }
}

impl<'a> IntoFuture for SetAcl<'a> {
    type Output = Result<Stat>;
    type IntoFuture = BoxFuture<'a, Stat>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.args.run(self.client))
    }
}

impl Client {
    /// Creates a znode with `data`; options are set on the returned
    /// builder, which is then awaited for the created path:
    ///
    /// ```no_run
    /// # async fn example(client: zookit::Client) -> zookit::Result<()> {
    /// client.create("/app/config", "v1").await?;
    /// let member = client.create("/app/members/m-", "").ephemeral().sequential().makepath().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[doc(alias("create_async"))]
    pub fn create(&self, path: &str, data: impl AsRef<[u8]>) -> Create<'_> {
        Create::new(self, path, data)
    }

    /// Creates the znode and any missing parents, with the default ACL and
    /// empty data; existing znodes are left as they are.
    #[doc(alias("ensure_path_async", "creatingParentsIfNeeded"))]
    pub async fn ensure_path(&self, path: &str) -> Result<()> {
        let acl = self.default_acl().to_vec();
        self.ensure_path_with_acl(path, &acl).await
    }

    /// Like [`ensure_path`](Client::ensure_path), with `acl` for the znodes
    /// it creates. Missing ancestors of the chroot are created too.
    #[doc(alias("ensure_path_async"))]
    pub async fn ensure_path_with_acl(&self, path: &str, acl: &[Acl]) -> Result<()> {
        let server_path = self.server_path("create", path)?;
        // Try the deepest first: an existing path costs one request.
        let mut missing = Vec::new();
        let mut current = server_path.as_str();
        while current != "/" {
            match self.create_at_server_path(current, acl).await {
                Err(e) if e.is_no_node() => {
                    missing.push(current);
                    current = parent_path(current).unwrap_or("/");
                }
                Err(e) if !e.is_node_exists() => return Err(e),
                _ => break,
            }
        }
        for server_path in missing.into_iter().rev() {
            match self.create_at_server_path(server_path, acl).await {
                Err(e) if !e.is_node_exists() => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }

    /// Creates an empty persistent znode at a server path (chroot included).
    async fn create_at_server_path(&self, server_path: &str, acl: &[Acl]) -> Result<()> {
        let shown = self.client_path(server_path.to_owned());
        let request = Request::Create(CreateRequest {
            path: server_path.to_owned(),
            data: Bytes::new(),
            acl: acl.to_vec(),
            mode: CreateMode::Persistent,
        });
        self.call("create", &shown, request).await.map(drop)
    }

    /// Sets the znode's data; await the builder for the new stat.
    /// `.version(v)` makes it conditional.
    #[doc(alias("set_async", "setData", "set_data"))]
    pub fn set(&self, path: &str, data: impl AsRef<[u8]>) -> SetData<'_> {
        SetData::new(self, path, data)
    }

    /// Deletes the znode. `.version(v)` makes it conditional,
    /// `.recursive()` deletes its descendants first.
    #[doc(alias("delete_async"))]
    pub fn delete(&self, path: &str) -> Delete<'_> {
        Delete::new(self, path)
    }

    /// Replaces the znode's ACL; await the builder for the new stat.
    #[doc(alias("set_acls_async", "setACL"))]
    pub fn set_acls(&self, path: &str, acl: Vec<Acl>) -> SetAcl<'_> {
        SetAcl::new(self, path, acl)
    }

    async fn delete_one(&self, path: &str, version: i32) -> Result<()> {
        let server_path = self.server_path("delete", path)?;
        self.call("delete", path, Request::Delete(DeleteRequest { path: server_path, version }))
            .await?;
        Ok(())
    }

    /// Deletes every descendant of `path`, deepest first.
    async fn delete_descendants(&self, path: &str) -> Result<()> {
        let mut stack = vec![(path.to_owned(), false)];
        while let Some((node, expanded)) = stack.pop() {
            if expanded {
                if node != path {
                    match self.delete_one(&node, -1).await {
                        Err(e) if e.is_no_node() => {}
                        other => other?,
                    }
                }
                continue;
            }
            let children = match self.get_children(&node).await {
                Ok(children) => children,
                Err(e) if e.is_no_node() => continue,
                Err(e) => return Err(e),
            };
            stack.push((node.clone(), true));
            let base = if node == "/" { String::new() } else { node };
            stack.extend(children.into_iter().map(|c| (format!("{base}/{c}"), false)));
        }
        Ok(())
    }
}
