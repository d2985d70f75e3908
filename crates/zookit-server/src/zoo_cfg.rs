//! Apache ZooKeeper's configuration file, `zoo.cfg`, read as ZooKeeper
//! reads it (Java properties, values trimmed), so that a setup written for
//! ZooKeeper can start this server instead.
//!
//! The keys this server applies: `clientPort`, `clientPortAddress`,
//! `secureClientPort`, `secureClientPortAddress`, `tickTime`,
//! `minSessionTimeout`, `maxSessionTimeout`, `maxClientCnxns`,
//! `4lw.commands.whitelist`, `reconfigEnabled`, `extendedTypesEnabled`,
//! `standaloneEnabled=true`, `admin.enableServer=false`; TLS:
//! `ssl.keyStore.location`/`.type`/`.password`,
//! `ssl.trustStore.location`/`.type`/`.password` (PEM files),
//! `ssl.clientAuth`, `ssl.hostnameVerification=false`,
//! `ssl.authProvider=x509`; authentication: `authProvider.<n>` naming
//! ZooKeeper's SASL, digest, ip or x509 provider (the SASL one enables
//! SASL; its users come from a JAAS file, see
//! [`ServerBuilder::sasl_jaas_file`](crate::ServerBuilder::sasl_jaas_file)),
//! `DigestAuthenticationProvider.superDigest`,
//! `X509AuthenticationProvider.superUser` and `superUser`; durability:
//! `dataDir`, `dataLogDir`, `snapCount` and `forceSync` (this server's
//! files, `log.*` and `snapshot.*`, sit beside ZooKeeper's `version-2`
//! directory, never in it). Every other key is named in one warning
//! ([`ZooCfg::warning`]), never ignored in silence.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::builder::ServerBuilder;
use crate::config::FOUR_LETTER_WORDS;
use crate::error::Error;
use crate::net::tls::{ClientAuth, Tls};

/// One `key=value` of the file, with the line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    key: String,
    value: String,
    line: usize,
    text: String,
}

/// A `zoo.cfg`, read and checked: every value this server applies is
/// valid, and the keys it does not apply are known.
///
/// ```no_run
/// use zookit_server::{Server, ZooCfg};
///
/// # async fn demo() -> Result<(), zookit_server::Error> {
/// let cfg = ZooCfg::read("conf/zoo.cfg")?;
/// if let Some(warning) = cfg.warning() {
///     eprintln!("{warning}");
/// }
/// let server = cfg.apply(Server::builder())?.start().await?;
/// # let _ = server;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ZooCfg {
    name: String,
    /// Directory relative file names are read from.
    base: PathBuf,
    entries: Vec<Entry>,
}

/// A bad line or value: the file, the line number and the line.
fn bad(name: &str, line: usize, text: &str, reason: impl Into<String>) -> Error {
    Error::ConfigFile {
        file: name.to_owned(),
        line,
        text: text.trim_end().to_owned(),
        reason: reason.into(),
    }
}

