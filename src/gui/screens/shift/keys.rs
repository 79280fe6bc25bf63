//! The keyboard: the shortcuts, the key list (`?`) and the end-of-shift confirmation.

use super::ShiftUi;
use crate::gui::state::EndShift;
use crate::gui::widgets::theme::{self};
use bevy::prelude::*;
use bevy_egui::egui;
use dojo_core::scenario::StepKind;
use dojo_core::sim::action::Action;
use dojo_core::sim::session::{Session, Status};

use crate::keymap::Shortcut;

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

/// The fixed keys beside the trainee's shortcuts (`crate::keymap`).
const FIXED: [(&str, &str); 5] = [
    ("Ctrl+Enter", "send the escalation note"),
    ("Esc", "close a form or article"),
    ("?", "this list (a single key: off with the others)"),
    ("F12", "save a screenshot"),
    ("Ctrl+Q", "quit"),
];

/// A key event as the key map spells it (`Ctrl+Alt+Shift+KEY`).
fn spelled(key: egui::Key, modifiers: egui::Modifiers) -> String {
    let mut out = String::new();
    if modifiers.ctrl || modifiers.command {
        out.push_str("Ctrl+");
    }
    if modifiers.alt {
        out.push_str("Alt+");
    }
    if modifiers.shift {
        out.push_str("Shift+");
    }
    out.push_str(key.name());
    out
}

/// The keys pressed this frame, spelled.
fn pressed_keys(ctx: &egui::Context) -> Vec<(egui::Key, String)> {
    ctx.input(|i| {
        i.events
            .iter()
            .filter_map(|e| match e {
                egui::Event::Key {
                    key,
                    pressed: true,
                    repeat: false,
                    modifiers,
                    ..
                } => Some((*key, spelled(*key, *modifiers))),
                _ => None,
            })
            .collect()
    })
}

