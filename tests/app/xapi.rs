//! xAPI against a real learning record store (#17): Ralph's LRS (PyPI `ralph-malph`, run
//! by `.ci/ralph_lrs.py` with its filesystem backend), which `.ci/run` installs into a
//! virtual environment and names in `DOJO_TEST_RALPH_PYTHON`. Each test starts its own
//! LRS on a free loopback port with its own folder, drives the real `dojo` binary, and
//! reads the statements back through the LRS's own xAPI (`GET /xAPI/statements`).
//!
//! Without `DOJO_TEST_RALPH_PYTHON` the tests say so and pass — except under CI
//! (`CI` set), where a missing LRS fails them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::ralph::{KEY, Lrs, SECRET, contains, free_port, ralph_python};

fn dojo(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dojo"))
        .env("DOJO_DATA_DIR", data)
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(data: &Path, args: &[&str]) -> String {
    let o = dojo(data, args);
    assert!(o.status.success(), "dojo {args:?}\n{}", text(&o));
    text(&o)
}

const SCRIPTS: [(&str, &str); 3] = [
    ("onboarding-1-l1-scope", "2026-12-01T09:00:00Z"),
    ("practice-mixed", "2026-12-01T10:00:00Z"),
    ("onboarding-2-windows", "2026-12-01T11:00:00Z"),
];

/// A machine where Ana Lopez played `n` scripted shifts (the ideal scripts).
fn machine(root: &Path, n: usize) -> PathBuf {
    let data = root.join("machine");
    ok(&data, &["trainee", "add", "Ana Lopez"]);
    for (shift, at) in SCRIPTS.iter().take(n) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("examples/scripts/{shift}.ideal.ron"));
        ok(
            &data,
            &[
                "run",
                "--shift",
                shift,
                "--seed",
                "7",
                "--actions",
                script.to_str().unwrap(),
                "--trainee",
                "Ana Lopez",
                "--at",
                at,
            ],
        );
    }
    data
}

fn configure(data: &Path, endpoint: &str, key: &str, secret: &str) -> Output {
    dojo(
        data,
        &[
            "xapi",
            "configure",
            "--endpoint",
            endpoint,
            "--key",
            key,
            "--secret",
            secret,
            "--home-page",
            "https://acme.example",
            "--base-iri",
            "https://training.acme.example/xapi",
        ],
    )
}

