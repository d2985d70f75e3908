//! What one (stripped) line of a tree text says.
//!
//! zc.zk recognises lines with four regular expressions, tried in this order
//! with Python's `re.match` (anchored at the start, `$` at the end, `\s` and
//! `\S` by Python 3's `str.isspace`):
//!
//! ```text
//! property link  (?P<name>\S+)\s*=>\s*(?P<target>\S+(\s+\S+)?)(\s+(?P<pname>/\S+))?$
//! property       (?P<name>\S+)\s*=\s*(?P<expr>\S.*)$
//! link           (?P<name>\S+)\s*->\s*(?P<target>\S+)$
//! node           /(?P<name>\S+)(\s*:\s*(?P<type>\S.*))?$
//! ```
//!
//! The matchers below give the same answers as those expressions, including
//! their backtracking: `name` is the *longest* prefix of the first word for
//! which the rest matches, so `a==1` is the property `a=` with value `1`,
//! and `/cms:z4m` is a node called `cms:z4m`.

use crate::value::is_python_space;

/// A recognised line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// `name => target`; `target` is one or two words, as written.
    PropertyLink { name: &'a str, target: &'a str },
    /// `name = expression`.
    Property { name: &'a str, expression: &'a str },
    /// `name -> target`.
    Link { name: &'a str, target: &'a str },
    /// `/name` or `/name : type`.
    Node { name: &'a str, node_type: Option<&'a str> },
}

/// Recognises a line already stripped of surrounding whitespace (and not a
/// comment).
pub(crate) fn classify(stripped: &str) -> Option<Line<'_>> {
    property_link(stripped)
        .or_else(|| property(stripped))
        .or_else(|| link(stripped))
        .or_else(|| node(stripped))
}

fn skip_space(s: &str) -> &str {
    s.trim_start_matches(is_python_space)
}

/// The byte offsets `s` can be split at so that `s[..end]` matches `\S+`,
/// longest first.
fn name_ends(s: &str) -> impl Iterator<Item = usize> + '_ {
    let word = s.find(is_python_space).unwrap_or(s.len());
    s[..word].char_indices().rev().map(|(i, c)| i + c.len_utf8())
}

/// Splits off the first word (`\S+`) of `s`, which starts with one.
fn split_word(s: &str) -> (&str, &str) {
    let end = s.find(is_python_space).unwrap_or(s.len());
    s.split_at(end)
}

fn property_link(s: &str) -> Option<Line<'_>> {
    name_ends(s).find_map(|end| {
        let rest = skip_space(&s[end..]).strip_prefix("=>")?;
        let target = skip_space(rest);
        if target.is_empty() {
            return None;
        }
        // One, two, or three words where the third is `/` and more (zc.zk's
        // `pname` group, which it then ignores).
        let (_, after_first) = split_word(target);
        let second = skip_space(after_first);
        if second.is_empty() {
            return Some(Line::PropertyLink { name: &s[..end], target });
        }
        let (_, after_second) = split_word(second);
        let third = skip_space(after_second);
        let target_len = if third.is_empty() {
            target.len()
        } else {
            let (word, after_third) = split_word(third);
            // `/\S+`: a slash and at least one more character.
            if word.len() < 2 || !word.starts_with('/') || !after_third.is_empty() {
                return None;
            }
            target.len() - after_second.len()
        };
        Some(Line::PropertyLink { name: &s[..end], target: &target[..target_len] })
    })
}

fn property(s: &str) -> Option<Line<'_>> {
    name_ends(s).find_map(|end| {
        let rest = skip_space(&s[end..]).strip_prefix('=')?;
        let expression = skip_space(rest);
        (!expression.is_empty()).then_some(Line::Property { name: &s[..end], expression })
    })
}

fn link(s: &str) -> Option<Line<'_>> {
    name_ends(s).find_map(|end| {
        let rest = skip_space(&s[end..]).strip_prefix("->")?;
        let target = skip_space(rest);
        let (_, after) = split_word(target);
        (!target.is_empty() && after.is_empty()).then_some(Line::Link { name: &s[..end], target })
    })
}

