//! The debrief: the session score, metrics against their targets (and the ideal run's),
//! a timeline of every ticket against its window, bars for the metrics, and a card per
//! ticket with its grade, reasons, coaching and model note. Everything shown comes
//! from the grading core ([`SessionGrade`](dojo_core::grading::SessionGrade)).

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use egui_plot::{Bar, BarChart, Line, MarkerShape, Plot, PlotPoint, Points, Text};

use crate::gui::play::session_seed;
use crate::gui::screens::shift::minutes_text;
use crate::gui::state::{LastSession, StartShift};
use crate::gui::state::{Screen, TrainerOptions};
use crate::gui::widgets::theme::{self, palette};
use dojo_core::grading::{Standing, TicketGrade};
use dojo_core::scenario::Owner;
use dojo_core::sim::record::short_owner;

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        debrief_screen
            .in_set(crate::gui::state::UiSet::Screen)
            .run_if(in_state(Screen::Debrief))
            .run_if(resource_exists::<LastSession>),
    );
}

fn score_colour(score: u32) -> egui::Color32 {
    match score {
        85.. => palette::GOOD,
        65..=84 => palette::HALF,
        _ => palette::BAD,
    }
}

fn debrief_screen(
    mut contexts: EguiContexts,
    last: Res<LastSession>,
    options: Res<TrainerOptions>,
    mut next: ResMut<NextState<Screen>>,
    mut start: MessageWriter<StartShift>,
    mut scroll: ResMut<crate::gui::autoplay::DebriefScroll>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let grade = &last.grade;
    let mut root = crate::gui::state::root_ui(ctx);
    egui::Panel::top("debrief-top").show(&mut root, |ui| {
        ui.horizontal(|ui| {
            ui.label(theme::bold("Escalation Dojo").color(palette::ACCENT));
            ui.separator();
            ui.label(theme::bold(format!(
                "Debrief · {}",
                last.session.shift.title
            )));
            if let Some(t) = &grade.trainee {
                ui.label(theme::muted(t));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if last.competition.is_some() && ui.button("Leaderboard").clicked() {
                    next.set(Screen::Leaderboard);
                }
                if ui.button("Back to modes (M)").clicked()
                    || ui.input(|i| i.key_pressed(egui::Key::M))
                {
                    next.set(Screen::Mode);
                }
                if ui.button("Play this shift again").clicked() {
                    start.write(StartShift {
                        shift: last.session.shift.clone(),
                        // A competition is played on its own seed, and handed in again.
                        seed: last
                            .competition
                            .as_ref()
                            .map_or_else(|| session_seed(&options), |e| e.competition.seed),
                        competition: last.competition.clone(),
                    });
                }
            });
        });
    });
    let mut area = egui::ScrollArea::vertical()
        .id_salt("debrief-scroll")
        .auto_shrink([false, false]);
    if let Some(offset) = scroll.0.take() {
        area = area.vertical_scroll_offset(offset);
    }
    egui::CentralPanel::default().show(&mut root, |ui| {
        area.show(ui, |ui| {
            first_screen(ui, &last);
            ui.add_space(8.0);
            egui::CollapsingHeader::new(theme::bold(
                "The shift, ticket by ticket, against its windows",
            ))
            .id_salt("debrief-timeline")
            .default_open(true)
            .show(ui, |ui| theme::card(ui, |ui| timeline(ui, &last)));
            egui::CollapsingHeader::new(theme::bold("Coaching"))
                .id_salt("debrief-coaching")
                .default_open(true)
                .show(ui, |ui| theme::card(ui, |ui| coaching(ui, &last)));
            egui::CollapsingHeader::new(theme::bold("Metrics against their targets"))
                .id_salt("debrief-metrics")
                .default_open(false)
                .show(ui, |ui| {
                    theme::card(ui, |ui| metrics_table(ui, &last));
                    ui.add_space(6.0);
                    theme::card(ui, |ui| metric_bars(ui, &last));
                });
            egui::CollapsingHeader::new(theme::bold("Ticket by ticket"))
                .id_salt("debrief-tickets")
                .default_open(true)
                .show(ui, |ui| {
                    for t in grade.tickets.iter().filter(|t| !t.not_reached) {
                        ticket_card(ui, &last, t);
                        ui.add_space(6.0);
                    }
                    let unreached: Vec<String> = grade
                        .tickets
                        .iter()
                        .filter(|t| t.not_reached)
                        .map(|t| format!("#{} {}", t.number, t.title))
                        .collect();
                    if !unreached.is_empty() {
                        ui.label(theme::muted(format!(
                            "Not reached (the shift ended first; not graded): {}",
                            unreached.join(" · ")
                        )));
                    }
                });
        });
    });
    Ok(())
}

