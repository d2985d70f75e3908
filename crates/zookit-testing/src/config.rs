//! How ZooKeeper members are configured: JVM command line and `zoo.cfg`.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::tls::ServerTls;

/// Jar of Debian's `zookeeper` package (its manifest pulls in the dependencies).
pub(crate) const ZOOKEEPER_JAR: &str = "/usr/share/java/zookeeper.jar";
/// Logging backend: slf4j-simple writes to stderr, which goes to the member log.
pub(crate) const SLF4J_SIMPLE_JAR: &str = "/usr/share/java/slf4j-simple.jar";
/// Netty's codec classes, which Netty's TLS handler needs; the manifest
/// class path of Debian's `zookeeper.jar` lacks them.
pub(crate) const NETTY_CODEC_JAR: &str = "/usr/share/java/netty-codec.jar";
/// Main class; runs standalone when the config lists no servers.
pub(crate) const MAIN_CLASS: &str = "org.apache.zookeeper.server.quorum.QuorumPeerMain";

/// Environment variable overriding the Java binary.
pub const ENV_JAVA: &str = "ZOOKIT_JAVA";
/// Environment variable overriding the class path (`:`-separated jars).
pub const ENV_CLASSPATH: &str = "ZOOKIT_ZOOKEEPER_CLASSPATH";

/// Server-side digest of [`crate::SUPER_USER`] / [`crate::SUPER_PASSWORD`].
pub const SUPER_DIGEST: &str = "super:y+OuwIkYNvhyrfSObq+zwH6eTZk=";

/// The connection factory that supports TLS (system property
/// `zookeeper.serverCnxnFactory`; the default NIO factory has no TLS).
pub(crate) const NETTY_FACTORY: &str = "org.apache.zookeeper.server.NettyServerCnxnFactory";
/// The authentication provider of the `sasl` scheme.
pub(crate) const SASL_PROVIDER: &str =
    "org.apache.zookeeper.server.auth.SASLAuthenticationProvider";
/// The JAAS login module that serves DIGEST-MD5 from a user list.
pub(crate) const DIGEST_LOGIN_MODULE: &str = "org.apache.zookeeper.server.auth.DigestLoginModule";

/// Default JVM options: fast start-up, small heap.
pub const DEFAULT_JVM_OPTIONS: &[&str] =
    &["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx512m"];

/// Everything needed to launch the members of one ensemble.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) members: usize,
    pub(crate) java: OsString,
    pub(crate) classpath: Vec<PathBuf>,
    pub(crate) jvm_options: Vec<String>,
    /// `-Dkey=value` pairs, in order, keys unique.
    pub(crate) system_properties: Vec<(String, String)>,
    /// Extra `zoo.cfg` entries, in order, keys unique.
    pub(crate) config_entries: Vec<(String, String)>,
    pub(crate) startup_timeout: Duration,
    /// A secure client port per member, with these TLS settings.
    pub(crate) tls: Option<ServerTls>,
    /// SASL DIGEST-MD5 users (name, password) of the JAAS `Server` section;
    /// `None`: SASL is not configured.
    pub(crate) sasl_users: Option<Vec<(String, String)>>,
    /// Where the ensemble's root directory is made; `None`: the system's
    /// temporary directory.
    pub(crate) parent_dir: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        let java = std::env::var_os(ENV_JAVA).unwrap_or_else(|| "java".into());
        let classpath = match std::env::var_os(ENV_CLASSPATH) {
            Some(cp) => std::env::split_paths(&cp).collect(),
            None => vec![ZOOKEEPER_JAR.into(), SLF4J_SIMPLE_JAR.into()],
        };
        let mut settings = Settings {
            members: 1,
            java,
            classpath,
            jvm_options: DEFAULT_JVM_OPTIONS.iter().map(|s| s.to_string()).collect(),
            system_properties: Vec::new(),
            config_entries: Vec::new(),
            startup_timeout: Duration::from_secs(60),
            tls: None,
            sasl_users: None,
            parent_dir: None,
        };
        for (key, value) in [
            ("zookeeper.admin.enableServer", "false"),
            ("zookeeper.extendedTypesEnabled", "true"),
            ("znode.container.checkIntervalMs", "1000"),
            ("zookeeper.DigestAuthenticationProvider.superDigest", SUPER_DIGEST),
            // Tests do not survive power loss; skipping fsync makes writes fast.
            ("zookeeper.forceSync", "no"),
        ] {
            settings.set_system_property(key, value);
        }
        settings
    }
}

/// Sets `key` to `value` in an ordered list, replacing an earlier value.
fn set_entry(entries: &mut Vec<(String, String)>, key: &str, value: &str) {
    match entries.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => entry.1 = value.to_string(),
        None => entries.push((key.to_string(), value.to_string())),
    }
}

