//! The five-part escalation note form, and (in onboarding) its live checklist, judged
//! by the same scorer the grading uses.

use bevy_egui::egui;

use super::{Confirm, Drafts};
use crate::gui::widgets::theme::{self, palette};
use crate::gui::widgets::ui_map;
use dojo_core::note::{EscalationNote, NoteElement};
use dojo_core::scenario::StepKind;
use dojo_core::sim::action::{Action, Outcome};
use dojo_core::sim::session::{Session, Ticket};

/// The note form, open on a ticket. The note itself is the ticket's draft
/// (`screens::shift::drafts`): closing the form, switching tickets or a refused send
/// never loses it.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteForm {
    /// The ticket it is for.
    pub ticket: u32,
    /// Focus the first field on the first frame.
    focus_first: bool,
    /// The log length when the note was sent: the form stays open until the ticket
    /// leaves L1, and shows the reason if the session refused it.
    pub sent_at: Option<usize>,
    /// Why the last send was refused.
    refused: Option<String>,
}

impl NoteForm {
    /// The form on a ticket.
    pub fn new(ticket: u32) -> Self {
        NoteForm {
            ticket,
            focus_first: true,
            sent_at: None,
            refused: None,
        }
    }
}

/// Where a finding is quoted into the note: what a check showed goes under the steps
/// taken, what the client answered under their context, an error or event under the
/// current state.
pub fn quote_into(note: &mut EscalationNote, element: NoteElement, text: &str) {
    let field = field(note, element);
    if !field.is_empty() && !field.ends_with('\n') {
        field.push('\n');
    }
    field.push_str(text);
}

/// What each field asks for (FRAMEWORK.md's five elements).
fn prompt(element: NoteElement) -> &'static str {
    match element {
        NoteElement::StepsTaken => {
            "What you checked and what each check showed (e.g. \"ran ping to the gateway: 40% loss\")."
        }
        NoteElement::CurrentState => {
            "The exact error, what changed recently, what works and what does not."
        }
        NoteElement::ClientContext => {
            "Who is affected, how many, the business impact, deadlines and how patient they are."
        }
        NoteElement::Hypothesis => "What you think is wrong, and why.",
        NoteElement::SlaStatus => {
            "Time left on the SLA and what the client has been told to expect."
        }
    }
}

fn field(note: &mut EscalationNote, element: NoteElement) -> &mut String {
    match element {
        NoteElement::StepsTaken => &mut note.steps_taken,
        NoteElement::CurrentState => &mut note.current_state,
        NoteElement::ClientContext => &mut note.client_context,
        NoteElement::Hypothesis => &mut note.hypothesis,
        NoteElement::SlaStatus => &mut note.sla_status,
    }
}

/// Shows the form on its ticket's draft. Sending asks for confirmation first
/// (`confirm`); the form says up front when sending is impossible, and why.
pub fn show(
    ctx: &egui::Context,
    session: &Session,
    form_slot: &mut Option<NoteForm>,
    drafts: &mut Drafts,
    confirm: &mut Option<Confirm>,
) {
    let Some(form) = form_slot.as_mut() else {
        return;
    };
    let Some(ticket) = session
        .ticket(form.ticket)
        .filter(|t| t.status.open_at_l1())
    else {
        // Decided (or gone): the note went with the decision.
        *form_slot = None;
        return;
    };
    if let Some(from) = form.sent_at {
        let refused = session
            .log
            .iter()
            .skip(from)
            .find_map(|e| match (&e.action, &e.outcome) {
                (
                    Action::Escalate { ticket: n, .. } | Action::EscalateSecurity { ticket: n, .. },
                    Outcome::Refused(why),
                ) if *n == form.ticket => Some(why.clone()),
                _ => None,
            });
        if let Some(why) = refused {
            form.refused = Some(why);
            form.sent_at = None;
        }
    }
    let draft = drafts.of(form.ticket);
    let security = draft.security;
    let title = if security {
        format!(
            "Security incident · #{} {}",
            ticket.number, ticket.scenario.title
        )
    } else {
        format!(
            "Escalate to L2 · #{} {}",
            ticket.number, ticket.scenario.title
        )
    };
    let probe = if security {
        Action::EscalateSecurity {
            ticket: form.ticket,
            note: draft.note.clone(),
        }
    } else {
        Action::Escalate {
            ticket: form.ticket,
            note: draft.note.clone(),
        }
    };
    let blocked = session.check(&probe).err();
    let mut open = true;
    let mut submit = false;
    let mut cancel = false;
    let hints = session.shift.rules.hints_shown;
    // Taken before the fields are drawn: a focused multi-line field would turn the
    // Enter into a new line. The fields still take this frame's typing first.
    let send_key = ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter));
    egui::Window::new(title)
        .id(egui::Id::new("note-form"))
        .open(&mut open)
        .collapsible(false)
        .default_width(620.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            intro(ui, security);
            egui::ScrollArea::vertical()
                .max_height(ui.available_height() - 60.0)
                .show(ui, |ui| {
                    fields(ui, &mut draft.note, &mut form.focus_first);
                    quotes(ui, ticket, &mut draft.note);
                });
            ui.add_space(6.0);
            ui.horizontal_wrapped(|ui| {
                let label = if security {
                    "⚠ Escalate as security incident… (Ctrl+Enter)"
                } else {
                    "⬆ Send to L2… (Ctrl+Enter)"
                };
                let send = ui.add_enabled(
                    blocked.is_none(),
                    egui::Button::new(theme::bold(label).color(palette::ACCENT)),
                );
                ui_map::mark(ui, "note-send", &send);
                submit = send.clicked();
                if ui.button("Close (Esc) — the note is kept").clicked() {
                    cancel = true;
                }
                if !hints {
                    ui.label(theme::muted("The note is graded on all five elements."));
                }
            });
            if let Some(why) = blocked.as_ref().or(form.refused.as_ref()) {
                ui.colored_label(
                    palette::BAD,
                    format!("Cannot send now: {why}. Your note is kept."),
                );
            }
            if form.sent_at.is_some() {
                ui.label(theme::muted("Sent — waiting for the session to take it…"));
            }
        });
    if (submit || send_key) && blocked.is_none() {
        form.refused = None;
        *confirm = Some(Confirm::Escalate {
            ticket: form.ticket,
            security,
            since: ctx.input(|i| i.time),
        });
    } else if !open || cancel {
        *form_slot = None;
    }
}