/// The module a shift is, and its pass mark, if it is one.
fn module_of(last: &LastSession) -> Option<(String, u32)> {
    let shift = &last.session.shift.id;
    last.session
        .pack()
        .curricula
        .values()
        .flat_map(|c| c.modules.iter())
        .find(|m| &m.shift == shift)
        .map(|m| (m.title.clone(), m.pass_mark))
}

/// The debrief's first screen: passed or not, the score, and the three lessons that
/// matter most, each with its ticket and what to do next time.
fn first_screen(ui: &mut egui::Ui, last: &LastSession) {
    let grade = &last.grade;
    theme::card(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label(
                theme::bold(format!("{}", grade.score))
                    .size(48.0)
                    .color(score_colour(grade.score)),
            );
            ui.vertical(|ui| {
                match module_of(last) {
                    Some((title, mark)) if grade.score >= mark && !grade.critical => {
                        ui.label(
                            theme::bold(format!("Passed: {title}"))
                                .size(20.0)
                                .color(palette::GOOD),
                        );
                        ui.label(format!(
                            "{} / 100 against a pass mark of {mark}. The next module is open.",
                            grade.score
                        ));
                    }
                    Some((title, mark)) => {
                        ui.label(
                            theme::bold(format!("Not passed yet: {title}"))
                                .size(20.0)
                                .color(palette::BAD),
                        );
                        ui.label(if grade.critical {
                            format!(
                                "{} / 100, but a security incident stayed at L1, and that fails a module whatever the score (pass mark {mark}).",
                                grade.score
                            )
                        } else {
                            format!(
                                "{} / 100; the pass mark is {mark}. The lessons below are what stands between you and it.",
                                grade.score
                            )
                        });
                    }
                    None => {
                        ui.label(theme::bold("Session score / 100").size(20.0));
                        if grade.critical {
                            ui.colored_label(
                                palette::BAD,
                                "A security incident stayed at L1: an automatic fail on that ticket.",
                            );
                        }
                    }
                }
                let reached = grade.tickets.iter().filter(|t| !t.not_reached).count();
                let mut line = format!("{reached} ticket(s) graded");
                let unreached = grade.tickets.len() - reached;
                if unreached > 0 {
                    line.push_str(&format!(", {unreached} not reached"));
                }
                match (&last.saved_to, &last.save_error) {
                    (_, Some(e)) => {
                        ui.label(theme::muted(line));
                        ui.colored_label(palette::BAD, format!("Not saved: {e}"));
                    }
                    (Some(_), None) => {
                        ui.label(theme::muted(format!(
                            "{line} · saved to your history; it replays exactly"
                        )));
                    }
                    (None, None) => {
                        ui.label(theme::muted(line));
                    }
                }
            });
        });
        ui.add_space(6.0);
        let lessons = dojo_core::grading::lessons(grade, &last.session.policy().grading, 3);
        if lessons.is_empty() {
            ui.label(theme::bold(
                "Nothing to fix on this shift: every call, every window, every note held.",
            ));
            return;
        }
        ui.label(theme::bold("What matters most").size(17.0));
        for (i, lesson) in lessons.iter().enumerate() {
            ui.add_space(4.0);
            ui.horizontal_wrapped(|ui| {
                ui.label(theme::bold(format!("{}.", i + 1)).color(palette::ACCENT));
                ui.label(theme::bold(format!(
                    "#{} {} — {}",
                    lesson.ticket,
                    lesson.title,
                    lesson.component.label()
                )));
            });
            ui.label(&lesson.what_happened);
            ui.horizontal_wrapped(|ui| {
                ui.label(theme::bold("Next time:").color(palette::GOOD));
                ui.label(&lesson.next_time);
            });
            if !lesson.also_on.is_empty() {
                let others: Vec<String> = lesson.also_on.iter().map(|n| format!("#{n}")).collect();
                ui.label(theme::muted(format!("The same on {}.", others.join(", "))));
            }
        }
    });
}

