//! Property test: any tree the text format holds (with names ZooKeeper
//! accepts: not outside the BMP) survives import and export unchanged.

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use serde_json::{Number, Value};
use zookit_registry::ZooKeeper;
use zookit_registry::tree::{ExportOptions, Node, PropertyLink, export_text, parse_tree};
use zookit_registry::value::Map;

use crate::support::helper;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,7}",
        "[a-zA-Z0-9_:@-][a-zA-Z0-9_.:@-]{0,9}",
        // ZooKeeper refuses characters outside the BMP in paths.
        "[a-z]{1,3}[\u{e9}\u{65e5}][a-z]{0,2}",
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        "[ -~\u{e9}\u{1f600}\n\t]{0,10}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec(("[a-z ]{0,4}", inner), 0..3)
                .prop_map(|items| Value::Object(items.into_iter().collect::<Map>())),
        ]
    })
}

fn leaf_node() -> impl Strategy<Value = Node> {
    (
        name(),
        prop::option::of("[a-z0-9][a-z0-9 :/=-]{0,8}[a-z0-9]"),
        prop::collection::btree_map(name(), value(), 0..3),
        prop::collection::btree_map(name(), "[a-z0-9_./:-]{1,10}", 0..2),
        prop::collection::btree_map(name(), ("[a-z0-9_./-]{1,10}", prop::option::of(name())), 0..2),
    )
        .prop_map(|(name, node_type, properties, links, property_links)| {
            let mut node = Node::new(name);
            node.properties = properties.into_iter().collect();
            node.set_node_type(node_type.as_deref());
            node.links = links;
            node.property_links = property_links
                .into_iter()
                .map(|(name, (path, property))| (name, PropertyLink::new(path, property)))
                .collect();
            node
        })
}

fn tree() -> impl Strategy<Value = Node> {
    let node = leaf_node().prop_recursive(3, 12, 3, |inner| {
        (leaf_node(), prop::collection::vec(inner, 0..3)).prop_map(|(mut node, children)| {
            children.into_iter().for_each(|child| node.add_child(child));
            node
        })
    });
    prop::collection::vec(node, 1..3).prop_map(|children| {
        let mut root = Node::default();
        children.into_iter().for_each(|child| root.add_child(child));
        root
    })
}

async fn round_trip(zk: &ZooKeeper, case: usize, tree: &Node) {
    let base = format!("/case{case}");
    zk.create(&base, "", None).await.unwrap();
    let text = export_text(tree, &ExportOptions::root());
    let report = zk.import_tree(&text, &base, None, None, false).await.unwrap();
    assert!(report.messages.is_empty(), "{:?}", report.messages);
    let mut expected = tree.clone();
    expected.name = format!("case{case}");
    assert_eq!(zk.read_tree(&base, false).await.unwrap().as_ref(), Some(&expected));
    let exported = zk.export_tree(&base, false, None).await.unwrap();
    assert_eq!(exported, export_text(&expected, &ExportOptions::new()));
    let parsed = parse_tree(&exported).unwrap();
    assert_eq!(parsed.children[&expected.name], expected);
    // Importing the same text again changes nothing.
    let dry = zk.import_tree(&text, &base, Some(true), None, true).await.unwrap();
    assert!(dry.messages.is_empty(), "{:?}", dry.messages);
}

#[test]
fn any_tree_survives_import_and_export() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let zk = runtime.block_on(helper("proptest-round-trip"));
    let case = AtomicUsize::new(0);
    proptest!(ProptestConfig::with_cases(24), |(tree in tree())| {
        let case = case.fetch_add(1, Ordering::Relaxed);
        runtime.block_on(round_trip(&zk, case, &tree));
    });
    runtime.block_on(zk.close()).unwrap();
}
