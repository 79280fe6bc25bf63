//! The shift screen: the queue with its timers, the sim clock, the open ticket and
//! every action of the vocabulary. It sends [`SimAction`] messages and draws the
//! session; what is allowed, what it costs and what it reveals is the core's business
//! (a refused action comes back as a notice with its reason).

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::gui::state::Screen;
use crate::gui::state::{ActiveShift, EndShift, Trainee};
use crate::gui::widgets::theme::{self, palette};
use crate::gui::widgets::ui_map;
use crate::sim_plugin::{ClockActivity, ClockHeld, SimAction, SimState, TicketEntity, TicketView};
use dojo_core::shift::Mode;
use dojo_core::sim::action::Action;
use dojo_core::sim::clock::{Activity, Clock};
use dojo_core::sim::session::{Session, Status};
use note_form::NoteForm;

/// What the trainee has typed or opened on the shift screen (UI state only).
mod checklist;
mod confirm;
mod drafts;
mod kb;
mod keys;
mod log;
pub mod note_form;
mod queue;
mod ticket;
mod tips;
mod walkthrough;

use checklist::framework_checklist;
pub use confirm::Confirm;
pub use drafts::{Drafts, TicketDraft};
use kb::article_window;
use keys::{confirm_end_window, keyboard_shortcuts, keys_window};
use log::activity_log;
use queue::queue_panel;
use ticket::{nothing_open, ticket_view};

#[derive(Resource, Debug, Default)]
pub struct ShiftUi {
    /// What the trainee typed or picked, per ticket (kept beside the log).
    pub drafts: Drafts,
    /// The escalation note form, when open (its text is the ticket's draft).
    pub note: Option<NoteForm>,
    /// A decision waiting for its confirmation (Enter confirms, Esc cancels).
    pub confirm: Option<Confirm>,
    /// When (egui time) a text field last had the keyboard: single-key shortcuts wait
    /// a moment after it, so typing never fires one.
    pub typing_until: f64,
    /// When (egui time) the trainee last typed into a text field: typing holds the
    /// clock while it goes on (`docs/time.md`).
    pub last_typed: Option<f64>,
    /// Asking "end the shift now?".
    pub confirm_end: bool,
    /// Show the keyboard shortcuts.
    pub show_keys: bool,
    /// Focus the KB search box next frame.
    pub focus_kb: bool,
    /// The first-run walkthrough, while it is open (it holds the clock).
    pub walkthrough: Option<walkthrough::Walkthrough>,
    /// Whether this shift was checked for the walkthrough yet.
    pub walkthrough_checked: bool,
    /// The trainee's shortcuts (`crate::keymap`), and whose they are once loaded.
    pub keymap: crate::keymap::KeyMap,
    pub keymap_of: Option<String>,
    /// The shortcut waiting for its new key in the key list.
    pub capturing: Option<crate::keymap::Shortcut>,
    /// The key list changed the map: keep it in the history.
    pub keymap_changed: bool,
    /// Why the last key pressed for a shortcut was refused.
    pub key_problem: Option<String>,
}

impl ShiftUi {
    /// Opens the note form on a ticket (its draft, if any, comes back).
    pub fn open_note(&mut self, ticket: u32, security: bool) {
        self.drafts.of(ticket).security = security;
        if self.note.as_ref().is_none_or(|f| f.ticket != ticket) {
            self.note = Some(NoteForm::new(ticket));
        }
    }

    /// Asks to resolve a ticket (the confirmation sends it).
    pub fn ask_resolve(&mut self, ticket: u32, now: f64) {
        self.confirm = Some(Confirm::Resolve { ticket, since: now });
    }
}

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<ShiftUi>()
        .add_systems(
            OnEnter(Screen::Shift),
            |mut ui: ResMut<ShiftUi>,
             active: Option<Res<ActiveShift>>,
             mut problems: MessageWriter<crate::gui::state::Problem>| {
                let log = active
                    .as_ref()
                    .and_then(|a| a.run.as_ref())
                    .and_then(|r| r.log_path.as_deref());
                let drafts = Drafts::for_log(log);
                if let Some(e) = &drafts.save_error {
                    problems.write(crate::gui::state::Problem(format!("Drafts: {e}")));
                }
                *ui = ShiftUi {
                    drafts,
                    ..ShiftUi::default()
                };
            },
        )
        // The session ended: the result holds what was sent; the drafts file goes.
        .add_systems(OnExit(Screen::Shift), |ui: Res<ShiftUi>| {
            ui.drafts.remove_file()
        })
        .add_systems(
            EguiPrimaryContextPass,
            shift_screen
                .in_set(crate::gui::state::UiSet::Screen)
                .run_if(in_state(Screen::Shift))
                .run_if(resource_exists::<SimState>),
        );
}

