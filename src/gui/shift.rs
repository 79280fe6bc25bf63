//! The shift screen: the queue with its timers, the sim clock, the open ticket and
//! every action of the vocabulary. It sends [`SimAction`] messages and draws the
//! session; what is allowed, what it costs and what it reveals is the core's business
//! (a refused action comes back as a notice with its reason).

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::Screen;
use super::note_form::{self, NoteForm};
use super::state::{ActiveShift, EndShift, Trainee};
use super::theme::{self, palette};
use crate::sim_plugin::{SimAction, SimSet, SimState, TicketEntity, TicketView};
use dojo_core::engine::WindowState;
use dojo_core::policy::Priority;
use dojo_core::scenario::{Requirement, StepKind};
use dojo_core::shift::Mode;
use dojo_core::sim::action::{Action, Outcome};
use dojo_core::sim::session::{Session, Status, Ticket};

/// What the trainee has typed or opened on the shift screen (UI state only).
#[derive(Resource, Debug, Default)]
pub struct ShiftUi {
    /// The KB search box.
    pub kb_query: String,
    /// The KB article being read.
    pub reading: Option<String>,
    /// The escalation note form, when open.
    pub note: Option<NoteForm>,
    /// The client update being written.
    pub update_text: String,
    /// The priority picked for the impact estimate.
    pub estimate: Option<Priority>,
    /// Asking "end the shift now?".
    pub confirm_end: bool,
    /// Show the keyboard shortcuts.
    pub show_keys: bool,
    /// Focus the KB search box next frame.
    pub focus_kb: bool,
}

/// How much faster the clock runs while the trainee is busy with an action.
const BUSY_SPEED_UP: f64 = 4.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ShiftUi>()
        .add_systems(OnEnter(Screen::Shift), |mut ui: ResMut<ShiftUi>| {
            *ui = ShiftUi::default();
        })
        .add_systems(
            Update,
            fast_forward_while_busy
                .before(SimSet::Tick)
                .run_if(resource_exists::<SimState>)
                .run_if(not(resource_exists::<super::state::MachinePaced>)),
        )
        .add_systems(
            EguiPrimaryContextPass,
            shift_screen
                .in_set(super::UiSet::Screen)
                .run_if(in_state(Screen::Shift))
                .run_if(resource_exists::<SimState>),
        );
}

/// While an action's minutes run, the clock runs faster: the queue's timers still move
/// (that is the lesson), without the trainee waiting idle.
fn fast_forward_while_busy(mut sim: ResMut<SimState>) {
    let base = sim.session.shift.time_scale;
    let wanted = if sim.session.now < sim.session.busy_until {
        base * BUSY_SPEED_UP
    } else {
        base
    };
    if (sim.time_scale - wanted).abs() > f64::EPSILON {
        sim.time_scale = wanted;
    }
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

fn shift_screen(
    mut contexts: EguiContexts,
    sim: Res<SimState>,
    active: Option<Res<ActiveShift>>,
    trainee: Option<Res<Trainee>>,
    tickets: Query<(&TicketEntity, &TicketView)>,
    mut ui_state: ResMut<ShiftUi>,
    mut actions: MessageWriter<SimAction>,
    mut end: MessageWriter<EndShift>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let session = &sim.session;
    let hints = session.shift.rules.hints_shown;
    let mut sent: Vec<Action> = Vec::new();

    keyboard_shortcuts(ctx, session, &mut ui_state, &mut sent);

    let mut root = super::root_ui(ctx);
    top_bar(
        &mut root,
        session,
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
                framework_checklist(ui, session, number, ui_state.note.as_ref());
            });
    }
    egui::CentralPanel::default().show(&mut root, |ui| {
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                match session.current.and_then(|n| session.ticket(n)) {
                    Some(ticket) => ticket_view(ui, session, ticket, &mut ui_state, &mut sent),
                    None => nothing_open(ui, session),
                }
            });
    });

    if ui_state.note.is_some() {
        note_form::show(ctx, session, &mut ui_state.note, &mut sent);
    }
    if let Some(id) = ui_state.reading.clone() {
        article_window(ctx, session, &id, &mut ui_state.reading);
    }
    if ui_state.confirm_end {
        confirm_end_window(ctx, session, &mut ui_state.confirm_end, &mut end);
    }
    if ui_state.show_keys {
        keys_window(ctx, &mut ui_state.show_keys);
    }
    for action in sent {
        actions.write(SimAction(action));
    }
    Ok(())
}

