//! What a persistent watch on one znode missed while the client was away.
//!
//! After a reconnect, ZooKeeper re-adds persistent watches without telling
//! what changed meanwhile (it does so only for one-shot watches). So the
//! session reads the stat of each znode with a persistent watcher, sent
//! after the watch is registered again, and works out the events the server
//! did not send from:
//!
//! - what it knew before the disconnection (whether the znode existed),
//! - the last zxid it had seen then (`since`): a change after it was missed,
//! - the events the server sent between the new registration and the read's
//!   answer (held back meanwhile, delivered after the missed ones), and
//! - the stat the read found.
//!
//! Each missed kind of change is told once; a kind the held-back events
//! already tell is not told twice.

use zookit_proto::{EventType, Stat};

/// The events a persistent watch on one znode missed, in the order to
/// deliver them (before the `held` ones).
///
/// `known` is whether the znode existed before the disconnection (`None`
/// when the session never learnt it: then a deletion cannot be told);
/// `since` the last zxid seen before it; `held` the types of the events
/// received since the watch was registered again, in order; `now` the stat
/// read after that registration (`None`: the znode does not exist).
pub(crate) fn missed_events(
    known: Option<bool>,
    since: i64,
    held: &[EventType],
    now: Option<&Stat>,
) -> Vec<EventType> {
    let told = |event_type: EventType| held.contains(&event_type);
    // A creation or deletion after the registration: the stat read describes
    // a later incarnation, which says nothing of the time before it.
    let replaced_since = told(EventType::NodeCreated) || told(EventType::NodeDeleted);
    // Whether the znode existed when the watch was registered again.
    let existed = match held.first() {
        Some(EventType::NodeCreated) => false,
        Some(_) => true,
        None => now.is_some(),
    };
    // The stat of the znode as it was at the registration, when known.
    let stat = now.filter(|_| existed && !replaced_since);
    let created_since = stat.is_some_and(|s| s.czxid > since);

    let mut missed = Vec::new();
    match (known, existed) {
        (Some(false), true) => missed.push(EventType::NodeCreated),
        (Some(true), false) => missed.push(EventType::NodeDeleted),
        (Some(true), true) if created_since => {
            missed.extend([EventType::NodeDeleted, EventType::NodeCreated])
        }
        (None, true) if created_since => missed.push(EventType::NodeCreated),
        _ => {}
    }
    if let Some(stat) = stat {
        // A zxid equal to `czxid` is the creation itself, told above.
        if stat.mzxid > since && stat.mzxid != stat.czxid && !told(EventType::NodeDataChanged) {
            missed.push(EventType::NodeDataChanged);
        }
        if stat.pzxid > since && stat.pzxid != stat.czxid && !told(EventType::NodeChildrenChanged) {
            missed.push(EventType::NodeChildrenChanged);
        }
    }
    missed
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventType::{NodeChildrenChanged, NodeCreated, NodeDataChanged, NodeDeleted};

    fn stat(czxid: i64, mzxid: i64, pzxid: i64) -> Stat {
        Stat { czxid, mzxid, pzxid, ..Stat::default() }
    }

    #[test]
    fn nothing_changed_nothing_is_told() {
        assert!(missed_events(Some(true), 10, &[], Some(&stat(5, 8, 9))).is_empty());
        assert!(missed_events(Some(false), 10, &[], None).is_empty());
    }

    #[test]
    fn a_data_change_and_a_child_change_while_away() {
        assert_eq!(missed_events(Some(true), 10, &[], Some(&stat(5, 11, 9))), [NodeDataChanged]);
        assert_eq!(
            missed_events(Some(true), 10, &[], Some(&stat(5, 12, 11))),
            [NodeDataChanged, NodeChildrenChanged]
        );
    }

    #[test]
    fn created_deleted_and_replaced_while_away() {
        assert_eq!(missed_events(Some(false), 10, &[], Some(&stat(12, 12, 12))), [NodeCreated]);
        assert_eq!(
            missed_events(Some(false), 10, &[], Some(&stat(12, 13, 14))),
            [NodeCreated, NodeDataChanged, NodeChildrenChanged],
            "created, then its data set and a child added"
        );
        assert_eq!(missed_events(Some(true), 10, &[], None), [NodeDeleted]);
        assert_eq!(
            missed_events(Some(true), 10, &[], Some(&stat(12, 12, 12))),
            [NodeDeleted, NodeCreated],
            "deleted and created again"
        );
    }

    #[test]
    fn what_the_server_told_since_the_registration_is_not_told_twice() {
        // Changed while away and again after the registration: the held
        // NodeDataChanged tells it.
        assert!(
            missed_events(Some(true), 10, &[NodeDataChanged], Some(&stat(5, 14, 9))).is_empty()
        );
        // Created while away, changed after: the creation is missed.
        assert_eq!(
            missed_events(Some(false), 10, &[NodeDataChanged], Some(&stat(12, 14, 12))),
            [NodeCreated]
        );
        // Deleted after the registration, after a data change while away:
        // the deletion tells more than the change.
        assert!(missed_events(Some(true), 10, &[NodeDeleted], None).is_empty());
        // Absent at the registration and created after it: nothing missed.
        assert!(missed_events(Some(false), 10, &[NodeCreated], Some(&stat(15, 15, 15))).is_empty());
        // Deleted while away, created again after the registration.
        assert_eq!(
            missed_events(Some(true), 10, &[NodeCreated], Some(&stat(15, 15, 15))),
            [NodeDeleted]
        );
    }

    #[test]
    fn an_unknown_past_tells_creations_only() {
        assert_eq!(missed_events(None, 10, &[], Some(&stat(12, 12, 12))), [NodeCreated]);
        assert!(missed_events(None, 10, &[], Some(&stat(5, 5, 5))).is_empty());
        assert!(missed_events(None, 10, &[], None).is_empty());
    }
}
