//! zc.zk's tree commands: import, export, validate, tree, resolve, ln,
//! properties, set-property, walk and graph, in text and JSON.

use serde_json::json;

use zookit_testing::zc_zk::TREE_TEXT_2;

use crate::common::{TREE_TEXT, chroot, write_file, zookit, zookit_stdin};

const EXPORT: &str = "\
/cms : z4m cms
  threads = 3
  /databases
    /main
      /providers
  /providers
/lb : ipvs
  /pools
    /cms
      address = '1.2.3.4:80'
      providers -> /cms/providers
    /retail
      address = '1.2.3.5:80'
      providers -> /cms/providers
/retail : z4m retail
  threads = 1
  /databases
    main -> /cms/databases/main
    /ugc
      /providers
  /providers
";

#[test]
fn import_export_and_output_files() {
    let zk = chroot("import-export");
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "tree.txt", TREE_TEXT);
    assert_eq!(zookit(&zk, &["import", &file]).ok(), "");
    assert_eq!(zookit(&zk, &["export"]).ok(), EXPORT);
    assert_eq!(
        zookit(&zk, &["export", "/lb/pools/cms"]).ok(),
        "/cms\n  address = '1.2.3.4:80'\n  providers -> /cms/providers\n"
    );
    assert_eq!(
        zookit(&zk, &["export", "--name", "main2", "/cms/databases/main"]).ok(),
        "/main2\n  /providers\n"
    );

    // -o writes the export to a file.
    let out = dir.path().join("out.txt");
    assert_eq!(zookit(&zk, &["export", "-o", out.to_str().unwrap()]).ok(), "");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), EXPORT);

    // The second README text over it: extra nodes are reported, then
    // trimmed (dry run first).
    let second = TREE_TEXT_2;
    assert_eq!(
        zookit_stdin(&zk, &["import"], second).ok(),
        "extra path not trimmed: /lb/pools/retail\n"
    );
    assert_eq!(
        zookit_stdin(&zk, &["import", "-d", "-t", "-"], second).ok(),
        "would delete /lb/pools/retail.\n"
    );
    let report = zookit_stdin(&zk, &["--json", "import", "--trim", "-"], second).json();
    assert_eq!(report["messages"], json!([]));
    assert_eq!(report["deleted"], 1);
    assert_eq!(report["dryRun"], false);
    assert!(!zookit(&zk, &["export", "/lb"]).ok().contains("retail"));

    // The export in JSON: the tree model.
    let json = zookit(&zk, &["export", "--json", "/lb"]).json();
    assert_eq!(json["path"], "/lb");
    assert_eq!(json["properties"], json!({"type": "ipvs"}));
    let cms = &json["children"]["pools"]["children"]["cms"];
    assert_eq!(cms["path"], "/lb/pools/cms");
    assert_eq!(cms["links"], json!({"providers": "/cms/providers"}));
    assert_eq!(cms["properties"], json!({"address": "1.2.3.4:80"}));

    // Files that can't be read or parsed are bad input.
    assert!(zookit(&zk, &["import", "/no/such/file"]).fails(2).contains("/no/such/file"));
    let stderr = zookit_stdin(&zk, &["import"], "/a\n  x = \n").fails(2).to_owned();
    assert_eq!(stderr, "zookit: standard input: line 2: unrecognized data: \"  x =\"\n");
    assert_eq!(zookit_stdin(&zk, &["import", "-p", "99"], "/a\n").code, 2);
}

#[test]
fn import_with_a_permission() {
    let zk = chroot("import-perm");
    zookit_stdin(&zk, &["import", "-p", "1"], "/ro\n").ok();
    assert_eq!(zookit(&zk, &["get-acl", "/ro"]).ok(), "world:anyone:r\n");
    assert!(zookit(&zk, &["set", "/ro", "x"]).fails(1).contains("NoAuth"));
}

#[test]
fn validate_parses_without_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_file(dir.path(), "good.txt", TREE_TEXT);
    let bad = write_file(dir.path(), "bad.txt", "/a\n  threads = 3\n  threads = 4\n");
    // No server: the connection string points nowhere.
    let nowhere = "127.0.0.1:1";
    assert_eq!(zookit(nowhere, &["validate", &good]).ok(), format!("{good}: valid, 14 nodes\n"));
    let stderr = zookit(nowhere, &["validate", &bad]).fails(2).to_owned();
    assert_eq!(stderr, format!("zookit: {bad}: line 3: duplicate property: \"  threads = 4\"\n"));
    assert_eq!(
        zookit_stdin(nowhere, &["--json", "validate"], "/x\n").json(),
        json!({"file": "standard input", "valid": true, "nodes": 1})
    );
    let json_error = zookit(nowhere, &["--json", "validate", &bad]);
    let error: serde_json::Value = serde_json::from_str(json_error.fails(2)).unwrap();
    assert_eq!(error["error"]["exit"], 2);
    assert!(error["error"]["message"].as_str().unwrap().contains("line 3"));
}

