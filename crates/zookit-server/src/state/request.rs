//! Requests as the server receives them: zookit-proto's records, except
//! where ZooKeeper reads a field more leniently than a client should write
//! it (a create's flags, which ZooKeeper checks itself; the operations of a
//! multi, whose kind it derives from those flags).

use bytes::{Buf, Bytes};
use zookit_proto::{
    Acl, CheckVersionRequest, Decode, DecodeError, DeleteRequest, GetChildrenRequest,
    GetDataRequest, MultiHeader, OpCode, Request,
};

/// A Jute buffer that may be null (length -1), which ZooKeeper keeps apart
/// from an empty one.
pub(crate) fn nullable_bytes(buf: &mut Bytes) -> Result<Option<Bytes>, DecodeError> {
    if buf.get(..4) == Some(&[0xff; 4][..]) {
        buf.advance(4);
        return Ok(None);
    }
    Bytes::decode(buf).map(Some)
}

/// The body of `create`, `create2`, `createContainer` and `createTTL`,
/// with the flags as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CreateBody {
    pub(crate) path: String,
    /// `None`: null.
    pub(crate) data: Option<Bytes>,
    pub(crate) acl: Vec<Acl>,
    pub(crate) flags: i32,
    /// The time to live (`createTTL` only; -1 otherwise, as ZooKeeper).
    pub(crate) ttl: i64,
}

impl CreateBody {
    fn decode(buf: &mut Bytes, with_ttl: bool) -> Result<Self, DecodeError> {
        Ok(Self {
            path: String::decode(buf)?,
            data: nullable_bytes(buf)?,
            acl: Vec::<Acl>::decode(buf)?,
            flags: i32::decode(buf)?,
            ttl: if with_ttl { i64::decode(buf)? } else { -1 },
        })
    }
}

/// The body of `setData`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SetDataBody {
    pub(crate) path: String,
    /// `None`: null.
    pub(crate) data: Option<Bytes>,
    pub(crate) version: i32,
}

impl SetDataBody {
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        Ok(Self {
            path: String::decode(buf)?,
            data: nullable_bytes(buf)?,
            version: i32::decode(buf)?,
        })
    }
}

/// One operation of a multi or multiRead, as ZooKeeper's
/// `MultiOperationRecord` reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MultiOp {
    /// A create; `op` follows the flags (`Op.create`), not the header.
    Create {
        op: OpCode,
        body: CreateBody,
        /// Set when the flags ask for a TTL but the record carried none
        /// (a `create` header with TTL flags), which ZooKeeper fails on.
        missing_ttl: bool,
    },
    Delete(DeleteRequest),
    SetData(SetDataBody),
    Check(CheckVersionRequest),
    GetData(GetDataRequest),
    GetChildren(GetChildrenRequest),
}

impl MultiOp {
    fn is_read(&self) -> bool {
        matches!(self, Self::GetData(_) | Self::GetChildren(_))
    }
}

/// What a request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Call {
    /// `create`, `create2`, `createContainer`, `createTTL`.
    Create(OpCode, CreateBody),
    /// `setData`.
    SetData(SetDataBody),
    /// `multi` (`None`: ZooKeeper could not read it).
    Multi(Option<Vec<MultiOp>>),
    /// `multiRead` (`None`: ZooKeeper could not read it; writes in it are
    /// refused when it is answered).
    MultiRead(Option<Vec<MultiOp>>),
    /// Any other request ZooKeeper serves.
    Other(Request),
    /// A request ZooKeeper serves whose body is malformed: answered with
    /// `MarshallingError`.
    Malformed(OpCode),
    /// An opcode ZooKeeper does not serve: answered with `Unimplemented`,
    /// then the connection is closed.
    Unknown(i32),
}

/// A request frame after the handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Incoming {
    pub(crate) xid: i32,
    pub(crate) call: Call,
}

