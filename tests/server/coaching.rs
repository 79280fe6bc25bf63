//! Coaching on the server: a coach overrides a grade with a reason (CSRF-protected form,
//! append-only trail, the report and the team's scores follow it), trainees acknowledge
//! and dispute grades through the API (idempotent, only their own), disputes wait in the
//! coach's queue until answered, and item analysis counts what goes wrong per scenario.

use dojo_core::agents::Persona;
use dojo_core::history::SessionSummary;
use dojo_server::auth::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{Server, envelope, http, play, screenshot, sign_in};

const SHIFT: &str = "onboarding-1-l1-scope";

/// Enrols a trainee of `team`, plays the shift as `persona` and uploads it: their UUID,
/// credential and the server's session id.
async fn trainee_with_session(
    server: &Server,
    name: &str,
    team: &str,
    persona: Persona,
) -> (Uuid, String, i64) {
    let (id, cred) = server.enrolled(name, Role::Trainee, Some(team)).await;
    let played = play(SHIFT, persona, 7, name);
    let (status, body) = server.upload(&cred, &envelope(&played.log, id)).await;
    assert_eq!(status, 201, "{body}");
    (id, cred, body["session"].as_i64().unwrap())
}

async fn stored_summary(server: &Server, session: i64) -> SessionSummary {
    let client = server.state.pool.get().await.unwrap();
    let v: Value = client
        .query_one("SELECT summary FROM sessions WHERE id = $1", &[&session])
        .await
        .unwrap()
        .get(0);
    serde_json::from_value(v).unwrap()
}

