//! Connection strings: `"h1:2181,h2:2182,[::1]:2183/chroot"`.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The port of a server whose entry names none.
const DEFAULT_PORT: u16 = 2181;

/// One server of a connection string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// A host name or IP address; an IPv6 address without its brackets.
    pub host: String,
    /// The client port.
    pub port: u16,
}

impl HostPort {
    /// A server at `host` (an IPv6 address without brackets) and `port`.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self { host: host.into(), port }
    }

    /// Parses one entry of a connection string: `host`, `host:port`,
    /// `[v6]` or `[v6]:port`.
    fn parse(entry: &str) -> std::result::Result<Self, String> {
        let (host, port) = match entry.strip_prefix('[') {
            Some(rest) => split_bracketed(rest)?,
            None => split_plain(entry)?,
        };
        let port = match port {
            Some(port) => parse_port(port)?,
            None => DEFAULT_PORT,
        };
        Ok(Self::new(host, port))
    }
}

/// Splits `v6]` or `v6]:port` (after the opening bracket).
fn split_bracketed(rest: &str) -> std::result::Result<(&str, Option<&str>), String> {
    let (host, after) = rest.split_once(']').ok_or("missing closing bracket `]`")?;
    check_host(host)?;
    match after {
        "" => Ok((host, None)),
        _ => match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None => Err(format!("unexpected {after:?} after `]`")),
        },
    }
}

/// Splits `host` or `host:port`; a second colon means an unbracketed IPv6 address.
fn split_plain(entry: &str) -> std::result::Result<(&str, Option<&str>), String> {
    let (host, port) = match entry.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (entry, None),
    };
    if port.is_some_and(|port| port.contains(':')) {
        return Err("an IPv6 address must be written in brackets, e.g. `[::1]:2181`".into());
    }
    check_host(host)?;
    Ok((host, port))
}

fn check_host(host: &str) -> std::result::Result<(), String> {
    if host.is_empty() {
        return Err("empty host".into());
    }
    match host.chars().find(|&c| c.is_whitespace() || c == '[' || c == ']') {
        Some(c) => Err(format!("unexpected {c:?} in host")),
        None => Ok(()),
    }
}

