//! The five-part escalation note form, and (in onboarding) its live checklist, judged
//! by the same scorer the grading uses.

use bevy_egui::egui;

use super::theme::{self, palette};
use dojo_core::note::{EscalationNote, NoteElement};
use dojo_core::sim::action::Action;
use dojo_core::sim::session::Session;

/// A note being written.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteForm {
    /// The ticket it is for.
    pub ticket: u32,
    /// An immediate security escalation rather than an ordinary L2 escalation.
    pub security: bool,
    /// The five fields.
    pub note: EscalationNote,
    /// Focus the first field on the first frame.
    focus_first: bool,
}

impl NoteForm {
    /// An empty note for a ticket.
    pub fn new(ticket: u32, security: bool) -> Self {
        NoteForm {
            ticket,
            security,
            note: EscalationNote::default(),
            focus_first: true,
        }
    }
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

/// Shows the form; sends the escalation when the trainee submits it.
pub fn show(
    ctx: &egui::Context,
    session: &Session,
    form_slot: &mut Option<NoteForm>,
    sent: &mut Vec<Action>,
) {
    let Some(form) = form_slot.as_mut() else {
        return;
    };
    let Some(ticket) = session.ticket(form.ticket) else {
        *form_slot = None;
        return;
    };
    let title = if form.security {
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
    let mut open = true;
    let mut submit = false;
    let mut cancel = false;
    let hints = session.shift.rules.hints_shown;
    // Taken before the fields are drawn: a focused multi-line field would turn the
    // Enter into a new line.
    // The fields still take this frame's typing first; the note is sent after them.
    let send_key = ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter));
    egui::Window::new(title)
        .id(egui::Id::new("note-form"))
        .open(&mut open)
        .collapsible(false)
        .default_width(620.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            if form.security {
                ui.colored_label(
                    palette::BAD,
                    "Speed matters more than polish: say what you saw and who is affected. Don't try to fix it yourself.",
                );
            } else {
                ui.label(theme::muted(
                    "L2 reads this instead of starting over. A complete note saves them 10–15 minutes of re-discovery.",
                ));
            }
            for (i, element) in NoteElement::ALL.into_iter().enumerate() {
                ui.add_space(4.0);
                ui.label(theme::bold(format!("{}. {}", i + 1, element.label())));
                let edit = ui.add(
                    egui::TextEdit::multiline(field(&mut form.note, element))
                        .hint_text(prompt(element))
                        .desired_rows(2)
                        .desired_width(f32::INFINITY)
                        .id(egui::Id::new(("note-field", i))),
                );
                if i == 0 && form.focus_first {
                    edit.request_focus();
                    form.focus_first = false;
                }
            }
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                let label = if form.security {
                    "⚠ Escalate as security incident (Ctrl+Enter)"
                } else {
                    "⬆ Send to L2 (Ctrl+Enter)"
                };
                if ui.button(theme::bold(label).color(palette::ACCENT)).clicked() {
                    submit = true;
                }
                if ui.button("Cancel (Esc)").clicked() {
                    cancel = true;
                }
                if !hints {
                    ui.label(theme::muted("The note is graded on all five elements."));
                }
            });
        });
    if submit || send_key {
        let note = form.note.clone();
        let ticket = form.ticket;
        sent.push(if form.security {
            Action::EscalateSecurity { ticket, note }
        } else {
            Action::Escalate { ticket, note }
        });
        *form_slot = None;
    } else if !open || cancel {
        *form_slot = None;
    }
}

/// The live checklist of the five elements (onboarding): each element's score and the
/// first thing it lacks, from the grading's own note scorer.
pub fn live_checklist(ui: &mut egui::Ui, session: &Session, form: &NoteForm) {
    ui.heading("Your note");
    let Some(score) = session.draft_note_score(form.ticket, &form.note, form.security) else {
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