fn metrics_table(ui: &mut egui::Ui, last: &LastSession) {
    ui.label(theme::bold("Metrics against their targets"));
    egui::Grid::new("metrics")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            ui.label(theme::muted("metric"));
            ui.label(theme::muted("you"));
            ui.label(theme::muted("target"));
            ui.label(theme::muted("ideal run"));
            ui.end_row();
            for m in &last.grade.metrics {
                ui.label(&m.label);
                let colour = match m.standing {
                    Standing::Meets => palette::GOOD,
                    Standing::Misses => palette::BAD,
                    Standing::Info => palette::TEXT,
                };
                ui.colored_label(colour, m.value_text());
                ui.label(theme::muted(&m.target));
                ui.label(theme::muted(m.ideal_text()));
                ui.end_row();
            }
        });
}

/// Bars: each rate metric, yours beside the ideal run's, labelled in the plot.
fn metric_bars(ui: &mut egui::Ui, last: &LastSession) {
    ui.label(theme::bold(
        "Rates: you (orange, red when off target) and the ideal run (blue)",
    ));
    let rates: Vec<_> = last
        .grade
        .metrics
        .iter()
        .filter(|m| m.unit == "rate" && m.value.is_some())
        .collect();
    let row = |i: usize| -(i as f64) * 1.4;
    let yours = BarChart::new(
        "you",
        rates
            .iter()
            .enumerate()
            .map(|(i, m)| {
                Bar::new(row(i) - 0.2, m.value.unwrap_or(0.0) * 100.0)
                    .width(0.36)
                    .name(&m.label)
                    .fill(match m.standing {
                        Standing::Misses => palette::BAD,
                        _ => palette::ACCENT,
                    })
            })
            .collect(),
    )
    .horizontal()
    .color(palette::ACCENT);
    let ideal = BarChart::new(
        "ideal run",
        rates
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                m.ideal.map(|v| {
                    Bar::new(row(i) - 0.6, v * 100.0)
                        .width(0.36)
                        .name(&m.label)
                        .fill(palette::INFO)
                })
            })
            .collect(),
    )
    .horizontal()
    .color(palette::INFO);
    let labels: Vec<Text> = rates
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Text::new(
                m.label.clone(),
                PlotPoint::new(0.5, row(i) + 0.35),
                egui::RichText::new(format!(
                    "{}: {} (target {})",
                    m.label,
                    m.value_text(),
                    m.target
                ))
                .small(),
            )
            .anchor(egui::Align2::LEFT_CENTER)
            .color(palette::TEXT)
        })
        .collect();
    Plot::new("metric-bars")
        .height(30.0 + 44.0 * rates.len() as f32)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .show_axes([true, false])
        .default_x_bounds(0.0, 100.0)
        .default_y_bounds(row(rates.len().saturating_sub(1)) - 1.0, 0.8)
        .x_axis_formatter(|mark, _| format!("{:.0}%", mark.value))
        .show(ui, |plot| {
            plot.bar_chart(yours);
            plot.bar_chart(ideal);
            for label in labels {
                plot.text(label);
            }
        });
}

