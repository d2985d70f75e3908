//! `ls`: a node's children, with `-l` their stats, with `-R` the subtree.

use futures_util::future::join_all;
use serde_json::{Value, json};
use zookit::Stat;
use zookit::join_path;

use crate::cli::LsArgs;
use crate::connect::Context;
use crate::error::Result;
use crate::format::{format_time, node_kind, stat_json};
use crate::progress::Progress;
use crate::subtree::Subtree;

/// Runs `ls`.
pub(crate) async fn run(ctx: &Context, args: LsArgs) -> Result<()> {
    let client = ctx.client().await?;
    if args.recursive {
        let progress = Progress::spinner(&ctx.out, format!("listing {}", args.path));
        let tree = Subtree::read(client, &args.path, false, &progress).await?;
        drop(progress);
        let rows: Vec<(String, Stat)> =
            tree.pre_order().into_iter().map(|(path, entry)| (path, entry.stat)).collect();
        return if ctx.out.json_mode() {
            let rows: Vec<Value> = if args.long {
                rows.iter()
                    .map(|(path, stat)| json!({"path": path, "stat": stat_json(stat)}))
                    .collect()
            } else {
                rows.into_iter().map(|(path, _)| path.into()).collect()
            };
            ctx.out.json(&Value::Array(rows))
        } else if args.long {
            ctx.out.text(&long_listing(&rows))
        } else {
            ctx.out.lines(rows.iter().map(|(path, _)| path))
        };
    }
    let mut children = client.get_children(&args.path).await?;
    children.sort_unstable();
    if !args.long {
        return if ctx.out.json_mode() {
            ctx.out.json(&json!(children))
        } else {
            ctx.out.lines(&children)
        };
    }
    let stats = join_all(children.iter().map(|name| {
        let path = join_path(&args.path, name);
        async move { client.exists(&path).await }
    }))
    .await;
    let mut rows = Vec::with_capacity(children.len());
    for (name, stat) in children.into_iter().zip(stats) {
        // A child deleted since the listing is left out.
        if let Some(stat) = stat? {
            rows.push((name, stat));
        }
    }
    if ctx.out.json_mode() {
        let rows: Vec<Value> = rows
            .iter()
            .map(|(name, stat)| {
                json!({"name": name, "path": join_path(&args.path, name), "stat": stat_json(stat)})
            })
            .collect();
        ctx.out.json(&Value::Array(rows))
    } else {
        ctx.out.text(&long_listing(&rows))
    }
}

/// The long listing: kind, data version, number of children, data length,
/// modification time (UTC) and name, in aligned columns under a header.
fn long_listing(rows: &[(String, Stat)]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let header = ["KIND", "VERSION", "CHILDREN", "BYTES", "MODIFIED", "NAME"].map(str::to_owned);
    let cells: Vec<[String; 6]> = std::iter::once(header)
        .chain(rows.iter().map(|(name, stat)| {
            [
                node_kind(stat).to_owned(),
                stat.version.to_string(),
                stat.num_children.to_string(),
                stat.data_length.to_string(),
                format_time(stat.mtime),
                name.clone(),
            ]
        }))
        .collect();
    let mut widths = [0; 5];
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    for [kind, version, children, bytes, mtime, name] in cells {
        out.push_str(&format!(
            "{kind:<w0$}  {version:>w1$}  {children:>w2$}  {bytes:>w3$}  {mtime:<w4$}  {name}\n",
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4],
        ));
    }
    out
}
