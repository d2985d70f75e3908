//! Values against what Python 3.11 prints (vectors in `data/`, made with
//! Python; see each file's header).

use serde_json::{Value, json};
use zookit_registry::value::{
    JsonStyle, Map, decode_node_data, encode_node_data, parse_python_literal, python_float_repr,
    python_repr, python_str_repr, to_json_text, to_json_text_with,
};

fn jsonl(text: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    text.lines().filter(|line| !line.starts_with('#')).map(|line| {
        let row: Vec<String> = serde_json::from_str(line).unwrap();
        row
    })
}

fn wrap(value: Value) -> Map {
    let mut map = Map::new();
    map.insert("v".to_owned(), value);
    map
}

#[test]
fn float_reprs_match_python() {
    let data = include_str!("data/float_reprs.txt");
    let mut count = 0;
    for line in data.lines().filter(|line| !line.starts_with('#')) {
        let (bits, expected) = line.split_once(' ').unwrap();
        let f = f64::from_bits(u64::from_str_radix(bits, 16).unwrap());
        assert_eq!(python_float_repr(f), expected, "bits {bits}");
        assert_eq!(python_repr(&json!(f)), expected);
        // And the repr reads back as the same float.
        let back = parse_python_literal(expected).unwrap();
        assert_eq!(back.as_f64().unwrap().to_bits(), f.to_bits(), "{expected}");
        count += 1;
    }
    assert!(count > 300);
    assert_eq!(python_float_repr(f64::INFINITY), "inf");
    assert_eq!(python_float_repr(f64::NEG_INFINITY), "-inf");
    assert_eq!(python_float_repr(f64::NAN), "nan");
}

#[test]
fn str_reprs_and_json_match_python() {
    for row in jsonl(include_str!("data/str_reprs.jsonl")) {
        let [s, repr, dumped] = &row[..] else { panic!("bad row {row:?}") };
        assert_eq!(&python_str_repr(s), repr, "repr of {s:?}");
        assert_eq!(&python_repr(&json!(s)), repr);
        assert_eq!(to_json_text(&wrap(json!(s))), format!("{{\"v\":{dumped}}}"), "json of {s:?}");
        // Python's repr of a str is a literal that reads back as the str.
        assert_eq!(parse_python_literal(repr).unwrap(), json!(s), "{repr}");
    }
}

#[test]
fn value_reprs_and_json_match_python() {
    for row in jsonl(include_str!("data/value_reprs.jsonl")) {
        let [json_text, repr, compact, spaced] = &row[..] else { panic!("bad row {row:?}") };
        let value: Value = serde_json::from_str(json_text).unwrap();
        assert_eq!(&python_repr(&value), repr);
        assert_eq!(parse_python_literal(repr).unwrap(), value, "{repr}");
        assert_eq!(to_json_text(&wrap(value.clone())), format!("{{\"v\":{compact}}}"));
        assert_eq!(
            to_json_text_with(&wrap(value), JsonStyle::Spaced),
            format!("{{\"v\": {spaced}}}")
        );
    }
}

#[test]
fn literals_match_python_eval() {
    let mut count = 0;
    for row in jsonl(include_str!("data/literals.jsonl")) {
        let [literal, dumped] = &row[..] else { panic!("bad row {row:?}") };
        let expected: Value = serde_json::from_str(dumped).unwrap();
        let value = parse_python_literal(literal).unwrap_or_else(|e| panic!("{literal}: {e}"));
        assert_eq!(value, expected, "{literal}");
        // Same types too: ints stay ints, floats floats.
        assert_eq!(value.to_string(), expected.to_string(), "{literal}");
        count += 1;
    }
    assert_eq!(count, 72);
}

#[test]
fn dict_order_and_repeated_keys_follow_python() {
    let value = parse_python_literal("{'z': 1, 'a': 2, 'z': 3}").unwrap();
    assert_eq!(python_repr(&value), "{'z': 3, 'a': 2}");
}