/// Decodes a request frame. An error means ZooKeeper would close the
/// connection: no header, or an unreadable `auth` or `sasl` packet.
pub(crate) fn decode(mut frame: Bytes) -> Result<Incoming, DecodeError> {
    let xid = i32::decode(&mut frame)?;
    let code = i32::decode(&mut frame)?;
    let Some(op) = OpCode::from_code(code) else {
        return Ok(Incoming { xid, call: Call::Unknown(code) });
    };
    let call = match op {
        OpCode::Create | OpCode::Create2 | OpCode::CreateContainer | OpCode::CreateTtl => {
            match CreateBody::decode(&mut frame, op == OpCode::CreateTtl) {
                Ok(body) => Call::Create(op, body),
                Err(_) => Call::Malformed(op),
            }
        }
        OpCode::SetData => match SetDataBody::decode(&mut frame) {
            Ok(body) => Call::SetData(body),
            Err(_) => Call::Malformed(op),
        },
        OpCode::Multi => {
            Call::Multi(decode_multi(&mut frame).filter(|ops| !ops.iter().any(MultiOp::is_read)))
        }
        OpCode::MultiRead => Call::MultiRead(decode_multi(&mut frame)),
        // ZooKeeper fails on a createSession from a client (it reads a body
        // none sends) and answers MarshallingError.
        OpCode::CreateSession => Call::Malformed(op),
        OpCode::Notification | OpCode::Error => Call::Unknown(code),
        OpCode::Auth | OpCode::Sasl => Call::Other(Request::decode(op, &mut frame)?),
        _ => match Request::decode(op, &mut frame) {
            Ok(request) => Call::Other(request),
            Err(_) => Call::Malformed(op),
        },
    };
    Ok(Incoming { xid, call })
}

/// `CreateMode.fromFlag(flags, PERSISTENT)`'s kind of create.
fn create_op_for(flags: i32) -> OpCode {
    match flags {
        4 => OpCode::CreateContainer,
        5 | 6 => OpCode::CreateTtl,
        _ => OpCode::Create,
    }
}

