//! The chroot of a client, applied to every path sent and received.

/// The chroot of a client: prefixed to every path sent, stripped from every
/// path received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Chroot {
    /// E.g. `Some("/app")`; never `/`, never with a trailing `/`.
    prefix: Option<String>,
}

impl Chroot {
    /// A chroot of `prefix`, a validated path (`/` and `""` mean none;
    /// trailing slashes are dropped).
    pub(crate) fn new(prefix: Option<String>) -> Chroot {
        let prefix = prefix.map(|p| p.trim_end_matches('/').to_owned()).filter(|p| !p.is_empty());
        Chroot { prefix }
    }

    /// The chroot, e.g. `"/app"`, if any.
    pub(crate) fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    /// The server path for a client path: `/` -> `/app`, `/x` -> `/app/x`;
    /// without a chroot, `path` unchanged. `path` is already validated.
    pub(crate) fn apply(&self, path: &str) -> String {
        match &self.prefix {
            None => path.to_owned(),
            Some(prefix) if path == "/" => prefix.clone(),
            Some(prefix) => format!("{prefix}{path}"),
        }
    }

    /// The client path for a server path: `/app` -> `/`, `/app/x` -> `/x`;
    /// a path outside the chroot (`/zookeeper/config`, `/apple`) is
    /// returned unchanged.
    pub(crate) fn strip(&self, server_path: &str) -> String {
        match self.rest(server_path) {
            Some("") => "/".to_owned(),
            Some(rest) => rest.to_owned(),
            None => server_path.to_owned(),
        }
    }

    /// [`strip`](Self::strip) in place, without allocating.
    pub(crate) fn strip_owned(&self, mut server_path: String) -> String {
        match self.rest(&server_path).map(str::len) {
            // The path is the chroot itself: keep its leading `/`.
            Some(0) => server_path.truncate(1),
            Some(len) => {
                server_path.drain(..server_path.len() - len);
            }
            None => {}
        }
        server_path
    }

    /// What follows the chroot in `server_path` (`""` or `/...`), or `None`
    /// when there is no chroot or the path is outside it.
    fn rest<'a>(&self, server_path: &'a str) -> Option<&'a str> {
        let rest = server_path.strip_prefix(self.prefix.as_deref()?)?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> Chroot {
        Chroot::new(Some("/app".into()))
    }

    /// Checks `strip` and `strip_owned` agree.
    fn strip(chroot: &Chroot, path: &str) -> String {
        let stripped = chroot.strip(path);
        assert_eq!(chroot.strip_owned(path.to_owned()), stripped, "strip_owned({path:?})");
        stripped
    }

    #[test]
    fn new_normalizes_the_prefix() {
        assert_eq!(Chroot::new(None).prefix(), None);
        assert_eq!(Chroot::new(Some("/".into())).prefix(), None);
        assert_eq!(Chroot::new(Some(String::new())).prefix(), None);
        assert_eq!(Chroot::new(Some("/app/".into())).prefix(), Some("/app"));
        assert_eq!(app().prefix(), Some("/app"));
        assert_eq!(Chroot::new(Some("/".into())), Chroot::default());
    }

    #[test]
    fn applies_the_prefix() {
        assert_eq!(app().apply("/"), "/app");
        assert_eq!(app().apply("/x"), "/app/x");
        assert_eq!(app().apply("/x/y"), "/app/x/y");
        let nested = Chroot::new(Some("/a/b".into()));
        assert_eq!(nested.apply("/"), "/a/b");
        assert_eq!(nested.apply("/c"), "/a/b/c");
    }

    #[test]
    fn without_a_chroot_paths_are_unchanged() {
        let none = Chroot::default();
        assert_eq!(none.apply("/"), "/");
        assert_eq!(none.apply("/x"), "/x");
        assert_eq!(strip(&none, "/"), "/");
        assert_eq!(strip(&none, "/x/y"), "/x/y");
    }

    #[test]
    fn strips_the_prefix() {
        assert_eq!(strip(&app(), "/app"), "/");
        assert_eq!(strip(&app(), "/app/x"), "/x");
        assert_eq!(strip(&app(), "/app/x/y"), "/x/y");
        assert_eq!(strip(&app(), "/app/app"), "/app");
    }

    #[test]
    fn paths_outside_the_chroot_are_unchanged() {
        for path in ["/apple", "/apple/x", "/ap", "/", "/zookeeper/config", "/x/app"] {
            assert_eq!(strip(&app(), path), path);
        }
    }

    #[test]
    fn apply_then_strip_is_identity() {
        for path in ["/", "/x", "/x/y", "/app"] {
            assert_eq!(strip(&app(), &app().apply(path)), path);
        }
    }
}
