//! The keyboard: the shortcuts, the key list (`?`) and the end-of-shift confirmation.

use super::ShiftUi;
use crate::gui::state::EndShift;
use crate::gui::widgets::theme::{self};
use bevy::prelude::*;
use bevy_egui::egui;
use dojo_core::scenario::StepKind;
use dojo_core::sim::action::Action;
use dojo_core::sim::session::{Session, Status};

pub(super) fn confirm_end_window(
    ctx: &egui::Context,
    session: &Session,
    confirm: &mut bool,
    end: &mut MessageWriter<EndShift>,
) {
    egui::Window::new("End the shift now?")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            let open = session.tickets.iter().filter(|t| t.status.open_at_l1()).count();
            let pending = session
                .tickets
                .iter()
                .filter(|t| t.status == Status::Pending)
                .count();
            ui.label(format!(
                "{open} ticket(s) still open at L1 and {pending} not yet arrived. The rest of the shift plays out without you: open tickets run past their windows."
            ));
            ui.horizontal(|ui| {
                if ui.button(theme::bold("End shift (Enter)")).clicked()
                    || ui.input(|i| i.key_pressed(egui::Key::Enter))
                {
                    end.write(EndShift);
                    *confirm = false;
                }
                if ui.button("Keep working (Esc)").clicked()
                    || ui.input(|i| i.key_pressed(egui::Key::Escape))
                {
                    *confirm = false;
                }
            });
        });
}

pub(super) const KEYS: [(&str, &str); 16] = [
    ("1 … 9", "open ticket #1 … #9"),
    ("S", "run the next diagnostic step"),
    ("A", "ask the client the next question"),
    ("K", "search the knowledge base"),
    ("R", "resolve at L1"),
    ("E", "escalate to L2 (note form)"),
    ("X", "security incident (note form)"),
    ("N", "notify a senior"),
    ("H", "hold the ticket"),
    ("U", "write a client update"),
    ("Space", "pause / resume (where allowed)"),
    ("Ctrl+Enter", "send the escalation note"),
    ("Esc", "close a form or article"),
    ("End", "end the shift (asks first)"),
    ("F12", "save a screenshot"),
    ("Ctrl+Q", "quit"),
];

pub(super) fn keys_window(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Keyboard shortcuts")
        .open(open)
        .collapsible(false)
        .show(ctx, |ui| {
            egui::Grid::new("keys").num_columns(2).show(ui, |ui| {
                for (key, what) in KEYS {
                    ui.label(theme::bold(key).monospace());
                    ui.label(what);
                    ui.end_row();
                }
            });
        });
}

/// Shortcuts act only when no text field has the keyboard.
/// How long single-key shortcuts wait after a text field lost the keyboard.
const TYPING_GRACE_SECONDS: f64 = 1.0;

pub(super) fn keyboard_shortcuts(
    ctx: &egui::Context,
    session: &Session,
    ui_state: &mut ShiftUi,
    sent: &mut Vec<Action>,
) {
    let now = ctx.input(|i| i.time);
    // A pending confirmation handles its own Enter and Esc.
    if ui_state.confirm.is_some() || ui_state.confirm_end {
        return;
    }
    if ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
        if ui_state.note.is_some() {
            ui_state.note = None;
        } else {
            if let Some(n) = session.current {
                ui_state.drafts.of(n).reading = None;
            }
            ui_state.show_keys = false;
        }
    }
    // Single keys never act while a text field has the keyboard, nor for a moment after
    // it lost it (the end of a sentence typed a little late is still typing).
    if ctx.egui_wants_keyboard_input() || ui_state.note.is_some() {
        ui_state.typing_until = now + TYPING_GRACE_SECONDS;
        return;
    }
    if now < ui_state.typing_until {
        return;
    }
    let pressed = |key: egui::Key| ctx.input(|i| i.key_pressed(key) && i.modifiers.is_none());
    const DIGITS: [egui::Key; 9] = [
        egui::Key::Num1,
        egui::Key::Num2,
        egui::Key::Num3,
        egui::Key::Num4,
        egui::Key::Num5,
        egui::Key::Num6,
        egui::Key::Num7,
        egui::Key::Num8,
        egui::Key::Num9,
    ];
    for (i, key) in DIGITS.iter().enumerate() {
        if pressed(*key) {
            sent.push(Action::Open {
                ticket: i as u32 + 1,
            });
        }
    }
    if pressed(egui::Key::Space) && session.shift.rules.pause_allowed {
        sent.push(if session.paused {
            Action::Resume
        } else {
            Action::Pause
        });
    }
    if pressed(egui::Key::End) {
        ui_state.confirm_end = true;
    }
    if ctx.input(|i| i.key_pressed(egui::Key::Questionmark)) {
        ui_state.show_keys = !ui_state.show_keys;
    }
    let Some(t) = session.current.and_then(|n| session.ticket(n)) else {
        return;
    };
    let number = t.number;
    let next_step = |kind: StepKind| {
        t.scenario
            .steps
            .iter()
            .find(|s| s.kind == kind && !t.steps_run.contains(&s.id))
    };
    if pressed(egui::Key::S)
        && let Some(step) = next_step(StepKind::Check)
    {
        sent.push(Action::RunStep {
            ticket: number,
            step: step.id.clone(),
        });
    }
    if pressed(egui::Key::A)
        && let Some(step) = next_step(StepKind::AskClient)
    {
        sent.push(Action::AskClient {
            ticket: number,
            step: step.id.clone(),
        });
    }
    if pressed(egui::Key::K) {
        ui_state.focus_kb = true;
    }
    if pressed(egui::Key::R) {
        ui_state.ask_resolve(number, now);
    }
    if pressed(egui::Key::E) {
        ui_state.open_note(number, false);
    }
    if pressed(egui::Key::X) {
        ui_state.open_note(number, true);
    }
    if pressed(egui::Key::N) {
        sent.push(Action::NotifySenior { ticket: number });
    }
    if pressed(egui::Key::H) {
        sent.push(Action::Hold { ticket: number });
    }
    if pressed(egui::Key::U) {
        ctx.memory_mut(|m| m.request_focus(egui::Id::new("client-update")));
    }
}