fn top_bar(
    root: &mut egui::Ui,
    session: &Session,
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
            ui.label(theme::bold(clock).size(17.0));
            if session.paused {
                theme::chip(ui, "PAUSED", palette::HALF);
            } else if session.now < session.busy_until {
                theme::chip(
                    ui,
                    &format!("working… until minute {}", session.busy_until),
                    palette::INFO,
                );
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
                if ui.button("End shift (End)").clicked() {
                    ui_state.confirm_end = true;
                }
                if session.shift.rules.pause_allowed {
                    let label = if session.paused {
                        "▶ Resume (Space)"
                    } else {
                        "⏸ Pause (Space)"
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
                if ui.button("Keys (?)").clicked() {
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

fn queue_panel(
    root: &mut egui::Ui,
    session: &Session,
    tickets: &Query<(&TicketEntity, &TicketView)>,
    sent: &mut Vec<Action>,
) {
    let mut rows: Vec<(&TicketEntity, &TicketView)> = tickets.iter().collect();
    rows.sort_by_key(|(t, _)| t.number);
    egui::Panel::left("queue")
        .resizable(false)
        .exact_size(300.0)
        .show(root, |ui| {
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                ui.heading("Queue");
                let open = rows.iter().filter(|(_, v)| v.status.open_at_l1()).count();
                ui.label(theme::muted(format!("{open} open at L1")));
            });
            let upcoming = session
                .tickets
                .iter()
                .filter(|t| t.status == Status::Pending)
                .count();
            if rows.is_empty() {
                ui.label(theme::muted(
                    "No tickets yet — the first one is on its way.",
                ));
            }
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    for (entity, view) in &rows {
                        queue_row(ui, session, entity.number, view, sent);
                    }
                    if upcoming > 0 {
                        ui.label(theme::muted(format!("{upcoming} more ticket(s) to come")));
                    }
                });
        });
}

fn queue_row(
    ui: &mut egui::Ui,
    session: &Session,
    number: u32,
    view: &TicketView,
    sent: &mut Vec<Action>,
) {
    let current = session.current == Some(number);
    let frame = egui::Frame::new()
        .fill(if current {
            palette::CARD.gamma_multiply(1.6)
        } else {
            palette::CARD
        })
        .stroke(if current {
            egui::Stroke::new(1.5, palette::ACCENT)
        } else {
            egui::Stroke::NONE
        })
        .corner_radius(egui::CornerRadius::same(5))
        .inner_margin(egui::Margin::same(7));
    let response = frame
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.label(theme::bold(format!("#{number}")));
                let (text, colour) = status_text(view.status);
                theme::chip(ui, text, colour);
            });
            ui.label(&view.title);
            if view.status.open_at_l1() {
                sla_bar(ui, view);
                window_bar(ui, view);
                if let Some(t) = session.ticket(number)
                    && let Some(left) = t.response_remaining(session.now, session.policy())
                {
                    let colour = if left < 0 {
                        palette::BAD
                    } else {
                        palette::MUTED
                    };
                    ui.label(
                        egui::RichText::new(if left < 0 {
                            format!("first response overdue by {}", minutes_text(-left))
                        } else {
                            format!("first response due in {}", minutes_text(left))
                        })
                        .small()
                        .color(colour),
                    );
                }
            }
        })
        .response
        .interact(egui::Sense::click());
    if view.status.open_at_l1() && !current {
        let response = response.on_hover_text(format!("Open ticket #{number} (key {number})"));
        if response.clicked() {
            sent.push(Action::Open { ticket: number });
        }
    }
    ui.add_space(4.0);
}

