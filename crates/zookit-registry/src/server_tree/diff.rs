//! What a dry-run import says about the properties of an existing node, in
//! zc.zk's words.

use crate::tree::LINK_SUFFIX;
use crate::value::{Map, Value, python_repr};

/// The lines zc.zk's dry-run import prints for a node at `path` whose
/// stored properties are `old` and would become `new`: removals and changes
/// in the order of the old names, then additions in the order of the new
/// names (Python's sorted order).
///
/// Links (`'name ->'`) have their own wording; everything else, property
/// links (`'name =>'`) included, is a property. Values are written as
/// Python's `str()` writes them, and compared as Python compares them
/// (`1 == 1.0 == True`).
pub(crate) fn property_changes(path: &str, old: &Map, new: &Map) -> Vec<String> {
    let mut lines = Vec::new();
    let mut old_sorted: Vec<_> = old.iter().collect();
    old_sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (name, value) in old_sorted {
        let link = name.strip_suffix(LINK_SUFFIX);
        match (new.get(name), link) {
            (None, Some(_)) => {
                lines.push(format!("{path} remove link {name} {}", python_str(value)));
            }
            (None, None) => {
                lines.push(format!("{path} remove property {name} = {}", python_str(value)));
            }
            (Some(new_value), _) if python_eq(new_value, value) => {}
            (Some(new_value), Some(link)) => lines.push(format!(
                "{path} {link} link change from {} to {}",
                python_str(value),
                python_str(new_value)
            )),
            (Some(new_value), None) => lines.push(format!(
                "{path} {name} change from {} to {}",
                python_str(value),
                python_str(new_value)
            )),
        }
    }
    let mut new_sorted: Vec<_> = new.iter().filter(|(name, _)| !old.contains_key(*name)).collect();
    new_sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (name, value) in new_sorted {
        if name.ends_with(LINK_SUFFIX) {
            lines.push(format!("{path} add link {name} {}", python_str(value)));
        } else {
            lines.push(format!("{path} add property {name} = {}", python_str(value)));
        }
    }
    lines
}

/// Python's `str()` of a value: a string as it is, anything else as its
/// `repr()`.
fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// A number as Python sees it: `bool`s are the integers 0 and 1.
enum Number {
    Int(i128),
    Float(f64),
}

fn as_number(value: &Value) -> Option<Number> {
    match value {
        Value::Bool(b) => Some(Number::Int(i128::from(*b))),
        Value::Number(n) => Some(match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Number::Int(i128::from(i)),
            (None, Some(u)) => Number::Int(i128::from(u)),
            (None, None) => Number::Float(n.as_f64().unwrap_or(f64::NAN)),
        }),
        _ => None,
    }
}

/// Python's `==` on JSON-decoded values: numbers (and booleans) compare by
/// value, exactly, across `int` and `float`; lists item by item; dicts by
/// key set and values.
fn python_eq(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (as_number(a), as_number(b)) {
        return match (x, y) {
            (Number::Int(x), Number::Int(y)) => x == y,
            (Number::Float(x), Number::Float(y)) => x == y,
            (Number::Int(i), Number::Float(f)) | (Number::Float(f), Number::Int(i)) => {
                // Exact, as Python compares: the float must be that integer.
                f.fract() == 0.0 && f.abs() < 1e38 && f as i128 == i
            }
        };
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| python_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| python_eq(v, w)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Value) -> Map {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn python_equality() {
        assert!(python_eq(&json!(1), &json!(1.0)));
        assert!(python_eq(&json!(true), &json!(1)));
        assert!(python_eq(&json!(false), &json!(0.0)));
        assert!(!python_eq(&json!(1), &json!("1")));
        assert!(!python_eq(&json!(null), &json!(0)));
        assert!(!python_eq(&json!(1.5), &json!(1)));
        assert!(python_eq(&json!([1, {"a": 2}]), &json!([1.0, {"a": 2}])));
        assert!(!python_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!python_eq(&json!(9007199254740993_i64), &json!(9007199254740992.0)));
    }

    #[test]
    fn messages_in_zc_zk_words() {
        let old = map(json!({
            "threads": 3, "gone": "x", "same": 1, "main ->": "/a", "old ->": "/o",
            "t =>": "/fooservice threads", "type": "z4m cms",
        }));
        let new = map(json!({
            "threads": 4, "same": 1.0, "main ->": "/b", "t =>": "/fooservice",
            "added": [1, "a"], "new ->": "/n", "type": "z4m cms",
        }));
        assert_eq!(
            property_changes("/cms", &old, &new),
            [
                "/cms remove property gone = x",
                "/cms main link change from /a to /b",
                "/cms remove link old -> /o",
                "/cms t => change from /fooservice threads to /fooservice",
                "/cms threads change from 3 to 4",
                "/cms add property added = [1, 'a']",
                "/cms add link new -> /n",
            ]
        );
    }
}
