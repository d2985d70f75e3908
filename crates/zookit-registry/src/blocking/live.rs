//! Live children and properties of the blocking helper, whose callbacks run
//! on the blocking client's callback thread.

use crate::Result;
use crate::live::callbacks::{CallbackResult, callback};
use crate::value::{Map, Value};

use super::ZooKeeper;

/// The children of a node, kept current (zc.zk's `Children`), from
/// [`ZooKeeper::children`]: the async [`crate::Children`] with blocking
/// callbacks. Cheap to clone; it holds the helper (and its session) until
/// the last clone is dropped.
#[derive(Clone, Debug)]
pub struct Children {
    inner: crate::Children,
    zk: ZooKeeper,
}

impl Children {
    /// The path given to [`ZooKeeper::children`].
    pub fn path(&self) -> &str {
        self.inner.path()
    }

    /// The path after resolving symbolic links; see
    /// [`crate::Children::real_path`].
    pub fn real_path(&self) -> String {
        self.inner.real_path()
    }

    /// The children's names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.inner.names()
    }

    /// The number of children.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether there are no children.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Whether `name` is a child.
    pub fn contains(&self, name: &str) -> bool {
        self.inner.contains(name)
    }

    /// Calls `callback` with these children at once and whenever they
    /// change (zc.zk's `children(callback)`), on the client's callback
    /// thread: it may block and call the helper. Returns once the first
    /// call returned (at once when called from a callback, where the first
    /// call is made in place). A callback that returns an error or panics
    /// is removed and logged.
    ///
    /// Fails within an async runtime, and with a timeout if the callback
    /// thread is busy for longer than the command timeout (the callback is
    /// then still called and kept once the thread gets to it).
    pub fn on_change<R: CallbackResult>(
        &self,
        mut callback_fn: impl FnMut(&Children) -> R + Send + 'static,
    ) -> Result<()> {
        let zk = self.zk.clone();
        let wrapped = callback(move |inner: &crate::Children| {
            callback_fn(&Children { inner: inner.clone(), zk: zk.clone() })
        });
        let inner = self.inner.clone();
        self.zk.on_callback_thread("on_change", move || {
            inner.add_callback(wrapped);
            Ok(())
        })
    }
}

/// The properties of a node (zc.zk's `Properties`), from
/// [`ZooKeeper::properties`]: the async [`crate::Properties`] with blocking
/// writes and callbacks. Cheap to clone; it holds the helper (and its
/// session) until the last clone is dropped.
#[derive(Clone, Debug)]
pub struct Properties {
    inner: crate::Properties,
    zk: ZooKeeper,
}

impl Properties {
    /// The path given to [`ZooKeeper::properties`].
    pub fn path(&self) -> &str {
        self.inner.path()
    }

    /// The path after resolving symbolic links.
    pub fn real_path(&self) -> String {
        self.inner.real_path()
    }

    /// The value of `key`, through property links; see
    /// [`crate::Properties::get`].
    pub fn get(&self, key: &str) -> Option<Value> {
        self.inner.get(key)
    }

    /// The node's own properties.
    pub fn to_map(&self) -> Map {
        self.inner.to_map()
    }

    /// The names of the node's own properties, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.inner.keys()
    }

    /// The number of the node's own properties.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the node has no properties.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Whether the node has the property `key` (its own).
    pub fn contains_key(&self, key: &str) -> bool {
        self.inner.contains_key(key)
    }

    /// Adds or replaces the given properties, keeping the others (zc.zk's
    /// `update`); see [`crate::Properties::update`].
    pub fn update(&self, properties: Map) -> Result<()> {
        let inner = self.inner.clone();
        self.zk.run("update", |_| async move { inner.update(properties).await })
    }

    /// Replaces all the properties (zc.zk's `set`).
    pub fn set(&self, properties: Map) -> Result<()> {
        let inner = self.inner.clone();
        self.zk.run("set", |_| async move { inner.set(properties).await })
    }

    /// Sets one property (zc.zk's `data[key] = value`).
    pub fn insert(&self, key: impl Into<String>, value: impl Into<Value>) -> Result<()> {
        let (inner, key, value) = (self.inner.clone(), key.into(), value.into());
        self.zk.run("insert", |_| async move { inner.insert(key, value).await })
    }

    /// Calls `callback` with these properties at once and whenever they (or
    /// a linked node's) change (zc.zk's `properties(callback)`), on the
    /// client's callback thread, as [`Children::on_change`] does. Refused
    /// for properties made with `watch = false`.
    pub fn on_change<R: CallbackResult>(
        &self,
        mut callback_fn: impl FnMut(&Properties) -> R + Send + 'static,
    ) -> Result<()> {
        let zk = self.zk.clone();
        let wrapped = callback(move |inner: &crate::Properties| {
            callback_fn(&Properties { inner: inner.clone(), zk: zk.clone() })
        });
        let inner = self.inner.clone();
        self.zk.on_callback_thread("on_change", move || inner.add_callback(wrapped))
    }
}

impl ZooKeeper {
    /// The children of the node at `path`, kept current; see
    /// [`crate::ZooKeeper::children`].
    ///
    /// ```no_run
    /// # fn example(zk: zookit_registry::blocking::ZooKeeper) -> zookit_registry::Result<()> {
    /// let addresses = zk.children("/fooservice/providers")?;
    /// println!("{:?} ({} providers)", addresses.names(), addresses.len());
    /// addresses.on_change(|addresses| println!("addresses changed: {:?}", addresses.names()))?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn children(&self, path: &str) -> Result<Children> {
        let path = path.to_owned();
        let inner = self.run("children", |zk| async move { zk.children(&path).await })?;
        Ok(Children { inner, zk: self.clone() })
    }

    /// The properties of the node at `path`, kept current with `watch`;
    /// see [`crate::ZooKeeper::properties`].
    pub fn properties(&self, path: &str, watch: bool) -> Result<Properties> {
        let path = path.to_owned();
        let inner =
            self.run("properties", |zk| async move { zk.properties(&path, watch).await })?;
        Ok(Properties { inner, zk: self.clone() })
    }

    /// The properties of the node at `path`, read once, as a map.
    pub fn get_properties(&self, path: &str) -> Result<Map> {
        let path = path.to_owned();
        self.run("get_properties", |zk| async move { zk.get_properties(&path).await })
    }
}