fn sla_bar(ui: &mut egui::Ui, view: &TicketView) {
    if view.sla_target == 0 {
        return;
    }
    let fraction = view.sla_remaining as f32 / view.sla_target as f32;
    let colour = if view.sla_remaining < 0 {
        palette::BAD
    } else if fraction < 0.25 {
        palette::THREE_QUARTERS
    } else if fraction < 0.5 {
        palette::HALF
    } else {
        palette::GOOD
    };
    let label = if view.sla_remaining < 0 {
        format!("SLA breached {} ago", minutes_text(-view.sla_remaining))
    } else {
        format!(
            "SLA {} left of {}",
            minutes_text(view.sla_remaining),
            minutes_text(i64::from(view.sla_target))
        )
    };
    theme::bar(ui, fraction, colour, &label);
}

fn window_bar(ui: &mut egui::Ui, view: &TicketView) {
    match view.window {
        Some((elapsed, limit, state)) => {
            let label = match state {
                WindowState::Overdue { by } => format!("L1 window overdue by {by}m"),
                WindowState::Reached => format!("L1 window reached ({limit}m): escalate"),
                _ => format!(
                    "L1 window {}m left of {limit}m",
                    limit.saturating_sub(elapsed)
                ),
            };
            theme::bar(
                ui,
                elapsed as f32 / limit.max(1) as f32,
                theme::window_colour(state),
                &label,
            );
        }
        None => {
            ui.label(
                egui::RichText::new("No L1 window: security — escalate immediately")
                    .small()
                    .color(palette::BAD),
            );
        }
    }
}

fn nothing_open(ui: &mut egui::Ui, session: &Session) {
    ui.add_space(40.0);
    ui.vertical_centered(|ui| {
        if session.tickets.iter().any(|t| t.status.open_at_l1()) {
            ui.heading("Pick a ticket from the queue");
            ui.label(theme::muted(
                "Click it, or press its number. Its SLA and its L1 window are already running.",
            ));
        } else {
            ui.heading("The queue is clear");
            ui.label(theme::muted(
                "New tickets will arrive. Upstream teams keep working the ones you escalated.",
            ));
        }
    });
}

