//! The examples of zc.zk 2.1.0's README (and of its tests where they show
//! the text format), with Python 3 reprs: `'1234'` rather than `u'1234'`.

use serde_json::json;
use zookit_registry::tree::{ExportOptions, Node, PropertyLink, export_text, parse_tree};
use zookit_registry::value::{Value, parse_python_literal};

use crate::readme_expected::{
    DATABASES_IMPORTED, FOOSERVICE, FOOSERVICE_EPHEMERAL, MAIN_AS_CMS, TREE_TEXT, TREE_TEXT_2,
    first_export,
};

fn export_root(tree: &Node) -> String {
    export_text(tree, &ExportOptions::root())
}

#[test]
fn first_tree_exports_as_in_the_readme() {
    // `zk.import_tree(tree_text)` next to `/fooservice`, then
    // `print zk.export_tree(),`.
    let mut tree = parse_tree(TREE_TEXT).unwrap();
    let fooservice = parse_tree(FOOSERVICE).unwrap();
    tree.children.extend(fooservice.children);
    assert_eq!(export_root(&tree), first_export());
}

#[test]
fn exporting_part_of_a_tree() {
    let tree = parse_tree(FOOSERVICE).unwrap();
    let fooservice = &tree.children["fooservice"];
    assert_eq!(export_text(fooservice, &ExportOptions::new()), FOOSERVICE);

    // With the ephemeral nodes (`ephemeral=True`): registered servers.
    let mut fooservice = fooservice.clone();
    let providers = fooservice.children.get_mut("providers").unwrap();
    for port in [8080, 8081, 8082] {
        providers.add_child(Node::new(format!("192.168.0.42:{port}")).with_property("pid", 9999));
    }
    assert_eq!(export_text(&fooservice, &ExportOptions::new()), FOOSERVICE_EPHEMERAL);
}

#[test]
fn second_tree_and_graph_analysis() {
    // "Graph analysis": `zc.zk.parse_tree(tree_text)` of the second text.
    let tree = parse_tree(TREE_TEXT_2).unwrap();
    assert_eq!(tree.children.keys().collect::<Vec<_>>(), ["cms", "lb"]);
    assert_eq!(Value::Object(tree.children["lb"].properties.clone()), json!({"type": "ipvs"}));
    assert_eq!(tree.name, "");
    assert!(tree.properties.is_empty());

    let cms = &tree.descendant("lb/pools/cms").unwrap();
    assert_eq!(cms.properties["address"], json!("1.2.3.4:80"));
    assert_eq!(cms.links["providers"], "/cms/providers");
    assert_eq!(
        Value::Object(cms.stored_properties()),
        json!({"address": "1.2.3.4:80", "providers ->": "/cms/providers"})
    );
    assert_eq!(
        export_root(&tree),
        "\
/cms : z4m cms
  threads = 4
  /databases
    /main
      /providers
  /providers
/lb : ipvs
  /pools
    /cms
      address = '1.2.3.4:80'
      providers -> /cms/providers
"
    );
}

#[test]
fn export_with_a_new_name() {
    // `zk.export_tree('/cms/databases/main', name='cms')`.
    let tree = parse_tree(TREE_TEXT).unwrap();
    let main = tree.descendant("/cms/databases/main").unwrap();
    let export = export_text(main, &ExportOptions::new().with_name("cms"));
    assert_eq!(export, MAIN_AS_CMS);

    // Imported under `/databases`, then `zk.export_tree('/databases')`.
    let mut databases = Node::new("databases");
    databases.children.extend(parse_tree(&export).unwrap().children);
    assert_eq!(export_text(&databases, &ExportOptions::new()), DATABASES_IMPORTED);

    // zc.zk's test_export_top_w_name: `zk.export_tree('/', name='top')`
    // includes the root, renamed, without its own properties.
    let mut root = parse_tree(
        "/fooservice\n  database = '/databases/foomain'\n  favorite_color = 'red'\n  threads = 1\n  /providers\n",
    )
    .unwrap();
    root.properties.insert("ignored".to_owned(), json!(1));
    assert_eq!(
        export_text(&root, &ExportOptions::root().with_name("top")),
        "\
/top
  /fooservice
    database = '/databases/foomain'
    favorite_color = 'red'
    threads = 1
    /providers
"
    );
    assert_eq!(export_text(&Node::default(), &ExportOptions::root()), "\n");
}

