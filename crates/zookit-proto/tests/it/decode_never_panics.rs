//! Decoding arbitrary bytes returns a value or an error: it never panics and
//! never allocates beyond what the input could hold.

use bytes::{Bytes, BytesMut};
use proptest::collection::vec;
use proptest::prelude::*;
use zookit_proto::*;

/// Every opcode, valid for requests or not.
const OP_CODES: [i32; 33] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 100, 101, 102,
    103, 104, 105, 106, 107, -10, -11, -1,
];

fn decode_everything(input: &[u8]) {
    let input = Bytes::copy_from_slice(input);
    for code in OP_CODES {
        let op_code = OpCode::from_code(code).expect("known");
        let _ = Request::decode(op_code, &mut input.clone());
        let _ = Response::decode(op_code, &mut input.clone());
    }
    let _ = ReplyHeader::decode(&mut input.clone());
    let _ = RequestHeader::decode(&mut input.clone());
    let _ = WatcherEvent::decode(&mut input.clone());
    let _ = ConnectRequest::decode(&mut input.clone());
    let _ = ConnectResponse::decode(&mut input.clone());
    let _ = MultiRequest::decode(&mut input.clone());
    let _ = MultiResponse::decode(&mut input.clone());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes(input in vec(any::<u8>(), 0..200)) {
        decode_everything(&input);
    }

    /// Inputs that start like a plausible record (small lengths) reach
    /// deeper into the decoders than uniformly random bytes.
    #[test]
    fn plausible_bytes(ints in vec(prop_oneof![-2..=20_i32, any::<i32>()], 0..40)) {
        let input: Vec<u8> = ints.iter().flat_map(|i| i.to_be_bytes()).collect();
        decode_everything(&input);
    }

    #[test]
    fn frames_in_random_chunks(input in vec(any::<u8>(), 0..300), chunk in 1..50_usize, max in 0..100_usize) {
        let decoder = FrameDecoder::new(max);
        let mut buf = BytesMut::new();
        for piece in input.chunks(chunk) {
            buf.extend_from_slice(piece);
            loop {
                match decoder.decode(&mut buf) {
                    Ok(Some(frame)) => prop_assert!(frame.len() <= max),
                    Ok(None) => break,
                    Err(_) => return Ok(()),
                }
            }
            prop_assert!(buf.capacity() <= 4096, "capacity {} beyond any admissible frame", buf.capacity());
        }
    }
}
