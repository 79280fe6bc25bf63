//! The open ticket: what the client wrote, the facts, the findings, and the work —
//! diagnostics, the KB, fixes and the decision.

use super::TicketDraft;
use super::note_form;
use super::{ShiftUi, minutes_text, status_text};
use crate::gui::widgets::theme::{self, palette};
use crate::gui::widgets::ui_map;
use crate::keymap::Shortcut;
use bevy::prelude::*;
use bevy_egui::egui;
use dojo_core::note::NoteElement;
use dojo_core::policy::Priority;
use dojo_core::scenario::{Requirement, StepKind};
use dojo_core::sim::action::Action;
use dojo_core::sim::session::{Session, Status, Ticket};

pub(super) fn nothing_open(ui: &mut egui::Ui, session: &Session) {
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

pub(super) fn ticket_view(
    ui: &mut egui::Ui,
    session: &Session,
    t: &Ticket,
    ui_state: &mut ShiftUi,
    sent: &mut Vec<Action>,
) {
    let busy = session.now < session.busy_until || session.paused;
    header(ui, session, t);
    ui.add_space(4.0);
    client_text(ui, t);
    ui.add_space(4.0);
    facts(ui, session, t);
    ui.add_space(4.0);
    findings(ui, t, ui_state.drafts.of(t.number));
    ui.add_space(4.0);
    if !t.status.open_at_l1() {
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
            kb_card(ui, session, t, busy, ui_state, sent)
        });
    });
    ui.add_space(4.0);
    fixes(ui, t, busy, sent);
    ui.add_space(4.0);
    decide(ui, session.policy(), t, busy, ui_state, sent);
}

/// Title, status chips and who wrote it.
fn header(ui: &mut egui::Ui, session: &Session, t: &Ticket) {
    let s = &t.scenario;
    ui.label(theme::bold(format!("#{}  {}", t.number, s.title)).size(18.0));
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
}

/// What the client wrote, and the error text.
fn client_text(ui: &mut egui::Ui, t: &Ticket) {
    let s = &t.scenario;
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
}

/// The environment and the business impact.
fn facts(ui: &mut egui::Ui, session: &Session, t: &Ticket) {
    let s = &t.scenario;
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
}

/// Everything found so far, in time order: findings, events, fixes applied.
/// The height of the findings area: it scrolls inside, so what arrives never moves the
/// controls below it under the trainee's cursor.
const FINDINGS_HEIGHT: f32 = 132.0;

/// One line of the findings: minute, text, colour, and where it quotes into the note.
/// (minute, text, colour, what it quotes into the note, its name in the UI map).
type FindingLine = (
    u32,
    String,
    egui::Color32,
    Option<(NoteElement, String)>,
    String,
);

fn findings(ui: &mut egui::Ui, t: &Ticket, drafts: &mut TicketDraft) {
    let s = &t.scenario;
    let mut lines: Vec<FindingLine> = Vec::new();
    let quotable = note_form::quotable(t);
    for f in &t.findings {
        let quote = quotable.iter().find(|(_, q)| q.ends_with(&f.text)).cloned();
        lines.push((
            f.at,
            f.text.clone(),
            palette::TEXT,
            quote,
            format!("finding:{}", f.step),
        ));
    }
    for (id, at) in &t.events_fired {
        if let Some(e) = s.events.iter().find(|e| &e.id == id) {
            let quote = (NoteElement::CurrentState, e.message.clone());
            lines.push((
                *at,
                format!("⚑ {}", e.message),
                palette::INFO,
                Some(quote),
                format!("finding-event:{id}"),
            ));
        }
    }
    for (fix, at) in &t.fixes_applied {
        if let Some(f) = s.fixes.iter().find(|x| &x.id == fix) {
            // A fix that is not the cure is not shown as a success.
            let (mark, colour) = if f.resolves {
                ("✔ Applied", palette::GOOD)
            } else {
                ("◐ Applied (not the cure)", palette::HALF)
            };
            let quote = (
                NoteElement::StepsTaken,
                format!("{}: {}", f.label, f.outcome),
            );
            lines.push((
                *at,
                format!("{mark}: {} — {}", f.label, f.outcome),
                colour,
                Some(quote),
                format!("finding-fix:{fix}"),
            ));
        }
    }
    lines.sort_by_key(|l| l.0);
    theme::card(ui, |ui| {
        ui.label(theme::bold("Findings so far"));
        let viewport = egui::ScrollArea::vertical()
            .id_salt(("findings", t.number))
            .min_scrolled_height(FINDINGS_HEIGHT)
            .max_height(FINDINGS_HEIGHT)
            .auto_shrink([false, false])
            .stick_to_bottom(true)
            .show(ui, |ui| {
                if lines.is_empty() {
                    ui.label(theme::muted("Nothing yet: run a check or ask the client."));
                }
                for (at, text, colour, quote, name) in lines {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(theme::muted(format!("m{at:>3}")).monospace());
                        if let Some((element, q)) = quote {
                            let b = ui.small_button("❝").on_hover_text(format!(
                                "Quote into the note: “{}”",
                                element.label()
                            ));
                            ui_map::mark(ui, format!("quote-{name}"), &b);
                            if b.clicked() {
                                note_form::quote_into(&mut drafts.note, element, &q);
                            }
                        }
                        let label = ui.colored_label(colour, &text);
                        ui_map::mark_text(ui, name, &text, &label);
                    });
                }
            })
            .inner_rect;
        // The panel's viewport, unclipped: a test scrolls the ticket view until it is whole.
        ui_map::mark_rect(ui, "findings", viewport);
    });
}

