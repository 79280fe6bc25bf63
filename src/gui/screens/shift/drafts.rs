//! What the trainee has typed or picked for each ticket — the escalation note, the client
//! update, the KB query, the article being read, the impact estimate. It belongs to its
//! ticket: it is shown only on that ticket, survives closing the form, switching tickets,
//! a refused send and a pause, and is kept beside the session's log
//! (`<log>.drafts.ron`, written atomically when it changes) so a crash loses none of it:
//! resuming the session restores it. It is dropped when its ticket leaves L1, and the
//! file when the session ends.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use dojo_core::note::EscalationNote;
use dojo_core::policy::Priority;
use dojo_core::sim::session::Session;

/// One ticket's drafts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketDraft {
    /// The escalation note being written.
    pub note: EscalationNote,
    /// The note is for a security escalation.
    pub security: bool,
    /// The client update being written.
    pub client_update: String,
    /// The KB search box.
    pub kb_query: String,
    /// The KB article being read.
    pub reading: Option<String>,
    /// The priority picked for the impact estimate (not yet recorded).
    pub estimate: Option<Priority>,
}

/// Every ticket's drafts, and where they are kept.
#[derive(Resource, Debug, Default)]
pub struct Drafts {
    by_ticket: BTreeMap<u32, TicketDraft>,
    /// What was last written to the file.
    saved: BTreeMap<u32, TicketDraft>,
    /// The file beside the log, if the session has a log.
    path: Option<PathBuf>,
    /// Why the last write failed, if it did (shown, never fatal).
    pub save_error: Option<String>,
}

/// The drafts file of a session log.
fn drafts_path(log: &Path) -> PathBuf {
    log.with_extension("drafts.ron")
}

impl Drafts {
    /// The drafts of a session whose log is `log`: read back from its file when there is
    /// one (a resumed session), else empty.
    pub fn for_log(log: Option<&Path>) -> Drafts {
        let path = log.map(drafts_path);
        let mut save_error = None;
        let by_ticket: BTreeMap<u32, TicketDraft> = match path.as_deref() {
            Some(p) if p.exists() => {
                let read = dojo_core::input::read_text(p, dojo_core::input::MAX_TEXT_BYTES)
                    .map_err(|e| e.to_string())
                    .and_then(|text| ron::from_str(&text).map_err(|e| e.to_string()));
                match read {
                    Ok(drafts) => drafts,
                    Err(e) => {
                        // Never overwrite what cannot be read: it moves aside, kept.
                        let aside = p.with_extension("ron.unreadable");
                        let moved = std::fs::rename(p, &aside).is_ok();
                        save_error = Some(if moved {
                            format!(
                                "the saved drafts could not be read ({e}); they were kept as {}",
                                aside.display()
                            )
                        } else {
                            format!("the saved drafts could not be read ({e})")
                        });
                        BTreeMap::new()
                    }
                }
            }
            _ => BTreeMap::new(),
        };
        Drafts {
            saved: by_ticket.clone(),
            by_ticket,
            path,
            save_error,
        }
    }

    /// A ticket's drafts, made on first use.
    pub fn of(&mut self, ticket: u32) -> &mut TicketDraft {
        self.by_ticket.entry(ticket).or_default()
    }

    /// A ticket's drafts, if it has any.
    pub fn get(&self, ticket: u32) -> Option<&TicketDraft> {
        self.by_ticket.get(&ticket)
    }

    /// Drops the drafts of tickets no longer with L1 (decided, or handed over).
    pub fn forget_decided(&mut self, session: &Session) {
        self.by_ticket
            .retain(|n, _| session.ticket(*n).is_some_and(|t| t.status.open_at_l1()));
    }

    /// Writes the drafts beside the log when they changed since the last write.
    pub fn save_if_changed(&mut self) {
        let Some(path) = &self.path else {
            return;
        };
        let empty = TicketDraft::default();
        self.by_ticket.retain(|_, d| *d != empty);
        if self.by_ticket == self.saved {
            return;
        }
        let text = ron::ser::to_string_pretty(&self.by_ticket, ron::ser::PrettyConfig::new())
            .unwrap_or_default();
        match dojo_core::sim::record::write_atomic(path, &text) {
            Ok(()) => {
                self.saved = self.by_ticket.clone();
                self.save_error = None;
            }
            Err(e) => self.save_error = Some(format!("drafts not saved: {e}")),
        }
    }

    /// Removes the file (the session ended: the result holds what was sent).
    pub fn remove_file(&self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}
