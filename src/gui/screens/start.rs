//! The start screen: pick a known trainee or create one, and set the UI scale.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::gui::play::remember_trainee;
use crate::gui::state::{KnownTrainees, ResumeSession, Trainee};
use crate::gui::state::{Screen, TrainerOptions};
use crate::gui::widgets::theme::{self, UiScale, palette};
use dojo_core::history::InProgress;

/// What is typed on the start screen.
#[derive(Resource, Debug, Default)]
struct StartForm {
    name: String,
    team: String,
    error: Option<String>,
}

/// Sessions a crash left in progress, found when the start screen opens.
#[derive(Resource, Debug, Default)]
struct Interrupted {
    sessions: Vec<InProgress>,
    error: Option<String>,
}

/// The link to a team server and what waits to be synced, read when the start screen
/// opens (the window never talks to the network: `dojo team sync` does).
#[derive(Resource, Debug, Default)]
struct SyncState(Option<String>);

/// One line saying where this machine stands with its team server.
pub fn sync_line(store: &dojo_store::Store) -> Option<String> {
    let link = store.team_link().ok()??;
    let status = store.outbox_status().ok()?;
    let mut line = format!("Team server {} as {}", link.server, link.person_name);
    if link.trainee.is_none() {
        line.push_str(" · this machine uploads no sessions");
    } else if status.pending == 0 {
        line.push_str(&format!(" · all {} session(s) synced", status.stored));
    } else {
        line.push_str(&format!(
            " · {} session(s) waiting for `dojo team sync`",
            status.pending
        ));
    }
    if status.responses_pending > 0 {
        line.push_str(&format!(
            " · {} acknowledgement(s)/dispute(s) waiting",
            status.responses_pending
        ));
    }
    if let Some(at) = status.last_sent {
        line.push_str(&format!(" · last sync {}", at.format("%Y-%m-%d %H:%M UTC")));
    }
    if let Some(e) = &status.last_error {
        line.push_str(&format!(" · last error: {e}"));
    }
    Some(line)
}

fn read_sync_state(history: Res<crate::gui::history::History>, mut state: ResMut<SyncState>) {
    state.0 = history.with(|s| sync_line(s)).flatten();
}

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<StartForm>()
        .init_resource::<Interrupted>()
        .init_resource::<SyncState>()
        .add_systems(
            OnEnter(Screen::Start),
            (find_interrupted, read_sync_state, skip_when_named).chain(),
        )
        .add_systems(
            EguiPrimaryContextPass,
            start_screen
                .in_set(crate::gui::state::UiSet::Screen)
                .run_if(in_state(Screen::Start)),
        );
}

fn find_interrupted(history: Res<crate::gui::history::History>, mut found: ResMut<Interrupted>) {
    *found = match history.with(|s| s.interrupted()) {
        Some(Ok(sessions)) => Interrupted {
            sessions,
            error: None,
        },
        Some(Err(e)) => Interrupted {
            sessions: Vec::new(),
            error: Some(e.to_string()),
        },
        None => Interrupted::default(),
    };
}

/// The card of interrupted sessions: resume one (R for the newest) or file it as
/// abandoned. Its log is kept either way.
fn interrupted_card(
    ui: &mut egui::Ui,
    found: &mut Interrupted,
    history: &crate::gui::history::History,
    resume: &mut MessageWriter<ResumeSession>,
) {
    if found.sessions.is_empty() && found.error.is_none() {
        return;
    }
    theme::card(ui, |ui| {
        ui.heading(theme::bold("Interrupted sessions").color(palette::HALF));
        ui.label(theme::muted(
            "The app closed while these were being played. Every completed action is in \
             their log: resume one where it stopped, or file it as abandoned (the log is kept).",
        ));
        if let Some(e) = &found.error {
            ui.colored_label(palette::BAD, format!("Could not look for them: {e}"));
        }
        let newest = found.sessions.iter().map(|s| s.id).max();
        let hotkey =
            !ui.ctx().egui_wants_keyboard_input() && ui.input(|i| i.key_pressed(egui::Key::R));
        let mut filed = None;
        egui::Grid::new("interrupted-sessions")
            .num_columns(4)
            .spacing([16.0, 6.0])
            .show(ui, |ui| {
                for s in &found.sessions {
                    ui.label(theme::bold(&s.trainee));
                    ui.label(format!(
                        "{} · started {}",
                        s.shift,
                        s.started_at.format("%Y-%m-%d %H:%M UTC")
                    ));
                    ui.label(match s.actions_logged {
                        Some(n) => format!("{n} action(s) logged"),
                        None => "log missing or unreadable".to_string(),
                    });
                    ui.horizontal(|ui| {
                        let is_newest = Some(s.id) == newest;
                        let label = if is_newest { "Resume  (R)" } else { "Resume" };
                        if ui
                            .add_enabled(s.actions_logged.is_some(), egui::Button::new(label))
                            .clicked()
                            || (is_newest && hotkey && s.actions_logged.is_some())
                        {
                            resume.write(ResumeSession {
                                id: s.id,
                                log_path: s.log_path.clone(),
                            });
                        }
                        if ui.button("File as abandoned").clicked() {
                            filed = Some(s.id);
                        }
                    });
                    ui.end_row();
                }
            });
        if let Some(id) = filed {
            match history.with(|s| s.abandon(id, crate::clock::now())) {
                Some(Ok(())) => found.sessions.retain(|s| s.id != id),
                Some(Err(e)) => found.error = Some(e.to_string()),
                None => {}
            }
        }
    });
    ui.add_space(10.0);
}

