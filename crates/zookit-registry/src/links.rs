//! Symbolic links: resolving a path to the real node, and `ln`.

use std::future::Future;
use std::pin::Pin;

use zookit::{join_path, last_name};

use crate::tree::{LINK_SUFFIX, normalize_path, resolve_link_target};
use crate::value::{Value, decode_node_data, encode_node_data};
use crate::{Error, Result, ZooKeeper};

impl ZooKeeper {
    /// The real path of `path`, following symbolic links (`name -> target`
    /// properties) wherever a node lacks a child: a real child shadows a
    /// link of the same name. Relative targets are relative to the linking
    /// node; `.` and `..` have their usual meanings. A loop of links is an
    /// [`Error::LinkLoop`]; a path that resolves nowhere an [`Error::NoNode`].
    pub async fn resolve(&self, path: &str) -> Result<String> {
        let mut seen = Vec::new();
        self.resolve_seen(normalize_path(path), &mut seen).await
    }

    fn resolve_seen<'a>(
        &'a self,
        path: String,
        seen: &'a mut Vec<String>,
    ) -> Pin<Box<dyn Future<Output = Result<String>> + Send + 'a>> {
        Box::pin(async move {
            if self.client().exists(&path).await?.is_some() {
                return Ok(path);
            }
            let Some((base, name)) = path.rsplit_once('/').filter(|(_, name)| !name.is_empty())
            else {
                return Err(Error::NoNode { path });
            };
            let base = if base.is_empty() { "/".to_owned() } else { base.to_owned() };
            let base = self.resolve_seen(base, seen).await?;
            let candidate = join_path(&base, name);
            if self.client().exists(&candidate).await?.is_some() {
                return Ok(candidate);
            }
            let (data, _) = match self.client().get(&base).await {
                Ok(found) => found,
                Err(e) if e.is_no_node() => return Err(Error::NoNode { path }),
                Err(e) => return Err(e.into()),
            };
            let properties = decode_node_data(&data);
            let Some(Value::String(target)) = properties.get(&format!("{name}{LINK_SUFFIX}"))
            else {
                return Err(Error::NoNode { path });
            };
            let target = resolve_link_target(&base, target);
            seen.push(path);
            if seen.contains(&target) {
                let mut cycle = seen.clone();
                cycle.push(target);
                return Err(Error::LinkLoop(cycle));
            }
            self.resolve_seen(target, seen).await
        })
    }

    /// Makes a symbolic link at `source` pointing to `target` (zc.zk's
    /// `ln(target, source)`): a `name ->` property on `source`'s parent. If
    /// `source` ends with `/`, the target's name is appended.
    pub async fn ln(&self, target: &str, source: &str) -> Result<()> {
        let source = match source.strip_suffix('/') {
            Some(dir) => join_path(dir, last_name(target)),
            None => source.to_owned(),
        };
        let Some((parent, name)) = source.rsplit_once('/').filter(|(_, name)| !name.is_empty())
        else {
            return Err(Error::NoNode { path: source });
        };
        let parent = self.resolve(if parent.is_empty() { "/" } else { parent }).await?;
        let (data, stat) = self.client().get(&parent).await?;
        let mut properties = decode_node_data(&data);
        properties.insert(format!("{name}{LINK_SUFFIX}"), Value::String(target.to_owned()));
        self.client().set(&parent, encode_node_data(&properties)).version(stat.version).await?;
        Ok(())
    }
}
