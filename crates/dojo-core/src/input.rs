//! The one reader of every file the product opens: scenarios, KB articles, shifts,
//! curricula, the policy, action scripts, logs, results, competition files, drafts.
//!
//! What it promises (docs/files.md):
//! - **regular files only**: the path's metadata is checked *before* it is opened, so a
//!   FIFO, a device (`/dev/zero`), a socket or a directory is refused with its path and
//!   never blocks; the opened file's own metadata is checked again (the path could have
//!   been swapped in between);
//! - **a size limit enforced while reading**: at most `limit + 1` bytes are ever read
//!   (`Read::take`), so a growing or lying file cannot exhaust memory;
//! - **one text form**: a UTF-8 byte-order mark is dropped and CRLF line endings read as
//!   LF, for every kind of file, so `dojo replay`, `dojo grade` and `compete verify` see
//!   the same text whichever editor saved it. A plain UTF-8 file with LF endings reads
//!   byte for byte as it is.
//!
//! Plain `std`: no platform crate.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Pack files (scenarios, KB, shifts, curricula, the policy), competition files and
/// drafts: 1 MiB (the same limit as [`crate::diag::MAX_FILE_BYTES`]).
pub const MAX_TEXT_BYTES: usize = crate::diag::MAX_FILE_BYTES;

/// Results, logs and action scripts: 32 MiB (a 100-ticket shift's result is ≈ 1 MiB).
pub const MAX_RECORD_BYTES: usize = 32 * 1024 * 1024;

/// The UTF-8 byte-order mark Windows editors write.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The path is not a regular file (refused without opening it).
    NotAFile {
        /// The path, as given.
        path: String,
        /// What it is instead (`a directory`, `a FIFO (named pipe)`, …).
        what: &'static str,
    },
    /// The file is larger than the limit.
    TooLarge {
        /// The path, as given.
        path: String,
        /// Its size, when the file system says.
        size: Option<u64>,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The file is not UTF-8 text.
    NotUtf8 {
        /// The path, as given.
        path: String,
        /// Offset of the first bad byte.
        offset: usize,
        /// Its 1-based line.
        line: usize,
    },
    /// Opening or reading failed (missing, no permission, …).
    Io {
        /// The path, as given.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

impl ReadError {
    /// The path concerned.
    pub fn path(&self) -> &str {
        match self {
            ReadError::NotAFile { path, .. }
            | ReadError::TooLarge { path, .. }
            | ReadError::NotUtf8 { path, .. }
            | ReadError::Io { path, .. } => path,
        }
    }

    /// The message without the path (for callers that place the path themselves).
    pub fn reason(&self) -> String {
        match self {
            ReadError::NotAFile { what, .. } => {
                format!("{what}, not a regular file: refused without opening it")
            }
            ReadError::TooLarge { size, limit, .. } => match size {
                Some(size) => format!(
                    "file is {size} bytes; files of this kind are limited to {} ({limit} bytes)",
                    human_size(*limit)
                ),
                None => format!(
                    "file is larger than files of this kind are limited to, {} ({limit} bytes)",
                    human_size(*limit)
                ),
            },
            ReadError::NotUtf8 { offset, line, .. } => format!(
                "file is not valid UTF-8 text (a bad byte at offset {offset}, line {line}); save it as UTF-8"
            ),
            ReadError::Io { source, .. } => format!("cannot read: {source}"),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path(), self.reason())
    }
}

impl std::error::Error for ReadError {}

fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// What a non-regular file is, in words.
fn kind_of(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// True when `path` is (or links to) a regular file. Never opens it.
pub fn is_regular_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Checks that `path` is a regular file (following symlinks), without opening it.
pub fn check_regular(path: &Path) -> Result<u64, ReadError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| ReadError::Io {
        path: name.clone(),
        source,
    })?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile {
            path: name,
            what: kind_of(meta.file_type()),
        });
    }
    Ok(meta.len())
}

/// Reads a regular file's raw bytes, at most `limit` of them.
pub fn read_bytes(path: &Path, limit: usize) -> Result<Vec<u8>, ReadError> {
    let name = || path.display().to_string();
    let size = check_regular(path)?;
    if size > limit as u64 {
        return Err(ReadError::TooLarge {
            path: name(),
            size: Some(size),
            limit,
        });
    }
    let file = File::open(path).map_err(|source| ReadError::Io {
        path: name(),
        source,
    })?;
    // The path may have been swapped between the check and the open.
    let meta = file.metadata().map_err(|source| ReadError::Io {
        path: name(),
        source,
    })?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile {
            path: name(),
            what: kind_of(meta.file_type()),
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(limit));
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io {
            path: name(),
            source,
        })?;
    if bytes.len() > limit {
        return Err(ReadError::TooLarge {
            path: name(),
            size: None,
            limit,
        });
    }
    Ok(bytes)
}

/// Reads a regular file as text (at most `limit` bytes): BOM dropped, CRLF as LF, UTF-8
/// checked.
pub fn read_text(path: &Path, limit: usize) -> Result<String, ReadError> {
    let bytes = normalise(read_bytes(path, limit)?);
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        ReadError::NotUtf8 {
            path: path.display().to_string(),
            offset,
            line,
        }
    })
}

/// The one text form: a leading UTF-8 BOM dropped, every CRLF read as LF. Bytes without
/// either come back unchanged (no copy).
pub fn normalise(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    if bytes.windows(2).any(|w| w == b"\r\n") {
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        bytes = out;
    }
    bytes
}

/// [`normalise`] on borrowed bytes: borrowed back when there is nothing to change.
pub fn normalised(bytes: &[u8]) -> Cow<'_, [u8]> {
    let plain = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if plain.windows(2).any(|w| w == b"\r\n") {
        Cow::Owned(normalise(plain.to_vec()))
    } else {
        Cow::Borrowed(plain)
    }
}

/// Length of a leading BOM (0 or 3), for readers that keep raw offsets (the log's
/// resume point).
pub fn bom_len(bytes: &[u8]) -> usize {
    if bytes.starts_with(BOM) { BOM.len() } else { 0 }
}
