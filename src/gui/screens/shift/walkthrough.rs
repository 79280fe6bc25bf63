//! The first-run walkthrough (#13, point 9): onboarding's first module opens with a short
//! guided look at its first ticket — what each timer means, where the KB is, how a
//! decision is made and what it costs — before the trainee touches anything. It is shown
//! the first time a trainee starts the module (no finished session in their history), is
//! skippable (Esc), and holds the clock while it is open: nothing is logged and no sim
//! time passes, so the session replays the same without it. Every number it quotes comes
//! from the policy and the ticket itself.

use bevy_egui::egui;
use dojo_core::policy::Policy;
use dojo_core::sim::session::{Session, Ticket};

use super::tips;
use crate::gui::widgets::theme::{self, palette};
use crate::gui::widgets::ui_map;

/// Where the walkthrough is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Walkthrough {
    /// The page shown, from 0.
    pub page: usize,
}

/// One page: its title, its text, and where on screen it points.
struct Page {
    title: &'static str,
    text: String,
    anchor: egui::Align2,
}

fn pages(session: &Session, policy: &Policy) -> Vec<Page> {
    let first: Option<&Ticket> = session.tickets.first();
    let title = first.map_or("the first ticket", |t| t.scenario.title.as_str());
    let window = first
        .and_then(|t| t.window_limit(policy))
        .map_or_else(String::new, |m| format!(" This one's is {m} minutes."));
    let steps = first.map_or(0, |t| t.scenario.steps.len());
    vec![
        Page {
            title: "Your queue",
            text: format!(
                "Tickets arrive in the queue on the left. The first is waiting: “{title}”. \
                 Open it by clicking it or pressing its number (1). The clock is stopped \
                 while this walkthrough is open."
            ),
            anchor: egui::Align2::LEFT_TOP,
        },
        Page {
            title: "Two timers on every ticket",
            text: format!(
                "The SLA bar is the client's contract: it runs from arrival, whoever holds \
                 the ticket. The L1 window bar is the most L1 may own a ticket of its type, \
                 however the work is going.{window} Both bars fill as time is used: the \
                 fuller, the more urgent. Hover a bar for its rule."
            ),
            anchor: egui::Align2::LEFT_TOP,
        },
        Page {
            title: "Work the ticket",
            text: format!(
                "Diagnostics and questions to the client cost the minutes on their \
                 buttons ({steps} on this ticket); while they run, the clock runs four times \
                 faster. What they show lands in “Findings so far”. The knowledge base (K) \
                 costs {} a search and {} an article: an article that covers the ticket is \
                 the documented procedure that makes it L1's work.",
                mins(policy.action_minutes.search_kb),
                mins(policy.action_minutes.open_article)
            ),
            anchor: egui::Align2::CENTER_TOP,
        },
        Page {
            title: "Decide, and what it costs",
            text: format!(
                "{}\n\n{}\n\n{}\n\nEach decision asks you to confirm, naming the ticket \
                 (Enter confirms, Esc cancels).",
                tips::resolve(policy),
                tips::escalate(policy),
                tips::security(policy)
            ),
            anchor: egui::Align2::CENTER_BOTTOM,
        },
        Page {
            title: "The clock is fair",
            text: format!(
                "Reading new text and choosing your next step are given time ({} words a \
                 minute, {} s a decision); typing a note holds the clock while you type. \
                 Beyond that, waiting costs: every clock in the queue runs. When nothing is \
                 yours to do, the clock runs faster until the next ticket. Hover any button \
                 or timer for its cost and rule; press ? for the keys.",
                policy.clock.reading_wpm, policy.clock.decide_seconds
            ),
            anchor: egui::Align2::RIGHT_TOP,
        },
    ]
}

fn mins(n: u32) -> String {
    if n == 1 {
        "1 minute".into()
    } else {
        format!("{n} minutes")
    }
}

/// Draws the walkthrough; returns false once it is finished or skipped.
pub(super) fn show(ctx: &egui::Context, session: &Session, tour: &mut Walkthrough) -> bool {
    let pages = pages(session, session.policy());
    let Some(page) = pages.get(tour.page) else {
        return false;
    };
    let last = tour.page + 1 == pages.len();
    let mut next = ctx.input(|i| i.key_pressed(egui::Key::Enter));
    let mut back = false;
    let mut skip = ctx.input(|i| i.key_pressed(egui::Key::Escape));
    let offset = match page.anchor {
        egui::Align2::LEFT_TOP => egui::vec2(320.0, 60.0),
        egui::Align2::RIGHT_TOP => egui::vec2(-20.0, 60.0),
        egui::Align2::CENTER_BOTTOM => egui::vec2(0.0, -60.0),
        _ => egui::vec2(0.0, 60.0),
    };
    egui::Window::new(format!("Walkthrough {} of {}", tour.page + 1, pages.len()))
        .id(egui::Id::new("walkthrough"))
        .collapsible(false)
        .resizable(false)
        .default_width(460.0)
        .anchor(page.anchor, offset)
        .show(ctx, |ui| {
            ui.set_max_width(460.0);
            ui.label(theme::bold(page.title).size(17.0));
            ui.add_space(4.0);
            ui.label(&page.text);
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                let label = if last {
                    "Start the shift (Enter)"
                } else {
                    "Next (Enter)"
                };
                let n = ui.button(theme::bold(label).color(palette::ACCENT));
                ui_map::mark(ui, "walkthrough-next", &n);
                next |= n.clicked();
                if tour.page > 0 {
                    back = ui.button("Back").clicked();
                }
                let s = ui.button("Skip the walkthrough (Esc)");
                ui_map::mark(ui, "walkthrough-skip", &s);
                skip |= s.clicked();
            });
            ui.label(theme::muted("The clock is stopped while this is open."));
        });
    if skip {
        return false;
    }
    if back {
        tour.page = tour.page.saturating_sub(1);
    } else if next {
        tour.page += 1;
    }
    tour.page < pages.len()
}
