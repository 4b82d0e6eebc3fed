//! Reading traces: one decimal `u64` key per line, plain text or zstd
//! compressed (`.zst`, decoded with the pure-Rust `ruzstd`).

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// A trace read into memory: its keys in request order.
#[derive(Debug, Clone)]
pub struct Trace {
    /// A short name (the file name without `.trace`, `.zst`, `.txt`).
    pub name: String,
    /// The requested keys, in order.
    pub keys: Vec<u64>,
    /// How many distinct keys the trace holds.
    pub distinct: usize,
}

impl Trace {
    /// A trace from keys already in memory.
    #[must_use]
    pub fn from_keys(name: impl Into<String>, keys: Vec<u64>) -> Self {
        let distinct = keys.iter().collect::<HashSet<_>>().len();
        Self { name: name.into(), keys, distinct }
    }

    /// Whether the trace is small and loop heavy enough that the default
    /// capacities also include 25% and 50% of its distinct keys (fewer than
    /// 5,000 distinct keys, as the LIRS traces `gli` and `cs`).
    #[must_use]
    pub fn is_small(&self) -> bool {
        self.distinct < 5_000
    }
}

/// Why a trace could not be read; the message names the file (and the line).
#[derive(Debug)]
pub enum TraceError {
    /// The file could not be opened or read.
    Io {
        /// The file.
        path: PathBuf,
        /// The line being read when the error happened (0: before any).
        line: usize,
        /// The cause.
        source: io::Error,
    },
    /// The zstd stream is not valid.
    Zstd {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        message: String,
    },
    /// A line is not a decimal unsigned 64-bit key.
    BadLine {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// The line's text (cut to 40 characters).
        text: String,
    },
    /// The file holds no key.
    Empty {
        /// The file.
        path: PathBuf,
    },
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, line: 0, source } => {
                write!(f, "cannot read trace {}: {source}", path.display())
            }
            Self::Io { path, line, source } => {
                write!(f, "cannot read trace {} at line {line}: {source}", path.display())
            }
            Self::Zstd { path, message } => {
                write!(f, "trace {} is not a valid zstd stream: {message}", path.display())
            }
            Self::BadLine { path, line, text } => write!(
                f,
                "trace {} line {line}: expected one decimal unsigned 64-bit key, found {text:?}",
                path.display()
            ),
            Self::Empty { path } => write!(f, "trace {} holds no key", path.display()),
        }
    }
}

impl std::error::Error for TraceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The trace's short name: the file name without `.zst`, `.trace`, `.txt`.
#[must_use]
pub fn trace_name(path: &Path) -> String {
    let mut name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    for suffix in [".zst", ".trace", ".txt"] {
        if let Some(stripped) = name.strip_suffix(suffix) {
            name = stripped.to_owned();
        }
    }
    name
}

/// Reads the trace at `path` (zstd when the name ends in `.zst`).
///
/// # Errors
///
/// A missing or unreadable file, an invalid zstd stream, a line that is not a
/// decimal `u64` (blank lines included), or a file without keys; each message
/// names the file, and the line where there is one.
pub fn read_trace(path: &Path) -> Result<Trace, TraceError> {
    let io_err = |line, source| TraceError::Io { path: path.to_owned(), line, source };
    let file = File::open(path).map_err(|e| io_err(0, e))?;
    let is_zst = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zst"));
    let keys = if is_zst {
        let decoder = ruzstd::decoding::StreamingDecoder::new(BufReader::new(file))
            .map_err(|e| TraceError::Zstd { path: path.to_owned(), message: e.to_string() })?;
        parse_keys(path, BufReader::with_capacity(1 << 16, decoder))?
    } else {
        parse_keys(path, BufReader::with_capacity(1 << 16, file))?
    };
    if keys.is_empty() {
        return Err(TraceError::Empty { path: path.to_owned() });
    }
    Ok(Trace::from_keys(trace_name(path), keys))
}

/// Parses one key per line from `reader`; errors name `path` and the line.
///
/// # Errors
///
/// As [`read_trace`], except that an empty input gives an empty vector.
pub fn parse_keys<R: Read>(path: &Path, mut reader: BufReader<R>) -> Result<Vec<u64>, TraceError> {
    let mut keys = Vec::new();
    let mut buf = Vec::with_capacity(32);
    let mut line = 0;
    loop {
        buf.clear();
        line += 1;
        let n = reader.read_until(b'\n', &mut buf).map_err(|e| TraceError::Io {
            path: path.to_owned(),
            line,
            source: e,
        })?;
        if n == 0 {
            return Ok(keys);
        }
        let text = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        match parse_u64(text) {
            Some(key) => keys.push(key),
            None => {
                let shown: String = String::from_utf8_lossy(text).chars().take(40).collect();
                return Err(TraceError::BadLine { path: path.to_owned(), line, text: shown });
            }
        }
    }
}

/// A decimal `u64` with no sign and no spaces; `None` otherwise.
fn parse_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in text {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("benches-trace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn reads_plain_text() {
        let path = temp("ok.trace", b"1\n2\r\n1\n18446744073709551615\n");
        let trace = read_trace(&path).unwrap();
        assert_eq!(trace.keys, [1, 2, 1, u64::MAX]);
        assert_eq!((trace.distinct, trace.name.as_str()), (3, "ok"));
    }

    #[test]
    fn a_bad_line_is_named_with_file_and_line() {
        let path = temp("bad.trace", b"1\n2\nthree\n4\n");
        let msg = read_trace(&path).unwrap_err().to_string();
        assert!(
            msg.contains("bad.trace") && msg.contains("line 3") && msg.contains("three"),
            "{msg}"
        );
        let path = temp("blank.trace", b"1\n\n2\n");
        let msg = read_trace(&path).unwrap_err().to_string();
        assert!(msg.contains("blank.trace") && msg.contains("line 2"), "{msg}");
        let path = temp("big.trace", b"18446744073709551616\n");
        assert!(read_trace(&path).unwrap_err().to_string().contains("line 1"));
    }

    #[test]
    fn missing_empty_and_corrupt_files_are_named() {
        let missing = std::env::temp_dir().join("no-such-dir-benches/x.trace");
        let msg = read_trace(&missing).unwrap_err().to_string();
        assert!(msg.contains("x.trace"), "{msg}");
        let path = temp("empty.trace", b"");
        let msg = read_trace(&path).unwrap_err().to_string();
        assert!(msg.contains("empty.trace") && msg.contains("no key"), "{msg}");
        let path = temp("corrupt.trace.zst", b"this is not zstd");
        let msg = read_trace(&path).unwrap_err().to_string();
        assert!(msg.contains("corrupt.trace.zst") && msg.contains("zstd"), "{msg}");
    }

    #[test]
    fn reads_the_shipped_zstd_traces() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/traces/cs.trace.zst");
        if !path.exists() {
            return; // shared/ is not beside this checkout
        }
        let trace = read_trace(&path).unwrap();
        assert_eq!((trace.keys.len(), trace.distinct, trace.name.as_str()), (6_781, 1_409, "cs"));
    }
}
