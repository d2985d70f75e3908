//! `multi` and `multiRead`: several operations in one request.
//!
//! On the wire each operation (and each result) is preceded by a
//! [`MultiHeader`]; a header with `done` set ends the list.

use bytes::{BufMut, Bytes};

use crate::jute::jute_record;
use crate::{
    CheckVersionRequest, Create2Response, CreateRequest, CreateResponse, CreateTtlRequest, Decode,
    DecodeError, DeleteRequest, Encode, ErrorCode, ErrorResponse, GetChildrenRequest,
    GetChildrenResponse, GetDataRequest, GetDataResponse, OpCode, SetDataRequest, SetDataResponse,
};

jute_record! {
    /// Precedes each operation of a multi request and each result of its reply.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct MultiHeader {
        /// The opcode of what follows (-1 for an error result or the end).
        pub op_type: i32,
        /// Set on the header that ends the list.
        pub done: bool,
        /// The result's error code (-1 in requests).
        pub err: ErrorCode,
    }
}

impl MultiHeader {
    /// The header that ends a list of operations or results.
    pub const END: Self = Self { op_type: -1, done: true, err: ErrorCode::SystemError };

    fn op(op_code: OpCode, err: ErrorCode) -> Self {
        Self { op_type: op_code.code(), done: false, err }
    }
}

/// One operation of a multi request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Create (the result has the path).
    Create(CreateRequest),
    /// Create (the result has the path and the stat).
    Create2(CreateRequest),
    /// Create a container.
    CreateContainer(CreateRequest),
    /// Create with a time to live.
    CreateTtl(CreateTtlRequest),
    /// Delete.
    Delete(DeleteRequest),
    /// Set data.
    SetData(SetDataRequest),
    /// Check a version.
    Check(CheckVersionRequest),
    /// List children (multiRead only).
    GetChildren(GetChildrenRequest),
    /// Read data (multiRead only).
    GetData(GetDataRequest),
}

/// Runs `$body` with `$r` bound to the request record an [`Op`] holds.
macro_rules! with_op_record {
    ($op:expr, |$r:ident| $body:expr) => {
        match $op {
            Op::Create($r) | Op::Create2($r) | Op::CreateContainer($r) => $body,
            Op::CreateTtl($r) => $body,
            Op::Delete($r) => $body,
            Op::SetData($r) => $body,
            Op::Check($r) => $body,
            Op::GetChildren($r) => $body,
            Op::GetData($r) => $body,
        }
    };
}

impl Op {
    /// The opcode that goes in the operation's header.
    pub fn op_code(&self) -> OpCode {
        match self {
            Self::Create(_) => OpCode::Create,
            Self::Create2(_) => OpCode::Create2,
            Self::CreateContainer(_) => OpCode::CreateContainer,
            Self::CreateTtl(_) => OpCode::CreateTtl,
            Self::Delete(_) => OpCode::Delete,
            Self::SetData(_) => OpCode::SetData,
            Self::Check(_) => OpCode::Check,
            Self::GetChildren(_) => OpCode::GetChildren,
            Self::GetData(_) => OpCode::GetData,
        }
    }

    /// The znode the operation is about.
    pub fn path(&self) -> &str {
        with_op_record!(self, |r| &r.path)
    }

    /// Whether the operation only reads (multiRead) rather than writes (multi).
    pub fn is_read(&self) -> bool {
        matches!(self, Self::GetChildren(_) | Self::GetData(_))
    }

    fn encode_body<B: BufMut + ?Sized>(&self, buf: &mut B) {
        with_op_record!(self, |r| r.encode(buf))
    }

    fn body_len(&self) -> usize {
        with_op_record!(self, |r| r.encoded_len())
    }

    fn decode_body(op_type: i32, buf: &mut Bytes) -> Result<Self, DecodeError> {
        let unknown = DecodeError::UnknownValue { kind: "multi operation", value: op_type };
        Ok(match OpCode::from_code(op_type).ok_or(unknown.clone())? {
            OpCode::Create => Self::Create(Decode::decode(buf)?),
            OpCode::Create2 => Self::Create2(Decode::decode(buf)?),
            OpCode::CreateContainer => Self::CreateContainer(Decode::decode(buf)?),
            OpCode::CreateTtl => Self::CreateTtl(Decode::decode(buf)?),
            OpCode::Delete => Self::Delete(Decode::decode(buf)?),
            OpCode::SetData => Self::SetData(Decode::decode(buf)?),
            OpCode::Check => Self::Check(Decode::decode(buf)?),
            OpCode::GetChildren => Self::GetChildren(Decode::decode(buf)?),
            OpCode::GetData => Self::GetData(Decode::decode(buf)?),
            _ => return Err(unknown),
        })
    }
}

/// The body of a `multi` (all write operations) or `multiRead` (all reads)
/// request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MultiRequest {
    /// The operations, applied in order.
    pub ops: Vec<Op>,
}

