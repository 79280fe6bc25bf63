//! `dojo team`: this machine and a team server (#16). `join` exchanges a one-time
//! enrolment token for a device credential and maps a local trainee to the server's
//! person; `sync` uploads the outbox (every finished session, queued by the store in the
//! transaction that finished it) idempotently — the server keys uploads by the log's
//! SHA-256 — retrying with backoff; `status` shows the link and the outbox. Everything
//! works offline: sessions wait in the outbox until a sync reaches the server.
//!
//! The server re-simulates and regrades every upload; nothing here claims a score.

use std::io::Write;
use std::time::Duration;

use clap::Subcommand;
use serde_json::{Value, json};

use crate::cli::common::{fail, open_store};
use crate::cli::{Cli, Format};
use crate::clock::now;
use dojo_core::history::Role;
use dojo_core::sim::record::LogHeader;
use dojo_store::{PostQueue, TeamLink};

use crate::team_client::{agent, get, post, server_error};

/// `dojo team …`.
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Join a team server with the one-time token `dojo-server admin invite` printed.
    Join {
        /// The server's address, e.g. https://dojo.example.org.
        url: String,
        /// The one-time enrolment token.
        #[arg(long)]
        token: String,
        /// The local trainee whose sessions this machine uploads (default: the name the
        /// server has for the person; added locally if new).
        #[arg(long)]
        trainee: Option<String>,
    },
    /// Upload the finished sessions the server does not have yet.
    Sync,
    /// Acknowledge or dispute a ticket's grade in one of your sessions; it reaches your
    /// coach's queue with the next `dojo team sync` (queued here, so it works offline).
    Respond {
        /// The session (its number in `dojo history`).
        #[arg(long)]
        session: i64,
        /// The ticket number.
        #[arg(long)]
        ticket: u32,
        /// Acknowledge the grade.
        #[arg(long, conflicts_with = "dispute", required_unless_present = "dispute")]
        ack: bool,
        /// Dispute the grade, saying why.
        #[arg(long, value_name = "WHY")]
        dispute: Option<String>,
        /// A comment with an acknowledgement.
        #[arg(long, requires = "ack")]
        comment: Option<String>,
    },
    /// As a coach: override a ticket's grade in a session on the team server (its number
    /// there, as the web view and `dojo team report --format json` show it), with the
    /// reason; queued here and sent with the next `dojo team sync`.
    Override {
        /// The session's number on the server.
        #[arg(long)]
        session: i64,
        /// The ticket number.
        #[arg(long)]
        ticket: u32,
        /// The new score, 0–100.
        #[arg(long)]
        score: u32,
        /// Why (kept in the audit trail).
        #[arg(long)]
        reason: String,
    },
    /// Fetch the competitions you are on the roster of from the server and write each
    /// competition file into the data folder, ready to play.
    Competitions,
    /// The coach's view from the server: the team overview, or one trainee's report
    /// (built there from every machine's verified sessions).
    Report {
        /// One trainee's report (their name on the server).
        #[arg(long)]
        trainee: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The link to the server and what the outbox holds.
    Status {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// Upload attempts per session before a sync gives up for now (network errors, 5xx, 429).
const ATTEMPTS: u32 = 4;
/// The first retry's wait; doubled each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// `dojo team …`.
pub fn cmd_team(
    cli: &Cli,
    command: &TeamCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    match command {
        TeamCommand::Join {
            url,
            token,
            trainee,
        } => join(cli, url, token, trainee.as_deref(), out, err),
        TeamCommand::Sync => sync(cli, out, err),
        TeamCommand::Respond {
            session,
            ticket,
            ack: _,
            dispute,
            comment,
        } => respond(
            cli,
            *session,
            *ticket,
            dispute.as_deref(),
            comment.as_deref(),
            out,
            err,
        ),
        TeamCommand::Competitions => competitions(cli, out, err),
        TeamCommand::Override {
            session,
            ticket,
            score,
            reason,
        } => queue_override(cli, *session, *ticket, *score, reason, out, err),
        TeamCommand::Report { trainee, format } => {
            server_report(cli, trainee.as_deref(), *format, out, err)
        }
        TeamCommand::Status { format } => status(cli, *format, out, err),
    }
}

/// The base URL as given, without a trailing slash; only http and https.
fn base_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.contains(char::is_whitespace)
    {
        return Err(format!(
            "`{url}` is not a server address (http:// or https://, e.g. https://dojo.example.org)"
        ));
    }
    Ok(url.to_string())
}

/// A machine id: 128 bits from the standard library's per-process random hash keys.
fn machine_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let part = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        h.finish()
    };
    format!("dojo-{:016x}{:016x}", part(), part())
}