fn ticket_view(
    ui: &mut egui::Ui,
    session: &Session,
    t: &Ticket,
    ui_state: &mut ShiftUi,
    sent: &mut Vec<Action>,
) {
    let s = &t.scenario;
    let number = t.number;
    let busy = session.now < session.busy_until || session.paused;
    let at_l1 = t.status.open_at_l1();
    ui.label(theme::bold(format!("#{number}  {}", s.title)).size(18.0));
    ui.horizontal(|ui| {
        let (text, colour) = status_text(t.status);
        theme::chip(ui, text, colour);
        if s.requester.vip {
            theme::chip(ui, "VIP", palette::ACCENT);
        }
        theme::chip(ui, &t.facts.ticket_type, palette::MUTED);
    });
    ui.label(theme::muted(format!(
        "{} ({}) · {} · via {:?} · arrived at minute {} · {} in queue",
        s.requester.name,
        s.requester.role,
        s.client.org,
        s.channel,
        t.arrives_at,
        minutes_text(i64::from(t.elapsed(session.now)))
    )));
    ui.add_space(4.0);
    theme::card(ui, |ui| {
        ui.label(theme::muted("The client wrote:"));
        ui.label(egui::RichText::new(&s.ticket_text).italics());
        if let Some(error) = &t.facts.error_text {
            ui.add_space(2.0);
            ui.horizontal_wrapped(|ui| {
                ui.label(theme::muted("Error:"));
                ui.label(egui::RichText::new(error).monospace());
            });
        }
    });
    ui.add_space(4.0);
    ui.columns(2, |cols| {
        theme::card(&mut cols[0], |ui| {
            ui.label(theme::bold("Environment"));
            for line in &s.environment {
                ui.label(format!("• {line}"));
            }
        });
        theme::card(&mut cols[1], |ui| {
            ui.label(theme::bold("Impact"));
            let f = &t.facts;
            ui.label(format!(
                "{} user(s) affected · {}",
                f.users_affected, s.impact.business_function
            ));
            ui.label(format!(
                "Function criticality {:?} · risk {:?}",
                f.function_criticality, f.risk
            ));
            if let Some(deadline) = f.deadline_minutes {
                let left = i64::from(deadline) - i64::from(t.elapsed(session.now));
                ui.colored_label(
                    if left < 30 {
                        palette::BAD
                    } else {
                        palette::HALF
                    },
                    format!(
                        "Deadline in {} (at minute {})",
                        minutes_text(left),
                        t.arrives_at + deadline
                    ),
                );
            }
            ui.label(theme::muted(format!("Client patience {}/5", f.patience)));
        });
    });
    ui.add_space(4.0);
    if !t.findings.is_empty() || !t.events_fired.is_empty() {
        theme::card(ui, |ui| {
            ui.label(theme::bold("Findings so far"));
            let mut lines: Vec<(u32, String, egui::Color32)> = t
                .findings
                .iter()
                .map(|f| (f.at, f.text.clone(), palette::TEXT))
                .collect();
            for (id, at) in &t.events_fired {
                if let Some(e) = s.events.iter().find(|e| &e.id == id) {
                    lines.push((*at, format!("⚑ {}", e.message), palette::INFO));
                }
            }
            for (at, fix, ..) in t.fixes_applied.iter().map(|(f, at)| (*at, f)) {
                if let Some(f) = s.fixes.iter().find(|x| &x.id == fix) {
                    lines.push((
                        at,
                        format!("Applied: {} — {}", f.label, f.outcome),
                        palette::GOOD,
                    ));
                }
            }
            lines.sort_by_key(|l| l.0);
            for (at, text, colour) in lines {
                ui.horizontal_wrapped(|ui| {
                    ui.label(theme::muted(format!("m{at:>3}")).monospace());
                    ui.colored_label(colour, text);
                });
            }
        });
        ui.add_space(4.0);
    }
    if !at_l1 {
        theme::card(ui, |ui| {
            ui.label(theme::muted(
                "This ticket is no longer with L1. Its outcome shows in the queue and the debrief.",
            ));
        });
        return;
    }
    if t.status == Status::Queued {
        ui.label(theme::muted(
            "Open the ticket (click it in the queue) to work it.",
        ));
    }

    ui.columns(2, |cols| {
        theme::card(&mut cols[0], |ui| {
            ui.label(theme::bold("Diagnostics"));
            step_buttons(ui, t, StepKind::Check, busy, sent);
            ui.add_space(4.0);
            ui.label(theme::bold("Ask the client"));
            step_buttons(ui, t, StepKind::AskClient, busy, sent);
        });
        theme::card(&mut cols[1], |ui| {
            ui.label(theme::bold("Knowledge base (K)"));
            ui.horizontal(|ui| {
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut ui_state.kb_query)
                        .hint_text("search articles…")
                        .desired_width(ui.available_width() - 70.0),
                );
                if ui_state.focus_kb {
                    edit.request_focus();
                    ui_state.focus_kb = false;
                }
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let search = ui
                    .add_enabled(
                        !busy && !ui_state.kb_query.trim().is_empty(),
                        egui::Button::new("Search"),
                    )
                    .clicked();
                if (search || enter) && !busy && !ui_state.kb_query.trim().is_empty() {
                    sent.push(Action::SearchKb {
                        ticket: number,
                        query: ui_state.kb_query.trim().to_string(),
                    });
                }
            });
            if let Some((at, query, hits)) = t.kb_searches.last() {
                ui.label(theme::muted(format!(
                    "m{at}: \"{query}\" — {} result(s)",
                    hits.len()
                )));
                for id in hits.iter().take(5) {
                    let title = session
                        .pack()
                        .kb
                        .get(id)
                        .map_or(id.as_str(), |a| a.title.as_str());
                    ui.horizontal(|ui| {
                        let read = t.kb_opened.iter().any(|(a, _)| a == id);
                        if ui
                            .add_enabled(
                                !busy || read,
                                egui::Button::new(if read { "Read" } else { "Open" }),
                            )
                            .clicked()
                        {
                            if !read {
                                sent.push(Action::OpenArticle {
                                    ticket: number,
                                    article: id.clone(),
                                });
                            }
                            ui_state.reading = Some(id.clone());
                        }
                        ui.label(title);
                    });
                }
            }
        });
    });
    ui.add_space(4.0);
    theme::card(ui, |ui| {
        ui.label(theme::bold("Fixes"));
        if s.fixes.is_empty() {
            ui.label(theme::muted("No fix is known for this ticket at L1."));
        }
        for fix in &s.fixes {
            ui.horizontal_wrapped(|ui| {
                let applied = t.fixes_applied.iter().any(|(f, _)| f == &fix.id);
                let label = format!("{} ({} min)", fix.label, fix.minutes);
                if ui
                    .add_enabled(!busy && !applied, egui::Button::new(label))
                    .clicked()
                {
                    sent.push(Action::ApplyFix {
                        ticket: number,
                        fix: fix.id.clone(),
                    });
                }
                for r in &fix.requires {
                    theme::chip(
                        ui,
                        match r {
                            Requirement::Admin => "needs admin rights",
                            Requirement::PolicyChange => "needs a policy change",
                        },
                        palette::HALF,
                    );
                }
                if applied {
                    ui.label(theme::muted("applied"));
                }
            });
        }
    });
    ui.add_space(4.0);
    theme::card(ui, |ui| {
        ui.label(theme::bold("Decide"));
        ui.horizontal_wrapped(|ui| {
            let decide = |ui: &mut egui::Ui, text: &str, colour: egui::Color32| {
                ui.add_enabled(!busy, egui::Button::new(theme::bold(text).color(colour)))
                    .clicked()
            };
            if decide(ui, "✔ Resolve at L1 (R)", palette::GOOD) {
                sent.push(Action::Resolve { ticket: number });
            }
            if decide(ui, "⬆ Escalate to L2… (E)", palette::ACCENT) {
                ui_state.note = Some(NoteForm::new(number, false));
            }
            if decide(ui, "⚠ Security incident… (X)", palette::BAD) {
                ui_state.note = Some(NoteForm::new(number, true));
            }
        });
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(!busy, egui::Button::new("Notify senior (N)"))
                .clicked()
            {
                sent.push(Action::NotifySenior { ticket: number });
            }
            if ui
                .add_enabled(!busy, egui::Button::new("Start parallel escalation"))
                .clicked()
            {
                sent.push(Action::StartParallelEscalation { ticket: number });
            }
            if ui
                .add_enabled(!busy, egui::Button::new("Hold (H)"))
                .clicked()
            {
                sent.push(Action::Hold { ticket: number });
            }
            if t.senior_notified_at.is_some() {
                ui.label(theme::muted("senior notified"));
            }
            if t.parallel_escalation_at.is_some() {
                ui.label(theme::muted("L2 standing by"));
            }
        });
        ui.horizontal(|ui| {
            ui.label("Impact estimate:");
            for p in [
                Priority::P1,
                Priority::P2,
                Priority::P3,
                Priority::P4,
                Priority::P5,
            ] {
                ui.selectable_value(&mut ui_state.estimate, Some(p), format!("{p:?}"));
            }
            if ui
                .add_enabled(
                    !busy && ui_state.estimate.is_some(),
                    egui::Button::new("Record"),
                )
                .clicked()
                && let Some(priority) = ui_state.estimate
            {
                sent.push(Action::EstimateImpact {
                    ticket: number,
                    priority,
                });
            }
            if let Some((p, at)) = t.impact_estimate {
                ui.label(theme::muted(format!("recorded {p:?} at m{at}")));
            }
        });
        ui.horizontal(|ui| {
            let edit = ui.add(
                egui::TextEdit::singleline(&mut ui_state.update_text)
                    .hint_text("update the client: what you are doing, when they hear next (U)")
                    .desired_width(ui.available_width() - 70.0)
                    .id(egui::Id::new("client-update")),
            );
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let send = ui
                .add_enabled(
                    !busy && !ui_state.update_text.trim().is_empty(),
                    egui::Button::new("Send"),
                )
                .clicked();
            if (send || enter) && !busy && !ui_state.update_text.trim().is_empty() {
                sent.push(Action::UpdateClient {
                    ticket: number,
                    message: std::mem::take(&mut ui_state.update_text).trim().to_string(),
                });
            }
            if !t.client_updates.is_empty() {
                ui.label(theme::muted(format!("{} sent", t.client_updates.len())));
            }
        });
    });
}