async fn post_form(
    server: &Server,
    cred: &str,
    path: &str,
    form: &[(&str, String)],
) -> (u16, String) {
    let r = http()
        .post(server.url(path))
        .bearer_auth(cred)
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn respond(server: &Server, cred: &str, body: &Value) -> (u16, Value) {
    let r = http()
        .post(server.url("/api/responses"))
        .bearer_auth(cred)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coach_overrides_a_grade_with_a_reason_and_the_report_and_trail_follow_it() {
    let server = Server::start().await;
    server.team("Desk A").await;
    server.team("Desk B").await;
    let (_, coach) = server.enrolled("Cora", Role::Coach, Some("Desk A")).await;
    let (_, other_coach) = server.enrolled("Otto", Role::Coach, Some("Desk B")).await;
    let (ana, ana_cred, sid) =
        trainee_with_session(&server, "Ana", "Desk A", Persona::OverEscalator).await;
    let summary = stored_summary(&server, sid).await;
    let t = summary.tickets.iter().find(|t| !t.handed_over).unwrap();
    let new_score = if t.score >= 50 {
        t.score - 40
    } else {
        t.score + 40
    };

    // The session page shows the ticket with an override form.
    let cookie = sign_in(&server, &coach).await;
    let page = http()
        .get(server.url(&format!("/sessions/{sid}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("action=\"/sessions/{sid}/overrides\"")),
        "{html}"
    );
    assert!(html.contains(&t.scenario));
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = html[at..at + 64].to_string();

    let override_form = |csrf: &str, reason: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("ticket", t.number.to_string()),
            ("score", new_score.to_string()),
            ("reason", reason.to_string()),
        ]
    };
    let post = |form: Vec<(&'static str, String)>| {
        http()
            .post(server.url(&format!("/sessions/{sid}/overrides")))
            .header("cookie", &cookie)
            .form(&form)
            .send()
    };
    // A forged form (no or a wrong CSRF token), an empty reason, a score over 100, a
    // ticket that does not exist: refused, nothing stored.
    assert_eq!(
        post(override_form(&"0".repeat(64), "x"))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(post(override_form("", "x")).await.unwrap().status(), 403);
    assert_eq!(
        post(override_form(&csrf, "   ")).await.unwrap().status(),
        400
    );
    let mut over = override_form(&csrf, "x");
    over[2].1 = "101".into();
    assert_eq!(post(over).await.unwrap().status(), 400);
    let mut nothere = override_form(&csrf, "x");
    nothere[1].1 = "999".into();
    let r = post(nothere).await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("has no ticket 999"));
    // The coach of another team may not.
    let (status, _) = post_form(
        &server,
        &other_coach,
        &format!("/sessions/{sid}/overrides"),
        &override_form("", "not mine"),
    )
    .await;
    assert_eq!(status, 403);
    // Nor may the trainee.
    let (status, _) = post_form(
        &server,
        &ana_cred,
        &format!("/sessions/{sid}/overrides"),
        &override_form("", "mine"),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(server.count("SELECT count(*) FROM overrides").await, 0);

    let reason = "The note's hypothesis was right: the grader missed the <paraphrase>";
    let r = post(override_form(&csrf, reason)).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/sessions/{sid}"));
    assert_eq!(server.count("SELECT count(*) FROM overrides").await, 1);
    assert_eq!(
        server
            .count("SELECT count(*) FROM audit WHERE action = 'override'")
            .await,
        1
    );
    // A second override chains from the first.
    let (status, _) = post_form(
        &server,
        &coach,
        &format!("/sessions/{sid}/overrides"),
        &[
            ("ticket", t.number.to_string()),
            ("score", "77".to_string()),
            ("reason", "Second look".to_string()),
        ],
    )
    .await;
    assert_eq!(status, 303);

    // The trail cannot be edited or deleted.
    let client = server.state.pool.get().await.unwrap();
    let err = client
        .execute("UPDATE overrides SET new_score = 100", &[])
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("append-only"), "{err:?}");
    assert!(client.execute("DELETE FROM overrides", &[]).await.is_err());

    // The report (the app's and the web view's model) carries the trail and the score.
    let (status, body) = server
        .get(&coach, &format!("/api/people/{ana}/report"))
        .await;
    assert_eq!(status, 200);
    let report: Value = serde_json::from_str(&body).unwrap();
    let row = &report["overrides"][0];
    assert_eq!(row["ticket"], t.number);
    assert_eq!(row["automatic_score"], t.score);
    assert_eq!(row["score"], 77);
    let trail = row["trail"].as_array().unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[0]["old_score"], t.score);
    assert_eq!(trail[0]["new_score"], new_score);
    assert_eq!(trail[0]["coach"], "Cora");
    assert_eq!(trail[1]["old_score"], new_score);
    let mut tickets = summary.tickets.clone();
    for k in &mut tickets {
        if k.number == t.number {
            k.effective_score = 77;
        }
    }
    let expected = dojo_core::history::session_score(&tickets);
    assert_eq!(
        report["sessions"][0]["score"].as_u64().map(|v| v as u32),
        expected
    );
    assert_eq!(
        report["sessions"][0]["automatic_score"]
            .as_u64()
            .map(|v| v as u32),
        summary.score
    );
    // The page shows it, escaped.
    let html = http()
        .get(server.url(&format!("/sessions/{sid}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("&lt;paraphrase&gt;"));
    assert!(html.contains(&format!("(automatic {})", t.score)));
    // The trainee's page links to the session's.
    let (_, person) = server.get(&coach, &format!("/people/{ana}")).await;
    assert!(person.contains(&format!("href=\"/sessions/{sid}\"")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trainees_acknowledge_and_dispute_their_own_grades_and_disputes_wait_for_the_coach() {
    let server = Server::start().await;
    server.team("Desk A").await;
    server.team("Desk B").await;
    let (_, coach) = server.enrolled("Cora", Role::Coach, Some("Desk A")).await;
    let (_, other_coach) = server.enrolled("Otto", Role::Coach, Some("Desk B")).await;
    let (_, ana_cred, sid) =
        trainee_with_session(&server, "Ana", "Desk A", Persona::OverEscalator).await;
    let (_, ben_cred, ben_sid) =
        trainee_with_session(&server, "Ben", "Desk A", Persona::Ideal).await;
    let summary = stored_summary(&server, sid).await;
    let graded: Vec<u32> = summary
        .tickets
        .iter()
        .filter(|t| !t.handed_over)
        .map(|t| t.number)
        .collect();
    let (first, second) = (graded[0], graded[1]);

    let key = Uuid::new_v4().to_string();
    let ack = json!({ "session": sid, "ticket": first, "kind": "ack", "key": key });
    let (status, body) = respond(&server, &ana_cred, &ack).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["kind"], "ack");
    // A retried sync: the same row, nothing new.
    let (status, again) = respond(&server, &ana_cred, &ack).await;
    assert_eq!(status, 200);
    assert_eq!(again["id"], body["id"]);

    // Hostile and malformed: someone else's session, an answer, no message, not JSON,
    // a key that is not a UUID, a ticket that does not exist.
    let dispute = |session: i64, ticket: u32, message: &str| {
        json!({ "session": session, "ticket": ticket, "kind": "dispute",
                "message": message, "key": Uuid::new_v4().to_string() })
    };
    assert_eq!(
        respond(&server, &ben_cred, &dispute(sid, first, "not mine"))
            .await
            .0,
        403
    );
    assert_eq!(
        respond(&server, &coach, &dispute(sid, first, "coach"))
            .await
            .0,
        403
    );
    assert_eq!(
        server
            .count("SELECT count(*) FROM audit WHERE action = 'response-refused'")
            .await,
        2
    );
    let mut answer = dispute(sid, first, "x");
    answer["kind"] = json!("answer");
    assert_eq!(respond(&server, &ana_cred, &answer).await.0, 400);
    assert_eq!(
        respond(&server, &ana_cred, &dispute(sid, first, "  "))
            .await
            .0,
        400
    );
    assert_eq!(
        respond(&server, &ana_cred, &dispute(sid, 999, "why"))
            .await
            .0,
        400
    );
    assert_eq!(
        respond(&server, &ana_cred, &dispute(ben_sid + 1000, first, "why"))
            .await
            .0,
        404
    );
    let mut bad_key = dispute(sid, first, "why");
    bad_key["key"] = json!("1");
    assert_eq!(respond(&server, &ana_cred, &bad_key).await.0, 400);
    let r = http()
        .post(server.url("/api/responses"))
        .bearer_auth(&ana_cred)
        .body("{\"session\":")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(server.count("SELECT count(*) FROM responses").await, 1);

    // Two disputes: they wait in the coach's queue, not in another team's.
    let words = "I escalated at minute 14 after the checklist: the window is a maximum";
    let (status, d1) = respond(&server, &ana_cred, &dispute(sid, first, words)).await;
    assert_eq!(status, 201);
    let (status, _) = respond(
        &server,
        &ana_cred,
        &dispute(sid, second, "The <b>VPN</b> was down"),
    )
    .await;
    assert_eq!(status, 201);
    let (status, queue) = server.get(&coach, "/queue").await;
    assert_eq!(status, 200);
    assert!(queue.contains("Disputes (2)"), "{queue}");
    assert!(queue.contains(words));
    assert!(queue.contains("The &lt;b&gt;VPN&lt;/b&gt; was down"));
    assert!(queue.contains(&format!("href=\"/sessions/{sid}\"")));
    if let Some(dark) = screenshot(&queue, "dispute-queue") {
        assert!(dark > 2_000, "the queue shows no text ({dark} dark pixels)");
    }
    let (_, other) = server.get(&other_coach, "/queue").await;
    assert!(other.contains("Disputes (0)"), "{other}");
    assert!(!other.contains(words));

    // The coach keeps one grade with a reason, and overrides the other answering it.
    let (status, _) = post_form(
        &server,
        &coach,
        &format!("/sessions/{sid}/answers"),
        &[
            ("dispute", d1["id"].to_string()),
            (
                "message",
                "The checks were done after the window closed".into(),
            ),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, queue) = server.get(&coach, "/queue").await;
    assert!(queue.contains("Disputes (1)"), "{queue}");
    let d2: i64 = {
        let client = server.state.pool.get().await.unwrap();
        client
            .query_one(
                "SELECT id FROM responses WHERE kind = 'dispute' AND ticket = $1",
                &[&(second as i32)],
            )
            .await
            .unwrap()
            .get(0)
    };
    let (status, _) = post_form(
        &server,
        &coach,
        &format!("/sessions/{sid}/overrides"),
        &[
            ("ticket", second.to_string()),
            ("score", "90".into()),
            ("reason", "Right: the VPN outage was in the log".into()),
            ("dispute", d2.to_string()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, queue) = server.get(&coach, "/queue").await;
    assert!(queue.contains("Disputes (0)"), "{queue}");
    let (status, page) = server.get(&coach, &format!("/sessions/{sid}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Right: the VPN outage was in the log"));
    if let Some(dark) = screenshot(&page, "session-with-trail") {
        assert!(
            dark > 2_000,
            "the session page shows no text ({dark} dark pixels)"
        );
    }
    assert_eq!(
        server
            .count(
                "SELECT count(*) FROM responses WHERE kind = 'answer' AND override_id IS NOT NULL"
            )
            .await,
        1
    );
    // The trainee sees the answers on the session (through the report's trail for the
    // override); the responses cannot be edited.
    let client = server.state.pool.get().await.unwrap();
    assert!(
        client
            .execute("UPDATE responses SET message = ''", &[])
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_analysis_counts_per_scenario_what_goes_wrong_across_the_team() {
    let server = Server::start().await;
    let team = server.team("Desk A").await;
    server.team("Desk B").await;
    let (_, coach) = server.enrolled("Cora", Role::Coach, Some("Desk A")).await;
    let (_, other_coach) = server.enrolled("Otto", Role::Coach, Some("Desk B")).await;
    let mut summaries = Vec::new();
    for (name, persona) in [
        ("Ana", Persona::Ideal),
        ("Ben", Persona::OverEscalator),
        ("Cleo", Persona::UnderEscalator),
    ] {
        let (_, _, sid) = trainee_with_session(&server, name, "Desk A", persona).await;
        let mut s = stored_summary(&server, sid).await;
        s.trainee = name.to_string();
        summaries.push(s);
    }
    let (status, html) = server.get(&coach, &format!("/teams/{team}/items")).await;
    assert_eq!(status, 200, "{html}");
    if let Some(dark) = screenshot(&html, "item-analysis") {
        assert!(
            dark > 2_000,
            "the items page shows no text ({dark} dark pixels)"
        );
    }
    // The figures are dojo-core's item analysis of the same summaries.
    let weak = (dojo_core::pack::Pack::builtin()
        .unwrap()
        .policy
        .l2
        .bounce_below
        * 100.0)
        .round() as u32;
    let rows = dojo_core::report::item_analysis(&summaries, weak);
    assert!(!rows.is_empty());
    assert!(
        rows.iter().any(|r| r.decision_wrong > 0),
        "the over- and under-escalator make wrong calls"
    );
    for r in &rows {
        assert_eq!(r.trainees, 3, "{}", r.scenario);
        assert!(html.contains(&r.scenario), "{}", r.scenario);
        if r.decision_wrong > 0 {
            let cell = format!(
                "{} of {} ({:.0}%)",
                r.decision_wrong,
                r.attempts,
                100.0 * r.decision_wrong as f64 / r.attempts as f64
            );
            assert!(html.contains(&cell), "{cell} for {}", r.scenario);
        }
    }
    // The worst scenario first.
    let first = html.find(&rows[0].scenario).unwrap();
    for r in &rows[1..] {
        if r.worst_rate() < rows[0].worst_rate() {
            assert!(first < html.find(&r.scenario).unwrap());
        }
    }
    let (status, _) = server
        .get(&other_coach, &format!("/teams/{team}/items"))
        .await;
    assert_eq!(status, 403);
    assert!(server.get(&coach, "/teams/not-a-uuid/items").await.0 == 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_override_made_in_the_app_is_stored_once_under_its_key_and_only_for_a_coach() {
    let server = Server::start().await;
    server.team("Desk A").await;
    server.team("Desk B").await;
    let (_, coach) = server.enrolled("Cora", Role::Coach, Some("Desk A")).await;
    let (_, other_coach) = server.enrolled("Otto", Role::Coach, Some("Desk B")).await;
    let (_, ana_cred, sid) =
        trainee_with_session(&server, "Ana", "Desk A", Persona::OverEscalator).await;
    let post = |cred: &str, body: Value| {
        let r = http()
            .post(server.url("/api/overrides"))
            .bearer_auth(cred)
            .json(&body);
        async move {
            let r = r.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let key = Uuid::new_v4().to_string();
    let body = json!({ "session": sid, "ticket": 1, "score": 88,
                       "reason": "Reviewed in our one-to-one", "key": key });
    let (status, first) = post(&coach, body.clone()).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["new_score"], 88);
    let (status, again) = post(&coach, body.clone()).await;
    assert_eq!(status, 200, "a resent override is the same one");
    assert_eq!(again["id"], first["id"]);
    let mut other = body.clone();
    other["score"] = json!(10);
    assert_eq!(post(&coach, other).await.0, 409, "one key, one override");
    assert_eq!(post(&ana_cred, body.clone()).await.0, 403);
    let mut fresh = body.clone();
    fresh["key"] = json!(Uuid::new_v4().to_string());
    assert_eq!(post(&other_coach, fresh.clone()).await.0, 403);
    for (field, bad) in [
        ("key", json!("not-a-uuid")),
        ("score", json!(101)),
        ("reason", json!("  ")),
        ("ticket", json!(999)),
    ] {
        let mut b = fresh.clone();
        b[field] = bad;
        assert_eq!(post(&coach, b).await.0, 400, "{field}");
    }
    assert_eq!(server.count("SELECT count(*) FROM overrides").await, 1);
    assert_eq!(
        server
            .count("SELECT count(*) FROM audit WHERE action = 'override-refused' OR action = 'read-refused'")
            .await,
        2
    );
}