#[test]
fn unsupported_literals_are_clear_errors() {
    let cases = [
        ("1+", "unexpected '+' after the value (only Python literals are supported) (column 2)"),
        (
            "1 2",
            "unexpected number after the value (only Python literals are supported) (column 3)",
        ),
        ("foo", "name 'foo' is not defined (only Python literals are supported) (column 1)"),
        ("inf", "name 'inf' is not defined (only Python literals are supported) (column 1)"),
        ("b'x'", "bytes literals are not supported (properties are text) (column 1)"),
        ("f'x'", "f-strings are not supported (column 1)"),
        ("ur'x'", "invalid string prefix 'ur' (column 1)"),
        ("1j", "complex numbers are not supported (column 1)"),
        ("{1, 2}", "sets are not supported (column 1)"),
        ("[1", "unexpected end of expression (column 3)"),
        ("{'a' 1}", "unexpected number (column 6)"),
        ("'abc", "unterminated string literal (column 1)"),
        ("'''abc", "unterminated triple-quoted string literal (column 1)"),
        ("'\\x4'", "truncated \\xXX escape (column 2)"),
        ("'\\u12'", "truncated \\uXXXX escape (column 2)"),
        ("'\\U00110000'", "illegal Unicode character (column 2)"),
        ("'\\N{DASH}'", "\\N{...} escapes are not supported (column 2)"),
        ("'\\ud800'", "lone surrogate U+D800 cannot be stored as a property (column 2)"),
        (
            "007",
            "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers (column 1)",
        ),
        ("1__0", "invalid number literal (column 2)"),
        ("0x", "invalid hexadecimal literal (column 1)"),
        ("0b2", "invalid binary literal (column 1)"),
        ("1.x", "invalid decimal literal (column 1)"),
        ("1e400", "float literal out of range (inf cannot be stored as JSON) (column 1)"),
        ("18446744073709551616", "integer too large to store (the limit is 2**64 - 1) (column 1)"),
        ("-9223372036854775809", "integer too small to store (the limit is -2**63) (column 1)"),
        ("{[1]: 2}", "dict keys must be str, int, float, bool or None (column 2)"),
        ("-'a'", "bad operand type for unary -: 'str' (column 1)"),
        ("[1,,]", "unexpected ',' (column 4)"),
        ("", "unexpected end of expression (column 1)"),
        ("# nothing", "unexpected end of expression (column 10)"),
        ("1 * 2", "unsupported syntax '*' (only Python literals are supported) (column 3)"),
        ("x\u{a0}", "invalid character '\\u{a0}' (U+00A0) (column 2)"),
    ];
    for (literal, message) in cases {
        let error = parse_python_literal(literal).expect_err(literal);
        assert_eq!(error.to_string(), message, "{literal}");
    }
    let deep = format!("{}{}", "[".repeat(101), "]".repeat(101));
    assert_eq!(parse_python_literal(&deep).unwrap_err().message, "value nested too deeply");
    let ok = format!("{}{}", "[".repeat(99), "]".repeat(99));
    assert!(parse_python_literal(&ok).is_ok());
}

#[test]
fn node_data_like_zc_zk() {
    // zc.zk's test_special_values.
    assert!(decode_node_data(b"").is_empty());
    assert!(decode_node_data(b" \n\t ").is_empty());
    assert_eq!(Value::Object(decode_node_data(b"xxx")), json!({"string_value": "xxx"}));
    assert_eq!(Value::Object(decode_node_data(b"{xxx}")), json!({"string_value": "{xxx}"}));
    assert_eq!(Value::Object(decode_node_data(b"\n{xxx}\n")), json!({"string_value": "\n{xxx}\n"}));
    assert_eq!(Value::Object(decode_node_data(b"[1, 2]")), json!({"string_value": "[1, 2]"}));
    assert_eq!(Value::Object(decode_node_data(b" {\"b\": 2} \n")), json!({"b": 2}));
    assert_eq!(Value::Object(decode_node_data(b"\xff")), json!({"string_value": "\u{fffd}"}));

    let props = |v: Value| v.as_object().unwrap().clone();
    assert_eq!(encode_node_data(&props(json!({"b": 2}))), "{\"b\":2}");
    assert_eq!(encode_node_data(&Map::new()), "{}");
    assert_eq!(encode_node_data(&props(json!({"string_value": "xxx"}))), "xxx");
    assert_eq!(encode_node_data(&props(json!({"string_value": 5}))), "{\"string_value\":5}");
    assert_eq!(
        encode_node_data(&props(json!({"string_value": "x", "b": 1}))),
        "{\"string_value\":\"x\",\"b\":1}"
    );
    // Floats are read correctly rounded, as Python's json module reads them.
    let map = decode_node_data(b"{\"x\": 1.751317339563632e+242, \"y\": 0.1}");
    assert_eq!(map["x"].as_f64().unwrap().to_bits(), 1.751317339563632e+242f64.to_bits());
    assert_eq!(to_json_text(&map), "{\"x\":1.751317339563632e+242,\"y\":0.1}");
    // Order is kept, JSON reads back to the same map.
    let map = props(json!({"z": [1.0, "é"], "a": {"n": null}}));
    let text = encode_node_data(&map);
    assert_eq!(text, r#"{"z":[1.0,"\u00e9"],"a":{"n":null}}"#);
    assert_eq!(decode_node_data(text.as_bytes()), map);
}
