//! Starting and ending a shift in the app: the same [`Session`], log file and
//! [`SessionResult`] as `dojo run`, so every session played in the window replays
//! headless.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bevy::prelude::*;

use super::state::{
    ActiveShift, EndShift, KnownTrainees, LastSession, Problem, ResumeSession, StartShift, Trainee,
};
use super::{Screen, TrainerOptions};
use crate::sim_plugin::SimState;
use dojo_core::grading::{self};
use dojo_core::shift::Shift;
use dojo_core::sim::record::{self, LogHeader, LogWriter, SessionResult};
use dojo_core::sim::session::Session;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<StartShift>()
        .add_message::<ResumeSession>()
        .add_message::<EndShift>()
        .add_message::<Problem>()
        .add_systems(OnEnter(Screen::Start), load_known_trainees)
        .add_systems(
            Update,
            (
                start_shift,
                resume_session,
                end_when_over.run_if(resource_exists::<SimState>),
                end_shift,
            )
                .chain()
                .after(crate::sim_plugin::SimSet::Mirror),
        );
}

fn load_known_trainees(mut commands: Commands, history: Res<super::history::History>) {
    let known = history
        .with(|s| s.people(Some(dojo_core::history::Role::Trainee)))
        .and_then(Result::ok)
        .unwrap_or_default()
        .into_iter()
        .map(|p| Trainee {
            name: p.name,
            team: p.team,
        })
        .collect();
    commands.insert_resource(KnownTrainees(known));
}

/// Adds a trainee to the history (if it is open) and to the known list.
pub fn remember_trainee(
    known: &mut KnownTrainees,
    trainee: &Trainee,
    history: &super::history::History,
) -> Result<(), String> {
    history
        .ensure_trainee(&trainee.name, trainee.team.as_deref())
        .map_err(|e| e.to_string())?;
    known.0.retain(|t| t.name != trainee.name);
    known.0.insert(0, trainee.clone());
    Ok(())
}

/// A seed for a new session: the given one, else from the clock (read here in the UI
/// layer, never in the simulation; it is recorded in the log, so the session replays).
pub fn session_seed(options: &TrainerOptions) -> u64 {
    options.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    })
}

fn sessions_dir(options: &TrainerOptions) -> PathBuf {
    options.data_dir.join("sessions")
}

/// A file name stem unique to this session: shift, seed and start time.
fn session_stem(shift: &Shift, seed: u64) -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("{}-{secs}-{seed}", shift.id)
}

fn start_shift(
    mut starts: MessageReader<StartShift>,
    mut commands: Commands,
    options: Res<TrainerOptions>,
    trainee: Option<Res<Trainee>>,
    mut next: ResMut<NextState<Screen>>,
    mut problems: MessageWriter<Problem>,
    history: Res<super::history::History>,
) {
    let Some(start) = starts.read().last().cloned() else {
        return;
    };
    let started = match &start.competition {
        Some(entry) => entry
            .competition
            .start_session(options.pack.clone())
            .map_err(|e| e.to_string()),
        None => Session::with_shift(options.pack.clone(), start.shift.clone(), start.seed)
            .map_err(|e| e.to_string()),
    };
    let session = match started {
        Ok(s) => s,
        Err(e) => {
            problems.write(Problem(format!("Cannot start {}: {e}", start.shift.id)));
            return;
        }
    };
    let trainee = trainee.map(|t| t.clone()).unwrap_or_default();
    let header = match &start.competition {
        Some(entry) => entry.competition.header(&session, &entry.participant),
        None => LogHeader::for_session(
            &session,
            Some(trainee.name.clone()).filter(|n| !n.is_empty()),
            trainee.team.clone(),
        ),
    };
    let dir = sessions_dir(&options);
    let log_path = dir.join(format!("{}.log", session_stem(&start.shift, start.seed)));
    let writer = std::fs::create_dir_all(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))
        .and_then(|()| LogWriter::create(&log_path, &header).map_err(|e| e.to_string()));
    let (writer, log_path) = match writer {
        Ok(w) => (Some(w), Some(log_path)),
        Err(e) => {
            problems.write(Problem(format!(
                "The session log cannot be written ({e}); this session will not be saved."
            )));
            (None, None)
        }
    };
    // Recorded in the history as in progress before the first action: a crash is
    // found at the next start.
    let history_id = match (&log_path, header.trainee.as_deref()) {
        (Some(path), Some(name)) => history
            .with(|s| -> Result<i64, dojo_store::StoreError> {
                if s.person(name)?.is_none() {
                    s.add_person(
                        name,
                        dojo_core::history::Role::Trainee,
                        header.team.as_deref(),
                        crate::clock::now(),
                    )?;
                }
                s.begin_session(name, &header, path, crate::clock::now())
            })
            .and_then(|r| {
                r.map_err(|e| {
                    problems.write(Problem(format!(
                        "This session is not recorded in the history: {e}"
                    )));
                })
                .ok()
            }),
        _ => None,
    };
    let active = ActiveShift {
        mode: start.shift.mode,
        header,
        log_path,
        started: Instant::now(),
        competition: start.competition.clone(),
        history_id,
        real_time_limit: real_time_limit(&start.shift),
    };
    begin_playing(&mut commands, &mut next, session, writer, active);
}

