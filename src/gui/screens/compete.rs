//! Competition mode: open a competition file, read its rules, enter under the roster's
//! name and team, play the shift under those rules, hand in the result to the
//! competition's folder — and the leaderboard screen, recomputed from that folder by
//! the same verification as `dojo compete verify` (no score in a file is trusted).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::gui::state::{Entry, Problem, StartShift, Trainee, folder_of};
use crate::gui::state::{Screen, TrainerOptions};
use crate::gui::widgets::theme::{self, palette};
use dojo_core::compete::leaderboard::{self, Leaderboard, LeaderboardFormat};
use dojo_core::compete::{self, Competition};
use dojo_core::sim::record;

/// The competition screen's state.
#[derive(Resource, Debug, Default)]
struct CompetitionScreen {
    /// The path typed.
    path: String,
    /// The competition opened from it.
    opened: Option<(Arc<Competition>, PathBuf)>,
    /// Why it could not be opened.
    errors: Vec<String>,
}

/// The leaderboard screen's state.
#[derive(Resource, Debug, Default)]
struct LeaderboardScreen {
    board: Option<Leaderboard>,
    error: Option<String>,
    exported: Vec<String>,
}

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<CompetitionScreen>()
        .init_resource::<LeaderboardScreen>()
        .add_systems(Startup, preset_path)
        .add_systems(OnEnter(Screen::Leaderboard), refresh_leaderboard)
        .add_systems(
            EguiPrimaryContextPass,
            (
                competition_screen.run_if(in_state(Screen::Competition)),
                leaderboard_screen.run_if(in_state(Screen::Leaderboard)),
            )
                .in_set(crate::gui::state::UiSet::Screen),
        );
}

fn preset_path(options: Res<TrainerOptions>, mut screen: ResMut<CompetitionScreen>) {
    if let Some(file) = &options.competition {
        screen.path = file.display().to_string();
        open(&mut screen, &options);
    }
}

fn open(screen: &mut CompetitionScreen, options: &TrainerOptions) {
    let path = PathBuf::from(screen.path.trim());
    match Competition::read(&path, Some(&options.pack)) {
        Ok(c) => {
            screen.opened = Some((Arc::new(c), path));
            screen.errors.clear();
        }
        Err(diagnostics) => {
            screen.opened = None;
            screen.errors = diagnostics.iter().map(ToString::to_string).collect();
        }
    }
}

