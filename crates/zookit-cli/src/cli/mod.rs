//! The command line's definition: global options and every subcommand, with
//! their help texts and examples.

pub(crate) mod serve;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The `--help` text's closing part: a few examples and the exit codes.
const AFTER_HELP: &str = "\
Examples:
  zookit -c zk1:2181,zk2:2181/app ls -l /
  zookit get /config                    # text, or pretty JSON for JSON data
  zookit import services.txt            # zc.zk's tree format
  zookit export -e /cms                 # with ephemeral (registered) nodes
  zookit watch --recursive /cms         # every change, until Ctrl-C
  zookit four-letter mntr

Exit codes: 0 success, 1 ZooKeeper error (NoNode, BadVersion, no connection,
...), 2 bad usage or bad input.

Invoked as zookeeper_export, zookeeper_import, zookeeper_set_property or
zookeeper_validate (a symlink to zookit), it takes zc.zk's arguments.";

/// The `zookit` command line.
#[derive(Debug, Parser)]
#[command(
    name = "zookit",
    version,
    about = "ZooKeeper from the command line: browse, edit, watch, import and export trees",
    after_help = AFTER_HELP,
    max_term_width = 100
)]
pub(crate) struct Cli {
    /// Options that apply to every command.
    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Connection and output options, accepted before or after the command.
#[derive(Debug, Clone, Args)]
pub(crate) struct GlobalArgs {
    /// ZooKeeper servers, kazoo style: host:port,host:port[/chroot]
    #[arg(
        short = 'c',
        long = "connect",
        value_name = "HOSTS",
        global = true,
        env = "ZC_ZK_CONNECTION_STRING",
        default_value = "127.0.0.1:2181",
        help_heading = "Connection"
    )]
    pub(crate) connect: String,

    /// How long to wait for a session (or a four-letter word's answer):
    /// 10, 10s, 500ms, 1m
    #[arg(
        long,
        value_name = "DURATION",
        global = true,
        default_value = "10s",
        value_parser = parse_duration,
        help_heading = "Connection"
    )]
    pub(crate) timeout: Duration,

    /// Credentials for the session, e.g. digest:user:password (repeatable)
    #[arg(long, value_name = "SCHEME:CREDENTIAL", global = true, help_heading = "Connection")]
    pub(crate) auth: Vec<String>,

    /// Connect with TLS, trusting this CA bundle (PEM)
    #[arg(long, value_name = "FILE", global = true, help_heading = "TLS")]
    pub(crate) tls_ca: Option<PathBuf>,

    /// Connect with TLS, presenting this client certificate (PEM)
    #[arg(long, value_name = "FILE", global = true, requires = "tls_key", help_heading = "TLS")]
    pub(crate) tls_cert: Option<PathBuf>,

    /// The client certificate's private key (PEM, PKCS#8 if encrypted)
    #[arg(long, value_name = "FILE", global = true, requires = "tls_cert", help_heading = "TLS")]
    pub(crate) tls_key: Option<PathBuf>,

    /// The password of an encrypted private key
    #[arg(
        long,
        value_name = "PASSWORD",
        global = true,
        env = "ZOOKIT_TLS_KEY_PASSWORD",
        hide_env_values = true,
        help_heading = "TLS"
    )]
    pub(crate) tls_key_password: Option<String>,

    /// Connect with TLS without verifying the server's certificate (tests only)
    #[arg(long, global = true, help_heading = "TLS")]
    pub(crate) tls_no_verify: bool,

    /// Machine-readable JSON output (JSON lines for `watch`); errors as JSON on stderr
    #[arg(long, global = true, help_heading = "Output")]
    pub(crate) json: bool,

    /// No progress bars or notes on stderr
    #[arg(short, long, global = true, help_heading = "Output")]
    pub(crate) quiet: bool,
}

impl GlobalArgs {
    /// The defaults, connecting to `hosts` (for zc.zk's script forms).
    pub(crate) fn with_connect(hosts: String) -> Self {
        Self {
            connect: hosts,
            timeout: Duration::from_secs(10),
            auth: Vec::new(),
            tls_ca: None,
            tls_cert: None,
            tls_key: None,
            tls_key_password: None,
            tls_no_verify: false,
            json: false,
            quiet: false,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List a node's children (-l: with their stats; -R: the whole subtree)
    #[command(
        after_help = "Examples:\n  zookit ls /\n  zookit ls -l /cms/providers\n  zookit ls -R /cms"
    )]
    Ls(LsArgs),

