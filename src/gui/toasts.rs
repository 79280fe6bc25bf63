//! Toasts: the simulation's notices (arrivals, window warnings at 50/75/100%, scripted
//! events, upstream news, refusals) and the app's problems, stacked at the top right.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::state::Problem;
use super::widgets::theme::palette;
use crate::sim_plugin::SimNotice;
use dojo_core::sim::session::Notice;

/// How long a toast stays.
const LIFETIME: Duration = Duration::from_secs(8);
/// At most this many at once (the oldest go first).
const MAX_SHOWN: usize = 4;

/// One toast.
#[derive(Debug, Clone)]
struct Toast {
    text: String,
    colour: egui::Color32,
    born: Instant,
}

/// The toasts on screen.
#[derive(Resource, Debug, Default)]
struct Toasts(Vec<Toast>);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Toasts>()
        .add_systems(Update, collect.after(crate::sim_plugin::SimSet::Mirror))
        .add_systems(
            OnExit(super::state::Screen::Shift),
            |mut toasts: ResMut<Toasts>| {
                toasts.0.clear();
            },
        )
        .add_systems(
            EguiPrimaryContextPass,
            draw.in_set(super::state::UiSet::Overlay),
        );
}

/// What a notice says, and its colour.
fn describe(notice: &Notice) -> (String, egui::Color32) {
    match notice {
        Notice::Arrived { ticket, title } => {
            (format!("New ticket #{ticket}: {title}"), palette::ACCENT)
        }
        Notice::WindowWarning { ticket, percent } => (
            match percent {
                100.. => format!("#{ticket}: the L1 window is used up — escalate now"),
                p => format!("#{ticket}: {p}% of the L1 window used"),
            },
            match percent {
                100.. => palette::BAD,
                75..=99 => palette::THREE_QUARTERS,
                _ => palette::HALF,
            },
        ),
        Notice::Event {
            ticket, message, ..
        } => (format!("#{ticket}: {message}"), palette::INFO),
        Notice::Upstream { ticket, message } => (format!("#{ticket}: {message}"), palette::MUTED),
        Notice::Reopened { ticket, reason } => {
            (format!("#{ticket} reopened: {reason}"), palette::BAD)
        }
        Notice::Refused { action, reason } => (format!("Can't {action}: {reason}"), palette::BAD),
        Notice::ShiftEnded => ("The shift has ended.".into(), palette::INFO),
    }
}

fn collect(
    mut notices: MessageReader<SimNotice>,
    mut problems: MessageReader<Problem>,
    mut toasts: ResMut<Toasts>,
) {
    let now = Instant::now();
    for SimNotice(notice) in notices.read() {
        let (text, colour) = describe(notice);
        toasts.0.push(Toast {
            text,
            colour,
            born: now,
        });
    }
    for Problem(text) in problems.read() {
        toasts.0.push(Toast {
            text: text.clone(),
            colour: palette::BAD,
            born: now,
        });
    }
    toasts.0.retain(|t| t.born.elapsed() < LIFETIME);
    let excess = toasts.0.len().saturating_sub(MAX_SHOWN);
    toasts.0.drain(..excess);
}

fn draw(mut contexts: EguiContexts, toasts: Res<Toasts>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let live: Vec<&Toast> = toasts
        .0
        .iter()
        .filter(|t| t.born.elapsed() < LIFETIME)
        .collect();
    if live.is_empty() {
        return Ok(());
    }
    egui::Area::new(egui::Id::new("toasts"))
        // Bottom left, over the foot of the queue and above the activity log: never over
        // the ticket's findings, its buttons or the framework checklist.
        .anchor(egui::Align2::LEFT_BOTTOM, egui::vec2(8.0, -140.0))
        .order(egui::Order::Foreground)
        .interactable(false)
        .show(ctx, |ui| {
            ui.set_max_width(284.0); // inside the queue panel (300)
            for toast in &live {
                egui::Frame::new()
                    .fill(palette::PANEL)
                    .stroke(egui::Stroke::new(1.5, toast.colour))
                    .corner_radius(egui::CornerRadius::same(6))
                    .inner_margin(egui::Margin::same(8))
                    .show(ui, |ui| {
                        ui.colored_label(toast.colour, &toast.text);
                    });
                ui.add_space(4.0);
            }
        });
    // No repaint request for the expiry: bevy_egui would wake the app every frame. An
    // idle app's next wake-up (input, or the reactive timer) clears old toasts.
    Ok(())
}
