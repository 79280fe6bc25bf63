//! The mode screen: Onboarding, Practice, Coaching drill, Competition — each starts a
//! shipped shift definition under its rules.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::gui::history::History;
use crate::gui::play::session_seed;
use crate::gui::state::{Screen, TrainerOptions};
use crate::gui::state::{StartShift, Trainee};
use crate::gui::widgets::theme::{self, palette};
use dojo_core::curriculum::ModuleState;
use dojo_core::history::SessionQuery;
use dojo_core::shift::{Arrivals, Shift};

/// A mode card: the shift it starts and what it is for.
struct ModeCard {
    title: &'static str,
    purpose: &'static str,
    shift_id: &'static str,
}

const CARDS: [ModeCard; 4] = [
    ModeCard {
        title: "Onboarding",
        purpose: "Learn the framework one ticket at a time. The framework checklist and the note checklist sit beside every ticket.",
        shift_id: "onboarding-basics",
    },
    ModeCard {
        title: "Practice",
        purpose: "A realistic queue of everyday tickets arriving at random. No hints; you may pause.",
        shift_id: "practice-mixed",
    },
    ModeCard {
        title: "Coaching drill",
        purpose: "The judgement calls flagged agents get wrong, to play with your coach.",
        shift_id: "coaching-drill",
    },
    ModeCard {
        title: "Competition",
        purpose: "The same shift for everyone: no pause, no hints, a real-time limit.",
        shift_id: "competition-mixed",
    },
];

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        mode_screen
            .in_set(crate::gui::state::UiSet::Screen)
            .run_if(in_state(Screen::Mode)),
    );
}

