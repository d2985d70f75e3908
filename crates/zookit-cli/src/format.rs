//! Formatting ZooKeeper's values for people and for JSON: stats, times,
//! ACLs, node kinds, hex dumps and trees.

use std::fmt::Write as _;
use zookit::join_path;

use serde_json::{Map, Value, json};
use zookit::{Acl, Perms, Stat, UtcTime};
use zookit_registry::tree::Node;

/// What kind of node a stat describes: `ephemeral` or `persistent` (the
/// server reports container and TTL nodes as persistent ones).
pub(crate) fn node_kind(stat: &Stat) -> &'static str {
    if stat.ephemeral_owner == 0 { "persistent" } else { "ephemeral" }
}

/// A stat as JSON, with ZooKeeper's field names.
pub(crate) fn stat_json(stat: &Stat) -> Value {
    json!({
        "czxid": stat.czxid,
        "mzxid": stat.mzxid,
        "pzxid": stat.pzxid,
        "ctime": stat.ctime,
        "mtime": stat.mtime,
        "version": stat.version,
        "cversion": stat.cversion,
        "aversion": stat.aversion,
        "ephemeralOwner": stat.ephemeral_owner,
        "dataLength": stat.data_length,
        "numChildren": stat.num_children,
        "kind": node_kind(stat),
    })
}

/// A stat as zkCli prints it, with times in UTC.
pub(crate) fn stat_text(stat: &Stat) -> String {
    format!(
        "cZxid = {:#x}\nctime = {}\nmZxid = {:#x}\nmtime = {}\npZxid = {:#x}\ncversion = {}\n\
         dataVersion = {}\naclVersion = {}\nephemeralOwner = {:#x}\ndataLength = {}\n\
         numChildren = {}\n",
        stat.czxid,
        format_time(stat.ctime),
        stat.mzxid,
        format_time(stat.mtime),
        stat.pzxid,
        stat.cversion,
        stat.version,
        stat.aversion,
        stat.ephemeral_owner,
        stat.data_length,
        stat.num_children,
    )
}

/// Milliseconds since the epoch as `2024-05-01T12:00:00.123Z`.
pub(crate) fn format_time(millis: i64) -> String {
    UtcTime::from_millis(millis).to_string()
}

/// The current time, formatted.
pub(crate) fn now() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    format_time(millis)
}

/// Permissions as zkCli's letters, in its order: `cdrwa`.
pub(crate) fn perms_text(perms: Perms) -> String {
    [
        (Perms::CREATE, 'c'),
        (Perms::DELETE, 'd'),
        (Perms::READ, 'r'),
        (Perms::WRITE, 'w'),
        (Perms::ADMIN, 'a'),
    ]
    .into_iter()
    .filter(|(perm, _)| perms.contains(*perm))
    .map(|(_, letter)| letter)
    .collect()
}

/// An ACL entry as `scheme:id:perms`, the form `set-acl` takes.
pub(crate) fn acl_text(acl: &Acl) -> String {
    format!("{}:{}:{}", acl.id.scheme, acl.id.id, perms_text(acl.perms))
}

/// An ACL entry as JSON.
pub(crate) fn acl_json(acl: &Acl) -> Value {
    json!({
        "scheme": acl.id.scheme,
        "id": acl.id.id,
        "perms": perms_text(acl.perms),
        "permsBits": acl.perms.bits(),
    })
}

/// A hex dump, as `hexdump -C` prints one: offset, 16 bytes in hex, the
/// printable ASCII.
pub(crate) fn hex_dump(data: &[u8]) -> String {
    let mut out = String::new();
    for (i, chunk) in data.chunks(16).enumerate() {
        let _ = write!(out, "{:08x} ", i * 16);
        for j in 0..16 {
            if j == 8 {
                out.push(' ');
            }
            match chunk.get(j) {
                Some(byte) => {
                    let _ = write!(out, " {byte:02x}");
                }
                None => out.push_str("   "),
            }
        }
        out.push_str("  |");
        out.extend(
            chunk.iter().map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' }),
        );
        out.push_str("|\n");
    }
    let _ = writeln!(out, "{:08x}", data.len());
    out
}

/// A node of the tree model as JSON: its path, properties (with `type`),
/// links, property links and children by name.
pub(crate) fn tree_json(node: &Node, path: &str) -> Value {
    let links: Map<String, Value> =
        node.links.iter().map(|(name, target)| (name.clone(), target.clone().into())).collect();
    let property_links: Map<String, Value> = node
        .property_links
        .iter()
        .map(|(name, link)| {
            let property = link.property.clone().unwrap_or_else(|| name.clone());
            (name.clone(), json!({"path": link.path, "property": property}))
        })
        .collect();
    let children: Map<String, Value> = node
        .children
        .iter()
        .map(|(name, child)| (name.clone(), tree_json(child, &join_path(path, name))))
        .collect();
    json!({
        "name": node.name,
        "path": path,
        "properties": node.properties,
        "links": links,
        "propertyLinks": property_links,
        "children": children,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time(1_714_564_800_123), "2024-05-01T12:00:00.123Z");
        assert_eq!(format_time(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(format_time(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn kinds_of_nodes() {
        let mut stat = Stat::default();
        assert_eq!(node_kind(&stat), "persistent");
        stat.ephemeral_owner = 0x1000_0000_0000_0001;
        assert_eq!(node_kind(&stat), "ephemeral");
    }

    #[test]
    fn perms_and_acls() {
        assert_eq!(perms_text(Perms::ALL), "cdrwa");
        assert_eq!(perms_text(Perms::READ | Perms::ADMIN), "ra");
        let acl = Acl::new(Perms::READ, zookit::Id::anyone());
        assert_eq!(acl_text(&acl), "world:anyone:r");
    }

    #[test]
    fn hex_dumps() {
        assert_eq!(
            hex_dump(b"{\"a\":1}\x00"),
            "00000000  7b 22 61 22 3a 31 7d 00                           |{\"a\":1}.|\n00000008\n"
        );
        assert_eq!(hex_dump(b""), "00000000\n");
    }
}