impl ZooCfg {
    /// Reads and checks the file at `path`.
    pub fn read(path: impl AsRef<Path>) -> Result<ZooCfg, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse_named(&text, &path.display().to_string(), base)
    }

    /// Checks `text`, the contents of a `zoo.cfg` (relative paths in it
    /// are taken from the current directory).
    pub fn parse(text: &str) -> Result<ZooCfg, Error> {
        Self::parse_named(text, "zoo.cfg", PathBuf::new())
    }

    fn parse_named(text: &str, name: &str, base: PathBuf) -> Result<ZooCfg, Error> {
        let mut entries: Vec<Entry> = Vec::new();
        for (line, logical) in logical_lines(text) {
            let (key, value) = split_entry(&logical)
                .map_err(|reason| bad(name, line, &first_line(text, line), reason))?;
            let entry = Entry { key, value: value.trim().to_owned(), line, text: logical };
            // As in java.util.Properties, the last value of a key counts.
            entries.retain(|e| e.key != entry.key);
            entries.push(entry);
        }
        let cfg = ZooCfg { name: name.to_owned(), base, entries };
        let _checked = cfg.apply_to(ServerBuilder::default(), false)?;
        Ok(cfg)
    }

    fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    fn bad(&self, entry: &Entry, reason: impl Into<String>) -> Error {
        bad(&self.name, entry.line, &entry.text, reason)
    }

    /// `dataDir`, if set: where the server keeps its snapshots (and its
    /// logs, unless `dataLogDir` is set).
    pub fn data_dir(&self) -> Option<&Path> {
        self.get("dataDir").map(|e| Path::new(&e.value))
    }

    /// `dataLogDir`, if set: where the server keeps its transaction logs.
    pub fn data_log_dir(&self) -> Option<&Path> {
        self.get("dataLogDir").map(|e| Path::new(&e.value))
    }

    /// One warning naming every key this server does not apply (with its
    /// line), and the four-letter words of the whitelist it does not
    /// serve; `None` if every key is applied.
    pub fn warning(&self) -> Option<String> {
        let mut ignored: Vec<String> = self
            .entries
            .iter()
            .filter(|e| !self.applies(e))
            .map(|e| format!("{} (line {})", e.key, e.line))
            .collect();
        if let Some(entry) = self.get("4lw.commands.whitelist") {
            let (_, unknown) = four_letter_words(&entry.value);
            if !unknown.is_empty() {
                ignored.push(format!(
                    "4lw.commands.whitelist's {} (line {})",
                    unknown.join(", "),
                    entry.line
                ));
            }
        }
        (!ignored.is_empty())
            .then(|| format!("{}: not applied by this server: {}", self.name, ignored.join(", ")))
    }

    /// Whether this server applies `entry`.
    fn applies(&self, entry: &Entry) -> bool {
        let value = entry.value.as_str();
        match entry.key.as_str() {
            "clientPort"
            | "clientPortAddress"
            | "secureClientPort"
            | "secureClientPortAddress"
            | "tickTime"
            | "minSessionTimeout"
            | "maxSessionTimeout"
            | "maxClientCnxns"
            | "4lw.commands.whitelist"
            | "reconfigEnabled"
            | "extendedTypesEnabled"
            | "dataDir"
            | "dataLogDir"
            | "snapCount"
            | "forceSync"
            | "DigestAuthenticationProvider.superDigest"
            | "X509AuthenticationProvider.superUser"
            | "superUser" => true,
            // Only the secure port uses them (as in ZooKeeper).
            "ssl.keyStore.location"
            | "ssl.keyStore.type"
            | "ssl.keyStore.password"
            | "ssl.trustStore.location"
            | "ssl.trustStore.type"
            | "ssl.trustStore.password"
            | "ssl.clientAuth" => self.get("secureClientPort").is_some(),
            "standaloneEnabled" => value.eq_ignore_ascii_case("true"),
            "admin.enableServer" => value.eq_ignore_ascii_case("false"),
            "ssl.hostnameVerification" => value.eq_ignore_ascii_case("false"),
            "ssl.authProvider" => value == "x509",
            key if key.starts_with("authProvider.") => provider(value).is_some(),
            _ => false,
        }
    }

    /// `builder` with this file's settings. TLS files are read now;
    /// settings made on `builder` before are kept unless the file sets them.
    pub fn apply(&self, builder: ServerBuilder) -> Result<ServerBuilder, Error> {
        self.apply_to(builder, true)
    }

    /// Applies (or, without `read_files`, only checks) every setting.
    fn apply_to(&self, mut b: ServerBuilder, read_files: bool) -> Result<ServerBuilder, Error> {
        let port = |key: &str| -> Result<Option<u16>, Error> {
            self.get(key)
                .map(|e| e.value.parse::<u16>().map_err(|_| self.bad(e, "not a port number")))
                .transpose()
        };
        let millis = |key: &str| -> Result<Option<Duration>, Error> {
            let Some(e) = self.get(key) else { return Ok(None) };
            match e.value.parse::<i64>() {
                // ZooKeeper's -1: the default.
                Ok(-1) if key != "tickTime" => Ok(None),
                Ok(ms) if ms > 0 => Ok(Some(Duration::from_millis(ms as u64))),
                _ => Err(self.bad(e, "not a positive number of milliseconds")),
            }
        };
        let flag = |key: &str| -> Result<Option<bool>, Error> {
            let Some(e) = self.get(key) else { return Ok(None) };
            match e.value.to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(self.bad(e, "not true or false")),
            }
        };
        let text = |key: &str| -> Result<Option<String>, Error> {
            let Some(e) = self.get(key) else { return Ok(None) };
            if e.value.is_empty() {
                return Err(self.bad(e, "has no value"));
            }
            Ok(Some(e.value.clone()))
        };
        let client_port = port("clientPort")?;
        let secure_port = port("secureClientPort")?;
        match (client_port, secure_port) {
            (Some(p), _) => b = b.port(p),
            (None, Some(_)) => b = b.plain_port(false),
            (None, None) => {}
        }
        if let Some(host) = text("clientPortAddress")? {
            b = b.host(host);
        }
        if let Some(host) = text("secureClientPortAddress")? {
            b = b.secure_host(host);
        }
        if let Some(tick) = millis("tickTime")? {
            b = b.tick_time(tick);
        }
        if let Some(min) = millis("minSessionTimeout")? {
            b = b.min_session_timeout(min);
        }
        if let Some(max) = millis("maxSessionTimeout")? {
            b = b.max_session_timeout(max);
        }
        if let Some(e) = self.get("maxClientCnxns") {
            match e.value.parse::<i64>() {
                // ZooKeeper's 0: no limit.
                Ok(0) => b = b.max_connections(usize::MAX),
                Ok(n) if n > 0 => b = b.max_connections(usize::try_from(n).unwrap_or(usize::MAX)),
                _ => return Err(self.bad(e, "not a number of connections")),
            }
        }
        if let Some(e) = self.get("4lw.commands.whitelist") {
            let (known, _) = four_letter_words(&e.value);
            b = b.four_letter_words(known);
        }
        if let Some(enabled) = flag("reconfigEnabled")? {
            b = b.reconfig_enabled(enabled);
        }
        if let Some(enabled) = flag("extendedTypesEnabled")? {
            b = b.extended_types(enabled);
        }
        if let Some(dir) = self.data_dir() {
            b = b.data_dir(dir);
        }
        if let Some(dir) = self.data_log_dir() {
            b = b.data_log_dir(dir);
        }
        if let Some(e) = self.get("snapCount") {
            match e.value.parse::<u64>() {
                Ok(n) if n > 0 => b = b.snap_count(n),
                _ => return Err(self.bad(e, "not a positive number of changes")),
            }
        }
        if let Some(e) = self.get("forceSync") {
            // ZooKeeper's zookeeper.forceSync: "no" turns syncing off.
            match e.value.to_ascii_lowercase().as_str() {
                "yes" => b = b.fsync(crate::Fsync::Always),
                "no" => b = b.fsync(crate::Fsync::Never),
                _ => return Err(self.bad(e, "not yes or no")),
            }
        }
        flag("standaloneEnabled")?;
        flag("admin.enableServer")?;
        flag("ssl.hostnameVerification")?;
        if let Some(digest) = text("DigestAuthenticationProvider.superDigest")? {
            if !digest.contains(':')
                && let Some(e) = self.get("DigestAuthenticationProvider.superDigest")
            {
                return Err(self.bad(e, "not user:base64(sha1(user:password))"));
            }
            b = b.super_digest(digest);
        }
        if let Some(subject) = text("X509AuthenticationProvider.superUser")? {
            b = b.x509_super_user(subject);
        }
        if let Some(user) = text("superUser")? {
            b = b.sasl_super_user(user);
        }
        let sasl = self
            .entries
            .iter()
            .any(|e| e.key.starts_with("authProvider.") && provider(&e.value) == Some("sasl"));
        if sasl {
            b = b.sasl_digest_users(Vec::<(String, String)>::new());
        }
        if let Some(port) = secure_port {
            b = b.secure_port(port);
            let tls = self.tls(read_files)?;
            if let Some(tls) = tls {
                b = b.tls(tls);
            }
        }
        Ok(b)
    }

    /// The TLS settings of the `ssl.*` keys (`None` when only checking).
    fn tls(&self, read_files: bool) -> Result<Option<Tls>, Error> {
        for kind in ["keyStore", "trustStore"] {
            let type_key = format!("ssl.{kind}.type");
            let location = self.get(&format!("ssl.{kind}.location"));
            let named = self.get(&type_key).map(|e| (e, e.value.to_ascii_uppercase()));
            // ZooKeeper takes the type from the file name when not given.
            let pem = match &named {
                Some((_, t)) => t == "PEM",
                None => location.is_none_or(|e| e.value.to_ascii_lowercase().ends_with(".pem")),
            };
            if !pem {
                let e = named.map(|(e, _)| e).or(location).unwrap_or(&self.entries[0]);
                return Err(self.bad(e, "only PEM key and trust stores are served"));
            }
        }
        let client_auth = match self.get("ssl.clientAuth") {
            Some(e) => ClientAuth::from_zookeeper_value(&e.value)
                .ok_or_else(|| self.bad(e, "not none, want or need"))?,
            // ZooKeeper's default.
            None => ClientAuth::Need,
        };
        let key_store = self.get("ssl.keyStore.location");
        let trust_store = self.get("ssl.trustStore.location");
        // Without a key store in the file (ZooKeeper may have it from a
        // system property), the certificate must come from elsewhere
        // (ServerBuilder::tls, or zookit serve's --server-cert).
        let Some(key_store) = key_store else { return Ok(None) };
        if client_auth != ClientAuth::None && trust_store.is_none() {
            let e = self.get("ssl.clientAuth").unwrap_or(key_store);
            return Err(self.bad(
                e,
                "client certificates are asked for (ssl.clientAuth, `need` by default) \
                 but ssl.trustStore.location is not set",
            ));
        }
        if !read_files {
            return Ok(None);
        }
        let read = |e: &Entry| {
            let path = self.base.join(&e.value);
            std::fs::read_to_string(&path)
                .map_err(|err| self.bad(e, format!("cannot read {}: {err}", path.display())))
        };
        // A PEM key store holds the certificate chain and the key.
        let store = read(key_store)?;
        let mut tls = Tls::from_pem(store.clone(), store);
        if let Some(trust_store) = trust_store
            && client_auth != ClientAuth::None
        {
            tls = tls.client_auth(client_auth, read(trust_store)?);
        }
        Ok(Some(tls))
    }
}

