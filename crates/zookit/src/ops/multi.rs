//! Transactions (`multi`) and several reads in one request (`multiRead`).

use bytes::Bytes;
use zookit_proto::{
    Acl, CheckVersionRequest, CreateMode, CreateRequest, DeleteRequest, ErrorCode,
    GetChildrenRequest, GetDataRequest, MultiRequest, Op, OpResult, Request, Response,
    SetDataRequest, Stat,
};

use super::read::unexpected;
use crate::{Client, Error, ErrorKind, Result};

/// A transaction: operations committed atomically, all or none
/// ([`Client::transaction`], kazoo's `TransactionRequest`; the blocking
/// client's [`transaction`](crate::blocking::Client::transaction) makes the
/// same builder, whose `commit` blocks).
///
/// ```no_run
/// # async fn example(client: zookit::Client) -> zookit::Result<()> {
/// use zookit::CreateMode;
///
/// let results = client
///     .transaction()
///     .check("/app/config", 3)
///     .set_data("/app/config", "v4", 3)
///     .create("/app/history/v4", "", CreateMode::Persistent)
///     .commit()
///     .await?;
/// if !results.committed() {
///     // Nothing was applied: why the failing op failed.
///     println!("{:?}", results.failure());
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "a transaction does nothing unless committed"]
#[doc(alias("TransactionRequest", "CuratorTransaction"))]
pub struct Transaction<'a, C = Client> {
    pub(crate) client: &'a C,
    pub(crate) ops: TransactionOps,
}

/// The operations of a [`Transaction`], in order, with the paths as the
/// caller wrote them: checked and sent by `commit`.
#[derive(Default)]
pub(crate) struct TransactionOps(Vec<(String, TransactionOp)>);

/// One operation of a transaction, its path aside.
enum TransactionOp {
    Create { data: Bytes, mode: CreateMode, acl: Option<Vec<Acl>> },
    Delete { version: i32 },
    SetData { data: Bytes, version: i32 },
    Check { version: i32 },
}

/// What one operation of a committed transaction did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpOutcome {
    /// A znode was created at this path.
    Created(String),
    /// The znode was deleted.
    Deleted,
    /// The znode's data was set; its new stat.
    SetData(Stat),
    /// The version check passed.
    Checked,
}

/// The results of a transaction ([`Transaction::commit`]): one per op, in
/// order. Either the transaction [`committed`](Self::committed) and every
/// op's result is `Ok`, or nothing was applied: the failing op has its
/// error and every other op is [rolled back](Error::is_rolled_back).
///
/// It derefs to the slice of results and iterates over them.
#[derive(Debug)]
pub struct TransactionResults {
    results: Vec<Result<OpOutcome>>,
}

impl TransactionResults {
    /// Whether the transaction was applied (kazoo's `committed`, in the
    /// sense of the outcome): every op succeeded.
    pub fn committed(&self) -> bool {
        self.results.iter().all(Result::is_ok)
    }

    /// Why the transaction was not applied: the error of the op that
    /// failed (not one of those rolled back with it); `None` if it
    /// committed.
    pub fn failure(&self) -> Option<&Error> {
        let mut errors = self.results.iter().filter_map(|r| r.as_ref().err()).peekable();
        let first = *errors.peek()?;
        Some(errors.find(|e| !e.is_rolled_back()).unwrap_or(first))
    }

    /// The results, one per op.
    pub fn into_results(self) -> Vec<Result<OpOutcome>> {
        self.results
    }
}

impl std::ops::Deref for TransactionResults {
    type Target = [Result<OpOutcome>];

    fn deref(&self) -> &Self::Target {
        &self.results
    }
}

impl IntoIterator for TransactionResults {
    type Item = Result<OpOutcome>;
    type IntoIter = std::vec::IntoIter<Result<OpOutcome>>;

    fn into_iter(self) -> Self::IntoIter {
        self.results.into_iter()
    }
}

impl<'r> IntoIterator for &'r TransactionResults {
    type Item = &'r Result<OpOutcome>;
    type IntoIter = std::slice::Iter<'r, Result<OpOutcome>>;

    fn into_iter(self) -> Self::IntoIter {
        self.results.iter()
    }
}

impl<'a, C> Transaction<'a, C> {
    pub(crate) fn new(client: &'a C) -> Self {
        Self { client, ops: TransactionOps::default() }
    }

    fn push(mut self, path: &str, op: TransactionOp) -> Self {
        self.ops.0.push((path.to_owned(), op));
        self
    }

    /// Adds a create of `path` with `mode` and the default ACL.
    pub fn create(self, path: &str, data: impl AsRef<[u8]>, mode: CreateMode) -> Self {
        let data = Bytes::copy_from_slice(data.as_ref());
        self.push(path, TransactionOp::Create { data, mode, acl: None })
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
        self.push(path, TransactionOp::Create { data, mode, acl: Some(acl) })
    }

    /// Adds a delete of `path` at `version` (-1 for any).
    pub fn delete(self, path: &str, version: i32) -> Self {
        self.push(path, TransactionOp::Delete { version })
    }

    /// Adds a set of `path`'s data at `version` (-1 for any).
    pub fn set_data(self, path: &str, data: impl AsRef<[u8]>, version: i32) -> Self {
        let data = Bytes::copy_from_slice(data.as_ref());
        self.push(path, TransactionOp::SetData { data, version })
    }

    /// Adds a check that `path` is at `version`.
    pub fn check(self, path: &str, version: i32) -> Self {
        self.push(path, TransactionOp::Check { version })
    }
}