    /// Print a node's data: text, pretty JSON for JSON data, or a hex dump
    #[command(
        after_help = "Examples:\n  zookit get /cms\n  zookit get --hex /binary\n  zookit get --raw /blob > blob.bin"
    )]
    Get(GetArgs),

    /// Print a node's stat (versions, zxids, times, owner, sizes)
    #[command(after_help = "Example:\n  zookit stat /cms")]
    Stat(PathArg),

    /// Set a node's data
    #[command(
        after_help = "Examples:\n  zookit set /config 'max=10'\n  zookit set -v 3 /config 'max=11'   # only if at version 3\n  zookit set --file config.json /config"
    )]
    Set(SetArgs),

    /// Create a node and print its path
    #[command(
        after_help = "Examples:\n  zookit create /app\n  zookit create -p /app/config/db 'host=db1'\n  zookit create -e -s /app/members/m- ''   # prints /app/members/m-0000000003"
    )]
    Create(CreateArgs),

    /// Delete a node (-r: with everything below it)
    #[command(
        after_help = "Examples:\n  zookit delete /app/old\n  zookit delete -r /app\n  zookit delete -v 2 /app/config   # only if at version 2"
    )]
    Delete(DeleteArgs),

    /// Print a node's ACL, one scheme:id:perms entry a line
    #[command(name = "get-acl", after_help = "Example:\n  zookit get-acl /app")]
    GetAcl(PathArg),

    /// Replace a node's ACL with scheme:id:perms entries (perms from cdrwa)
    #[command(
        name = "set-acl",
        after_help = "Examples:\n  zookit set-acl /app world:anyone:r digest:admin:x1nq8J5GOJVPY6zgBp2W5l4Jk4E=:cdrwa\n  zookit --auth digest:admin:secret set-acl /app auth::cdrwa"
    )]
    SetAcl(SetAclArgs),

    /// Make the server catch up with the leader
    #[command(after_help = "Example:\n  zookit sync /app")]
    Sync(PathArg),

    /// Print changes of a node (or, --recursive, of its subtree) until interrupted
    #[command(
        after_help = "Examples:\n  zookit watch /config\n  zookit watch --recursive /cms\n  zookit watch --children /cms/providers\n  zookit --json watch -R / | jq .path"
    )]
    Watch(WatchArgs),

    /// Export a tree in zc.zk's text format (like zookeeper_export)
    #[command(
        after_help = "Examples:\n  zookit export /cms\n  zookit export -e -o cms.txt /cms\n  zookit export --name cms2 /cms   # to import it elsewhere"
    )]
    Export(ExportArgs),

    /// Import a tree in zc.zk's text format (like zookeeper_import)
    #[command(
        after_help = "Examples:\n  zookit import services.txt\n  zookit import -d -t services.txt   # what would change, trimming extra nodes\n  zookit export /cms | zookit -c other:2181 import - /"
    )]
    Import(ImportArgs),

    /// Check a tree file's syntax, without a server (like zookeeper_validate)
    #[command(after_help = "Example:\n  zookit validate services.txt")]
    Validate(ValidateArgs),

    /// Print a tree with its ephemeral nodes (zc.zk's print_tree)
    #[command(after_help = "Example:\n  zookit tree /cms")]
    Tree(OptionalPathArg),

    /// Update a node's properties: NAME=VALUE with Python literal values
    #[command(
        name = "set-property",
        after_help = "Example:\n  zookit set-property /fooservice threads=4 debug=True \"comment='ok'\""
    )]
    SetProperty(SetPropertyArgs),

    /// Print a node's properties, symbolic links resolved and property links followed
    #[command(after_help = "Example:\n  zookit properties /lb/pools/cms")]
    Properties(PathArg),

    /// Print the real path of a path, following symbolic links
    #[command(after_help = "Example:\n  zookit resolve /lb/pools/cms/providers   # /cms/providers")]
    Resolve(PathArg),

    /// Make a symbolic link SOURCE pointing to TARGET (zc.zk's ln)
    #[command(after_help = "Example:\n  zookit ln /databases/cms /cms/databases/main")]
    Ln(LnArgs),

    /// Print the paths of a tree, depth first (zc.zk's walk)
    #[command(after_help = "Examples:\n  zookit walk /cms\n  zookit walk --no-ephemeral /")]
    Walk(WalkArgs),

    /// Register a server under a service's providers until interrupted
    #[command(
        after_help = "Example:\n  zookit register /cms/providers 10.0.0.7:8080 weight=2 \"zone='a'\""
    )]
    Register(RegisterArgs),

    /// Draw the modelled services and their links as a Graphviz graph
    #[command(after_help = "Example:\n  zookit graph / | dot -Tsvg > services.svg")]
    Graph(OptionalPathArg),

    /// Send a four-letter word (ruok, srvr, stat, mntr, conf, envi, cons, wchs, ...)
    #[command(
        name = "four-letter",
        visible_alias = "4lw",
        after_help = "Examples:\n  zookit four-letter ruok\n  zookit -c zk1:2181,zk2:2181,zk3:2181 four-letter srvr\n  zookit --json four-letter mntr"
    )]
    FourLetter(FourLetterArgs),

    /// Run a ZooKeeper-compatible server, in memory or on a data directory (single server, for development and tests)
    #[command(
        after_help = "Prints `listening on HOST:PORT` once it accepts connections (and `listening with TLS on HOST:PORT` for a secure port); stops on Ctrl-C or SIGTERM. With --config it reads an Apache ZooKeeper zoo.cfg (the options given override it) and names the keys it does not apply in one warning.\n\nWith --data-dir (or zoo.cfg's dataDir), every write is in the transaction log (synced to disk, unless --fsync never) before it is answered, and a restart on the same directory recovers the tree and the sessions: clients that come back within their session timeout keep their sessions and ephemeral znodes; the ephemerals of the others go when their sessions expire. Nothing acknowledged is lost to a crash, kill -9 included. A damaged log or snapshot stops the start with the file and byte offset (a record a crash cut short at the end of the last log is dropped).\n\nExamples:\n  zookit serve\n  zookit serve --port 0 --tick-time 500\n  zookit serve --data-dir /var/lib/zookit\n  zookit serve --config conf/zoo.cfg --port 0\n  zookit serve --secure-port 2281 --server-cert server.pem --server-key server-key.pem --client-ca ca.pem\n  zookit serve --jaas jaas.conf"
    )]
    Serve(Box<serve::ServeArgs>),

    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  zookit completions bash > /etc/bash_completion.d/zookit\n  zookit completions zsh > ~/.zfunc/_zookit\n  zookit completions fish > ~/.config/fish/completions/zookit.fish"
    )]
    Completions(CompletionsArgs),
}

