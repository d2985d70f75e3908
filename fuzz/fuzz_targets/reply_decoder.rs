//! Decodes arbitrary bytes as every kind of reply a client receives.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use zookit_proto::{ConnectResponse, Decode, OpCode, ReplyHeader, Response, WatcherEvent};

fuzz_target!(|input: &[u8]| {
    let Some((&selector, body)) = input.split_first() else {
        return;
    };
    let body = Bytes::copy_from_slice(body);
    let _ = ConnectResponse::decode(&mut body.clone());
    let mut frame = body.clone();
    if ReplyHeader::decode(&mut frame).is_ok() {
        let _ = WatcherEvent::decode(&mut frame.clone());
    }
    // The selector picks the opcode the reply is taken to answer.
    if let Some(op) = OpCode::from_code(i32::from(selector as i8)) {
        let _ = Response::decode(op, &mut frame);
        let _ = Response::decode(op, &mut body.clone());
    }
});
