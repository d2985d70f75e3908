//! Decodes arbitrary bytes as every kind of request a server receives.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use zookit_proto::{ConnectRequest, Decode, Request, RequestHeader};

fuzz_target!(|input: &[u8]| {
    let mut frame = Bytes::copy_from_slice(input);
    let _ = ConnectRequest::decode(&mut frame.clone());
    if let Ok(header) = RequestHeader::decode(&mut frame) {
        let _ = Request::decode(header.op_code, &mut frame);
    }
});
