//! Parsing the tree text format.

use std::collections::BTreeMap;

use super::line::{Line, classify};
use super::{
    LINK_SUFFIX, Node, PROPERTY_LINK_SUFFIX, ParseError, ParseErrorKind, PropertyLink,
    TYPE_PROPERTY,
};
use crate::value::{Value, is_python_space, parse_python_literal};

/// Parses a tree text (see the [module docs](super)) into a tree whose top
/// node, with an empty name, holds the top-level nodes as its children.
///
/// The rules are zc.zk's `parse_tree`:
///
/// - lines are split at `\n`; blank lines and lines whose first non-blank
///   character is `#` are skipped;
/// - a line's indentation is its number of leading whitespace characters (a
///   tab counts as one);
/// - a line more indented than the previous entry belongs to it, which must
///   be a node; a line as indented as an earlier entry of an enclosing node
///   is that entry's sibling; anything in between is an error;
/// - properties, links and property links need a node to belong to, so they
///   cannot be at the level of the top nodes;
/// - a node's sub-node names and its stored property keys (`name`,
///   `name ->`, `name =>`, and `type` for a node type) must be unique.
///
/// ```
/// use serde_json::json;
/// use zookit_registry::tree::parse_tree;
///
/// let tree = parse_tree("/app : web\n  threads = 3\n  db -> /databases/main\n").unwrap();
/// let app = &tree.children["app"];
/// assert_eq!(app.properties["threads"], json!(3));
/// assert_eq!(app.node_type(), Some("web"));
/// assert_eq!(app.links["db"], "/databases/main");
///
/// let error = parse_tree("/app\n  threads = 3\n  threads = 4\n").unwrap_err();
/// assert_eq!(error.to_string(), r#"line 3: duplicate property: "  threads = 4""#);
/// ```
pub fn parse_tree(text: &str) -> Result<Node, ParseError> {
    let mut parser = TreeParser::default();
    for (index, raw) in text.split('\n').enumerate() {
        parser.line(index + 1, raw)?;
    }
    Ok(parser.finish())
}

/// A node while the tree is being built; children refer to the arena.
#[derive(Default)]
struct Building {
    node: Node,
    children: BTreeMap<String, usize>,
}

/// An entry of the indentation stack: zc.zk's `indents`.
#[derive(Clone, Copy)]
struct Level {
    /// The entry's indentation; -1 for the top.
    indent: isize,
    /// The node it is (its arena index), or `None` for a property line.
    node: Option<usize>,
}

struct TreeParser {
    arena: Vec<Building>,
    levels: Vec<Level>,
}

impl Default for TreeParser {
    fn default() -> Self {
        Self { arena: vec![Building::default()], levels: vec![Level { indent: -1, node: Some(0) }] }
    }
}

/// What a line adds to the tree.
enum Entry {
    Node {
        name: String,
        node_type: Option<String>,
    },
    /// A property, link or property link: its stored key and what to add.
    Data {
        key: String,
        data: Data,
    },
}

enum Data {
    Property(String, Value),
    Link(String, String),
    PropertyLink(String, PropertyLink),
}

impl TreeParser {
    fn line(&mut self, number: usize, raw: &str) -> Result<(), ParseError> {
        let line = raw.trim_end_matches(is_python_space);
        let stripped = line.trim_start_matches(is_python_space);
        if stripped.is_empty() || stripped.starts_with('#') {
            return Ok(());
        }
        let error = |kind| ParseError { line: number, text: line.to_owned(), kind };
        let indent = (line.chars().count() - stripped.chars().count()) as isize;
        let entry = entry(stripped).map_err(error)?;

        // Place the line in the indentation stack, as zc.zk does.
        let top = *self.levels.last().expect("the stack always holds the top node");
        if indent > top.indent {
            if top.node.is_none() {
                return Err(error(ParseErrorKind::IndentUnderProperties));
            }
            self.levels.push(Level { indent, node: None });
        } else {
            while indent < self.levels.last().map_or(-1, |level| level.indent) {
                self.levels.pop();
            }
            if indent > self.levels.last().map_or(-1, |level| level.indent) {
                return Err(error(ParseErrorKind::InvalidIndentation));
            }
        }
        // The entry below the line's own level is a node: entries are only
        // pushed above nodes.
        let parent = self.levels[self.levels.len() - 2].node.unwrap_or(0);

        match entry {
            Entry::Node { name, node_type } => {
                if self.arena[parent].children.contains_key(&name) {
                    return Err(error(ParseErrorKind::DuplicateNode { name }));
                }
                let mut node = Node::new(name.clone());
                if let Some(node_type) = node_type {
                    node.properties.insert(TYPE_PROPERTY.to_owned(), Value::String(node_type));
                }
                let index = self.arena.len();
                self.arena.push(Building { node, children: BTreeMap::new() });
                self.arena[parent].children.insert(name, index);
                *self.levels.last_mut().expect("just pushed or found") =
                    Level { indent, node: Some(index) };
            }
            Entry::Data { key, data } => {
                if parent == 0 {
                    return Err(error(ParseErrorKind::PropertiesAboveNodes));
                }
                let node = &mut self.arena[parent].node;
                let taken = match &data {
                    Data::Property(name, _) => node.properties.contains_key(name),
                    Data::Link(name, _) => node.links.contains_key(name),
                    Data::PropertyLink(name, _) => node.property_links.contains_key(name),
                };
                if taken {
                    return Err(error(ParseErrorKind::DuplicateProperty { name: key }));
                }
                match data {
                    Data::Property(name, value) => {
                        node.properties.insert(name, value);
                    }
                    Data::Link(name, target) => {
                        node.links.insert(name, target);
                    }
                    Data::PropertyLink(name, link) => {
                        node.property_links.insert(name, link);
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Node {
        fn build(arena: &mut [Building], index: usize) -> Node {
            let children = std::mem::take(&mut arena[index].children);
            let mut node = std::mem::take(&mut arena[index].node);
            for (name, child) in children {
                node.children.insert(name, build(arena, child));
            }
            node
        }
        build(&mut self.arena, 0)
    }
}

/// What a stripped line says, or why it says nothing.
fn entry(stripped: &str) -> Result<Entry, ParseErrorKind> {
    let Some(line) = classify(stripped) else {
        return Err(if stripped.contains("->") {
            ParseErrorKind::BadLinkFormat
        } else {
            ParseErrorKind::UnrecognizedData
        });
    };
    Ok(match line {
        Line::PropertyLink { name, target } => {
            let link = PropertyLink::parse(target).expect("the line matched one or two words");
            let key = format!("{name}{PROPERTY_LINK_SUFFIX}");
            Entry::Data { key, data: Data::PropertyLink(name.to_owned(), link) }
        }
        Line::Property { name, expression } => {
            let value = parse_python_literal(expression).map_err(|error| {
                ParseErrorKind::BadValue { expression: expression.to_owned(), error }
            })?;
            Entry::Data { key: name.to_owned(), data: Data::Property(name.to_owned(), value) }
        }
        Line::Link { name, target } => {
            let key = format!("{name}{LINK_SUFFIX}");
            Entry::Data { key, data: Data::Link(name.to_owned(), target.to_owned()) }
        }
        Line::Node { name, node_type } => {
            Entry::Node { name: name.to_owned(), node_type: node_type.map(str::to_owned) }
        }
    })
}