/// `2h 05m`, `45m`, or with a sign for overdue amounts.
pub fn minutes_text(minutes: i64) -> String {
    let sign = if minutes < 0 { "−" } else { "" };
    let m = minutes.unsigned_abs();
    if m >= 60 {
        format!("{sign}{}h {:02}m", m / 60, m % 60)
    } else {
        format!("{sign}{m}m")
    }
}

/// A status as the trainee reads it, with its colour.
pub fn status_text(status: Status) -> (&'static str, egui::Color32) {
    match status {
        Status::Pending => ("not arrived", palette::MUTED),
        Status::Queued => ("new", palette::ACCENT),
        Status::Working => ("working", palette::INFO),
        Status::OnHold => ("on hold", palette::MUTED),
        Status::ResolvedAtL1 => ("resolved at L1", palette::GOOD),
        Status::WaitingForL2 => ("waiting for L2", palette::MUTED),
        Status::WithL2 => ("with L2", palette::MUTED),
        Status::BouncedToL1 => ("bounced back by L2", palette::BAD),
        Status::WithL3 => ("with L3", palette::MUTED),
        Status::WithSecurity => ("with security", palette::MUTED),
        Status::ClosedUpstream => ("closed upstream", palette::GOOD),
        Status::Reopened => ("reopened", palette::BAD),
    }
}

/// The first module of the onboarding path, not yet begun, and a trainee with nothing
/// finished in their history: the walkthrough's moment.
fn first_module_first_time(
    session: &Session,
    history: &crate::gui::history::History,
    trainee: &str,
) -> bool {
    let first = session
        .pack()
        .curricula
        .get("onboarding")
        .and_then(|c| c.modules.first())
        .is_some_and(|m| m.shift == session.shift.id);
    first
        && session.log.is_empty()
        && history
            .with(|s| {
                s.sessions(&dojo_core::history::SessionQuery {
                    trainee: Some(trainee.to_string()),
                    finished_only: true,
                    ..Default::default()
                })
                .map(|v| v.is_empty())
                .unwrap_or(false)
            })
            .unwrap_or(true)
}

