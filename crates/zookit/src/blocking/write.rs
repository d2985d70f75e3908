//! The blocking client's writes: create, ensure_path, set, delete, set_acls
//! and transactions. Those with options are builders ended by
//! [`send`](Create::send) (or [`commit`](Transaction::commit)):
//! `client.create("/a", "data").ephemeral().send()?`.
//!
//! Each builder records its options and replays them on the async client's
//! builder on the background thread, so that both behave the same.

use std::time::Duration;

use bytes::Bytes;
use zookit_proto::{Acl, CreateMode, Stat};

use super::Client;
use crate::{Result, TransactionResults};

/// An option of a [`Create`], in the order it was set.
enum CreateOption {
    Mode(CreateMode),
    Ephemeral,
    Sequential,
    Container,
    Ttl(Duration),
    Acl(Vec<Acl>),
    Makepath,
}

/// Creates a znode: [`Client::create`]. [`send`](Self::send) it for the
/// created path. The options are those of [`crate::Create`].
#[must_use = "a create does nothing unless sent"]
pub struct Create<'a> {
    client: &'a Client,
    path: String,
    data: Bytes,
    options: Vec<CreateOption>,
}

impl<'a> Create<'a> {
    fn option(mut self, option: CreateOption) -> Self {
        self.options.push(option);
        self
    }

    /// The kind of znode (default persistent).
    pub fn mode(self, mode: CreateMode) -> Self {
        self.option(CreateOption::Mode(mode))
    }

    /// An ephemeral znode: deleted when the session ends. Keeps `sequential`.
    pub fn ephemeral(self) -> Self {
        self.option(CreateOption::Ephemeral)
    }

    /// A sequential znode: the server appends a 10-digit counter to the
    /// name. Keeps `ephemeral` and TTL.
    pub fn sequential(self) -> Self {
        self.option(CreateOption::Sequential)
    }

    /// A container znode: deleted by the server once its last child is.
    pub fn container(self) -> Self {
        self.option(CreateOption::Container)
    }

    /// A time to live; see [`crate::Create::ttl`].
    pub fn ttl(self, ttl: Duration) -> Self {
        self.option(CreateOption::Ttl(ttl))
    }

    /// The ACL (default: the client's default ACL).
    pub fn acl(self, acl: Vec<Acl>) -> Self {
        self.option(CreateOption::Acl(acl))
    }

    /// Creates missing parents too (with the same ACL), as kazoo's `makepath`.
    pub fn makepath(self) -> Self {
        self.option(CreateOption::Makepath)
    }

    /// Asks for the new znode's stat too (ZooKeeper's `create2`).
    pub fn with_stat(self) -> CreateWithStat<'a> {
        CreateWithStat(self)
    }

    /// Creates the znode; returns its path (with the sequence number for
    /// sequential modes).
    pub fn send(self) -> Result<String> {
        let (zk, path) = self.client.owned(&self.path);
        let (data, options) = (self.data, self.options);
        self.client
            .run("create", &self.path, async move { replay(zk.create(&path, data), options).await })
    }
}

/// The async create with `options` set, in order.
fn replay(create: crate::Create<'_>, options: Vec<CreateOption>) -> crate::Create<'_> {
    options.into_iter().fold(create, |create, option| match option {
        CreateOption::Mode(mode) => create.mode(mode),
        CreateOption::Ephemeral => create.ephemeral(),
        CreateOption::Sequential => create.sequential(),
        CreateOption::Container => create.container(),
        CreateOption::Ttl(ttl) => create.ttl(ttl),
        CreateOption::Acl(acl) => create.acl(acl),
        CreateOption::Makepath => create.makepath(),
    })
}

/// A [`Create`] that also returns the new znode's stat.
#[must_use = "a create does nothing unless sent"]
pub struct CreateWithStat<'a>(Create<'a>);

impl CreateWithStat<'_> {
    /// Creates the znode; returns its path and stat.
    pub fn send(self) -> Result<(String, Stat)> {
        let Create { client, path, data, options } = self.0;
        let (zk, owned) = client.owned(&path);
        client.run("create2", &path, async move {
            replay(zk.create(&owned, data), options).with_stat().await
        })
    }
}

/// Sets a znode's data: [`Client::set`]. [`send`](Self::send) it for the
/// new stat.
#[must_use = "a set does nothing unless sent"]
pub struct SetData<'a> {
    client: &'a Client,
    path: String,
    data: Bytes,
    version: i32,
}

