//! Live properties (zc.zk's `Properties`): a node's JSON data as a mapping,
//! kept current, with callbacks, and property links followed.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::callbacks::{Callback, CallbackResult, Callbacks, callback};
use super::{Relocated, relocate};
use crate::tree::{PROPERTY_LINK_SUFFIX, PropertyLink, resolve_link_target};
use crate::value::{Map, Value, decode_node_data, encode_node_data};
use crate::zk::WeakZooKeeper;
use crate::{Error, Result, ZooKeeper};

/// The properties of a node (zc.zk's `Properties`), from
/// [`ZooKeeper::properties`]: its JSON data as a read-only mapping, kept
/// current (unless made with `watch = false`), with callbacks, and writes
/// through [`update`](Self::update), [`set`](Self::set) and
/// [`insert`](Self::insert).
///
/// A property link `name => path [property]` makes [`get`](Self::get)
/// of `name` answer the linked node's property (a real property of the same
/// name wins); a change of a linked node notifies the callbacks.
#[derive(Clone)]
pub struct Properties {
    shared: Arc<Shared>,
}

struct Shared {
    zk: WeakZooKeeper,
    path: String,
    watch: bool,
    state: Mutex<State>,
    callbacks: Callbacks<Properties>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

struct State {
    real_path: String,
    data: Map,
    /// The properties of nodes property links lead to, by real path.
    linked: BTreeMap<String, Map>,
    /// The real path of each link target path (absolute, normalized).
    targets: BTreeMap<String, String>,
    deleted: bool,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Ok(tasks) = self.tasks.get_mut() {
            for task in tasks.drain(..) {
                task.abort();
            }
        }
    }
}

/// What a node's property links lead to: target paths resolved, and the
/// linked nodes' properties.
#[derive(Default)]
struct Links {
    targets: BTreeMap<String, String>,
    linked: BTreeMap<String, Map>,
}

/// Follows every property link from `properties` (of the node at
/// `holder`), transitively: resolves their targets and reads the linked
/// nodes. Refuses loops and links that lead nowhere.
fn follow_links<'a>(
    zk: &'a ZooKeeper,
    holder: String,
    properties: Map,
    links: &'a mut Links,
    chain: Vec<(String, String)>,
) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>> {
    Box::pin(async move {
        for (key, value) in &properties {
            let Some(name) = key.strip_suffix(PROPERTY_LINK_SUFFIX) else { continue };
            if properties.contains_key(name) {
                continue; // a real property wins
            }
            let bad = |reason: &str| Error::BadPropertyLink {
                name: name.to_owned(),
                target: value.as_str().unwrap_or_default().to_owned(),
                reason: reason.to_owned(),
            };
            let link = value
                .as_str()
                .and_then(PropertyLink::parse)
                .ok_or_else(|| bad("not a path and property"))?;
            let target = resolve_link_target(&holder, &link.path);
            let real = match links.targets.get(&target) {
                Some(real) => real.clone(),
                None => {
                    let real = zk.resolve(&target).await.map_err(|e| bad(&e.to_string()))?;
                    links.targets.insert(target, real.clone());
                    real
                }
            };
            let property = link.property.unwrap_or_else(|| name.to_owned());
            let step = (real.clone(), property.clone());
            if chain.contains(&step) {
                let mut cycle: Vec<String> =
                    chain.iter().map(|(p, n)| format!("{p} {n}")).collect();
                cycle.push(format!("{} {}", step.0, step.1));
                return Err(Error::LinkLoop(cycle));
            }
            if !links.linked.contains_key(&real) {
                let (data, _) = zk.client().get(&real).await.map_err(|e| bad(&e.to_string()))?;
                links.linked.insert(real.clone(), decode_node_data(&data));
            }
            let target_properties = links.linked[&real].clone();
            let mut chain = chain.clone();
            chain.push(step);
            if !target_properties.contains_key(&property)
                && !target_properties.contains_key(&format!("{property}{PROPERTY_LINK_SUFFIX}"))
            {
                return Err(bad(&format!("{real} has no property {property}")));
            }
            // Follow only the linked property itself further.
            let mut next = Map::new();
            if let Some(v) = target_properties.get(&format!("{property}{PROPERTY_LINK_SUFFIX}")) {
                if !target_properties.contains_key(&property) {
                    next.insert(format!("{property}{PROPERTY_LINK_SUFFIX}"), v.clone());
                }
            }
            follow_links(zk, real, next, links, chain).await?;
        }
        Ok(())
    })
}

impl Properties {
    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The path given to [`ZooKeeper::properties`].
    pub fn path(&self) -> &str {
        &self.shared.path
    }

    /// The path after resolving symbolic links.
    pub fn real_path(&self) -> String {
        self.state().real_path.clone()
    }

    /// The value of `key`: the node's own property, or, through a property
    /// link `key => path [property]`, the linked node's.
    pub fn get(&self, key: &str) -> Option<Value> {
        let state = self.state();
        lookup(&state, &state.real_path, &state.data, key, 0)
    }