impl Encode for MultiRequest {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        for op in &self.ops {
            // Java clients send -1 as the error code of request headers.
            MultiHeader::op(op.op_code(), ErrorCode::SystemError).encode(buf);
            op.encode_body(buf);
        }
        MultiHeader::END.encode(buf);
    }

    fn encoded_len(&self) -> usize {
        let header = MultiHeader::MIN_LEN;
        self.ops.iter().map(|op| header + op.body_len()).sum::<usize>() + header
    }
}

impl Decode for MultiRequest {
    const MIN_LEN: usize = MultiHeader::MIN_LEN;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        let mut ops = Vec::new();
        loop {
            let header = MultiHeader::decode(buf)?;
            if header.done {
                return Ok(Self { ops });
            }
            ops.push(Op::decode_body(header.op_type, buf)?);
        }
    }
}

/// The result of one operation of a multi.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpResult {
    /// A `create` succeeded.
    Create(CreateResponse),
    /// A `create2`, `createContainer` or `createTTL` succeeded.
    Create2(Create2Response),
    /// A `delete` succeeded.
    Delete,
    /// A `setData` succeeded.
    SetData(SetDataResponse),
    /// A `check` succeeded.
    Check,
    /// A `getChildren` read.
    GetChildren(GetChildrenResponse),
    /// A `getData` read.
    GetData(GetDataResponse),
    /// The operation failed, or was not applied because another failed
    /// (then [`ErrorCode::Ok`] for those before the failure and
    /// [`ErrorCode::RuntimeInconsistency`] for those after it).
    Error(ErrorCode),
}

impl OpResult {
    fn header(&self) -> MultiHeader {
        let ok = ErrorCode::Ok;
        match self {
            Self::Create(_) => MultiHeader::op(OpCode::Create, ok),
            Self::Create2(_) => MultiHeader::op(OpCode::Create2, ok),
            Self::Delete => MultiHeader::op(OpCode::Delete, ok),
            Self::SetData(_) => MultiHeader::op(OpCode::SetData, ok),
            Self::Check => MultiHeader::op(OpCode::Check, ok),
            Self::GetChildren(_) => MultiHeader::op(OpCode::GetChildren, ok),
            Self::GetData(_) => MultiHeader::op(OpCode::GetData, ok),
            Self::Error(err) => MultiHeader::op(OpCode::Error, *err),
        }
    }

    fn encode_body<B: BufMut + ?Sized>(&self, buf: &mut B) {
        match self {
            Self::Create(r) => r.encode(buf),
            Self::Create2(r) => r.encode(buf),
            Self::SetData(r) => r.encode(buf),
            Self::GetChildren(r) => r.encode(buf),
            Self::GetData(r) => r.encode(buf),
            Self::Error(err) => ErrorResponse { err: *err }.encode(buf),
            Self::Delete | Self::Check => {}
        }
    }

    fn body_len(&self) -> usize {
        match self {
            Self::Create(r) => r.encoded_len(),
            Self::Create2(r) => r.encoded_len(),
            Self::SetData(r) => r.encoded_len(),
            Self::GetChildren(r) => r.encoded_len(),
            Self::GetData(r) => r.encoded_len(),
            Self::Error(_) => ErrorResponse::MIN_LEN,
            Self::Delete | Self::Check => 0,
        }
    }

    fn decode_body(op_type: i32, buf: &mut Bytes) -> Result<Self, DecodeError> {
        let unknown = DecodeError::UnknownValue { kind: "multi result", value: op_type };
        Ok(match OpCode::from_code(op_type).ok_or(unknown.clone())? {
            OpCode::Create => Self::Create(Decode::decode(buf)?),
            OpCode::Create2 => Self::Create2(Decode::decode(buf)?),
            OpCode::Delete => Self::Delete,
            OpCode::SetData => Self::SetData(Decode::decode(buf)?),
            OpCode::Check => Self::Check,
            OpCode::GetChildren => Self::GetChildren(Decode::decode(buf)?),
            OpCode::GetData => Self::GetData(Decode::decode(buf)?),
            OpCode::Error => Self::Error(ErrorResponse::decode(buf)?.err),
            _ => return Err(unknown),
        })
    }
}

/// The body of the reply to `multi` or `multiRead`: one result per
/// operation, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MultiResponse {
    /// The results.
    pub results: Vec<OpResult>,
}

impl Encode for MultiResponse {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        for result in &self.results {
            result.header().encode(buf);
            result.encode_body(buf);
        }
        MultiHeader::END.encode(buf);
    }

    fn encoded_len(&self) -> usize {
        let header = MultiHeader::MIN_LEN;
        self.results.iter().map(|r| header + r.body_len()).sum::<usize>() + header
    }
}

impl Decode for MultiResponse {
    const MIN_LEN: usize = MultiHeader::MIN_LEN;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        let mut results = Vec::new();
        loop {
            let header = MultiHeader::decode(buf)?;
            if header.done {
                return Ok(Self { results });
            }
            results.push(OpResult::decode_body(header.op_type, buf)?);
        }
    }
}
