//! The activity log: what happened this shift, newest first.

use crate::gui::widgets::theme::{self, palette};
use bevy::prelude::*;
use bevy_egui::egui;
use dojo_core::sim::action::Outcome;
use dojo_core::sim::session::Session;

pub(super) fn activity_log(root: &mut egui::Ui, session: &Session) {
    egui::Panel::bottom("activity")
        .resizable(true)
        .default_size(110.0)
        .show(root, |ui| {
            ui.label(theme::bold("Activity"));
            egui::ScrollArea::vertical()
                .stick_to_bottom(true)
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    let start = session.log.len().saturating_sub(60);
                    for entry in &session.log[start..] {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(theme::muted(format!("m{:>3}", entry.at)).monospace());
                            match &entry.outcome {
                                Outcome::Done { busy_until } => {
                                    ui.label(entry.action.label());
                                    if *busy_until > entry.at {
                                        ui.label(theme::muted(format!(
                                            "({} min)",
                                            busy_until - entry.at
                                        )));
                                    }
                                }
                                Outcome::Refused(reason) => {
                                    ui.colored_label(
                                        palette::BAD,
                                        format!("✘ {} — refused: {reason}", entry.action.label()),
                                    );
                                }
                            }
                        });
                    }
                });
        });
}
