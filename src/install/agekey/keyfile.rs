//! The age key file: an X25519 identity in age-keygen's format, where it is stored per
//! cluster and environment (0600, never overwritten), and the check of a file to import.
//! Only the public key is ever shown or logged.

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use age::secrecy::ExposeSecret as _;

use crate::install::InstallError;
use crate::install::state::{safe_name, write_atomic};

/// An age X25519 identity. `Debug` never prints the secret.
pub struct AgeKey {
    identity: age::x25519::Identity,
    /// The whole key file as written (the Secret holds exactly these bytes).
    file_text: String,
}

impl std::fmt::Debug for AgeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgeKey")
            .field("recipient", &self.recipient())
            .finish_non_exhaustive()
    }
}

impl AgeKey {
    /// A new identity, formatted as `age-keygen -o key.txt` does.
    pub fn generate() -> AgeKey {
        let identity = age::x25519::Identity::generate();
        let created = jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let file_text = format!(
            "# created: {created}\n# public key: {}\n{}\n",
            identity.to_public(),
            identity.to_string().expose_secret()
        );
        AgeKey {
            identity,
            file_text,
        }
    }

    /// Reads age-keygen's format (comment lines, one `AGE-SECRET-KEY-1…` line). A `# public
    /// key:` comment that does not match the secret key is an error.
    pub fn parse(text: &str) -> Result<AgeKey, InstallError> {
        let mut identity = None;
        let mut public = None;
        for line in text.lines().map(str::trim) {
            if let Some(p) = line.strip_prefix("# public key:") {
                public = Some(p.trim().to_string());
            } else if line.starts_with("AGE-SECRET-KEY-") {
                if identity.is_some() {
                    return Err(InstallError::Key(
                        "the key file holds more than one identity".into(),
                    ));
                }
                identity = Some(age::x25519::Identity::from_str(line).map_err(|_| {
                    InstallError::Key("the AGE-SECRET-KEY line is not a valid X25519 key".into())
                })?);
            }
        }
        let identity =
            identity.ok_or_else(|| InstallError::Key("no AGE-SECRET-KEY-1… line found".into()))?;
        let recipient = identity.to_public().to_string();
        if let Some(p) = public
            && p != recipient
        {
            return Err(InstallError::Key(format!(
                "the public key comment ({p}) does not match the secret key ({recipient})"
            )));
        }
        Ok(AgeKey {
            identity,
            file_text: text.to_string(),
        })
    }

    /// The recipient (`age1…`), the only part ever shown.
    pub fn recipient(&self) -> String {
        self.identity.to_public().to_string()
    }

    pub fn identity(&self) -> &age::x25519::Identity {
        &self.identity
    }

    /// The key file's bytes (secret: for the file and the Secret only).
    pub fn file_bytes(&self) -> &[u8] {
        self.file_text.as_bytes()
    }

    /// Loads a key file; `None` when it does not exist.
    pub fn load(path: &Path) -> Result<Option<AgeKey>, InstallError> {
        match std::fs::read_to_string(path) {
            Ok(text) => AgeKey::parse(&text)
                .map(Some)
                .map_err(|e| InstallError::Key(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(InstallError::io(path, e)),
        }
    }

    /// Writes the key file with mode 0600, atomically and without ever replacing an existing
    /// file (the temp file is hard-linked into place, which fails if the target exists).
    pub fn save_new(&self, path: &Path) -> Result<(), InstallError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| InstallError::io(dir, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        let tmp = dir.join(format!(".key.txt.new-{}", std::process::id()));
        write_atomic(&tmp, self.file_bytes(), Some(0o600))?;
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(InstallError::Key(
                format!("{} already exists; it is never overwritten", path.display()),
            )),
            Err(e) => Err(InstallError::io(path, e)),
        }
    }
}

/// Checks a key file to import: it exists, is readable and holds one age identity (the
/// format age-keygen writes). The recipient, or what is wrong; never the secret.
pub(crate) fn check_import_file(path: &Path) -> Result<String, String> {
    match AgeKey::load(path) {
        Ok(Some(k)) => Ok(k.recipient()),
        Ok(None) => Err(format!("{} does not exist", path.display())),
        Err(e) => Err(e.to_string()),
    }
}

/// Where the key of (cluster, environment) lives: `<data>/keys/<cluster>/<env>/key.txt`.
pub(crate) fn key_path(data_dir: &Path, cluster: &str, environment: &str) -> PathBuf {
    data_dir
        .join("keys")
        .join(safe_name(cluster))
        .join(safe_name(environment))
        .join("key.txt")
}

/// The key file an install uses and, when it is the older file keyed by the context name,
/// the identity-keyed path it stands in for.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyFile {
    pub path: PathBuf,
    /// Set when `path` is the context-named file of an earlier opsdeck, used because the
    /// file keyed by the cluster's identity (this path) does not exist.
    pub(crate) instead_of: Option<PathBuf>,
}

/// The key file of (cluster, environment): keyed by the cluster's identity (server URL and
/// kube-system uid) once known, else by the context name. An existing context-named file
/// (what earlier versions wrote) is used while the identity-keyed one does not exist.
pub fn key_file(
    data_dir: &Path,
    identity: Option<&str>,
    context: &str,
    environment: &str,
) -> KeyFile {
    let old = key_path(data_dir, context, environment);
    let Some(identity) = identity else {
        return KeyFile {
            path: old,
            instead_of: None,
        };
    };
    let new = key_path(data_dir, identity, environment);
    if !new.exists() && old.exists() {
        KeyFile {
            path: old,
            instead_of: Some(new),
        }
    } else {
        KeyFile {
            path: new,
            instead_of: None,
        }
    }
}
