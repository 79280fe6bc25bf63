//! The confirming step of a decision: resolving, escalating to L2 and escalating as a
//! security incident are irreversible, so each asks once more, naming the ticket and the
//! decision. Enter confirms, Esc cancels (back to the note, which is kept).

use bevy_egui::egui;

use super::ShiftUi;
use crate::gui::widgets::theme::{self, palette};
use dojo_core::sim::action::Action;
use dojo_core::sim::session::Session;

/// A decision waiting for its confirmation.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirm {
    /// Resolve this ticket at L1.
    Resolve {
        /// The ticket.
        ticket: u32,
        /// When (egui time) it was asked: the key that asked is not the one that confirms.
        since: f64,
    },
    /// Send this ticket's note: to L2, or as a security incident.
    Escalate {
        /// The ticket.
        ticket: u32,
        /// A security escalation.
        security: bool,
        /// When it was asked.
        since: f64,
    },
}

impl Confirm {
    fn ticket(&self) -> u32 {
        match self {
            Confirm::Resolve { ticket, .. } | Confirm::Escalate { ticket, .. } => *ticket,
        }
    }

    fn since(&self) -> f64 {
        match self {
            Confirm::Resolve { since, .. } | Confirm::Escalate { since, .. } => *since,
        }
    }

    /// The action the confirmation sends.
    fn action(&self, ui_state: &mut ShiftUi) -> Action {
        match *self {
            Confirm::Resolve { ticket, .. } => Action::Resolve { ticket },
            Confirm::Escalate {
                ticket, security, ..
            } => {
                let note = ui_state.drafts.of(ticket).note.clone();
                if security {
                    Action::EscalateSecurity { ticket, note }
                } else {
                    Action::Escalate { ticket, note }
                }
            }
        }
    }
}

/// The question, in words.
fn question(confirm: &Confirm, title: &str) -> (String, &'static str, egui::Color32) {
    match confirm {
        Confirm::Resolve { ticket, .. } => (
            format!("Resolve #{ticket} “{title}” at L1 and close it?"),
            "✔ Resolve (Enter)",
            palette::GOOD,
        ),
        Confirm::Escalate {
            ticket,
            security: false,
            ..
        } => (
            format!("Escalate #{ticket} “{title}” to L2 with your note? It leaves your queue."),
            "⬆ Send to L2 (Enter)",
            palette::ACCENT,
        ),
        Confirm::Escalate {
            ticket,
            security: true,
            ..
        } => (
            format!("Escalate #{ticket} “{title}” as a SECURITY INCIDENT with your note?"),
            "⚠ Escalate as security (Enter)",
            palette::BAD,
        ),
    }
}

/// Draws the confirmation; Enter (after a moment) or the button sends the decision, Esc
/// or Cancel drops the question and keeps everything typed.
pub(super) fn window(
    ctx: &egui::Context,
    session: &Session,
    confirm: &Confirm,
    ui_state: &mut ShiftUi,
    sent: &mut Vec<Action>,
) {
    let Some(ticket) = session.ticket(confirm.ticket()) else {
        ui_state.confirm = None;
        return;
    };
    let (text, button, colour) = question(confirm, &ticket.scenario.title);
    let now = ctx.input(|i| i.time);
    let settled = now - confirm.since() > 0.25;
    let mut yes = settled && ctx.input(|i| i.key_pressed(egui::Key::Enter));
    let mut no = ctx.input(|i| i.key_pressed(egui::Key::Escape));
    let refusal = session.check(&confirm.action(ui_state)).err();
    egui::Window::new("Confirm")
        .id(egui::Id::new("confirm-decision"))
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            ui.label(theme::bold(&text));
            if let Some(why) = &refusal {
                ui.colored_label(palette::BAD, format!("Not possible now: {why}"));
            }
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                let send = ui.add_enabled(
                    refusal.is_none(),
                    egui::Button::new(theme::bold(button).color(colour)),
                );
                crate::gui::widgets::ui_map::mark(ui, "confirm-yes", &send);
                yes |= send.clicked();
                no |= ui.button("Cancel (Esc)").clicked();
            });
        });
    if no {
        ui_state.confirm = None;
    } else if yes && refusal.is_none() {
        let action = confirm.action(ui_state);
        if let Some(form) = ui_state.note.as_mut() {
            form.sent_at = Some(session.log.len());
        }
        sent.push(action);
        ui_state.confirm = None;
    }
}
