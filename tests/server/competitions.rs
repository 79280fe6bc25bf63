//! A competition run on the server with three participants: the coach creates it, each
//! trainee's app fetches the file, plays it as that participant and hands in through the
//! ordinary upload; the live board ranks them exactly as `dojo compete verify` and its
//! leaderboard rank the same results, refuses what `dojo compete` refuses (not on the
//! roster) and what only the server can tell (a result played under another participant's
//! name, an upload that did not verify), freezes at its time, and draws for the wall.

use std::sync::Arc;

use dojo_core::agents::{self, Persona};
use dojo_core::compete::{self, Competition, ResultFile};
use dojo_core::sim::record::{self, SessionResult};
use dojo_core::validate::Source;
use dojo_server::auth::Role;
use serde_json::Value;
use uuid::Uuid;

use crate::common::{Server, envelope, http, pack, screenshot, sign_in};

/// `name` plays the competition as `participant` (their own name, normally) with a
/// persona: the line log to upload and the result `dojo compete` would verify.
fn play_in(c: &Competition, participant: &str, persona: Persona) -> (String, SessionResult) {
    let pack = pack();
    let p = c.participant(participant, None).unwrap();
    let shift = c.shift_for(&pack, &p.name).unwrap();
    let script = agents::play(Arc::clone(&pack), &shift, c.seed, persona).unwrap();
    let mut session = c.start_session(Arc::clone(&pack), &p).unwrap();
    let header = c.header(&session, &p);
    record::play_script(&mut session, &script, 0, None, None).unwrap();
    let log = record::log_text(&header, &session.log);
    (log, compete::finish_result(&mut session, header))
}

