//! ZooKeeper's rules for znode paths, as the server's `PathUtils` enforces them.

use std::fmt;

/// Which rule a path breaks. Positions count characters from 0, the leading
/// `/` included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathRule {
    /// The path is empty.
    Empty,
    /// The path does not start with `/`.
    NotAbsolute,
    /// The path ends with `/` (only the root may).
    TrailingSlash,
    /// The path contains a null character.
    NullCharacter {
        /// Where.
        at: usize,
    },
    /// The path contains `//`: an empty znode name.
    EmptyNodeName {
        /// Where the second `/` is.
        at: usize,
    },
    /// A znode name is `.` or `..`.
    RelativePath {
        /// Where the offending `.` is.
        at: usize,
    },
    /// A character ZooKeeper does not allow in names: control characters
    /// U+0001–U+001F and U+007F–U+009F, U+E000–U+F8FF (private use),
    /// U+FFF0–U+FFFF, and anything beyond U+FFFF (a surrogate pair in
    /// Java's UTF-16).
    InvalidCharacter {
        /// Where.
        at: usize,
        /// The character.
        ch: char,
    },
}

impl fmt::Display for PathRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("a path must not be empty"),
            Self::NotAbsolute => f.write_str("a path must start with /"),
            Self::TrailingSlash => f.write_str("a path must not end with /"),
            Self::NullCharacter { at } => write!(f, "null character not allowed at {at}"),
            Self::EmptyNodeName { at } => write!(f, "empty node name at {at}"),
            Self::RelativePath { at } => write!(f, "relative paths (. or ..) not allowed at {at}"),
            Self::InvalidCharacter { at, ch } => {
                write!(f, "invalid character {:?} (U+{:04X}) at {at}", ch, u32::from(*ch))
            }
        }
    }
}

/// A path that ZooKeeper would refuse, and the rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid path {path:?}: {rule}")]
pub struct PathError {
    /// The path as given.
    pub path: String,
    /// The rule it breaks.
    pub rule: PathRule,
}

fn is_invalid_char(c: char) -> bool {
    matches!(u32::from(c),
        0x01..=0x1f | 0x7f..=0x9f | 0xe000..=0xf8ff | 0xfff0..=0xffff | 0x10000..)
}

/// Checks `path` against ZooKeeper's rules for an existing znode's path.
///
/// ```
/// use zookit_proto::{PathRule, validate_path};
///
/// assert!(validate_path("/app/config").is_ok());
/// let err = validate_path("/app//config").unwrap_err();
/// assert_eq!(err.rule, PathRule::EmptyNodeName { at: 5 });
/// ```
pub fn validate_path(path: &str) -> Result<(), PathError> {
    check(path, path).map_err(|rule| PathError { path: path.to_owned(), rule })
}

/// Checks the path given to a sequential create: the server appends a
/// counter, so `/queue/item-` is valid although it would be an unusual name.
pub fn validate_sequential_path(path: &str) -> Result<(), PathError> {
    let completed = format!("{path}1");
    check(path, &completed).map_err(|rule| PathError { path: path.to_owned(), rule })
}

/// Checks `completed` (the path, with a sequence digit for sequential
/// creates); `given` is the path as the caller wrote it.
fn check(given: &str, completed: &str) -> Result<(), PathRule> {
    if given.is_empty() {
        return Err(PathRule::Empty);
    }
    if !completed.starts_with('/') {
        return Err(PathRule::NotAbsolute);
    }
    if completed.len() == 1 {
        return Ok(());
    }
    if completed.ends_with('/') {
        return Err(PathRule::TrailingSlash);
    }
    // One pass, no allocation: the rules look one character back for
    // `//`, two back and one ahead for `.` and `..` names.
    let mut chars = completed.chars().skip(1).enumerate().peekable();
    let (mut before_last, mut last) = ('\0', '/');
    while let Some((index, c)) = chars.next() {
        let i = index + 1;
        let name_ends_after = chars.peek().is_none_or(|&(_, next)| next == '/');
        match c {
            '\0' => return Err(PathRule::NullCharacter { at: i }),
            '/' if last == '/' => return Err(PathRule::EmptyNodeName { at: i }),
            '.' if last == '.' && i >= 2 && before_last == '/' && name_ends_after => {
                return Err(PathRule::RelativePath { at: i });
            }
            '.' if last == '/' && name_ends_after => return Err(PathRule::RelativePath { at: i }),
            '.' => {}
            c if is_invalid_char(c) => return Err(PathRule::InvalidCharacter { at: i, ch: c }),
            _ => {}
        }
        before_last = last;
        last = c;
    }
    Ok(())
}

/// The path of `name` below `parent`: `/a` and `b` give `/a/b`, `/` and `b`
/// give `/b`. Neither is checked.
pub fn join_path(parent: &str, name: &str) -> String {
    if parent.ends_with('/') { format!("{parent}{name}") } else { format!("{parent}/{name}") }
}

/// The parent of `path`: `/a/b` gives `/a`, `/a` gives `/`, and the root
/// has none.
pub fn parent_path(path: &str) -> Option<&str> {
    match path.rfind('/') {
        Some(0) if path.len() > 1 => Some("/"),
        Some(0) | None => None,
        Some(i) => Some(&path[..i]),
    }
}

