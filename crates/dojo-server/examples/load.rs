//! A bounded load run of the team server on loopback (#16, `docs/performance.md`).
//!
//! ```sh
//! cargo run --release -p dojo-server --example load -- \
//!     --database-url postgres://postgres:pg@127.0.0.1:5432/postgres
//! ```
//!
//! On a scratch database `dojo_load` next to the one the URL names (dropped and created
//! anew; nothing else is touched):
//!
//! 1. **Ingest**: `--clients` (50) trainees, each on its own HTTP client, upload
//!    `--sessions` (2,000) ten-ticket sessions played by dojo-core's personas; the server
//!    re-simulates and regrades each. Sessions stored per second and p50/p99 latency,
//!    against the **bare verification** of the same envelopes (`ingest::verify` on as
//!    many threads as the machine has cores, no HTTP and no database), measured before
//!    and after in the same run: the ratio is what the server adds to the verification.
//! 2. **Overview**: a team of `--trainees` (500) with `--overview-sessions` (100,000)
//!    sessions (copies of the verified rows, each with its own hash and time), the
//!    overview aggregated in SQL and the team page over HTTP timed, against the one-pass
//!    way without aggregation (read the team's sessions once, build every trainee's
//!    report, rank) in the same run, which must give the same rows.
//!
//! Timings are wall-clock measurements of this tool, never assertions.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dojo_core::agents::{self, Persona};
use dojo_core::history::SessionSummary;
use dojo_core::pack::Pack;
use dojo_core::report::{self, ReportInput, ReportOptions};
use dojo_core::shift::{Arrivals, Mode, Rules, Selection, Shift};
use dojo_core::sim::record::{self, LogHeader};
use dojo_core::sim::session::Session;
use dojo_server::auth::Role;
use dojo_server::ingest::Envelope;
use dojo_server::{AppState, admin, reports};
use serde_json::{Value, json};

struct Args {
    url: String,
    clients: usize,
    sessions: usize,
    trainees: usize,
    overview_sessions: usize,
    repeats: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        url: std::env::var("DOJO_DATABASE_URL").unwrap_or_default(),
        clients: 50,
        sessions: 2000,
        trainees: 500,
        overview_sessions: 100_000,
        repeats: 15,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let n = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--database-url" => a.url = value.clone(),
            "--clients" => a.clients = n()?.max(1),
            "--sessions" => a.sessions = n()?.max(1),
            "--trainees" => a.trainees = n()?.max(1),
            "--overview-sessions" => a.overview_sessions = n()?,
            "--repeats" => a.repeats = n()?.max(1),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if a.url.is_empty() {
        return Err("give --database-url postgres://… (or set DOJO_DATABASE_URL)".into());
    }
    Ok(a)
}

/// Ten tickets, one every 20 minutes, from the built-in scenarios starting at `offset`.
fn ten_ticket_shift(pack: &Pack, offset: usize) -> Shift {
    let ids: Vec<String> = pack.scenarios.keys().cloned().collect();
    Shift {
        id: "load-10".into(),
        title: "Ten tickets".into(),
        description: String::new(),
        mode: Mode::Practice,
        length_minutes: 220,
        arrivals: Arrivals::Fixed((0..10).map(|i| i * 20).collect()),
        selection: Selection {
            ids: (0..10)
                .map(|i| ids[(offset + i) % ids.len()].clone())
                .collect(),
            ..Selection::default()
        },
        time_scale: 1.0,
        rules: Rules {
            pause_allowed: true,
            hints_shown: false,
            real_time_limit_minutes: None,
            time_extensions: None,
        },
        variant: None,
    }
}

const PERSONAS: [Persona; 6] = [
    Persona::Ideal,
    Persona::OverEscalator,
    Persona::UnderEscalator,
    Persona::VagueNotes,
    Persona::Slow,
    Persona::KbIgnorer,
];