fn step_buttons(ui: &mut egui::Ui, t: &Ticket, kind: StepKind, busy: bool, sent: &mut Vec<Action>) {
    let steps: Vec<_> = t.scenario.steps.iter().filter(|s| s.kind == kind).collect();
    if steps.is_empty() {
        ui.label(theme::muted("—"));
    }
    for step in steps {
        let done = t.steps_run.contains(&step.id);
        let label = if done {
            format!("✓ {}", step.label)
        } else {
            format!("{} ({} min)", step.label, step.minutes)
        };
        if ui
            .add_enabled(!busy && !done, egui::Button::new(label).wrap())
            .clicked()
        {
            sent.push(match kind {
                StepKind::AskClient => Action::AskClient {
                    ticket: t.number,
                    step: step.id.clone(),
                },
                _ => Action::RunStep {
                    ticket: t.number,
                    step: step.id.clone(),
                },
            });
        }
    }
}

/// The onboarding checklist: the framework's questions, answered from what is known
/// now (the engine's verdict — the UI decides nothing).
fn framework_checklist(ui: &mut egui::Ui, session: &Session, number: u32, note: Option<&NoteForm>) {
    let Some(t) = session.ticket(number) else {
        return;
    };
    let Some(verdict) = t.verdict(session.now, session.policy()) else {
        return;
    };
    ui.add_space(4.0);
    ui.heading("Framework checklist");
    let tick = |ok: bool| {
        if ok {
            ("✔", palette::GOOD)
        } else {
            ("✘", palette::BAD)
        }
    };
    let lacks = |lack: dojo_core::engine::Lack| verdict.l1_lacks.iter().any(|l| l.lack == lack);
    egui::ScrollArea::vertical().show(ui, |ui| {
        let rows: [(&str, bool, String); 3] = [
            (
                "Tools?",
                !lacks(dojo_core::engine::Lack::Tooling),
                if t.facts.tools {
                    "L1 has the tools".into()
                } else {
                    "L1 lacks the tools".into()
                },
            ),
            (
                "Access?",
                !lacks(dojo_core::engine::Lack::Access),
                if t.facts.access {
                    "L1 has the access".into()
                } else {
                    "needs rights L1 does not have".into()
                },
            ),
            (
                "Runbook?",
                t.facts.runbook.is_some(),
                match &t.facts.runbook {
                    Some(id) => format!(
                        "yes: {}",
                        session
                            .pack()
                            .kb
                            .get(id)
                            .map_or(id.as_str(), |a| a.title.as_str())
                    ),
                    None => "no documented procedure".into(),
                },
            ),
        ];
        for (question, ok, answer) in rows {
            let (mark, colour) = tick(ok);
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(colour, mark);
                ui.label(theme::bold(question));
                ui.label(answer);
            });
        }
        ui.horizontal_wrapped(|ui| match &verdict.window {
            Some(w) => {
                ui.colored_label(theme::window_colour(w.state), "◷");
                ui.label(theme::bold("Window left?"));
                ui.label(format!(
                    "{} of {} min used, {} left",
                    w.elapsed_minutes, w.limit_minutes, w.remaining_minutes
                ));
            }
            None => {
                ui.colored_label(palette::BAD, "⚠");
                ui.label(theme::bold("Window left?"));
                ui.label("none — security: escalate immediately");
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(palette::INFO, "◆");
            ui.label(theme::bold("Impact?"));
            ui.label(format!(
                "{:?} (impact {:?}, urgency {:?})",
                verdict.impact.priority, verdict.impact.impact, verdict.impact.urgency
            ));
        });
        if !verdict.handling.is_empty() {
            ui.label(theme::muted("Handling this impact demands:"));
            for h in &verdict.handling {
                ui.label(format!("• {}", h.reason));
            }
        }
        if !verdict.minimum_checks.is_empty() {
            ui.add_space(4.0);
            ui.label(theme::bold("Minimum checks before escalating"));
            for check in &verdict.minimum_checks {
                let done = t.steps_run.contains(check);
                let label = t
                    .scenario
                    .steps
                    .iter()
                    .find(|s| &s.id == check)
                    .map_or(check.as_str(), |s| s.label.as_str());
                let (mark, colour) = tick(done);
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(colour, mark);
                    ui.label(label);
                });
            }
        }
        ui.add_space(6.0);
        egui::CollapsingHeader::new("The framework's call now (hint)")
            .default_open(false)
            .show(ui, |ui| {
                ui.label(theme::bold(dojo_core::sim::record::short_owner(
                    verdict.owner,
                )));
                ui.label(theme::muted(&verdict.owner_reason));
            });
        if let Some(form) = note {
            ui.add_space(6.0);
            note_form::live_checklist(ui, session, form);
        }
    });
}

