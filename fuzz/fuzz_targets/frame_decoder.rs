//! Feeds arbitrary bytes, in arbitrary chunks, to the frame decoder and
//! decodes every frame it yields as a reply.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use zookit_proto::{Decode, FrameDecoder, OpCode, ReplyHeader, Response, WatcherEvent};

fuzz_target!(|input: &[u8]| {
    let Some((&[chunk, max_hi, max_lo], wire)) = input.split_first_chunk::<3>() else {
        return;
    };
    let decoder = FrameDecoder::new(usize::from(u16::from_be_bytes([max_hi, max_lo])));
    let mut buf = BytesMut::new();
    for piece in wire.chunks(usize::from(chunk.max(1))) {
        buf.extend_from_slice(piece);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(mut frame)) => {
                    assert!(frame.len() <= decoder.max_frame_len());
                    if let Ok(header) = ReplyHeader::decode(&mut frame) {
                        let _ = WatcherEvent::decode(&mut frame.clone());
                        if let Some(op) = OpCode::from_code(header.xid.rem_euclid(110)) {
                            let _ = Response::decode(op, &mut frame);
                        }
                    }
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
        // Only the start of one incomplete frame is ever held back.
        assert!(buf.len() < 4 + decoder.max_frame_len());
    }
});