fn real_time_limit(shift: &Shift) -> Option<Duration> {
    shift
        .rules
        .real_time_limit_minutes
        .map(|m| Duration::from_secs(u64::from(m) * 60))
}

/// Hands a session to the simulation and opens the shift screen.
fn begin_playing(
    commands: &mut Commands,
    next: &mut NextState<Screen>,
    session: Session,
    writer: Option<LogWriter>,
    active: ActiveShift,
) {
    commands.insert_resource(SimState::new(session, writer));
    commands.insert_resource(active);
    next.set(Screen::Shift);
}

/// Resumes an interrupted session: its log is replayed on the pack in use (refused when
/// the content changed or the log does not replay), then appended from where its last
/// complete action ends; the history keeps the same session. Nothing logged is lost.
fn resume_session(
    mut resumes: MessageReader<ResumeSession>,
    mut commands: Commands,
    options: Res<TrainerOptions>,
    mut next: ResMut<NextState<Screen>>,
    mut problems: MessageWriter<Problem>,
) {
    let Some(resume) = resumes.read().last().cloned() else {
        return;
    };
    let cannot = |why: String| format!("Session {} cannot be resumed: {why}", resume.id);
    let read = match record::read_log(&resume.log_path) {
        Ok(r) => r,
        Err(e) => {
            problems.write(Problem(cannot(e.to_string())));
            return;
        }
    };
    if read.header.competition.is_some() {
        problems.write(Problem(cannot(
            "it is a competition entry, whose real-time limit cannot restart; resume it with \
             `dojo history resume` and its script, or file it as abandoned"
                .into(),
        )));
        return;
    }
    let (session, writer) = match record::resume(options.pack.clone(), &resume.log_path, &read) {
        Ok(r) => r,
        Err(e) => {
            problems.write(Problem(cannot(e.to_string())));
            return;
        }
    };
    let header = read.header;
    if let Some(name) = &header.trainee {
        commands.insert_resource(Trainee {
            name: name.clone(),
            team: header.team.clone(),
        });
    }
    let active = ActiveShift {
        mode: header.shift.mode,
        real_time_limit: real_time_limit(&header.shift),
        header,
        log_path: Some(resume.log_path.clone()),
        started: Instant::now(),
        competition: None,
        history_id: Some(resume.id),
    };
    info!(
        "resumed session {} from {} ({} actions replayed{})",
        resume.id,
        resume.log_path.display(),
        read.entries.len(),
        if read.torn_tail {
            ", a torn last line dropped"
        } else {
            ""
        }
    );
    begin_playing(&mut commands, &mut next, session, Some(writer), active);
}

