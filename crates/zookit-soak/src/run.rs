//! The soak: servers, workers and nemesis for the given time, then the
//! checks on the history, and the report.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;
use zookit::{Client, CreateMode};
use zookit_soak::checks::{self, FinalChildren};
use zookit_soak::history::{self, Entry};
use zookit_soak::report::Report;

use crate::nemesis::{self, Log};
use crate::server::Servers;
use crate::workers::Workers;
use crate::workload::{INITIAL, REGISTERS, SESSION_TIMEOUT};

/// The soak's znode.
pub(crate) const ROOT: &str = "/soak";

/// What the soak was asked.
pub(crate) struct SoakArgs {
    pub(crate) seconds: u64,
    pub(crate) apache: bool,
    pub(crate) seed: u64,
    pub(crate) workers: usize,
    pub(crate) zookit: PathBuf,
    pub(crate) dir: PathBuf,
    pub(crate) report: PathBuf,
}

/// Runs the soak; returns its report.
pub(crate) fn soak(args: &SoakArgs) -> Result<Report, String> {
    let _ = std::fs::remove_dir_all(&args.dir);
    for sub in ["history", "sessions"] {
        std::fs::create_dir_all(args.dir.join(sub)).map_err(|e| e.to_string())?;
    }
    eprintln!("soak: starting the {} server(s)", if args.apache { "apache" } else { "embedded" });
    let servers =
        if args.apache { Servers::apache()? } else { Servers::embedded(&args.zookit, &args.dir)? };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let hosts = servers.hosts();
    runtime.block_on(prepare(&hosts))?;
    let mut workers = Workers::start(args.workers, hosts.clone(), ROOT, &args.dir, args.seed);
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut log = Log::default();
    // Let the workers connect before the first fault.
    std::thread::sleep(Duration::from_secs(2));
    let until = started + Duration::from_secs(args.seconds);
    nemesis::run(&servers, &mut workers, &args.dir.join("sessions"), &mut rng, until, &mut log);
    eprintln!("soak: healing, then stopping the workers");
    servers.heal()?;
    std::fs::write(args.dir.join("stop"), "").map_err(|e| e.to_string())?;
    let late = workers.finish(Duration::from_secs(90));
    // The sessions of killed workers expire, and their ephemeral nodes go.
    std::thread::sleep(SESSION_TIMEOUT * 2 + Duration::from_secs(2));
    let at_end = runtime.block_on(final_children(&hosts))?;
    let faults = serde_json::to_string_pretty(&log.faults).unwrap_or_default();
    let _ = std::fs::write(args.dir.join("faults.json"), faults);
    let histories = history::read_dir(&args.dir.join("history")).map_err(|e| e.to_string())?;
    let mut report = check(&histories, &workers, &at_end, late);
    report.server = servers.name().into();
    report.seed = args.seed;
    report.seconds = args.seconds;
    report.faults = log.by_kind();
    Ok(report)
}

/// The soak's nodes, fresh.
async fn prepare(hosts: &str) -> Result<(), String> {
    let zk = Client::builder(hosts)
        .session_timeout(SESSION_TIMEOUT)
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    let work = async {
        if zk.exists(ROOT).await?.is_some() {
            zk.delete(ROOT).recursive().await?;
        }
        for path in ["seq", "multi", "ephemeral", "providers", "tree", "reg"] {
            zk.ensure_path(&format!("{ROOT}/{path}")).await?;
        }
        for p in 0..crate::workload::SEQUENTIAL_PARENTS {
            zk.ensure_path(&format!("{ROOT}/seq/p{p}")).await?;
        }
        for r in 0..REGISTERS {
            zk.create(&format!("{ROOT}/reg/r{r}"), INITIAL).mode(CreateMode::Persistent).await?;
        }
        Ok::<(), zookit::Error>(())
    };
    let result = tokio::time::timeout(Duration::from_secs(60), work).await;
    let _ = zk.stop().await;
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("preparing {ROOT}: {e}")),
        Err(_) => Err(format!("preparing {ROOT} took over 60 s")),
    }
}

/// The children of the parents check 3 looks at.
async fn final_children(hosts: &str) -> Result<FinalChildren, String> {
    let read = async {
        // Long runs leave more children under `multi` than a default
        // frame allows (seed 32: 1,070,147 bytes).
        let zk = Client::builder(hosts)
            .session_timeout(SESSION_TIMEOUT)
            .max_frame_len(64 << 20)
            .connect()
            .await?;
        let mut parents: Vec<String> =
            (0..crate::workload::SEQUENTIAL_PARENTS).map(|p| format!("{ROOT}/seq/p{p}")).collect();
        parents.push(format!("{ROOT}/multi"));
        parents.push(format!("{ROOT}/ephemeral"));
        let mut children = FinalChildren::new();
        for parent in parents {
            let names = zk.retry(|| zk.get_children(&parent)).await?;
            children.insert(parent, names);
        }
        let _ = zk.stop().await;
        Ok::<_, zookit::Error>(children)
    };
    match tokio::time::timeout(Duration::from_secs(60), read).await {
        Ok(result) => result.map_err(|e| format!("reading the end state: {e}")),
        Err(_) => Err("reading the end state took over 60 s".into()),
    }
}

fn check(
    histories: &[history::ProcessHistory],
    workers: &Workers,
    at_end: &FinalChildren,
    late: Vec<String>,
) -> Report {
    let mut report = Report::default();
    let ops = checks::operations(histories);
    let mut operations: BTreeMap<String, usize> = BTreeMap::new();
    for op in &ops {
        *operations.entry(op.call.kind()).or_default() += 1;
    }
    report.operations = operations;
    report.indeterminate = ops.iter().filter(|op| op.indeterminate()).count();

    let (linearized, reads, anomalies) = checks::registers(&ops, INITIAL);
    report.checked.insert("register operations, linearizability".into(), linearized);
    report.checked.insert("register reads, read rules".into(), reads);
    report.add_anomalies("registers", anomalies);

    let holdings = checks::holdings(histories, &workers.ended);
    report.checked.insert("holdings".into(), holdings.len());
    report.add_anomalies("exclusion", checks::exclusion(&holdings));

    report.add_anomalies("creates", checks::creates(&ops, at_end));

    let (watch_checks, anomalies) = checks::watches(histories);
    report.checked.insert("watch checks".into(), watch_checks);
    report.add_anomalies("watches", anomalies);

    let finished: HashSet<String> = histories
        .iter()
        .filter(|h| h.entries.iter().any(|e| matches!(e, Entry::Finished { .. })))
        .map(|h| h.process.clone())
        .collect();
    let (longest, mut anomalies) = checks::bounds(&ops, &finished);
    anomalies.extend(late);
    report.max_latency_ms = longest / 1000;
    report.add_anomalies("bounds", anomalies);

    let (figures, anomalies) = checks::memory(histories);
    report.memory = figures;
    report.add_anomalies("memory", anomalies);

    report.add_anomalies("worker_crashes", workers.crashed.clone());
    for check in zookit_soak::report::CHECKS {
        report.anomalies.entry(check.into()).or_default();
    }
    report
}

/// Writes the report as JSON.
pub(crate) fn write_report(report: &Report, path: &Path) {
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let json = serde_json::to_string_pretty(report).unwrap_or_default();
    if let Err(e) = std::fs::write(path, json) {
        eprintln!("soak: writing {}: {e}", path.display());
    }
}
