//! A KB article, read in its own window.

use crate::gui::widgets::theme::{self, palette};
use bevy::prelude::*;
use bevy_egui::egui;
use dojo_core::sim::session::Session;

pub(super) fn article_window(
    ctx: &egui::Context,
    session: &Session,
    id: &str,
    reading: &mut Option<String>,
) {
    let Some(article) = session.pack().kb.get(id) else {
        *reading = None;
        return;
    };
    let mut open = true;
    egui::Window::new(format!("KB · {}", article.title))
        .id(egui::Id::new("kb-article"))
        .open(&mut open)
        .default_width(520.0)
        .default_height(420.0)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.label(&article.body);
                if !article.procedure.is_empty() {
                    ui.add_space(6.0);
                    ui.label(theme::bold("Procedure"));
                    for (i, step) in article.procedure.iter().enumerate() {
                        ui.label(format!("{}. {step}", i + 1));
                    }
                }
                if !article.escalate_when.is_empty() {
                    ui.add_space(6.0);
                    ui.label(theme::bold("Escalate when").color(palette::ACCENT));
                    for line in &article.escalate_when {
                        ui.label(format!("• {line}"));
                    }
                }
            });
        });
    if !open {
        *reading = None;
    }
}
