//! `watch`: prints the changes of a node, of its subtree (`--recursive`) or
//! of its children (`--children`) as they happen, until interrupted. A
//! change made while the client was disconnected is printed after the
//! reconnect; the disconnection and the reconnect are noted.

use serde_json::json;
use zookit::{AddWatchMode, Client, EventType, State, StateChanges, WatchedEvent};

use crate::cli::WatchArgs;
use crate::connect::Context;
use crate::error::{CliError, Result};
use crate::format::now;
use crate::progress::Progress;
use crate::signals::interrupted;
use crate::stat_snapshot::StatSnapshot;
use crate::subtree::Subtree;

/// Runs `watch`.
pub(crate) async fn run(ctx: &Context, args: WatchArgs) -> Result<()> {
    let client = ctx.client().await?;
    let mut states = client.state_changes();
    if args.children {
        return children(ctx, client, &args.path, &mut states).await;
    }
    let mode =
        if args.recursive { AddWatchMode::PersistentRecursive } else { AddWatchMode::Persistent };
    let mut watch = client.add_watch(&args.path, mode).await?;
    // Read after the watch is set, so that no change falls between.
    let mut snapshot = match args.recursive {
        true => Some(read_snapshot(ctx, client, &args.path).await?),
        false => None,
    };
    let stop = interrupted();
    ready(ctx, &format!("{}{}", args.path, if args.recursive { " and below" } else { "" }));
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return Ok(()),
            Some(change) = states.next() => note_state(ctx, change.state)?,
            event = watch.next() => match (event, snapshot.as_mut()) {
                (Some(event), Some(snapshot)) if event.is_reset() => {
                    // What changed below while away is unknown: read again.
                    // Cut off again, the next reconnect's reset reads again.
                    match read_snapshot(ctx, client, &args.path).await {
                        Ok(now) => {
                            for (event_type, path) in snapshot.resync(now) {
                                print_change(ctx, event_type, &path)?;
                            }
                        }
                        Err(_) if !client.connected() => {}
                        Err(e) => return Err(e),
                    }
                }
                (Some(event), _) if event.is_reset() => {}
                (Some(event), Some(snapshot)) if !event.is_terminal() => {
                    let path = event.path.clone().unwrap_or_default();
                    // Unread (gone, or cut off), the node's version is unknown.
                    let stat = match event.event_type {
                        EventType::NodeDeleted => None,
                        _ => client.exists(&path).await.ok().flatten(),
                    };
                    if snapshot.apply(event.event_type, &path, stat.as_ref()) {
                        print_event(ctx, &event)?;
                    }
                }
                (Some(event), None) if !event.is_terminal() => print_event(ctx, &event)?,
                (Some(event), _) => return Err(ended(&format!("{:?}", event.state))),
                (None, _) => return Err(ended("closed")),
            },
        }
    }
}

/// The stats of the subtree at `root` (none if it does not exist).
async fn read_snapshot(ctx: &Context, client: &Client, root: &str) -> Result<StatSnapshot> {
    let progress = Progress::spinner(&ctx.out, format!("reading {root}"));
    match Subtree::read(client, root, false, &progress).await {
        Ok(subtree) => Ok(StatSnapshot::new(
            subtree.pre_order().into_iter().map(|(path, entry)| (path, &entry.stat)),
        )),
        Err(e) if e.code == Some("NoNode") => Ok(StatSnapshot::default()),
        Err(e) => Err(e),
    }
}

/// Prints the children now and after every change.
async fn children(
    ctx: &Context,
    client: &Client,
    path: &str,
    states: &mut StateChanges,
) -> Result<()> {
    if client.exists(path).await?.is_none() {
        return Err(CliError::no_node("exists", path));
    }
    let mut updates = client.watch_children(path)?;
    let stop = interrupted();
    ready(ctx, &format!("the children of {path}"));
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return Ok(()),
            Some(change) = states.next() => note_state(ctx, change.state)?,
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
                    return print_change(ctx, EventType::NodeDeleted, path);
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

/// Notes a disconnection or a reconnect: on standard error (unless
/// `--quiet`), or with `--json` as a line `{"time", "state"}` among the
/// events. A lost session ends the watch with its terminal event instead.
fn note_state(ctx: &Context, state: State) -> Result<()> {
    let note = match state {
        State::Suspended => "disconnected",
        State::Connected => "reconnected",
        State::Lost => return Ok(()),
    };
    if ctx.out.json_mode() {
        ctx.out.json_line(&json!({"time": now(), "state": note}))
    } else {
        if !ctx.out.quiet() {
            eprintln!("{} {note}", now());
        }
        Ok(())
    }
}

fn print_event(ctx: &Context, event: &WatchedEvent) -> Result<()> {
    print_change(ctx, event.event_type, event.path.as_deref().unwrap_or(""))
}

fn print_change(ctx: &Context, event_type: EventType, path: &str) -> Result<()> {
    let kind = format!("{event_type:?}");
    if ctx.out.json_mode() {
        ctx.out.json_line(&json!({"time": now(), "event": kind, "path": path}))
    } else {
        ctx.out.line(format!("{} {kind} {path}", now()))
    }
}

fn ended(state: &str) -> CliError {
    CliError::failed(format!("the session ended ({state}); the watch is gone"))
}
