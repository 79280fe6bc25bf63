//! The queue: every ticket with its SLA bar and L1-window countdown.

use super::{minutes_text, status_text};
use crate::gui::widgets::theme::{self, palette};
use crate::sim_plugin::{TicketEntity, TicketView};
use bevy::prelude::*;
use bevy_egui::egui;
use dojo_core::engine::WindowState;
use dojo_core::sim::action::Action;
use dojo_core::sim::session::{Session, Status};

pub(super) fn queue_panel(
    root: &mut egui::Ui,
    session: &Session,
    tickets: &Query<(&TicketEntity, &TicketView)>,
    sent: &mut Vec<Action>,
) {
    let mut rows: Vec<(&TicketEntity, &TicketView)> = tickets.iter().collect();
    rows.sort_by_key(|(t, _)| t.number);
    egui::Panel::left("queue")
        .resizable(false)
        .exact_size(300.0)
        .show(root, |ui| {
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                ui.heading("Queue");
                let open = rows.iter().filter(|(_, v)| v.status.open_at_l1()).count();
                ui.label(theme::muted(format!("{open} open at L1")));
            });
            let upcoming = session
                .tickets
                .iter()
                .filter(|t| t.status == Status::Pending)
                .count();
            if rows.is_empty() {
                ui.label(theme::muted(
                    "No tickets yet — the first one is on its way.",
                ));
            }
            if let Some(n) = session.current {
                // What leaving the open ticket does to it, said before it happens.
                ui.label(
                    egui::RichText::new(format!(
                        "Opening another ticket puts #{n} on hold: its SLA and L1 window keep running."
                    ))
                    .small()
                    .color(palette::MUTED),
                );
            }
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    for (entity, view) in &rows {
                        queue_row(ui, session, entity.number, view, sent);
                    }
                    if upcoming > 0 {
                        ui.label(theme::muted(format!("{upcoming} more ticket(s) to come")));
                    }
                });
        });
}

pub(super) fn queue_row(
    ui: &mut egui::Ui,
    session: &Session,
    number: u32,
    view: &TicketView,
    sent: &mut Vec<Action>,
) {
    let current = session.current == Some(number);
    let frame = egui::Frame::new()
        .fill(if current {
            palette::CARD.gamma_multiply(1.6)
        } else {
            palette::CARD
        })
        .stroke(if current {
            egui::Stroke::new(1.5, palette::ACCENT)
        } else {
            egui::Stroke::NONE
        })
        .corner_radius(egui::CornerRadius::same(5))
        .inner_margin(egui::Margin::same(7));
    let response = frame
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.label(theme::bold(format!("#{number}")));
                let (text, colour) = status_text(view.status);
                theme::chip(ui, text, colour);
            });
            ui.label(&view.title);
            if view.status.open_at_l1() {
                let sla = sla_bar(ui, number, view);
                let window = window_bar(ui, view);
                if let Some(t) = session.ticket(number) {
                    let policy = session.policy();
                    if let Some(sla) = sla {
                        // Built only while hovered: the SLA tip evaluates the ticket.
                        sla.on_hover_ui(|ui| {
                            ui.label(super::tips::sla(policy, t));
                        });
                    }
                    window.on_hover_ui(|ui| {
                        ui.label(super::tips::window(policy, t));
                    });
                }
                if let Some(t) = session.ticket(number)
                    && let Some(left) = t.response_remaining(session.now, session.policy())
                {
                    let colour = if left < 0 {
                        palette::BAD
                    } else {
                        palette::MUTED
                    };
                    ui.label(
                        egui::RichText::new(if left < 0 {
                            format!("first response overdue by {}", minutes_text(-left))
                        } else {
                            format!("first response due in {}", minutes_text(left))
                        })
                        .small()
                        .color(colour),
                    );
                }
            }
        })
        .response
        .interact(egui::Sense::click());
    if view.status.open_at_l1() && !current {
        let response = response.on_hover_text(format!("Open ticket #{number} (key {number})"));
        if response.clicked() {
            sent.push(Action::Open { ticket: number });
        }
    }
    ui.add_space(4.0);
}

pub(super) fn sla_bar(ui: &mut egui::Ui, number: u32, view: &TicketView) -> Option<egui::Response> {
    if view.sla_target == 0 {
        return None;
    }
    // Both bars fill with the time used, so a fuller bar is always the more urgent one.
    let left = view.sla_remaining as f32 / view.sla_target as f32;
    let used = (1.0 - left).clamp(0.0, 1.0);
    let colour = if view.sla_remaining < 0 {
        palette::BAD
    } else if left < 0.25 {
        palette::THREE_QUARTERS
    } else if left < 0.5 {
        palette::HALF
    } else {
        palette::GOOD
    };
    let label = if view.sla_remaining < 0 {
        format!("SLA: breached {} ago", minutes_text(-view.sla_remaining))
    } else {
        format!(
            "SLA: {} left of {} ({:.0}% used)",
            minutes_text(view.sla_remaining),
            minutes_text(i64::from(view.sla_target)),
            used * 100.0
        )
    };
    let response = theme::bar(ui, used, colour, &label);
    crate::gui::widgets::ui_map::mark_text(ui, format!("sla:{number}"), &label, &response);
    Some(response)
}

pub(super) fn window_bar(ui: &mut egui::Ui, view: &TicketView) -> egui::Response {
    match view.window {
        Some((elapsed, limit, state)) => {
            let label = match state {
                WindowState::Overdue { by } => {
                    format!("L1 window: {by}m past its {limit}m (the framework: escalate)")
                }
                WindowState::Reached => {
                    format!("L1 window: {limit}m reached (the framework: escalate)")
                }
                _ => format!(
                    "L1 window: {}m left of {limit}m ({}% used)",
                    limit.saturating_sub(elapsed),
                    elapsed * 100 / limit.max(1)
                ),
            };
            theme::bar(
                ui,
                elapsed as f32 / limit.max(1) as f32,
                theme::window_colour(state),
                &label,
            )
        }
        None => ui.label(
            egui::RichText::new("No L1 window: security — escalate immediately")
                .small()
                .color(palette::BAD),
        ),
    }
}