/// One line on the shift's rules and size.
pub fn shift_summary(shift: &Shift) -> String {
    let tickets = match &shift.arrivals {
        Arrivals::Fixed(at) => format!("{} tickets", at.len()),
        Arrivals::Poisson {
            per_hour,
            max_tickets,
            ..
        } => format!("about {per_hour:.0} tickets an hour (up to {max_tickets})"),
    };
    let real_minutes = f64::from(shift.length_minutes) / shift.time_scale / 60.0;
    let mut rules = vec![
        if shift.rules.pause_allowed {
            "pause allowed"
        } else {
            "no pause"
        },
        if shift.rules.hints_shown {
            "checklists shown"
        } else {
            "no hints"
        },
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    if let Some(limit) = shift.rules.real_time_limit_minutes {
        rules.push(format!("{limit} min real-time limit"));
    }
    format!(
        "{} sim minutes (about {real_minutes:.0} real minutes) · {tickets} · {}",
        shift.length_minutes,
        rules.join(" · ")
    )
}

/// The onboarding path as this trainee stands on it, from the history.
fn onboarding_path(
    ui: &mut egui::Ui,
    options: &TrainerOptions,
    trainee: Option<&Trainee>,
    history: &History,
    start: &mut MessageWriter<StartShift>,
) -> bool {
    let (Some(curriculum), Some(trainee)) = (options.pack.curricula.get("onboarding"), trainee)
    else {
        return false;
    };
    let Some(Ok(progress)) = history.with(|s| s.progress(&trainee.name, curriculum)) else {
        return false;
    };
    ui.label(theme::bold(&curriculum.title));
    let next = dojo_core::curriculum::next_module(&progress).map(|m| m.position);
    for m in &progress {
        ui.horizontal_wrapped(|ui| {
            let (text, colour) = match m.state {
                ModuleState::Passed => ("passed", palette::GOOD),
                ModuleState::Unlocked => ("open", palette::ACCENT),
                ModuleState::Locked => ("locked", palette::MUTED),
            };
            theme::chip(ui, text, colour);
            ui.label(format!("{}. {}", m.position, m.module.title));
            ui.label(theme::muted(format!(
                "pass mark {}{}",
                m.module.pass_mark,
                m.best_score
                    .map_or(String::new(), |b| format!(" · best {b}"))
            )));
            let playable = m.state != ModuleState::Locked;
            let label = if Some(m.position) == next {
                format!("Start module {}  (1)", m.position)
            } else {
                "Play again".to_string()
            };
            let key = Some(m.position) == next && ui.input(|i| i.key_pressed(egui::Key::Num1));
            if playable
                && (ui.button(label).clicked() || key)
                && let Some(shift) = options.pack.shifts.get(&m.module.shift)
            {
                start.write(StartShift {
                    seed: session_seed(options),
                    shift: shift.clone(),
                    competition: None,
                });
            }
        });
    }
    true
}

/// The trainee's own drill, built from their history (falls back to the shipped drill).
pub(super) fn my_drill(
    options: &TrainerOptions,
    trainee: &Trainee,
    history: &History,
) -> Result<Shift, String> {
    history
        .with(|s| -> Result<Shift, String> {
            s.refresh_schedule(&trainee.name)
                .map_err(|e| e.to_string())?;
            let sessions = s
                .sessions(&SessionQuery {
                    trainee: Some(trainee.name.clone()),
                    finished_only: true,
                    ..SessionQuery::default()
                })
                .map_err(|e| e.to_string())?;
            let schedule = s.schedule(&trainee.name).map_err(|e| e.to_string())?;
            dojo_core::drill::build(
                &trainee.name,
                &sessions,
                &schedule,
                &options.pack,
                s.drill_settings(),
                crate::clock::now(),
            )
            .map(|plan| plan.shift)
        })
        .unwrap_or_else(|| Err("the history is not available".into()))
}

fn mode_screen(
    mut contexts: EguiContexts,
    options: Res<TrainerOptions>,
    trainee: Option<Res<Trainee>>,
    history: Res<History>,
    mut start: MessageWriter<StartShift>,
    mut next: ResMut<NextState<Screen>>,
    mut problems: MessageWriter<crate::gui::state::Problem>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    egui::CentralPanel::default().show(&mut crate::gui::state::root_ui(ctx), |ui| {
        ui.horizontal(|ui| {
            ui.label(
                theme::bold("Escalation Dojo")
                    .size(22.0)
                    .color(palette::ACCENT),
            );
            ui.separator();
            if let Some(t) = &trainee {
                ui.label(format!("Training: {}", t.name));
                if let Some(team) = &t.team {
                    ui.label(theme::muted(format!("team {team}")));
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Change trainee").clicked() {
                    next.set(Screen::Start);
                }
                if ui.button("Coach's dashboard (D)").clicked()
                    || ui.input(|i| i.key_pressed(egui::Key::D))
                {
                    next.set(Screen::Dashboard);
                }
            });
        });
        ui.add_space(10.0);
        ui.heading("Choose a mode");
        ui.add_space(6.0);
        ui.columns(2, |cols| {
            for (i, card) in CARDS.iter().enumerate() {
                let ui = &mut cols[i % 2];
                theme::card(ui, |ui| {
                    ui.label(theme::bold(card.title).size(18.0));
                    ui.label(card.purpose);
                    ui.add_space(4.0);
                    if card.shift_id == "onboarding-basics"
                        && onboarding_path(ui, &options, trainee.as_deref(), &history, &mut start)
                    {
                        return;
                    }
                    if card.shift_id == "coaching-drill"
                        && let Some(t) = trainee.as_deref()
                        && ui.button(theme::bold("Build my drill from my history")).clicked()
                    {
                        match my_drill(&options, t, &history) {
                            Ok(shift) => {
                                start.write(StartShift {
                                    seed: session_seed(&options),
                                    shift,
                                    competition: None,
                                });
                            }
                            Err(e) => {
                                problems.write(crate::gui::state::Problem(format!(
                                    "No drill yet: {e}. The shipped drill below works without history."
                                )));
                            }
                        }
                    }
                    match options.pack.shifts.get(card.shift_id) {
                        Some(shift) => {
                            ui.label(theme::bold(&shift.title));
                            ui.label(theme::muted(&shift.description));
                            ui.label(theme::muted(shift_summary(shift)).small());
                            ui.add_space(4.0);
                            let competition = card.shift_id == "competition-mixed";
                            if competition
                                && ui
                                    .button(theme::bold(
                                        "Enter a competition (file from your team lead)…",
                                    ))
                                    .clicked()
                            {
                                next.set(Screen::Competition);
                            }
                            let button = egui::Button::new(theme::bold(if competition {
                                format!("Practice the competition shift  ({})", i + 1)
                            } else {
                                format!("Start {}  ({})", card.title, i + 1)
                            }));
                            let key = [
                                egui::Key::Num1,
                                egui::Key::Num2,
                                egui::Key::Num3,
                                egui::Key::Num4,
                            ][i];
                            let pressed = ui.input(|inp| inp.key_pressed(key));
                            if ui.add(button).clicked() || pressed {
                                start.write(StartShift {
                                    seed: session_seed(&options),
                                    shift: shift.clone(),
                                    competition: None,
                                });
                            }
                        }
                        None => {
                            ui.colored_label(
                                palette::BAD,
                                format!("The pack has no `{}` shift.", card.shift_id),
                            );
                        }
                    }
                });
                ui.add_space(8.0);
            }
        });
    });
    Ok(())
}