fn join(
    cli: &Cli,
    url: &str,
    token: &str,
    trainee: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let base = match base_url(url) {
        Ok(b) => b,
        Err(e) => return fail(err, e),
    };
    let Some(store) = open_store(cli, None, err)? else {
        return Ok(1);
    };
    // Checked before the token is spent.
    if let Some(name) = trainee
        && let Err(e) = store.require(name, Role::Trainee)
    {
        return fail(err, e);
    }
    let machine = match store.team_link() {
        Ok(Some(old)) => {
            writeln!(
                err,
                "note: this replaces the link to {} ({})",
                old.server, old.person_name
            )?;
            old.machine
        }
        Ok(None) => machine_id(),
        Err(e) => return fail(err, e),
    };
    let answer = post(
        &agent(),
        &format!("{base}/api/enrol"),
        None,
        &json!({ "token": token.trim(), "machine": machine }),
    );
    let body = match answer {
        Ok((201, body)) => body,
        Ok((status, body)) => {
            return fail(
                err,
                format!(
                    "the server refused to enrol this machine ({status}): {}",
                    server_error(&body)
                ),
            );
        }
        Err(e) => return fail(err, e),
    };
    let (Some(credential), Some(uuid), Some(name), Some(role)) = (
        body["credential"].as_str(),
        body["person"]["id"].as_str(),
        body["person"]["name"].as_str(),
        body["person"]["role"].as_str(),
    ) else {
        return fail(
            err,
            "the server's answer to the enrolment is not a team server's",
        );
    };
    let team = body["person"]["team"].as_str();
    // A trainee's sessions are uploaded as theirs; a coach's or admin's machine uploads none.
    let local = if role == "trainee" {
        let local = trainee.unwrap_or(name).to_string();
        match store.person(&local) {
            Ok(Some(p)) if p.role == Role::Trainee => Some(p.name),
            Ok(Some(_)) => {
                return fail(
                    err,
                    format!("`{local}` is a coach here: give --trainee NAME"),
                );
            }
            Ok(None) => match store.add_person(&local, Role::Trainee, team, now()) {
                Ok(p) => {
                    writeln!(out, "added trainee `{}` to this machine's history", p.name)?;
                    Some(p.name)
                }
                Err(e) => return fail(err, e),
            },
            Err(e) => return fail(err, e),
        }
    } else {
        None
    };
    let link = TeamLink {
        server: base.clone(),
        credential: credential.to_string(),
        person_uuid: uuid.to_string(),
        person_name: name.to_string(),
        role: role.to_string(),
        trainee: local.clone(),
        machine,
        joined_at: now(),
    };
    if let Err(e) = store.set_team_link(&link) {
        return fail(err, e);
    }
    writeln!(
        out,
        "joined {base} as {name} ({role}{})",
        team.map(|t| format!(" of {t}")).unwrap_or_default()
    )?;
    match local {
        Some(local) => {
            let pending = store.outbox_pending().map(|p| p.len()).unwrap_or(0);
            writeln!(
                out,
                "sessions of `{local}` upload with `dojo team sync` ({pending} waiting)"
            )?;
        }
        None => writeln!(out, "a {role}'s machine uploads no sessions")?,
    }
    Ok(0)
}