/// One node path.
#[derive(Debug, Args)]
pub(crate) struct PathArg {
    /// The node's path
    pub(crate) path: String,
}

/// An optional node path (default `/`).
#[derive(Debug, Args)]
pub(crate) struct OptionalPathArg {
    /// The tree's path
    #[arg(default_value = "/")]
    pub(crate) path: String,
}

/// `ls`.
#[derive(Debug, Args)]
pub(crate) struct LsArgs {
    /// The node whose children to list
    #[arg(default_value = "/")]
    pub(crate) path: String,
    /// List the whole subtree, as paths
    #[arg(short = 'R', long)]
    pub(crate) recursive: bool,
    /// Long listing: kind, version, children, bytes, modification time
    #[arg(short = 'l', long)]
    pub(crate) long: bool,
}

/// `get`.
#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// The node's path
    pub(crate) path: String,
    /// A hex dump of the data
    #[arg(long, conflicts_with = "raw")]
    pub(crate) hex: bool,
    /// The data's bytes exactly as stored
    #[arg(long)]
    pub(crate) raw: bool,
}

/// `set`.
#[derive(Debug, Args)]
pub(crate) struct SetArgs {
    /// The node's path
    pub(crate) path: String,
    /// The new data
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub(crate) data: Option<String>,
    /// Read the new data from FILE (- for standard input)
    #[arg(short, long, value_name = "FILE")]
    pub(crate) file: Option<PathBuf>,
    /// Only if the node's data version is VERSION
    #[arg(short, long, allow_negative_numbers = true)]
    pub(crate) version: Option<i32>,
}

/// `create`.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The node's path (for -s, the prefix of its name)
    pub(crate) path: String,
    /// The node's data
    #[arg(default_value = "")]
    pub(crate) data: String,
    /// Ephemeral: deleted when the session ends (as soon as zookit exits)
    #[arg(short, long)]
    pub(crate) ephemeral: bool,
    /// Sequential: the server appends a 10-digit counter to the name
    #[arg(short, long)]
    pub(crate) sequential: bool,
    /// A container node: deleted by the server after its last child
    #[arg(long, conflicts_with_all = ["ephemeral", "sequential", "ttl"])]
    pub(crate) container: bool,
    /// A time to live in milliseconds (servers with extended types enabled)
    #[arg(long, value_name = "MS", conflicts_with = "ephemeral")]
    pub(crate) ttl: Option<u64>,
    /// Create missing parent nodes too
    #[arg(short, long)]
    pub(crate) parents: bool,
}

/// `delete`.
#[derive(Debug, Args)]
pub(crate) struct DeleteArgs {
    /// The node's path
    pub(crate) path: String,
    /// Delete everything below the node too (ephemeral nodes included)
    #[arg(short, long)]
    pub(crate) recursive: bool,
    /// Only if the node's data version is VERSION
    #[arg(short, long, allow_negative_numbers = true)]
    pub(crate) version: Option<i32>,
}