#[test]
fn the_scripts_trees() {
    // The `zookeeper_export` script's full export.
    let text = "\
/cms : z4m cms
  threads = 4
  /databases
    main -> /databases/cms
  /providers
/databases
  /cms
    a = 1
/fooservice
  secret = '1234'
  threads = 3
  /providers
/lb : ipvs
  /pools
    /cms
      address = '1.2.3.4:80'
      providers -> /cms/providers
";
    assert_eq!(export_root(&parse_tree(text).unwrap()), text);

    // `zookeeper_set_property ... threads=4 debug=True comment='ok'`.
    let mut fooservice = parse_tree(FOOSERVICE).unwrap().children.remove("fooservice").unwrap();
    for argument in ["threads=4", "debug=True", "comment='ok'"] {
        let (name, expression) = argument.split_once('=').unwrap();
        fooservice.properties.insert(name.to_owned(), parse_python_literal(expression).unwrap());
    }
    assert_eq!(
        export_text(&fooservice, &ExportOptions::new()),
        "/fooservice\n  comment = 'ok'\n  debug = True\n  secret = '1234'\n  threads = 4\n  /providers\n"
    );

    // `zookeeper_import` of a file and of stdin.
    let tree = parse_tree("/provision\n  /node1\n  /node2\n").unwrap();
    assert_eq!(tree.descendant("provision").unwrap().children.len(), 2);
    let tree = parse_tree("/x\n/y").unwrap();
    assert_eq!(tree.children.keys().collect::<Vec<_>>(), ["x", "y"]);
}

#[test]
fn symbolic_and_property_links() {
    let tree = parse_tree("/a\n  /b\n    l -> c\n    l2 -> ../c\n    /c\n  /c\n").unwrap();
    let b = tree.descendant("a/b").unwrap();
    assert_eq!(b.links["l"], "c");
    assert_eq!(b.links["l2"], "../c");

    // The README's property_link_source.
    let source = "
/cms : z4m cms
  threads => /fooservice threads
  /databases
    /main
      /providers
  /providers
/fooservice
  secret = u'1234'
  threads = 3
  /providers
/lb : ipvs
  /pools
    /cms
      address = u'1.2.3.4:80'
      providers -> /cms/providers
";
    let tree = parse_tree(source).unwrap();
    let cms = &tree.children["cms"];
    assert_eq!(
        cms.property_links["threads"],
        PropertyLink::new("/fooservice", Some("threads".to_owned()))
    );
    assert_eq!(
        Value::Object(cms.stored_properties()),
        json!({"type": "z4m cms", "threads =>": "/fooservice threads"})
    );
    assert!(export_root(&tree).starts_with("/cms : z4m cms\n  threads => /fooservice threads\n"));

    let tree = parse_tree("/cms\n  threads => /fooservice\n").unwrap();
    assert_eq!(
        tree.children["cms"].property_links["threads"],
        PropertyLink::new("/fooservice", None)
    );

    // zc.zk's relative_property_links_data.
    let tree = parse_tree(
        "
/a
  /b
    x => c x
    xx => ./c x
    x2 => .. x
    x3 => ../c x
    x22 => ./.. x
    x33 => ./../c x
    x333 => .././c x
    /c
      x=1
  /c
    x = 3
  x = 2
",
    )
    .unwrap();
    let a = &tree.children["a"];
    assert_eq!(a.properties["x"], json!(2));
    assert_eq!(a.children["b"].property_links.len(), 7);
    assert_eq!(a.children["b"].children["c"].properties["x"], json!(1));

    // zc.zk's property_links_edge_cases: zc.zk exported the link as the
    // broken `threads => = u'..'`; this export reads back.
    let tree = parse_tree("/app\n  threads => ..\n  color = 'red'\n  database -> /databases/foo\n")
        .unwrap();
    let export = export_root(&tree);
    assert_eq!(export, "/app\n  color = 'red'\n  database -> /databases/foo\n  threads => ..\n");
    assert_eq!(parse_tree(&export).unwrap(), tree);
}

#[test]
fn various_spacing() {
    // zc.zk's resilient_import.
    let tree = parse_tree(
        "
/test
  a=1
  b      =1
  c=      1
  ad->/x
  af          ->/x
  ae->         /x
",
    )
    .unwrap();
    assert_eq!(
        export_root(&tree),
        "/test\n  a = 1\n  b = 1\n  c = 1\n  ad -> /x\n  ae -> /x\n  af -> /x\n"
    );
}

#[test]
fn stored_properties_map_one_to_one() {
    // What zc.zk's `ln` and `import_tree` store, read back into the model.
    let stored = json!({
        "database": "/databases/foomain",
        "main ->": "/databases/cms",
        "threads =>": "/fooservice threads",
        "x =>": "..",
        "type": "z4m cms",
        " ->": "/databases/main",
        "bad =>": "a b c",
        "n ->": 1,
    });
    let node = Node::from_properties("cms", stored.as_object().unwrap().clone());
    assert_eq!(node.node_type(), Some("z4m cms"));
    assert_eq!(node.links.len(), 1);
    assert_eq!(node.property_links.len(), 2);
    assert_eq!(node.property_links["x"], PropertyLink::new("..", None));
    // Not valid links: kept as properties, nothing lost.
    assert_eq!(node.properties[" ->"], json!("/databases/main"));
    assert_eq!(node.properties["bad =>"], json!("a b c"));
    assert_eq!(node.properties["n ->"], json!(1));
    assert_eq!(Value::Object(node.stored_properties()), stored);
    assert_eq!(Node::from_properties("cms", node.stored_properties()), node);
}
