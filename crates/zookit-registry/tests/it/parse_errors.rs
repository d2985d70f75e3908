//! Every parse error category, with its line number and line, and the
//! indentation rules (zc.zk's, quirks included).

use serde_json::json;
use zookit_registry::tree::{ParseError, ParseErrorKind, parse_tree};
use zookit_registry::value::LiteralError;

fn error(text: &str) -> ParseError {
    parse_tree(text).expect_err(text)
}

#[test]
fn bad_value_expression() {
    // zc.zk: "Error unexpected EOF while parsing (<string>, line 1) in
    // expression: '1+' in line 3".
    let e = error("\n/test\n  a= 1+\n");
    assert_eq!(e.line, 3);
    assert_eq!(e.text, "  a= 1+");
    assert_eq!(
        e.kind,
        ParseErrorKind::BadValue {
            expression: "1+".to_owned(),
            error: LiteralError {
                message: "unexpected '+' after the value (only Python literals are supported)"
                    .to_owned(),
                column: 2
            },
        }
    );
    assert_eq!(
        e.to_string(),
        r#"line 3: error in expression "1+": unexpected '+' after the value (only Python literals are supported) (column 2): "  a= 1+""#
    );
}

#[test]
fn bad_link_format() {
    // zc.zk: (3, 'a ->', 'Bad link format').
    let e = error("\n/test\n  a ->\n");
    assert_eq!((e.line, e.text.as_str(), &e.kind), (3, "  a ->", &ParseErrorKind::BadLinkFormat));
    assert_eq!(e.to_string(), r#"line 3: bad link format: "  a ->""#);
    let e = error("/test\n  a -> b c\n");
    assert_eq!((e.line, e.kind), (2, ParseErrorKind::BadLinkFormat));
}

#[test]
fn unrecognized_data() {
    let e = error("/test\n\n  what is this\n");
    assert_eq!(
        (e.line, e.text.as_str(), &e.kind),
        (3, "  what is this", &ParseErrorKind::UnrecognizedData)
    );
    assert_eq!(e.to_string(), r#"line 3: unrecognized data: "  what is this""#);
    for text in ["/", "/a b", "/a :", "x =", "x = ", "=> x", "x y"] {
        assert_eq!(
            error(&format!("/n\n  {text}")).kind,
            ParseErrorKind::UnrecognizedData,
            "{text}"
        );
    }
}

#[test]
fn indent_under_properties() {
    let e = error("/a\n  x = 1\n    y = 2\n");
    assert_eq!(
        (e.line, e.text.as_str(), &e.kind),
        (3, "    y = 2", &ParseErrorKind::IndentUnderProperties)
    );
    assert_eq!(e.to_string(), r#"line 3: can't indent under properties: "    y = 2""#);
    let e = error("/a\n  l -> /x\n      /b\n");
    assert_eq!((e.line, e.kind), (3, ParseErrorKind::IndentUnderProperties));
}

#[test]
fn invalid_indentation() {
    let e = error("/a\n    /b\n      /c\n  /d\n");
    assert_eq!(
        (e.line, e.text.as_str(), &e.kind),
        (4, "  /d", &ParseErrorKind::InvalidIndentation)
    );
    assert_eq!(e.to_string(), r#"line 4: invalid indentation: "  /d""#);
    // Top-level nodes must line up with the first one.
    let e = error("  /a\n/b\n");
    assert_eq!((e.line, e.kind), (2, ParseErrorKind::InvalidIndentation));
    let e = error("/a\n    x = 1\n  y = 2\n");
    assert_eq!((e.line, e.kind), (3, ParseErrorKind::InvalidIndentation));
}

#[test]
fn duplicate_node() {
    let e = error("/a\n  /b\n/a\n");
    assert_eq!(e.line, 3);
    assert_eq!(e.kind, ParseErrorKind::DuplicateNode { name: "a".to_owned() });
    assert_eq!(e.to_string(), r#"line 3: duplicate node: "/a""#);
    let e = error("/a\n  /b\n  x = 1\n  /b : t\n");
    assert_eq!((e.line, e.kind), (4, ParseErrorKind::DuplicateNode { name: "b".to_owned() }));
}

#[test]
fn duplicate_property() {
    let e = error("/cms\n  threads = 3\n  threads = 4\n");
    assert_eq!(e.line, 3);
    assert_eq!(e.kind, ParseErrorKind::DuplicateProperty { name: "threads".to_owned() });
    assert_eq!(e.to_string(), r#"line 3: duplicate property: "  threads = 4""#);
    // A node type is the property `type`.
    let e = error("/cms : z4m\n  type = 'x'\n");
    assert_eq!(
        (e.line, e.kind),
        (2, ParseErrorKind::DuplicateProperty { name: "type".to_owned() })
    );
    let e = error("/cms\n  l -> /a\n  l -> /b\n");
    assert_eq!(
        (e.line, e.kind),
        (3, ParseErrorKind::DuplicateProperty { name: "l ->".to_owned() })
    );
    let e = error("/cms\n  p => /a\n  p => /b\n");
    assert_eq!(
        (e.line, e.kind),
        (3, ParseErrorKind::DuplicateProperty { name: "p =>".to_owned() })
    );
    // Different stored keys do not clash.
    let tree = parse_tree("/cms\n  x = 1\n  x -> /a\n  x => /b\n").unwrap();
    let cms = &tree.children["cms"];
    assert_eq!((cms.properties.len(), cms.links.len(), cms.property_links.len()), (1, 1, 1));
}

#[test]
fn properties_above_imported_nodes() {
    // zc.zk: "Can't import properties above imported nodes." (raised by
    // parse_tree, so also by zc.zk.parse_tree users).
    let e = error("x = 1");
    assert_eq!(
        (e.line, e.text.as_str(), &e.kind),
        (1, "x = 1", &ParseErrorKind::PropertiesAboveNodes)
    );
    assert_eq!(e.to_string(), r#"line 1: can't import properties above imported nodes: "x = 1""#);
    let e = error("/y\nx = 1");
    assert_eq!((e.line, e.kind), (2, ParseErrorKind::PropertiesAboveNodes));
    let e = error("\n\n  l -> /x\n");
    assert_eq!((e.line, e.kind), (3, ParseErrorKind::PropertiesAboveNodes));
}

#[test]
fn malformed_property_links_are_bad_values() {
    // zc.zk tries `name = value` after `name => target`, so `x => a b c` is
    // the property `x` with the value `> a b c`.
    let e = error("/n\n  x => a b c\n");
    assert!(
        matches!(e.kind, ParseErrorKind::BadValue { ref expression, .. } if expression == "> a b c")
    );
}

#[test]
fn classification_errors_come_before_indentation_errors() {
    // zc.zk evaluates the line before placing it.
    let e = error("/a\n  x = 1\n    y = oops\n");
    assert!(matches!(e.kind, ParseErrorKind::BadValue { .. }));
}

#[test]
fn blank_lines_comments_and_line_endings() {
    let tree =
        parse_tree("# top\r\n\r\n/a : t \r\n  # c\r\n\tx = 'y' # trailing comment\r\n").unwrap();
    let a = &tree.children["a"];
    assert_eq!(a.node_type(), Some("t"));
    assert_eq!(a.properties["x"], json!("y"));
    assert!(parse_tree("").unwrap().children.is_empty());
    assert!(parse_tree("\n  \n# only comments\n").unwrap().children.is_empty());
    // Line numbers count every line.
    assert_eq!(error("# 1\n\n/a\n  # 4\n  x =\n").line, 5);
}

#[test]
fn any_consistent_indentation() {
    let tree = parse_tree("/a\n\t/b\n\t\tx = 1\n\t/c\n").unwrap();
    assert_eq!(tree.descendant("a/b").unwrap().properties["x"], json!(1));
    assert!(tree.descendant("a/c").is_some());
    let tree =
        parse_tree("    /a\n          /b\n              /c\n          x = 2\n    /d\n").unwrap();
    assert!(tree.descendant("a/b/c").is_some());
    assert_eq!(tree.children["a"].properties["x"], json!(2));
    assert!(tree.children.contains_key("d"));
}

#[test]
fn zc_zk_nesting_quirks() {
    // A property after a sub-node, at the sub-node's level, belongs to the
    // parent...
    let tree = parse_tree("/a\n  /b\n  x = 1\n").unwrap();
    assert_eq!(tree.children["a"].properties["x"], json!(1));
    // ...and a line indented under that property goes under the sub-node,
    // the last node at that level (zc.zk keeps the node on its stack).
    let tree = parse_tree("/a\n  /b\n  x = 1\n    /c\n").unwrap();
    assert!(tree.descendant("a/b/c").is_some());
    // Regular-expression backtracking: the name is the longest prefix that
    // works, so `a==1` is the property `a=`.
    let tree = parse_tree("/n\n  a==1\n  /cms:z4m\n").unwrap();
    assert_eq!(tree.children["n"].properties["a="], json!(1));
    assert!(tree.children["n"].children.contains_key("cms:z4m"));
    // ...and a value containing `=` with no spaces around the first `=`
    // fails, as in zc.zk (the name is taken up to the last `=`).
    let e = error("/n\n  a='x=y'\n");
    assert!(
        matches!(e.kind, ParseErrorKind::BadValue { ref expression, .. } if expression == "y'")
    );
}