/// `--trainee NAME` skips the start screen (autoplay and shared kiosks).
fn skip_when_named(
    mut commands: Commands,
    options: Res<TrainerOptions>,
    autoplay: Option<Res<crate::gui::state::MachinePaced>>,
    history: Res<crate::gui::history::History>,
    mut next: ResMut<NextState<Screen>>,
) {
    if let Some(name) = &options.trainee {
        if let Err(e) = history.ensure_trainee(name, options.team.as_deref()) {
            warn!("{e}");
        }
        commands.insert_resource(Trainee {
            name: name.clone(),
            team: options.team.clone(),
        });
        // Autoplay photographs the start screen first, then moves on itself.
        if autoplay.is_none() {
            next.set(Screen::Mode);
        }
    }
}

fn start_screen(
    mut contexts: EguiContexts,
    mut commands: Commands,
    mut form: ResMut<StartForm>,
    mut known: ResMut<KnownTrainees>,
    mut scale: ResMut<UiScale>,
    options: Res<TrainerOptions>,
    history: Res<crate::gui::history::History>,
    mut next: ResMut<NextState<Screen>>,
    mut interrupted: ResMut<Interrupted>,
    mut resume: MessageWriter<ResumeSession>,
    sync: Res<SyncState>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut chosen: Option<Trainee> = None;
    egui::CentralPanel::default().show(&mut crate::gui::state::root_ui(ctx), |ui| {
        ui.vertical_centered(|ui| {
            ui.add_space(30.0);
            ui.label(theme::bold("Escalation Dojo").size(34.0).color(palette::ACCENT));
            ui.label(theme::muted(
                "Train the L1 → L2 handoff: resolve, escalate, or escalate now — and write the note L2 needs.",
            ));
            ui.add_space(24.0);
        });
        interrupted_card(ui, &mut interrupted, &history, &mut resume);
        ui.columns(2, |cols| {
            theme::card(&mut cols[0], |ui| {
                ui.heading("Who is training?");
                ui.add_space(4.0);
                if known.0.is_empty() {
                    ui.label(theme::muted("No trainees yet on this machine: create one →"));
                }
                egui::ScrollArea::vertical()
                    .max_height(320.0)
                    .show(ui, |ui| {
                        for t in &known.0 {
                            let label = match &t.team {
                                Some(team) => format!("{}  ·  {team}", t.name),
                                None => t.name.clone(),
                            };
                            let pick = ui.add_sized(
                                [ui.available_width(), 30.0],
                                egui::Button::new(label),
                            );
                            crate::gui::widgets::ui_map::mark(
                                ui,
                                format!("trainee:{}", t.name),
                                &pick,
                            );
                            if pick.clicked() {
                                chosen = Some(t.clone());
                            }
                        }
                    });
            });
            theme::card(&mut cols[1], |ui| {
                ui.heading("New trainee");
                ui.add_space(4.0);
                egui::Grid::new("new-trainee").num_columns(2).show(ui, |ui| {
                    ui.label("Name");
                    let name = ui.add(
                        egui::TextEdit::singleline(&mut form.name)
                            .hint_text("e.g. Sam Rivera")
                            .desired_width(240.0),
                    );
                    ui.end_row();
                    ui.label("Team");
                    ui.add(
                        egui::TextEdit::singleline(&mut form.team)
                            .hint_text("optional")
                            .desired_width(240.0),
                    );
                    ui.end_row();
                    if known.0.is_empty() && !name.has_focus() && form.name.is_empty() {
                        name.request_focus();
                    }
                });
                ui.add_space(6.0);
                let submit = ui.input(|i| i.key_pressed(egui::Key::Enter));
                let create = ui
                    .add_enabled(
                        !form.name.trim().is_empty(),
                        egui::Button::new(theme::bold("Start training  ⏎")),
                    )
                    .clicked();
                if (create || submit) && !form.name.trim().is_empty() {
                    let team = form.team.trim();
                    chosen = Some(Trainee {
                        name: form.name.trim().to_string(),
                        team: (!team.is_empty()).then(|| team.to_string()),
                    });
                }
                if let Some(e) = &form.error {
                    ui.colored_label(palette::BAD, e);
                }
                if let Some(e) = &history.error {
                    ui.colored_label(
                        palette::BAD,
                        format!("The history is not available ({e}); sessions are still saved as files."),
                    );
                }
            });
        });
        ui.add_space(16.0);
        if let Some(line) = &sync.0 {
            ui.label(theme::muted(line));
        }
        ui.horizontal(|ui| {
            ui.label("UI scale");
            ui.add(egui::Slider::new(&mut scale.0, 0.75..=2.0).step_by(0.05));
            ui.label(theme::muted(format!(
                "Pack: {} scenarios · {} KB articles · {} shifts   ·   data: {}",
                options.pack.scenarios.len(),
                options.pack.kb.len(),
                options.pack.shifts.len(),
                options.data_dir.display()
            )));
        });
    });
    if let Some(trainee) = chosen {
        match remember_trainee(&mut known, &trainee, &history) {
            Ok(()) => {
                form.error = None;
                commands.insert_resource(trainee);
                next.set(Screen::Mode);
            }
            Err(e) => form.error = Some(e),
        }
    }
    Ok(())
}