impl SetData<'_> {
    /// Only if the znode's data version is `version` (else `BadVersion`).
    pub fn version(mut self, version: i32) -> Self {
        self.version = version;
        self
    }

    /// Sets the data; returns the znode's new stat.
    pub fn send(self) -> Result<Stat> {
        let (zk, path) = self.client.owned(&self.path);
        let (data, version) = (self.data, self.version);
        self.client.run(
            "setData",
            &self.path,
            async move { zk.set(&path, data).version(version).await },
        )
    }
}

/// Deletes a znode: [`Client::delete`]; [`send`](Self::send) it.
#[must_use = "a delete does nothing unless sent"]
pub struct Delete<'a> {
    client: &'a Client,
    path: String,
    version: i32,
    recursive: bool,
}

impl Delete<'_> {
    /// Only if the znode's data version is `version` (else `BadVersion`).
    pub fn version(mut self, version: i32) -> Self {
        self.version = version;
        self
    }

    /// Deletes the znode's descendants first (kazoo's `recursive=True`).
    /// All of it must end within the command timeout.
    pub fn recursive(mut self) -> Self {
        self.recursive = true;
        self
    }

    /// Deletes the znode.
    pub fn send(self) -> Result<()> {
        let (zk, path) = self.client.owned(&self.path);
        let (version, recursive) = (self.version, self.recursive);
        self.client.run("delete", &self.path, async move {
            let delete = zk.delete(&path).version(version);
            if recursive { delete.recursive().await } else { delete.await }
        })
    }
}

/// Sets a znode's ACL: [`Client::set_acls`]. [`send`](Self::send) it for
/// the new stat.
#[must_use = "a set_acls does nothing unless sent"]
pub struct SetAcl<'a> {
    client: &'a Client,
    path: String,
    acl: Vec<Acl>,
    version: i32,
}

impl SetAcl<'_> {
    /// Only if the znode's ACL version (`aversion`) is `version`.
    pub fn version(mut self, version: i32) -> Self {
        self.version = version;
        self
    }

    /// Sets the ACL; returns the znode's new stat.
    pub fn send(self) -> Result<Stat> {
        let (zk, path) = self.client.owned(&self.path);
        let (acl, version) = (self.acl, self.version);
        self.client.run("setACL", &self.path, async move {
            zk.set_acls(&path, acl).version(version).await
        })
    }
}

/// An operation of a [`Transaction`], in order.
enum TransactionOp {
    Create { path: String, data: Bytes, mode: CreateMode, acl: Option<Vec<Acl>> },
    Delete { path: String, version: i32 },
    SetData { path: String, data: Bytes, version: i32 },
    Check { path: String, version: i32 },
}

/// A transaction: operations committed atomically, all or none
/// ([`Client::transaction`]; see [`crate::Transaction`]).
///
/// ```no_run
/// # fn example(client: zookit::blocking::Client) -> zookit::Result<()> {
/// use zookit::CreateMode;
///
/// let results = client
///     .transaction()
///     .check("/app/config", 3)
///     .set_data("/app/config", "v4", 3)
///     .create("/app/history/v4", "", CreateMode::Persistent)
///     .commit()?;
/// for result in results {
///     result?;
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "a transaction does nothing unless committed"]
#[doc(alias("TransactionRequest"))]
pub struct Transaction<'a> {
    client: &'a Client,
    ops: Vec<TransactionOp>,
}