fn parse_port(port: &str) -> std::result::Result<u16, String> {
    let valid = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
    match port.parse::<u16>() {
        Ok(n) if valid && n != 0 => Ok(n),
        _ => Err(format!("port {port:?} is not a number from 1 to 65535")),
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// A parsed connection string: `"h1:2181,h2:2182,[::1]:2183/chroot"`.
///
/// Servers are separated by commas, with optional whitespace around each.
/// A server without a port uses port 2181; IPv6 addresses must be in
/// brackets. Everything from the first `/` on is the chroot, a znode path
/// below which the client works; a chroot of `/` means none.
///
/// ```
/// use zookit::{ConnectString, HostPort};
///
/// let cs: ConnectString = "zk1, zk2:2182,[::1]:2183/app".parse()?;
/// assert_eq!(cs.hosts[0], HostPort::new("zk1", 2181));
/// assert_eq!(cs.hosts[2].host, "::1");
/// assert_eq!(cs.chroot.as_deref(), Some("/app"));
/// assert_eq!(cs.to_string(), "zk1:2181,zk2:2182,[::1]:2183/app");
/// # Ok::<(), zookit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectString {
    /// The servers, in the order given; never empty once parsed.
    pub hosts: Vec<HostPort>,
    /// The chroot, a valid znode path other than `/` (e.g. `"/app"`), if any.
    pub chroot: Option<String>,
}

impl ConnectString {
    /// Parses a connection string. No server at all (`""`, or a chroot
    /// alone such as `"/app"`) means [`DEFAULT_HOSTS`], as kazoo's default.
    ///
    /// Fails with [`InvalidConnectString`](crate::ErrorKind::InvalidConnectString)
    /// naming the offending entry: an empty one, a host with several colons
    /// outside brackets, a port that is not a number from 1 to 65535, or a
    /// chroot that is not a valid znode path.
    pub fn parse(s: &str) -> Result<ConnectString> {
        let s = s.trim();
        let (list, chroot) = match s.find('/') {
            Some(at) => (&s[..at], parse_chroot(&s[at..])?),
            None => (s, None),
        };
        let hosts = parse_hosts(list)?;
        Ok(ConnectString { hosts, chroot })
    }
}

fn invalid(message: String) -> Error {
    Error::invalid_connect_string(message)
}

/// The server a client connects to when given none: a local ZooKeeper on
/// the default port, as kazoo's and zc.zk's defaults.
pub const DEFAULT_HOSTS: &str = "127.0.0.1:2181";

fn parse_hosts(list: &str) -> Result<Vec<HostPort>> {
    let list = if list.trim().is_empty() { DEFAULT_HOSTS } else { list };
    list.split(',')
        .map(str::trim)
        .enumerate()
        .map(|(i, entry)| {
            HostPort::parse(entry)
                .map_err(|why| invalid(format!("server {} {entry:?}: {why}", i + 1)))
        })
        .collect()
}

fn parse_chroot(chroot: &str) -> Result<Option<String>> {
    if chroot == "/" {
        return Ok(None);
    }
    zookit_proto::validate_path(chroot).map_err(|err| invalid(format!("chroot: {err}")))?;
    Ok(Some(chroot.to_owned()))
}

impl FromStr for ConnectString {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for ConnectString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, host) in self.hosts.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            fmt::Display::fmt(host, f)?;
        }
        match &self.chroot {
            Some(chroot) => f.write_str(chroot),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> ConnectString {
        match ConnectString::parse(s) {
            Ok(cs) => cs,
            Err(err) => panic!("{s:?} should parse: {err}"),
        }
    }

    /// The message of the error parsing `s`, which must fail.
    fn error(s: &str) -> String {
        match ConnectString::parse(s) {
            Ok(cs) => panic!("{s:?} should not parse, got {cs:?}"),
            Err(err) => {
                assert_eq!(err.kind(), crate::ErrorKind::InvalidConnectString, "{err:?}");
                err.to_string()
            }
        }
    }

    fn hp(host: &str, port: u16) -> HostPort {
        HostPort::new(host, port)
    }

    #[test]
    fn parses_hosts_ports_and_chroot() {
        let cs = parse("h1:2181,h2:2182,[::1]:2183/chroot");
        assert_eq!(cs.hosts, [hp("h1", 2181), hp("h2", 2182), hp("::1", 2183)]);
        assert_eq!(cs.chroot.as_deref(), Some("/chroot"));
    }

    #[test]
    fn port_defaults_to_2181() {
        assert_eq!(parse("zk").hosts, [hp("zk", 2181)]);
        assert_eq!(parse("10.0.0.1,[fe80::1]").hosts, [hp("10.0.0.1", 2181), hp("fe80::1", 2181)]);
    }

    #[test]
    fn ignores_whitespace_around_entries() {
        let cs = parse("  h1:1 ,\th2 , [::1]:3 /app");
        assert_eq!(cs.hosts, [hp("h1", 1), hp("h2", 2181), hp("::1", 3)]);
        assert_eq!(cs.chroot.as_deref(), Some("/app"));
        assert_eq!(parse(" h1 /a/b ").chroot.as_deref(), Some("/a/b"));
    }

    #[test]
    fn chroot_is_everything_from_the_first_slash() {
        assert_eq!(parse("h1/a/b/c").chroot.as_deref(), Some("/a/b/c"));
        assert_eq!(parse("h1:2181/a,b:1").chroot.as_deref(), Some("/a,b:1"));
        assert_eq!(parse("h1:2181/a,b:1").hosts, [hp("h1", 2181)]);
    }

    #[test]
    fn a_chroot_of_slash_is_none() {
        assert_eq!(parse("h1:2181/").chroot, None);
        assert_eq!(parse("h1:2181").chroot, None);
    }

    #[test]
    fn invalid_chroots_are_named() {
        for chroot in ["/app/", "/a//b", "/a/./b", "/a/.."] {
            let message = error(&format!("h1{chroot}"));
            assert!(message.contains("chroot") && message.contains(chroot), "{message}");
        }
    }

    #[test]
    fn ipv6_needs_brackets() {
        let message = error("h1,::1");
        assert!(message.contains("\"::1\"") && message.contains("brackets"), "{message}");
        error("fe80::1:2181");
        error("[::1");
        error("[]:2181");
        error("[::1]x");
        error("[::1]2181");
        error("[::1]:");
    }

    #[test]
    fn rejects_empty_hosts_and_lists() {
        for s in ["h1,,h2", "h1,", ",h1", ":2181", " ,/app"] {
            error(s);
        }
        assert!(error("h1,,h2").contains("server 2 \"\""), "{}", error("h1,,h2"));
    }

    #[test]
    fn no_server_means_the_local_default() {
        for s in ["", "   ", "/app"] {
            assert_eq!(parse(s).hosts, [hp("127.0.0.1", 2181)], "{s:?}");
        }
        assert_eq!(parse("/app").chroot.as_deref(), Some("/app"));
    }

    #[test]
    fn rejects_bad_ports() {
        for port in ["0", "65536", "-1", "+2181", "abc", "21 81", "", "99999999999"] {
            let message = error(&format!("h1:2181,h2:{port}"));
            assert!(message.contains(&format!("h2:{port}")), "{message}");
            assert!(message.contains("1 to 65535"), "{message}");
        }
        assert_eq!(parse("h:65535").hosts, [hp("h", 65535)]);
        assert_eq!(parse("h:1").hosts, [hp("h", 1)]);
    }

    #[test]
    fn rejects_stray_characters_in_hosts() {
        error("h 1:2181");
        error("h]1");
    }

    #[test]
    fn displays_and_round_trips() {
        assert_eq!(hp("::1", 2183).to_string(), "[::1]:2183");
        assert_eq!(hp("zk", 2181).to_string(), "zk:2181");
        for s in ["h1:2181,h2:2182,[::1]:2183/chroot", "zk:1", "[fe80::1%eth0]:5/a/b", "a:2,a:2"] {
            let cs = parse(s);
            assert_eq!(cs.to_string(), s);
            assert_eq!(parse(&cs.to_string()), cs);
        }
        assert_eq!(parse(" zk , [::1] /").to_string(), "zk:2181,[::1]:2181");
    }

    #[test]
    fn from_str_parses() {
        let cs: ConnectString = "zk:2/x".parse().expect("valid");
        assert_eq!(cs, ConnectString { hosts: vec![hp("zk", 2)], chroot: Some("/x".into()) });
        assert!("zk:0".parse::<ConnectString>().is_err());
    }
}