/// The scheme an `authProvider.<n>` class provides, if this server has it.
fn provider(class: &str) -> Option<&'static str> {
    match class {
        "org.apache.zookeeper.server.auth.SASLAuthenticationProvider" => Some("sasl"),
        "org.apache.zookeeper.server.auth.DigestAuthenticationProvider" => Some("digest"),
        "org.apache.zookeeper.server.auth.IPAuthenticationProvider" => Some("ip"),
        "org.apache.zookeeper.server.auth.X509AuthenticationProvider" => Some("x509"),
        _ => None,
    }
}

/// The words of a whitelist this server knows (`*` kept), and the others.
fn four_letter_words(list: &str) -> (Vec<String>, Vec<String>) {
    let words = list.split(',').map(str::trim).filter(|w| !w.is_empty());
    let (known, unknown): (Vec<&str>, Vec<&str>) =
        words.partition(|w| *w == "*" || FOUR_LETTER_WORDS.contains(w));
    (
        known.into_iter().map(str::to_owned).collect(),
        unknown.into_iter().map(str::to_owned).collect(),
    )
}

/// The physical line `line` (1-based) of `text`.
fn first_line(text: &str, line: usize) -> String {
    text.lines().nth(line.saturating_sub(1)).unwrap_or_default().to_owned()
}