fn shift_screen(
    mut contexts: EguiContexts,
    sim: Res<SimState>,
    active: Option<Res<ActiveShift>>,
    trainee: Option<Res<Trainee>>,
    tickets: Query<(&TicketEntity, &TicketView)>,
    mut ui_state: ResMut<ShiftUi>,
    mut actions: MessageWriter<SimAction>,
    mut end: MessageWriter<EndShift>,
    mut activity: ResMut<ClockActivity>,
    mut held: ResMut<ClockHeld>,
    history: Res<crate::gui::history::History>,
    machine: Option<Res<crate::gui::state::MachinePaced>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let session = &sim.session;
    if !ui_state.walkthrough_checked {
        ui_state.walkthrough_checked = true;
        let first_time = machine.is_none()
            && active.as_ref().is_some_and(|a| a.mode == Mode::Onboarding)
            && trainee
                .as_ref()
                .is_some_and(|t| first_module_first_time(session, &history, &t.name));
        ui_state.walkthrough = first_time.then(walkthrough::Walkthrough::default);
    }
    if held.0 != ui_state.walkthrough.is_some() {
        held.0 = ui_state.walkthrough.is_some();
    }
    let wanted = clock_activity(ctx, session, &mut ui_state);
    if activity.0 != wanted {
        activity.0 = wanted;
    }
    let hints = session.shift.rules.hints_shown;
    let mut sent: Vec<Action> = Vec::new();

    // The trainee's own shortcuts, read from the history once.
    let who = trainee.as_ref().map(|t| t.name.clone()).unwrap_or_default();
    if ui_state.keymap_of.as_deref() != Some(who.as_str()) {
        let kept = history
            .with(|s| {
                s.person_setting(&who, crate::keymap::SETTING)
                    .ok()
                    .flatten()
            })
            .flatten();
        ui_state.keymap = crate::keymap::KeyMap::from_setting(kept.as_deref());
        ui_state.keymap_of = Some(who.clone());
    }
    // The walkthrough takes Enter and Esc while it is open; a key being captured for a
    // shortcut is that, not a shortcut.
    if ui_state.walkthrough.is_none() && ui_state.capturing.is_none() {
        keyboard_shortcuts(ctx, session, &mut ui_state, &mut sent);
    }

    let mut root = crate::gui::state::root_ui(ctx);
    top_bar(
        &mut root,
        session,
        &sim.clock,
        active.as_deref(),
        trainee.as_deref(),
        &mut ui_state,
        &mut sent,
    );
    activity_log(&mut root, session);
    queue_panel(&mut root, session, &tickets, &mut sent);
    if hints && let Some(number) = session.current {
        egui::Panel::right("framework-checklist")
            .resizable(false)
            .exact_size(290.0)
            .show(&mut root, |ui| {
                let note = ui_state
                    .note
                    .as_ref()
                    .filter(|f| f.ticket == number)
                    .and_then(|f| ui_state.drafts.get(f.ticket))
                    .map(|d| (&d.note, d.security));
                framework_checklist(ui, session, number, note);
            });
    }
    egui::CentralPanel::default().show(&mut root, |ui| {
        ui_map::mark_rect(ui, "central", ui.clip_rect());
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                match session.current.and_then(|n| session.ticket(n)) {
                    Some(ticket) => ticket_view(ui, session, ticket, &mut ui_state, &mut sent),
                    None => nothing_open(ui, session),
                }
            });
    });

    let ui_state = &mut *ui_state;
    if ui_state.note.is_some() && ui_state.confirm.is_none() {
        note_form::show(
            ctx,
            session,
            &mut ui_state.note,
            &mut ui_state.drafts,
            &mut ui_state.confirm,
        );
    }
    if let Some(confirm) = ui_state.confirm.clone() {
        confirm::window(ctx, session, &confirm, ui_state, &mut sent);
    }
    if let Some(number) = session.current
        && let Some(id) = ui_state.drafts.get(number).and_then(|d| d.reading.clone())
    {
        let mut reading = Some(id.clone());
        article_window(ctx, session, &id, &mut reading);
        if reading.is_none() {
            ui_state.drafts.of(number).reading = None;
        }
    }
    ui_state.drafts.forget_decided(session);
    ui_state.drafts.save_if_changed();
    if ui_state.confirm_end {
        confirm_end_window(ctx, session, &mut ui_state.confirm_end, &mut end);
    }
    if ui_state.show_keys {
        keys_window(ctx, ui_state);
    }
    if std::mem::take(&mut ui_state.keymap_changed) && !who.is_empty() {
        let text = ui_state.keymap.to_setting();
        let _ = history.with(|s| s.set_person_setting(&who, crate::keymap::SETTING, &text));
    }
    if let Some(tour) = ui_state.walkthrough.as_mut()
        && !walkthrough::show(ctx, session, tour)
    {
        ui_state.walkthrough = None;
    }
    // An action's outcome shows on the next frame (a decided ticket's note form closes,
    // the queue moves): draw it now, not at the next once-a-second tick — else single
    // keys would still wait out their typing grace a second after a note was sent.
    if !sent.is_empty() {
        ctx.request_repaint();
    }
    for action in sent {
        actions.write(SimAction(action));
    }
    Ok(())
}

/// What the real time passing is spent on: typing for a ticket (a key in a text field
/// within the policy's typing pause) holds the clock; anything else is reading.
fn clock_activity(ctx: &egui::Context, session: &Session, ui_state: &mut ShiftUi) -> Activity {
    let now = ctx.input(|i| i.time);
    let typed = ctx.egui_wants_keyboard_input()
        && ctx.input(|i| {
            i.events.iter().any(|e| {
                matches!(
                    e,
                    egui::Event::Text(_)
                        | egui::Event::Paste(_)
                        | egui::Event::Key { pressed: true, .. }
                )
            })
        });
    if typed {
        ui_state.last_typed = Some(now);
    }
    let pause = session.policy().clock.typing_pause_seconds;
    let ticket = ui_state.note.as_ref().map(|f| f.ticket).or(session.current);
    match (ui_state.last_typed, ticket) {
        (Some(at), Some(ticket)) if now - at <= pause => Activity::Writing { ticket },
        _ => Activity::Reading,
    }
}

