//! What a lease's holder node stores, in kazoo's format: Python's
//! `json.dumps` of the format's version, the holder and the end.

use serde_json::Value;
use zookit::python::json_string;

use super::time::{format_time, parse_time};

/// kazoo's version of the stored format; a lease stored with another one
/// is left alone (kazoo: "we need an upgrade, let someone else take it").
pub(super) const FORMAT_VERSION: i64 = 1;

/// What the holder node stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Stored {
    pub(super) version: i64,
    pub(super) holder: String,
    /// Seconds since the epoch (UTC), whole.
    pub(super) end: i64,
}

impl Stored {
    /// The stored bytes, as Python's `json.dumps` writes them.
    pub(super) fn encode(&self) -> Vec<u8> {
        format!(
            "{{\"version\": {}, \"holder\": {}, \"end\": {}}}",
            self.version,
            json_string(&self.holder),
            json_string(&format_time(self.end))
        )
        .into_bytes()
    }

    /// Reads the stored bytes: a JSON object with an integer `version`, a
    /// string `holder` and an `end` time (other fields are ignored); `None`
    /// if they are not one.
    pub(super) fn decode(raw: &[u8]) -> Option<Self> {
        let Value::Object(fields) = serde_json::from_slice(raw).ok()? else { return None };
        Some(Self {
            version: fields.get("version")?.as_i64()?,
            holder: fields.get("holder")?.as_str()?.to_owned(),
            end: parse_time(fields.get("end")?.as_str()?)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_format_is_pythons_json() {
        let stored = Stored { version: 1, holder: "host \"1\" é".to_owned(), end: 1_700_000_000 };
        let raw = stored.encode();
        assert_eq!(
            String::from_utf8(raw.clone()).unwrap(),
            r#"{"version": 1, "holder": "host \"1\" \u00e9", "end": "2023-11-14T22:13:20"}"#
        );
        assert_eq!(Stored::decode(&raw), Some(stored));
        // As kazoo writes it, with another key order and extra fields.
        let kazoo = br#"{"end": "2030-01-01T00:00:00", "extra": [1, {"a": "}"}], "holder": "h\ud83d\ude00", "version": 1}"#;
        let read = Stored::decode(kazoo).unwrap();
        assert_eq!(read.holder, "h\u{1F600}");
        assert_eq!(format_time(read.end), "2030-01-01T00:00:00");
        assert_eq!(Stored::decode(b"{\"version\": 1}"), None);
        assert_eq!(Stored::decode(b"not json"), None);
    }
}
