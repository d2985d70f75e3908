//! The blocking client's writes: create, ensure_path, set, delete, set_acls
//! and transactions. The plain call does the work
//! (`client.create("/a", "data")?`); a write with options is the async
//! client's builder, made by the `_with` form and ended by `send()`
//! (`client.create_with("/a", "data").ephemeral().send()?`), so that both
//! clients have the same options, set in one place.

use zookit_proto::{Acl, Stat};

use super::Client;
use crate::{Result, TransactionResults};

/// A create on the blocking client ([`Client::create_with`]): the options
/// of [`crate::Create`], then [`send`](crate::Create::send).
pub type Create<'a> = crate::Create<'a, Client>;

/// A [`Create`] that also returns the new znode's stat.
pub type CreateWithStat<'a> = crate::CreateWithStat<'a, Client>;

/// A set of a znode's data on the blocking client ([`Client::set_with`]).
pub type SetData<'a> = crate::SetData<'a, Client>;

/// A delete on the blocking client ([`Client::delete_with`]).
pub type Delete<'a> = crate::Delete<'a, Client>;

/// A set of a znode's ACL on the blocking client ([`Client::set_acls_with`]).
pub type SetAcl<'a> = crate::SetAcl<'a, Client>;

/// A transaction on the blocking client ([`Client::transaction`]): the
/// operations of [`crate::Transaction`], then
/// [`commit`](crate::Transaction::commit), which blocks.
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
#[doc(alias("TransactionRequest"))]
pub type Transaction<'a> = crate::Transaction<'a, Client>;

impl Create<'_> {
    /// Creates the znode, blocking; returns its path (with the sequence
    /// number for sequential modes).
    pub fn send(self) -> Result<String> {
        let (zk, path) = self.client.owned(&self.args.path);
        let args = self.args;
        self.client.run("create", &path, async move {
            args.run(&zk, false).await.map(|(created, _)| created)
        })
    }
}

impl CreateWithStat<'_> {
    /// Creates the znode, blocking; returns its path and stat.
    pub fn send(self) -> Result<(String, Stat)> {
        let Create { client, args } = self.0;
        let (zk, path) = client.owned(&args.path);
        client.run("create2", &path, async move { args.run_with_stat(&zk).await })
    }
}

impl SetData<'_> {
    /// Sets the data, blocking; returns the znode's new stat.
    pub fn send(self) -> Result<Stat> {
        let (zk, path) = self.client.owned(&self.args.path);
        let args = self.args;
        self.client.run("setData", &path, async move { args.run(&zk).await })
    }
}

impl Delete<'_> {
    /// Deletes the znode, blocking.
    pub fn send(self) -> Result<()> {
        let (zk, path) = self.client.owned(&self.args.path);
        let args = self.args;
        self.client.run("delete", &path, async move { args.run(&zk).await })
    }
}

impl SetAcl<'_> {
    /// Sets the ACL, blocking; returns the znode's new stat.
    pub fn send(self) -> Result<Stat> {
        let (zk, path) = self.client.owned(&self.args.path);
        let args = self.args;
        self.client.run("setACL", &path, async move { args.run(&zk).await })
    }
}

impl Transaction<'_> {
    /// Commits the operations atomically, blocking; see
    /// [`crate::Transaction::commit`] for the results.
    pub fn commit(self) -> Result<TransactionResults> {
        let (zk, first_path) = self.client.owned(self.ops.first_path());
        let ops = self.ops;
        self.client.run("multi", &first_path, async move { ops.commit(&zk).await })
    }
}

impl Client {
    /// Creates a znode with `data`; returns its path. For options, see
    /// [`create_with`](Self::create_with).
    ///
    /// ```no_run
    /// # fn example(client: zookit::blocking::Client) -> zookit::Result<()> {
    /// client.create("/app/config", "v1")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, path: &str, data: impl AsRef<[u8]>) -> Result<String> {
        self.create_with(path, data).send()
    }

    /// A create with options (ephemeral, sequential, container, TTL, ACL,
    /// `makepath`, the stat), ended by [`send`](crate::Create::send):
    ///
    /// ```no_run
    /// # fn example(client: zookit::blocking::Client) -> zookit::Result<()> {
    /// let member =
    ///     client.create_with("/app/members/m-", "").ephemeral().sequential().makepath().send()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create_with(&self, path: &str, data: impl AsRef<[u8]>) -> Create<'_> {
        crate::Create::new(self, path, data)
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

    /// Sets the znode's data; returns its new stat. For a conditional set,
    /// see [`set_with`](Self::set_with).
    #[doc(alias("setData", "set_data"))]
    pub fn set(&self, path: &str, data: impl AsRef<[u8]>) -> Result<Stat> {
        self.set_with(path, data).send()
    }

    /// A set with options (`.version(v)`), ended by
    /// [`send`](crate::SetData::send).
    pub fn set_with(&self, path: &str, data: impl AsRef<[u8]>) -> SetData<'_> {
        crate::SetData::new(self, path, data)
    }

    /// Deletes the znode. For a conditional or recursive delete, see
    /// [`delete_with`](Self::delete_with).
    pub fn delete(&self, path: &str) -> Result<()> {
        self.delete_with(path).send()
    }

    /// A delete with options (`.version(v)`, `.recursive()`), ended by
    /// [`send`](crate::Delete::send).
    pub fn delete_with(&self, path: &str) -> Delete<'_> {
        crate::Delete::new(self, path)
    }

    /// Replaces the znode's ACL; returns its new stat. For a conditional
    /// set, see [`set_acls_with`](Self::set_acls_with).
    #[doc(alias("setACL"))]
    pub fn set_acls(&self, path: &str, acl: Vec<Acl>) -> Result<Stat> {
        self.set_acls_with(path, acl).send()
    }

    /// A set of the ACL with options (`.version(v)`), ended by
    /// [`send`](crate::SetAcl::send).
    pub fn set_acls_with(&self, path: &str, acl: Vec<Acl>) -> SetAcl<'_> {
        crate::SetAcl::new(self, path, acl)
    }

    /// Starts a transaction (kazoo's `client.transaction()`), committed with
    /// [`commit`](crate::Transaction::commit).
    pub fn transaction(&self) -> Transaction<'_> {
        crate::Transaction::new(self)
    }
}
