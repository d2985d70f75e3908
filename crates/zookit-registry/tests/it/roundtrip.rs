//! Property tests: exported trees parse back to themselves, export is
//! canonical, and parsing never panics.

use proptest::prelude::*;
use serde_json::{Number, Value};
use zookit_registry::tree::{ExportOptions, Node, PropertyLink, export_text, parse_tree};
use zookit_registry::value::{
    Map, decode_node_data, encode_node_data, parse_python_literal, python_repr,
};

/// Names that the text format can hold: no whitespace, `=`, `>` or leading
/// `#` (zc.zk's format cannot tell those apart from its syntax).
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,7}",
        "[a-zA-Z0-9_.:@-]{1,10}".prop_filter("no leading #", |s| !s.starts_with('#')),
        "[a-z]{1,3}[\u{e9}\u{65e5}\u{1f600}][a-z]{0,2}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
        "[a-z'\"\\\\\n\t\r\u{0}\u{7f}\u{a0}\u{2028}\u{e9}]{0,8}",
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        (-1000i32..1000, -30i32..30).prop_map(|(m, e)| {
            Value::Number(Number::from_f64(f64::from(m) * 10f64.powi(e)).unwrap())
        }),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..4)
                .prop_map(|items| Value::Object(items.into_iter().collect::<Map>())),
        ]
    })
}

/// A type that fits on the node line, or any value kept as a property.
fn node_type() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => Just(None),
        2 => "[a-z0-9][a-z0-9 :/#=>-]{0,10}[a-z0-9]".prop_map(|t| Some(Value::String(t))),
        1 => value().prop_map(Some),
    ]
}

fn leaf_node() -> impl Strategy<Value = Node> {
    (
        name(),
        node_type(),
        prop::collection::btree_map(name(), value(), 0..4),
        prop::collection::btree_map(name(), "[a-z0-9_./:-]{1,12}", 0..3),
        prop::collection::btree_map(name(), ("[a-z0-9_./-]{1,12}", prop::option::of(name())), 0..3),
    )
        .prop_map(|(name, node_type, properties, links, property_links)| {
            let mut node = Node::new(name);
            // Properties in a random (non-sorted) order.
            for (key, value) in properties.into_iter().rev() {
                node.properties.insert(key, value);
            }
            if let Some(node_type) = node_type {
                node.properties.insert("type".to_owned(), node_type);
            }
            node.links = links;
            node.property_links = property_links
                .into_iter()
                .map(|(name, (path, property))| (name, PropertyLink::new(path, property)))
                .collect();
            node
        })
}

fn node() -> impl Strategy<Value = Node> {
    leaf_node().prop_recursive(4, 24, 4, |inner| {
        (leaf_node(), prop::collection::vec(inner, 0..4)).prop_map(|(mut node, children)| {
            for child in children {
                node.add_child(child);
            }
            node
        })
    })
}

fn tree() -> impl Strategy<Value = Node> {
    prop::collection::vec(node(), 0..4).prop_map(|children| {
        let mut root = Node::default();
        for child in children {
            root.add_child(child);
        }
        root
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn export_parses_back_and_is_canonical(tree in tree()) {
        let text = export_text(&tree, &ExportOptions::root());
        let parsed = parse_tree(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&parsed, &tree, "{}", text);
        prop_assert_eq!(export_text(&parsed, &ExportOptions::root()), text);
    }

    #[test]
    fn exported_subtrees_and_renames_parse_back(node in node(), rename in prop::option::of(name())) {
        let mut options = ExportOptions::new();
        if let Some(rename) = &rename {
            options = options.with_name(rename.clone());
        }
        let text = export_text(&node, &options);
        let parsed = parse_tree(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let mut expected = node.clone();
        if let Some(rename) = rename {
            expected.name = rename;
        }
        prop_assert_eq!(parsed.children.len(), 1);
        prop_assert_eq!(parsed.children.values().next().unwrap(), &expected);
    }

    #[test]
    fn reprs_parse_back(value in value()) {
        let repr = python_repr(&value);
        prop_assert_eq!(parse_python_literal(&repr).unwrap(), value, "{}", repr);
    }

    #[test]
    fn stored_properties_round_trip(node in leaf_node()) {
        let stored = node.stored_properties();
        let data = encode_node_data(&stored);
        let decoded = decode_node_data(data.as_bytes());
        prop_assert_eq!(&decoded, &stored);
        let mut expected = node.clone();
        expected.children.clear();
        prop_assert_eq!(Node::from_properties(node.name.clone(), decoded), expected);
    }

    #[test]
    fn parsing_never_panics(text in any::<String>()) {
        let _ = parse_tree(&text);
        let _ = parse_python_literal(&text);
    }

    #[test]
    fn parsing_tree_like_noise_never_panics(text in noise_text()) {
        if let Ok(tree) = parse_tree(&text) {
            // Whatever parses exports to something that parses to the same tree.
            let export = export_text(&tree, &ExportOptions::root());
            let reparsed = parse_tree(&export).map_err(|e| TestCaseError::fail(format!("{e}\n{export}")))?;
            prop_assert_eq!(reparsed, tree, "{}", export);
        }
    }
}

/// Texts that look like the format, with the format's own syntax
/// characters in names and values, mostly well nested, sometimes not.
fn noise_text() -> impl Strategy<Value = String> {
    let word = "[a-c/=>:#-]{1,4}";
    let value = prop_oneof![
        2 => Just("1".to_owned()),
        2 => Just("'x=y'".to_owned()),
        2 => Just("[1, 2.5] # c".to_owned()),
        1 => "[a-c=>]{1,3}".prop_map(String::from),
    ];
    let node = prop_oneof![
        word.prop_map(|w| format!("/{w}")),
        (word, "[a-c =>:#/-]{1,6}").prop_map(|(w, t)| format!("/{w} : {t}")),
    ];
    let data = prop_oneof![
        (word, "[ ]{0,2}", value).prop_map(|(w, s, v)| format!("{w}{s}={s}{v}")),
        (word, "[ ]{0,2}", word).prop_map(|(w, s, t)| format!("{w}{s}->{s}{t}")),
        (word, "[ ]{0,2}", word, prop::option::of(word)).prop_map(|(w, s, t, p)| {
            format!("{w}{s}=>{s}{t}{}", p.map(|p| format!(" {p}")).unwrap_or_default())
        }),
    ];
    let line = prop_oneof![
        12 => (node, 0usize..3).prop_map(|(l, up)| (true, l, up)),
        12 => (data, 0usize..3).prop_map(|(l, up)| (false, l, up)),
        1 => ("[/a-c =>:#'\"\\[\\](){},.0-9eTNx-]{0,12}", 0usize..3).prop_map(|(l, up)| (false, l, up)),
    ];
    prop::collection::vec(line, 0..16).prop_map(|lines| {
        // `depth` is one more than the last node's: where its entries go.
        let mut depth: usize = 0;
        let mut out = Vec::new();
        for (is_node, line, up) in lines {
            let level =
                if is_node { depth.saturating_sub(up) } else { depth.saturating_sub(up).max(1) };
            out.push(format!("{}{line}", "  ".repeat(level)));
            if is_node {
                depth = level + 1;
            }
        }
        out.join("\n")
    })
}