fn article_window(ctx: &egui::Context, session: &Session, id: &str, reading: &mut Option<String>) {
    let Some(article) = session.pack().kb.get(id) else {
        *reading = None;
        return;
    };
    let mut open = true;
    egui::Window::new(format!("KB · {}", article.title))
        .id(egui::Id::new("kb-article"))
        .open(&mut open)
        .default_width(520.0)
        .default_height(420.0)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.label(&article.body);
                if !article.procedure.is_empty() {
                    ui.add_space(6.0);
                    ui.label(theme::bold("Procedure"));
                    for (i, step) in article.procedure.iter().enumerate() {
                        ui.label(format!("{}. {step}", i + 1));
                    }
                }
                if !article.escalate_when.is_empty() {
                    ui.add_space(6.0);
                    ui.label(theme::bold("Escalate when").color(palette::ACCENT));
                    for line in &article.escalate_when {
                        ui.label(format!("• {line}"));
                    }
                }
            });
        });
    if !open {
        *reading = None;
    }
}

fn confirm_end_window(
    ctx: &egui::Context,
    session: &Session,
    confirm: &mut bool,
    end: &mut MessageWriter<EndShift>,
) {
    egui::Window::new("End the shift now?")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            let open = session.tickets.iter().filter(|t| t.status.open_at_l1()).count();
            let pending = session
                .tickets
                .iter()
                .filter(|t| t.status == Status::Pending)
                .count();
            ui.label(format!(
                "{open} ticket(s) still open at L1 and {pending} not yet arrived. The rest of the shift plays out without you: open tickets run past their windows."
            ));
            ui.horizontal(|ui| {
                if ui.button(theme::bold("End shift (Enter)")).clicked()
                    || ui.input(|i| i.key_pressed(egui::Key::Enter))
                {
                    end.write(EndShift);
                    *confirm = false;
                }
                if ui.button("Keep working (Esc)").clicked()
                    || ui.input(|i| i.key_pressed(egui::Key::Escape))
                {
                    *confirm = false;
                }
            });
        });
}

