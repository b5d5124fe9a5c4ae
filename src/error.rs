//! The one error type of the library. Every variant names where the problem is:
//! the file, and for layer content the feature (index and id) and the property.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a layer file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureRef {
    /// Zero-based position of the feature in the collection.
    pub index: usize,
    /// The feature's id (GeoJSON `id` member or `id` property), when it has one.
    pub id: Option<String>,
}

impl fmt::Display for FeatureRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "feature {} (id {})", self.index, clip(id)),
            None => write!(f, "feature {}", self.index),
        }
    }
}

/// Everything that can go wrong between reading a scenario and writing its result.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written. The message already includes the OS
    /// error's text, so it is not also given as `source()`: a report printing the
    /// chain (anyhow's `{:#}`) would show it twice.
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A layer file is not the GeoJSON it should be (syntax, top-level shape, `crs`).
    #[error("{}: {message}", path.display())]
    Layer { path: PathBuf, message: String },
    /// One feature of a layer is wrong; `property` names the member at fault.
    #[error("{}: {feature}{}: {message}", path.display(), property.as_ref().map(|p| format!(", property `{p}`")).unwrap_or_default())]
    Feature {
        path: PathBuf,
        feature: FeatureRef,
        property: Option<String>,
        message: String,
    },
    /// The scenario file is wrong: syntax, an unknown key, a value out of range.
    #[error("scenario {}: {message}", path.display())]
    Scenario { path: PathBuf, message: String },
    /// The layers are individually valid but cannot be used together.
    #[error("{message}")]
    Data { message: String },
    /// The solver backend failed (numerical trouble, a backend error).
    #[error("solver {solver}: {message}")]
    Solver { solver: String, message: String },
    /// The run's time limit passed during `stage`, before any plan was found.
    #[error("the time limit passed while {stage}")]
    TimeLimit { stage: &'static str },
    /// The output folder (or file) cannot be used: a file where a folder should be, or
    /// not writable. Found before any work is done.
    #[error("output {}: {message}", path.display())]
    Output { path: PathBuf, message: String },
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            error: source,
        }
    }

    pub(crate) fn scenario(path: &Path, message: impl Into<String>) -> Self {
        Error::Scenario {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// Characters of a value shown in a message before it is cut.
pub const CLIP_CHARS: usize = 80;

/// A value as messages show it: quoted, and cut to [`CLIP_CHARS`] characters with an
/// ellipsis and its full length when longer (`"xxxx…" (70000 characters)`).
pub fn clip(value: &str) -> String {
    let count = value.chars().count();
    if count <= CLIP_CHARS {
        return format!("{value:?}");
    }
    let head: String = value.chars().take(CLIP_CHARS).collect();
    let quoted = format!("{head:?}");
    format!("{}…\" ({count} characters)", &quoted[..quoted.len() - 1])
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