    /// The node's own properties (property links as `name =>` entries).
    pub fn to_map(&self) -> Map {
        self.state().data.clone()
    }

    /// The names of the node's own properties, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.state().data.keys().cloned().collect();
        keys.sort();
        keys
    }

    /// The number of the node's own properties.
    pub fn len(&self) -> usize {
        self.state().data.len()
    }

    /// Whether the node has no properties.
    pub fn is_empty(&self) -> bool {
        self.state().data.is_empty()
    }

    /// Whether the node has the property `key` (its own).
    pub fn contains_key(&self, key: &str) -> bool {
        self.state().data.contains_key(key)
    }

    /// Adds or replaces the given properties, keeping the others.
    pub async fn update(&self, properties: Map) -> Result<()> {
        let mut data = self.to_map();
        data.extend(properties);
        self.write(data).await
    }

    /// Replaces all the properties (those not given are removed).
    pub async fn set(&self, properties: Map) -> Result<()> {
        self.write(properties).await
    }

    /// Sets one property.
    pub async fn insert(&self, key: impl Into<String>, value: impl Into<Value>) -> Result<()> {
        let mut properties = Map::new();
        properties.insert(key.into(), value.into());
        self.update(properties).await
    }

    /// Writes `data` as the node's properties after checking its property
    /// links (a loop or a link leading nowhere is refused, and nothing is
    /// written).
    async fn write(&self, data: Map) -> Result<()> {
        let zk = self.shared.zk.upgrade().ok_or(Error::Closed)?;
        let (real_path, deleted) = {
            let state = self.state();
            (state.real_path.clone(), state.deleted)
        };
        if deleted {
            return Err(Error::Deleted { path: self.shared.path.clone() });
        }
        follow_links(&zk, real_path.clone(), data.clone(), &mut Links::default(), Vec::new())
            .await?;
        let encoded = encode_node_data(&data);
        zk.client().set(&real_path, &encoded).await?;
        if !self.shared.watch {
            self.state().data = data;
        }
        Ok(())
    }

    /// Calls `callback` with these properties at once and whenever they (or
    /// a linked node's) change, and, cleared, when the node is deleted for
    /// good. Refused for properties made with `watch = false`. A callback
    /// that returns an error or panics is removed and logged.
    pub fn on_change<R: CallbackResult>(
        &self,
        callback_fn: impl FnMut(&Properties) -> R + Send + 'static,
    ) -> Result<()> {
        self.add_callback(callback(callback_fn))
    }

    /// Calls `callback` at once, here, and keeps it unless it failed;
    /// refused without watching.
    pub(crate) fn add_callback(&self, callback: Callback<Properties>) -> Result<()> {
        if !self.shared.watch {
            return Err(Error::NotWatching);
        }
        self.shared.callbacks.add(callback, self);
        Ok(())
    }

    async fn notify(&self) {
        self.shared.callbacks.notify(self.clone()).await;
    }
}

/// The value of `key` on the node at `path` with `properties`, following
/// property links through the loaded linked nodes.
fn lookup(state: &State, path: &str, properties: &Map, key: &str, depth: usize) -> Option<Value> {
    if let Some(value) = properties.get(key) {
        return Some(value.clone());
    }
    if depth > 64 {
        return None;
    }
    let link = properties
        .get(&format!("{key}{PROPERTY_LINK_SUFFIX}"))?
        .as_str()
        .and_then(PropertyLink::parse)?;
    let real = state.targets.get(&resolve_link_target(path, &link.path))?;
    let linked = state.linked.get(real)?;
    lookup(state, real, linked, link.property.as_deref().unwrap_or(key), depth + 1)
}

impl std::fmt::Debug for Properties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("Properties")
            .field("path", &self.shared.path)
            .field("real_path", &state.real_path)
            .field("data", &state.data)
            .finish()
    }
}

impl ZooKeeper {
    /// The properties of the node at `path` (resolved through links). With
    /// `watch`, they are kept current and callbacks may be added; without,
    /// they are read once (writes still work).
    ///
    /// ```no_run
    /// # async fn example(zk: zookit_registry::ZooKeeper) -> zookit_registry::Result<()> {
    /// let data = zk.properties("/fooservice", true).await?;
    /// println!("threads: {:?}", data.get("threads"));
    /// data.on_change(|data| println!("data updated: {:?}", data.to_map()))?;
    /// data.insert("threads", 2).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn properties(&self, path: &str, watch: bool) -> Result<Properties> {
        let real_path = self.resolve(path).await?;
        let (raw, _) = self.client().get(&real_path).await?;
        let data = decode_node_data(&raw);
        let mut links = Links::default();
        if let Err(err) =
            follow_links(self, real_path.clone(), data.clone(), &mut links, Vec::new()).await
        {
            tracing::warn!(path, %err, "a property link can't be followed");
        }
        let shared = Arc::new(Shared {
            zk: self.downgrade(),
            path: path.to_owned(),
            watch,
            state: Mutex::new(State {
                real_path,
                data,
                linked: links.linked,
                targets: links.targets,
                deleted: false,
            }),
            callbacks: Callbacks::new(path, self.runner().clone()),
            tasks: Mutex::new(Vec::new()),
        });
        if watch {
            let task = tokio::spawn(keep_current(self.downgrade(), Arc::downgrade(&shared)));
            shared.tasks.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(task);
        }
        Ok(Properties { shared })
    }

    /// The properties of the node at `path`, read once, as a map.
    pub async fn get_properties(&self, path: &str) -> Result<Map> {
        let real_path = self.resolve(path).await?;
        let (raw, _) = self.client().get(&real_path).await?;
        Ok(decode_node_data(&raw))
    }
}

