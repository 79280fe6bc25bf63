//! The leaderboard: individuals ranked on the composite recomputed from their logs, teams
//! on their members' median, and the rejected results with their reasons; as text, CSV,
//! JSON or a self-contained HTML page.
//!
//! Ranking: composite (higher first); ties broken by total sim time (less first), then by
//! the notes part (higher first). Entries equal on all three share a rank (listed by
//! name). Teams: median composite (the mean of the two middle members for an even
//! count), so one star cannot carry a team and one weak player cannot sink it; ties by
//! median sim time, then median notes.

use std::cmp::Ordering;
use std::fmt::Write as _;

use serde::Serialize;

use crate::compete::verify::{Rejection, Verified};
use crate::compete::{Competition, Composite, Score};

/// Output format of `dojo compete leaderboard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaderboardFormat {
    /// Text for the terminal.
    Text,
    /// One CSV table (individuals, teams and rejected results, by `kind`).
    Csv,
    /// JSON for tools (the [`Leaderboard`] structure).
    Json,
    /// A self-contained HTML page (inline CSS, no scripts).
    Html,
}

impl LeaderboardFormat {
    /// Every format.
    pub const ALL: [LeaderboardFormat; 4] = [
        LeaderboardFormat::Text,
        LeaderboardFormat::Csv,
        LeaderboardFormat::Json,
        LeaderboardFormat::Html,
    ];

    /// The name the CLI's `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            LeaderboardFormat::Text => "text",
            LeaderboardFormat::Csv => "csv",
            LeaderboardFormat::Json => "json",
            LeaderboardFormat::Html => "html",
        }
    }
}

impl std::str::FromStr for LeaderboardFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<LeaderboardFormat, String> {
        LeaderboardFormat::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("no format `{s}`"))
    }
}

/// One participant's place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    /// 1-based; shared by entries equal on composite, sim time and notes.
    pub rank: usize,
    /// Who.
    pub participant: String,
    /// Their team, if any.
    pub team: Option<String>,
    /// The result file.
    pub file: String,
    /// The recomputed score.
    pub score: Score,
    /// The time extension they played with (a competition that allows them shows it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_multiplier: Option<f64>,
}

impl Standing {
    /// The participant as the board shows them: with their time extension, if any.
    pub fn shown_name(&self) -> String {
        match self.time_multiplier {
            Some(m) => format!("{} (time ×{m})", self.participant),
            None => self.participant.clone(),
        }
    }
}

/// One team's place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamStanding {
    /// 1-based; shared on equal medians.
    pub rank: usize,
    /// The team.
    pub team: String,
    /// Its ranked members, best first.
    pub members: Vec<String>,
    /// The median of the members' composites: what teams are ranked on.
    pub median_composite: f64,
    /// The median of the members' total sim minutes (first tie-break, less first).
    pub median_sim_minutes: f64,
    /// The median of the members' notes parts, if any member had notes due.
    pub median_notes: Option<f64>,
}

/// The whole leaderboard: the pure data the app's leaderboard screen draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leaderboard {
    /// The competition's name.
    pub competition: String,
    /// SHA-256 of the competition file.
    pub competition_hash: String,
    /// The shift played.
    pub shift: String,
    /// The seed.
    pub seed: u64,
    /// The composite's weights.
    pub scoring: Composite,
    /// Individuals, best first.
    pub individuals: Vec<Standing>,
    /// Teams, best first.
    pub teams: Vec<TeamStanding>,
    /// Results not ranked, with their reasons.
    pub rejected: Vec<Rejection>,
    /// Whether the competition allows trainees' time extensions.
    pub time_extensions_allowed: bool,
}

fn notes_key(n: Option<f64>) -> f64 {
    n.unwrap_or(-1.0)
}

/// Better first: composite, then less sim time, then better notes.
fn compare_scores(a: &Score, b: &Score) -> Ordering {
    b.composite
        .total_cmp(&a.composite)
        .then(a.sim_minutes.cmp(&b.sim_minutes))
        .then(notes_key(b.notes).total_cmp(&notes_key(a.notes)))
}

fn compare_teams(a: &TeamStanding, b: &TeamStanding) -> Ordering {
    b.median_composite
        .total_cmp(&a.median_composite)
        .then(a.median_sim_minutes.total_cmp(&b.median_sim_minutes))
        .then(notes_key(b.median_notes).total_cmp(&notes_key(a.median_notes)))
}

