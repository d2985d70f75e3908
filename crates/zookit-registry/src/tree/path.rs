//! Paths of link targets.

/// Removes `.` components and `..` components with what they undo from an
/// absolute path, as zc.zk's `resolve` does before looking a path up:
/// `/a/./b/../c` is `/a/c`. A `..` above the top stays at the top.
///
/// ```
/// use zookit_registry::tree::normalize_path;
///
/// assert_eq!(normalize_path("/a/./b/../c"), "/a/c");
/// assert_eq!(normalize_path("/a/.."), "/");
/// ```
pub fn normalize_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    if parts.is_empty() { "/".to_owned() } else { format!("/{}", parts.join("/")) }
}

/// The absolute, normalized path a link held by the node at `holder` points
/// to: `target` itself if it starts with `/`, otherwise `target` relative to
/// `holder` (zc.zk's rule for symbolic and property links).
///
/// ```
/// use zookit_registry::tree::resolve_link_target;
///
/// assert_eq!(resolve_link_target("/a/b", "../c"), "/a/c");
/// assert_eq!(resolve_link_target("/a/b", "c"), "/a/b/c");
/// assert_eq!(resolve_link_target("/a/b", "/x/./y"), "/x/y");
/// ```
pub fn resolve_link_target(holder: &str, target: &str) -> String {
    if target.starts_with('/') {
        normalize_path(target)
    } else {
        normalize_path(&format!("{holder}/{target}"))
    }
}