/// Per ticket: the span it was in the queue, its L1 window, when it was first opened,
/// the decision and the close.
fn timeline(ui: &mut egui::Ui, last: &LastSession) {
    ui.label(theme::bold("Timeline"));
    ui.label(theme::muted(
        "Each row a ticket: grey while it waited, coloured band its L1 window, ◆ your decision (green resolve, orange escalate, red security), ● closed.",
    ));
    let session = &last.session;
    let policy = session.policy();
    // A shift ended early ends there: tickets that had not arrived are not drawn.
    let end = session.shift.length_minutes;
    let until = session.ended_early_at.unwrap_or(end);
    let rows: Vec<_> = session
        .tickets
        .iter()
        .filter(|t| t.arrives_at <= until && t.status != dojo_core::sim::session::Status::Pending)
        .collect();
    let titles: Vec<String> = rows.iter().map(|t| format!("#{}", t.number)).collect();
    Plot::new("timeline")
        .height(40.0 + 26.0 * rows.len() as f32)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .default_x_bounds(-2.0, f64::from(end) + 2.0)
        .default_y_bounds(-(rows.len() as f64) + 0.4, 0.6)
        .x_axis_label("shift minute")
        .y_axis_formatter(move |mark, _| {
            let i = -mark.value.round();
            if (mark.value + i).abs() < 1e-6 && i >= 0.0 {
                titles.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            for (i, t) in rows.iter().enumerate() {
                let y = -(i as f64);
                let arrived = f64::from(t.arrives_at);
                let decided = t.decisions.first().map(|d| d.at);
                let stop = f64::from(t.closed_at.or(decided).unwrap_or(end).min(end + 60));
                plot.line(
                    Line::new(
                        format!("#{} queue", t.number),
                        vec![[arrived, y], [stop, y]],
                    )
                    .color(palette::MUTED)
                    .width(2.0),
                );
                if let Some(limit) = t.window_limit(policy) {
                    let state_colour =
                        match t.decisions.first().and_then(|d| d.verdict.window.as_ref()) {
                            Some(w) => theme::window_colour(w.state),
                            None => palette::GOOD,
                        };
                    plot.line(
                        Line::new(
                            format!("#{} window", t.number),
                            vec![[arrived, y + 0.18], [arrived + f64::from(limit), y + 0.18]],
                        )
                        .color(state_colour.gamma_multiply(0.7))
                        .width(6.0),
                    );
                }
                if let Some(opened) = t.first_opened_at {
                    plot.points(
                        Points::new(
                            format!("#{} opened", t.number),
                            vec![[f64::from(opened), y]],
                        )
                        .shape(MarkerShape::Circle)
                        .radius(3.0)
                        .color(palette::TEXT),
                    );
                }
                if let Some(d) = t.decisions.first() {
                    let colour = match d.kind {
                        dojo_core::sim::session::DecisionKind::Resolved { .. } => palette::GOOD,
                        dojo_core::sim::session::DecisionKind::Escalated => palette::ACCENT,
                        dojo_core::sim::session::DecisionKind::EscalatedSecurity => palette::BAD,
                    };
                    plot.points(
                        Points::new(
                            format!("#{} decision", t.number),
                            vec![[f64::from(d.at), y]],
                        )
                        .shape(MarkerShape::Diamond)
                        .radius(7.0)
                        .filled(true)
                        .color(colour),
                    );
                }
                if let Some(closed) = t.closed_at.filter(|c| *c <= end + 60) {
                    plot.points(
                        Points::new(
                            format!("#{} closed", t.number),
                            vec![[f64::from(closed), y]],
                        )
                        .shape(MarkerShape::Circle)
                        .radius(5.0)
                        .filled(true)
                        .color(palette::GOOD),
                    );
                }
            }
        });
}

fn coaching(ui: &mut egui::Ui, last: &LastSession) {
    let c = &last.grade.coaching;
    ui.label(theme::bold("Coaching"));
    ui.columns(2, |cols| {
        cols[0].label(theme::bold("What went well").color(palette::GOOD));
        if c.strengths.is_empty() {
            cols[0].label(theme::muted("—"));
        }
        for s in &c.strengths {
            cols[0].label(format!("• {s}"));
        }
        cols[1].label(theme::bold("What to work on").color(palette::ACCENT));
        if c.weaknesses.is_empty() {
            cols[1].label(theme::muted("—"));
        }
        for w in &c.weaknesses {
            cols[1].label(format!("• {w}"));
        }
    });
    for f in &c.flags {
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            theme::chip(ui, f.flag.label(), palette::BAD);
            ui.label(&f.advice);
        });
        for e in &f.evidence {
            ui.label(theme::muted(format!("  evidence: {e}")));
        }
        if !f.drill_scenarios.is_empty() {
            ui.label(theme::muted(format!(
                "  drill: {}",
                f.drill_scenarios.join(", ")
            )));
        }
    }
}

