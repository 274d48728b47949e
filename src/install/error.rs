//! Typed errors of the install wizard.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// A configuration problem, already formatted with file, line and field.
    #[error("{0}")]
    Config(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The API's answer in words: a validation failure names each field the API server's
    /// schema refused (`spec.size: Invalid value: "string": … must be of type integer`), a
    /// denial says who may not do what; never a debug dump of the `Status`.
    #[error("{what}: {}", crate::sources::error_chain(source))]
    Kube {
        what: String,
        #[source]
        source: kube::Error,
    },
    #[error("EKS: {0}")]
    Eks(String),
    #[error("age key: {0}")]
    Key(String),
    #[error("{0}")]
    Invalid(String),
    #[error("timed out: {0}")]
    Timeout(String),
    /// The user chose to stop (nothing was changed).
    #[error("stopped: {0}")]
    Stopped(String),
    #[error("manifest {origin}: {message}")]
    Manifest { origin: String, message: String },
}

impl InstallError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        InstallError::Io {
            path: path.into(),
            source,
        }
    }

    pub fn kube(what: impl Into<String>, source: kube::Error) -> Self {
        InstallError::Kube {
            what: what.into(),
            source,
        }
    }
}
