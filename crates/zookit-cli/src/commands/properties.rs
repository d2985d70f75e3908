//! `properties`: a node's properties, its path resolved through symbolic
//! links and its property links followed.

use serde_json::{Map, Value, json};
use zookit_registry::tree::Node;
use zookit_registry::value::python_repr;

use crate::cli::PathArg;
use crate::connect::Context;
use crate::error::Result;

/// Runs `properties`: the tree format's lines (`name = value`, `name ->
/// target`, `name => target`, the latter with the value it leads to).
pub(crate) async fn run(ctx: &Context, args: PathArg) -> Result<()> {
    let zk = ctx.zk().await?;
    let properties = zk.properties(&args.path, false).await?;
    let real_path = properties.real_path();
    let stored = properties.to_map();
    let node = Node::from_properties("", stored.clone());
    if ctx.out.json_mode() {
        let mut values = Map::new();
        let names = node.properties.keys().chain(node.property_links.keys());
        for name in names {
            values.insert(name.clone(), properties.get(name).unwrap_or(Value::Null));
        }
        return ctx.out.json(&json!({
            "path": args.path,
            "realPath": real_path,
            "properties": stored,
            "links": node.links,
            "values": values,
        }));
    }
    let mut lines = Vec::new();
    if real_path != args.path {
        lines.push(format!("# {} -> {real_path}", args.path));
    }
    let mut names: Vec<&String> = node.properties.keys().collect();
    names.sort();
    lines.extend(
        names.into_iter().map(|name| format!("{name} = {}", python_repr(&node.properties[name]))),
    );
    lines.extend(node.links.iter().map(|(name, target)| format!("{name} -> {target}")));
    for (name, link) in &node.property_links {
        let value = match properties.get(name) {
            Some(value) => python_repr(&value),
            None => "not found".to_owned(),
        };
        lines.push(format!("{name} => {link}  # {value}"));
    }
    ctx.out.lines(lines)
}