const KEYS: [(&str, &str); 16] = [
    ("1 … 9", "open ticket #1 … #9"),
    ("S", "run the next diagnostic step"),
    ("A", "ask the client the next question"),
    ("K", "search the knowledge base"),
    ("R", "resolve at L1"),
    ("E", "escalate to L2 (note form)"),
    ("X", "security incident (note form)"),
    ("N", "notify a senior"),
    ("H", "hold the ticket"),
    ("U", "write a client update"),
    ("Space", "pause / resume (where allowed)"),
    ("Ctrl+Enter", "send the escalation note"),
    ("Esc", "close a form or article"),
    ("End", "end the shift (asks first)"),
    ("F12", "save a screenshot"),
    ("Ctrl+Q", "quit"),
];

fn keys_window(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Keyboard shortcuts")
        .open(open)
        .collapsible(false)
        .show(ctx, |ui| {
            egui::Grid::new("keys").num_columns(2).show(ui, |ui| {
                for (key, what) in KEYS {
                    ui.label(theme::bold(key).monospace());
                    ui.label(what);
                    ui.end_row();
                }
            });
        });
}

/// Shortcuts act only when no text field has the keyboard.
fn keyboard_shortcuts(
    ctx: &egui::Context,
    session: &Session,
    ui_state: &mut ShiftUi,
    sent: &mut Vec<Action>,
) {
    if ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
        if ui_state.note.is_some() {
            ui_state.note = None;
        } else {
            ui_state.reading = None;
            ui_state.show_keys = false;
        }
    }
    if ctx.egui_wants_keyboard_input() || ui_state.note.is_some() || ui_state.confirm_end {
        return;
    }
    let pressed = |key: egui::Key| ctx.input(|i| i.key_pressed(key) && i.modifiers.is_none());
    const DIGITS: [egui::Key; 9] = [
        egui::Key::Num1,
        egui::Key::Num2,
        egui::Key::Num3,
        egui::Key::Num4,
        egui::Key::Num5,
        egui::Key::Num6,
        egui::Key::Num7,
        egui::Key::Num8,
        egui::Key::Num9,
    ];
    for (i, key) in DIGITS.iter().enumerate() {
        if pressed(*key) {
            sent.push(Action::Open {
                ticket: i as u32 + 1,
            });
        }
    }
    if pressed(egui::Key::Space) && session.shift.rules.pause_allowed {
        sent.push(if session.paused {
            Action::Resume
        } else {
            Action::Pause
        });
    }
    if pressed(egui::Key::End) {
        ui_state.confirm_end = true;
    }
    if ctx.input(|i| i.key_pressed(egui::Key::Questionmark)) {
        ui_state.show_keys = !ui_state.show_keys;
    }
    let Some(t) = session.current.and_then(|n| session.ticket(n)) else {
        return;
    };
    let number = t.number;
    let next_step = |kind: StepKind| {
        t.scenario
            .steps
            .iter()
            .find(|s| s.kind == kind && !t.steps_run.contains(&s.id))
    };
    if pressed(egui::Key::S)
        && let Some(step) = next_step(StepKind::Check)
    {
        sent.push(Action::RunStep {
            ticket: number,
            step: step.id.clone(),
        });
    }
    if pressed(egui::Key::A)
        && let Some(step) = next_step(StepKind::AskClient)
    {
        sent.push(Action::AskClient {
            ticket: number,
            step: step.id.clone(),
        });
    }
    if pressed(egui::Key::K) {
        ui_state.focus_kb = true;
    }
    if pressed(egui::Key::R) {
        sent.push(Action::Resolve { ticket: number });
    }
    if pressed(egui::Key::E) {
        ui_state.note = Some(NoteForm::new(number, false));
    }
    if pressed(egui::Key::X) {
        ui_state.note = Some(NoteForm::new(number, true));
    }
    if pressed(egui::Key::N) {
        sent.push(Action::NotifySenior { ticket: number });
    }
    if pressed(egui::Key::H) {
        sent.push(Action::Hold { ticket: number });
    }
    if pressed(egui::Key::U) {
        ctx.memory_mut(|m| m.request_focus(egui::Id::new("client-update")));
    }
}

fn activity_log(root: &mut egui::Ui, session: &Session) {
    egui::Panel::bottom("activity")
        .resizable(true)
        .default_size(110.0)
        .show(root, |ui| {
            ui.label(theme::bold("Activity"));
            egui::ScrollArea::vertical()
                .stick_to_bottom(true)
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    let start = session.log.len().saturating_sub(60);
                    for entry in &session.log[start..] {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(theme::muted(format!("m{:>3}", entry.at)).monospace());
                            match &entry.outcome {
                                Outcome::Done { busy_until } => {
                                    ui.label(entry.action.label());
                                    if *busy_until > entry.at {
                                        ui.label(theme::muted(format!(
                                            "({} min)",
                                            busy_until - entry.at
                                        )));
                                    }
                                }
                                Outcome::Refused(reason) => {
                                    ui.colored_label(
                                        palette::BAD,
                                        format!("✘ {} — refused: {reason}", entry.action.label()),
                                    );
                                }
                            }
                        });
                    }
                });
        });
}
