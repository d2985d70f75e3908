//! The payload of a log frame: one commit (a batch of the state task),
//! as the zxid it reached and the entries it logged, in Jute's encoding.

use bytes::{Buf, BufMut, Bytes};
use zookit_proto::{Acl, Decode, Encode, ErrorCode, OpCode};

use crate::state::request::nullable_bytes;
use crate::state::{Entry, Logged, Txn};

// Entry kinds. A transaction's kind is its own; sessions have theirs.
const CREATE: u8 = 1;
const DELETE: u8 = 2;
const SET_DATA: u8 = 3;
const SET_ACL: u8 = 4;
const CHECK: u8 = 5;
const ERROR: u8 = 6;
const MULTI: u8 = 7;
const CREATE_SESSION: u8 = 16;
const CLOSE_SESSION: u8 = 17;

/// One commit, decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Batch {
    /// The last zxid given out when it was committed (writes that failed
    /// take zxids and log nothing).
    pub(crate) last_zxid: i64,
    pub(crate) entries: Vec<Logged>,
}

/// Appends a commit's payload.
pub(crate) fn encode_batch(buf: &mut Vec<u8>, last_zxid: i64, entries: &[Logged]) {
    buf.put_i64(last_zxid);
    for logged in entries {
        buf.put_i64(logged.zxid);
        buf.put_i64(logged.time);
        match &logged.entry {
            Entry::CreateSession { id, timeout } => {
                buf.put_u8(CREATE_SESSION);
                buf.put_i64(*id);
                buf.put_i32(*timeout);
            }
            Entry::CloseSession { id } => {
                buf.put_u8(CLOSE_SESSION);
                buf.put_i64(*id);
            }
            Entry::Txn(txn) => encode_txn(buf, txn),
        }
    }
}

/// Puts data that may be null (length -1).
pub(crate) fn put_nullable(buf: &mut Vec<u8>, data: Option<&[u8]>) {
    match data {
        Some(data) => {
            buf.put_i32(i32::try_from(data.len()).unwrap_or(i32::MAX));
            buf.put_slice(data);
        }
        None => buf.put_i32(-1),
    }
}

/// Puts an ACL list as a Jute vector.
pub(crate) fn put_acl(buf: &mut Vec<u8>, acl: &[Acl]) {
    buf.put_i32(i32::try_from(acl.len()).unwrap_or(i32::MAX));
    for entry in acl {
        entry.encode(buf);
    }
}

fn encode_txn(buf: &mut Vec<u8>, txn: &Txn) {
    match txn {
        Txn::Create { op, path, data, acl, ephemeral_owner, parent_cversion } => {
            buf.put_u8(CREATE);
            op.encode(buf);
            path.encode(buf);
            put_nullable(buf, data.as_deref());
            put_acl(buf, acl);
            buf.put_i64(*ephemeral_owner);
            buf.put_i32(*parent_cversion);
        }
        Txn::Delete { op, path } => {
            buf.put_u8(DELETE);
            op.encode(buf);
            path.encode(buf);
        }
        Txn::SetData { path, data, version } => {
            buf.put_u8(SET_DATA);
            path.encode(buf);
            put_nullable(buf, data.as_deref());
            buf.put_i32(*version);
        }
        Txn::SetAcl { path, acl, aversion } => {
            buf.put_u8(SET_ACL);
            path.encode(buf);
            put_acl(buf, acl);
            buf.put_i32(*aversion);
        }
        Txn::Check { path } => {
            buf.put_u8(CHECK);
            path.encode(buf);
        }
        Txn::Error(code) => {
            buf.put_u8(ERROR);
            code.encode(buf);
        }
        Txn::Multi(txns) => {
            buf.put_u8(MULTI);
            buf.put_i32(i32::try_from(txns.len()).unwrap_or(i32::MAX));
            for txn in txns {
                encode_txn(buf, txn);
            }
        }
    }
}

fn byte(buf: &mut Bytes) -> Result<u8, String> {
    if buf.is_empty() {
        return Err("an entry cut short".to_owned());
    }
    Ok(buf.get_u8())
}

fn field<T: Decode>(buf: &mut Bytes) -> Result<T, String> {
    T::decode(buf).map_err(|e| e.to_string())
}

/// Decodes a commit's payload.
pub(crate) fn decode_batch(mut buf: Bytes) -> Result<Batch, String> {
    let last_zxid = field::<i64>(&mut buf)?;
    let mut entries = Vec::new();
    while !buf.is_empty() {
        let zxid = field::<i64>(&mut buf)?;
        let time = field::<i64>(&mut buf)?;
        let entry = match byte(&mut buf)? {
            CREATE_SESSION => {
                Entry::CreateSession { id: field(&mut buf)?, timeout: field(&mut buf)? }
            }
            CLOSE_SESSION => Entry::CloseSession { id: field(&mut buf)? },
            kind => Entry::Txn(decode_txn(kind, &mut buf, true)?),
        };
        if zxid > last_zxid {
            return Err(format!(
                "an entry of zxid {zxid:#x} after the commit's last, {last_zxid:#x}"
            ));
        }
        entries.push(Logged { zxid, time, entry });
    }
    Ok(Batch { last_zxid, entries })
}

