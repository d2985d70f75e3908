//! Writing answers down so that two servers' answers compare: zxids and
//! session ids renamed in order of appearance, wall-clock times dropped,
//! unordered lists (children, ephemerals) sorted.

use std::collections::HashMap;
use std::fmt::Write as _;

use bytes::Bytes;
use zookit_proto::{
    ConnectResponse, ErrorCode, OpCode, OpResult, ReplyHeader, Response, Stat, WatcherEvent,
};

/// The renaming of one run.
#[derive(Default)]
pub(crate) struct Names {
    zxids: HashMap<i64, usize>,
    sessions: HashMap<i64, usize>,
}

impl Names {
    /// A zxid's name: `0` and negative values stay, others become `Z1`,
    /// `Z2`, ... in order of appearance.
    pub(crate) fn zxid(&mut self, zxid: i64) -> String {
        if zxid <= 0 {
            return zxid.to_string();
        }
        let next = self.zxids.len() + 1;
        format!("Z{}", self.zxids.entry(zxid).or_insert(next))
    }

    /// A session id's name (`S1`, ...); 0 stays.
    pub(crate) fn session(&mut self, id: i64) -> String {
        if id == 0 {
            return "0".to_owned();
        }
        let next = self.sessions.len() + 1;
        format!("S{}", self.sessions.entry(id).or_insert(next))
    }

    /// An `ephemeralOwner`: a known session by name, anything else
    /// (containers, TTLs) as it is.
    fn owner(&mut self, owner: i64) -> String {
        if owner == 0 {
            "0".to_owned()
        } else if self.sessions.contains_key(&owner) {
            self.session(owner)
        } else {
            format!("{owner:#x}")
        }
    }

    /// Session ids written `0x...` in a four-letter word's answer.
    pub(crate) fn sessions_in_text(&mut self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("0x") {
            out.push_str(&rest[..at]);
            let digits: String =
                rest[at + 2..].chars().take_while(char::is_ascii_hexdigit).collect();
            match u64::from_str_radix(&digits, 16) {
                Ok(id) if self.sessions.contains_key(&(id as i64)) => {
                    out.push_str(&self.session(id as i64))
                }
                _ => {
                    out.push_str("0x");
                    out.push_str(&digits);
                }
            }
            rest = &rest[at + 2 + digits.len()..];
        }
        out.push_str(rest);
        out
    }

    pub(crate) fn stat(&mut self, s: &Stat) -> String {
        format!(
            "Stat{{c={},m={},p={},v={},cv={},av={},eo={},dl={},nc={}}}",
            self.zxid(s.czxid),
            self.zxid(s.mzxid),
            self.zxid(s.pzxid),
            s.version,
            s.cversion,
            s.aversion,
            self.owner(s.ephemeral_owner),
            s.data_length,
            s.num_children,
        )
    }

    pub(crate) fn connect(&mut self, r: &ConnectResponse) -> String {
        format!(
            "timeout={} session={} passwd={}B{} read_only={:?}",
            r.timeout,
            self.session(r.session_id),
            r.passwd.len(),
            if r.passwd.iter().all(|b| *b == 0) { "(zeros)" } else { "" },
            r.read_only,
        )
    }

    pub(crate) fn event(&mut self, e: &WatcherEvent) -> String {
        format!("event {:?} {:?} {}", e.event_type, e.state, e.path)
    }

    pub(crate) fn header(&mut self, h: &ReplyHeader) -> String {
        format!("xid={} zxid={} err={}", h.xid, self.zxid(h.zxid), h.err.name())
    }

    /// A reply's body, decoded for the opcode it answers when it can be.
    pub(crate) fn body(&mut self, op: Option<OpCode>, err: ErrorCode, body: &Bytes) -> String {
        if body.is_empty() {
            return String::new();
        }
        let decodable = err.is_ok() || matches!(op, Some(OpCode::Multi | OpCode::MultiRead));
        if let (true, Some(op)) = (decodable, op) {
            let mut rest = body.clone();
            if let Ok(response) = Response::decode(op, &mut rest)
                && rest.is_empty()
            {
                // Decoding reads a null buffer (length -1) as empty: say so.
                let null = match response {
                    Response::GetData(_) => body.starts_with(&[0xff; 4]),
                    Response::Multi(_) => multi_has_null_data(body),
                    _ => false,
                };
                return format!(
                    " {}{}",
                    if null { "(null data) " } else { "" },
                    self.response(&response)
                );
            }
        }
        format!(" raw={}", hex(body))
    }

