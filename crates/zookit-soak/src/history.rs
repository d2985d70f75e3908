//! The history: what every worker did, one JSON line per entry, in one file
//! per worker process, so that a killed worker's history up to the kill is
//! kept. An operation invoked without a completion is *indeterminate*.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Microseconds since the Unix epoch: one clock for every process of the
/// machine.
pub fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// What an operation asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Call {
    /// A read of a register: ZooKeeper's plain read (served by whichever
    /// member the client is connected to, possibly behind), or with
    /// `synced`, a sync then the read (up to date as of the sync).
    Read {
        /// The register's path.
        register: String,
        /// Whether a sync came first.
        synced: bool,
        /// The client that read (within its process).
        client: String,
    },
    /// A set of a register with an expected version (a compare-and-set).
    Cas {
        /// The register's path.
        register: String,
        /// The version the set expects.
        expect: i32,
        /// The value written (unique in the run).
        value: String,
        /// The client that wrote (within its process).
        client: String,
    },
    /// A transaction: check and set a register, and create `node`.
    Multi {
        /// The register's path.
        register: String,
        /// The version the check and the set expect.
        expect: i32,
        /// The value written (unique in the run).
        value: String,
        /// The node created.
        node: String,
        /// The client that wrote (within its process).
        client: String,
    },
    /// A create.
    Create {
        /// The parent of the created node.
        parent: String,
        /// Whether the node is sequential.
        sequential: bool,
        /// Whether the node is ephemeral.
        ephemeral: bool,
    },
    /// A delete.
    Delete {
        /// The node deleted.
        path: String,
    },
    /// Any other request (recipes, registry, watches): counted and bounded.
    Other {
        /// What it was.
        what: String,
    },
}

impl Call {
    /// The kind of the call, for counting.
    pub fn kind(&self) -> String {
        match self {
            Call::Read { synced: false, .. } => "read".into(),
            Call::Read { synced: true, .. } => "sync_read".into(),
            Call::Cas { .. } => "cas".into(),
            Call::Multi { .. } => "multi".into(),
            Call::Create { sequential, ephemeral, .. } => match (sequential, ephemeral) {
                (true, true) => "create_ephemeral_sequential".into(),
                (true, false) => "create_sequential".into(),
                (false, true) => "create_ephemeral".into(),
                (false, false) => "create".into(),
            },
            Call::Delete { .. } => "delete".into(),
            Call::Other { what } => what.clone(),
        }
    }
}

/// How an operation ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// It succeeded.
    Ok {
        /// What a read returned: the version and the value.
        read: Option<(i32, String)>,
        /// The path a create returned.
        path: Option<String>,
    },
    /// It failed, and had no effect (e.g. a bad version).
    Fail {
        /// The error.
        error: String,
    },
    /// It failed and may or may not have had an effect (a connection loss,
    /// a timeout, an expired session): indeterminate.
    Info {
        /// The error.
        error: String,
    },
}

/// One line of a history file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum Entry {
    /// An operation was invoked.
    Invoke {
        /// The operation (unique within its file).
        op: u64,
        /// When.
        time: u64,
        /// What it asked for.
        call: Call,
        /// Its bound: a completion later than this after the invocation is
        /// an anomaly (microseconds).
        bound: u64,
    },
    /// An operation completed.
    Complete {
        /// The operation.
        op: u64,
        /// When.
        time: u64,
        /// How.
        outcome: Outcome,
    },
    /// A lock, a semaphore's lease or a lease was acquired.
    Acquired {
        /// The holding (unique within its file).
        hold: u64,
        /// When (the acquisition's completion).
        time: u64,
        /// `lock`, `semaphore` or `lease`.
        kind: String,
        /// The recipe's path.
        resource: String,
        /// Who holds it.
        holder: String,
        /// How many may hold it at once.
        limit: usize,
        /// For a lease: when it ends by itself.
        until: Option<u64>,
    },
    /// A holding ended (released, suspended or lost; the first of them).
    Ended {
        /// The holding.
        hold: u64,
        /// When (a release's invocation, or when the loss was seen).
        time: u64,
        /// Why.
        why: String,
    },
    /// A watch was checked: a change seen by a read had (or had not) been
    /// delivered or signalled.
    WatchCheck {
        /// When.
        time: u64,
        /// `one_shot`, `persistent`, `persistent_recursive`, `children`,
        /// `tree_cache`.
        kind: String,
        /// The watched node.
        path: String,
        /// Whether the change was delivered or signalled.
        ok: bool,
        /// What was seen.
        detail: String,
    },
    /// The worker's resident memory.
    Rss {
        /// When.
        time: u64,
        /// VmRSS in KiB.
        kib: u64,
    },
    /// The worker ended its workload normally.
    Finished {
        /// When.
        time: u64,
    },
}

/// Appends entries to a history file, one `write` per line, so that a
/// killed process loses nothing it recorded.
#[derive(Debug)]
pub struct HistoryWriter {
    file: Mutex<File>,
}

impl HistoryWriter {
    /// Creates (or appends to) the file at `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self { file: Mutex::new(file) })
    }

    /// Appends `entry`.
    pub fn write(&self, entry: &Entry) {
        let mut line = serde_json::to_vec(entry).expect("entries serialize");
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        // A full disk loses history: the checks then see indeterminate
        // operations, which they accept, so make it loud.
        if let Err(e) = file.write_all(&line) {
            eprintln!("soak: writing the history failed: {e}");
        }
    }
}

/// A process's history: its name (the file's stem) and its entries.
#[derive(Clone, Debug)]
pub struct ProcessHistory {
    /// The process, e.g. `w2-1` (worker 2, second incarnation).
    pub process: String,
    /// Its entries, in the order written.
    pub entries: Vec<Entry>,
}

/// Reads every `*.jsonl` file in `dir`. A last line cut by a kill is
/// skipped.
pub fn read_dir(dir: &Path) -> io::Result<Vec<ProcessHistory>> {
    let mut histories = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    paths.sort();
    for path in paths {
        let process = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        let mut entries = Vec::new();
        for line in BufReader::new(File::open(&path)?).lines() {
            if let Ok(entry) = serde_json::from_str(&line?) {
                entries.push(entry);
            }
        }
        histories.push(ProcessHistory { process, entries });
    }
    Ok(histories)
}