/// `set-acl`.
#[derive(Debug, Args)]
pub(crate) struct SetAclArgs {
    /// The node's path
    pub(crate) path: String,
    /// The new ACL's entries, scheme:id:perms, e.g. world:anyone:cdrwa, ip:10.0.0.0/8:r
    #[arg(required = true, value_name = "ACL")]
    pub(crate) acl: Vec<String>,
    /// Only if the node's ACL version is VERSION
    #[arg(short, long, allow_negative_numbers = true)]
    pub(crate) version: Option<i32>,
}

/// `watch`.
#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// The node to watch (it need not exist, except with --children)
    pub(crate) path: String,
    /// Every change of the node and of all its descendants
    #[arg(short = 'R', long, conflicts_with = "children")]
    pub(crate) recursive: bool,
    /// The node's children: the list now and after every change
    #[arg(long)]
    pub(crate) children: bool,
}

/// `export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The tree to export
    #[arg(default_value = "/")]
    pub(crate) path: String,
    /// Include ephemeral nodes
    #[arg(short, long)]
    pub(crate) ephemeral: bool,
    /// Write to FILE rather than standard output
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Rename the top node (to import the export somewhere else)
    #[arg(long)]
    pub(crate) name: Option<String>,
}

/// `import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The tree file (- or none: standard input)
    #[arg(default_value = "-")]
    pub(crate) file: PathBuf,
    /// Where to import the top-level nodes
    #[arg(default_value = "/")]
    pub(crate) path: String,
    /// Change nothing; print what would change
    #[arg(short, long)]
    pub(crate) dry_run: bool,
    /// Delete nodes that are not in the file (never ephemeral ones, nor top-level nodes)
    #[arg(short, long)]
    pub(crate) trim: bool,
    /// Permission bits of the imported nodes' world ACL: read 1, write 2, create 4, delete 8, admin 16
    #[arg(short, long, value_name = "INT", default_value_t = 31)]
    pub(crate) permission: i32,
}

/// `validate`.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The tree file (- for standard input)
    #[arg(default_value = "-")]
    pub(crate) file: PathBuf,
}

/// `set-property`.
#[derive(Debug, Args)]
pub(crate) struct SetPropertyArgs {
    /// The node's path (resolved through symbolic links)
    pub(crate) path: String,
    /// NAME=VALUE, the value a Python literal: 4, True, 'text', [1, 2], {'a': 1}
    #[arg(required = true, value_name = "NAME=VALUE")]
    pub(crate) properties: Vec<String>,
}

/// `ln`.
#[derive(Debug, Args)]
pub(crate) struct LnArgs {
    /// The path the link points to
    pub(crate) target: String,
    /// The link's path (ending in /: the target's name is appended)
    pub(crate) source: String,
}

/// `walk`.
#[derive(Debug, Args)]
pub(crate) struct WalkArgs {
    /// The tree to walk
    #[arg(default_value = "/")]
    pub(crate) path: String,
    /// Leave out ephemeral nodes
    #[arg(long)]
    pub(crate) no_ephemeral: bool,
}

/// `register`.
#[derive(Debug, Args)]
pub(crate) struct RegisterArgs {
    /// The service's providers node (resolved through symbolic links)
    pub(crate) path: String,
    /// The server's address; a blank host (:8080) registers every IPv4 address
    #[arg(value_name = "HOST:PORT")]
    pub(crate) address: String,
    /// Properties of the registration, NAME=VALUE with Python literal values
    #[arg(value_name = "NAME=VALUE")]
    pub(crate) properties: Vec<String>,
}

/// `four-letter`.
#[derive(Debug, Args)]
pub(crate) struct FourLetterArgs {
    /// The word: ruok, srvr, stat, mntr, conf, envi, cons, wchs, dump, isro, ...
    pub(crate) word: String,
}

/// `completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub(crate) shell: Shell,
}

/// The shells completions are made for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Shell {
    /// GNU Bash
    Bash,
    /// Z shell
    Zsh,
    /// fish
    Fish,
    /// PowerShell
    Powershell,
    /// Elvish
    Elvish,
}

/// Parses a duration: seconds (`10`, `1.5`), or with a unit (`500ms`,
/// `10s`, `2m`).
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 10, 10s, 500ms, 1m)"))?;
    let seconds = value * scale;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
        return Err(format!("{text:?} is not a duration from 1 ms to 24 h"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        for bad in ["", "x", "0", "-1", "1h", "nan", "1e9"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
