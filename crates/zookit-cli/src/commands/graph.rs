//! `graph`: the services a tree models and their links, as Graphviz dot.

use serde_json::{Value, json};
use std::collections::BTreeSet;

use zookit_registry::tree::{Graph, GraphEdgeKind};

use crate::cli::OptionalPathArg;
use crate::connect::Context;
use crate::error::{CliError, Result};

/// Runs `graph`: the whole tree is read, so that links from the services
/// under PATH to services elsewhere are drawn too.
pub(crate) async fn run(ctx: &Context, args: OptionalPathArg) -> Result<()> {
    let zk = ctx.zk().await?;
    if args.path != "/" && zk.exists(&args.path).await?.is_none() {
        return Err(CliError::no_node("exists", &args.path));
    }
    let tree = zk.read_tree("/", false).await?.unwrap_or_default();
    let graph = within(Graph::from_tree(&tree), &args.path);
    if ctx.out.json_mode() {
        ctx.out.json(&graph_json(&graph))
    } else {
        ctx.out.text(&graph.to_dot())
    }
}

/// The part of `graph` about the services under `path`: those services,
/// their links, and the services the links lead to.
fn within(mut graph: Graph, path: &str) -> Graph {
    if path == "/" {
        return graph;
    }
    let prefix = format!("{}/", path.trim_end_matches('/'));
    let inside = |service: &str| service == path || service.starts_with(&prefix);
    graph.edges.retain(|edge| inside(&edge.from));
    let linked: BTreeSet<String> = graph.edges.iter().map(|edge| edge.to.clone()).collect();
    graph.services.retain(|service, _| inside(service) || linked.contains(service));
    graph
}

fn graph_json(graph: &Graph) -> Value {
    let edges: Vec<Value> = graph
        .edges
        .iter()
        .map(|edge| match &edge.kind {
            GraphEdgeKind::Link => {
                json!({"from": edge.from, "to": edge.to, "name": edge.name, "kind": "link"})
            }
            GraphEdgeKind::PropertyLink { property } => json!({
                "from": edge.from, "to": edge.to, "name": edge.name,
                "kind": "propertyLink", "property": property,
            }),
        })
        .collect();
    json!({"services": graph.services, "edges": edges})
}

#[cfg(test)]
mod tests {
    use zookit_registry::tree::parse_tree;

    use super::*;

    #[test]
    fn a_part_keeps_the_links_leaving_it() {
        let tree = parse_tree(
            "/cms\n  /providers\n/lb\n  /pools\n    /cms\n      providers -> /cms/providers\n\
             /other\n  /providers\n",
        )
        .unwrap();
        let graph = within(Graph::from_tree(&tree), "/lb");
        assert_eq!(graph.services.keys().collect::<Vec<_>>(), ["/cms", "/lb/pools/cms"]);
        assert_eq!(graph.edges.len(), 1);
        assert_eq!(within(Graph::from_tree(&tree), "/").services.len(), 3);
        assert!(within(Graph::from_tree(&tree), "/l").services.is_empty());
    }
}
