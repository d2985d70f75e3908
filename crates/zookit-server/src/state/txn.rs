//! Transactions: the checked form of a write, and how it is applied to the
//! tree (ZooKeeper's txns and `DataTree.processTxn`). A transaction log
//! would record these.

use bytes::Bytes;
use zookit_proto::{
    Acl, Create2Response, CreateResponse, ErrorCode, OpCode, OpResult, SetDataResponse, Stat,
};

use super::tree::{DataTree, Triggers};

/// A write, checked and ready to apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Txn {
    /// Create a znode; `op` is the request's kind (it decides the answer).
    Create {
        op: OpCode,
        path: String,
        /// `None`: null.
        data: Option<Bytes>,
        acl: Vec<Acl>,
        ephemeral_owner: i64,
        parent_cversion: i32,
    },
    /// Delete a znode (`delete` or `deleteContainer`).
    Delete { op: OpCode, path: String },
    /// Set a znode's data (`None`: null), with its new version.
    SetData { path: String, data: Option<Bytes>, version: i32 },
    /// Set a znode's ACL, with its new ACL version.
    SetAcl { path: String, acl: Vec<Acl>, aversion: i32 },
    /// A version check that passed.
    Check { path: String },
    /// A write that failed its checks.
    Error(ErrorCode),
    /// The writes of a multi, applied together.
    Multi(Vec<Txn>),
}

/// What applying a transaction did (`ProcessTxnResult`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TxnResult {
    pub(crate) op: OpCode,
    pub(crate) path: String,
    pub(crate) stat: Option<Stat>,
    pub(crate) err: ErrorCode,
    pub(crate) multi: Vec<TxnResult>,
}

impl TxnResult {
    fn new(op: OpCode) -> Self {
        Self { op, path: String::new(), stat: None, err: ErrorCode::Ok, multi: Vec::new() }
    }

    fn error(code: ErrorCode) -> Self {
        Self { err: code, ..Self::new(OpCode::Error) }
    }

    /// The result a multi reports for this operation.
    pub(crate) fn to_op_result(&self) -> OpResult {
        let stat = self.stat.unwrap_or_default();
        match self.op {
            OpCode::Check => OpResult::Check,
            OpCode::Create => OpResult::Create(CreateResponse { path: self.path.clone() }),
            OpCode::Create2 | OpCode::CreateTtl | OpCode::CreateContainer => {
                OpResult::Create2(Create2Response { path: self.path.clone(), stat })
            }
            OpCode::Delete | OpCode::DeleteContainer => OpResult::Delete,
            OpCode::SetData => OpResult::SetData(SetDataResponse { stat }),
            _ => OpResult::Error(self.err),
        }
    }
}

/// Applies `txn` with `zxid` at `time` (`DataTree.processTxn`), adding the
/// watch triggers it causes, in order.
pub(crate) fn apply(
    tree: &mut DataTree,
    txn: &Txn,
    zxid: i64,
    time: i64,
    triggers: &mut Triggers,
) -> TxnResult {
    match txn {
        Txn::Create { op, path, data, acl, ephemeral_owner, parent_cversion } => {
            let mut result = TxnResult::new(*op);
            result.path.clone_from(path);
            match tree.create(
                path,
                data.as_deref(),
                acl,
                *ephemeral_owner,
                *parent_cversion,
                zxid,
                time,
                triggers,
            ) {
                Ok(node) => {
                    if *op != OpCode::Create {
                        result.stat = Some(node.full_stat());
                    }
                }
                Err(code) => result.err = code,
            }
            result
        }
        Txn::Delete { op, path } => {
            let mut result = TxnResult::new(*op);
            result.path.clone_from(path);
            if let Err(code) = tree.delete(path, zxid, triggers) {
                result.err = code;
            }
            result
        }
        Txn::SetData { path, data, version } => {
            let mut result = TxnResult::new(OpCode::SetData);
            result.path.clone_from(path);
            match tree.set_data(path, data.as_deref(), *version, zxid, time, triggers) {
                Ok(node) => result.stat = Some(node.full_stat()),
                Err(code) => result.err = code,
            }
            result
        }
        Txn::SetAcl { path, acl, aversion } => {
            let mut result = TxnResult::new(OpCode::SetAcl);
            result.path.clone_from(path);
            match tree.set_acl(path, acl, *aversion) {
                Ok(node) => result.stat = Some(node.full_stat()),
                Err(code) => result.err = code,
            }
            result
        }
        Txn::Check { path } => {
            let mut result = TxnResult::new(OpCode::Check);
            result.path.clone_from(path);
            result
        }
        Txn::Error(code) => TxnResult::error(*code),
        Txn::Multi(txns) => {
            let mut result = TxnResult::new(OpCode::Multi);
            let failed = txns.iter().any(|t| matches!(t, Txn::Error(_)));
            let mut after_failure = false;
            for sub in txns {
                let sub_result = match sub {
                    Txn::Error(code) => {
                        after_failure = true;
                        TxnResult::error(*code)
                    }
                    // Nothing of a failed multi is applied: the operations
                    // before the failure report Ok, those after it
                    // RuntimeInconsistency.
                    _ if failed => TxnResult::error(if after_failure {
                        ErrorCode::RuntimeInconsistency
                    } else {
                        ErrorCode::Ok
                    }),
                    _ => apply(tree, sub, zxid, time, triggers),
                };
                if !sub_result.err.is_ok() && result.err.is_ok() {
                    result.err = sub_result.err;
                }
                result.multi.push(sub_result);
            }
            result
        }
    }
}
