//! The coach's dashboard: a trainee's history as the coach and the agent look at it
//! together — trends across sessions, the flagged patterns with their evidence, the
//! trainee against the team median, the escalation-review queue, the coach's overrides
//! with their audit trail (and a form to add one), the HTML report and the drill. Every
//! number comes from `report::trainer_report` over the history store.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use egui_plot::{Line, Plot, Points};

use crate::gui::history::History;
use crate::gui::play::session_seed;
use crate::gui::state::{Problem, StartShift, Trainee};
use crate::gui::widgets::theme::{self, palette};
use crate::gui::{Screen, TrainerOptions};
use dojo_core::history::Role;
use dojo_core::report::{self, ReportOptions, TrainerReport};
use dojo_core::sim::record;

/// The dashboard's state.
#[derive(Resource, Debug, Default)]
struct Dashboard {
    /// The trainee shown.
    trainee: String,
    /// Trainees in the history.
    trainees: Vec<String>,
    report: Option<TrainerReport>,
    /// Every trainee, ranked by what needs attention (the team overview).
    overview: Vec<dojo_core::report::AttentionRow>,
    error: Option<String>,
    /// The override form.
    session: String,
    ticket: String,
    score: String,
    coach: String,
    reason: String,
    notice: Option<String>,
}

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Dashboard>()
        .add_systems(OnEnter(Screen::Dashboard), enter)
        .add_systems(
            EguiPrimaryContextPass,
            dashboard_screen
                .in_set(crate::gui::UiSet::Screen)
                .run_if(in_state(Screen::Dashboard)),
        );
}

fn enter(
    mut state: ResMut<Dashboard>,
    history: Res<History>,
    trainee: Option<Res<Trainee>>,
    options: Res<TrainerOptions>,
) {
    state.trainees = history
        .with(|s| s.people(Some(Role::Trainee)))
        .and_then(Result::ok)
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.name)
        .collect();
    let report_options = ReportOptions::for_pack(&options.pack, crate::clock::now());
    let reports: Vec<TrainerReport> = state
        .trainees
        .iter()
        .filter_map(|name| {
            history
                .with(|s| dojo_store::trainer_report(s, name, &report_options))
                .and_then(Result::ok)
        })
        .collect();
    let pass_mark = options
        .pack
        .curricula
        .values()
        .flat_map(|c| c.modules.iter().map(|m| m.pass_mark))
        .min()
        .unwrap_or(80);
    state.overview = dojo_core::report::overview(&reports, pass_mark);
    if let Some(t) = trainee {
        state.trainee = t.name.clone();
    } else if state.trainee.is_empty() {
        state.trainee = state.trainees.first().cloned().unwrap_or_default();
    }
    reload(&mut state, &history, &options);
}

fn reload(state: &mut Dashboard, history: &History, options: &TrainerOptions) {
    state.report = None;
    state.error = None;
    if state.trainee.is_empty() {
        state.error = Some("No trainee yet.".into());
        return;
    }
    let name = state.trainee.clone();
    match history.with(|s| {
        dojo_store::trainer_report(
            s,
            &name,
            &ReportOptions::for_pack(&options.pack, crate::clock::now()),
        )
    }) {
        Some(Ok(r)) => state.report = Some(r),
        Some(Err(e)) => state.error = Some(e.to_string()),
        None => state.error = Some("The history is not available.".into()),
    }
}

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.trim_matches('-').to_string()
}

