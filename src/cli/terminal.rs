//! What the commands print, made safe for the terminal and for pipes.
//!
//! - [`TerminalSafe`] wraps standard output and standard error: every character a
//!   terminal would act on rather than show (ESC and the other controls, bidirectional
//!   overrides — [`dojo_core::escape::is_terminal_control`]) is shown as `�`, so a name,
//!   a note or a file name can neither move the cursor, recolour the screen nor reorder
//!   what is shown. Line feeds and tabs pass. Data written to standard output (JSON,
//!   HTML, RON scripts and logs: [`writes_data`]) passes unchanged, so an exported log
//!   replays byte for byte.
//! - A closed pipe (`dojo run … | head`) ends the command quietly with
//!   [`BROKEN_PIPE_EXIT`], never with "error: Broken pipe".

use std::io::{self, Write};

use super::{Cli, Command};

/// The exit status when standard output was closed under the command (`| head`): 141,
/// what a shell reports for a process ended by SIGPIPE (128 + 13), so `set -o pipefail`
/// scripts still see that the output was cut, and nothing is printed about it.
pub const BROKEN_PIPE_EXIT: i32 = 141;

/// A writer that shows terminal controls as `�` (see the module documentation). It
/// keeps an incomplete UTF-8 sequence at the end of a write for the next one, so a
/// character split across writes is judged whole.
pub struct TerminalSafe<W: Write> {
    inner: W,
    raw: bool,
    pending: Vec<u8>,
}

impl<W: Write> TerminalSafe<W> {
    /// Filters what is written to `inner`; `raw` passes it unchanged (data output).
    pub fn new(inner: W, raw: bool) -> Self {
        TerminalSafe {
            inner,
            raw,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, bytes: &[u8], at_end: bool) -> io::Result<()> {
        let mut text = String::with_capacity(bytes.len());
        let mut rest = bytes;
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    text.push_str(&dojo_core::escape::terminal(s));
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    text.push_str(&dojo_core::escape::terminal(
                        std::str::from_utf8(good).unwrap_or_default(),
                    ));
                    match e.error_len() {
                        Some(n) => {
                            text.push('\u{FFFD}');
                            rest = &bad[n..];
                        }
                        None if !at_end => {
                            self.pending = bad.to_vec();
                            break;
                        }
                        None => {
                            text.push('\u{FFFD}');
                            break;
                        }
                    }
                }
            }
        }
        self.inner.write_all(text.as_bytes())
    }
}

impl<W: Write> Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.raw {
            return self.inner.write(buf);
        }
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(buf);
        self.emit(&bytes, false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            self.emit(&pending, true)?;
        }
        self.inner.flush()
    }
}

/// True when the command writes data to standard output (JSON, HTML, a RON script,
/// shift or log) rather than text for people: passed through unchanged.
pub fn writes_data(cli: &Cli) -> bool {
    use super::Format;
    use super::compete::CompeteCommand;
    use super::grade::GradeFormat;
    use super::history::{HistoryCommand, ReportFormat, ShowFormat};
    use dojo_core::compete::leaderboard::LeaderboardFormat;
    match &cli.command {
        Some(
            Command::Validate { format, .. }
            | Command::Explain { format, .. }
            | Command::List { format, .. }
            | Command::Progress { format, .. },
        ) => *format == Format::Json,
        Some(Command::Grade { format, .. }) => *format == GradeFormat::Json,
        Some(Command::Script { out, .. } | Command::Drill { out, .. }) => out.is_none(),
        Some(Command::Report { format, out, .. }) => {
            out.is_none() && matches!(format, ReportFormat::Html | ReportFormat::Json)
        }
        Some(Command::Compete { command }) => match command {
            CompeteCommand::Tickets { format, .. } | CompeteCommand::Verify { format, .. } => {
                *format == Format::Json
            }
            CompeteCommand::Leaderboard { format, out, .. } => {
                out.is_none() && matches!(format, LeaderboardFormat::Json | LeaderboardFormat::Html)
            }
            CompeteCommand::New { .. } => false,
        },
        Some(Command::History { command }) => match command {
            HistoryCommand::List { format, .. } | HistoryCommand::Interrupted { format } => {
                *format == Format::Json
            }
            HistoryCommand::Show { format, .. } => *format == ShowFormat::Json,
            HistoryCommand::Log { out, .. } => out.is_none(),
            _ => false,
        },
        _ => false,
    }
}

/// True when an error is standard output closed under us.
pub fn is_broken_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}