fn intro(ui: &mut egui::Ui, security: bool) {
    if security {
        ui.colored_label(
            palette::BAD,
            "Speed matters more than polish: say what you saw and who is affected. Don't try to fix it yourself.",
        );
    } else {
        ui.label(theme::muted(
            "L2 reads this instead of starting over. A complete note saves them 10–15 minutes of re-discovery.",
        ));
    }
}

fn fields(ui: &mut egui::Ui, note: &mut EscalationNote, focus_first: &mut bool) {
    for (i, element) in NoteElement::ALL.into_iter().enumerate() {
        ui.add_space(4.0);
        ui.label(theme::bold(format!("{}. {}", i + 1, element.label())));
        let edit = ui.add(
            egui::TextEdit::multiline(field(note, element))
                .hint_text(prompt(element))
                .desired_rows(2)
                .desired_width(f32::INFINITY)
                .id(egui::Id::new(("note-field", i))),
        );
        ui_map::mark_text(ui, format!("note:{}", i + 1), field(note, element), &edit);
        if i == 0 && *focus_first {
            edit.request_focus();
            *focus_first = false;
        }
    }
}

/// The ticket's findings, each with a control that quotes it verbatim into the field it
/// belongs in.
fn quotes(ui: &mut egui::Ui, ticket: &Ticket, note: &mut EscalationNote) {
    let lines = quotable(ticket);
    if lines.is_empty() {
        return;
    }
    ui.add_space(6.0);
    ui.label(theme::muted(
        "Quote what you found (verbatim, into the right field):",
    ));
    for (n, (element, text)) in lines.into_iter().enumerate() {
        ui.horizontal_wrapped(|ui| {
            let quote = ui
                .small_button("❝ quote")
                .on_hover_text(format!("Adds this to “{}”", element.label()));
            ui_map::mark(ui, format!("note-quote:{}", n + 1), &quote);
            if quote.clicked() {
                quote_into(note, element, &text);
            }
            ui.label(egui::RichText::new(&text).small());
        });
    }
}

/// What can be quoted from a ticket, and the element each belongs in.
pub fn quotable(ticket: &Ticket) -> Vec<(NoteElement, String)> {
    let s = &ticket.scenario;
    let mut out = Vec::new();
    if let Some(error) = &ticket.facts.error_text {
        out.push((NoteElement::CurrentState, format!("Error: {error}")));
    }
    for f in &ticket.findings {
        let step = s.steps.iter().find(|x| x.id == f.step);
        match step {
            Some(st) if st.kind == StepKind::AskClient => {
                out.push((NoteElement::ClientContext, f.text.clone()));
            }
            Some(st) => out.push((NoteElement::StepsTaken, format!("{}: {}", st.label, f.text))),
            None => out.push((NoteElement::StepsTaken, f.text.clone())),
        }
    }
    out
}

/// The live checklist of the five elements (onboarding): each element's score and the
/// first thing it lacks, from the grading's own note scorer.
pub fn live_checklist(
    ui: &mut egui::Ui,
    session: &Session,
    ticket: u32,
    note: &EscalationNote,
    security: bool,
) {
    ui.heading("Your note");
    let Some(score) = session.draft_note_score(ticket, note, security) else {
        return;
    };
    for e in &score.elements {
        let (mark, colour) = if e.score >= 80 {
            ("✔", palette::GOOD)
        } else if e.present {
            ("◐", palette::HALF)
        } else {
            ("✘", palette::BAD)
        };
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(colour, mark);
            ui.label(theme::bold(e.element.label()));
            ui.label(theme::muted(format!("{}", e.score)));
        });
        if let Some(problem) = e.problems.first() {
            ui.label(egui::RichText::new(problem).small().color(palette::MUTED));
        }
    }
    if !score.vague_phrases.is_empty() {
        ui.colored_label(
            palette::HALF,
            format!(
                "Vague: \"{}\" — say what you did and saw.",
                score.vague_phrases.join("\", \"")
            ),
        );
    }
    if !score.fabricated_steps.is_empty() {
        ui.colored_label(
            palette::BAD,
            format!("You never ran: {}", score.fabricated_steps.join(", ")),
        );
    }
    ui.label(theme::bold(format!("Note score now: {}/100", score.total)));
}