/// The statements queued in a machine's store (id → body), read with SQLite directly.
fn queued(data: &Path) -> Vec<Value> {
    let conn = rusqlite::Connection::open(data.join("history.sqlite3")).unwrap();
    let mut stmt = conn
        .prepare("SELECT body FROM xapi_outbox ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|b| serde_json::from_str(&b.unwrap()).unwrap())
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_scripted_shift_reaches_a_real_lrs_field_by_field_and_a_resend_adds_nothing() {
    let Some(python) = ralph_python() else { return };
    let root = tempfile::tempdir().unwrap();
    let lrs = Lrs::start(&python, &root.path().join("lrs"));
    let data = machine(root.path(), 2);
    let o = configure(&data, &lrs.endpoint(), KEY, SECRET);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains(SECRET), "the secret is never printed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("xapi.ron"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the settings file is owner-only");
    }
    // A second machine with the same history, not yet sent: a resend from elsewhere.
    let twin = root.path().join("twin");
    copy_dir(&data, &twin);

    let out = ok(&data, &["xapi", "send"]);
    // Module 1: initialized, 6 tickets, completed, passed; practice: initialized, 6, completed.
    let queued_here = queued(&data);
    let n = queued_here.len();
    assert!(
        out.contains(&format!("queued {n} statement(s) of 2 session(s)")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "xAPI: {n} sent, 0 already in the LRS, 0 quarantined, 0 left queued"
        )),
        "{out}"
    );

    let stored = lrs.statements();
    assert_eq!(stored.len(), n, "each statement once");
    for sent in &queued_here {
        let id = sent["id"].as_str().unwrap();
        let copy = stored
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in the LRS"));
        contains(copy, sent, id);
    }

    // What the statements say, field by field, against the history.
    let history: Value =
        serde_json::from_str(&ok(&data, &["history", "list", "--format", "json"])).unwrap();
    let sessions = history.as_array().unwrap();
    let module1 = sessions
        .iter()
        .find(|s| s["shift"] == "onboarding-1-l1-scope")
        .unwrap();
    let score = module1["score"].as_u64().unwrap();
    let verb = |v: &str| format!("http://adlnet.gov/expapi/verbs/{v}");
    let of_shift = |shift: &str| -> Vec<&Value> {
        stored
            .iter()
            .filter(|s| {
                s["object"]["id"] == format!("https://training.acme.example/xapi/shift/{shift}")
                    || s["context"]["contextActivities"]["parent"][0]["id"]
                        == format!("https://training.acme.example/xapi/shift/{shift}")
            })
            .collect()
    };
    let m1 = of_shift("onboarding-1-l1-scope");
    let completed = m1
        .iter()
        .find(|s| s["verb"]["id"] == verb("completed"))
        .expect("completed");
    assert_eq!(completed["result"]["score"]["raw"].as_u64(), Some(score));
    assert_eq!(completed["result"]["score"]["max"].as_u64(), Some(100));
    assert!(
        (completed["result"]["score"]["scaled"].as_f64().unwrap() - score as f64 / 100.0).abs()
            < 1e-9
    );
    assert_eq!(completed["result"]["completion"], true);
    assert!(
        completed["result"]["duration"]
            .as_str()
            .unwrap()
            .starts_with("PT")
    );
    let pass_mark =
        completed["result"]["extensions"]["https://training.acme.example/xapi/extension/pass-mark"]
            .as_u64()
            .unwrap();
    let verdict = if score >= pass_mark {
        "passed"
    } else {
        "failed"
    };
    assert!(
        m1.iter().any(|s| s["verb"]["id"] == verb(verdict)),
        "{verdict} against the pass mark {pass_mark}"
    );
    let init = m1
        .iter()
        .find(|s| s["verb"]["id"] == verb("initialized"))
        .expect("initialized");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(init["timestamp"].as_str().unwrap()).unwrap(),
        chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z").unwrap(),
        "stamped when the session was played, not when sent"
    );
    let tickets: Vec<&&Value> = m1
        .iter()
        .filter(|s| s["verb"]["id"] == verb("responded"))
        .collect();
    assert_eq!(
        tickets.len(),
        module1["tickets"].as_array().unwrap().len(),
        "one statement per ticket"
    );
    for t in &tickets {
        assert_eq!(t["object"]["definition"]["interactionType"], "choice");
        let right = &t["object"]["definition"]["correctResponsesPattern"][0];
        assert_eq!(
            t["result"]["success"],
            t["result"]["response"] == *right,
            "{t}"
        );
    }
    let registration = &m1[0]["context"]["registration"];
    assert!(
        m1.iter()
            .all(|s| s["context"]["registration"] == *registration),
        "one registration per session"
    );
    assert_ne!(
        registration,
        &of_shift("practice-mixed")[0]["context"]["registration"]
    );
    for s in &stored {
        assert_eq!(s["actor"]["account"]["name"], "Ana Lopez");
        assert_eq!(s["actor"]["account"]["homePage"], "https://acme.example");
        let ext = &s["context"]["extensions"];
        assert_eq!(
            ext["https://training.acme.example/xapi/extension/pack-sha256"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
        assert_eq!(
            ext["https://training.acme.example/xapi/extension/policy-sha256"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
    }
    let practice_completed = of_shift("practice-mixed")
        .into_iter()
        .find(|s| s["verb"]["id"] == verb("completed"))
        .unwrap();
    assert!(
        practice_completed["result"].get("success").is_none(),
        "no pass mark outside the curriculum"
    );

    // Sending again sends nothing; the twin's resend is recognised by the LRS.
    let again = ok(&data, &["xapi", "send"]);
    assert!(
        again.contains("xAPI: 0 sent, 0 already in the LRS, 0 quarantined, 0 left queued"),
        "{again}"
    );
    let twin_config = configure(&twin, &lrs.endpoint(), KEY, SECRET);
    assert!(twin_config.status.success());
    let resent = ok(&twin, &["xapi", "send"]);
    assert!(
        resent.contains(&format!("xAPI: 0 sent, {n} already in the LRS")),
        "{resent}"
    );
    assert_eq!(lrs.statements().len(), n, "no duplicates after the resend");
    assert_eq!(lrs.stored_lines(), n);

    // A session played later: only its statements go.
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/scripts/onboarding-2-windows.ideal.ron");
    ok(
        &data,
        &[
            "run",
            "--shift",
            "onboarding-2-windows",
            "--seed",
            "7",
            "--actions",
            script.to_str().unwrap(),
            "--trainee",
            "Ana Lopez",
            "--at",
            "2026-12-02T09:00:00Z",
        ],
    );
    let later = ok(&data, &["xapi", "send"]);
    let added = queued(&data).len() - n;
    assert!(
        later.contains(&format!("xAPI: {added} sent, 0 already")),
        "{later}"
    );
    assert_eq!(lrs.statements().len(), n + added);
    let status = ok(&data, &["xapi", "status"]);
    assert!(
        status.contains(&format!(
            "statements of 3 session(s): {} sent, 0 already in the LRS, 0 pending",
            n + added
        )),
        "{status}"
    );
    assert!(!status.contains(SECRET));
}

#[test]
fn killing_the_lrs_mid_send_loses_nothing_and_duplicates_nothing() {
    let Some(python) = ralph_python() else { return };
    let root = tempfile::tempdir().unwrap();
    // A slow LRS (150 ms a request): the send of one statement a request takes seconds,
    // so the kill lands in its middle whatever the machine's load.
    let mut lrs = Lrs::start_slow(&python, &root.path().join("lrs"), 150);
    let data = machine(root.path(), 3);
    assert!(
        configure(&data, &lrs.endpoint(), KEY, SECRET)
            .status
            .success()
    );

    // One statement per request, so the send is long enough to be cut in the middle.
    let send = Command::new(env!("CARGO_BIN_EXE_dojo"))
        .env("DOJO_DATA_DIR", &data)
        .args(["xapi", "send", "--batch", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while lrs.stored_lines() < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the LRS stored nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    lrs.kill();
    let cut = send.wait_with_output().unwrap();
    let total = queued(&data).len();
    let arrived = lrs.stored_lines();
    assert!(
        arrived >= 3 && arrived < total,
        "cut in the middle: {arrived} of {total}"
    );
    assert_eq!(
        cut.status.code(),
        Some(3),
        "a retryable stop: {}",
        text(&cut)
    );
    assert!(text(&cut).contains("nothing was lost"), "{}", text(&cut));
    let status = ok(&data, &["xapi", "status"]);
    assert!(status.contains("last error: cannot reach"), "{status}");
    assert!(!status.contains(" 0 pending"), "{status}");

    // Back up: everything arrives, once — including any statement the LRS stored just
    // before it died whose answer never came back.
    lrs.restart();
    let resumed = ok(&data, &["xapi", "send", "--now"]);
    assert!(
        resumed.contains("0 quarantined, 0 left queued"),
        "{resumed}"
    );
    let stored = lrs.statements();
    assert_eq!(stored.len(), total, "{resumed}");
    let mut ids: Vec<&str> = stored.iter().map(|s| s["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "no duplicates");
    let status = ok(&data, &["xapi", "status"]);
    assert!(
        status.contains(&format!("{total} sent")) || status.contains(" 0 pending"),
        "{status}"
    );
    assert!(
        status.contains(" 0 pending (0 waiting to retry), 0 quarantined"),
        "{status}"
    );
}

/// A server answering every request with 200 and an HTML page (a wrong URL behind a
/// portal or a web server): not an LRS.
fn garbage_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = s.read(&mut buf);
            let body = "<html><body>Welcome to our intranet</body></html>";
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn bad_configuration_is_told_plainly_and_loses_nothing() {
    let Some(python) = ralph_python() else { return };
    let root = tempfile::tempdir().unwrap();
    let lrs = Lrs::start(&python, &root.path().join("lrs"));
    let data = machine(root.path(), 1);

    let none = dojo(&data, &["xapi", "send"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(text(&none).contains("no LRS configured"), "{}", text(&none));
    let bad = configure(&data, "ftp://lrs.example", KEY, SECRET);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad).contains("is not an http:// or https:// address"),
        "{}",
        text(&bad)
    );

    // Wrong credentials: refused, said so, nothing lost, the secret never echoed.
    assert!(
        configure(&data, &lrs.endpoint(), KEY, "not-the-secret")
            .status
            .success()
    );
    let refused = dojo(&data, &["xapi", "send"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("refused the credentials"),
        "{}",
        text(&refused)
    );
    assert!(!text(&refused).contains("not-the-secret"));
    let n = queued(&data).len();
    assert!(n > 0);
    let status = ok(&data, &["xapi", "status"]);
    assert!(
        status.contains(&format!("0 sent, 0 already in the LRS, {n} pending")),
        "{status}"
    );

    // The LRS's host but not its xAPI path: 404, not an LRS's answer.
    let wrong_path = format!("http://127.0.0.1:{}/nothing-here", lrs.port);
    assert!(configure(&data, &wrong_path, KEY, SECRET).status.success());
    let o = dojo(&data, &["xapi", "send"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("answered 404"), "{}", text(&o));

    // Garbage: 200 with an HTML page.
    let garbage = format!("http://127.0.0.1:{}/xAPI", garbage_server());
    assert!(configure(&data, &garbage, KEY, SECRET).status.success());
    let o = dojo(&data, &["xapi", "send"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("answered 200 but not as an xAPI LRS does"),
        "{}",
        text(&o)
    );

    // Nobody listening: retried later.
    let closed = format!("http://127.0.0.1:{}/xAPI", free_port());
    assert!(configure(&data, &closed, KEY, SECRET).status.success());
    let o = dojo(&data, &["xapi", "send"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let status = ok(&data, &["xapi", "status"]);
    assert!(
        status.contains(&format!("{n} pending ({n} waiting to retry)")),
        "backoff recorded: {status}"
    );
    assert_eq!(lrs.stored_lines(), 0, "nothing reached the LRS so far");

    // A statement the LRS refuses as malformed is quarantined with its reason, and the
    // rest of its batch still goes.
    {
        let conn = rusqlite::Connection::open(data.join("history.sqlite3")).unwrap();
        conn.execute(
            "INSERT INTO xapi_outbox (statement_id, session_id, body, queued_at)
             VALUES ('0b9e7c1e-0000-4000-8000-000000000001', 1, '{\"id\":\"0b9e7c1e-0000-4000-8000-000000000001\",\"verb\":{\"id\":\"not an iri\"}}', '2026-12-01T00:00:00Z')",
            [],
        )
        .unwrap();
    }
    assert!(
        configure(&data, &lrs.endpoint(), KEY, SECRET)
            .status
            .success()
    );
    let fixed = ok(&data, &["xapi", "send", "--now"]);
    assert!(
        fixed.contains(&format!(
            "xAPI: {n} sent, 0 already in the LRS, 1 quarantined, 0 left queued"
        )),
        "{fixed}"
    );
    assert_eq!(lrs.statements().len(), n);
    let status = ok(&data, &["xapi", "status"]);
    assert!(
        status.contains("quarantined: 0b9e7c1e-0000-4000-8000-000000000001: "),
        "{status}"
    );
}

/// What the trainer calls when it stores a session: with an LRS configured, the session's
/// statements are queued and sent on a thread of their own; without one, nothing starts.
#[test]
fn the_trainer_sends_a_stored_session_in_the_background() {
    let Some(python) = ralph_python() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let data = machine(tmp.path(), 1);
    let pack = std::sync::Arc::new(dojo_core::pack::Pack::builtin().unwrap());
    assert!(
        escalation_dojo::xapi_client::send_in_background(data.clone(), pack.clone()).is_none(),
        "no LRS configured: no thread"
    );
    let lrs = Lrs::start(&python, &tmp.path().join("lrs"));
    assert!(
        configure(&data, &lrs.endpoint(), KEY, SECRET)
            .status
            .success()
    );
    let delivery = escalation_dojo::xapi_client::send_in_background(data.clone(), pack)
        .expect("an LRS is configured")
        .join()
        .unwrap()
        .unwrap();
    let n = queued(&data).len();
    assert!(n > 2, "a session's statements: {n}");
    assert_eq!((delivery.sent, delivery.left), (n, 0), "{delivery:?}");
    assert_eq!(lrs.statements().len(), n);
}
