//! Where the history lives: the data directory and the database's file name.

use std::path::{Path, PathBuf};

use crate::error::StoreError;

/// The environment variable naming the data directory.
pub const DATA_DIR_ENV: &str = "DOJO_DATA_DIR";

/// The database's file name inside the data directory.
pub const DB_FILE: &str = "history.sqlite3";

/// The data directory: `--data-dir` if given, else `$DOJO_DATA_DIR` if set and not
/// empty, else the platform's data directory (`~/.local/share/escalation-dojo` on
/// Linux, `~/Library/Application Support/escalation-dojo` on macOS,
/// `%APPDATA%\escalation-dojo\data` on Windows).
pub fn data_dir(flag: Option<&Path>) -> Result<PathBuf, StoreError> {
    resolve_data_dir(flag, std::env::var_os(DATA_DIR_ENV)).ok_or_else(|| {
        StoreError::Invalid(format!(
            "no data directory: this system has no home folder; give one with --data-dir DIR or {DATA_DIR_ENV}"
        ))
    })
}

/// [`data_dir`] with the environment value passed in (testable without touching the
/// process environment).
pub fn resolve_data_dir(flag: Option<&Path>, env: Option<std::ffi::OsString>) -> Option<PathBuf> {
    if let Some(dir) = flag {
        return Some(dir.to_path_buf());
    }
    if let Some(dir) = env.filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "escalation-dojo").map(|d| d.data_dir().to_path_buf())
}