fn competition_screen(
    mut contexts: EguiContexts,
    mut screen: ResMut<CompetitionScreen>,
    options: Res<TrainerOptions>,
    trainee: Option<Res<Trainee>>,
    mut next: ResMut<NextState<Screen>>,
    mut start: MessageWriter<StartShift>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    egui::CentralPanel::default().show(&mut crate::gui::state::root_ui(ctx), |ui| {
        ui.horizontal(|ui| {
            ui.label(theme::bold("Escalation Dojo").size(22.0).color(palette::ACCENT));
            ui.separator();
            ui.heading("Competition");
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Back to modes").clicked() {
                    next.set(Screen::Mode);
                }
            });
        });
        ui.add_space(8.0);
        theme::card(ui, |ui| {
            ui.label(theme::bold("Competition file"));
            ui.label(theme::muted(
                "The file your team lead shared (a shared folder, a USB stick, e-mail). Your result is handed in next to it.",
            ));
            ui.horizontal(|ui| {
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut screen.path)
                        .hint_text("/path/to/competition.ron")
                        .desired_width(ui.available_width() - 80.0),
                );
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if ui.button("Open").clicked() || enter {
                    open(&mut screen, &options);
                }
            });
            for e in &screen.errors {
                ui.colored_label(palette::BAD, egui::RichText::new(e).monospace());
            }
        });
        let Some((competition, file)) = screen.opened.clone() else {
            return;
        };
        ui.add_space(8.0);
        theme::card(ui, |ui| {
            ui.label(theme::bold(&competition.name).size(18.0));
            if !competition.description.is_empty() {
                ui.label(&competition.description);
            }
            let shift = options.pack.shifts.get(&competition.shift);
            ui.label(format!(
                "Shift: {} · seed {} · competition file SHA-256 {}",
                shift.map_or(competition.shift.as_str(), |s| s.title.as_str()),
                competition.seed,
                compete::short_hash(competition.content_hash())
            ));
            ui.add_space(4.0);
            ui.label(theme::bold("Rules"));
            ui.label("• No pause: the clock runs from the first ticket to the last minute.");
            ui.label("• No hints: no framework checklist, no note checklist.");
            if let Some(limit) = competition.rules.real_time_limit_minutes {
                ui.label(format!(
                    "• {limit} real minutes at most: the shift ends when they are up."
                ));
            }
            ui.label(format!(
                "• Ranked on a balanced composite — ownership {}, timing {}, notes {}, security {} (each security auto-fail halves it) — never on speed alone. Teams rank on their median.",
                competition.scoring.ownership,
                competition.scoring.timing,
                competition.scoring.notes,
                competition.scoring.security
            ));
            if !competition.teams.is_empty() {
                ui.add_space(4.0);
                ui.label(theme::bold("Roster"));
                ui.horizontal_wrapped(|ui| {
                    for (name, team) in &competition.teams {
                        theme::chip(ui, &format!("{name} · {team}"), palette::INFO);
                    }
                });
            }
            ui.add_space(6.0);
            let name = trainee.as_ref().map_or("", |t| t.name.as_str());
            let team = trainee.as_ref().and_then(|t| t.team.as_deref());
            match competition.participant(name, team) {
                Ok(participant) => {
                    let entry = Entry {
                        competition: competition.clone(),
                        file: file.clone(),
                        participant,
                    };
                    ui.label(format!(
                        "You enter as {}{}; your result goes to {}",
                        entry.participant.name,
                        entry
                            .participant
                            .team
                            .as_ref()
                            .map_or(String::new(), |t| format!(" (team {t})")),
                        entry.result_path().display()
                    ));
                    if entry.has_attempt() {
                        ui.colored_label(
                            palette::HALF,
                            "An attempt of yours is already there: playing again hands in another attempt beside it (nothing is replaced), and a participant with more than one valid attempt is not ranked until the team lead removes the ones that do not count.",
                        );
                    }
                    ui.horizontal(|ui| {
                        if ui.button(theme::bold("Start the competition")).clicked() {
                            match competition.effective_shift(&options.pack) {
                                Ok(shift) => {
                                    start.write(StartShift {
                                        shift,
                                        seed: competition.seed,
                                        competition: Some(entry),
                                    });
                                }
                                Err(e) => {
                                    screen.errors = vec![e.to_string()];
                                }
                            }
                        }
                        if ui.button("Leaderboard").clicked() {
                            next.set(Screen::Leaderboard);
                        }
                    });
                }
                Err(e) => {
                    ui.colored_label(palette::BAD, e.to_string());
                    if ui.button("Leaderboard").clicked() {
                        next.set(Screen::Leaderboard);
                    }
                }
            }
        });
    });
    Ok(())
}

fn refresh_leaderboard(
    competition: Res<CompetitionScreen>,
    options: Res<TrainerOptions>,
    mut board: ResMut<LeaderboardScreen>,
) {
    *board = LeaderboardScreen::default();
    let Some((c, file)) = &competition.opened else {
        board.error = Some("Open a competition file first.".into());
        return;
    };
    match build_board(c, file, &options) {
        Ok(b) => board.board = Some(b),
        Err(e) => board.error = Some(e),
    }
}

/// Verifies every result in the competition's folder and ranks them.
fn build_board(
    c: &Competition,
    file: &Path,
    options: &TrainerOptions,
) -> Result<Leaderboard, String> {
    let folder = folder_of(file);
    let files = compete::read_results_dir(&folder, file)
        .map_err(|e| format!("{}: {e}", folder.display()))?;
    let verified = compete::verify::verify(c, &options.pack, &files).map_err(|e| e.to_string())?;
    Ok(leaderboard::leaderboard(c, &verified))
}

