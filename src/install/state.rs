//! The wizard's persisted progress: one JSON file per install in the data directory, written
//! atomically (temp file in the same folder + rename), so a killed wizard resumes where it
//! stopped and never reads a half-written file.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::InstallError;
use crate::model::install::StepId;
pub use crate::model::install::StepStatus;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StepState {
    pub status: StepStatus,
    /// Last error, or the verify result ("3 Deployments available").
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct InstallState {
    #[serde(default)]
    pub steps: BTreeMap<StepId, StepState>,
    /// Kubeconfig file and context chosen or written by the cluster step.
    #[serde(default)]
    pub kubeconfig: Option<PathBuf>,
    #[serde(default)]
    pub context: Option<String>,
    /// The age recipient (public key) of this install.
    #[serde(default)]
    pub recipient: Option<String>,
    /// The cluster's identity (server URL and kube-system uid) this progress belongs to.
    #[serde(default)]
    pub cluster: Option<String>,
}

impl InstallState {
    pub fn step(&self, id: StepId) -> StepState {
        self.steps.get(&id).cloned().unwrap_or_default()
    }

    pub fn set(&mut self, id: StepId, status: StepStatus, message: Option<String>) {
        let entry = self.steps.entry(id).or_default();
        entry.status = status;
        entry.message = message;
        entry.updated_at = Some(jiff::Timestamp::now().to_string());
    }

    /// The first step not done (where a resumed wizard starts).
    pub fn resume_step(&self) -> Option<StepId> {
        StepId::ALL
            .into_iter()
            .find(|s| self.step(*s).status != StepStatus::Done)
    }

    /// Drops recorded paths that no longer exist (a state resumed from another machine or
    /// folder), so the answers' paths are used instead.
    pub(crate) fn revalidate(&mut self) {
        if let Some(kc) = &self.kubeconfig
            && !std::env::split_paths(kc).any(|p| p.exists())
        {
            self.kubeconfig = None;
        }
    }

    /// Loads the state file; a missing file is a fresh install.
    pub fn load(path: &Path) -> Result<InstallState, InstallError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                InstallError::Config(format!("{}: corrupt install state: {e}", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(InstallState::default()),
            Err(e) => Err(InstallError::io(path, e)),
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), InstallError> {
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| InstallError::Invalid(format!("serialize install state: {e}")))?;
        write_atomic(path, text.as_bytes(), None)
    }
}

/// Writes `bytes` to `path` atomically: a temp file in the same folder, fsync, rename. With
/// `mode` (unix) the temp file is created with that mode, so the content is never readable
/// by others, not even briefly.
pub(crate) fn write_atomic(
    path: &Path,
    bytes: &[u8],
    mode: Option<u32>,
) -> Result<(), InstallError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| InstallError::io(dir, e))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    remove_stale_temps(dir, &file_name);
    let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(InstallError::io(path, e));
    }
    Ok(())
}

/// Removes temp files of `file_name` left by processes that were killed mid-write (the
/// pid in the name is not running): they may hold a copy of a key.
pub(crate) fn remove_stale_temps(dir: &Path, file_name: &str) {
    let prefix = format!(".{file_name}.tmp-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(&prefix)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether a process runs with this pid (Linux: `/proc`; elsewhere assumed gone).
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    proc.is_dir() && proc.join(pid.to_string()).exists()
}

/// Turns a cluster name or ARN into a safe file name component.
pub(crate) fn safe_name(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.chars().all(|c| c == '.') {
        "_".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_resume_point() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("state.json");
        let mut st = InstallState::load(&path).expect("fresh");
        assert_eq!(st.resume_step(), Some(StepId::Cluster));
        st.set(StepId::Cluster, StepStatus::Done, None);
        st.set(StepId::AgeKey, StepStatus::Applying, None);
        st.save(&path).expect("save");
        let back = InstallState::load(&path).expect("load");
        assert_eq!(back.resume_step(), Some(StepId::AgeKey));
        assert_eq!(back.step(StepId::AgeKey).status, StepStatus::Applying);
        // No temp file left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn temp_files_of_killed_writers_are_removed() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("key.txt");
        // A writer killed mid-write (a pid that cannot be running), and a live one (ours
        // is the writer; pid 1 is alive).
        let dead = dir.path().join(".key.txt.tmp-4000000000");
        let live = dir.path().join(".key.txt.tmp-1");
        let other = dir.path().join(".other.tmp-4000000000");
        for f in [&dead, &live, &other] {
            std::fs::write(f, "AGE-SECRET-KEY-1HALFWRITTEN").expect("plant");
        }
        write_atomic(&path, b"key", Some(0o600)).expect("write");
        assert!(!dead.exists(), "stale temp file kept");
        assert!(live.exists(), "a running writer's temp file removed");
        assert!(other.exists(), "another file's temp removed");
        assert_eq!(std::fs::read(&path).expect("read"), b"key");
    }

    #[test]
    fn safe_names() {
        assert_eq!(
            safe_name("arn:aws:eks:eu-west-1:1:cluster/prod"),
            "arn_aws_eks_eu-west-1_1_cluster_prod"
        );
        assert_eq!(safe_name(".."), "_");
    }
}
