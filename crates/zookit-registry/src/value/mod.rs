//! Property values: Python literals in, Python 3 reprs and zc.zk's JSON out.
//!
//! zc.zk stores the properties of a node as a JSON object in the node's data,
//! so a property value is a JSON value, modelled here as [`serde_json::Value`]
//! (with `preserve_order`, so dicts keep the order they were written in).
//!
//! - [`parse_python_literal`] reads a value the way zc.zk users write them in
//!   tree files and on the `zookeeper_set_property` command line: Python
//!   literals (`'text'`, `u"text"`, `42`, `-1.5e3`, `True`, `None`, lists,
//!   tuples, dicts), plus JSON's `true`, `false` and `null`.
//! - [`python_repr`] writes a value as Python 3's `repr()` would, which is how
//!   exports show property values.
//! - [`encode_node_data`] and [`decode_node_data`] convert between properties
//!   and node data exactly as zc.zk's `encode` and `decode` do, and
//!   [`to_json_text`] is the JSON half of that (Python's `json.dumps`).

mod error;
mod json;
mod lexer;
mod literal;
mod printable;
mod repr;

pub use error::LiteralError;
pub use json::{JsonStyle, decode_node_data, encode_node_data, to_json_text, to_json_text_with};
pub use literal::parse_python_literal;
pub use repr::{python_float_repr, python_repr, python_str_repr};

/// A property value: any JSON value.
pub type Value = serde_json::Value;

/// A node's properties (or a dict value): an insertion-ordered JSON object.
pub type Map = serde_json::Map<String, Value>;

/// The property that holds node data that is not a JSON object (zc.zk's
/// convention, see [`decode_node_data`]).
pub const STRING_VALUE: &str = "string_value";

/// Whether Python 3's `str.isspace()` is true for `c`, which is also what the
/// `\s` of Python's `re` matches.
///
/// That is Unicode's `White_Space` plus the four ASCII separators
/// U+001C..=U+001F.
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::is_python_space;

    #[test]
    fn whitespace_is_python_3s() {
        // `[c for c in range(0x110000) if chr(c).isspace()]` in Python 3.11.
        let python = [
            0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000,
            0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028,
            0x2029, 0x202f, 0x205f, 0x3000,
        ];
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            assert_eq!(is_python_space(c), python.contains(&u32::from(c)), "{c:?}");
        }
    }
}