/// The median of some values (the mean of the two middle ones for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// Competition ranking ("1224"): one plus the number of entries strictly better.
fn ranks<T>(sorted: &[T], cmp: impl Fn(&T, &T) -> Ordering) -> Vec<usize> {
    let mut out = Vec::with_capacity(sorted.len());
    for (i, x) in sorted.iter().enumerate() {
        let rank = if i > 0 && cmp(&sorted[i - 1], x) == Ordering::Equal {
            out[i - 1]
        } else {
            i + 1
        };
        out.push(rank);
    }
    out
}

/// Ranks the accepted results of a verification; the rejected ones are listed apart.
pub fn leaderboard(competition: &Competition, verified: &[Verified]) -> Leaderboard {
    let mut individuals: Vec<Standing> = verified
        .iter()
        .filter_map(Verified::accepted)
        .map(|a| Standing {
            rank: 0,
            participant: a.participant.clone(),
            team: a.team.clone(),
            file: a.file.clone(),
            score: a.score.clone(),
            time_multiplier: a.time_multiplier,
        })
        .collect();
    individuals.sort_by(|a, b| {
        compare_scores(&a.score, &b.score).then_with(|| a.participant.cmp(&b.participant))
    });
    let r = ranks(&individuals, |a, b| compare_scores(&a.score, &b.score));
    for (s, rank) in individuals.iter_mut().zip(r) {
        s.rank = rank;
    }

    let mut names: Vec<&str> = individuals
        .iter()
        .filter_map(|s| s.team.as_deref())
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut teams: Vec<TeamStanding> = names
        .into_iter()
        .map(|team| {
            let members: Vec<&Standing> = individuals
                .iter()
                .filter(|s| s.team.as_deref() == Some(team))
                .collect();
            let of = |f: &dyn Fn(&Score) -> Option<f64>| {
                members
                    .iter()
                    .filter_map(|m| f(&m.score))
                    .collect::<Vec<f64>>()
            };
            TeamStanding {
                rank: 0,
                team: team.to_string(),
                members: members.iter().map(|m| m.participant.clone()).collect(),
                median_composite: median(&of(&|s| Some(s.composite))).unwrap_or(0.0),
                median_sim_minutes: median(&of(&|s| Some(f64::from(s.sim_minutes)))).unwrap_or(0.0),
                median_notes: median(&of(&|s| s.notes)),
            }
        })
        .collect();
    teams.sort_by(|a, b| compare_teams(a, b).then_with(|| a.team.cmp(&b.team)));
    let r = ranks(&teams, compare_teams);
    for (t, rank) in teams.iter_mut().zip(r) {
        t.rank = rank;
    }

    Leaderboard {
        competition: competition.name.clone(),
        competition_hash: competition.content_hash().to_string(),
        shift: competition.shift.clone(),
        seed: competition.seed,
        scoring: competition.scoring.clone(),
        time_extensions_allowed: competition.rules.time_extensions_apply(true),
        individuals,
        teams,
        rejected: verified
            .iter()
            .filter_map(Verified::rejection)
            .cloned()
            .collect(),
    }
}

fn part(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.1}"))
}

impl Leaderboard {
    /// The leaderboard in a format.
    pub fn render(&self, format: LeaderboardFormat) -> String {
        match format {
            LeaderboardFormat::Text => self.to_text(),
            LeaderboardFormat::Csv => self.to_csv(),
            LeaderboardFormat::Json => self.to_json(),
            LeaderboardFormat::Html => self.to_html(),
        }
    }

    /// One line on how the composite is made.
    pub fn scoring_text(&self) -> String {
        let s = &self.scoring;
        format!(
            "Composite: ownership {} · timing {} · notes {} · security {} (weights); each security auto-fail ×{}. Never speed alone: ties go to less total sim time, then better notes.",
            s.ownership, s.timing, s.notes, s.security, s.auto_fail_factor
        )
    }

