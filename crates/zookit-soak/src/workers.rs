//! The worker processes: the soak binary run again as `worker`, killed
//! with SIGKILL and started again as a new incarnation.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use zookit_soak::history::now_us;

/// One worker slot: its current process.
struct Slot {
    id: usize,
    incarnation: usize,
    child: Child,
}

/// The workers.
pub(crate) struct Workers {
    exe: PathBuf,
    hosts: String,
    root: String,
    dir: PathBuf,
    seed: u64,
    slots: Vec<Slot>,
    /// When each process ended (killed, or seen exited), µs.
    pub(crate) ended: HashMap<String, u64>,
    /// Processes that exited on their own with a failure.
    pub(crate) crashed: Vec<String>,
}

fn name(id: usize, incarnation: usize) -> String {
    format!("w{id}-{incarnation}")
}

impl Workers {
    pub(crate) fn start(count: usize, hosts: String, root: &str, dir: &Path, seed: u64) -> Self {
        let exe = std::env::current_exe().expect("the soak's own path");
        let mut workers = Workers {
            exe,
            hosts,
            root: root.into(),
            dir: dir.into(),
            seed,
            slots: Vec::new(),
            ended: HashMap::new(),
            crashed: Vec::new(),
        };
        for id in 0..count {
            let child = workers.spawn(id, 0);
            workers.slots.push(Slot { id, incarnation: 0, child });
        }
        workers
    }

    fn spawn(&self, id: usize, incarnation: usize) -> Child {
        Command::new(&self.exe)
            .arg("worker")
            .args(["--name", &name(id, incarnation), "--hosts", &self.hosts, "--root", &self.root])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--seed", &self.seed.to_string()])
            .spawn()
            .expect("spawning a worker")
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// SIGKILLs worker `i`'s process; returns its name.
    pub(crate) fn kill(&mut self, i: usize) -> String {
        let slot = &mut self.slots[i];
        let _ = slot.child.kill();
        let _ = slot.child.wait();
        let name = name(slot.id, slot.incarnation);
        self.ended.insert(name.clone(), now_us());
        // Its sessions are no longer worth expiring.
        let sessions = self.dir.join("sessions");
        if let Ok(files) = std::fs::read_dir(&sessions) {
            for file in files.flatten() {
                if file.file_name().to_string_lossy().starts_with(&format!("{name}-")) {
                    let _ = std::fs::remove_file(file.path());
                }
            }
        }
        name
    }

    /// Starts worker `i` again, as its next incarnation.
    pub(crate) fn respawn(&mut self, i: usize) -> String {
        let (id, incarnation) = (self.slots[i].id, self.slots[i].incarnation + 1);
        let child = self.spawn(id, incarnation);
        self.slots[i] = Slot { id, incarnation, child };
        name(id, incarnation)
    }

    /// Notes workers that died on their own (and starts them again).
    pub(crate) fn reap(&mut self) {
        for i in 0..self.slots.len() {
            if let Ok(Some(status)) = self.slots[i].child.try_wait() {
                let name = name(self.slots[i].id, self.slots[i].incarnation);
                self.ended.insert(name.clone(), now_us());
                self.crashed.push(format!("{name} exited on its own: {status}"));
                self.respawn(i);
            }
        }
    }

    /// Waits up to `within` for every worker to exit (after the stop
    /// file); kills the others. Returns those that did not finish.
    pub(crate) fn finish(&mut self, within: std::time::Duration) -> Vec<String> {
        let deadline = std::time::Instant::now() + within;
        let mut late = Vec::new();
        for slot in &mut self.slots {
            let name = name(slot.id, slot.incarnation);
            loop {
                match slot.child.try_wait() {
                    Ok(Some(status)) => {
                        if !status.success() {
                            self.crashed.push(format!("{name} ended with {status}"));
                        }
                        break;
                    }
                    _ if std::time::Instant::now() >= deadline => {
                        let _ = slot.child.kill();
                        let _ = slot.child.wait();
                        late.push(format!("{name} did not finish within {within:?} of the stop"));
                        break;
                    }
                    _ => std::thread::sleep(std::time::Duration::from_millis(100)),
                }
            }
            self.ended.insert(name, now_us());
        }
        late
    }
}