fn decode_txn(kind: u8, buf: &mut Bytes, top: bool) -> Result<Txn, String> {
    Ok(match kind {
        CREATE => Txn::Create {
            op: field::<OpCode>(buf)?,
            path: field(buf)?,
            data: nullable_bytes(buf).map_err(|e| e.to_string())?,
            acl: field::<Vec<Acl>>(buf)?,
            ephemeral_owner: field(buf)?,
            parent_cversion: field(buf)?,
        },
        DELETE => Txn::Delete { op: field::<OpCode>(buf)?, path: field(buf)? },
        SET_DATA => Txn::SetData {
            path: field(buf)?,
            data: nullable_bytes(buf).map_err(|e| e.to_string())?,
            version: field(buf)?,
        },
        SET_ACL => Txn::SetAcl { path: field(buf)?, acl: field(buf)?, aversion: field(buf)? },
        CHECK => Txn::Check { path: field(buf)? },
        ERROR => Txn::Error(field::<ErrorCode>(buf)?),
        MULTI if top => {
            let count = field::<i32>(buf)?;
            // Each operation takes at least its kind byte.
            let count = usize::try_from(count)
                .ok()
                .filter(|&n| n <= buf.len())
                .ok_or_else(|| format!("a multi of {count} operations"))?;
            let mut txns = Vec::with_capacity(count);
            for _ in 0..count {
                let kind = byte(buf)?;
                txns.push(decode_txn(kind, buf, false)?);
            }
            Txn::Multi(txns)
        }
        other => return Err(format!("an entry of unknown kind {other}")),
    })
}

#[cfg(test)]
mod tests {
    use zookit_proto::{Id, Perms};

    use super::*;

    #[test]
    fn every_entry_round_trips() {
        let acl = vec![
            Acl::new(Perms::ALL, Id::anyone()),
            Acl::new(Perms::READ, Id::new("ip", "10.0.0.1")),
        ];
        let create = |path: &str, data: Option<&'static [u8]>| Txn::Create {
            op: OpCode::Create2,
            path: path.into(),
            data: data.map(Bytes::from_static),
            acl: acl.clone(),
            ephemeral_owner: 0x0100_0000_0000_0001,
            parent_cversion: 3,
        };
        let entries = [
            Entry::CreateSession { id: 0x0100_0000_0000_0001, timeout: 4000 },
            Entry::Txn(create("/a", Some(b"data"))),
            Entry::Txn(create("/null", None)),
            Entry::Txn(create("/empty", Some(b""))),
            Entry::Txn(Txn::Delete { op: OpCode::DeleteContainer, path: "/c".into() }),
            Entry::Txn(Txn::SetData { path: "/a".into(), data: None, version: 7 }),
            Entry::Txn(Txn::SetAcl { path: "/a".into(), acl: acl.clone(), aversion: 2 }),
            Entry::Txn(Txn::Check { path: "/a".into() }),
            Entry::Txn(Txn::Multi(vec![
                create("/m", Some(b"x")),
                Txn::Error(ErrorCode::NodeExists),
                Txn::Error(ErrorCode::RuntimeInconsistency),
            ])),
            Entry::Txn(Txn::Multi(Vec::new())),
            Entry::CloseSession { id: 0x0100_0000_0000_0001 },
        ];
        let logged: Vec<Logged> = entries
            .into_iter()
            .enumerate()
            .map(|(i, entry)| Logged {
                zxid: i as i64 + 10,
                time: 1_700_000_000_000 + i as i64,
                entry,
            })
            .collect();
        let mut buf = Vec::new();
        encode_batch(&mut buf, 30, &logged);
        let batch = decode_batch(buf.clone().into()).unwrap();
        assert_eq!(batch, Batch { last_zxid: 30, entries: logged });
        // A cut never panics; at most it decodes the entries before it.
        for cut in 0..buf.len() {
            if let Ok(batch) = decode_batch(Bytes::copy_from_slice(&buf[..cut])) {
                assert!(batch.entries.len() < 11, "cut at {cut}");
            }
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2000 {
            let len = (seed % 200) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    // Small values, so that lengths and kinds are plausible.
                    if seed % 3 == 0 { seed as u8 } else { (seed % 8) as u8 }
                })
                .collect();
            let _ = decode_batch(bytes.into());
        }
    }

    #[test]
    fn nonsense_is_refused() {
        let mut buf = Vec::new();
        buf.put_i64(5);
        buf.put_i64(6);
        buf.put_i64(0);
        buf.put_u8(CLOSE_SESSION);
        buf.put_i64(1);
        assert!(decode_batch(buf.into()).unwrap_err().contains("after the commit's last"));
        let mut buf = Vec::new();
        buf.put_i64(5);
        buf.put_i64(5);
        buf.put_i64(0);
        buf.put_u8(99);
        assert!(decode_batch(buf.into()).unwrap_err().contains("unknown kind"));
        let mut nested = Vec::new();
        nested.put_i64(5);
        nested.put_i64(5);
        nested.put_i64(0);
        nested.put_u8(MULTI);
        nested.put_i32(1);
        nested.put_u8(MULTI);
        nested.put_i32(0);
        assert!(decode_batch(nested.into()).is_err(), "a multi in a multi");
    }
}