fn dashboard_screen(
    mut contexts: EguiContexts,
    mut state: ResMut<Dashboard>,
    history: Res<History>,
    options: Res<TrainerOptions>,
    mut next: ResMut<NextState<Screen>>,
    mut start: MessageWriter<StartShift>,
    mut problems: MessageWriter<Problem>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut reload_now = false;
    // Keyboard shortcuts while no text field has the keyboard: H exports the report,
    // O jumps to the override form.
    let keys_free = !ctx.egui_wants_keyboard_input();
    let export_key = keys_free && ctx.input(|i| i.key_pressed(egui::Key::H));
    let override_key = keys_free && ctx.input(|i| i.key_pressed(egui::Key::O));
    egui::CentralPanel::default().show(&mut crate::gui::root_ui(ctx), |ui| {
        ui.horizontal(|ui| {
            ui.label(
                theme::bold("Escalation Dojo")
                    .size(22.0)
                    .color(palette::ACCENT),
            );
            ui.separator();
            ui.heading("Coach's dashboard");
            egui::ComboBox::from_id_salt("dashboard-trainee")
                .selected_text(state.trainee.clone())
                .show_ui(ui, |ui| {
                    for t in state.trainees.clone() {
                        if ui.selectable_label(state.trainee == t, &t).clicked() {
                            state.trainee = t;
                            reload_now = true;
                        }
                    }
                });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Back").clicked() {
                    next.set(Screen::Mode);
                }
                if let Some(r) = state.report.clone() {
                    if ui.button("Export HTML report  (H)").clicked() || export_key {
                        let dir = options.data_dir.join("reports");
                        let path = dir.join(format!("{}.html", slug(&r.trainee)));
                        let written = std::fs::create_dir_all(&dir)
                            .map_err(|e| e.to_string())
                            .and_then(|()| {
                                record::write_atomic(&path, &report::to_html(&r))
                                    .map_err(|e| e.to_string())
                            });
                        state.notice = Some(match written {
                            Ok(()) => format!("report written to {}", path.display()),
                            Err(e) => format!("could not write the report: {e}"),
                        });
                    }
                    if ui.button("Drill these weaknesses").clicked() {
                        let trainee = Trainee {
                            name: r.trainee.clone(),
                            team: r.team.clone(),
                        };
                        match crate::gui::screens::mode::my_drill(&options, &trainee, &history) {
                            Ok(shift) => {
                                start.write(StartShift {
                                    seed: session_seed(&options),
                                    shift,
                                    competition: None,
                                });
                            }
                            Err(e) => {
                                problems.write(Problem(format!("No drill: {e}")));
                            }
                        }
                    }
                }
            });
        });
        if let Some(n) = &state.notice {
            ui.colored_label(palette::GOOD, n);
        }
        if let Some(e) = &state.error {
            ui.colored_label(palette::BAD, e);
            return;
        }
        let Some(r) = state.report.clone() else {
            return;
        };
        egui::ScrollArea::vertical()
            .id_salt("dashboard-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if let Some(chosen) = whom_to_coach(ui, &state.overview, &state.trainee) {
                    state.trainee = chosen;
                    reload_now = true;
                }
                ui.add_space(6.0);
                ui.label(theme::muted(format!(
                    "{}{} · {} finished session(s), {} abandoned",
                    r.trainee,
                    r.team
                        .as_ref()
                        .map_or(String::new(), |t| format!(" (team {t})")),
                    r.sessions.len(),
                    r.abandoned
                )));
                ui.columns(2, |cols| {
                    theme::card(&mut cols[0], |ui| trends(ui, &r));
                    theme::card(&mut cols[1], |ui| sessions(ui, &r));
                });
                ui.add_space(6.0);
                ui.columns(2, |cols| {
                    theme::card(&mut cols[0], |ui| flags(ui, &r));
                    theme::card(&mut cols[1], |ui| team(ui, &r));
                });
                ui.add_space(6.0);
                theme::card(ui, |ui| reviews(ui, &r));
                ui.add_space(6.0);
                theme::card(ui, |ui| {
                    overrides(ui, &r);
                    ui.add_space(4.0);
                    if override_form(ui, &mut state, &history, override_key) {
                        reload_now = true;
                    }
                });
            });
    });
    if reload_now {
        reload(&mut state, &history, &options);
    }
    Ok(())
}

