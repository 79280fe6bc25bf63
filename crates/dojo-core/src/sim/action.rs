//! The one action vocabulary shared by the GUI, action scripts and replays, and the
//! log entries that record each action with its sim minute and outcome.

use serde::{Deserialize, Serialize};

use crate::note::EscalationNote;
use crate::policy::Priority;

/// Something the trainee does. Ticket numbers are 1-based, in arrival order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Action {
    /// Pick up a ticket and make it the one being worked (switching from another).
    Open {
        /// Ticket number.
        ticket: u32,
    },
    /// Run a diagnostic check (a step of kind `Check`).
    RunStep {
        /// Ticket number.
        ticket: u32,
        /// Step id.
        step: String,
    },
    /// Ask the client a question (a step of kind `AskClient`).
    AskClient {
        /// Ticket number.
        ticket: u32,
        /// Step id.
        step: String,
    },
    /// Search the KB with free text.
    SearchKb {
        /// Ticket number the search is for.
        ticket: u32,
        /// The query as typed.
        query: String,
    },
    /// Read a KB article.
    OpenArticle {
        /// Ticket number.
        ticket: u32,
        /// Article id.
        article: String,
    },
    /// Apply a fix.
    ApplyFix {
        /// Ticket number.
        ticket: u32,
        /// Fix id.
        fix: String,
    },
    /// Close the ticket as resolved at L1.
    Resolve {
        /// Ticket number.
        ticket: u32,
    },
    /// Escalate to L2 with the five-part note.
    Escalate {
        /// Ticket number.
        ticket: u32,
        /// The escalation note.
        note: EscalationNote,
    },
    /// Escalate immediately as a security incident.
    EscalateSecurity {
        /// Ticket number.
        ticket: u32,
        /// The note (may be short: speed matters more).
        note: EscalationNote,
    },
    /// Send the client an update.
    UpdateClient {
        /// Ticket number.
        ticket: u32,
        /// What was said.
        message: String,
    },
    /// Notify a senior engineer / the team lead.
    NotifySenior {
        /// Ticket number.
        ticket: u32,
    },
    /// Start a parallel escalation so L2 stands by.
    StartParallelEscalation {
        /// Ticket number.
        ticket: u32,
    },
    /// Record the trainee's own impact estimate.
    EstimateImpact {
        /// Ticket number.
        ticket: u32,
        /// The priority the trainee assigns.
        priority: Priority,
    },
    /// Put the ticket on hold (stop working it).
    Hold {
        /// Ticket number.
        ticket: u32,
    },
    /// Pause the sim clock (where the mode allows).
    Pause,
    /// Resume the sim clock.
    Resume,
    /// End the shift before its clock runs out (the trainee's End): tickets not yet
    /// arrived never arrive, and those never opened are "not reached" — not graded.
    EndShift,
}

impl Action {
    /// The ticket the action concerns, if any.
    pub fn ticket(&self) -> Option<u32> {
        match self {
            Action::Open { ticket }
            | Action::RunStep { ticket, .. }
            | Action::AskClient { ticket, .. }
            | Action::SearchKb { ticket, .. }
            | Action::OpenArticle { ticket, .. }
            | Action::ApplyFix { ticket, .. }
            | Action::Resolve { ticket }
            | Action::Escalate { ticket, .. }
            | Action::EscalateSecurity { ticket, .. }
            | Action::UpdateClient { ticket, .. }
            | Action::NotifySenior { ticket }
            | Action::StartParallelEscalation { ticket }
            | Action::EstimateImpact { ticket, .. }
            | Action::Hold { ticket } => Some(*ticket),
            Action::Pause | Action::Resume | Action::EndShift => None,
        }
    }

    /// A short label for logs and the UI.
    pub fn label(&self) -> String {
        match self {
            Action::Open { ticket } => format!("open ticket {ticket}"),
            Action::RunStep { ticket, step } => format!("run `{step}` on ticket {ticket}"),
            Action::AskClient { ticket, step } => {
                format!("ask the client `{step}` (ticket {ticket})")
            }
            Action::SearchKb { query, .. } => format!("search the KB for \"{query}\""),
            Action::OpenArticle { article, .. } => format!("open KB article {article}"),
            Action::ApplyFix { ticket, fix } => format!("apply `{fix}` on ticket {ticket}"),
            Action::Resolve { ticket } => format!("resolve ticket {ticket}"),
            Action::Escalate { ticket, .. } => format!("escalate ticket {ticket} to L2"),
            Action::EscalateSecurity { ticket, .. } => {
                format!("escalate ticket {ticket} as a security incident")
            }
            Action::UpdateClient { ticket, .. } => format!("update the client on ticket {ticket}"),
            Action::NotifySenior { ticket } => format!("notify a senior about ticket {ticket}"),
            Action::StartParallelEscalation { ticket } => {
                format!("start a parallel escalation for ticket {ticket}")
            }
            Action::EstimateImpact { ticket, priority } => {
                format!("estimate ticket {ticket} as {priority:?}")
            }
            Action::Hold { ticket } => format!("hold ticket {ticket}"),
            Action::Pause => "pause".into(),
            Action::Resume => "resume".into(),
            Action::EndShift => "end the shift".into(),
        }
    }
}

/// What became of an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Done; the agent is busy until `busy_until`.
    Done {
        /// Sim minute the agent is free again.
        busy_until: u32,
    },
    /// Refused, with the reason the trainee sees.
    Refused(String),
}

/// One line of the replay log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Sim minute of the shift when the action was taken.
    pub at: u32,
    /// The action.
    pub action: Action,
    /// What became of it.
    pub outcome: Outcome,
}

/// One entry of an action script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptEntry {
    /// Take the action at this sim minute (or as soon as the agent is free after it);
    /// `None`: as soon as the agent is free.
    #[serde(default)]
    pub at: Option<u32>,
    /// The action.
    pub action: Action,
}

/// A scripted trainee: readable RON a trainer can write by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// What this script plays (shown in reports).
    #[serde(default)]
    pub name: String,
    /// The shift it was written for, if any.
    #[serde(default)]
    pub shift: Option<String>,
    /// The actions, in order.
    pub actions: Vec<ScriptEntry>,
}

impl Script {
    /// Reads a script file; a syntax error names the file, line and column and shows
    /// what a script looks like.
    pub fn read(path: &std::path::Path) -> Result<Script, String> {
        let text = crate::input::read_text(path, crate::input::MAX_RECORD_BYTES)
            .map_err(|e| e.to_string())?;
        ron::from_str::<Script>(&text).map_err(|e| {
            format!(
                "{}:{}:{}: {} (an action script is `Script(actions: [(at: Some(0), action: Open(ticket: 1)), ...])`)",
                path.display(),
                e.span.start.line,
                e.span.start.col,
                e.code
            )
        })
    }

    /// The script as readable RON (what `dojo script` prints).
    pub fn to_ron(&self) -> String {
        let config = ron::ser::PrettyConfig::new()
            .depth_limit(4)
            .indentor("    ".to_string())
            .struct_names(true);
        let mut text = ron::ser::to_string_pretty(self, config).unwrap_or_default();
        text.push('\n');
        text
    }
}