/// Ends the shift when its clock has run out, or when the mode's real-time limit is
/// reached (not under autoplay, which plays at machine speed).
fn end_when_over(
    sim: Res<SimState>,
    active: Option<Res<ActiveShift>>,
    autoplay: Option<Res<super::state::MachinePaced>>,
    mut end: MessageWriter<EndShift>,
    mut problems: MessageWriter<Problem>,
) {
    if autoplay.is_some() {
        return;
    }
    if sim.session.ended {
        end.write(EndShift);
        return;
    }
    if let Some(active) = active
        && let Some(limit) = active.real_time_limit
        && active.started.elapsed() >= limit
    {
        problems.write(Problem(format!(
            "The real-time limit of {} minutes is up: the shift ends now.",
            limit.as_secs() / 60
        )));
        end.write(EndShift);
    }
}

fn end_shift(
    mut ends: MessageReader<EndShift>,
    mut commands: Commands,
    sim: Option<ResMut<SimState>>,
    active: Option<Res<ActiveShift>>,
    options: Res<TrainerOptions>,
    mut next: ResMut<NextState<Screen>>,
    history: Res<super::history::History>,
) {
    if ends.read().count() == 0 {
        return;
    }
    let Some(mut sim) = sim else {
        return;
    };
    sim.session.finish();
    let session = sim.session.clone();
    let header = active.as_ref().map_or_else(
        || LogHeader::for_session(&session, None, None),
        |a| a.header.clone(),
    );
    let trainee = header.trainee.clone();
    let result = SessionResult::of(&session, header.clone());
    let grade = grading::grade_with_ideal(&session, trainee);
    let mut history_error = None;
    if let Some(id) = active.as_ref().and_then(|a| a.history_id) {
        let graded =
            dojo_core::history::GradedSession::with_grade(header, &session.log, grade.clone());
        if let Some(Err(e)) = history.with(|s| s.finish_session(id, &graded, crate::clock::now())) {
            history_error = Some(format!("not stored in the history: {e}"));
        }
    }
    let (mut saved_to, mut save_error) = save_result(&options, &result, active.as_deref());
    let competition = active.as_ref().and_then(|a| a.competition.clone());
    if let Some(entry) = &competition {
        let path = entry.result_path();
        match dojo_core::compete::write_result(&path, &result) {
            Ok(()) => saved_to = Some(path),
            Err(e) => save_error = Some(format!("the competition result was not handed in: {e}")),
        }
    }
    if let Some(e) = history_error {
        save_error = Some(save_error.map_or(e.clone(), |s| format!("{s}; {e}")));
    }
    commands.remove_resource::<SimState>();
    commands.remove_resource::<ActiveShift>();
    commands.remove_resource::<crate::sim_plugin::Autoplay>();
    commands.insert_resource(LastSession {
        session,
        grade,
        saved_to,
        save_error,
        competition,
    });
    next.set(Screen::Debrief);
}

/// Writes the result next to the log (and to `--out`), then removes the log: the
/// result holds the whole log.
fn save_result(
    options: &TrainerOptions,
    result: &SessionResult,
    active: Option<&ActiveShift>,
) -> (Option<PathBuf>, Option<String>) {
    let text = result.to_ron();
    let mut errors = Vec::new();
    let mut saved = None;
    if let Some(log_path) = active.and_then(|a| a.log_path.as_deref()) {
        let path = result_path_for(log_path);
        match record::write_atomic(&path, &text) {
            Ok(()) => {
                let _ = std::fs::remove_file(log_path);
                saved = Some(path);
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    if let Some(out) = &options.out {
        match record::write_atomic(out, &text) {
            Ok(()) => saved = saved.or_else(|| Some(out.clone())),
            Err(e) => errors.push(e.to_string()),
        }
    }
    (saved, (!errors.is_empty()).then(|| errors.join("; ")))
}

/// `sessions/<stem>.log` → `sessions/<stem>.result.ron`.
fn result_path_for(log: &Path) -> PathBuf {
    log.with_extension("result.ron")
}