/// Java properties' logical lines, with the number of the line each starts
/// on: comments and blank lines skipped, lines ending in an odd number of
/// backslashes joined with the next (its leading blanks dropped).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let piece = raw.trim_start_matches([' ', '\t', '\x0c']);
        let (start, mut joined) = match current.take() {
            Some(open) => open,
            None => {
                if piece.is_empty() || piece.starts_with('#') || piece.starts_with('!') {
                    continue;
                }
                (i + 1, String::new())
            }
        };
        let trailing = piece.chars().rev().take_while(|c| *c == '\\').count();
        if trailing % 2 == 1 {
            joined.push_str(&piece[..piece.len() - 1]);
            current = Some((start, joined));
        } else {
            joined.push_str(piece);
            out.push((start, joined));
        }
    }
    out.extend(current);
    out
}

/// Splits a logical line into its key and value, unescaping both.
fn split_entry(line: &str) -> Result<(String, String), String> {
    let mut chars = line.char_indices().peekable();
    let mut key_end = line.len();
    let mut value_start = line.len();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '=' | ':' => {
                key_end = i;
                value_start = i + 1;
                break;
            }
            ' ' | '\t' | '\x0c' => {
                key_end = i;
                let rest = line[i..].trim_start_matches([' ', '\t', '\x0c']);
                let skip = line.len() - rest.len();
                value_start = if rest.starts_with(['=', ':']) { skip + 1 } else { skip };
                break;
            }
            _ => {}
        }
    }
    let key = unescape(&line[..key_end])?;
    if key.is_empty() {
        return Err("a value without a key".into());
    }
    let value = unescape(line[value_start..].trim_start_matches([' ', '\t', '\x0c']))?;
    Ok((key, value))
}

