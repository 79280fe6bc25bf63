//! The coach's dashboard: a trainee's history as the coach and the agent look at it
//! together — trends across sessions, the flagged patterns with their evidence, the
//! trainee against the team median, the escalation-review queue, the coach's overrides
//! with their audit trail (and a form to add one), the HTML report and the drill. Every
//! number comes from `report::trainer_report` over the history store — or, on a machine
//! that joined a team server as a coach or admin and switched to "Team server", from the
//! same core model the server builds from every machine's verified sessions.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use egui_plot::{Line, Plot, Points};

use crate::gui::history::History;
use crate::gui::play::session_seed;
use crate::gui::state::{Problem, StartShift, Trainee};
use crate::gui::state::{Screen, TrainerOptions};
use crate::gui::widgets::theme::{self, palette};
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
    /// Only sessions of this mode in the trends and tables (`None`: every mode).
    mode: Option<String>,
    /// The modes the trainee has sessions in.
    modes: Vec<String>,
    /// The override form: the session and ticket picked from the trainee's own lists.
    session: Option<i64>,
    ticket: Option<u32>,
    /// The tickets of the picked session: (number, title, automatic score).
    tickets: Vec<(u32, String, u32)>,
    score: String,
    coach: String,
    reason: String,
    /// What the last action did (green).
    notice: Option<String>,
    /// Why the override form refused (red, beside the form).
    form_error: Option<String>,
    /// The team server's view, when this machine joined one as a coach or an admin.
    server: ServerView,
}

/// What the dashboard shows when it reads from the team server: the overview and reports
/// the server builds from every machine's verified sessions, fetched on a thread of their
/// own (a frame never waits on the network).
#[derive(Debug, Default)]
struct ServerView {
    /// The link, when this machine acts for a coach or an admin.
    link: Option<dojo_store::TeamLink>,
    /// Showing the server's data rather than this machine's.
    on: bool,
    /// The trainees of the server's overview.
    trainees: Vec<crate::team_client::ServerTrainee>,
    /// What a fetch thread has brought, taken by the next frame.
    inbox: std::sync::Arc<std::sync::Mutex<Vec<Fetched>>>,
    /// Fetches under way.
    loading: usize,
    /// The last fetch's error.
    error: Option<String>,
}

/// A fetch's answer.
#[derive(Debug)]
enum Fetched {
    Overview(Result<Vec<crate::team_client::ServerTrainee>, String>),
    Report(String, Result<Box<TrainerReport>, String>),
}

impl ServerView {
    fn fetch(&mut self, what: impl FnOnce(&dojo_store::TeamLink) -> Fetched + Send + 'static) {
        let Some(link) = self.link.clone() else {
            return;
        };
        let inbox = std::sync::Arc::clone(&self.inbox);
        self.loading += 1;
        std::thread::spawn(move || {
            let answer = what(&link);
            inbox
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(answer);
        });
    }

    fn fetch_overview(&mut self) {
        self.fetch(|link| Fetched::Overview(crate::team_client::overview(link)));
    }

    fn fetch_report(&mut self, trainee: &str) {
        let Some(person) = self
            .trainees
            .iter()
            .find(|t| t.row.trainee == trainee)
            .map(|t| t.person.clone())
        else {
            return;
        };
        let name = trainee.to_string();
        self.fetch(move |link| {
            Fetched::Report(
                name,
                crate::team_client::report(link, &person).map(Box::new),
            )
        });
    }
}