    fn response(&mut self, r: &Response) -> String {
        match r {
            Response::Empty => "(empty)".to_owned(),
            Response::Create(c) => format!("Create{{{}}}", c.path),
            Response::Create2(c) => format!("Create2{{{} {}}}", c.path, self.stat(&c.stat)),
            Response::Exists(e) => format!("Exists{{{}}}", self.stat(&e.stat)),
            Response::GetData(d) => {
                format!("GetData{{{:?} {}}}", Bytes::clone(&d.data), self.stat(&d.stat))
            }
            Response::SetData(s) => format!("SetData{{{}}}", self.stat(&s.stat)),
            Response::GetAcl(a) => format!("GetAcl{{{:?} {}}}", a.acl, self.stat(&a.stat)),
            Response::SetAcl(s) => format!("SetAcl{{{}}}", self.stat(&s.stat)),
            Response::GetChildren(c) => format!("GetChildren{{{:?}}}", sorted(&c.children)),
            Response::GetChildren2(c) => {
                format!("GetChildren2{{{:?} {}}}", sorted(&c.children), self.stat(&c.stat))
            }
            Response::GetAllChildrenNumber(n) => {
                format!("GetAllChildrenNumber{{{}}}", n.total_number)
            }
            Response::GetEphemerals(e) => format!("GetEphemerals{{{:?}}}", sorted(&e.ephemerals)),
            Response::Sync(s) => format!("Sync{{{}}}", s.path),
            Response::Multi(m) => {
                let mut out = "Multi[".to_owned();
                for result in &m.results {
                    let _ = write!(out, " {}", self.op_result(result));
                }
                out.push_str(" ]");
                out
            }
            Response::AddWatch(e) => format!("AddWatch{{{}}}", e.err.name()),
            Response::WhoAmI(w) => format!("WhoAmI{{{:?}}}", w.client_info),
            other => format!("{other:?}"),
        }
    }

    fn op_result(&mut self, r: &OpResult) -> String {
        match r {
            OpResult::Create(c) => format!("Create{{{}}}", c.path),
            OpResult::Create2(c) => format!("Create2{{{} {}}}", c.path, self.stat(&c.stat)),
            OpResult::Delete => "Delete".to_owned(),
            OpResult::SetData(s) => format!("SetData{{{}}}", self.stat(&s.stat)),
            OpResult::Check => "Check".to_owned(),
            OpResult::GetChildren(c) => format!("GetChildren{{{:?}}}", sorted(&c.children)),
            OpResult::GetData(d) => {
                format!("GetData{{{:?} {}}}", Bytes::clone(&d.data), self.stat(&d.stat))
            }
            OpResult::Error(e) => format!("Error{{{}}}", e.name()),
            other => format!("{other:?}"),
        }
    }
}

/// Whether a multi answer holds a getData result with null data.
fn multi_has_null_data(body: &[u8]) -> bool {
    let int =
        |at: usize| body.get(at..at + 4).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let mut at = 0;
    while let (Some(op), Some(&done)) = (int(at), body.get(at + 4)) {
        at += 9;
        if done != 0 {
            return false;
        }
        match op {
            // getData: data, then a stat.
            4 => match int(at) {
                Some(-1) => return true,
                Some(len) => at += 4 + usize::try_from(len).unwrap_or(0) + 68,
                None => return false,
            },
            // getChildren: a vector of strings.
            8 => {
                let count = int(at).unwrap_or(0);
                at += 4;
                for _ in 0..count {
                    at += 4 + usize::try_from(int(at).unwrap_or(0)).unwrap_or(0);
                }
            }
            // An error, or a write's result: skip what each carries.
            -1 => at += 4,
            _ => return false,
        }
    }
    false
}

fn sorted(names: &[String]) -> Vec<&str> {
    let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
    names.sort_unstable();
    names
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_in_order_of_appearance() {
        let mut names = Names::default();
        assert_eq!(names.zxid(100), "Z1");
        assert_eq!(names.zxid(7), "Z2");
        assert_eq!(names.zxid(100), "Z1");
        assert_eq!(names.zxid(0), "0");
        assert_eq!(names.session(0x1234), "S1");
        assert_eq!(names.sessions_in_text("a 0x1234 b 0xff"), "a S1 b 0xff");
    }
}