impl Settings {
    pub(crate) fn set_system_property(&mut self, key: &str, value: &str) {
        set_entry(&mut self.system_properties, key, value);
    }

    /// Sets a system property unless the user set it.
    fn set_default_system_property(&mut self, key: &str, value: &str) {
        if !self.system_properties.iter().any(|(k, _)| k == key) {
            self.system_properties.push((key.to_string(), value.to_string()));
        }
    }

    pub(crate) fn set_config_entry(&mut self, key: &str, value: &str) {
        set_entry(&mut self.config_entries, key, value);
    }

    /// The class path the JVMs get: the configured one, plus Netty's codec
    /// jar when TLS is enabled on Debian's `zookeeper.jar`.
    pub(crate) fn effective_classpath(&self) -> Vec<PathBuf> {
        let mut classpath = self.classpath.clone();
        let debian = classpath.iter().any(|jar| jar == Path::new(ZOOKEEPER_JAR));
        let has_codec = classpath.iter().any(|jar| {
            jar.file_name().is_some_and(|name| name.to_string_lossy().starts_with("netty-codec"))
        });
        if self.tls.is_some() && debian && !has_codec {
            classpath.push(NETTY_CODEC_JAR.into());
        }
        classpath
    }

    /// Fails with an installation hint if a class path entry is missing.
    pub(crate) fn check_installed(&self) -> Result<()> {
        for jar in &self.effective_classpath() {
            if !jar.exists() {
                let hint = if jar.ends_with("zookeeper.jar") {
                    "install Debian's `zookeeper` package: apt-get install zookeeper".to_string()
                } else if jar.ends_with("slf4j-simple.jar") {
                    "install Debian's `libslf4j-java` package: apt-get install libslf4j-java"
                        .to_string()
                } else if jar.ends_with("netty-codec.jar") {
                    "install Debian's `libnetty-java` package: apt-get install libnetty-java"
                        .to_string()
                } else {
                    format!("check ${ENV_CLASSPATH} or the configured class path")
                };
                return Err(Error::NotInstalled { path: jar.clone(), hint });
            }
        }
        Ok(())
    }

    /// JVM arguments (options, system properties, class path, main class),
    /// to be followed by the path of `zoo.cfg`.
    pub(crate) fn jvm_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        args.extend(self.jvm_options.iter().map(OsString::from));
        args.extend(
            self.system_properties.iter().map(|(k, v)| OsString::from(format!("-D{k}={v}"))),
        );
        args.push("-cp".into());
        // Paths containing ':' cannot be on a class path anyway.
        let joined = std::env::join_paths(self.effective_classpath()).unwrap_or_default();
        args.push(joined);
        args.push(MAIN_CLASS.into());
        args
    }

    /// Writes the files the TLS and SASL settings refer to below `root` (the
    /// ensemble's directory) and returns the settings with the system
    /// properties pointing at them. Properties the user set are kept.
    pub(crate) fn prepare(&self, root: &Path) -> Result<Settings> {
        let mut settings = self.clone();
        if let Some(tls) = &self.tls {
            let dir = root.join("tls");
            create_dir(&dir)?;
            let key_store = dir.join("keystore.pem");
            let trust_store = dir.join("truststore.pem");
            write_file(&key_store, &tls.identity.key_store_pem())?;
            write_file(&trust_store, &tls.trusted_ca_pem)?;
            let mut set = |k: &str, v: &str| settings.set_default_system_property(k, v);
            set("zookeeper.serverCnxnFactory", NETTY_FACTORY);
            set("zookeeper.ssl.keyStore.location", &key_store.display().to_string());
            set("zookeeper.ssl.keyStore.type", "PEM");
            set("zookeeper.ssl.trustStore.location", &trust_store.display().to_string());
            set("zookeeper.ssl.trustStore.type", "PEM");
            set("zookeeper.ssl.clientAuth", tls.client_auth.as_zookeeper_value());
            set("zookeeper.ssl.hostnameVerification", "false");
        }
        if let Some(users) = &self.sasl_users {
            let jaas = root.join("jaas.conf");
            write_file(&jaas, &render_jaas(users))?;
            settings.set_default_system_property(
                "java.security.auth.login.config",
                &jaas.display().to_string(),
            );
        }
        Ok(settings)
    }
}

fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// Whether `name` can follow `user_` as an option name of a JAAS file.
pub(crate) fn is_valid_sasl_user(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The JAAS file with the `Server` section ZooKeeper's SASL server logs in
/// with: DIGEST-MD5 users `user_<name>="<password>"`.
pub(crate) fn render_jaas(users: &[(String, String)]) -> String {
    let mut text =
        format!("// Written by zookit-testing.\nServer {{\n    {DIGEST_LOGIN_MODULE} required");
    for (name, password) in users {
        let quoted = password.replace('\\', "\\\\").replace('"', "\\\"");
        text.push_str(&format!("\n    user_{name}=\"{quoted}\""));
    }
    text.push_str(";\n};\n");
    text
}

/// Network addresses of one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemberPorts {
    pub(crate) client: u16,
    pub(crate) quorum: u16,
    pub(crate) election: u16,
    /// The TLS client port, if TLS is enabled.
    pub(crate) secure_client: Option<u16>,
}

/// Renders the `zoo.cfg` of member `index` of an ensemble whose members have
/// `ports` (one entry per member; a single entry means standalone).
pub(crate) fn render_zoo_cfg(
    settings: &Settings,
    data_dir: &std::path::Path,
    ports: &[MemberPorts],
    index: usize,
) -> String {
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: &str| set_entry(&mut entries, k, v);
    set("tickTime", "500");
    set("initLimit", "20");
    set("syncLimit", "10");
    set("minSessionTimeout", "1000");
    set("maxSessionTimeout", "60000");
    set("dataDir", &data_dir.display().to_string());
    set("clientPortAddress", "127.0.0.1");
    set("clientPort", &ports[index].client.to_string());
    if let Some(secure) = ports[index].secure_client {
        set("secureClientPortAddress", "127.0.0.1");
        set("secureClientPort", &secure.to_string());
    }
    if settings.sasl_users.is_some() {
        // Any `authProvider.<id>` key registers a provider (ZooKeeper copies
        // it to the system property `zookeeper.authProvider.<id>`).
        set("authProvider.sasl", SASL_PROVIDER);
    }
    set("4lw.commands.whitelist", "*");
    set("reconfigEnabled", "true");
    set("admin.enableServer", "false");
    if ports.len() == 1 {
        set("standaloneEnabled", "true");
    } else {
        set("standaloneEnabled", "false");
        for (i, p) in ports.iter().enumerate() {
            set(
                &format!("server.{}", i + 1),
                &format!("127.0.0.1:{}:{};127.0.0.1:{}", p.quorum, p.election, p.client),
            );
        }
    }
    for (k, v) in &settings.config_entries {
        set(k, v);
    }
    let mut text = String::from("# Written by zookit-testing.\n");
    for (k, v) in entries {
        text.push_str(&format!("{k}={v}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ports(n: u16) -> Vec<MemberPorts> {
        (0..n)
            .map(|i| MemberPorts {
                client: 100 + i,
                quorum: 200 + i,
                election: 300 + i,
                secure_client: None,
            })
            .collect()
    }

    #[test]
    fn standalone_config() {
        let cfg = render_zoo_cfg(&Settings::default(), "/d".as_ref(), &ports(1), 0);
        assert!(cfg.contains("\nclientPort=100\n"));
        assert!(cfg.contains("\nstandaloneEnabled=true\n"));
        assert!(cfg.contains("\ndataDir=/d\n"));
        assert!(!cfg.contains("server."));
    }

    #[test]
    fn ensemble_config_and_overrides() {
        let mut settings = Settings::default();
        settings.set_config_entry("tickTime", "1000");
        settings.set_config_entry("maxClientCnxns", "5");
        let cfg = render_zoo_cfg(&settings, "/d".as_ref(), &ports(3), 1);
        assert!(cfg.contains("\nclientPort=101\n"));
        assert!(cfg.contains("\nstandaloneEnabled=false\n"));
        assert!(cfg.contains("\nserver.3=127.0.0.1:202:302;127.0.0.1:102\n"));
        assert!(cfg.contains("\ntickTime=1000\n"));
        assert!(!cfg.contains("tickTime=500"));
        assert!(cfg.ends_with("maxClientCnxns=5\n"));
    }

    #[test]
    fn system_properties_override() {
        let mut settings = Settings::default();
        settings.set_system_property("zookeeper.forceSync", "yes");
        let args = settings.jvm_args();
        let forced: Vec<_> = args
            .iter()
            .filter(|a| a.to_string_lossy().starts_with("-Dzookeeper.forceSync="))
            .collect();
        assert_eq!(forced, vec!["-Dzookeeper.forceSync=yes"]);
        assert_eq!(args.last().map(|a| a.as_os_str()), Some(MAIN_CLASS.as_ref()));
    }

    fn property<'a>(settings: &'a Settings, key: &str) -> Option<&'a str> {
        settings.system_properties.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn tls_and_sasl_are_off_by_default() {
        let settings = Settings::default();
        let dir = tempfile::tempdir().expect("temp dir");
        let prepared = settings.prepare(dir.path()).expect("prepare");
        assert_eq!(prepared.system_properties, settings.system_properties);
        assert_eq!(prepared.effective_classpath(), settings.classpath);
        assert_eq!(std::fs::read_dir(dir.path()).expect("read dir").count(), 0);
        let cfg = render_zoo_cfg(&prepared, "/d".as_ref(), &ports(1), 0);
        assert!(!cfg.contains("secureClientPort"));
        assert!(!cfg.contains("authProvider"));
    }

    #[test]
    fn tls_writes_pem_stores_and_sets_properties() {
        let pki = crate::TestPki::new("ca");
        let mut settings = Settings {
            tls: Some(ServerTls::from_pki(&pki).client_auth(crate::ClientAuth::Need)),
            ..Settings::default()
        };
        // What the user set wins.
        settings.set_system_property("zookeeper.ssl.hostnameVerification", "true");
        let dir = tempfile::tempdir().expect("temp dir");
        let prepared = settings.prepare(dir.path()).expect("prepare");
        let key_store = dir.path().join("tls/keystore.pem");
        let trust_store = dir.path().join("tls/truststore.pem");
        let stored = std::fs::read_to_string(&key_store).expect("key store");
        assert!(stored.contains("BEGIN CERTIFICATE") && stored.contains("BEGIN PRIVATE KEY"));
        assert_eq!(std::fs::read_to_string(&trust_store).expect("trust store"), pki.ca_pem());
        let expected = [
            ("zookeeper.serverCnxnFactory", NETTY_FACTORY.to_string()),
            ("zookeeper.ssl.keyStore.location", key_store.display().to_string()),
            ("zookeeper.ssl.keyStore.type", "PEM".to_string()),
            ("zookeeper.ssl.trustStore.location", trust_store.display().to_string()),
            ("zookeeper.ssl.trustStore.type", "PEM".to_string()),
            ("zookeeper.ssl.clientAuth", "need".to_string()),
            ("zookeeper.ssl.hostnameVerification", "true".to_string()),
        ];
        for (key, value) in expected {
            assert_eq!(property(&prepared, key), Some(value.as_str()), "{key}");
        }
        assert!(prepared.effective_classpath().contains(&PathBuf::from(NETTY_CODEC_JAR)));

        let mut with_secure = ports(3);
        with_secure[2].secure_client = Some(402);
        let cfg = render_zoo_cfg(&prepared, "/d".as_ref(), &with_secure, 2);
        assert!(cfg.contains("\nsecureClientPortAddress=127.0.0.1\nsecureClientPort=402\n"));
        // The secure port is not part of the server list.
        assert!(cfg.contains("\nserver.3=127.0.0.1:202:302;127.0.0.1:102\n"));
    }

    #[test]
    fn netty_codec_is_added_only_to_debians_class_path() {
        let mut settings = Settings {
            tls: Some(ServerTls::from_pki(&crate::TestPki::new("ca"))),
            classpath: vec!["/opt/zookeeper/lib/zookeeper.jar".into()],
            ..Settings::default()
        };
        assert_eq!(settings.effective_classpath(), settings.classpath);
        settings.classpath = vec![ZOOKEEPER_JAR.into(), "/x/netty-codec-4.1.jar".into()];
        assert_eq!(settings.effective_classpath(), settings.classpath);
    }

    #[test]
    fn sasl_writes_jaas_and_registers_the_provider() {
        let settings = Settings {
            sasl_users: Some(vec![
                ("alice".to_string(), "a-secret".to_string()),
                ("bob".to_string(), r#"q"b\s"#.to_string()),
            ]),
            ..Settings::default()
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let prepared = settings.prepare(dir.path()).expect("prepare");
        let jaas = dir.path().join("jaas.conf");
        assert_eq!(
            property(&prepared, "java.security.auth.login.config"),
            Some(jaas.display().to_string().as_str())
        );
        assert_eq!(
            std::fs::read_to_string(&jaas).expect("jaas"),
            "// Written by zookit-testing.\nServer {\n    \
             org.apache.zookeeper.server.auth.DigestLoginModule required\n    \
             user_alice=\"a-secret\"\n    user_bob=\"q\\\"b\\\\s\";\n};\n"
        );
        assert_eq!(property(&prepared, "zookeeper.serverCnxnFactory"), None);
        let cfg = render_zoo_cfg(&prepared, "/d".as_ref(), &ports(1), 0);
        assert!(cfg.contains(&format!("\nauthProvider.sasl={SASL_PROVIDER}\n")));
    }

    #[test]
    fn sasl_user_names() {
        assert!(is_valid_sasl_user("alice_2-b"));
        for bad in ["", "a b", "a=b", "a\"", "ä"] {
            assert!(!is_valid_sasl_user(bad), "{bad:?}");
        }
    }
}