/// The team overview: every trainee ranked by what needs attention, with the one thing
/// to coach; a click shows that trainee below.
fn whom_to_coach(
    ui: &mut egui::Ui,
    rows: &[dojo_core::report::AttentionRow],
    shown: &str,
) -> Option<String> {
    let mut chosen = None;
    theme::card(ui, |ui| {
        ui.label(theme::bold("Whom to coach").size(17.0));
        ui.label(theme::muted(
            "Ranked by what needs attention: a missed security incident, patterns flagged in the latest session, a falling score, a score below the pass mark.",
        ));
        egui::Grid::new("whom-to-coach")
            .num_columns(4)
            .striped(true)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                for row in rows.iter().take(12) {
                    let label = if row.trainee == shown {
                        theme::bold(format!("▶ {}", row.trainee))
                    } else {
                        egui::RichText::new(&row.trainee)
                    };
                    if ui.link(label).clicked() {
                        chosen = Some(row.trainee.clone());
                    }
                    let score = row
                        .latest_score
                        .map_or_else(|| "—".to_string(), |s| s.to_string());
                    let change = row
                        .score_change
                        .map_or(String::new(), |c| format!(" ({c:+})"));
                    ui.label(format!("{score}{change}"));
                    if row.missed_security {
                        ui.colored_label(palette::BAD, "missed security");
                    } else if row.flags.is_empty() {
                        ui.label(theme::muted("no flags"));
                    } else {
                        ui.colored_label(palette::HALF, row.flags.join(", "));
                    }
                    ui.add(egui::Label::new(&row.coach_this).wrap());
                    ui.end_row();
                }
            });
    });
    chosen
}

fn trends(ui: &mut egui::Ui, r: &TrainerReport) {
    ui.label(theme::bold("Trends across sessions"));
    let Some(score) = r.trend("score") else {
        ui.label(theme::muted("No finished session yet."));
        return;
    };
    let points: Vec<[f64; 2]> = score
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.value.map(|v| [i as f64 + 1.0, v]))
        .collect();
    Plot::new("score-trend")
        .height(160.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .include_y(0.0)
        .include_y(100.0)
        .x_axis_label("session")
        .show(ui, |plot| {
            plot.line(
                Line::new("score", points.clone())
                    .color(palette::ACCENT)
                    .width(2.0),
            );
            plot.points(
                Points::new("sessions", points)
                    .radius(4.0)
                    .color(palette::ACCENT),
            );
        });
    egui::Grid::new("trends")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            for t in &r.trends {
                ui.label(&t.label);
                ui.label(theme::muted(report::render::fmt_value(t.first, &t.unit)));
                ui.label(format!("→ {}", report::render::fmt_value(t.last, &t.unit)));
                let colour = match t.direction {
                    report::Direction::Improving => palette::GOOD,
                    report::Direction::Worsening => palette::BAD,
                    _ => palette::MUTED,
                };
                ui.colored_label(colour, report::render::direction_text(t.direction));
                ui.end_row();
            }
        });
}

fn sessions(ui: &mut egui::Ui, r: &TrainerReport) {
    ui.label(theme::bold("Sessions"));
    egui::Grid::new("sessions")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            for s in r.sessions.iter().rev().take(12) {
                ui.label(theme::muted(format!(
                    "#{} {}",
                    s.id,
                    s.played_at.format("%Y-%m-%d %H:%M")
                )));
                ui.label(&s.shift_title);
                match (s.automatic_score, s.score) {
                    (Some(a), Some(o)) if a != o => {
                        ui.label(format!("{o} (auto {a}, overridden)"));
                    }
                    (_, Some(v)) => {
                        ui.label(format!("{v}"));
                    }
                    _ => {
                        ui.label("—");
                    }
                }
                ui.label(theme::muted(s.flags.join(", ")));
                ui.end_row();
            }
        });
}

fn flags(ui: &mut egui::Ui, r: &TrainerReport) {
    ui.label(theme::bold("Flagged patterns"));
    if r.flags.is_empty() {
        ui.label(theme::muted("None flagged."));
    }
    for f in &r.flags {
        ui.horizontal_wrapped(|ui| {
            theme::chip(ui, &f.label, palette::BAD);
            ui.label(theme::muted(format!("in {} session(s)", f.sessions.len())));
        });
        ui.label(&f.advice);
        for e in f.evidence.iter().take(3) {
            ui.label(theme::muted(format!("  #{}: {}", e.session, e.line)));
        }
    }
}

fn team(ui: &mut egui::Ui, r: &TrainerReport) {
    ui.label(theme::bold("Against the team median"));
    let Some(t) = &r.team_comparison else {
        ui.label(theme::muted("No team, or no team-mate with sessions."));
        return;
    };
    ui.label(theme::muted(format!(
        "{} · {} member(s)",
        t.team, t.members
    )));
    egui::Grid::new("team")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for row in &t.rows {
                ui.label(&row.label);
                ui.label(row.trainee.map_or("—".into(), |v| format!("{v:.1}")));
                ui.label(theme::muted(
                    row.team_median
                        .map_or("—".into(), |v| format!("team {v:.1}")),
                ));
                ui.end_row();
            }
        });
}