/// The key list, where the trainee turns single-key shortcuts off and moves any
/// shortcut to another key (kept per trainee in the history).
pub(super) fn keys_window(ctx: &egui::Context, ui_state: &mut ShiftUi) {
    let mut open = ui_state.show_keys;
    // A key pressed while a shortcut waits for one becomes its key (Esc cancels).
    if let Some(waiting) = ui_state.capturing
        && let Some((key, name)) = pressed_keys(ctx).into_iter().next()
    {
        if key == egui::Key::Escape {
            ui_state.capturing = None;
        } else {
            let id = crate::keymap::SHORTCUTS
                .iter()
                .find(|x| x.0 == waiting)
                .map_or("", |x| x.1);
            match ui_state.keymap.bind(id, &name) {
                Ok(()) => {
                    ui_state.keymap_changed = true;
                    ui_state.capturing = None;
                    ui_state.key_problem = None;
                }
                Err(e) => ui_state.key_problem = Some(e),
            }
        }
    }
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .collapsible(false)
        .show(ctx, |ui| {
            let mut single = ui_state.keymap.single_keys;
            if ui
                .checkbox(&mut single, "Single-key shortcuts (letters, digits, Space)")
                .on_hover_text(
                    "Off: only shortcuts with Ctrl or Alt, F-keys and End act — for speech \
                     input, or anyone who types a letter by accident. Every action stays a \
                     button.",
                )
                .changed()
            {
                ui_state.keymap.single_keys = single;
                ui_state.keymap_changed = true;
            }
            egui::Grid::new("keys").num_columns(3).show(ui, |ui| {
                let digits = if ui_state.keymap.digits_active() {
                    "1 … 9"
                } else {
                    "off"
                };
                ui.label(theme::bold(digits).monospace());
                ui.label("open ticket #1 … #9");
                ui.label("");
                ui.end_row();
                for (shortcut, id, _, what) in crate::keymap::SHORTCUTS {
                    let key = ui_state.keymap.key(shortcut);
                    let shown = match ui_state.keymap.active_key(shortcut) {
                        Some(k) => k,
                        None => format!("off ({key})"),
                    };
                    ui.label(theme::bold(shown).monospace());
                    ui.label(what);
                    let waiting = ui_state.capturing == Some(shortcut);
                    let button = if waiting {
                        "press a key… (Esc cancels)".to_string()
                    } else {
                        "Change".to_string()
                    };
                    let change = ui
                        .button(button)
                        .on_hover_text(format!("Put “{what}” ({id}) on another key, e.g. Ctrl+R"));
                    crate::gui::widgets::ui_map::mark(ui, format!("key-change:{id}"), &change);
                    if change.clicked() {
                        ui_state.capturing = (!waiting).then_some(shortcut);
                        ui_state.key_problem = None;
                    }
                    ui.end_row();
                }
                for (key, what) in FIXED {
                    ui.label(theme::bold(key).monospace());
                    ui.label(what);
                    ui.label("");
                    ui.end_row();
                }
            });
            if let Some(problem) = &ui_state.key_problem {
                ui.label(egui::RichText::new(format!("⚠ {problem}")).color(theme::palette::BAD));
            }
            if ui.button("Default keys").clicked() {
                ui_state.keymap = crate::keymap::KeyMap::default();
                ui_state.keymap_changed = true;
            }
        });
    if !open {
        ui_state.capturing = None;
    }
    ui_state.show_keys = open;
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
    // the last key typed into one (the end of a sentence typed a little late is still
    // typing). The moment runs from the last keystroke, not from the last frame the
    // field was on screen: frames come once a second while nothing happens, so a grace
    // counted from them held End back for two seconds after a note was sent.
    if ctx.egui_wants_keyboard_input() || ui_state.note.is_some() {
        let typed = ctx.input(|i| {
            i.events
                .iter()
                .any(|e| matches!(e, egui::Event::Text(_) | egui::Event::Key { .. }))
        });
        if typed {
            ui_state.typing_until = now + TYPING_GRACE_SECONDS;
        }
        return;
    }
    if now < ui_state.typing_until {
        return;
    }
    let map = ui_state.keymap.clone();
    let pressed = pressed_keys(ctx);
    let hit = |s: Shortcut| {
        pressed
            .iter()
            .any(|(_, name)| map.shortcut_for(name) == Some(s))
    };
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
    if map.digits_active() {
        for (i, key) in DIGITS.iter().enumerate() {
            if pressed
                .iter()
                .any(|(k, name)| k == key && name == key.name())
            {
                sent.push(Action::Open {
                    ticket: i as u32 + 1,
                });
            }
        }
    }
    if hit(Shortcut::Pause) && session.shift.rules.pause_allowed {
        sent.push(if session.paused {
            Action::Resume
        } else {
            Action::Pause
        });
    }
    if hit(Shortcut::EndShift) {
        ui_state.confirm_end = true;
    }
    if map.single_keys && ctx.input(|i| i.key_pressed(egui::Key::Questionmark)) {
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
    if hit(Shortcut::RunStep)
        && let Some(step) = next_step(StepKind::Check)
    {
        sent.push(Action::RunStep {
            ticket: number,
            step: step.id.clone(),
        });
    }
    if hit(Shortcut::AskClient)
        && let Some(step) = next_step(StepKind::AskClient)
    {
        sent.push(Action::AskClient {
            ticket: number,
            step: step.id.clone(),
        });
    }
    if hit(Shortcut::SearchKb) {
        ui_state.focus_kb = true;
    }
    if hit(Shortcut::Resolve) {
        ui_state.ask_resolve(number, now);
    }
    if hit(Shortcut::Escalate) {
        ui_state.open_note(number, false);
    }
    if hit(Shortcut::Security) {
        ui_state.open_note(number, true);
    }
    if hit(Shortcut::NotifySenior) {
        sent.push(Action::NotifySenior { ticket: number });
    }
    if hit(Shortcut::Hold) {
        sent.push(Action::Hold { ticket: number });
    }
    if hit(Shortcut::ClientUpdate) {
        ctx.memory_mut(|m| m.request_focus(egui::Id::new("client-update")));
    }
}