    /// What the board says about time extensions.
    pub fn time_extensions_text(&self) -> &'static str {
        if self.time_extensions_allowed {
            "Time extensions: allowed — a participant who played with one is shown with it (time ×N)."
        } else {
            "Time extensions: not allowed — everyone plays one clock."
        }
    }

    /// For the terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Leaderboard — \"{}\" (shift {}, seed {})",
            self.competition, self.shift, self.seed
        );
        let _ = writeln!(out, "{}", self.scoring_text());
        let _ = writeln!(out, "{}", self.time_extensions_text());
        let _ = writeln!(out, "\nIndividuals");
        let _ = writeln!(
            out,
            "{:>4}  {:<20} {:<14} {:>9} {:>9} {:>7} {:>6} {:>8} {:>10} {:>8} {:>6}",
            "rank",
            "participant",
            "team",
            "composite",
            "ownership",
            "timing",
            "notes",
            "security",
            "auto-fails",
            "sim min",
            "grade"
        );
        for s in &self.individuals {
            let _ = writeln!(
                out,
                "{:>4}  {:<20} {:<14} {:>9.2} {:>9} {:>7} {:>6} {:>8} {:>10} {:>8} {:>6}",
                s.rank,
                s.shown_name(),
                s.team.as_deref().unwrap_or("-"),
                s.score.composite,
                part(s.score.ownership),
                part(s.score.timing),
                part(s.score.notes),
                part(s.score.security),
                s.score.auto_fails,
                s.score.sim_minutes,
                s.score.grade
            );
        }
        if self.individuals.is_empty() {
            let _ = writeln!(out, "  (no accepted result)");
        }
        if !self.teams.is_empty() {
            let _ = writeln!(out, "\nTeams (ranked on their members' median composite)");
            let _ = writeln!(
                out,
                "{:>4}  {:<14} {:>7} {:>9} {:>8} {:>6}  members",
                "rank", "team", "players", "median", "sim min", "notes"
            );
            for t in &self.teams {
                let _ = writeln!(
                    out,
                    "{:>4}  {:<14} {:>7} {:>9.2} {:>8.1} {:>6}  {}",
                    t.rank,
                    t.team,
                    t.members.len(),
                    t.median_composite,
                    t.median_sim_minutes,
                    part(t.median_notes),
                    t.members.join(", ")
                );
            }
        }
        if !self.rejected.is_empty() {
            let _ = writeln!(out, "\nRejected ({}), not ranked", self.rejected.len());
            for r in &self.rejected {
                let _ = writeln!(out, "  {r}");
            }
        }
        out
    }

    /// One CSV table: a row per individual, team and rejected result (`kind` column).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "kind,rank,name,team,composite,ownership,timing,notes,security,auto_fails,sim_minutes,grade,members,file,reason\n",
        );
        let opt = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
        for s in &self.individuals {
            let row = [
                "individual".to_string(),
                s.rank.to_string(),
                s.participant.clone(),
                s.team.clone().unwrap_or_default(),
                format!("{:.2}", s.score.composite),
                opt(s.score.ownership),
                opt(s.score.timing),
                opt(s.score.notes),
                opt(s.score.security),
                s.score.auto_fails.to_string(),
                s.score.sim_minutes.to_string(),
                s.score.grade.to_string(),
                String::new(),
                s.file.clone(),
                String::new(),
            ];
            csv_row(&mut out, &row);
        }
        for t in &self.teams {
            let row = [
                "team".to_string(),
                t.rank.to_string(),
                t.team.clone(),
                t.team.clone(),
                format!("{:.2}", t.median_composite),
                String::new(),
                String::new(),
                opt(t.median_notes),
                String::new(),
                String::new(),
                format!("{:.1}", t.median_sim_minutes),
                String::new(),
                t.members.join("; "),
                String::new(),
                String::new(),
            ];
            csv_row(&mut out, &row);
        }
        for r in &self.rejected {
            let mut row: [String; 15] = Default::default();
            row[0] = "rejected".into();
            row[2] = r.participant.clone().unwrap_or_default();
            row[13] = r.file.clone();
            row[14] = format!("[{}] {}", r.code, r.reason);
            csv_row(&mut out, &row);
        }
        out
    }

    /// JSON (this structure).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// A self-contained HTML page: inline CSS, no scripts, no external resources.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        let title = format!("Leaderboard — {}", self.competition);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n{}</style>\n</head>\n<body>\n",
            esc(&title),
            HTML_STYLE
        );
        let _ = writeln!(out, "<h1>{}</h1>", esc(&title));
        let _ = writeln!(
            out,
            "<p class=\"meta\">Shift <code>{}</code>, seed {} · competition file SHA-256 <code>{}</code></p>",
            esc(&self.shift),
            self.seed,
            esc(&self.competition_hash)
        );
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", esc(&self.scoring_text()));
        let _ = writeln!(
            out,
            "<p class=\"meta\">{}</p>",
            esc(self.time_extensions_text())
        );
        let _ = writeln!(out, "<h2>Individuals</h2>");
        if self.individuals.is_empty() {
            let _ = writeln!(out, "<p>No accepted result.</p>");
        } else {
            let _ = writeln!(
                out,
                "<table>\n<thead><tr><th>Rank</th><th>Participant</th><th>Team</th><th>Composite</th><th>Ownership</th><th>Timing</th><th>Notes</th><th>Security</th><th>Auto-fails</th><th>Sim min</th><th>Grade</th></tr></thead>\n<tbody>"
            );
            for s in &self.individuals {
                let class = if s.score.auto_fails > 0 {
                    " class=\"autofail\""
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "<tr{class}><td class=\"rank\">{}</td><td>{}</td><td>{}</td><td class=\"num strong\">{:.2}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    s.rank,
                    esc(&s.shown_name()),
                    esc(s.team.as_deref().unwrap_or("—")),
                    s.score.composite,
                    part(s.score.ownership),
                    part(s.score.timing),
                    part(s.score.notes),
                    part(s.score.security),
                    s.score.auto_fails,
                    s.score.sim_minutes,
                    s.score.grade
                );
            }
            let _ = writeln!(out, "</tbody>\n</table>");
        }
        if !self.teams.is_empty() {
            let _ = writeln!(
                out,
                "<h2>Teams</h2>\n<p class=\"meta\">Ranked on their members' median composite: one star cannot carry a team, one weak player cannot sink it.</p>\n<table>\n<thead><tr><th>Rank</th><th>Team</th><th>Median composite</th><th>Median sim min</th><th>Median notes</th><th>Members</th></tr></thead>\n<tbody>"
            );
            for t in &self.teams {
                let _ = writeln!(
                    out,
                    "<tr><td class=\"rank\">{}</td><td>{}</td><td class=\"num strong\">{:.2}</td><td class=\"num\">{:.1}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                    t.rank,
                    esc(&t.team),
                    t.median_composite,
                    t.median_sim_minutes,
                    part(t.median_notes),
                    esc(&t.members.join(", "))
                );
            }
            let _ = writeln!(out, "</tbody>\n</table>");
        }
        if !self.rejected.is_empty() {
            let _ = writeln!(
                out,
                "<h2>Rejected results</h2>\n<p class=\"meta\">Not ranked. Every result is re-simulated from its log; a score written in a file is never trusted.</p>\n<ul class=\"rejected\">"
            );
            for r in &self.rejected {
                let at = r.line.map(|l| format!(":{l}")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "<li><code>{}{}</code> <span class=\"code\">{}</span> {}</li>",
                    esc(&r.file),
                    at,
                    esc(r.code),
                    esc(&r.reason)
                );
            }
            let _ = writeln!(out, "</ul>");
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

const HTML_STYLE: &str = "body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1d2433; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
.meta { color: #5a6376; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .35rem .6rem; border-bottom: 1px solid #dde2ea; text-align: left; }
th { background: #f1f4f8; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.rank { font-weight: 700; width: 3rem; }
td.strong { font-weight: 700; }
tr.autofail td { background: #fdeeee; }
ul.rejected li { margin: .4rem 0; }
.code { background: #fdeeee; color: #8a1c1c; border-radius: .25rem; padding: 0 .3rem; font-size: .85rem; }
code { font-size: .85rem; }
";

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One CSV row, every cell through [`crate::escape::csv_cell`] (OWASP: a cell starting
/// with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`; the board's numbers never
/// start with one).
fn csv_row(out: &mut String, fields: &[String]) {
    let cells: Vec<String> = fields.iter().map(|f| crate::escape::csv_cell(f)).collect();
    out.push_str(&cells.join(","));
    out.push('\n');
}