fn ticket_card(ui: &mut egui::Ui, last: &LastSession, g: &TicketGrade) {
    theme::card(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.label(
                theme::bold(format!("{:>3}", g.score))
                    .size(20.0)
                    .color(if g.handed_over {
                        palette::MUTED
                    } else {
                        score_colour(g.score)
                    }),
            );
            ui.label(theme::bold(format!("#{} {}", g.number, g.title)));
            if g.critical {
                theme::chip(ui, "CRITICAL", palette::BAD);
            }
            if g.handed_over {
                theme::chip(ui, "handed over, not graded", palette::MUTED);
            }
        });
        let call = g
            .call
            .map_or("no decision".to_string(), |o| short_owner(o).to_string());
        let right = short_owner(g.right_call);
        let matches = g.call == Some(g.right_call)
            || (g.call == Some(Owner::EscalateToL2) && g.window_escalation);
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("Your call: {call}"));
            if let Some(at) = g.decided_at {
                ui.label(theme::muted(format!("at minute {at}")));
            }
            ui.label("·");
            ui.colored_label(
                if matches { palette::GOOD } else { palette::BAD },
                format!("the framework: {right}"),
            );
            ui.label(theme::muted(format!("· timing: {}", g.timing.label())));
        });
        ui.label(theme::muted(&g.verdict.owner_reason));
        ui.horizontal_wrapped(|ui| {
            for c in g.components.iter().filter(|c| c.applies) {
                ui.label(theme::muted(format!("{} {}", c.component.label(), c.score)));
            }
        });
        for s in &g.strengths {
            ui.colored_label(palette::GOOD, format!("✔ {s}"));
        }
        for d in &g.deductions {
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(palette::BAD, format!("−{}", d.points));
                ui.label(&d.what_you_did);
                if let Some(m) = d.minute {
                    ui.label(theme::muted(format!("(minute {m})")));
                }
            });
            ui.label(
                egui::RichText::new(format!("   rule: {}", d.rule))
                    .small()
                    .color(palette::MUTED),
            );
        }
        if let Some(review) = last
            .grade
            .coaching
            .reviews
            .iter()
            .find(|r| r.number == g.number)
        {
            egui::CollapsingHeader::new("Escalation review: the three questions")
                .id_salt(("review", g.number))
                .show(ui, |ui| {
                    ui.label(theme::bold("Should it have been escalated?"));
                    ui.label(&review.should_escalate);
                    ui.label(theme::bold("Was the timing right?"));
                    ui.label(&review.timing);
                    ui.label(theme::bold("What would L1 need to resolve it next time?"));
                    ui.label(&review.l1_needs);
                    if let Some(model) = &review.model_note {
                        ui.add_space(4.0);
                        ui.label(theme::bold("Model note").color(palette::INFO));
                        for (element, text) in model.fields() {
                            ui.label(theme::muted(element.label()));
                            ui.label(text);
                        }
                    }
                });
        }
        if let Some(note) = &g.note {
            egui::CollapsingHeader::new(format!(
                "Your note: {}/100 (L2 {} minutes {})",
                note.total,
                note.l2_minutes_saved.unsigned_abs(),
                if note.l2_minutes_saved >= 0 {
                    "saved"
                } else {
                    "lost"
                }
            ))
            .id_salt(("note", g.number))
            .show(ui, |ui| {
                for e in &note.elements {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(theme::bold(format!("{} {}", e.element.label(), e.score)));
                        for p in &e.problems {
                            ui.label(theme::muted(p));
                        }
                    });
                    if e.score < 100 && !e.suggestion.is_empty() {
                        ui.label(
                            egui::RichText::new(format!("   try: {}", e.suggestion))
                                .small()
                                .color(palette::INFO),
                        );
                    }
                }
                if !note.fabricated_steps.is_empty() {
                    ui.colored_label(
                        palette::BAD,
                        format!(
                            "Claimed but never run: {}",
                            note.fabricated_steps.join(", ")
                        ),
                    );
                }
            });
        }
        if let Some(t) = last.session.ticket(g.number)
            && let Some(closed) = t.closed_at
        {
            ui.label(theme::muted(format!(
                "Closed at minute {closed}, {} after it arrived.",
                minutes_text(i64::from(closed.saturating_sub(t.arrives_at)))
            )));
        }
    });
}
