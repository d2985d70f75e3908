//! `watch`: prints the changes of a node, of its subtree (`--recursive`) or
//! of its children (`--children`) as they happen, until interrupted.

use serde_json::json;
use zookit::{AddWatchMode, Client, WatchedEvent};

use crate::cli::WatchArgs;
use crate::connect::Context;
use crate::error::{CliError, Result};
use crate::format::now;
use crate::signals::interrupted;

/// Runs `watch`.
pub(crate) async fn run(ctx: &Context, args: WatchArgs) -> Result<()> {
    let client = ctx.client().await?;
    if args.children {
        return children(ctx, client, &args.path).await;
    }
    let mode =
        if args.recursive { AddWatchMode::PersistentRecursive } else { AddWatchMode::Persistent };
    let mut watch = client.add_watch(&args.path, mode).await?;
    ready(ctx, &format!("{}{}", args.path, if args.recursive { " and below" } else { "" }));
    let stop = interrupted();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return Ok(()),
            event = watch.next() => match event {
                Some(event) if !event.is_terminal() => print_event(ctx, &event)?,
                Some(event) => return Err(ended(&format!("{:?}", event.state))),
                None => return Err(ended("closed")),
            },
        }
    }
}

/// Prints the children now and after every change.
async fn children(ctx: &Context, client: &Client, path: &str) -> Result<()> {
    if client.exists(path).await?.is_none() {
        return Err(CliError::no_node("exists", path));
    }
    let mut updates = client.watch_children(path)?;
    ready(ctx, &format!("the children of {path}"));
    let stop = interrupted();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return Ok(()),
            update = updates.next() => match update {
                Some(update) => {
                    if ctx.out.json_mode() {
                        ctx.out.json_line(&json!({
                            "time": now(), "path": path, "children": update.children,
                        }))?;
                    } else {
                        let names = if update.children.is_empty() {
                            "(no children)".to_owned()
                        } else {
                            update.children.join(", ")
                        };
                        ctx.out.line(format!("{} {path}: {names}", now()))?;
                    }
                }
                None if client.connected() && client.exists(path).await?.is_none() => {
                    let deleted = WatchedEvent {
                        event_type: zookit::EventType::NodeDeleted,
                        state: zookit::KeeperState::SyncConnected,
                        path: Some(path.to_owned()),
                    };
                    return print_event(ctx, &deleted);
                }
                None => return Err(ended("closed")),
            },
        }
    }
}

/// Tells the user the watch is set (on standard error, unless `--quiet`).
fn ready(ctx: &Context, what: &str) {
    if !ctx.out.quiet() {
        eprintln!("watching {what} (Ctrl-C to stop)");
    }
}

fn print_event(ctx: &Context, event: &WatchedEvent) -> Result<()> {
    let kind = format!("{:?}", event.event_type);
    let path = event.path.as_deref().unwrap_or("");
    if ctx.out.json_mode() {
        ctx.out.json_line(&json!({"time": now(), "event": kind, "path": path}))
    } else {
        ctx.out.line(format!("{} {kind} {path}", now()))
    }
}

fn ended(state: &str) -> CliError {
    CliError::failed(format!("the session ended ({state}); the watch is gone"))
}