/// The history and this machine's link to its team server; `None` (said on `err`) when
/// the history does not open or the machine joined no server.
fn joined(
    cli: &Cli,
    err: &mut dyn Write,
) -> std::io::Result<Option<(dojo_store::Store, TeamLink)>> {
    let Some(store) = open_store(cli, None, err)? else {
        return Ok(None);
    };
    let link = match store.team_link() {
        Ok(Some(link)) => link,
        Ok(None) => {
            fail(
                err,
                "this machine has joined no team server: `dojo team join URL --token TOKEN`",
            )?;
            return Ok(None);
        }
        Err(e) => {
            fail(err, e)?;
            return Ok(None);
        }
    };
    Ok(Some((store, link)))
}

fn sync(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<i32> {
    let Some((store, link)) = joined(cli, err)? else {
        return Ok(1);
    };
    let pending = match store.outbox_pending() {
        Ok(p) => p,
        Err(e) => return fail(err, e),
    };
    let agent = agent();
    let url = format!("{}/api/sessions", link.server);
    let (mut stored, mut repeated, mut quarantined, mut failed) = (0, 0, 0, 0);
    let mut offline = None;
    for item in &pending {
        let Some(header) = item
            .log
            .lines()
            .next()
            .and_then(|l| ron::from_str::<LogHeader>(l).ok())
        else {
            let _ = store.outbox_failed(item.id, "the stored log has no readable header");
            failed += 1;
            continue;
        };
        let envelope = json!({
            "log": item.log,
            "pack_hash": header.pack_hash,
            "policy_hash": header.policy_hash,
            "person": link.person_uuid,
            "machine": link.machine,
            "played_at": item.played_at,
        });
        let answer = post_with_retry(&agent, &url, &link.credential, &envelope);
        let recorded = match answer {
            Ok((status @ 200..=202, body)) => {
                let verdict = match body["status"].as_str() {
                    Some("stored") => {
                        if status == 200 {
                            repeated += 1;
                        } else {
                            stored += 1;
                        }
                        "stored".to_string()
                    }
                    _ => {
                        quarantined += 1;
                        format!(
                            "quarantined: {}: {}",
                            body["code"].as_str().unwrap_or("?"),
                            body["reason"].as_str().unwrap_or("no reason given")
                        )
                    }
                };
                store.outbox_sent(item.id, &verdict, body["session"].as_i64(), now())
            }
            Ok((401, body)) => {
                let message = format!(
                    "the server refused this machine's credential: {} (join again with a new token)",
                    server_error(&body)
                );
                let _ = store.outbox_failed(item.id, &message);
                offline = Some(message);
                break;
            }
            Ok((status, body)) => {
                failed += 1;
                store.outbox_failed(item.id, &format!("{status}: {}", server_error(&body)))
            }
            Err(e) => {
                let _ = store.outbox_failed(item.id, &e);
                offline = Some(e);
                break;
            }
        };
        if let Err(e) = recorded {
            return fail(err, e);
        }
    }
    writeln!(
        out,
        "synced with {}: {stored} stored, {repeated} already there, {quarantined} quarantined, {failed} refused",
        link.server
    )?;
    if offline.is_none() {
        match send_responses(&store, &agent, &link, out) {
            Ok(None) => {}
            Ok(Some(reason)) => offline = Some(reason),
            Err(e) => return fail(err, e),
        }
    }
    if offline.is_none() {
        match send_overrides(&store, &agent, &link, out) {
            Ok(None) => {}
            Ok(Some(reason)) => offline = Some(reason),
            Err(e) => return fail(err, e),
        }
    }
    let left = store.outbox_pending().map(|p| p.len()).unwrap_or(0);
    if let Some(reason) = offline {
        writeln!(
            err,
            "error: {reason}; {left} session(s) stay queued for the next sync"
        )?;
        return Ok(1);
    }
    if failed > 0 {
        writeln!(
            err,
            "error: {failed} session(s) were refused (`dojo team status` shows why)"
        )?;
        return Ok(1);
    }
    Ok(0)
}

/// POSTs with the device credential, retrying network errors, 5xx and 429 with backoff
/// ([`ATTEMPTS`] attempts from [`FIRST_BACKOFF`], doubling).
fn post_with_retry(
    agent: &ureq::Agent,
    url: &str,
    credential: &str,
    body: &Value,
) -> Result<crate::team_client::Answer, String> {
    let mut wait = FIRST_BACKOFF;
    let mut answer = post(agent, url, Some(credential), body);
    for _ in 1..ATTEMPTS {
        let retry = match &answer {
            Err(_) => true,
            Ok((status, _)) => *status >= 500 || *status == 429,
        };
        if !retry {
            break;
        }
        std::thread::sleep(wait);
        wait *= 2;
        answer = post(agent, url, Some(credential), body);
    }
    answer
}

/// What a delivery of one post queue did.
#[derive(Default)]
struct Delivered {
    sent: usize,
    refused: usize,
    /// Why the delivery stopped (the server unreachable or failing): the rest wait.
    stopped: Option<String>,
}

/// Posts each record of a queue (its id and body) to `path`, recording the server's
/// answers: 200/201 sent, 400/403/404/409 refused for good, anything else or no answer
/// stops the delivery with the rest left queued.
fn deliver(
    store: &dojo_store::Store,
    agent: &ureq::Agent,
    link: &TeamLink,
    queue: PostQueue,
    path: &str,
    what: &str,
    records: Vec<(i64, Value)>,
) -> Result<Delivered, dojo_store::StoreError> {
    let url = format!("{}{path}", link.server);
    let mut d = Delivered::default();
    for (id, body) in records {
        match post_with_retry(agent, &url, &link.credential, &body) {
            Ok((200 | 201, _)) => {
                store.posted(queue, id, "sent", now())?;
                d.sent += 1;
            }
            Ok((status @ (400 | 403 | 404 | 409), body)) => {
                let verdict = format!("refused ({status}): {}", server_error(&body));
                store.posted(queue, id, &verdict, now())?;
                d.refused += 1;
            }
            Ok((status, body)) => {
                store.post_failed(queue, id, &format!("{status}: {}", server_error(&body)))?;
                d.stopped = Some(format!(
                    "the server did not take {what} ({status}: {})",
                    server_error(&body)
                ));
                break;
            }
            Err(e) => {
                store.post_failed(queue, id, &e)?;
                d.stopped = Some(e);
                break;
            }
        }
    }
    Ok(d)
}

/// Posts the coach's queued overrides of server sessions; the reason to stop when the
/// server cannot be reached.
fn send_overrides(
    store: &dojo_store::Store,
    agent: &ureq::Agent,
    link: &TeamLink,
    out: &mut dyn Write,
) -> Result<Option<String>, dojo_store::StoreError> {
    let records: Vec<(i64, Value)> = store
        .overrides_pending()?
        .into_iter()
        .map(|o| {
            (
                o.id,
                json!({
                    "session": o.server_session,
                    "ticket": o.ticket,
                    "score": o.score,
                    "reason": o.reason,
                    "key": o.key,
                }),
            )
        })
        .collect();
    if records.is_empty() {
        return Ok(None);
    }
    let d = deliver(
        store,
        agent,
        link,
        PostQueue::Overrides,
        "/api/overrides",
        "an override",
        records,
    )?;
    let _ = writeln!(
        out,
        "overrides: {} delivered, {} refused",
        d.sent, d.refused
    );
    Ok(d.stopped)
}

/// Posts the queued acknowledgements and disputes whose session the server has; the
/// reason to stop when the server cannot be reached.
fn send_responses(
    store: &dojo_store::Store,
    agent: &ureq::Agent,
    link: &TeamLink,
    out: &mut dyn Write,
) -> Result<Option<String>, dojo_store::StoreError> {
    let pending = store.responses_pending()?;
    if pending.is_empty() {
        return Ok(None);
    }
    let waiting = pending
        .iter()
        .filter(|r| r.server_session.is_none())
        .count();
    let records: Vec<(i64, Value)> = pending
        .into_iter()
        .filter_map(|r| {
            Some((
                r.id,
                json!({
                    "session": r.server_session?,
                    "ticket": r.ticket,
                    "kind": r.kind.as_str(),
                    "message": r.message,
                    "key": r.key,
                }),
            ))
        })
        .collect();
    let d = deliver(
        store,
        agent,
        link,
        PostQueue::Responses,
        "/api/responses",
        "an acknowledgement or dispute",
        records,
    )?;
    let _ = writeln!(
        out,
        "acknowledgements and disputes: {} delivered, {} refused, {waiting} waiting for their session to upload",
        d.sent, d.refused
    );
    Ok(d.stopped)
}

fn queue_override(
    cli: &Cli,
    session: i64,
    ticket: u32,
    score: u32,
    reason: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some(store) = open_store(cli, None, err)? else {
        return Ok(1);
    };
    match store.team_link() {
        Ok(Some(l)) if l.role == "coach" || l.role == "admin" => {}
        Ok(Some(l)) => {
            return fail(
                err,
                format!(
                    "this machine acts for {} ({}): overrides are a coach's; a trainee disputes a grade with `dojo team respond`",
                    l.person_name, l.role
                ),
            );
        }
        Ok(None) => {
            return fail(
                err,
                "this machine has joined no team server: `dojo team join URL --token TOKEN`",
            );
        }
        Err(e) => return fail(err, e),
    }
    let key = uuid::Uuid::new_v4().to_string();
    if let Err(e) = store.queue_override(session, ticket, score, reason, &key, now()) {
        return fail(err, e);
    }
    writeln!(
        out,
        "override of ticket {ticket} in server session {session} to {score} queued: it is sent with the next `dojo team sync`"
    )?;
    Ok(0)
}

fn respond(
    cli: &Cli,
    session: i64,
    ticket: u32,
    dispute: Option<&str>,
    comment: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some(store) = open_store(cli, None, err)? else {
        return Ok(1);
    };
    let (kind, message) = match dispute {
        Some(why) => (dojo_store::ResponseKind::Dispute, why),
        None => (dojo_store::ResponseKind::Ack, comment.unwrap_or("")),
    };
    let key = uuid::Uuid::new_v4().to_string();
    if let Err(e) = store.queue_response(session, ticket, kind, message, &key, now()) {
        return fail(err, e);
    }
    let linked = matches!(store.team_link(), Ok(Some(_)));
    writeln!(
        out,
        "{} of ticket {ticket} in session {session} queued{}",
        match kind {
            dojo_store::ResponseKind::Ack => "acknowledgement",
            dojo_store::ResponseKind::Dispute => "dispute",
        },
        if linked {
            ": it reaches your coach with the next `dojo team sync`"
        } else {
            " (this machine has joined no team server yet: it is sent once it has)"
        }
    )?;
    Ok(0)
}

/// A folder name for a competition: its name's letters and the start of its hash.
fn competition_folder(name: &str, sha256: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let short: String = sha256
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(8)
        .collect();
    format!(
        "{}-{short}",
        if slug.is_empty() { "competition" } else { slug }
    )
}

fn competitions(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<i32> {
    let Some((_, link)) = joined(cli, err)? else {
        return Ok(1);
    };
    let url = format!("{}/api/competitions", link.server);
    let listed = match get(&agent(), &url, &link.credential) {
        Ok((200, Value::Array(list))) => list,
        Ok((status, body)) => {
            return fail(
                err,
                format!(
                    "the server did not list competitions ({status}): {}",
                    server_error(&body)
                ),
            );
        }
        Err(e) => return fail(err, e),
    };
    let dir = match dojo_store::data_dir(cli.data_dir.as_deref()) {
        Ok(d) => d.join("competitions"),
        Err(e) => return fail(err, e),
    };
    if listed.is_empty() {
        writeln!(out, "no competition for you on {}", link.server)?;
        return Ok(0);
    }
    for c in &listed {
        let (Some(name), Some(sha), Some(file)) =
            (c["name"].as_str(), c["sha256"].as_str(), c["file"].as_str())
        else {
            return fail(
                err,
                "the server's list of competitions is not a team server's",
            );
        };
        // The file is the competition's identity: it must hash to what the server says.
        if dojo_core::compete::sha256_hex(file.as_bytes()) != sha {
            return fail(
                err,
                format!("the competition file of `{name}` does not match its SHA-256: not saved"),
            );
        }
        let folder = dir.join(competition_folder(name, sha));
        let path = folder.join(dojo_core::compete::COMPETITION_FILE);
        let fresh = std::fs::read_to_string(&path).ok().as_deref() != Some(file);
        if fresh {
            if let Err(e) = std::fs::create_dir_all(&folder) {
                return fail(err, format!("cannot create {}: {e}", folder.display()));
            }
            if let Err(e) = dojo_core::sim::record::write_atomic(&path, file) {
                return fail(err, e);
            }
        }
        let freeze = c["freeze_at"]
            .as_str()
            .map(|t| format!(", board freezes {t}"))
            .unwrap_or_default();
        writeln!(
            out,
            "{} ({}{freeze}){}",
            dojo_core::escape::terminal(name),
            dojo_core::escape::terminal(c["shift"].as_str().unwrap_or("?")),
            if fresh { "" } else { " — already saved" }
        )?;
        writeln!(out, "  file: {}", path.display())?;
        match c["participant"].as_str() {
            Some(who) => writeln!(
                out,
                "  play: dojo run --competition \"{}\" --trainee \"{}\" (or open it in the app's Competition mode), then dojo team sync",
                path.display(),
                dojo_core::escape::terminal(who)
            )?,
            None => writeln!(out, "  you are not on its roster (you can read its board)")?,
        }
    }
    Ok(0)
}

fn server_report(
    cli: &Cli,
    trainee: Option<&str>,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some((_, link)) = joined(cli, err)? else {
        return Ok(1);
    };
    let rows = match crate::team_client::overview(&link) {
        Ok(r) => r,
        Err(e) => return fail(err, e),
    };
    let Some(name) = trainee else {
        if format == Format::Json {
            let rows: Vec<Value> = rows
                .iter()
                .map(|t| json!({ "person": t.person, "row": t.row }))
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&rows).unwrap_or_default()
            )?;
            return Ok(0);
        }
        writeln!(
            out,
            "whom to coach, from {} ({} trainee(s)):",
            link.server,
            rows.len()
        )?;
        for (i, t) in rows.iter().enumerate() {
            let r = &t.row;
            let mut flags = r.flags.clone();
            if r.missed_security {
                flags.insert(0, "missed security".into());
            }
            writeln!(
                out,
                "{:>3}. {} · {} session(s) · latest {} · change {}{}\n     {}",
                i + 1,
                dojo_core::escape::terminal(&r.trainee),
                r.sessions,
                r.latest_score.map_or("–".into(), |s| s.to_string()),
                r.score_change.map_or("–".into(), |c| format!("{c:+}")),
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", flags.join(", "))
                },
                dojo_core::escape::terminal(&r.coach_this)
            )?;
        }
        return Ok(0);
    };
    let Some(found) = rows
        .iter()
        .find(|t| dojo_core::names::same(&t.row.trainee, name))
    else {
        let names: Vec<&str> = rows.iter().map(|t| t.row.trainee.as_str()).collect();
        return fail(
            err,
            format!(
                "no trainee `{name}` in your team on the server ({})",
                names.join(", ")
            ),
        );
    };
    match crate::team_client::report(&link, &found.person) {
        Ok(r) => {
            let text = if format == Format::Json {
                dojo_core::report::render::to_json(&r)
            } else {
                dojo_core::report::render::to_markdown(&r)
            };
            writeln!(out, "{}", dojo_core::escape::terminal(&text))?;
            Ok(0)
        }
        Err(e) => fail(err, e),
    }
}

