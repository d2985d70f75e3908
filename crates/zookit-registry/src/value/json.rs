//! Node data: properties as zc.zk writes them to (and reads them from) a
//! ZooKeeper node.

use super::repr::write_number;
use super::{Map, STRING_VALUE, Value};

/// The separators of Python's `json.dumps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum JsonStyle {
    /// `separators=(',', ':')`: `{"a":1,"b":[1,2]}`. What zc.zk (every
    /// version, 1.0 to 2.1.0) writes to nodes.
    #[default]
    Compact,
    /// `json.dumps`'s default separators `', '` and `': '`:
    /// `{"a": 1, "b": [1, 2]}`.
    Spaced,
}

/// Writes properties as zc.zk writes them to a node: Python's
/// `json.dumps(props, separators=(',', ':'))`.
///
/// The text is byte-identical to Python's: keys in the map's order, strings
/// with `ensure_ascii` escaping (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`,
/// every other character outside `' '..='~'` as `\uxxxx`, non-BMP characters
/// as surrogate pairs), floats as Python's `repr` (`1.0`, `1e+16`).
///
/// ```
/// use serde_json::json;
/// use zookit_registry::value::to_json_text;
///
/// let props = json!({"threads": 3, "name": "café", "ratio": 1.0});
/// assert_eq!(to_json_text(props.as_object().unwrap()),
///            r#"{"threads":3,"name":"caf\u00e9","ratio":1.0}"#);
/// ```
pub fn to_json_text(properties: &Map) -> String {
    to_json_text_with(properties, JsonStyle::Compact)
}

/// Writes properties as Python's `json.dumps` does with the separators of
/// `style` (see [`to_json_text`]).
pub fn to_json_text_with(properties: &Map, style: JsonStyle) -> String {
    let mut out = String::new();
    write_object(&mut out, properties, style);
    out
}

fn separators(style: JsonStyle) -> (&'static str, &'static str) {
    match style {
        JsonStyle::Compact => (",", ":"),
        JsonStyle::Spaced => (", ", ": "),
    }
}

fn write_object(out: &mut String, map: &Map, style: JsonStyle) {
    let (item, key) = separators(style);
    out.push('{');
    for (i, (name, value)) in map.iter().enumerate() {
        if i > 0 {
            out.push_str(item);
        }
        write_string(out, name);
        out.push_str(key);
        write_value(out, value, style);
    }
    out.push('}');
}

fn write_value(out: &mut String, value: &Value, style: JsonStyle) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            let (item, _) = separators(style);
            out.push('[');
            for (i, value) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item);
                }
                write_value(out, value, style);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map, style),
    }
}

/// A JSON string as Python's `json` module writes it with `ensure_ascii`.
fn write_string(out: &mut String, s: &str) {
    out.push_str(&zookit::python::json_string(s));
}

/// ASCII whitespace, what Python 2's `bytes.strip()` removes.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// Reads a node's data as properties, as zc.zk's `decode` does.
///
/// - Empty or all-whitespace data: no properties.
/// - Data that, stripped of whitespace, starts with `{` and ends with `}`
///   and is valid JSON: that object.
/// - Anything else (text, or a malformed object, which zc.zk also logs): one
///   property, `string_value`, holding the whole data as text (invalid UTF-8
///   replaced by U+FFFD).
///
/// ```
/// use serde_json::json;
/// use zookit_registry::value::decode_node_data;
///
/// assert_eq!(decode_node_data(br#"{"a":1}"#), *json!({"a": 1}).as_object().unwrap());
/// assert_eq!(decode_node_data(b"xxx"), *json!({"string_value": "xxx"}).as_object().unwrap());
/// assert!(decode_node_data(b"").is_empty());
/// ```
pub fn decode_node_data(data: &[u8]) -> Map {
    let start = data.iter().position(|&b| !is_ascii_space(b));
    let Some(start) = start else {
        return Map::new();
    };
    let end = data.iter().rposition(|&b| !is_ascii_space(b)).map_or(start, |end| end + 1);
    let stripped = &data[start..end];
    if stripped.starts_with(b"{") && stripped.ends_with(b"}") {
        if let Ok(map) = serde_json::from_slice::<Map>(stripped) {
            return map;
        }
    }
    let mut map = Map::new();
    map.insert(STRING_VALUE.to_owned(), Value::String(String::from_utf8_lossy(data).into_owned()));
    map
}

/// Writes properties as node data, as zc.zk's `encode` does.
///
/// Properties that are just a string `string_value` are written as that
/// text (so [`decode_node_data`] gives them back); anything else, including
/// no properties at all, is written as JSON by [`to_json_text`] (`{}` for
/// none: zc.zk 2 never writes empty data).
///
/// ```
/// use serde_json::json;
/// use zookit_registry::value::encode_node_data;
///
/// assert_eq!(encode_node_data(json!({"b": 2}).as_object().unwrap()), r#"{"b":2}"#);
/// assert_eq!(encode_node_data(json!({"string_value": "xxx"}).as_object().unwrap()), "xxx");
/// assert_eq!(encode_node_data(&Default::default()), "{}");
/// ```
pub fn encode_node_data(properties: &Map) -> String {
    if properties.len() == 1 {
        if let Some(Value::String(s)) = properties.get(STRING_VALUE) {
            return s.clone();
        }
    }
    to_json_text(properties)
}
