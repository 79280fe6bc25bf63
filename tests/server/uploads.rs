//! Uploads: verified by re-simulation before anything is stored, idempotent by the log's
//! SHA-256, tampering quarantined with its reason, writing for someone else refused.

use dojo_core::agents::Persona;
use dojo_core::sim::action::{LogEntry, Outcome};
use dojo_core::sim::record::LogHeader;
use dojo_server::auth::Role;
use serde_json::{Value, json};

use crate::common::{MAX_BODY, Server, envelope, http, play};

const SHIFT: &str = "onboarding-1-l1-scope";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_session_is_verified_and_stored_with_the_servers_own_grade() {
    let server = Server::start().await;
    let (ana, credential) = server.enrolled("Ana", Role::Trainee, None).await;
    let played = play(SHIFT, Persona::OverEscalator, 7, "Ana");
    let mut env = envelope(&played.log, ana);
    env["claimed_score"] = json!(played.score);
    let (status, body) = server.upload(&credential, &env).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "stored");
    assert_eq!(body["duplicate"], false);
    assert_eq!(body["score"], json!(played.score));
    assert_eq!(server.count("SELECT count(*) FROM sessions").await, 1);
    assert_eq!(
        server.count("SELECT score::bigint FROM sessions").await,
        i64::from(played.score)
    );
    let pack = crate::common::pack();
    assert_eq!(
        server
            .count(&format!(
                "SELECT count(*) FROM sessions WHERE pack_hash = '{}' AND policy_hash = '{}' AND shift_id = '{SHIFT}'",
                pack.content_hash, pack.policy_hash
            ))
            .await,
        1
    );
    // The report reads it back through dojo-core's model.
    let (status, report) = server
        .get(&credential, &format!("/api/people/{ana}/report"))
        .await;
    assert_eq!(status, 200, "{report}");
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(
        report["sessions"][0]["automatic_score"],
        json!(played.score)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_upload_twice_is_stored_once() {
    let server = Server::start().await;
    let (ana, credential) = server.enrolled("Ana", Role::Trainee, None).await;
    let played = play(SHIFT, Persona::Ideal, 7, "Ana");
    let env = envelope(&played.log, ana);
    let (s1, b1) = server.upload(&credential, &env).await;
    let (s2, b2) = server.upload(&credential, &env).await;
    assert_eq!((s1, s2), (201, 200), "{b1} {b2}");
    assert_eq!(b2["duplicate"], true);
    assert_eq!(b1["session"], b2["session"]);
    assert_eq!(b1["log_sha256"], b2["log_sha256"]);
    assert_eq!(server.count("SELECT count(*) FROM sessions").await, 1);
}

/// The log with its first entry's logged outcome changed (as if hand-edited).
fn with_first_entry_edited(log: &str) -> String {
    let mut lines: Vec<String> = log.lines().map(str::to_string).collect();
    let mut entry: LogEntry = ron::from_str(&lines[1]).unwrap();
    entry.outcome = match entry.outcome {
        Outcome::Done { busy_until } => Outcome::Done {
            busy_until: busy_until + 1,
        },
        Outcome::Refused(_) => Outcome::Done { busy_until: 0 },
    };
    lines[1] = ron::to_string(&entry).unwrap();
    lines.join("\n") + "\n"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_log_or_a_false_score_claim_is_quarantined_with_its_reason() {
    let server = Server::start().await;
    let (ana, credential) = server.enrolled("Ana", Role::Trainee, None).await;
    let played = play(SHIFT, Persona::Ideal, 7, "Ana");

    let tampered = with_first_entry_edited(&played.log);
    let (status, body) = server.upload(&credential, &envelope(&tampered, ana)).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "quarantined");
    assert_eq!(body["code"], "log-edited");
    assert!(
        body["reason"].as_str().unwrap().contains("entry 1"),
        "{body}"
    );

    let mut claim = envelope(&played.log, ana);
    let false_score = if played.score == 100 {
        99
    } else {
        played.score + 1
    };
    claim["claimed_score"] = json!(false_score);
    let (status, body) = server.upload(&credential, &claim).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["code"], "score-claim");
    let reason = body["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("claims a score of {false_score}"))
            && reason.contains(&format!("scores {}", played.score)),
        "{reason}"
    );

    assert_eq!(server.count("SELECT count(*) FROM sessions").await, 0);
    assert_eq!(server.count("SELECT count(*) FROM quarantine").await, 2);
    // The same rejected upload again: the same verdict, not a second entry.
    let (status, body) = server.upload(&credential, &claim).await;
    assert_eq!(status, 200);
    assert_eq!(body["duplicate"], true);
    assert_eq!(body["code"], "score-claim");
    assert_eq!(server.count("SELECT count(*) FROM quarantine").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_on_content_the_server_does_not_have_is_quarantined() {
    let server = Server::start().await;
    let (ana, credential) = server.enrolled("Ana", Role::Trainee, None).await;
    let played = play(SHIFT, Persona::Ideal, 7, "Ana");
    let mut lines: Vec<String> = played.log.lines().map(str::to_string).collect();
    let mut header: LogHeader = ron::from_str(&lines[0]).unwrap();
    header.pack_hash = "ab".repeat(32);
    lines[0] = ron::to_string(&header).unwrap();
    let log = lines.join("\n") + "\n";
    let mut env = envelope(&log, ana);
    env["pack_hash"] = json!(header.pack_hash);
    let (status, body) = server.upload(&credential, &env).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["code"], "unknown-content");

    // A log that is not a log at all.
    let (status, body) = server
        .upload(&credential, &envelope("hello\nworld\n", ana))
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["code"], "unreadable");
    assert_eq!(server.count("SELECT count(*) FROM sessions").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_whose_embedded_shift_was_edited_is_quarantined() {
    let server = Server::start().await;
    let (ana, credential) = server.enrolled("Ana", Role::Trainee, None).await;
    let played = play(SHIFT, Persona::Ideal, 7, "Ana");
    let edit = |f: &dyn Fn(&mut LogHeader)| {
        let mut lines: Vec<String> = played.log.lines().map(str::to_string).collect();
        let mut header: LogHeader = ron::from_str(&lines[0]).unwrap();
        f(&mut header);
        lines[0] = ron::to_string(&header).unwrap();
        lines.join("\n") + "\n"
    };
    // A pack shift made endless.
    let longer = edit(&|h| h.shift.length_minutes = 100_000);
    let (status, body) = server.upload(&credential, &envelope(&longer, ana)).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["code"], "shift-edited");
    // A shift of its own (as a drill is), too long to re-simulate.
    let own = edit(&|h| {
        h.shift.id = "drill-ana".into();
        h.shift.length_minutes = 100_000;
    });
    let (status, body) = server.upload(&credential, &envelope(&own, ana)).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["code"], "shift-too-large");
    assert_eq!(server.count("SELECT count(*) FROM sessions").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_for_another_person_is_refused_audited_and_not_stored() {
    let server = Server::start().await;
    let (_, ana_credential) = server.enrolled("Ana", Role::Trainee, None).await;
    let (ben, _) = server.enrolled("Ben", Role::Trainee, None).await;
    let played = play(SHIFT, Persona::Ideal, 7, "Ben");
    let (status, body) = server
        .upload(&ana_credential, &envelope(&played.log, ben))
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"].as_str().unwrap().contains("own sessions"));
    assert_eq!(server.count("SELECT count(*) FROM sessions").await, 0);
    assert_eq!(server.count("SELECT count(*) FROM quarantine").await, 0);
    assert_eq!(
        server
            .count("SELECT count(*) FROM audit WHERE action = 'upload-refused'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_garbage_and_malformed_bodies_get_clear_errors() {
    let server = Server::start().await;
    let (ana, credential) = server.enrolled("Ana", Role::Trainee, None).await;
    let post = |body: Vec<u8>| {
        http()
            .post(server.url("/api/sessions"))
            .bearer_auth(&credential)
            .header("content-type", "application/json")
            .body(body)
    };
    let r = post(vec![b'x'; MAX_BODY + 1]).send().await.unwrap();
    assert_eq!(r.status(), 413);

    let r = post(b"\x00\xffnot json".to_vec()).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("not a session upload"),
        "{err}"
    );

    let r = post(br#"{"log": "x"}"#.to_vec()).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert!(
        err["error"].as_str().unwrap().contains("missing field"),
        "{err}"
    );

    let mut env = envelope("(format: 1)\n", ana);
    env["pack_hash"] = json!("not-a-hash");
    let r = post(serde_json::to_vec(&env).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert!(
        err["error"].as_str().unwrap().contains("64 hex digits"),
        "{err}"
    );

    let r = http()
        .post(server.url("/api/enrol"))
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(server.count("SELECT count(*) FROM sessions").await, 0);
    assert_eq!(server.count("SELECT count(*) FROM quarantine").await, 0);
}