fn leaderboard_screen(
    mut contexts: EguiContexts,
    mut state: ResMut<LeaderboardScreen>,
    competition: Res<CompetitionScreen>,
    options: Res<TrainerOptions>,
    mut next: ResMut<NextState<Screen>>,
    mut problems: MessageWriter<Problem>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut refresh = false;
    egui::CentralPanel::default().show(&mut crate::gui::state::root_ui(ctx), |ui| {
        ui.horizontal(|ui| {
            ui.label(
                theme::bold("Escalation Dojo")
                    .size(22.0)
                    .color(palette::ACCENT),
            );
            ui.separator();
            ui.heading("Leaderboard");
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Back").clicked() {
                    next.set(Screen::Competition);
                }
                if ui.button("Refresh").clicked() {
                    refresh = true;
                }
                if let (Some(board), Some((_, file))) = (state.board.clone(), &competition.opened) {
                    let folder = folder_of(file);
                    for (label, format, name) in [
                        ("Export HTML", LeaderboardFormat::Html, "leaderboard.html"),
                        ("Export CSV", LeaderboardFormat::Csv, "leaderboard.csv"),
                    ] {
                        if ui.button(label).clicked() {
                            let path = folder.join(name);
                            match record::write_atomic(&path, &board.render(format)) {
                                Ok(()) => state.exported.push(path.display().to_string()),
                                Err(e) => {
                                    problems.write(Problem(e.to_string()));
                                }
                            }
                        }
                    }
                }
            });
        });
        if let Some(e) = &state.error {
            ui.colored_label(palette::BAD, e);
            return;
        }
        let Some(board) = &state.board else {
            return;
        };
        ui.label(theme::muted(format!(
            "{} · shift {} · seed {} · every result re-simulated from its log and re-graded here",
            board.competition, board.shift, board.seed
        )));
        for path in &state.exported {
            ui.colored_label(palette::GOOD, format!("written: {path}"));
        }
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                theme::card(ui, |ui| {
                    ui.label(theme::bold("Individuals"));
                    if board.individuals.is_empty() {
                        ui.label(theme::muted("No accepted result yet."));
                    }
                    egui::Grid::new("individuals")
                        .striped(true)
                        .num_columns(9)
                        .show(ui, |ui| {
                            for h in [
                                "#",
                                "participant",
                                "team",
                                "composite",
                                "ownership",
                                "timing",
                                "notes",
                                "security",
                                "sim min",
                            ] {
                                ui.label(theme::muted(h));
                            }
                            ui.end_row();
                            let pct =
                                |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.0}"));
                            for s in &board.individuals {
                                ui.label(theme::bold(format!("{}", s.rank)));
                                ui.label(&s.participant);
                                ui.label(s.team.as_deref().unwrap_or("—"));
                                ui.label(
                                    theme::bold(format!("{:.1}", s.score.composite))
                                        .color(palette::ACCENT),
                                );
                                ui.label(pct(s.score.ownership));
                                ui.label(pct(s.score.timing));
                                ui.label(pct(s.score.notes));
                                if s.score.auto_fails > 0 {
                                    ui.colored_label(
                                        palette::BAD,
                                        format!("{} auto-fail", s.score.auto_fails),
                                    );
                                } else {
                                    ui.label(pct(s.score.security));
                                }
                                ui.label(format!("{}", s.score.sim_minutes));
                                ui.end_row();
                            }
                        });
                });
                ui.add_space(6.0);
                theme::card(ui, |ui| {
                    ui.label(theme::bold("Teams (ranked on their median)"));
                    egui::Grid::new("teams")
                        .striped(true)
                        .num_columns(4)
                        .show(ui, |ui| {
                            for h in ["#", "team", "median composite", "members"] {
                                ui.label(theme::muted(h));
                            }
                            ui.end_row();
                            for t in &board.teams {
                                ui.label(theme::bold(format!("{}", t.rank)));
                                ui.label(&t.team);
                                ui.label(format!("{:.1}", t.median_composite));
                                ui.label(t.members.join(", "));
                                ui.end_row();
                            }
                        });
                });
                if !board.rejected.is_empty() {
                    ui.add_space(6.0);
                    theme::card(ui, |ui| {
                        ui.label(theme::bold("Rejected results").color(palette::BAD));
                        for r in &board.rejected {
                            ui.horizontal_wrapped(|ui| {
                                ui.label(theme::bold(&r.file));
                                theme::chip(ui, r.code, palette::BAD);
                                if let Some(line) = r.line {
                                    ui.label(theme::muted(format!("line {line}")));
                                }
                                ui.label(&r.reason);
                            });
                        }
                    });
                }
            });
    });
    if refresh && let Some((c, file)) = &competition.opened {
        match build_board(c, file, &options) {
            Ok(b) => {
                state.board = Some(b);
                state.error = None;
            }
            Err(e) => state.error = Some(e),
        }
    }
    Ok(())
}