/// Takes what the fetch threads brought into the dashboard.
fn take_fetched(state: &mut Dashboard) {
    let arrived: Vec<Fetched> = std::mem::take(
        &mut *state
            .server
            .inbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    for f in arrived {
        state.server.loading = state.server.loading.saturating_sub(1);
        if !state.server.on {
            continue;
        }
        match f {
            Fetched::Overview(Ok(rows)) => {
                info!("dashboard: {} trainee(s) from the team server", rows.len());
                state.server.error = None;
                state.overview = rows.iter().map(|t| t.row.clone()).collect();
                state.trainees = rows.iter().map(|t| t.row.trainee.clone()).collect();
                state.server.trainees = rows;
                if !state.trainees.contains(&state.trainee) {
                    state.trainee = state.trainees.first().cloned().unwrap_or_default();
                }
                let trainee = state.trainee.clone();
                state.server.fetch_report(&trainee);
                if state.trainees.is_empty() {
                    state.error = Some("No trainee in your team on the server yet.".into());
                }
            }
            Fetched::Report(name, Ok(r)) if name == state.trainee => {
                info!(
                    "dashboard: the team server's report on {name}: {} session(s)",
                    r.sessions.len()
                );
                state.server.error = None;
                state.error = None;
                state.report = Some(*r);
            }
            Fetched::Overview(Err(e)) => state.server.error = Some(e),
            Fetched::Report(name, Err(e)) if name == state.trainee => {
                state.server.error = Some(e);
            }
            // An answer about a trainee no longer shown.
            Fetched::Report(..) => {}
        }
    }
}

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Dashboard>()
        .add_systems(OnEnter(Screen::Dashboard), enter)
        .add_systems(
            EguiPrimaryContextPass,
            dashboard_screen
                .in_set(crate::gui::state::UiSet::Screen)
                .run_if(in_state(Screen::Dashboard)),
        );
}

fn enter(
    mut state: ResMut<Dashboard>,
    history: Res<History>,
    trainee: Option<Res<Trainee>>,
    options: Res<TrainerOptions>,
) {
    state.server.link = history
        .with(|s| s.team_link())
        .and_then(Result::ok)
        .flatten()
        .filter(|l| l.role == "coach" || l.role == "admin");
    if state.server.link.is_none() {
        state.server.on = false;
    }
    if state.server.on {
        state.report = None;
        state.server.fetch_overview();
        return;
    }
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
    let everything = ReportOptions::for_pack(&options.pack, crate::clock::now());
    let built = history.with(|s| -> Result<TrainerReport, dojo_store::StoreError> {
        let all = dojo_store::trainer_report(s, &name, &everything)?;
        let mut modes: Vec<String> = all.sessions.iter().map(|x| x.mode.clone()).collect();
        modes.sort();
        modes.dedup();
        state.modes = modes;
        if state.mode.is_none() {
            return Ok(all);
        }
        dojo_store::trainer_report(
            s,
            &name,
            &ReportOptions {
                mode: state.mode.clone(),
                ..everything.clone()
            },
        )
    });
    match built {
        Some(Ok(r)) => {
            // The override form only ever points into this trainee's own sessions.
            if state
                .session
                .is_none_or(|id| !r.sessions.iter().any(|x| x.id == id))
            {
                state.session = r.sessions.last().map(|x| x.id);
            }
            state.report = Some(r);
            load_tickets(state, history);
        }
        Some(Err(e)) => state.error = Some(e.to_string()),
        None => state.error = Some("The history is not available.".into()),
    }
}