fn top_bar(
    root: &mut egui::Ui,
    session: &Session,
    sim_clock: &Clock,
    active: Option<&ActiveShift>,
    trainee: Option<&Trainee>,
    ui_state: &mut ShiftUi,
    sent: &mut Vec<Action>,
) {
    egui::Panel::top("shift-top").show(root, |ui| {
        ui.horizontal(|ui| {
            ui.label(theme::bold("Escalation Dojo").color(palette::ACCENT));
            ui.separator();
            ui.label(theme::bold(&session.shift.title));
            if let Some(active) = active {
                theme::chip(ui, mode_label(active.mode), palette::INFO);
            }
            ui.separator();
            let clock = format!(
                "Minute {} / {}",
                session.now.min(session.shift.length_minutes),
                session.shift.length_minutes
            );
            let minute = ui.label(theme::bold(clock).size(17.0));
            ui_map::mark(ui, format!("minute:{}", session.now), &minute);
            if session.paused {
                theme::chip(ui, "PAUSED", palette::HALF);
            } else if session.now < session.busy_until {
                let chip = theme::chip(
                    ui,
                    &format!("working… until minute {}", session.busy_until),
                    palette::INFO,
                );
                ui_map::mark(ui, "working", &chip);
            } else if sim_clock.running_idle(session) {
                theme::chip(
                    ui,
                    &format!(
                        "queue clear: ×{} until minute {}",
                        session.policy().clock.idle_speed_up,
                        session.next_due().min(session.shift.length_minutes)
                    ),
                    palette::INFO,
                )
                .on_hover_text(
                    "Nothing is yours to do: no ticket is open at L1. The clock runs faster \
                     until the next ticket arrives or something comes back to you.",
                );
            } else if sim_clock.hold_seconds() >= 0.5 {
                let held = sim_clock.hold_seconds().ceil() as u64;
                theme::chip(
                    ui,
                    &format!("clock held {}:{:02}", held / 60, held % 60),
                    palette::MUTED,
                )
                .on_hover_text(
                    "Held to read and decide: new text and each decision give you time to \
                     take them in; the clock waits that long, then runs again. Actions cost their minutes; typing \
                     holds the clock while you type.",
                );
            }
            if let Some(m) = active
                .and_then(|a| a.run.as_ref())
                .map(|r| r.header.multiplier())
                .filter(|m| *m > 1.0)
            {
                theme::chip(ui, &format!("time ×{m}"), palette::MUTED).on_hover_text(format!(
                    "Your coach gave you a time extension: the clock runs {m} times slower \
                     and every allowance is {m} times longer. Your grade is the same as anyone's."
                ));
            }
            if let Some(limit) = active.and_then(|a| a.real_time_limit.map(|l| (a.started, l))) {
                let left = limit.1.saturating_sub(limit.0.elapsed());
                ui.label(theme::muted(format!(
                    "real time left {}:{:02}",
                    left.as_secs() / 60,
                    left.as_secs() % 60
                )));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(format!("End shift{}", ui_state.keymap.hint(crate::keymap::Shortcut::EndShift))).clicked() {
                    ui_state.confirm_end = true;
                }
                if session.shift.rules.pause_allowed {
                    let label = if session.paused {
                        format!("▶ Resume{}", ui_state.keymap.hint(crate::keymap::Shortcut::Pause))
                    } else {
                        format!("⏸ Pause{}", ui_state.keymap.hint(crate::keymap::Shortcut::Pause))
                    };
                    if ui.button(label).clicked() {
                        sent.push(if session.paused {
                            Action::Resume
                        } else {
                            Action::Pause
                        });
                    }
                } else {
                    ui.label(theme::muted("no pause in this mode"));
                }
                let keys = ui.button(if ui_state.keymap.single_keys {
                    "Keys (?)"
                } else {
                    "Keys"
                });
                ui_map::mark(ui, "keys", &keys);
                if keys.clicked() {
                    ui_state.show_keys = !ui_state.show_keys;
                }
                if let Some(t) = trainee {
                    ui.label(theme::muted(&t.name));
                }
            });
        });
    });
}

/// The mode's name.
pub fn mode_label(mode: Mode) -> &'static str {
    match mode {
        Mode::Onboarding => "Onboarding",
        Mode::Practice => "Practice",
        Mode::Coaching => "Coaching drill",
        Mode::Competition => "Competition",
    }
}