/// Java properties' escapes: `\t`, `\n`, `\r`, `\f`, `\uXXXX`, and `\x`
/// for any other `x`.
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = u32::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| hex.len() == 4)
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("malformed \\uxxxx escape \\u{hex}"))?;
                out.push(code);
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_properties_lines() {
        let text =
            "# comment\n! also\n\n  a = 1 \nb:2\nc 3\nd\\\n   e=4\nf=x\\\\\ng\\ h=5\nu=\\u0041\\t";
        let lines = logical_lines(text);
        let entries: Vec<(usize, String, String)> = lines
            .iter()
            .map(|(n, l)| {
                let (k, v) = split_entry(l).unwrap();
                (*n, k, v)
            })
            .collect();
        assert_eq!(
            entries,
            [
                (4, "a".into(), "1 ".into()),
                (5, "b".into(), "2".into()),
                (6, "c".into(), "3".into()),
                (7, "de".into(), "4".into()),
                (9, "f".into(), "x\\".into()),
                (10, "g h".into(), "5".into()),
                (11, "u".into(), "A\t".into()),
            ]
        );
        assert!(split_entry("=5").unwrap_err().contains("without a key"));
        assert!(split_entry("x=\\u00g1").unwrap_err().contains("\\u"));
        assert_eq!(split_entry("alone").unwrap(), ("alone".into(), String::new()));
    }

    #[test]
    fn bad_values_name_the_line() {
        for (text, line, reason) in [
            ("tickTime=2000\nclientPort=abc\n", 2, "not a port number"),
            ("tickTime=0", 1, "positive"),
            ("maxSessionTimeout=soon", 1, "positive"),
            ("reconfigEnabled=yes", 1, "true or false"),
            ("maxClientCnxns=-5", 1, "connections"),
            ("clientPortAddress", 1, "has no value"),
            ("x=\\uZZZZ", 1, "\\u"),
            ("secureClientPort=1\nssl.keyStore.location=k.pem", 2, "ssl.trustStore"),
            ("secureClientPort=1\nssl.keyStore.location=k.jks", 2, "PEM"),
            ("secureClientPort=1\nssl.keyStore.location=k.pem\nssl.clientAuth=maybe", 3, "want"),
        ] {
            match ZooCfg::parse(text) {
                Err(Error::ConfigFile { line: l, reason: r, text: t, .. }) => {
                    assert_eq!(l, line, "{text}");
                    assert!(r.contains(reason), "{text}: {r}");
                    assert_eq!(t, text.lines().nth(l - 1).unwrap(), "the line itself");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn one_warning_names_every_key_not_applied() {
        let cfg = ZooCfg::parse(
            "tickTime=500\ninitLimit=10\nsyncLimit=5\nclientPort=0\nserver.1=a:1:2\n\
             4lw.commands.whitelist=ruok, gtmk\nadmin.enableServer=false\n\
             authProvider.1=org.example.Custom\nstandaloneEnabled=false\n",
        )
        .unwrap();
        let warning = cfg.warning().unwrap();
        assert_eq!(
            warning,
            "zoo.cfg: not applied by this server: initLimit (line 2), syncLimit (line 3), \
             server.1 (line 5), authProvider.1 (line 8), standaloneEnabled (line 9), \
             4lw.commands.whitelist's gtmk (line 6)"
        );
        let quiet = ZooCfg::parse("clientPort=2181\ntickTime=500\n").unwrap();
        assert_eq!(quiet.warning(), None);
    }

    #[test]
    fn the_last_value_counts_and_data_dirs_are_read() {
        let cfg =
            ZooCfg::parse("clientPort=1\nclientPort=0\ndataDir=/var/zk\nsnapCount=10\n").unwrap();
        assert_eq!(cfg.get("clientPort").unwrap().value, "0");
        assert_eq!(cfg.data_dir(), Some(Path::new("/var/zk")));
        assert_eq!(cfg.data_log_dir(), None);
        assert_eq!(cfg.warning(), None);
    }

    #[test]
    fn bad_durability_values_name_their_line() {
        for (text, reason) in [
            (
                "dataDir=/d\nsnapCount=0\n",
                "zoo.cfg:2: not a positive number of changes: snapCount=0",
            ),
            ("dataDir=/d\nforceSync=maybe\n", "zoo.cfg:2: not yes or no: forceSync=maybe"),
        ] {
            let err = ZooCfg::parse(text).unwrap_err().to_string();
            assert!(err.contains(reason), "{err}");
        }
    }
}