/// The picked session's graded tickets, for the override form's ticket list.
fn load_tickets(state: &mut Dashboard, history: &History) {
    state.tickets = state
        .session
        .and_then(|id| history.with(|s| s.session(id)).and_then(Result::ok))
        .filter(|s| s.trainee == state.trainee)
        .map(|s| {
            s.tickets
                .iter()
                .map(|t| (t.number, t.title.clone(), t.score))
                .collect()
        })
        .unwrap_or_default();
    if state
        .ticket
        .is_none_or(|n| !state.tickets.iter().any(|t| t.0 == n))
    {
        state.ticket = state.tickets.first().map(|t| t.0);
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
    take_fetched(&mut state);
    if state.server.loading > 0 {
        // Keep drawing while a fetch is under way, so its answer shows when it lands.
        ctx.request_repaint_after(std::time::Duration::from_millis(200));
    }
    // Keyboard shortcuts while no text field has the keyboard: H exports the report,
    // O jumps to the override form.
    let keys_free = !ctx.egui_wants_keyboard_input();
    let export_key = keys_free && ctx.input(|i| i.key_pressed(egui::Key::H));
    let override_key = keys_free && ctx.input(|i| i.key_pressed(egui::Key::O));
    let server_key = keys_free && ctx.input(|i| i.key_pressed(egui::Key::T));
    egui::CentralPanel::default().show(&mut crate::gui::state::root_ui(ctx), |ui| {
        ui.horizontal(|ui| {
            ui.label(
                theme::bold("Escalation Dojo")
                    .size(22.0)
                    .color(palette::ACCENT),
            );
            ui.separator();
            ui.heading("Coach's dashboard");
            if let Some(link) = state.server.link.clone() {
                let before = state.server.on;
                if server_key {
                    state.server.on = !state.server.on;
                }
                ui.selectable_value(&mut state.server.on, false, "This machine");
                ui.selectable_value(&mut state.server.on, true, "Team server  (T)")
                    .on_hover_text(format!(
                        "{}: every machine's verified sessions, as the server grades them",
                        link.server
                    ));
                if state.server.on != before {
                    state.report = None;
                    state.error = None;
                    if state.server.on {
                        state.server.fetch_overview();
                    } else {
                        reload_now = true;
                        state.server.trainees.clear();
                    }
                }
            }
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
            let mode_text = state.mode.clone().unwrap_or_else(|| "every mode".into());
            egui::ComboBox::from_id_salt("dashboard-mode")
                .selected_text(mode_text)
                .show_ui(ui, |ui| {
                    if ui
                        .selectable_label(state.mode.is_none(), "every mode")
                        .clicked()
                    {
                        state.mode = None;
                        reload_now = true;
                    }
                    for m in state.modes.clone() {
                        let on = state.mode.as_deref() == Some(m.as_str());
                        if ui.selectable_label(on, &m).clicked() {
                            state.mode = Some(m);
                            reload_now = true;
                        }
                    }
                })
                .response
                .on_hover_text(
                    "Trends, patterns and the team comparison over one mode's sessions \
                     (onboarding, practice, drills and competitions are not alike). \
                     Abandoned sessions and tickets never reached never count.",
                );
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
                    if !state.server.on && ui.button("Drill these weaknesses").clicked() {
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
            let colour = if n.starts_with("could not") {
                palette::BAD
            } else {
                palette::GOOD
            };
            ui.colored_label(colour, n);
        }
        if state.server.on {
            if let Some(e) = &state.server.error {
                ui.colored_label(palette::BAD, format!("The team server: {e}"));
            } else if state.server.loading > 0 {
                ui.label(theme::muted("Reading from the team server…"));
            }
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
                // Clear of the scroll bar: every card's right edge stays on screen.
                ui.set_max_width(ui.available_width() - 14.0);
                if let Some(chosen) = whom_to_coach(ui, &state.overview, &state.trainee) {
                    state.trainee = chosen;
                    reload_now = true;
                }
                ui.add_space(6.0);
                ui.label(theme::muted(format!(
                    "{}{} · {} finished session(s){}, {} abandoned (not counted)",
                    r.trainee,
                    r.team
                        .as_ref()
                        .map_or(String::new(), |t| format!(" (team {t})")),
                    r.sessions.len(),
                    state
                        .mode
                        .as_ref()
                        .map_or(String::new(), |m| format!(" in {m}")),
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
                    if let (true, Some(link)) = (state.server.on, &state.server.link) {
                        ui.label(theme::muted(format!(
                            "Sessions on the team server are overridden on its web view, with the trail kept there: {}/sessions/<session>",
                            link.server
                        )));
                        return;
                    }
                    match override_form(ui, &mut state, &history, override_key) {
                        FormOutcome::Recorded => reload_now = true,
                        FormOutcome::SessionChanged => load_tickets(&mut state, &history),
                        FormOutcome::Nothing => {}
                    }
                });
            });
    });
    if reload_now {
        if state.server.on {
            let trainee = state.trainee.clone();
            state.server.fetch_report(&trainee);
        } else {
            reload(&mut state, &history, &options);
        }
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
                ui.label(format!("{}{}", s.shift_title, s.extension_text()));
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

/// What the override form did this frame.
enum FormOutcome {
    Nothing,
    SessionChanged,
    Recorded,
}

/// The override form: the session and the ticket are picked from the trainee's own
/// lists (no typed ids, so nobody else's grade can be touched), the new score, the coach
/// and the reason are typed. `jump_here` (the O key) focuses the score. Tab moves through
/// the fields; Enter in the reason records it. A refusal is said beside the form, in red.
fn override_form(
    ui: &mut egui::Ui,
    state: &mut Dashboard,
    history: &History,
    jump_here: bool,
) -> FormOutcome {
    ui.label(theme::bold("Override a ticket grade  (O)"));
    let Some(r) = state.report.clone() else {
        return FormOutcome::Nothing;
    };
    if r.sessions.is_empty() {
        ui.label(theme::muted("No finished session to override."));
        return FormOutcome::Nothing;
    }
    let mut outcome = FormOutcome::Nothing;
    ui.horizontal_wrapped(|ui| {
        ui.label("session");
        let shown = r
            .sessions
            .iter()
            .find(|x| Some(x.id) == state.session)
            .map_or("pick one".to_string(), session_label);
        egui::ComboBox::from_id_salt("override-session")
            .selected_text(shown)
            .width(300.0)
            .show_ui(ui, |ui| {
                for x in r.sessions.iter().rev() {
                    if ui
                        .selectable_label(state.session == Some(x.id), session_label(x))
                        .clicked()
                    {
                        state.session = Some(x.id);
                        outcome = FormOutcome::SessionChanged;
                    }
                }
            });
        ui.label("ticket");
        let shown = state
            .tickets
            .iter()
            .find(|t| Some(t.0) == state.ticket)
            .map_or("pick one".to_string(), ticket_label);
        egui::ComboBox::from_id_salt("override-ticket")
            .selected_text(shown)
            .width(300.0)
            .show_ui(ui, |ui| {
                for t in state.tickets.clone() {
                    if ui
                        .selectable_label(state.ticket == Some(t.0), ticket_label(&t))
                        .clicked()
                    {
                        state.ticket = Some(t.0);
                    }
                }
            });
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("new score");
        let score = ui.add(
            egui::TextEdit::singleline(&mut state.score)
                .hint_text("0–100")
                .desired_width(50.0),
        );
        if jump_here {
            score.request_focus();
            score.scroll_to_me(Some(egui::Align::Center));
        }
        ui.label("coach");
        ui.add(
            egui::TextEdit::singleline(&mut state.coach)
                .hint_text("your name")
                .desired_width(160.0),
        );
    });
    let reason = ui.add(
        egui::TextEdit::singleline(&mut state.reason)
            .hint_text("the reason (kept in the audit trail)")
            .desired_width(f32::INFINITY),
    );
    let entered = reason.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    let mut clicked = false;
    ui.horizontal_wrapped(|ui| {
        clicked = ui.button("Record the override  (Enter)").clicked();
        if let Some(e) = &state.form_error {
            ui.colored_label(palette::BAD, format!("✘ {e}"));
        }
    });
    if !clicked && !entered {
        return outcome;
    }
    match record_override(state, &r, history) {
        Ok((session, ticket)) => {
            state.form_error = None;
            state.notice = Some(format!(
                "override recorded for session #{session}, ticket {ticket}"
            ));
            state.reason.clear();
            state.score.clear();
            FormOutcome::Recorded
        }
        Err(e) => {
            state.form_error = Some(e);
            outcome
        }
    }
}

fn session_label(s: &report::SessionRow) -> String {
    format!(
        "#{} {} · {} · {}",
        s.id,
        s.played_at.format("%Y-%m-%d"),
        s.shift_title,
        s.score.map_or("—".into(), |v| v.to_string())
    )
}

fn ticket_label(t: &(u32, String, u32)) -> String {
    format!("#{} {} · {}", t.0, t.1, t.2)
}

/// Checks the form against the trainee on screen, then records the override.
fn record_override(
    state: &Dashboard,
    r: &TrainerReport,
    history: &History,
) -> Result<(i64, u32), String> {
    let session = state
        .session
        .filter(|id| r.sessions.iter().any(|x| x.id == *id))
        .ok_or_else(|| format!("pick one of {}'s sessions", r.trainee))?;
    let ticket = state
        .ticket
        .filter(|n| state.tickets.iter().any(|t| t.0 == *n))
        .ok_or("pick a ticket of that session")?;
    let score = state
        .score
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|v| *v <= 100)
        .ok_or("the new score is a whole number from 0 to 100")?;
    let coach = state.coach.trim();
    if coach.is_empty() {
        return Err("say who you are (coach)".into());
    }
    let reason = state.reason.trim();
    if reason.is_empty() {
        return Err("give the reason: it goes in the audit trail".into());
    }
    history
        .with(|s| -> Result<(), dojo_store::StoreError> {
            if s.person(coach)?.is_none() {
                s.add_person(coach, Role::Coach, None, crate::clock::now())?;
            }
            s.override_ticket(session, ticket, score, coach, reason, crate::clock::now())?;
            Ok(())
        })
        .ok_or_else(|| "the history is not available".to_string())?
        .map_err(|e| e.to_string())?;
    Ok((session, ticket))
}
