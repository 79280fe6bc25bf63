//! Starting and ending a shift in the app: the same [`Session`], log file and
//! [`SessionResult`] as `dojo run`, so every session played in the window replays
//! headless.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bevy::prelude::*;

use super::state::{
    ActiveShift, EndShift, KnownTrainees, LastSession, Problem, ResumeSession, StartShift, Trainee,
};
use super::state::{Screen, TrainerOptions};
use crate::runner::{LogPlace, Play, Run};
use crate::sim_plugin::SimState;
use dojo_core::shift::Shift;
use dojo_core::sim::record::{self, LogHeader, LogWriter};
use dojo_core::sim::session::Session;
use std::sync::Arc;

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

fn start_shift(
    mut starts: MessageReader<StartShift>,
    mut commands: Commands,
    options: Res<TrainerOptions>,
    trainee: Option<Res<Trainee>>,
    mut next: ResMut<NextState<Screen>>,
    mut problems: MessageWriter<Problem>,
    history: Res<super::history::History>,
    preview: Option<Res<super::state::Preview>>,
) {
    let Some(start) = starts.read().last().cloned() else {
        return;
    };
    let preview = preview.is_some();
    let trainee = if preview {
        Trainee::default()
    } else {
        trainee.map(|t| t.clone()).unwrap_or_default()
    };
    let play = match &start.competition {
        Some(entry) => Play::Competition {
            competition: Arc::clone(&entry.competition),
            participant: entry.participant.clone(),
        },
        None => Play::Shift {
            shift: Box::new(start.shift.clone()),
            seed: start.seed,
            trainee: Some(trainee.name.clone()).filter(|n| !n.is_empty()),
            team: trainee.team.clone(),
        },
    };
    // The runner records only trainees the history knows: the one at the keyboard is
    // added (the start screen and `--trainee` may name a new one).
    if !trainee.name.is_empty()
        && let Err(e) = history.ensure_trainee(&trainee.name, trainee.team.as_deref())
    {
        problems.write(Problem(format!(
            "This session is not recorded in the history: {e}"
        )));
    }
    let log = if preview {
        LogPlace::None
    } else {
        LogPlace::In(sessions_dir(&options))
    };
    let now = crate::clock::now();
    let started = if preview {
        Run::start(&options.pack, &play, &log, None, now)
    } else {
        history.with_store(|s| Run::start(&options.pack, &play, &log, s.map(|s| &*s), now))
    };
    // A log or history that cannot be written never stops a trainee from playing: the
    // session runs unsaved, and says so.
    let started = started.or_else(|e| {
        problems.write(Problem(format!(
            "This session cannot be saved ({e}); it runs without a log."
        )));
        Run::start(&options.pack, &play, &LogPlace::None, None, now)
    });
    let (run, session, writer) = match started {
        Ok(s) => s,
        Err(e) => {
            problems.write(Problem(format!("Cannot start {}: {e}", start.shift.id)));
            return;
        }
    };
    let active = ActiveShift {
        mode: start.shift.mode,
        started: Instant::now(),
        competition: start.competition.clone(),
        real_time_limit: real_time_limit(&start.shift, run.header.multiplier()),
        run: Some(run),
    };
    begin_playing(&mut commands, &mut next, session, writer, active);
}

/// The shift's real-time limit, lengthened by the trainee's time extension.
fn real_time_limit(shift: &Shift, extension: f64) -> Option<Duration> {
    shift
        .rules
        .real_time_limit_minutes
        .map(|m| Duration::from_secs_f64(f64::from(m) * 60.0 * extension.max(1.0)))
}

/// Hands a session to the simulation and opens the shift screen.
fn begin_playing(
    commands: &mut Commands,
    next: &mut NextState<Screen>,
    session: Session,
    writer: Option<LogWriter>,
    active: ActiveShift,
) {
    let extension = active.run.as_ref().map_or(1.0, |r| r.header.multiplier());
    commands.insert_resource(SimState::extended(session, writer, extension));
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
    history: Res<super::history::History>,
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
    let resumed = history.with_store(|s| {
        Run::resume(
            &options.pack,
            &resume.log_path,
            &read,
            s.map(|s| &*s),
            None,
            crate::clock::now(),
        )
    });
    let (run, session, writer) = match resumed {
        Ok(r) => r,
        Err(e) => {
            problems.write(Problem(cannot(e)));
            return;
        }
    };
    if let Some(name) = &run.header.trainee {
        commands.insert_resource(Trainee {
            name: name.clone(),
            team: run.header.team.clone(),
        });
    }
    let active = ActiveShift {
        mode: run.header.shift.mode,
        real_time_limit: real_time_limit(&run.header.shift, run.header.multiplier()),
        started: Instant::now(),
        competition: None,
        run: Some(run),
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
    active: Option<ResMut<ActiveShift>>,
    options: Res<TrainerOptions>,
    mut next: ResMut<NextState<Screen>>,
    history: Res<super::history::History>,
    machine: Option<Res<super::state::MachinePaced>>,
) {
    if ends.read().count() == 0 {
        return;
    }
    let Some(mut sim) = sim else {
        return;
    };
    // A person who ends the shift before its clock ran out (End, or the mode's real-time
    // limit) ends it at this minute, in the log: the tickets still to come never arrive,
    // and a replay ends where they did. (Autoplay ends when its script is done, as
    // `dojo run` does, and plays the clock out.)
    if machine.is_none()
        && !sim.session.ended
        && sim.session.shift.mode != dojo_core::shift::Mode::Competition
    {
        let sim = &mut *sim;
        sim.session.act(dojo_core::sim::action::Action::EndShift);
        if let (Some(writer), Some(entry)) = (sim.log.as_mut(), sim.session.log.last())
            && let Err(e) = writer.append(entry)
        {
            error!("could not append to the session log: {e}");
        }
    }
    let session = sim.session.clone();
    let writer = sim.log.take();
    let competition = active.as_ref().and_then(|a| a.competition.clone());
    let run = active
        .and_then(|mut a| a.run.take())
        .unwrap_or_else(|| Run::unrecorded(LogHeader::for_session(&session, None, None)));
    // The result goes next to the log, to `--out`, and for an entry into the
    // competition's folder.
    let mut outputs: Vec<PathBuf> = run
        .log_path
        .as_deref()
        .map(|log| log.with_extension("result.ron"))
        .into_iter()
        .collect();
    outputs.extend(options.out.iter().cloned());
    outputs.extend(competition.as_ref().map(|e| e.result_path()));
    let now = crate::clock::now();
    let done = history.with_store(|store| run.finish(session, writer, &outputs, store, now));
    let saved_to = if competition.is_some() {
        done.saved_to.last().cloned()
    } else {
        done.saved_to.first().cloned()
    };
    let save_error = (!done.problems.is_empty()).then(|| done.problems.join("; "));
    // A stored session goes to the organisation's LRS when one is configured, on a
    // thread of its own (the window never waits on the network; what fails stays queued).
    if done.stored_as.is_some()
        && let Some(dir) = history
            .with(|s| s.path().parent().map(std::path::Path::to_path_buf))
            .flatten()
    {
        crate::xapi_client::send_in_background(dir, std::sync::Arc::clone(&options.pack));
    }
    commands.remove_resource::<SimState>();
    commands.remove_resource::<ActiveShift>();
    commands.remove_resource::<crate::sim_plugin::Autoplay>();
    commands.insert_resource(LastSession {
        session: done.session,
        grade: done.grade,
        saved_to,
        save_error,
        competition,
    });
    next.set(Screen::Debrief);
}