/// How following a node ended.
enum Followed {
    /// The properties or the helper are gone.
    Stop,
    /// The node was deleted.
    NodeGone,
}

/// Follows the node's data and the linked nodes' data; on the node's
/// deletion resolves the path again, or clears the properties.
async fn keep_current(zk: WeakZooKeeper, shared: Weak<Shared>) {
    loop {
        if let Followed::Stop = follow_node(&zk, &shared).await {
            return;
        }
        // The node is gone: does the path lead elsewhere now?
        let Some(helper) = zk.upgrade() else { return };
        let Some(properties) = shared.upgrade().map(|shared| Properties { shared }) else { return };
        match relocate(&helper, properties.path(), "properties").await {
            Relocated::To(real_path) => {
                let Ok((raw, _)) = helper.client().get(&real_path).await else { continue };
                {
                    let mut state = properties.state();
                    state.real_path = real_path;
                    state.data = decode_node_data(&raw);
                }
                properties.notify().await;
            }
            Relocated::Nowhere => {
                {
                    let mut state = properties.state();
                    state.data = Map::new();
                    state.deleted = true;
                }
                properties.notify().await;
                return;
            }
            Relocated::Unknown => return,
        }
    }
}

/// Follows the node at the properties' real path until it is deleted.
async fn follow_node(zk: &WeakZooKeeper, shared: &Weak<Shared>) -> Followed {
    let Some(properties) = shared.upgrade().map(|shared| Properties { shared }) else {
        return Followed::Stop;
    };
    let Some(client) = zk.upgrade().map(|zk| zk.client().clone()) else { return Followed::Stop };
    let Ok(mut node) = client.watch_data(&properties.real_path()) else { return Followed::Stop };
    drop((properties, client));
    let (linked_sender, mut linked_changes) = mpsc::unbounded_channel::<(String, Map)>();
    let mut watching: BTreeMap<String, JoinHandle<()>> = BTreeMap::new();
    let followed = loop {
        tokio::select! {
            update = node.next() => {
                let Some(update) = update else { break Followed::Stop };
                let Some(data) = update.data else { break Followed::NodeGone };
                let Some(properties) = shared.upgrade().map(|shared| Properties { shared }) else { break Followed::Stop };
                let Some(helper) = zk.upgrade() else { break Followed::Stop };
                let data = decode_node_data(&data);
                if properties.to_map() != data {
                    let mut links = Links::default();
                    let followed = follow_links(&helper, properties.real_path(), data.clone(), &mut links, Vec::new()).await;
                    if let Err(err) = followed {
                        tracing::warn!(path = properties.path(), %err, "a property link can't be followed");
                    }
                    {
                        let mut state = properties.state();
                        state.data = data;
                        state.linked = links.linked;
                        state.targets = links.targets;
                    }
                    properties.notify().await;
                }
                follow_linked_nodes(zk, &properties, &mut watching, &linked_sender);
            }
            Some((path, data)) = linked_changes.recv() => {
                let Some(properties) = shared.upgrade().map(|shared| Properties { shared }) else { break Followed::Stop };
                let changed = {
                    let mut state = properties.state();
                    let changed = state.linked.get(&path) != Some(&data);
                    state.linked.insert(path, data);
                    changed
                };
                if changed {
                    properties.notify().await;
                }
            }
        }
    };
    for task in watching.into_values() {
        task.abort();
    }
    followed
}

/// Starts following every linked node not followed yet; stops following
/// those no longer linked.
fn follow_linked_nodes(
    zk: &WeakZooKeeper,
    properties: &Properties,
    watching: &mut BTreeMap<String, JoinHandle<()>>,
    changes: &mpsc::UnboundedSender<(String, Map)>,
) {
    let wanted: BTreeSet<String> = properties.state().linked.keys().cloned().collect();
    watching.retain(|path, task| {
        let keep = wanted.contains(path);
        if !keep {
            task.abort();
        }
        keep
    });
    let Some(client) = zk.upgrade().map(|zk| zk.client().clone()) else { return };
    for path in wanted {
        if watching.contains_key(&path) {
            continue;
        }
        let Ok(mut stream) = client.watch_data(&path) else { continue };
        let changes = changes.clone();
        let followed = path.clone();
        watching.insert(
            path,
            tokio::spawn(async move {
                while let Some(update) = stream.next().await {
                    let data = update.data.map(|d| decode_node_data(&d)).unwrap_or_default();
                    if changes.send((followed.clone(), data)).is_err() {
                        return;
                    }
                }
            }),
        );
    }
}
