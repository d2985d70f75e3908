//! zc.zk's script names: invoked as `zookeeper_export`, `zookeeper_import`,
//! `zookeeper_set_property` or `zookeeper_validate` (a symlink to zookit),
//! the binary takes zc.zk's arguments, connection string first, so that
//! existing scripts keep working:
//!
//! ```text
//! zookeeper_export [-e] [-o FILE] CONNECTION [PATH]
//! zookeeper_import [-d] [-t] [-p INT] CONNECTION [FILE|- [PATH]]
//! zookeeper_set_property CONNECTION PATH NAME=VALUE...
//! zookeeper_validate FILE|-
//! ```

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;

use crate::cli::{Command, ExportArgs, GlobalArgs, ImportArgs, SetPropertyArgs, ValidateArgs};

/// One of zc.zk's scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    /// `zookeeper_export`.
    Export,
    /// `zookeeper_import`.
    Import,
    /// `zookeeper_set_property`.
    SetProperty,
    /// `zookeeper_validate`.
    Validate,
}

impl Script {
    /// The script a program name (the file name the binary was invoked
    /// as) stands for, if any.
    pub(crate) fn from_program(program: &str) -> Option<Self> {
        match program {
            "zookeeper_export" => Some(Self::Export),
            "zookeeper_import" => Some(Self::Import),
            "zookeeper_set_property" => Some(Self::SetProperty),
            "zookeeper_validate" => Some(Self::Validate),
            _ => None,
        }
    }
}

/// `zookeeper_export`.
#[derive(Debug, Parser)]
#[command(
    name = "zookeeper_export",
    about = "Export a ZooKeeper tree in zc.zk's text format (zookit's zc.zk-compatible form)",
    override_usage = "zookeeper_export [options] connection [path]",
    after_help = "Example:\n  zookeeper_export -e zk.example.com:2181 /fooservice"
)]
struct ExportScript {
    /// Include ephemeral nodes
    #[arg(short, long)]
    ephemeral: bool,
    /// Write to OUTPUT rather than standard output
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// ZooKeeper connection string (host:port,...[/chroot])
    connection: String,
    /// The tree to export
    #[arg(default_value = "/")]
    path: String,
}

/// `zookeeper_import`.
#[derive(Debug, Parser)]
#[command(
    name = "zookeeper_import",
    about = "Import a tree definition from a file (zookit's zc.zk-compatible form).\n\n\
             If no import-file is provided or if the import file is -, then data are read \
             from standard input.",
    override_usage = "zookeeper_import [options] connection [import-file [path]]",
    after_help = "Example:\n  zookeeper_import -dt zk.example.com:2181 - /fooservice < tree.txt"
)]
struct ImportScript {
    /// Change nothing; print what would change
    #[arg(short, long)]
    dry_run: bool,
    /// Delete nodes that are not in the file
    #[arg(short, long)]
    trim: bool,
    /// ZooKeeper permission bits as integer, defaulting to 31 (all)
    #[arg(short, long, default_value_t = 31)]
    permission: i32,
    /// ZooKeeper connection string (host:port,...[/chroot])
    connection: String,
    /// The tree file (- for standard input)
    #[arg(default_value = "-")]
    import_file: PathBuf,
    /// Where to import the top-level nodes
    #[arg(default_value = "/")]
    path: String,
}

/// `zookeeper_set_property`.
#[derive(Debug, Parser)]
#[command(
    name = "zookeeper_set_property",
    about = "Update a node's properties (zookit's zc.zk-compatible form)",
    override_usage = "zookeeper_set_property connection path NAME=PYTHONEXPRESSION...",
    after_help = "Example:\n  zookeeper_set_property zk.example.com:2181 /fooservice threads=4 debug=True \"comment='ok'\""
)]
struct SetPropertyScript {
    /// ZooKeeper connection string (host:port,...[/chroot])
    connection: String,
    /// The node's path
    path: String,
    /// NAME=VALUE updates, the values Python literals
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    properties: Vec<String>,
}

