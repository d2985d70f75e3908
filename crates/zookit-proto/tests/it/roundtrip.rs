//! Every record decodes to what was encoded, consuming exactly
//! `encoded_len` bytes.

use std::fmt::Debug;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use zookit_proto::*;

use crate::arbitrary::*;

fn encode(value: &impl Encode) -> Bytes {
    let mut out = BytesMut::new();
    value.encode(&mut out);
    assert_eq!(out.len(), value.encoded_len(), "encoded_len disagrees with encode");
    out.freeze()
}

fn assert_roundtrip<T: Encode + Decode + PartialEq + Debug>(value: T) {
    let mut wire = encode(&value);
    let decoded = T::decode(&mut wire).expect("decodes");
    assert_eq!(decoded, value);
    assert!(wire.is_empty(), "{} bytes left over", wire.len());
}

proptest! {
    #[test]
    fn stat_roundtrips(v in stat()) { assert_roundtrip(v) }

    #[test]
    fn acl_roundtrips(v in acl()) { assert_roundtrip(v) }

    #[test]
    fn connect_request_roundtrips(v in connect_request()) { assert_roundtrip(v) }

    #[test]
    fn connect_response_roundtrips(v in connect_response()) { assert_roundtrip(v) }

    #[test]
    fn request_header_roundtrips(xid in any::<i32>(), code in prop::sample::select(vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 100, 101, 102, 103, 104, 105, 106, 107, -10, -11, -1])) {
        let op_code = OpCode::from_code(code).expect("a known opcode");
        assert_roundtrip(RequestHeader { xid, op_code })
    }

    #[test]
    fn reply_header_roundtrips(xid in any::<i32>(), zxid in any::<i64>(), err in error_code()) {
        assert_roundtrip(ReplyHeader { xid, zxid, err })
    }

    #[test]
    fn watcher_event_roundtrips(v in watcher_event()) { assert_roundtrip(v) }

    #[test]
    fn multi_request_roundtrips(v in multi_request()) { assert_roundtrip(v) }

    #[test]
    fn multi_response_roundtrips(v in multi_response()) { assert_roundtrip(v) }

    #[test]
    fn request_roundtrips(v in request()) {
        let mut wire = encode(&v);
        let decoded = Request::decode(v.op_code(), &mut wire).expect("decodes");
        prop_assert_eq!(decoded, v);
        prop_assert!(wire.is_empty());
    }

    #[test]
    fn response_roundtrips((op_code, v) in response()) {
        let mut wire = encode(&v);
        let decoded = Response::decode(op_code, &mut wire).expect("decodes");
        prop_assert_eq!(decoded, v);
        prop_assert!(wire.is_empty());
    }

    #[test]
    fn framed_request_roundtrips((xid, v) in (any::<i32>(), request())) {
        let mut out = BytesMut::new();
        let header = RequestHeader { xid, op_code: v.op_code() };
        encode_frame(&mut out, &(header, v.clone()));
        let mut frame = FrameDecoder::new(usize::MAX >> 1).decode(&mut out).expect("valid").expect("whole");
        prop_assert_eq!(RequestHeader::decode(&mut frame).expect("header"), header);
        prop_assert_eq!(Request::decode(header.op_code, &mut frame).expect("body"), v);
        prop_assert!(out.is_empty());
    }
}