/// The KB search box and its results.
fn kb_card(
    ui: &mut egui::Ui,
    session: &Session,
    t: &Ticket,
    busy: bool,
    ui_state: &mut ShiftUi,
    sent: &mut Vec<Action>,
) {
    let number = t.number;
    ui.label(theme::bold(format!(
        "Knowledge base{}",
        ui_state.keymap.hint(Shortcut::SearchKb)
    )));
    ui.horizontal(|ui| {
        let edit = ui.add(
            egui::TextEdit::singleline(&mut ui_state.drafts.of(number).kb_query)
                .hint_text("search articles…")
                .desired_width(ui.available_width() - 70.0),
        );
        ui_map::mark(ui, "kb-query", &edit);
        if ui_state.focus_kb {
            edit.request_focus();
            ui_state.focus_kb = false;
        }
        let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        edit.on_hover_text(super::tips::kb_search(session.policy()));
        let search = ui
            .add_enabled(
                !busy && !ui_state.drafts.of(number).kb_query.trim().is_empty(),
                egui::Button::new("Search"),
            )
            .on_hover_text(super::tips::kb_search(session.policy()))
            .on_disabled_hover_text(super::tips::kb_search(session.policy()))
            .clicked();
        if (search || enter) && !busy && !ui_state.drafts.of(number).kb_query.trim().is_empty() {
            sent.push(Action::SearchKb {
                ticket: number,
                query: ui_state.drafts.of(number).kb_query.trim().to_string(),
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
                let open = ui
                    .add_enabled(
                        !busy || read,
                        egui::Button::new(if read { "Read" } else { "Open" }),
                    )
                    .on_hover_text(super::tips::kb_article(session.policy()));
                ui_map::mark(ui, format!("article:{id}"), &open);
                if open.clicked() {
                    if !read {
                        sent.push(Action::OpenArticle {
                            ticket: number,
                            article: id.clone(),
                        });
                    }
                    ui_state.drafts.of(number).reading = Some(id.clone());
                }
                ui.label(title);
            });
        }
    }
}

/// The fixes L1 knows, with what they need.
fn fixes(ui: &mut egui::Ui, t: &Ticket, busy: bool, sent: &mut Vec<Action>) {
    let s = &t.scenario;
    let number = t.number;
    theme::card(ui, |ui| {
        ui.label(theme::bold("Fixes"));
        if s.fixes.is_empty() {
            ui.label(theme::muted("No fix is known for this ticket at L1."));
        }
        for fix in &s.fixes {
            ui.horizontal_wrapped(|ui| {
                let applied = t.fixes_applied.iter().any(|(f, _)| f == &fix.id);
                let label = format!("{} ({} min)", fix.label, fix.minutes);
                let tip = super::tips::fix(fix.minutes, !fix.requires.is_empty());
                let button = ui
                    .add_enabled(!busy && !applied, egui::Button::new(label))
                    .on_hover_text(&tip)
                    .on_disabled_hover_text(&tip);
                ui_map::mark(ui, format!("fix:{}", fix.id), &button);
                if button.clicked() {
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
}

/// The decision and the follow-ups: resolve, escalate, security; senior, parallel
/// escalation, hold; the impact estimate; the client update.
fn decide(
    ui: &mut egui::Ui,
    policy: &dojo_core::policy::Policy,
    t: &Ticket,
    busy: bool,
    ui_state: &mut ShiftUi,
    sent: &mut Vec<Action>,
) {
    let number = t.number;
    theme::card(ui, |ui| {
        ui.label(theme::bold("Decide"));
        ui.horizontal_wrapped(|ui| {
            let decide = |ui: &mut egui::Ui, text: &str, colour: egui::Color32, tip: String| {
                let b = ui
                    .add_enabled(!busy, egui::Button::new(theme::bold(text).color(colour)))
                    .on_hover_text(&tip)
                    .on_disabled_hover_text(&tip);
                let name = text
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or(text)
                    .to_lowercase();
                ui_map::mark(ui, format!("decide:{name}"), &b);
                b.clicked()
            };
            if decide(
                ui,
                &format!(
                    "✔ Resolve at L1…{}",
                    ui_state.keymap.hint(Shortcut::Resolve)
                ),
                palette::GOOD,
                super::tips::resolve(policy),
            ) {
                ui_state.ask_resolve(number, ui.input(|i| i.time));
            }
            if decide(
                ui,
                &format!(
                    "⬆ Escalate to L2…{}",
                    ui_state.keymap.hint(Shortcut::Escalate)
                ),
                palette::ACCENT,
                super::tips::escalate(policy),
            ) {
                ui_state.open_note(number, false);
            }
            if decide(
                ui,
                &format!(
                    "⚠ Security incident…{}",
                    ui_state.keymap.hint(Shortcut::Security)
                ),
                palette::BAD,
                super::tips::security(policy),
            ) {
                ui_state.open_note(number, true);
            }
        });
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(
                    !busy,
                    egui::Button::new(format!(
                        "Notify senior{}",
                        ui_state.keymap.hint(Shortcut::NotifySenior)
                    )),
                )
                .on_hover_text(super::tips::senior(policy))
                .clicked()
            {
                sent.push(Action::NotifySenior { ticket: number });
            }
            if ui
                .add_enabled(!busy, egui::Button::new("Start parallel escalation"))
                .on_hover_text(super::tips::parallel(policy))
                .clicked()
            {
                sent.push(Action::StartParallelEscalation { ticket: number });
            }
            if ui
                .add_enabled(
                    !busy,
                    egui::Button::new(format!("Hold{}", ui_state.keymap.hint(Shortcut::Hold))),
                )
                .on_hover_text(super::tips::hold())
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
            ui.label("Impact estimate:")
                .on_hover_text(super::tips::impact());
            for p in [
                Priority::P1,
                Priority::P2,
                Priority::P3,
                Priority::P4,
                Priority::P5,
            ] {
                let r = ui.selectable_value(
                    &mut ui_state.drafts.of(number).estimate,
                    Some(p),
                    format!("{p:?}"),
                );
                ui_map::mark(ui, format!("impact:{p:?}"), &r);
            }
            let record = ui
                .add_enabled(
                    !busy && ui_state.drafts.of(number).estimate.is_some(),
                    egui::Button::new("Record"),
                )
                .on_hover_text(super::tips::impact());
            ui_map::mark(ui, "impact-record", &record);
            if record.clicked()
                && let Some(priority) = ui_state.drafts.of(number).estimate
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
                egui::TextEdit::singleline(&mut ui_state.drafts.of(number).client_update)
                    .hint_text(format!(
                        "update the client: what you are doing, when they hear next{}",
                        ui_state.keymap.hint(Shortcut::ClientUpdate)
                    ))
                    .desired_width(ui.available_width() - 70.0)
                    .id(egui::Id::new("client-update")),
            );
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let send = ui
                .add_enabled(
                    !busy && !ui_state.drafts.of(number).client_update.trim().is_empty(),
                    egui::Button::new("Send"),
                )
                .on_hover_text(super::tips::client_update(policy))
                .clicked();
            if (send || enter)
                && !busy
                && !ui_state.drafts.of(number).client_update.trim().is_empty()
            {
                sent.push(Action::UpdateClient {
                    ticket: number,
                    message: std::mem::take(&mut ui_state.drafts.of(number).client_update)
                        .trim()
                        .to_string(),
                });
            }
            if !t.client_updates.is_empty() {
                ui.label(theme::muted(format!("{} sent", t.client_updates.len())));
            }
        });
    });
}

pub(super) fn step_buttons(
    ui: &mut egui::Ui,
    t: &Ticket,
    kind: StepKind,
    busy: bool,
    sent: &mut Vec<Action>,
) {
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
        let tip = super::tips::step(step.minutes, kind == StepKind::AskClient);
        let button = ui
            .add_enabled(!busy && !done, egui::Button::new(label).wrap())
            .on_hover_text(&tip)
            .on_disabled_hover_text(&tip);
        ui_map::mark(ui, format!("step:{}", step.id), &button);
        if button.clicked() {
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