/// Reads the operations of a multi or multiRead; `None` where ZooKeeper's
/// reader fails (an unknown operation, a truncated record, or reads mixed
/// with writes).
fn decode_multi(buf: &mut Bytes) -> Option<Vec<MultiOp>> {
    let mut ops: Vec<MultiOp> = Vec::new();
    loop {
        let header = MultiHeader::decode(buf).ok()?;
        if header.done {
            break;
        }
        let op = match OpCode::from_code(header.op_type)? {
            OpCode::Create | OpCode::Create2 | OpCode::CreateContainer => {
                let body = CreateBody::decode(buf, false).ok()?;
                let op = create_op_for(body.flags);
                MultiOp::Create { op, missing_ttl: op == OpCode::CreateTtl, body }
            }
            OpCode::CreateTtl => {
                let body = CreateBody::decode(buf, true).ok()?;
                let op = create_op_for(body.flags);
                let body =
                    if op == OpCode::CreateTtl { body } else { CreateBody { ttl: -1, ..body } };
                MultiOp::Create { op, missing_ttl: false, body }
            }
            OpCode::Delete => MultiOp::Delete(Decode::decode(buf).ok()?),
            OpCode::SetData => MultiOp::SetData(SetDataBody::decode(buf).ok()?),
            OpCode::Check => MultiOp::Check(Decode::decode(buf).ok()?),
            OpCode::GetChildren => MultiOp::GetChildren(Decode::decode(buf).ok()?),
            OpCode::GetData => MultiOp::GetData(Decode::decode(buf).ok()?),
            _ => return None,
        };
        if ops.first().is_some_and(|first| first.is_read() != op.is_read()) {
            return None;
        }
        ops.push(op);
    }
    // Trailing bytes are ignored, as ZooKeeper does.
    let _ = buf.remaining();
    Some(ops)
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;
    use zookit_proto::{
        CreateMode, CreateRequest, Encode, MultiRequest, Op, RequestHeader, encode_frame,
    };

    use super::*;

    fn frame(xid: i32, request: &Request) -> Bytes {
        let mut out = BytesMut::new();
        encode_frame(&mut out, &(RequestHeader { xid, op_code: request.op_code() }, request));
        out.split_off(4).freeze()
    }

    #[test]
    fn creates_keep_their_flags() {
        let create = CreateRequest {
            path: "/a".into(),
            data: Bytes::from_static(b"d"),
            acl: vec![],
            mode: CreateMode::EphemeralSequential,
        };
        let incoming = decode(frame(3, &Request::Create2(create))).unwrap();
        assert_eq!(incoming.xid, 3);
        let Call::Create(OpCode::Create2, body) = incoming.call else { panic!("{incoming:?}") };
        assert_eq!((body.path.as_str(), body.flags, body.ttl), ("/a", 3, -1));

        // Flags no create mode has still decode.
        let mut raw = BytesMut::new();
        ((1_i32, OpCode::Create.code()), ("/b", Bytes::new())).encode(&mut raw);
        Vec::<Acl>::new().encode(&mut raw);
        99_i32.encode(&mut raw);
        let Call::Create(_, body) = decode(raw.freeze()).unwrap().call else { panic!() };
        assert_eq!(body.flags, 99);
    }

    #[test]
    fn unknown_and_malformed_requests() {
        let mut raw = BytesMut::new();
        (7_i32, 12345_i32).encode(&mut raw);
        assert_eq!(decode(raw.freeze()).unwrap().call, Call::Unknown(12345));
        let mut raw = BytesMut::new();
        ((7_i32, OpCode::GetData.code()), 1000_i32).encode(&mut raw);
        assert_eq!(decode(raw.freeze()).unwrap().call, Call::Malformed(OpCode::GetData));
        assert!(decode(Bytes::from_static(&[0, 0, 0, 1, 0])).is_err(), "no header");
        let mut raw = BytesMut::new();
        ((-4_i32, OpCode::Auth.code()), 0_i32).encode(&mut raw);
        assert!(decode(raw.freeze()).is_err(), "an unreadable auth closes the connection");
    }

    #[test]
    fn multi_ops_take_their_kind_from_the_flags() {
        let create = |mode| {
            Op::Create2(CreateRequest { path: "/c".into(), data: Bytes::new(), acl: vec![], mode })
        };
        let multi = MultiRequest {
            ops: vec![
                create(CreateMode::Persistent),
                create(CreateMode::Container),
                create(CreateMode::PersistentWithTtl),
                Op::Delete(DeleteRequest { path: "/d".into(), version: -1 }),
            ],
        };
        let Call::Multi(Some(ops)) = decode(frame(1, &Request::Multi(multi))).unwrap().call else {
            panic!()
        };
        let kinds: Vec<_> = ops
            .iter()
            .map(|op| match op {
                MultiOp::Create { op, missing_ttl, .. } => (Some(*op), *missing_ttl),
                _ => (None, false),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                (Some(OpCode::Create), false),
                (Some(OpCode::CreateContainer), false),
                (Some(OpCode::CreateTtl), true),
                (None, false),
            ]
        );
    }

    #[test]
    fn multis_must_not_mix_reads_and_writes() {
        let read = Op::GetData(GetDataRequest { path: "/a".into(), watch: false });
        let write = Op::Delete(DeleteRequest { path: "/a".into(), version: -1 });
        let mixed = MultiRequest { ops: vec![write.clone(), read.clone()] };
        assert_eq!(decode(frame(1, &Request::Multi(mixed))).unwrap().call, Call::Multi(None));
        let reads = MultiRequest { ops: vec![read] };
        assert_eq!(
            decode(frame(1, &Request::Multi(reads.clone()))).unwrap().call,
            Call::Multi(None)
        );
        assert!(matches!(
            decode(frame(1, &Request::MultiRead(reads))).unwrap().call,
            Call::MultiRead(Some(ops)) if ops.len() == 1
        ));
        // Writes in a multiRead are refused when it is answered.
        let writes = MultiRequest { ops: vec![write] };
        assert!(matches!(
            decode(frame(1, &Request::MultiRead(writes))).unwrap().call,
            Call::MultiRead(Some(ops)) if ops.len() == 1
        ));
        let empty = MultiRequest::default();
        assert_eq!(
            decode(frame(1, &Request::Multi(empty))).unwrap().call,
            Call::Multi(Some(vec![]))
        );
    }
}