async fn board(server: &Server, cred: &str, id: &str) -> Value {
    let (status, body) = server
        .get(cred, &format!("/api/competitions/{id}/board"))
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn ranked(board: &Value) -> Vec<(String, f64)> {
    board["board"]["individuals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["participant"].as_str().unwrap().to_string(),
                s["score"]["composite"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn rejected(board: &Value) -> Vec<(String, String)> {
    board["board"]["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["participant"].as_str().unwrap_or("").to_string(),
                r["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_participants_rank_on_the_live_board_as_dojo_compete_ranks_them() {
    let server = Server::start().await;
    server.team("Desk A").await;
    server.team("Desk B").await;
    let (_, coach) = server.enrolled("Cora", Role::Coach, Some("Desk A")).await;
    let (_, other_coach) = server.enrolled("Otto", Role::Coach, Some("Desk B")).await;
    let mut trainees = Vec::new();
    for name in ["Ana", "Ben", "Cleo"] {
        trainees.push(server.enrolled(name, Role::Trainee, Some("Desk A")).await);
    }
    let (dan, dan_cred) = server.enrolled("Dan", Role::Trainee, Some("Desk B")).await;

    // The coach creates it; a browser form without the CSRF token is refused.
    let cookie = sign_in(&server, &coach).await;
    let r = http()
        .post(server.url("/competitions"))
        .header("cookie", &cookie)
        .form(&[("name", "December cup"), ("shift", "competition-mixed")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, trainee_cred) = &trainees[0];
    let form = [
        ("csrf", ""),
        ("name", "December cup"),
        ("shift", "competition-mixed"),
        ("seed", "42"),
    ];
    let r = http()
        .post(server.url("/competitions"))
        .bearer_auth(trainee_cred)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a trainee creates no competition");
    for (bad, says) in [
        (("shift", "no-such-shift"), "not a shift"),
        (("seed", "-1"), "seed"),
    ] {
        let mut f = form.to_vec();
        f.retain(|(k, _)| *k != bad.0);
        f.push(bad);
        let r = http()
            .post(server.url("/competitions"))
            .bearer_auth(&coach)
            .form(&f)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains(says));
    }
    let r = http()
        .post(server.url("/competitions"))
        .bearer_auth(&coach)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    let id = at.trim_start_matches("/competitions/").to_string();
    assert!(Uuid::parse_str(&id).is_ok(), "{at}");

    // Each participant's app fetches it: the file `dojo compete` reads, and their name.
    let mut competition = None;
    for (_, cred) in &trainees {
        let (status, body) = server.get(cred, "/api/competitions").await;
        assert_eq!(status, 200, "{body}");
        let listed: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        let file = listed[0]["file"].as_str().unwrap();
        let c = Competition::parse(
            &Source {
                name: "competition.ron".into(),
                bytes: file.as_bytes().to_vec(),
            },
            Some(&pack()),
        )
        .unwrap();
        assert_eq!(c.content_hash(), listed[0]["sha256"].as_str().unwrap());
        assert_eq!(c.teams.len(), 3, "the roster is Desk A's trainees");
        competition = Some(c);
    }
    let c = competition.unwrap();
    let (_, body) = server.get(&dan_cred, "/api/competitions").await;
    assert_eq!(body, "[]", "Desk B's trainee is not on Desk A's roster");
    assert_eq!(
        server
            .get(&other_coach, &format!("/competitions/{id}"))
            .await
            .0,
        403
    );

    // Ana and Ben hand in through the ordinary upload.
    let personas = [
        Persona::Ideal,
        Persona::OverEscalator,
        Persona::UnderEscalator,
    ];
    let mut results = Vec::new();
    for (i, name) in ["Ana", "Ben"].iter().enumerate() {
        let (person, cred) = &trainees[i];
        let (log, result) = play_in(&c, name, personas[i]);
        let (status, body) = server.upload(cred, &envelope(&log, *person)).await;
        assert_eq!(status, 201, "{body}");
        results.push(result);
    }
    // Hostile: Cleo hands in a play made as Ana; Dan (not on the roster) plays it anyway;
    // Ben hands in an edited log.
    let (as_ana, _) = play_in(&c, "Ana", Persona::KbIgnorer);
    let (cleo, cleo_cred) = &trainees[2];
    assert_eq!(
        server.upload(cleo_cred, &envelope(&as_ana, *cleo)).await.0,
        201
    );
    let (dan_log, _) = {
        // Dan's app cannot enter under the roster; a hand-made log under his name does
        // verify as a session but not as an entry.
        let p = dojo_core::compete::Participant {
            name: "Dan".into(),
            team: Some("Desk B".into()),
        };
        let pack = pack();
        let shift = c.shift_for(&pack, "Dan").unwrap();
        let script = agents::play(Arc::clone(&pack), &shift, c.seed, Persona::Ideal).unwrap();
        let mut session =
            dojo_core::sim::session::Session::with_shift(Arc::clone(&pack), shift, c.seed).unwrap();
        let header = c.header(&session, &p);
        record::play_script(&mut session, &script, 0, None, None).unwrap();
        (record::log_text(&header, &session.log), ())
    };
    let (status, body) = server.upload(&dan_cred, &envelope(&dan_log, dan)).await;
    assert_eq!(status, 201, "{body}");
    let (ben_log, _) = play_in(&c, "Ben", Persona::Slow);
    let mut lines: Vec<String> = ben_log.lines().map(str::to_string).collect();
    let last = lines.len() - 1;
    lines[last] = lines[last].replacen("busy_until:", "busy_until:1", 1);
    let edited = lines.join("\n") + "\n";
    assert!(edited != ben_log, "the edit changed nothing");
    let (status, body) = server
        .upload(&trainees[1].1, &envelope(&edited, trainees[1].0))
        .await;
    assert_eq!(status, 202, "{body}");

    // The live board: Ana and Ben ranked as dojo compete ranks their results.
    let live = board(&server, &trainees[0].1, &id).await;
    let files: Vec<ResultFile> = results
        .iter()
        .enumerate()
        .map(|(i, r)| ResultFile {
            name: format!("{i}.result.ron"),
            bytes: r.to_ron().into_bytes(),
        })
        .collect();
    let local = compete::leaderboard::leaderboard(
        &c,
        &compete::verify::verify(&c, &pack(), &files).unwrap(),
    );
    let expected: Vec<(String, f64)> = local
        .individuals
        .iter()
        .map(|s| (s.participant.clone(), s.score.composite))
        .collect();
    assert_eq!(ranked(&live), expected);
    assert_eq!(expected.len(), 2);
    let mut refused = rejected(&live);
    refused.sort();
    assert_eq!(
        refused,
        vec![
            ("Ana".to_string(), "not-the-sender".to_string()),
            ("Ben".to_string(), "log-edited".to_string()),
            ("Dan".to_string(), "roster".to_string()),
        ],
        "{live:#}"
    );

    // The board freezes; Cleo's own play arrives after it.
    let client = server.state.pool.get().await.unwrap();
    client
        .execute("UPDATE competitions SET freeze_at = now()", &[])
        .await
        .unwrap();
    let (log, result) = play_in(&c, "Cleo", personas[2]);
    assert_eq!(
        server.upload(cleo_cred, &envelope(&log, *cleo)).await.0,
        201
    );
    results.push(result);
    let frozen = board(&server, &trainees[2].1, &id).await;
    assert_eq!(frozen["frozen"], true);
    assert_eq!(frozen["after_freeze"], 1);
    assert_eq!(ranked(&frozen), expected, "the frozen board does not move");

    // Past the freeze, the coach's final board ranks all three as dojo compete does.
    let files: Vec<ResultFile> = results
        .iter()
        .enumerate()
        .map(|(i, r)| ResultFile {
            name: format!("{i}.result.ron"),
            bytes: r.to_ron().into_bytes(),
        })
        .collect();
    let local = compete::leaderboard::leaderboard(
        &c,
        &compete::verify::verify(&c, &pack(), &files).unwrap(),
    );
    assert_eq!(local.individuals.len(), 3, "{:?}", local.rejected);
    let page = |q: &'static str| {
        let cookie = cookie.clone();
        let url = server.url(&format!("/competitions/{id}{q}"));
        async move {
            let r = http()
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let final_board = page("?all=1").await;
    let mut at = 0;
    for s in &local.individuals {
        let found = final_board[at..]
            .find(&format!("<td>{}</td>", s.participant))
            .unwrap_or_else(|| panic!("{} not in order on the final board", s.participant));
        at += found + 1;
        assert!(final_board.contains(&format!("{:.2}", s.score.composite)));
    }
    for code in ["not-the-sender", "log-edited", "roster"] {
        assert!(final_board.contains(code), "{code}");
    }
    let coach_view = page("").await;
    assert!(coach_view.contains("Board frozen at"), "{coach_view}");
    assert!(!coach_view.contains("<td>Cleo</td>"));

    // The wall screen: ranks only, refreshing itself, no one's rejection aired.
    let wall = page("?wall=1").await;
    assert!(wall.contains("http-equiv=\"refresh\""));
    assert!(wall.contains("<td>Ana</td>") && wall.contains("Board frozen at"));
    assert!(!wall.contains("not-the-sender") && wall.contains("3 result(s) not ranked"));
    if let Some(dark) = screenshot(&wall, "competition-wall") {
        assert!(
            dark > 2_000,
            "the wall board shows no text ({dark} dark pixels)"
        );
    }
    if let Some(dark) = screenshot(&final_board, "competition-final") {
        assert!(
            dark > 2_000,
            "the final board shows no text ({dark} dark pixels)"
        );
    }
}
