//! The tree model and its mapping to stored node properties.

use std::collections::BTreeMap;
use std::fmt;

use crate::value::{Map, Value, is_python_space};

/// The suffix that marks a stored property as a symbolic link:
/// `{"providers ->": "/cms/providers"}`.
pub const LINK_SUFFIX: &str = " ->";

/// The suffix that marks a stored property as a property link:
/// `{"threads =>": "/fooservice threads"}`.
pub const PROPERTY_LINK_SUFFIX: &str = " =>";

/// The property a node's type (`/name : type`) is stored in.
pub const TYPE_PROPERTY: &str = "type";

/// A node of a modelled ZooKeeper tree.
///
/// The properties, links and property links of a node are all stored in
/// ZooKeeper as one JSON object (see [`Node::stored_properties`]); the model
/// keeps them apart. The node's type is its `type` property, as in zc.zk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    /// The node's name (the last component of its path); empty for the top
    /// of a parsed tree, which stands for the node the tree is imported
    /// into.
    pub name: String,
    /// Ordinary properties, in the order they were written or stored,
    /// including `type`.
    pub properties: Map,
    /// Symbolic links: `name -> path`, by name.
    pub links: BTreeMap<String, String>,
    /// Property links: `name => path [property]`, by name.
    pub property_links: BTreeMap<String, PropertyLink>,
    /// Sub-nodes, by name (each child's `name` is its key).
    pub children: BTreeMap<String, Node>,
}

impl Node {
    /// An empty node called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), ..Self::default() }
    }

    /// A node called `name` whose stored properties are `properties` (as
    /// [`decode_node_data`](crate::value::decode_node_data) reads them):
    /// string-valued `'name ->'` entries become links, `'name =>'` entries
    /// holding a path and an optional property name become property links,
    /// everything else stays a property.
    ///
    /// Entries that look like links but are not valid ones (not a string, an
    /// empty name, a property link with no or more than two words) stay
    /// properties, so no stored data is lost.
    pub fn from_properties(name: impl Into<String>, properties: Map) -> Self {
        let mut node = Self::new(name);
        for (key, value) in properties {
            if let (Some(name), Value::String(target)) = (key.strip_suffix(LINK_SUFFIX), &value) {
                if !name.is_empty() {
                    node.links.insert(name.to_owned(), target.clone());
                    continue;
                }
            }
            if let (Some(name), Value::String(target)) =
                (key.strip_suffix(PROPERTY_LINK_SUFFIX), &value)
            {
                if let (false, Some(link)) = (name.is_empty(), PropertyLink::parse(target)) {
                    node.property_links.insert(name.to_owned(), link);
                    continue;
                }
            }
            node.properties.insert(key, value);
        }
        node
    }

    /// The properties to store in the node's data: the ordinary properties
    /// (in order), then the links as `'name ->': path`, then the property
    /// links as `'name =>': 'path [property]'`.
    ///
    /// `Node::from_properties(name, node.stored_properties())` gives the node
    /// back (without its children).
    pub fn stored_properties(&self) -> Map {
        let mut map = self.properties.clone();
        for (name, target) in &self.links {
            map.insert(format!("{name}{LINK_SUFFIX}"), Value::String(target.clone()));
        }
        for (name, link) in &self.property_links {
            map.insert(format!("{name}{PROPERTY_LINK_SUFFIX}"), Value::String(link.to_string()));
        }
        map
    }

    /// The node's type: its `type` property, if that is a string.
    pub fn node_type(&self) -> Option<&str> {
        self.properties.get(TYPE_PROPERTY).and_then(Value::as_str)
    }

    /// Sets (or with `None` removes) the node's type.
    pub fn set_node_type(&mut self, node_type: Option<&str>) {
        match node_type {
            Some(t) => {
                self.properties.insert(TYPE_PROPERTY.to_owned(), Value::String(t.to_owned()));
            }
            None => {
                self.properties.shift_remove(TYPE_PROPERTY);
            }
        }
    }

    /// This node with its type set to `node_type`.
    pub fn with_type(mut self, node_type: &str) -> Self {
        self.set_node_type(Some(node_type));
        self
    }

    /// This node with the property `name` set to `value`.
    pub fn with_property(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.properties.insert(name.into(), value.into());
        self
    }

    /// This node with a symbolic link `name -> target`.
    pub fn with_link(mut self, name: impl Into<String>, target: impl Into<String>) -> Self {
        self.links.insert(name.into(), target.into());
        self
    }

    /// This node with a property link `name => link`.
    pub fn with_property_link(mut self, name: impl Into<String>, link: PropertyLink) -> Self {
        self.property_links.insert(name.into(), link);
        self
    }

    /// This node with `child` added (replacing a child of the same name).
    pub fn with_child(mut self, child: Node) -> Self {
        self.add_child(child);
        self
    }

    /// Adds `child` under its name, replacing a child of the same name.
    pub fn add_child(&mut self, child: Node) {
        self.children.insert(child.name.clone(), child);
    }

    /// The node at `path` (`a/b/c`, relative to this node), if any.
    pub fn descendant(&self, path: &str) -> Option<&Node> {
        path.split('/')
            .filter(|part| !part.is_empty())
            .try_fold(self, |node, part| node.children.get(part))
    }
}

/// The target of a property link: the property `property` (by default the
/// link's own name) of the node at `path`.
///
/// Stored as the string `"path"` or `"path property"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropertyLink {
    /// The path of the node holding the property; relative paths are
    /// relative to the node holding the link.
    pub path: String,
    /// The linked property's name, when it differs from the link's name.
    pub property: Option<String>,
}

impl PropertyLink {
    /// A link to the property `property` (or, with `None`, the property of
    /// the link's name) of the node at `path`.
    pub fn new(path: impl Into<String>, property: Option<String>) -> Self {
        Self { path: path.into(), property }
    }

    /// Reads a stored property-link value: one or two whitespace-separated
    /// words, as zc.zk reads them (`None` otherwise).
    pub fn parse(text: &str) -> Option<Self> {
        let mut words = text.split(is_python_space).filter(|word| !word.is_empty());
        let path = words.next()?;
        let property = words.next();
        if words.next().is_some() {
            return None;
        }
        Some(Self::new(path, property.map(str::to_owned)))
    }
}

impl fmt::Display for PropertyLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if let Some(property) = &self.property {
            write!(f, " {property}")?;
        }
        Ok(())
    }
}