#[test]
fn links_properties_and_walks() {
    let zk = chroot("links");
    zookit_stdin(&zk, &["import"], TREE_TEXT).ok();
    assert_eq!(zookit(&zk, &["resolve", "/lb/pools/cms/providers"]).ok(), "/cms/providers\n");
    assert_eq!(
        zookit(&zk, &["--json", "resolve", "/retail/databases/main/providers"]).json(),
        json!({"path": "/retail/databases/main/providers", "realPath": "/cms/databases/main/providers"})
    );
    assert!(zookit(&zk, &["resolve", "/lb/nope"]).fails(1).contains("/lb/nope"));

    // ln, and resolving through the new link.
    zookit(&zk, &["ln", "/cms/databases/main", "/lb/db"]).ok();
    assert_eq!(
        zookit(&zk, &["resolve", "/lb/db/providers"]).ok(),
        "/cms/databases/main/providers\n"
    );
    zookit(&zk, &["ln", "/cms/providers", "/retail/"]).ok();
    assert_eq!(zookit(&zk, &["resolve", "/retail/providers"]).ok(), "/retail/providers\n");
    assert!(zookit(&zk, &["export", "/retail"]).ok().contains("  providers -> /cms/providers\n"));

    // Properties: resolved, with property links followed.
    zookit_stdin(
        &zk,
        &["import", "-", "/retail"],
        "/conf\n  threads => /cms threads\n  color = 'red'\n",
    )
    .ok();
    assert_eq!(
        zookit(&zk, &["properties", "/lb/pools/cms"]).ok(),
        "address = '1.2.3.4:80'\nproviders -> /cms/providers\n"
    );
    assert_eq!(
        zookit(&zk, &["properties", "/retail/conf"]).ok(),
        "color = 'red'\nthreads => /cms threads  # 3\n"
    );
    assert_eq!(zookit(&zk, &["properties", "/lb/db"]).ok(), "# /lb/db -> /cms/databases/main\n");
    let json = zookit(&zk, &["--json", "properties", "/retail/conf"]).json();
    assert_eq!(json["values"], json!({"color": "red", "threads": 3}));
    assert_eq!(json["properties"]["threads =>"], "/cms threads");
    assert_eq!(json["realPath"], "/retail/conf");

    // set-property: Python literals in, sorted reprs out.
    let out =
        zookit(&zk, &["set-property", "/lb/pools/cms", "weight=2", "tags=['a', 'b']", "on=True"]);
    assert_eq!(
        out.ok(),
        "data updated\naddress: '1.2.3.4:80'\non: True\nproviders ->: '/cms/providers'\ntags: ['a', 'b']\nweight: 2\n"
    );
    let json = zookit(&zk, &["--json", "set-property", "/lb/pools/cms", "weight=3"]).json();
    assert_eq!(json["properties"]["weight"], 3);
    assert!(
        zookit(&zk, &["set-property", "/lb/pools/cms", "x=nope"]).fails(2).contains("\"x='nope'\"")
    );
    assert!(zookit(&zk, &["set-property", "/nope", "x=1"]).fails(1).contains("/nope"));

    // walk: depth first, sorted.
    assert_eq!(
        zookit(&zk, &["walk", "/lb"]).ok(),
        "/lb\n/lb/pools\n/lb/pools/cms\n/lb/pools/retail\n"
    );
    assert_eq!(
        zookit(&zk, &["--json", "walk", "/cms/databases"]).json(),
        json!(["/cms/databases", "/cms/databases/main", "/cms/databases/main/providers"])
    );
}

#[test]
fn tree_shows_ephemeral_nodes_and_graph_draws_services() {
    let zk = chroot("tree-graph");
    zookit_stdin(&zk, &["import"], TREE_TEXT).ok();
    assert_eq!(
        zookit(&zk, &["tree", "/lb/pools/cms"]).ok(),
        "/cms\n  address = '1.2.3.4:80'\n  providers -> /cms/providers\n"
    );
    let json = zookit(&zk, &["--json", "tree", "/cms"]).json();
    assert_eq!(json["children"]["providers"]["path"], "/cms/providers");

    let dot = zookit(&zk, &["graph"]).ok().to_owned();
    assert!(dot.starts_with("digraph g {\n"), "{dot}");
    assert!(dot.contains("  \"/lb/pools/cms\" -> \"/cms\" [label=\"providers\"];\n"), "{dot}");
    // A part: its services, and the links leaving them.
    let dot = zookit(&zk, &["graph", "/lb"]).ok().to_owned();
    assert!(dot.contains("\"/lb/pools/retail\" -> \"/cms\""), "{dot}");
    assert!(!dot.contains("\"/retail\""), "{dot}");
    assert!(zookit(&zk, &["graph", "/nope"]).fails(1).contains("NoNode"));
    let json = zookit(&zk, &["--json", "graph"]).json();
    assert_eq!(json["services"]["/cms"], "z4m cms");
    assert!(json["edges"].as_array().unwrap().contains(&json!({
        "from": "/retail", "to": "/cms/databases/main", "name": "main", "kind": "link"
    })));
}