fn status(
    cli: &Cli,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some(store) = open_store(cli, None, err)? else {
        return Ok(1);
    };
    let (link, status) = match (store.team_link(), store.outbox_status()) {
        (Ok(l), Ok(s)) => (l, s),
        (Err(e), _) | (_, Err(e)) => return fail(err, e),
    };
    if format == Format::Json {
        let value = json!({
            "joined": link.is_some(),
            "server": link.as_ref().map(|l| &l.server),
            "person": link.as_ref().map(|l| &l.person_uuid),
            "name": link.as_ref().map(|l| &l.person_name),
            "role": link.as_ref().map(|l| &l.role),
            "trainee": link.as_ref().and_then(|l| l.trainee.as_ref()),
            "machine": link.as_ref().map(|l| &l.machine),
            "pending": status.pending,
            "stored": status.stored,
            "quarantined": status.quarantined,
            "not_mapped": status.not_mapped,
            "last_error": status.last_error,
            "last_sent": status.last_sent,
            "responses": {
                "pending": status.responses_pending,
                "waiting_for_session": status.responses_waiting,
                "sent": status.responses_sent,
                "refused": status.responses_refused,
            },
            "overrides": {
                "pending": status.overrides_pending,
                "sent": status.overrides_sent,
                "refused": status.overrides_refused,
            },
        });
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        )?;
        return Ok(0);
    }
    match &link {
        None => writeln!(
            out,
            "not joined to a team server ({} finished session(s) queued for when it is: `dojo team join URL --token TOKEN`)",
            status.pending
        )?,
        Some(l) => {
            writeln!(out, "server:   {}", l.server)?;
            writeln!(
                out,
                "person:   {} ({}, {})",
                l.person_name, l.role, l.person_uuid
            )?;
            writeln!(out, "machine:  {}", l.machine)?;
            writeln!(
                out,
                "trainee:  {}",
                l.trainee.as_deref().map_or(
                    "none (this machine uploads no sessions)".into(),
                    |t| format!("`{t}` (sessions upload as {})", l.person_name)
                )
            )?;
            writeln!(
                out,
                "outbox:   {} pending, {} stored, {} quarantined{}",
                status.pending,
                status.stored,
                status.quarantined.len(),
                if status.not_mapped > 0 {
                    format!(
                        ", {} of other local trainees (not uploaded)",
                        status.not_mapped
                    )
                } else {
                    String::new()
                }
            )?;
            if let Some(at) = status.last_sent {
                writeln!(out, "last sync: {}", at.format("%Y-%m-%d %H:%M UTC"))?;
            }
            if let Some(e) = &status.last_error {
                writeln!(out, "last error: {}", dojo_core::escape::terminal(e))?;
            }
            for q in status.quarantined.iter().take(5) {
                writeln!(out, "  {}", dojo_core::escape::terminal(q))?;
            }
            if status.responses_pending + status.responses_sent + status.responses_refused.len() > 0
            {
                writeln!(
                    out,
                    "responses: {} pending ({} waiting for their session to upload), {} delivered, {} refused",
                    status.responses_pending,
                    status.responses_waiting,
                    status.responses_sent,
                    status.responses_refused.len()
                )?;
                for r in status.responses_refused.iter().take(5) {
                    writeln!(out, "  {}", dojo_core::escape::terminal(r))?;
                }
            }
            if status.overrides_pending + status.overrides_sent + status.overrides_refused.len() > 0
            {
                writeln!(
                    out,
                    "overrides: {} pending, {} delivered, {} refused",
                    status.overrides_pending,
                    status.overrides_sent,
                    status.overrides_refused.len()
                )?;
                for r in status.overrides_refused.iter().take(5) {
                    writeln!(out, "  {}", dojo_core::escape::terminal(r))?;
                }
            }
        }
    }
    Ok(0)
}