fn node(s: &str) -> Option<Line<'_>> {
    let body = s.strip_prefix('/')?;
    name_ends(body).find_map(|end| {
        let (name, rest) = body.split_at(end);
        if rest.is_empty() {
            return Some(Line::Node { name, node_type: None });
        }
        let node_type = skip_space(skip_space(rest).strip_prefix(':')?);
        (!node_type.is_empty()).then_some(Line::Node { name, node_type: Some(node_type) })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn property(name: &str, expression: &str) -> Option<Line<'static>> {
        Some(Line::Property { name: leak(name), expression: leak(expression) })
    }

    fn leak(s: &str) -> &'static str {
        Box::leak(s.to_owned().into_boxed_str())
    }

    #[test]
    fn properties_with_any_spacing() {
        assert_eq!(classify("a=1"), property("a", "1"));
        assert_eq!(classify("b      =1"), property("b", "1"));
        assert_eq!(classify("c=      1"), property("c", "1"));
        assert_eq!(classify("address = '1.2.3.4:80'"), property("address", "'1.2.3.4:80'"));
        assert_eq!(classify("x = {'a': 'b = c'}"), property("x", "{'a': 'b = c'}"));
    }

    #[test]
    fn the_name_is_the_longest_prefix_that_matches() {
        // As Python's backtracking regular expressions decide.
        assert_eq!(classify("a==1"), property("a=", "1"));
        assert_eq!(classify("a='x=y'"), property("a='x", "y'"));
        assert_eq!(classify("a->b=c"), property("a->b", "c"));
        assert_eq!(classify("/x=1"), property("/x", "1"));
        assert_eq!(classify("a = = 1"), property("a", "= 1"));
        assert_eq!(classify("a=>b=>c"), Some(Line::PropertyLink { name: "a=>b", target: "c" }));
        assert_eq!(classify("a->b->c"), Some(Line::Link { name: "a->b", target: "c" }));
    }

    #[test]
    fn links() {
        for line in ["ad->/x", "af          ->/x", "ae->         /x", "ad -> /x"] {
            let name = line.split(['-', ' ']).next().unwrap();
            assert_eq!(classify(line), Some(Line::Link { name: leak(name), target: "/x" }));
        }
        assert_eq!(classify("a ->"), None);
        assert_eq!(classify("a -> b c"), None);
        assert_eq!(classify("a -> x=y"), Some(Line::Link { name: "a", target: "x=y" }));
    }

    #[test]
    fn property_links() {
        let plink = |name, target| Some(Line::PropertyLink { name, target });
        assert_eq!(
            classify("threads => /fooservice threads"),
            plink("threads", "/fooservice threads")
        );
        assert_eq!(classify("threads=>.."), plink("threads", ".."));
        assert_eq!(classify("x => a \t b"), plink("x", "a \t b"));
        // A third word starting with `/` is matched and ignored.
        assert_eq!(classify("x => a b /c"), plink("x", "a b"));
        // Not a property link, so (as in zc.zk) a property whose value is
        // the rest after the `=`.
        assert_eq!(classify("x => a b c"), property("x", "> a b c"));
        assert_eq!(classify("x =>"), property("x", ">"));
    }

    #[test]
    fn nodes() {
        let node = |name, node_type| Some(Line::Node { name, node_type });
        assert_eq!(classify("/lb : ipvs"), node("lb", Some("ipvs")));
        assert_eq!(classify("/cms : z4m cms"), node("cms", Some("z4m cms")));
        assert_eq!(classify("/cms :z4m"), node("cms", Some("z4m")));
        assert_eq!(classify("/cms:z4m"), node("cms:z4m", None));
        assert_eq!(classify("/a:b c"), node("a", Some("b c")));
        assert_eq!(classify("/a: : x"), node("a:", Some("x")));
        assert_eq!(classify("/192.168.0.42:8080"), node("192.168.0.42:8080", None));
        assert_eq!(classify("/a b"), None);
        assert_eq!(classify("/a :"), None);
        assert_eq!(classify("/"), None);
    }

    /// 3000 lines classified by zc.zk's own regular expressions (see
    /// `tests/it/data/gen_line_classes.py`).
    #[test]
    fn matches_zc_zk_regular_expressions() {
        let data = include_str!("../../tests/it/data/line_classes.jsonl");
        for row in data.lines() {
            let (line, expected): (String, Option<(String, String, Option<String>)>) =
                serde_json::from_str(row).unwrap();
            let got = classify(&line).map(|class| match class {
                Line::PropertyLink { name, target } => ("plink", name, Some(target)),
                Line::Property { name, expression } => ("property", name, Some(expression)),
                Line::Link { name, target } => ("link", name, Some(target)),
                Line::Node { name, node_type } => ("node", name, node_type),
            });
            let got = got.map(|(kind, name, rest)| {
                (kind.to_owned(), name.to_owned(), rest.map(str::to_owned))
            });
            assert_eq!(got, expected, "{line:?}");
        }
    }
}
