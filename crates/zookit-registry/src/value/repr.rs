//! Python 3's `repr()` of property values.

use std::fmt::Write as _;

use super::Value;
use super::printable::is_printable;

/// Writes `value` as Python 3's `repr()` writes the value `json.loads` gives
/// for it: `'text'`, `42`, `1.5`, `1e+16`, `True`, `None`, `[1, 'a']`,
/// `{'a': 1}` (dicts in their stored order).
///
/// ```
/// use serde_json::json;
/// use zookit_registry::value::python_repr;
///
/// assert_eq!(python_repr(&json!({"name": "it's", "n": [1, 2.0, null, true]})),
///            r#"{'name': "it's", 'n': [1, 2.0, None, True]}"#);
/// ```
pub fn python_repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, value);
    out
}

fn write_repr(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str_repr(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str_repr(out, key);
                out.push_str(": ");
                write_repr(out, item);
            }
            out.push('}');
        }
    }
}

/// Writes a number as Python writes it: integers as they are, floats by
/// their shortest repr (JSON and repr agree on numbers).
pub(super) fn write_number(out: &mut String, n: &serde_json::Number) {
    match (n.as_i64(), n.as_u64(), n.as_f64()) {
        (Some(i), _, _) => {
            let _ = write!(out, "{i}");
        }
        (None, Some(u), _) => {
            let _ = write!(out, "{u}");
        }
        (None, None, f) => out.push_str(&python_float_repr(f.unwrap_or(f64::NAN))),
    }
}

/// Writes a string as Python 3's `repr()` does.
///
/// Single quotes, unless the string contains `'` and no `"`; backslashes and
/// the chosen quote escaped; `\t`, `\n`, `\r` by name; other characters that
/// are not printable (by Python 3.11's Unicode 14 tables) as `\xhh`, `\uhhhh`
/// or `\Uhhhhhhhh`; printable non-ASCII characters as they are.
///
/// ```
/// use zookit_registry::value::python_str_repr;
///
/// assert_eq!(python_str_repr("it's"), r#""it's""#);
/// assert_eq!(python_str_repr("tab\there\u{7f}é"), r"'tab\there\x7fé'");
/// ```
pub fn python_str_repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str_repr(&mut out, s);
    out
}

fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c if !c.is_ascii() && is_printable(c) => out.push(c),
            c => {
                let code = u32::from(c);
                let _ = if code <= 0xff {
                    write!(out, "\\x{code:02x}")
                } else if code <= 0xffff {
                    write!(out, "\\u{code:04x}")
                } else {
                    write!(out, "\\U{code:08x}")
                };
            }
        }
    }
    out.push(quote);
}

/// Python's `repr` of a float, under zc.zk's name (`1.0`, `1e-05`, `inf`).
///
/// ```
/// use zookit_registry::value::python_float_repr;
///
/// assert_eq!(python_float_repr(1.5e-7), "1.5e-07");
/// ```
pub use zookit::python::float_repr as python_float_repr;