impl Transaction<'_> {
    fn op(mut self, op: TransactionOp) -> Self {
        self.ops.push(op);
        self
    }

    /// Adds a create of `path` with `mode` and the default ACL.
    pub fn create(self, path: &str, data: impl AsRef<[u8]>, mode: CreateMode) -> Self {
        let data = Bytes::copy_from_slice(data.as_ref());
        self.op(TransactionOp::Create { path: path.to_owned(), data, mode, acl: None })
    }

    /// Adds a create of `path` with `mode` and `acl`. TTL modes are not
    /// available in transactions.
    pub fn create_with_acl(
        self,
        path: &str,
        data: impl AsRef<[u8]>,
        mode: CreateMode,
        acl: Vec<Acl>,
    ) -> Self {
        let data = Bytes::copy_from_slice(data.as_ref());
        self.op(TransactionOp::Create { path: path.to_owned(), data, mode, acl: Some(acl) })
    }

    /// Adds a delete of `path` at `version` (-1 for any).
    pub fn delete(self, path: &str, version: i32) -> Self {
        self.op(TransactionOp::Delete { path: path.to_owned(), version })
    }

    /// Adds a set of `path`'s data at `version` (-1 for any).
    pub fn set_data(self, path: &str, data: impl AsRef<[u8]>, version: i32) -> Self {
        let data = Bytes::copy_from_slice(data.as_ref());
        self.op(TransactionOp::SetData { path: path.to_owned(), data, version })
    }

    /// Adds a check that `path` is at `version`.
    pub fn check(self, path: &str, version: i32) -> Self {
        self.op(TransactionOp::Check { path: path.to_owned(), version })
    }

    /// Commits the operations atomically; see
    /// [`crate::Transaction::commit`] for the results.
    pub fn commit(self) -> Result<TransactionResults> {
        let first_path = match self.ops.first() {
            Some(
                TransactionOp::Create { path, .. }
                | TransactionOp::Delete { path, .. }
                | TransactionOp::SetData { path, .. }
                | TransactionOp::Check { path, .. },
            ) => path.clone(),
            None => String::new(),
        };
        let zk = self.client.async_client().clone();
        let ops = self.ops;
        self.client.run("multi", &first_path, async move {
            let transaction = ops.into_iter().fold(zk.transaction(), |tx, op| match op {
                TransactionOp::Create { path, data, mode, acl: None } => {
                    tx.create(&path, data, mode)
                }
                TransactionOp::Create { path, data, mode, acl: Some(acl) } => {
                    tx.create_with_acl(&path, data, mode, acl)
                }
                TransactionOp::Delete { path, version } => tx.delete(&path, version),
                TransactionOp::SetData { path, data, version } => tx.set_data(&path, data, version),
                TransactionOp::Check { path, version } => tx.check(&path, version),
            });
            transaction.commit().await
        })
    }
}

impl Client {
    /// Creates a znode with `data`; options are set on the returned
    /// builder, which is then sent for the created path:
    ///
    /// ```no_run
    /// # fn example(client: zookit::blocking::Client) -> zookit::Result<()> {
    /// client.create("/app/config", "v1").send()?;
    /// let member = client.create("/app/members/m-", "").ephemeral().sequential().makepath().send()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, path: &str, data: impl AsRef<[u8]>) -> Create<'_> {
        Create {
            client: self,
            path: path.to_owned(),
            data: Bytes::copy_from_slice(data.as_ref()),
            options: Vec::new(),
        }
    }

    /// Creates the znode and any missing parents, with the default ACL and
    /// empty data; existing znodes are left as they are.
    #[doc(alias("creatingParentsIfNeeded"))]
    pub fn ensure_path(&self, path: &str) -> Result<()> {
        let (zk, p) = self.owned(path);
        self.run("create", path, async move { zk.ensure_path(&p).await })
    }

    /// Like [`ensure_path`](Self::ensure_path), with `acl` for the znodes
    /// it creates.
    pub fn ensure_path_with_acl(&self, path: &str, acl: &[Acl]) -> Result<()> {
        let (zk, p) = self.owned(path);
        let acl = acl.to_vec();
        self.run("create", path, async move { zk.ensure_path_with_acl(&p, &acl).await })
    }

    /// Sets the znode's data; send the builder for the new stat.
    /// `.version(v)` makes it conditional.
    #[doc(alias("setData", "set_data"))]
    pub fn set(&self, path: &str, data: impl AsRef<[u8]>) -> SetData<'_> {
        SetData {
            client: self,
            path: path.to_owned(),
            data: Bytes::copy_from_slice(data.as_ref()),
            version: -1,
        }
    }

    /// Deletes the znode; send the builder. `.version(v)` makes it
    /// conditional, `.recursive()` deletes its descendants first.
    pub fn delete(&self, path: &str) -> Delete<'_> {
        Delete { client: self, path: path.to_owned(), version: -1, recursive: false }
    }

    /// Replaces the znode's ACL; send the builder for the new stat.
    #[doc(alias("setACL"))]
    pub fn set_acls(&self, path: &str, acl: Vec<Acl>) -> SetAcl<'_> {
        SetAcl { client: self, path: path.to_owned(), acl, version: -1 }
    }

    /// Starts a transaction (kazoo's `client.transaction()`), committed with
    /// [`Transaction::commit`].
    pub fn transaction(&self) -> Transaction<'_> {
        Transaction { client: self, ops: Vec::new() }
    }
}
