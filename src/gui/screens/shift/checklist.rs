//! The framework checklist beside the open ticket (onboarding): tools, access,
//! runbook, window left, impact, and the note's five elements.

use super::note_form;
use crate::gui::widgets::theme::{self, palette};
use bevy::prelude::*;
use bevy_egui::egui;
use dojo_core::sim::session::Session;

/// The onboarding checklist: the framework's questions, answered from what is known
/// now (the engine's verdict — the UI decides nothing).
pub(super) fn framework_checklist(
    ui: &mut egui::Ui,
    session: &Session,
    number: u32,
    note: Option<(&dojo_core::note::EscalationNote, bool)>,
) {
    let Some(t) = session.ticket(number) else {
        return;
    };
    let Some(verdict) = t.verdict(session.now, session.policy()) else {
        return;
    };
    ui.add_space(4.0);
    ui.heading("Framework checklist");
    let tick = |ok: bool| {
        if ok {
            ("✔", palette::GOOD)
        } else {
            ("✘", palette::BAD)
        }
    };
    let lacks = |lack: dojo_core::engine::Lack| verdict.l1_lacks.iter().any(|l| l.lack == lack);
    egui::ScrollArea::vertical().show(ui, |ui| {
        let rows: [(&str, bool, String); 3] = [
            (
                "Tools?",
                !lacks(dojo_core::engine::Lack::Tooling),
                if t.facts.tools {
                    "L1 has the tools".into()
                } else {
                    "L1 lacks the tools".into()
                },
            ),
            (
                "Access?",
                !lacks(dojo_core::engine::Lack::Access),
                if t.facts.access {
                    "L1 has the access".into()
                } else {
                    "needs rights L1 does not have".into()
                },
            ),
            (
                "Runbook?",
                t.facts.runbook.is_some(),
                match &t.facts.runbook {
                    Some(id) => format!(
                        "yes: {}",
                        session
                            .pack()
                            .kb
                            .get(id)
                            .map_or(id.as_str(), |a| a.title.as_str())
                    ),
                    None => "no documented procedure".into(),
                },
            ),
        ];
        for (question, ok, answer) in rows {
            let (mark, colour) = tick(ok);
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(colour, mark);
                ui.label(theme::bold(question));
                ui.label(answer);
            });
        }
        ui.horizontal_wrapped(|ui| match &verdict.window {
            Some(w) => {
                ui.colored_label(theme::window_colour(w.state), "◷");
                ui.label(theme::bold("Window left?"));
                ui.label(format!(
                    "{} of {} min used, {} left",
                    w.elapsed_minutes, w.limit_minutes, w.remaining_minutes
                ));
            }
            None => {
                ui.colored_label(palette::BAD, "⚠");
                ui.label(theme::bold("Window left?"));
                ui.label("none — security: escalate immediately");
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(palette::INFO, "◆");
            ui.label(theme::bold("Impact?"));
            ui.label(format!(
                "{:?} (impact {:?}, urgency {:?})",
                verdict.impact.priority, verdict.impact.impact, verdict.impact.urgency
            ));
        });
        if !verdict.handling.is_empty() {
            ui.label(theme::muted("Handling this impact demands:"));
            for h in &verdict.handling {
                ui.label(format!("• {}", h.reason));
            }
        }
        if !verdict.minimum_checks.is_empty() {
            ui.add_space(4.0);
            ui.label(theme::bold("Minimum checks before escalating"));
            for check in &verdict.minimum_checks {
                let done = t.steps_run.contains(check);
                let label = t
                    .scenario
                    .steps
                    .iter()
                    .find(|s| &s.id == check)
                    .map_or(check.as_str(), |s| s.label.as_str());
                let (mark, colour) = tick(done);
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(colour, mark);
                    ui.label(label);
                });
            }
        }
        ui.add_space(6.0);
        egui::CollapsingHeader::new("The framework's call now (hint)")
            .default_open(false)
            .show(ui, |ui| {
                ui.label(theme::bold(dojo_core::sim::record::short_owner(
                    verdict.owner,
                )));
                ui.label(theme::muted(&verdict.owner_reason));
            });
        if let Some((note, security)) = note {
            ui.add_space(6.0);
            note_form::live_checklist(ui, session, number, note, security);
        }
    });
}
