//! Logging that never takes the service down. Log lines go to standard error through
//! [`Resilient`]: a line that cannot be written (a full disk, a closed pipe) is counted
//! (`meldpunt_log_write_failures_total`) and dropped, never a reason to fail or drop a
//! request, and never a panic (the standard library's `eprintln!` panics when it cannot
//! write; the tracing subscriber's own error report is switched off for the same reason).

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;

static FAILED_WRITES: AtomicU64 = AtomicU64::new(0);

/// Log lines that could not be written since the process started.
pub fn failed_writes() -> u64 {
    FAILED_WRITES.load(Ordering::Relaxed)
}

/// A writer that reports success whatever its inner writer does, and counts what failed.
pub struct Resilient<W>(pub W);

impl<W: Write> Write for Resilient<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.0.write_all(buf).is_err() {
            FAILED_WRITES.fetch_add(1, Ordering::Relaxed);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.0.flush().is_err() {
            FAILED_WRITES.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Standard error, behind [`Resilient`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Stderr;

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = Resilient<io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        Resilient(io::stderr())
    }
}

/// Installs the process's log subscriber (verbosity from `RUST_LOG`, default `info`).
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Stderr)
        .log_internal_errors(false);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Prints a line for the operator on standard output; a line that cannot be written is
/// counted like a log line, never a panic (unlike `println!`).
pub fn say(line: &str) {
    let mut out = Resilient(io::stdout());
    let _ = writeln!(out, "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from_raw_os_error(28)) // ENOSPC
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_line_that_cannot_be_written_is_counted_and_reported_as_written() {
        let before = failed_writes();
        let mut w = Resilient(Full);
        assert_eq!(w.write(b"a log line\n").unwrap(), 11);
        assert!(w.flush().is_ok());
        assert!(writeln!(w, "another").is_ok());
        assert!(failed_writes() >= before + 3);
        let mut ok = Resilient(Vec::new());
        ok.write_all(b"fine").unwrap();
        assert_eq!(ok.0, b"fine");
    }
}