impl Transaction<'_> {
    /// Commits the operations atomically, all or none: see
    /// [`TransactionResults`]. Fails as a whole only when the request did
    /// not get an answer (or an argument was invalid: nothing was sent).
    #[doc(alias("commit_async"))]
    pub async fn commit(self) -> Result<TransactionResults> {
        self.ops.commit(self.client).await
    }
}

impl TransactionOps {
    /// The path of the first operation (for errors about the whole).
    pub(crate) fn first_path(&self) -> &str {
        self.0.first().map_or("", |(path, _)| path.as_str())
    }

    /// The operations to send on `client`; the first invalid argument
    /// fails them all.
    fn requests(&mut self, client: &Client) -> Result<Vec<Op>> {
        let mut ops = Vec::with_capacity(self.0.len());
        for (path, op) in &mut self.0 {
            let path = path.as_str();
            if let TransactionOp::Create { mode, .. } = op {
                if mode.is_ttl() {
                    let message = "TTL nodes cannot be created in a transaction";
                    return Err(Error::invalid_argument(message).with_path(path));
                }
            }
            let path = client.server_path("multi", path).map_err(|e| e.with_op("multi"))?;
            ops.push(match op {
                TransactionOp::Create { data, mode, acl } => {
                    let acl = acl.take().unwrap_or_else(|| client.default_acl().to_vec());
                    let (data, mode) = (std::mem::take(data), *mode);
                    let request = CreateRequest { path, data, acl, mode };
                    if mode.is_container() {
                        Op::CreateContainer(request)
                    } else {
                        Op::Create(request)
                    }
                }
                TransactionOp::Delete { version } => {
                    Op::Delete(DeleteRequest { path, version: *version })
                }
                TransactionOp::SetData { data, version } => Op::SetData(SetDataRequest {
                    path,
                    data: std::mem::take(data),
                    version: *version,
                }),
                TransactionOp::Check { version } => {
                    Op::Check(CheckVersionRequest { path, version: *version })
                }
            });
        }
        Ok(ops)
    }

    /// Commits the operations on `client`.
    pub(crate) async fn commit(mut self, client: &Client) -> Result<TransactionResults> {
        let ops = self.requests(client)?;
        let first_path = self.first_path().to_owned();
        let request = Request::Multi(MultiRequest { ops });
        let response = match client.call("multi", &first_path, request).await? {
            Response::Multi(response) => response,
            other => return Err(unexpected("multi", &first_path, &other)),
        };
        let failed =
            response.results.iter().any(|r| matches!(r, OpResult::Error(code) if !code.is_ok()));
        let results = response
            .results
            .into_iter()
            .zip(self.0.iter().map(|(path, _)| path))
            .map(|(result, path)| match result {
                OpResult::Create(r) => Ok(OpOutcome::Created(client.client_path(r.path))),
                OpResult::Create2(r) => Ok(OpOutcome::Created(client.client_path(r.path))),
                OpResult::Delete => Ok(OpOutcome::Deleted),
                OpResult::SetData(r) => Ok(OpOutcome::SetData(r.stat)),
                OpResult::Check => Ok(OpOutcome::Checked),
                OpResult::Error(code) => {
                    Err(op_error(code, failed).with_op("multi").with_path(path.as_str()))
                }
                other => Err(unexpected("multi", path, &other)),
            })
            .collect();
        Ok(TransactionResults { results })
    }
}

/// The error of one op of a failed multi: its own code, or rolled back.
fn op_error(code: ErrorCode, failed: bool) -> Error {
    match code {
        ErrorCode::Ok | ErrorCode::RuntimeInconsistency if failed => {
            Error::new(ErrorKind::RolledBack)
        }
        code => Error::from_code(code),
    }
}

/// One read of a [`Client::multi_read`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadOp {
    /// The znode's data and stat.
    GetData(String),
    /// The names of the znode's children.
    GetChildren(String),
}

/// What one read of a [`Client::multi_read`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadOutcome {
    /// The znode's data and stat.
    Data(Bytes, Stat),
    /// The names of the znode's children.
    Children(Vec<String>),
}

impl Client {
    /// Starts a transaction (kazoo's `client.transaction()`).
    pub fn transaction(&self) -> Transaction<'_> {
        Transaction::new(self)
    }

    /// Runs several reads in one request (ZooKeeper 3.6+); each has its own
    /// result, a missing znode failing only its read.
    #[doc(alias("multiRead"))]
    pub async fn multi_read(&self, reads: &[ReadOp]) -> Result<Vec<Result<ReadOutcome>>> {
        let mut ops = Vec::with_capacity(reads.len());
        for read in reads {
            ops.push(match read {
                ReadOp::GetData(path) => Op::GetData(GetDataRequest {
                    path: self.server_path("multiRead", path)?,
                    watch: false,
                }),
                ReadOp::GetChildren(path) => Op::GetChildren(GetChildrenRequest {
                    path: self.server_path("multiRead", path)?,
                    watch: false,
                }),
            });
        }
        let response =
            match self.call("multiRead", "", Request::MultiRead(MultiRequest { ops })).await? {
                Response::Multi(response) => response,
                other => return Err(unexpected("multiRead", "", &other)),
            };
        Ok(response
            .results
            .into_iter()
            .zip(reads)
            .map(|(result, read)| {
                let path = match read {
                    ReadOp::GetData(p) | ReadOp::GetChildren(p) => p.as_str(),
                };
                match result {
                    OpResult::GetData(r) => Ok(ReadOutcome::Data(r.data, r.stat)),
                    OpResult::GetChildren(r) => Ok(ReadOutcome::Children(r.children)),
                    OpResult::Error(code) => {
                        Err(Error::from_code(code).with_op("multiRead").with_path(path))
                    }
                    other => Err(unexpected("multiRead", path, &other)),
                }
            })
            .collect())
    }
}
