//! `multi` (writes, all or nothing, one zxid) and `multiRead`.

use bytes::{BufMut, Bytes};
use zookit_proto::{
    Decode, Encode, ErrorCode, MultiHeader, MultiResponse, OpCode, Perms, ReplyHeader, Stat,
};

use super::prep::{self, View, Writer};
use super::reply::DataBody;
use super::request::MultiOp;
use super::txn::{self, Txn};
use super::{ConnId, Now, Outbound, State, acl};

impl State {
    /// A transaction: every operation is checked against the tree as the
    /// earlier ones would leave it; the first failure fails them all.
    pub(super) fn multi(
        &mut self,
        conn: ConnId,
        session: i64,
        xid: i32,
        ops: Option<Vec<MultiOp>>,
        now: Now,
        out: &mut impl Outbound,
    ) {
        let zxid = self.next_zxid();
        let Some(ops) = ops else {
            return self.reply_error(conn, xid, ErrorCode::MarshallingError, out);
        };
        let auth = self.auth_of(conn);
        let writer = Writer { session, auth: &auth, schemes: self.config.security.schemes };
        let Some(txns) = check_all(&mut View::new(&self.tree), &writer, ops, zxid, now) else {
            // ZooKeeper fails the whole request on a create whose flags ask
            // for a TTL it was not given.
            return self.reply_error(conn, xid, ErrorCode::MarshallingError, out);
        };
        self.arm_triggers();
        let multi = Txn::Multi(txns);
        let result = txn::apply(&mut self.tree, &multi, zxid, now.wall_ms, &mut self.triggers);
        self.fire(out);
        self.journal(zxid, now.wall_ms, super::Entry::Txn(multi));
        let response =
            MultiResponse { results: result.multi.iter().map(|r| r.to_op_result()).collect() };
        let header = ReplyHeader { xid, zxid: self.last_zxid, err: ErrorCode::Ok };
        self.counting(out).send(conn, &(header, response));
    }

    /// Several reads in one request; each fails on its own. No watches are
    /// set (ZooKeeper drops the flags).
    pub(super) fn multi_read(
        &mut self,
        conn: ConnId,
        xid: i32,
        ops: Option<Vec<MultiOp>>,
        out: &mut impl Outbound,
    ) {
        let Some(ops) = ops else {
            return self.reply_error(conn, xid, ErrorCode::MarshallingError, out);
        };
        let auth = self.auth_of(conn);
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            let (path, op_code) = match &op {
                MultiOp::GetData(r) => (r.path.as_str(), OpCode::GetData),
                MultiOp::GetChildren(r) => (r.path.as_str(), OpCode::GetChildren),
                _ => {
                    // ZooKeeper fails here with its (empty) answer begun.
                    let header =
                        ReplyHeader { xid, zxid: self.last_zxid, err: ErrorCode::MarshallingError };
                    self.counting(out).send(conn, &(header, MultiResponse::default()));
                    return;
                }
            };
            let result = match self.tree.get(path) {
                None => ReadResult::Error(ErrorCode::NoNode),
                Some(node) => match acl::check(self.tree.acl_of(node), Perms::READ, &auth) {
                    Err(err) => ReadResult::Error(err),
                    Ok(()) if op_code == OpCode::GetData => ReadResult::Data(
                        node.nullable_data().map(Bytes::copy_from_slice),
                        node.full_stat(),
                    ),
                    Ok(()) => ReadResult::Children(
                        node.children()
                            .map(|c| String::from_utf8_lossy(c.name()).into_owned())
                            .collect(),
                    ),
                },
            };
            results.push(result);
        }
        let header = ReplyHeader { xid, zxid: self.last_zxid, err: ErrorCode::Ok };
        self.counting(out).send(conn, &(header, MultiReadBody(results)));
    }
}

/// The result of one read of a multiRead.
enum ReadResult {
    /// The data (`None`: null) and stat.
    Data(Option<Bytes>, Stat),
    Children(Vec<String>),
    Error(ErrorCode),
}

/// A multiRead's answer, with null data kept (as ZooKeeper sends it).
struct MultiReadBody(Vec<ReadResult>);

impl MultiReadBody {
    fn header(result: &ReadResult) -> MultiHeader {
        let (op, err) = match result {
            ReadResult::Data(..) => (OpCode::GetData, ErrorCode::Ok),
            ReadResult::Children(_) => (OpCode::GetChildren, ErrorCode::Ok),
            ReadResult::Error(err) => (OpCode::Error, *err),
        };
        MultiHeader { op_type: op.code(), done: false, err }
    }
}

impl Encode for MultiReadBody {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        for result in &self.0 {
            Self::header(result).encode(buf);
            match result {
                ReadResult::Data(data, stat) => {
                    DataBody { data: data.as_deref(), stat: *stat }.encode(buf)
                }
                ReadResult::Children(children) => children.encode(buf),
                ReadResult::Error(err) => err.encode(buf),
            }
        }
        MultiHeader::END.encode(buf);
    }

    fn encoded_len(&self) -> usize {
        let bodies: usize = self
            .0
            .iter()
            .map(|result| match result {
                ReadResult::Data(data, stat) => {
                    DataBody { data: data.as_deref(), stat: *stat }.encoded_len()
                }
                ReadResult::Children(children) => children.encoded_len(),
                ReadResult::Error(err) => err.encoded_len(),
            })
            .sum();
        (self.0.len() + 1) * MultiHeader::MIN_LEN + bodies
    }
}

/// Checks a multi's operations in order; after the first failure the rest
/// are not checked (`RuntimeInconsistency`). `None`: the request is
/// malformed.
fn check_all(
    view: &mut View<'_>,
    writer: &Writer<'_>,
    ops: Vec<MultiOp>,
    zxid: i64,
    now: Now,
) -> Option<Vec<Txn>> {
    let mut txns = Vec::with_capacity(ops.len());
    let mut failed = false;
    for op in ops {
        if failed {
            txns.push(Txn::Error(ErrorCode::RuntimeInconsistency));
            continue;
        }
        let checked = match op {
            MultiOp::Create { missing_ttl: true, .. } => return None,
            MultiOp::Create { op, body, .. } => {
                prep::create(view, writer, op, body, zxid, now.wall_ms)
            }
            MultiOp::Delete(r) => prep::delete(view, writer, r, zxid),
            MultiOp::SetData(r) => prep::set_data(view, writer, r, zxid, now.wall_ms),
            MultiOp::Check(r) => prep::check(view, writer, r),
            MultiOp::GetData(_) | MultiOp::GetChildren(_) => return None,
        };
        match checked {
            Ok(txn) => txns.push(txn),
            Err(err) => {
                failed = true;
                txns.push(Txn::Error(err));
            }
        }
    }
    Some(txns)
}
