//! The Graphviz rendering of modelled services.

use zookit_registry::tree::{Graph, GraphEdge, GraphEdgeKind, graph_dot, parse_tree};

#[test]
fn readme_tree_graph() {
    let tree = parse_tree(
        "
/lb : ipvs
  /pools
    /cms
      address = '1.2.3.4:80'
      providers -> /cms/providers
    /retail
      address = '1.2.3.5:80'
      providers -> ../../../retail/providers
/cms : z4m cms
  threads = 3
  /providers
  /databases
    /main
      /providers
/retail : z4m retail
  threads => /cms
  timeout => /defaults
  /providers
  /databases
    main -> /cms/databases/main
    /ugc
      /providers
      local -> /retail/providers
/defaults
  timeout = 3
",
    )
    .unwrap();
    let graph = Graph::from_tree(&tree);
    assert_eq!(
        graph.services.keys().collect::<Vec<_>>(),
        [
            "/cms",
            "/cms/databases/main",
            "/lb/pools/cms",
            "/lb/pools/retail",
            "/retail",
            "/retail/databases/ugc"
        ]
    );
    assert!(graph.edges.contains(&GraphEdge {
        from: "/retail".to_owned(),
        to: "/cms".to_owned(),
        name: "threads".to_owned(),
        kind: GraphEdgeKind::PropertyLink { property: "threads".to_owned() },
    }));
    assert_eq!(
        graph_dot(&tree),
        r#"digraph g {
  "/cms" [label="/cms\nz4m cms"];
  "/cms/databases/main";
  "/lb/pools/cms";
  "/lb/pools/retail";
  "/retail" [label="/retail\nz4m retail"];
  "/retail/databases/ugc";
  "/lb/pools/cms" -> "/cms" [label="providers"];
  "/lb/pools/retail" -> "/retail" [label="providers"];
  "/retail" -> "/cms" [label="threads => threads", style=dashed];
  "/retail" -> "/cms/databases/main" [label="main"];
  "/retail/databases/ugc" -> "/retail" [label="local"];
}
"#
    );
}

#[test]
fn empty_and_quoted() {
    assert_eq!(graph_dot(&parse_tree("").unwrap()), "digraph g {\n}\n");
    let tree = parse_tree("/a\"b : x\\y\n  /providers\n").unwrap();
    assert_eq!(graph_dot(&tree), "digraph g {\n  \"/a\\\"b\" [label=\"/a\\\"b\\nx\\\\y\"];\n}\n");
}