fn log_of(pack: &Arc<Pack>, i: usize, trainee: &str) -> String {
    let shift = ten_ticket_shift(pack, i * 3);
    let seed = i as u64 + 1;
    let persona = PERSONAS[i % PERSONAS.len()];
    let script = agents::play(Arc::clone(pack), &shift, seed, persona).expect("plays");
    let mut session = Session::with_shift(Arc::clone(pack), shift, seed).expect("starts");
    record::play_script(&mut session, &script, 0, None, None).expect("runs");
    let header = LogHeader::for_session(&session, Some(trainee.to_string()), None);
    record::log_text(&header, &session.log)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Verifies every envelope on `threads` threads: the wall time.
fn bare_verify(state: &AppState, envelopes: &[Envelope], threads: usize) -> Duration {
    let started = Instant::now();
    std::thread::scope(|s| {
        for chunk in envelopes.chunks(envelopes.len().div_ceil(threads)) {
            let content = Arc::clone(&state.content);
            s.spawn(move || {
                for e in chunk {
                    let v = dojo_server::ingest::verify(&content, e);
                    assert!(v.is_ok(), "a generated session does not verify");
                }
            });
        }
    });
    started.elapsed()
}

fn scratch_url(url: &str) -> (String, String) {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base
        .rfind('/')
        .filter(|&i| i > "postgres://".len())
        .unwrap_or(base.len());
    (
        format!("{}/dojo_load{query}", &base[..cut]),
        base.to_string(),
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), String> {
    let a = args()?;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (load_url, _) = scratch_url(&a.url);
    {
        let (client, conn) = tokio_postgres::connect(&a.url, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("cannot connect to {}: {e}", a.url))?;
        tokio::spawn(conn);
        for sql in [
            "DROP DATABASE IF EXISTS dojo_load WITH (FORCE)",
            "CREATE DATABASE dojo_load",
        ] {
            client.batch_execute(sql).await.map_err(|e| {
                format!(
                    "cannot make the scratch database: {}",
                    dojo_server::db::chain(&e)
                )
            })?;
        }
    }
    let state = AppState::start(&load_url).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let base = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    tokio::spawn(dojo_server::serve(
        listener,
        state.clone(),
        dojo_server::DEFAULT_MAX_BODY,
        std::future::pending(),
    ));
    let http = reqwest::Client::new();

    // ---- the clients: one trainee each, enrolled as a machine does -----------------
    admin::team_add(&state.pool, "Load")
        .await
        .map_err(|e| e.to_string())?;
    let mut clients = Vec::new();
    for c in 0..a.clients {
        let name = format!("Trainee {c:03}");
        let inv = admin::invite(&state.pool, &name, Role::Trainee, Some("Load"), 1)
            .await
            .map_err(|e| e.to_string())?;
        let body: Value = http
            .post(format!("{base}/api/enrol"))
            .json(&json!({ "token": inv.token, "machine": format!("load-pc-{c}") }))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let credential = body["credential"]
            .as_str()
            .ok_or("no credential")?
            .to_string();
        clients.push((inv.person, name, credential));
    }

    // ---- the sessions, played by personas (not timed as part of anything) ---------
    let pack = Arc::new(Pack::builtin().map_err(|e| format!("{e:?}"))?);
    let started = Instant::now();
    let logs: Vec<String> = std::thread::scope(|s| {
        let per = a.sessions.div_ceil(cores);
        let handles: Vec<_> = (0..cores)
            .map(|t| {
                let pack = Arc::clone(&pack);
                let clients = &clients;
                s.spawn(move || {
                    (t * per..((t + 1) * per).min(a.sessions))
                        .map(|i| log_of(&pack, i, &clients[i % clients.len()].1))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let envelopes: Vec<Envelope> = logs
        .iter()
        .enumerate()
        .map(|(i, log)| Envelope {
            log: log.clone(),
            pack_hash: pack.content_hash.clone(),
            policy_hash: pack.policy_hash.clone(),
            person: clients[i % clients.len()].0,
            machine: format!("load-pc-{}", i % clients.len()),
            claimed_score: None,
            played_at: None,
        })
        .collect();
    let bytes: usize = logs.iter().map(String::len).sum();
    println!(
        "generated {} ten-ticket sessions ({} KiB of logs, {:.1} KiB each) in {:.1} s",
        logs.len(),
        bytes / 1024,
        bytes as f64 / 1024.0 / logs.len() as f64,
        started.elapsed().as_secs_f64()
    );

    // ---- ingest against bare verification ------------------------------------------
    let verify_before = bare_verify(&state, &envelopes, cores);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (c, (_, _, credential)) in clients.iter().enumerate() {
        let mine: Vec<Value> = envelopes
            .iter()
            .skip(c)
            .step_by(clients.len())
            .map(|e| serde_json::to_value(e).expect("encodes"))
            .collect();
        let http = reqwest::Client::new();
        let url = format!("{base}/api/sessions");
        let credential = credential.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(mine.len());
            for body in mine {
                let t = Instant::now();
                let r = http
                    .post(&url)
                    .bearer_auth(&credential)
                    .json(&body)
                    .send()
                    .await
                    .expect("the server answers");
                let status = r.status();
                let _ = r.bytes().await;
                assert_eq!(status.as_u16(), 201, "an upload was not stored");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.map_err(|e| e.to_string())?);
    }
    let ingest = started.elapsed();
    let verify_after = bare_verify(&state, &envelopes, cores);
    latencies.sort();
    let client = state.pool.get().await.map_err(|e| e.to_string())?;
    let stored: i64 = client
        .query_one("SELECT count(*) FROM sessions", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let n = envelopes.len() as f64;
    let verify = (verify_before + verify_after) / 2;
    println!(
        "\n## ingest: {} clients, {} sessions, {cores} cores",
        a.clients,
        envelopes.len()
    );
    println!("stored and verified: {stored} of {}", envelopes.len());
    println!(
        "bare verification ({cores} threads): {:.0} sessions/s (before {:.2} s, after {:.2} s)",
        n / verify.as_secs_f64(),
        verify_before.as_secs_f64(),
        verify_after.as_secs_f64()
    );
    println!(
        "ingest over HTTP: {:.0} sessions/s ({:.2} s); latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        n / ingest.as_secs_f64(),
        ingest.as_secs_f64(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap())
    );
    println!(
        "ratio ingest / bare verification: {:.2}",
        ingest.as_secs_f64() / verify.as_secs_f64()
    );

    // ---- the overview over a large team --------------------------------------------
    let team = admin::team_add(&state.pool, "Floor")
        .await
        .map_err(|e| e.to_string())?;
    let coach = admin::invite(&state.pool, "Floor coach", Role::Coach, Some("Floor"), 1)
        .await
        .map_err(|e| e.to_string())?;
    let body: Value = http
        .post(format!("{base}/api/enrol"))
        .json(&json!({ "token": coach.token, "machine": "coach-pc" }))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let coach_credential = body["credential"]
        .as_str()
        .ok_or("no credential")?
        .to_string();
    let started = Instant::now();
    client
        .execute(
            "INSERT INTO people (id, organisation_id, name, name_key, role, team_id)
             SELECT gen_random_uuid(), (SELECT id FROM organisation LIMIT 1),
                    'Floor trainee ' || g, 'floor trainee ' || g, 'trainee', $1
             FROM generate_series(1, $2::int) g",
            &[&team, &(a.trainees as i32)],
        )
        .await
        .map_err(|e| e.to_string())?;
    let per = (a.overview_sessions / a.trainees) as i32;
    client
        .execute(
            "WITH src AS (SELECT s.*, row_number() OVER (ORDER BY s.id) - 1 AS k FROM sessions s),
                  n AS (SELECT count(*) AS n FROM sessions),
                  p AS (SELECT id, row_number() OVER (ORDER BY name) - 1 AS r FROM people
                        WHERE team_id = $1 AND role = 'trainee')
             INSERT INTO sessions (log_sha256, person_id, uploaded_by, machine, pack_hash,
                 policy_hash, shift_id, seed, score, critical, played_at, log, grade, summary,
                 reviews, flags)
             SELECT encode(sha256(convert_to(src.log_sha256 || p.id::text || g, 'UTF8')), 'hex'),
                    p.id, p.id, 'load', src.pack_hash, src.policy_hash, src.shift_id, src.seed,
                    src.score, src.critical, timestamptz '2026-01-01' + g * interval '1 hour',
                    src.log, src.grade, src.summary, src.reviews, src.flags
             FROM p CROSS JOIN generate_series(0, $2::int - 1) g CROSS JOIN n
             JOIN src ON src.k = (p.r * $2 + g) % n.n",
            &[&team, &per],
        )
        .await
        .map_err(|e| e.to_string())?;
    client
        .batch_execute("ANALYZE")
        .await
        .map_err(|e| e.to_string())?;
    let total: i64 = client
        .query_one("SELECT count(*) FROM sessions", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let size: String = client
        .query_one("SELECT pg_size_pretty(pg_database_size('dojo_load'))", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    println!(
        "\n## overview: {} trainees × {per} sessions ({total} sessions in the database, {size}), filled in {:.1} s",
        a.trainees,
        started.elapsed().as_secs_f64()
    );

    let mut sql = Vec::new();
    let mut page = Vec::new();
    let mut rows = 0;
    for round in 0..=a.repeats {
        let t = Instant::now();
        let overview = reports::team_overview(&client, &state, team)
            .await
            .map_err(|e| e.to_string())?;
        let d = t.elapsed();
        rows = overview.len();
        let t = Instant::now();
        let r = http
            .get(format!("{base}/teams/{team}"))
            .bearer_auth(&coach_credential)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        assert!(r.status().is_success(), "the team page: {}", r.status());
        let html = r.text().await.map_err(|e| e.to_string())?;
        let p = t.elapsed();
        assert!(
            html.contains("Floor trainee 1"),
            "the team page lists the trainees"
        );
        if round > 0 {
            sql.push(d);
            page.push(p);
        }
    }
    sql.sort();
    page.sort();
    // The baseline: the one-pass way without aggregation — read every session of the team
    // once, build each trainee's report from them, rank (also the correctness check).
    let mut long = Vec::new();
    let mut same = true;
    for _ in 0..2 {
        let t = Instant::now();
        let sessions = dojo_server::repo::team_sessions(&client, team)
            .await
            .map_err(|e| e.to_string())?;
        let mut by_trainee: BTreeMap<String, Vec<SessionSummary>> = BTreeMap::new();
        for s in sessions {
            by_trainee.entry(s.trainee.clone()).or_default().push(s);
        }
        let options = ReportOptions::for_pack(&pack, chrono::Utc::now());
        let built: Vec<_> = by_trainee
            .into_iter()
            .map(|(trainee, sessions)| {
                report::build(
                    &ReportInput {
                        trainee,
                        team: Some("Floor".into()),
                        sessions,
                        team_sessions: Vec::new(),
                        overrides: Vec::new(),
                        schedule: Vec::new(),
                        reviews: BTreeMap::new(),
                    },
                    &options,
                )
            })
            .collect();
        let rows = report::overview(&built, reports::pass_mark(&state));
        long.push(t.elapsed());
        let by_sql: Vec<_> = reports::team_overview(&client, &state, team)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        same &= by_sql == rows;
    }
    long.sort();
    // One trainee's page in that team (their report, with the team's comparison).
    let someone: uuid::Uuid = client
        .query_one("SELECT id FROM people WHERE name = 'Floor trainee 1'", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let t = Instant::now();
    let r = http
        .get(format!("{base}/people/{someone}"))
        .bearer_auth(&coach_credential)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    assert!(
        r.status().is_success(),
        "the trainee's page: {}",
        r.status()
    );
    let _ = r.text().await;
    let person_page = t.elapsed();

    println!("rows: {rows}; the same as the one-pass reports' overview: {same}");
    println!(
        "overview in SQL: median {:.1} ms, max {:.1} ms over {} runs",
        ms(percentile(&sql, 0.5)),
        ms(*sql.last().unwrap()),
        sql.len()
    );
    println!(
        "team page over HTTP (overview + render): median {:.1} ms, max {:.1} ms",
        ms(percentile(&page, 0.5)),
        ms(*page.last().unwrap())
    );
    println!(
        "baseline, one pass over the team's sessions (read, report each trainee, rank): {:.0} ms; ratio baseline / SQL: {:.0}",
        ms(long[0]),
        long[0].as_secs_f64() / percentile(&sql, 0.5).as_secs_f64()
    );
    println!(
        "one trainee's page in that team (report with the team comparison): {:.0} ms",
        ms(person_page)
    );
    Ok(())
}
