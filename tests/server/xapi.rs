//! The team server forwards for everyone (#17): verified sessions' xAPI statements go to
//! a real Ralph LRS (`tests/support/ralph.rs`; `.ci/run` installs it) from the server's
//! own queue in PostgreSQL — field by field as built, once each, surviving the LRS going
//! down, refusing a wrong secret without losing anything, and gone with an erased person.
//! Without `DOJO_TEST_RALPH_PYTHON` the tests say so and pass, except under CI.

use std::sync::Arc;

use chrono::{Duration, Utc};
use dojo_core::agents::Persona;
use dojo_server::auth::Role;
use dojo_xapi::XapiConfig;
use serde_json::Value;

use crate::common::{Server, envelope, play};
use crate::ralph::{KEY, Lrs, SECRET, contains, ralph_python};

fn config(endpoint: &str, secret: &str) -> Arc<XapiConfig> {
    Arc::new(
        XapiConfig::new(
            endpoint,
            KEY,
            secret,
            Some("https://training.acme.example/xapi"),
            Some("https://acme.example"),
            None,
        )
        .unwrap(),
    )
}

/// The statements the server queued (bodies as JSON), oldest first.
async fn queued(server: &Server) -> Vec<Value> {
    let c = server.state.pool.get().await.unwrap();
    c.query("SELECT body FROM xapi_outbox ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(&r.get::<_, String>(0)).unwrap())
        .collect()
}

fn lrs_statements(lrs: &Lrs) -> Vec<Value> {
    tokio::task::block_in_place(|| lrs.statements())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_forwards_verified_sessions_once_each_and_survives_the_lrs_going_down() {
    let Some(python) = ralph_python() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut lrs = tokio::task::block_in_place(|| Lrs::start(&python, &tmp.path().join("lrs")));
    let server = Server::start().await;
    server.team("Northside").await;
    let (ana, cred) = server
        .enrolled("Ana Lopez", Role::Trainee, Some("Northside"))
        .await;
    let mut scores = Vec::new();
    for (shift, persona) in [
        ("onboarding-1-l1-scope", Persona::Ideal),
        ("practice-mixed", Persona::OverEscalator),
    ] {
        let played = play(shift, persona, 7, "Ana Lopez");
        let (status, body) = server.upload(&cred, &envelope(&played.log, ana)).await;
        assert_eq!(status, 201, "{body}");
        scores.push(played.score);
    }
    let config = config(&lrs.endpoint(), SECRET);
    let now = Utc::now();

    // One round queues both sessions and delivers every statement.
    let d = dojo_server::xapi::round(&server.state, &config, now)
        .await
        .unwrap();
    let sent = queued(&server).await;
    assert!(
        sent.len() > 4,
        "statements for two sessions: {}",
        sent.len()
    );
    assert_eq!(d.sent, sent.len(), "{d:?}");
    assert_eq!((d.already_there, d.left, d.stopped.clone()), (0, 0, None));
    let stored = lrs_statements(&lrs);
    assert_eq!(stored.len(), sent.len());
    for s in &sent {
        let id = s["id"].as_str().unwrap();
        let copy = stored
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not in the LRS"));
        contains(copy, s, id);
        assert_eq!(copy["actor"]["name"], "Ana Lopez");
        assert_eq!(copy["actor"]["account"]["homePage"], "https://acme.example");
    }
    // The session scores are the server's own regrade, which is dojo-core's grade.
    let completed: Vec<&Value> = stored
        .iter()
        .filter(|s| {
            s["verb"]["id"]
                .as_str()
                .is_some_and(|v| v.ends_with("/completed"))
        })
        .collect();
    assert_eq!(completed.len(), 2);
    let mut raw: Vec<u32> = completed
        .iter()
        .map(|s| s["result"]["score"]["raw"].as_f64().unwrap() as u32)
        .collect();
    raw.sort();
    scores.sort();
    assert_eq!(raw, scores);
    let registrations: std::collections::HashSet<&str> = stored
        .iter()
        .map(|s| s["context"]["registration"].as_str().unwrap())
        .collect();
    assert_eq!(registrations.len(), 2, "one registration a session");

    // A second round finds nothing to do; a lost acknowledgement (the marks wiped) makes
    // every statement go again, and the LRS recognises them all.
    let d = dojo_server::xapi::round(&server.state, &config, now)
        .await
        .unwrap();
    assert_eq!((d.sent, d.already_there, d.left), (0, 0, 0));
    {
        let c = server.state.pool.get().await.unwrap();
        c.execute("UPDATE xapi_outbox SET verdict = NULL, sent_at = NULL", &[])
            .await
            .unwrap();
    }
    let d = dojo_server::xapi::round(&server.state, &config, now)
        .await
        .unwrap();
    assert_eq!((d.sent, d.already_there), (0, sent.len()), "{d:?}");
    assert_eq!(lrs_statements(&lrs).len(), sent.len(), "no duplicates");

    // The LRS goes down; a third session is stored meanwhile and waits.
    tokio::task::block_in_place(|| lrs.kill());
    let played = play("onboarding-2-windows", Persona::Ideal, 7, "Ana Lopez");
    let (status, _) = server.upload(&cred, &envelope(&played.log, ana)).await;
    assert_eq!(status, 201);
    let d = dojo_server::xapi::round(&server.state, &config, now)
        .await
        .unwrap();
    assert!(
        matches!(d.stopped, Some(dojo_xapi::Stop::Retry(_))),
        "{d:?}"
    );
    assert!(d.left > 0);
    let status = dojo_server::xapi::status(&server.state.pool, now)
        .await
        .unwrap();
    assert_eq!(status.pending as usize, d.left);
    assert_eq!(status.waiting as usize, d.left, "all wait out a backoff");
    assert!(status.last_error.is_some());
    // Back up: before the backoff has passed nothing goes; after it, everything, once.
    tokio::task::block_in_place(|| lrs.restart());
    let d = dojo_server::xapi::round(&server.state, &config, now + Duration::seconds(5))
        .await
        .unwrap();
    assert_eq!(d.sent, 0, "still waiting: {d:?}");
    let later = now + Duration::minutes(5);
    let d = dojo_server::xapi::round(&server.state, &config, later)
        .await
        .unwrap();
    assert_eq!(
        (d.sent, d.left, d.stopped.clone()),
        (status.pending as usize, 0, None)
    );
    let all = queued(&server).await;
    assert_eq!(
        lrs_statements(&lrs).len(),
        all.len(),
        "every statement once"
    );

    // A wrong secret: told as a configuration error; nothing marked, nothing lost.
    let fourth = play("practice-mixed", Persona::Ideal, 8, "Ana Lopez");
    let (status, _) = server.upload(&cred, &envelope(&fourth.log, ana)).await;
    assert_eq!(status, 201);
    let wrong = config_with_secret(&lrs, "not-the-secret");
    let d = dojo_server::xapi::round(&server.state, &wrong, later)
        .await
        .unwrap();
    let Some(dojo_xapi::Stop::Configuration(m)) = &d.stopped else {
        panic!("{d:?}");
    };
    assert!(m.contains("refused the credentials"), "{m}");
    assert!(
        !m.contains("not-the-secret"),
        "the secret is never said: {m}"
    );
    let pending = dojo_server::xapi::status(&server.state.pool, later)
        .await
        .unwrap();
    assert!(pending.pending > 0 && pending.waiting == 0, "{pending:?}");
    let d = dojo_server::xapi::round(&server.state, &config, later)
        .await
        .unwrap();
    assert_eq!(d.sent, pending.pending as usize);

    // Erasing the person removes their queue with their sessions.
    dojo_server::admin::erase(&server.state.pool, "Ana Lopez", "Ana Lopez")
        .await
        .unwrap();
    assert_eq!(server.count("SELECT count(*) FROM xapi_outbox").await, 0);
    assert_eq!(server.count("SELECT count(*) FROM xapi_queued").await, 0);
}

fn config_with_secret(lrs: &Lrs, secret: &str) -> Arc<XapiConfig> {
    config(&lrs.endpoint(), secret)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_xapi_forwards_an_upload_on_its_own() {
    let Some(python) = ralph_python() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let lrs = tokio::task::block_in_place(|| Lrs::start(&python, &tmp.path().join("lrs")));
    // The settings file as the admin writes it: owner-only, the secret not printed.
    let file = tmp.path().join("xapi.ron");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dojo-server"))
        .args(["admin", "xapi", "configure", "--file"])
        .arg(&file)
        .args([
            "--endpoint",
            &lrs.endpoint(),
            "--key",
            KEY,
            "--secret",
            SECRET,
            "--email-domain",
            "acme.example",
        ])
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert!(!said.contains(SECRET), "{said}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A file others can read is refused at start, with the fix.
        let url = crate::pg::fresh_database().await;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dojo-server"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                &url,
                "--xapi",
            ])
            .arg(&file)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(
            err.contains("others can read it") && err.contains("chmod 600"),
            "{err}"
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let config = Arc::new(XapiConfig::load_file(&file).unwrap().unwrap());
    let server = Server::start().await;
    let forwarder = tokio::spawn(dojo_server::xapi::forward(
        server.state.clone(),
        Arc::clone(&config),
    ));
    server.team("Northside").await;
    let (ben, cred) = server
        .enrolled("Ben Carter", Role::Trainee, Some("Northside"))
        .await;
    let played = play("onboarding-1-l1-scope", Persona::Ideal, 7, "Ben Carter");
    let (status, _) = server.upload(&cred, &envelope(&played.log, ben)).await;
    assert_eq!(status, 201);
    // The upload wakes the forwarder: wait (bounded) until the LRS holds what was queued.
    let mut stored = Vec::new();
    for _ in 0..300 {
        let queued = queued(&server).await;
        stored = lrs_statements(&lrs);
        if !queued.is_empty() && stored.len() == queued.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    forwarder.abort();
    assert!(!stored.is_empty(), "the forwarder sent nothing within 30 s");
    assert!(
        stored
            .iter()
            .all(|s| s["actor"]["mbox"] == "mailto:ben.carter@acme.example"),
        "{:?}",
        stored.first()
    );
}
