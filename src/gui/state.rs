//! What the screens and services of the app share: who is at the keyboard, the shift
//! being played and the last one finished, the messages that start and end a shift, and
//! a competition entry. Screens and services depend on this module, never on each other
//! for these types.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use dojo_core::compete::{self, Competition, Participant};
use dojo_core::grading::SessionGrade;
use dojo_core::pack::{Pack, PackOptions};
use dojo_core::shift::{Mode, Shift};
use dojo_core::sim::action::Script;
use dojo_core::sim::session::Session;

/// Present while the app previews content (`dojo play --scenario FILE`): sessions are
/// played but kept nowhere — no log, no history, no trainee — so an author's reloads
/// leave no interrupted sessions and no "author" trainee behind.
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct Preview;

/// Present while the app plays at machine speed (`--autoplay`): real-time limits and
/// person-paced pacing do not apply. Inserted by the autoplay driver; read by the
/// services that pace a person's session.
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct MachinePaced;

/// Who is at the keyboard.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trainee {
    /// Their name.
    pub name: String,
    /// Their team, if any.
    #[serde(default)]
    pub team: Option<String>,
}

/// The trainees known on this machine (from the history).
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownTrainees(pub Vec<Trainee>);

/// The shift being played.
#[derive(Resource, Debug)]
pub struct ActiveShift {
    /// The mode it was started from.
    pub mode: Mode,
    /// The session runner's side of the session: header, log, history record (taken
    /// when the shift ends).
    pub run: Option<crate::runner::Run>,
    /// When it started (for the mode's real-time limit; never read by the sim).
    pub started: Instant,
    /// The competition entered, if any.
    pub competition: Option<Entry>,
    /// The mode's real-time limit.
    pub real_time_limit: Option<Duration>,
}

/// Start a shift.
#[derive(Message, Debug, Clone)]
pub struct StartShift {
    /// The shift definition.
    pub shift: Shift,
    /// Its seed.
    pub seed: u64,
    /// Played as an entry to a competition (its header stamp; the result is handed in).
    pub competition: Option<Entry>,
}

/// Resume a session interrupted by a crash: replay its log, append to it, go on.
#[derive(Message, Debug, Clone)]
pub struct ResumeSession {
    /// Its id in the history.
    pub id: i64,
    /// The log the crashed process was appending.
    pub log_path: PathBuf,
}

/// End the running shift and go to the debrief.
#[derive(Message, Debug, Clone, Copy, Default)]
pub struct EndShift;

/// The last finished shift, for the debrief.
#[derive(Resource, Debug, Clone)]
pub struct LastSession {
    /// The finished session.
    pub session: Session,
    /// Its grade, recomputed from the session like `dojo grade` does.
    pub grade: SessionGrade,
    /// Where the result was saved.
    pub saved_to: Option<PathBuf>,
    /// Why it could not be saved.
    pub save_error: Option<String>,
    /// The competition it was an entry to, if any.
    pub competition: Option<Entry>,
}

/// A problem to show the trainee (cannot start, cannot save).
#[derive(Message, Debug, Clone)]
pub struct Problem(pub String);

/// A competition the trainee has entered: what `play` needs to start and hand in.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The competition.
    pub competition: Arc<Competition>,
    /// Its file (results go to its folder).
    pub file: PathBuf,
    /// Who plays, as on the roster.
    pub participant: Participant,
}

impl Entry {
    /// Where this participant's next attempt is handed in: its own file
    /// (`<slug>.attempt-<n>.result.ron`, the first `n` free), never one already there.
    pub fn result_path(&self) -> PathBuf {
        compete::attempt_path(&folder_of(&self.file), &self.participant.name)
    }

    /// True when an attempt of this participant is already in the folder.
    pub fn has_attempt(&self) -> bool {
        let first = folder_of(&self.file).join(format!(
            "{}.attempt-1.result.ron",
            compete::result_file_name(&self.participant.name).trim_end_matches(".result.ron")
        ));
        first.exists()
    }
}

pub fn folder_of(file: &Path) -> PathBuf {
    file.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The screens.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    /// Pick or create a trainee.
    #[default]
    Start,
    /// Pick a mode (each starts a shipped shift).
    Mode,
    /// Playing a shift.
    Shift,
    /// The debrief of the last shift.
    Debrief,
    /// Open a competition file, read its rules, enter.
    Competition,
    /// The competition's leaderboard, recomputed from its folder.
    Leaderboard,
    /// The coach's dashboard: a trainee's history, trends, flags, reviews, overrides.
    Dashboard,
}

/// The order of the UI systems inside egui's pass each frame.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UiSet {
    /// The current screen's panels.
    Screen,
    /// Overlays drawn above the screen (toasts, the author's error banner).
    Overlay,
}

/// How the trainer was started (from the command line).
#[derive(Resource, Debug, Clone)]
pub struct TrainerOptions {
    /// The content pack.
    pub pack: Arc<Pack>,
    /// How the pack was loaded (the author mode reloads it with the edited scenario).
    pub pack_options: PackOptions,
    /// Play this action script through the UI's message path, screenshot every screen,
    /// write the result and exit.
    pub autoplay: Option<Script>,
    /// Where autoplay saves its screenshots.
    pub screenshots: Option<PathBuf>,
    /// The shift for autoplay (default: the script's own).
    pub shift: Option<String>,
    /// Session seed (default: the clock, recorded in the log; autoplay: 7).
    pub seed: Option<u64>,
    /// Who plays (skips the start screen when set).
    pub trainee: Option<String>,
    /// Their team.
    pub team: Option<String>,
    /// Also write the session result here.
    pub out: Option<PathBuf>,
    /// Where sessions and trainees are kept.
    pub data_dir: PathBuf,
    /// Initial UI scale.
    pub ui_scale: f32,
    /// The window's size in logical pixels (default `gui::DEFAULT_WINDOW`, 1280×680).
    pub window_size: Option<(u32, u32)>,
    /// `dojo play --scenario FILE`: open this one scenario and reload it when saved.
    pub scenario_file: Option<PathBuf>,
    /// `--competition FILE`: the competition file Competition mode opens.
    pub competition: Option<PathBuf>,
}

/// A `Ui` covering the whole window, for a screen's panels (egui 0.36 panels are shown
/// inside a `Ui`).
pub fn root_ui(ctx: &bevy_egui::egui::Context) -> bevy_egui::egui::Ui {
    use bevy_egui::egui;
    egui::Ui::new(
        ctx.clone(),
        "screen".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    )
}
