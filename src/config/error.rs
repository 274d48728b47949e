//! Errors in configuration files, always naming the file, and the line and key when known.

use std::fmt;
use std::ops::Range;

/// A problem with one configuration file (theme, keymap, settings).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The file, as shown to the user (a path, or `<embedded default.toml>`).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The dotted key the problem is about (`table.delete`), when known.
    pub key: Option<String>,
    pub message: String,
}

impl ConfigError {
    pub fn new(file: &str, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_string(),
            line: None,
            key: None,
            message: message.into(),
        }
    }

    pub fn at(
        file: &str,
        text: &str,
        span: Range<usize>,
        key: &str,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            file: file.to_string(),
            line: Some(line_of(text, span.start)),
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    /// From a TOML syntax or shape error.
    pub(crate) fn from_toml(file: &str, text: &str, err: &toml::de::Error) -> Self {
        let message = err.message().trim().to_string();
        // serde's "unknown field `x`, expected …": name the key as the other errors do.
        let key = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(k, _)| k.to_string());
        ConfigError {
            file: file.to_string(),
            line: err.span().map(|s| line_of(text, s.start)),
            key,
            message,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// 1-based line number of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_key() {
        let text = "a = 1\nb = 2\n";
        let e = ConfigError::at("keymap.toml", text, 6..7, "table.b", "unknown action");
        assert_eq!(
            e.to_string(),
            "keymap.toml:2: key `table.b`: unknown action"
        );
        assert_eq!(
            ConfigError::new("x.toml", "boom").to_string(),
            "x.toml: boom"
        );
    }
}
