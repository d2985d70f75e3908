//! The request path without sockets, for fuzzing: bytes in, as frames of a
//! few connections, through the decoders and the state, with the clock
//! moving; every frame the state sends out must decode.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use bytes::{Bytes, BytesMut};
use zookit_proto::{
    ConnectRequest, ConnectResponse, Decode, Encode, FrameDecoder, ReplyHeader, encode_frame,
};

use crate::state::request;
use crate::state::{ConnId, Now, Outbound, State, StateConfig, digest};

/// Checks what the state sends: every frame decodes as a connect response
/// (a connection's first) or starts with a reply header.
#[derive(Default)]
struct Checked {
    answered: std::collections::HashSet<ConnId>,
}

impl Outbound for Checked {
    fn send(&mut self, conn: ConnId, record: &impl Encode) {
        let mut buf = BytesMut::new();
        encode_frame(&mut buf, record);
        let mut frame = buf.split_off(4).freeze();
        if self.answered.insert(conn) {
            assert!(
                ConnectResponse::decode(&mut frame).is_ok(),
                "a connect response that does not decode"
            );
        } else {
            assert!(ReplyHeader::decode(&mut frame).is_ok(), "a reply that does not decode");
        }
    }

    fn close(&mut self, _conn: ConnId) {}
}

/// Runs `input` through a fresh state. The first byte picks how many
/// connections (1 to 4) share the frames that follow, round robin; a
/// connection whose first frame is not a valid handshake gets a valid one
/// instead, so that requests are reached. Each frame's first byte also
/// moves the clock, so sessions expire and containers are reaped.
pub fn request_path(input: &[u8]) {
    let Some((&first, rest)) = input.split_first() else { return };
    let connections = u64::from(first % 4) + 1;
    let config = StateConfig {
        tick_ms: 100,
        min_session_timeout: 200,
        max_session_timeout: 2000,
        super_digest: Some(digest("super:secret")),
        extended_types: first & 0x10 == 0,
        reconfig_enabled: first & 0x20 == 0,
        secret: 7,
        security: Default::default(),
    };
    let mut now = Now { wall_ms: 1_700_000_000_000, mono_ms: 1_000_000 };
    let mut state = State::new(config, now);
    let mut out = Checked::default();
    let peer = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 2181);
    let mut buf = BytesMut::from(rest);
    let decoder = FrameDecoder::new(0xfffff);
    let mut connected = std::collections::HashSet::new();
    let mut next = 0;
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        let conn = next % connections + 1;
        next += 1;
        let step = frame.first().copied().unwrap_or(0);
        now.mono_ms += u64::from(step % 64) * 10;
        now.wall_ms += i64::from(step % 64) * 10;
        state.expire_sessions(now, &mut out);
        if step & 0x80 != 0 {
            state.reap_containers(now, &mut out);
        }
        if connected.insert(conn) {
            let handshake =
                ConnectRequest::decode(&mut frame.clone()).unwrap_or_else(|_| ConnectRequest {
                    timeout: 1000,
                    passwd: Bytes::from_static(&[0; 16]),
                    read_only: Some(false),
                    ..ConnectRequest::default()
                });
            state.connect(conn, peer, &handshake, now, &mut out);
            continue;
        }
        match request::decode(frame) {
            Ok(incoming) => state.request(conn, incoming, now, &mut out),
            Err(_) => state.forget(conn),
        }
    }
}

#[cfg(test)]
mod tests {
    use zookit_proto::{CreateMode, CreateRequest, Request, RequestHeader};

    use super::*;

    #[test]
    fn inputs_reach_the_state() {
        request_path(&[]);
        request_path(&[3]);
        request_path(&[0, 0, 0, 0, 4, 1, 2, 3, 4]);
        let mut input = BytesMut::from(&[1_u8][..]);
        encode_frame(&mut input, &0_i32);
        let create = Request::Create(CreateRequest {
            path: "/a".into(),
            data: Bytes::new(),
            acl: vec![zookit_proto::Acl::new(zookit_proto::Perms::ALL, zookit_proto::Id::anyone())],
            mode: CreateMode::Ephemeral,
        });
        for xid in 0..8 {
            encode_frame(&mut input, &(RequestHeader { xid, op_code: create.op_code() }, &create));
        }
        request_path(&input);
        // Random inputs, as a smoke test of the fuzz target.
        let mut seed = 0x1234_5678_u64;
        for _ in 0..200 {
            let len = (seed % 300) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            request_path(&bytes);
        }
    }
}