/// `zookeeper_validate`.
#[derive(Debug, Parser)]
#[command(
    name = "zookeeper_validate",
    about = "Validate a tree definition from a file (zookit's zc.zk-compatible form)",
    override_usage = "zookeeper_validate file",
    after_help = "Example:\n  zookeeper_validate tree.txt"
)]
struct ValidateScript {
    /// The tree file (- for standard input)
    file: PathBuf,
}

/// Parses a script's arguments (`args[0]` is the program) into zookit's
/// global options and command.
pub(crate) fn parse(
    script: Script,
    args: &[OsString],
) -> Result<(GlobalArgs, Command), clap::Error> {
    Ok(match script {
        Script::Export => {
            let s = ExportScript::try_parse_from(args)?;
            let command = Command::Export(ExportArgs {
                path: s.path,
                ephemeral: s.ephemeral,
                output: s.output,
                name: None,
            });
            (GlobalArgs::with_connect(s.connection), command)
        }
        Script::Import => {
            let s = ImportScript::try_parse_from(args)?;
            let command = Command::Import(ImportArgs {
                file: s.import_file,
                path: s.path,
                dry_run: s.dry_run,
                trim: s.trim,
                permission: s.permission,
            });
            (GlobalArgs::with_connect(s.connection), command)
        }
        Script::SetProperty => {
            let s = SetPropertyScript::try_parse_from(args)?;
            let command =
                Command::SetProperty(SetPropertyArgs { path: s.path, properties: s.properties });
            (GlobalArgs::with_connect(s.connection), command)
        }
        Script::Validate => {
            let s = ValidateScript::try_parse_from(args)?;
            // No server is needed; the connection options are never used.
            let global = GlobalArgs::with_connect(String::new());
            (global, Command::Validate(ValidateArgs { file: s.file }))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<OsString> {
        line.split_whitespace().map(OsString::from).collect()
    }

    #[test]
    fn the_readme_invocations() {
        let (global, command) =
            parse(Script::Export, &args("zookeeper_export -e zk:2181 /fooservice")).unwrap();
        assert_eq!(global.connect, "zk:2181");
        assert!(
            matches!(command, Command::Export(ExportArgs { ephemeral: true, ref path, .. }) if path == "/fooservice")
        );

        // optparse's `-oo`: -o with the value "o", after the positionals.
        let (_, command) =
            parse(Script::Export, &args("zookeeper_export zk:2181 /fooservice -oo")).unwrap();
        assert!(
            matches!(command, Command::Export(ExportArgs { output: Some(ref o), .. }) if o == &PathBuf::from("o"))
        );

        let (_, command) =
            parse(Script::Import, &args("zookeeper_import -dt zk:2181 - /fooservice")).unwrap();
        let Command::Import(import) = command else { panic!("not an import") };
        assert!(import.dry_run && import.trim);
        assert_eq!((import.file.to_str(), import.path.as_str()), (Some("-"), "/fooservice"));

        let (_, command) = parse(Script::Import, &args("zookeeper_import -d zk:2181")).unwrap();
        let Command::Import(import) = command else { panic!("not an import") };
        assert_eq!(
            (import.file.to_str(), import.path.as_str(), import.permission),
            (Some("-"), "/", 31)
        );

        let (global, command) = parse(
            Script::SetProperty,
            &args("zookeeper_set_property zk:2181 /fooservice threads=4 debug=True comment='ok'"),
        )
        .unwrap();
        assert_eq!(global.connect, "zk:2181");
        let Command::SetProperty(set) = command else { panic!("not set-property") };
        assert_eq!(set.properties, ["threads=4", "debug=True", "comment='ok'"]);

        assert!(parse(Script::Validate, &args("zookeeper_validate tree.txt")).is_ok());
        assert!(parse(Script::Validate, &args("zookeeper_validate")).is_err());
        assert!(parse(Script::Export, &args("zookeeper_export")).is_err());
    }
}