/// The last name of `path`: `/a/b` gives `b`; the root's is empty.
pub fn last_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether `path` is `root` or below it (`/a/b` is below `/a`, `/ab` is not).
pub fn is_within(root: &str, path: &str) -> bool {
    root == "/"
        || path == root
        || (path.len() > root.len()
            && path.starts_with(root)
            && path.as_bytes()[root.len()] == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(path: &str) -> Option<PathRule> {
        validate_path(path).err().map(|e| e.rule)
    }

    #[test]
    fn valid_paths() {
        for path in ["/", "/a", "/a/b", "/a.b", "/..a", "/a..", "/...", "/a/.b", "/é", "/zookeeper"]
        {
            assert_eq!(rule(path), None, "{path}");
        }
    }

    #[test]
    fn each_rule_is_named() {
        assert_eq!(rule(""), Some(PathRule::Empty));
        assert_eq!(rule("a/b"), Some(PathRule::NotAbsolute));
        assert_eq!(rule("/a/"), Some(PathRule::TrailingSlash));
        assert_eq!(rule("/a\0b"), Some(PathRule::NullCharacter { at: 2 }));
        assert_eq!(rule("/a//b"), Some(PathRule::EmptyNodeName { at: 3 }));
        assert_eq!(rule("/a/./b"), Some(PathRule::RelativePath { at: 3 }));
        assert_eq!(rule("/a/.."), Some(PathRule::RelativePath { at: 4 }));
        assert_eq!(rule("/."), Some(PathRule::RelativePath { at: 1 }));
        assert_eq!(rule("/a\u{1}"), Some(PathRule::InvalidCharacter { at: 2, ch: '\u{1}' }));
        assert_eq!(rule("/\u{85}"), Some(PathRule::InvalidCharacter { at: 1, ch: '\u{85}' }));
        assert_eq!(rule("/\u{e000}"), Some(PathRule::InvalidCharacter { at: 1, ch: '\u{e000}' }));
        assert_eq!(rule("/\u{fff0}"), Some(PathRule::InvalidCharacter { at: 1, ch: '\u{fff0}' }));
        assert_eq!(rule("/😀"), Some(PathRule::InvalidCharacter { at: 1, ch: '😀' }));
    }

    #[test]
    fn errors_name_the_path_and_the_rule() {
        let err = validate_path("/a//b").unwrap_err();
        assert_eq!(err.to_string(), "invalid path \"/a//b\": empty node name at 3");
    }

    /// PathUtils.validatePath, transcribed index for index.
    fn reference(path: &str) -> Option<PathRule> {
        if path.is_empty() {
            return Some(PathRule::Empty);
        }
        if !path.starts_with('/') {
            return Some(PathRule::NotAbsolute);
        }
        if path.len() == 1 {
            return None;
        }
        if path.ends_with('/') {
            return Some(PathRule::TrailingSlash);
        }
        let chars: Vec<char> = path.chars().collect();
        let mut lastc = '/';
        for i in 1..chars.len() {
            let c = chars[i];
            let ends = i + 1 == chars.len() || chars[i + 1] == '/';
            if c == '\0' {
                return Some(PathRule::NullCharacter { at: i });
            } else if c == '/' && lastc == '/' {
                return Some(PathRule::EmptyNodeName { at: i });
            } else if c == '.' && lastc == '.' {
                if chars[i - 2] == '/' && ends {
                    return Some(PathRule::RelativePath { at: i });
                }
            } else if c == '.' {
                if chars[i - 1] == '/' && ends {
                    return Some(PathRule::RelativePath { at: i });
                }
            } else if is_invalid_char(c) {
                return Some(PathRule::InvalidCharacter { at: i, ch: c });
            }
            lastc = c;
        }
        None
    }

    proptest::proptest! {
        #[test]
        fn the_one_pass_check_agrees_with_path_utils(path in "[/a.\u{0}\u{1}é😀]{0,8}") {
            proptest::prop_assert_eq!(rule(&path), reference(&path));
        }
    }

    #[test]
    fn sequential_paths_may_end_with_a_slash() {
        assert!(validate_sequential_path("/queue/").is_ok());
        assert!(validate_sequential_path("/queue/item-").is_ok());
        assert_eq!(validate_sequential_path("").unwrap_err().rule, PathRule::Empty,);
        assert_eq!(
            validate_sequential_path("/a//").unwrap_err().rule,
            PathRule::EmptyNodeName { at: 3 },
        );
    }

    #[test]
    fn names_of_paths() {
        assert_eq!(join_path("/", "a"), "/a");
        assert_eq!(join_path("/a", "b"), "/a/b");
        assert_eq!(parent_path("/a/b/c"), Some("/a/b"));
        assert_eq!(parent_path("/a"), Some("/"));
        assert_eq!(parent_path("/"), None);
        assert_eq!(last_name("/a/b"), "b");
        assert_eq!(last_name("/a"), "a");
        assert_eq!(last_name("/"), "");
        assert!(is_within("/a", "/a") && is_within("/a", "/a/b") && is_within("/", "/x"));
        assert!(!is_within("/a", "/ab") && !is_within("/a/b", "/a"));
    }
}