fn reviews(ui: &mut egui::Ui, r: &TrainerReport) {
    ui.label(theme::bold("Escalation review queue"));
    if r.review_queue.is_empty() {
        ui.label(theme::muted("No escalation to review yet."));
    }
    for item in &r.review_queue {
        egui::CollapsingHeader::new(format!(
            "session #{} · ticket {} · {} — score {}",
            item.session, item.ticket, item.title, item.score
        ))
        .id_salt(("review", item.session, item.ticket))
        .show(ui, |ui| {
            if let Some(review) = &item.review {
                ui.label(theme::bold("1. Should it have been escalated?"));
                ui.label(&review.should_escalate);
                ui.label(theme::bold("2. Was the timing right?"));
                ui.label(&review.timing);
                ui.label(theme::bold(
                    "3. What would L1 need to resolve it next time?",
                ));
                ui.label(&review.l1_needs);
            }
        });
    }
}

fn overrides(ui: &mut egui::Ui, r: &TrainerReport) {
    ui.label(theme::bold("Coach's overrides (audit trail)"));
    if r.overrides.is_empty() {
        ui.label(theme::muted("No override."));
    }
    for o in &r.overrides {
        ui.label(format!(
            "session #{} ticket {} ({}): automatic {} → {}",
            o.session, o.ticket, o.scenario, o.automatic_score, o.score
        ));
        for t in &o.trail {
            ui.label(theme::muted(format!(
                "   {} · {} · {} → {}: {}",
                t.at.format("%Y-%m-%d %H:%M"),
                t.coach,
                t.old_score,
                t.new_score,
                t.reason
            )));
        }
    }
}

/// Returns true when an override was recorded. `jump_here` (the O key) focuses the
/// form's first field, filled with the newest session. Tab moves through the fields;
/// Enter in the reason records it.
fn override_form(
    ui: &mut egui::Ui,
    state: &mut Dashboard,
    history: &History,
    jump_here: bool,
) -> bool {
    ui.label(theme::bold("Override a ticket grade  (O)"));
    if jump_here && state.session.trim().is_empty() {
        let newest = state.report.as_ref().and_then(|r| r.sessions.last());
        if let Some(s) = newest {
            state.session = s.id.to_string();
        }
    }
    ui.horizontal_wrapped(|ui| {
        for (label, value, width) in [
            ("session #", &mut state.session, 50.0),
            ("ticket", &mut state.ticket, 40.0),
            ("new score", &mut state.score, 40.0),
            ("coach", &mut state.coach, 120.0),
        ] {
            let first = label == "session #";
            ui.label(label);
            let field = ui.add(egui::TextEdit::singleline(value).desired_width(width));
            if first && jump_here {
                field.request_focus();
                field.scroll_to_me(Some(egui::Align::Center));
            }
        }
    });
    let reason = ui.add(
        egui::TextEdit::singleline(&mut state.reason)
            .hint_text("the reason (kept in the audit trail)")
            .desired_width(f32::INFINITY),
    );
    let entered = reason.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if !ui.button("Record the override  (Enter)").clicked() && !entered {
        return false;
    }
    let parsed = (
        state.session.trim().trim_start_matches('#').parse::<i64>(),
        state.ticket.trim().parse::<u32>(),
        state.score.trim().parse::<u32>(),
    );
    let (Ok(session), Ok(ticket), Ok(score)) = parsed else {
        state.notice = Some("Session, ticket and score must be numbers.".into());
        return false;
    };
    let (coach, reason) = (
        state.coach.trim().to_string(),
        state.reason.trim().to_string(),
    );
    let result = history.with(|s| -> Result<(), dojo_store::StoreError> {
        if s.person(&coach)?.is_none() {
            s.add_person(&coach, Role::Coach, None, crate::clock::now())?;
        }
        s.override_ticket(session, ticket, score, &coach, &reason, crate::clock::now())?;
        Ok(())
    });
    match result {
        Some(Ok(())) => {
            state.notice = Some(format!(
                "override recorded for session #{session}, ticket {ticket}"
            ));
            state.reason.clear();
            true
        }
        Some(Err(e)) => {
            state.notice = Some(e.to_string());
            false
        }
        None => false,
    }
}
