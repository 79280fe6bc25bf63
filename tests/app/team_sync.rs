//! Two machines and one team server (#16): two data folders — two "PCs" — join one
//! server with one-time tokens and sync what their trainees played; the coach's overview
//! lists both; a sync repeated uploads nothing twice; a session played while the server is
//! down waits in the outbox and goes up at the next sync. The server runs in this process
//! on a loopback port, on a real PostgreSQL (`tests/server/pg.rs`).

use std::path::Path;
use std::process::{Command, Output};

use dojo_server::auth::Role;
use dojo_server::{AppState, admin};
use serde_json::Value;

const SHIFT: &str = "onboarding-1-l1-scope";

fn dojo(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dojo"))
        .env("DOJO_DATA_DIR", data)
        .args(args)
        .output()
        .unwrap()
}

fn ok(data: &Path, args: &[&str]) -> String {
    let o = dojo(data, args);
    assert!(
        o.status.success(),
        "dojo {args:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Serves on `addr` ("127.0.0.1:0" for any port); the bound address.
fn serve(rt: &tokio::runtime::Runtime, state: &AppState, addr: &str) -> (String, Running) {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(addr))
        .expect("a loopback port");
    let bound = listener.local_addr().unwrap().to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = rt.spawn(dojo_server::serve(
        listener,
        state.clone(),
        1 << 21,
        async {
            let _ = stopped.await;
        },
    ));
    (bound, Running { stop, done })
}

fn get(url: &str, credential: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .get(url)
        .header("Authorization", &format!("Bearer {credential}"))
        .call()
        .unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

fn status_json(data: &Path) -> Value {
    serde_json::from_str(&ok(data, &["team", "status", "--format", "json"])).unwrap()
}

#[test]
fn two_machines_join_one_server_sync_and_the_coach_sees_both_trainees() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = rt.block_on(crate::pg::fresh_database());
    let state = rt
        .block_on(AppState::start(&url))
        .expect("the server starts");
    let (addr, running) = serve(&rt, &state, "127.0.0.1:0");
    let base = format!("http://{addr}");
    let (team, ana_token, ben_token, coach_token) = rt.block_on(async {
        let team = admin::team_add(&state.pool, "Desk A").await.unwrap();
        let invite = |name: &'static str, role| {
            let pool = state.pool.clone();
            async move {
                admin::invite(&pool, name, role, Some("Desk A"), 7)
                    .await
                    .unwrap()
                    .token
            }
        };
        (
            team,
            invite("Ana", Role::Trainee).await,
            invite("Ben", Role::Trainee).await,
            invite("Cora", Role::Coach).await,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let (pc1, pc2, coach_pc) = (
        dir.path().join("pc1"),
        dir.path().join("pc2"),
        dir.path().join("coach-pc"),
    );
    let root = crate::common::root();
    let ideal = root.join(format!("examples/scripts/{SHIFT}.ideal.ron"));
    let ideal = ideal.to_str().unwrap();
    let play = |data: &Path, who: &str, script: &str, seed: &str| {
        ok(
            data,
            &[
                "run",
                "--shift",
                SHIFT,
                "--actions",
                script,
                "--seed",
                seed,
                "--trainee",
                who,
            ],
        )
    };

    // PC 1: Ana plays before the machine joins (offline first); the session is queued.
    ok(&pc1, &["trainee", "add", "Ana", "--team", "Desk A"]);
    play(&pc1, "Ana", ideal, "7");
    let s = status_json(&pc1);
    assert_eq!(
        (s["joined"].clone(), s["pending"].clone()),
        (Value::Bool(false), 1.into())
    );
    let joined = ok(&pc1, &["team", "join", &base, "--token", &ana_token]);
    assert!(
        joined.contains("joined") && joined.contains("Ana"),
        "{joined}"
    );
    let synced = ok(&pc1, &["team", "sync"]);
    assert!(synced.contains("1 stored"), "{synced}");
    // The token was used once: a second machine cannot reuse it.
    let again = dojo(&pc2, &["team", "join", &base, "--token", &ana_token]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("used already"));

    // PC 2: Ben joins first (added to that machine's history), plays an over-escalator
    // script, syncs.
    let joined = ok(&pc2, &["team", "join", &base, "--token", &ben_token]);
    assert!(joined.contains("added trainee `Ben`"), "{joined}");
    let over = dir.path().join("over.ron");
    ok(
        &pc2,
        &[
            "script",
            "--shift",
            SHIFT,
            "--persona",
            "over-escalator",
            "--seed",
            "7",
            "--out",
            over.to_str().unwrap(),
        ],
    );
    play(&pc2, "Ben", over.to_str().unwrap(), "7");
    assert!(ok(&pc2, &["team", "sync"]).contains("1 stored"));

    // Nothing twice: a sync with nothing pending uploads nothing; a sent entry forced
    // back to pending (as after a crash before the answer was recorded) is answered as a
    // repeat and still stored once.
    assert!(ok(&pc1, &["team", "sync"]).contains("0 stored, 0 already there"));
    rusqlite::Connection::open(pc1.join(dojo_store::DB_FILE))
        .unwrap()
        .execute("UPDATE outbox SET sent_at = NULL, verdict = NULL", [])
        .unwrap();
    assert!(ok(&pc1, &["team", "sync"]).contains("1 already there"));
    let count = |sql: &str| -> i64 {
        rt.block_on(async {
            let c = state.pool.get().await.unwrap();
            c.query_one(sql, &[]).await.unwrap().get(0)
        })
    };
    assert_eq!(count("SELECT count(*) FROM sessions"), 2);

    // The coach's machine joins too; the overview lists both trainees, by name.
    let joined = ok(&coach_pc, &["team", "join", &base, "--token", &coach_token]);
    assert!(joined.contains("uploads no sessions"), "{joined}");
    // The credential is the coach machine's own secret; read it where the app keeps it.
    let credential: String = rusqlite::Connection::open(coach_pc.join(dojo_store::DB_FILE))
        .unwrap()
        .query_row("SELECT credential FROM team_link", [], |r| r.get(0))
        .unwrap();
    let (status, html) = get(&format!("{base}/teams/{team}"), &credential);
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(">Ana</a>") && html.contains(">Ben</a>"),
        "{html}"
    );
    // The coach's app reads the same overview and reports from the server.
    let overview = ok(&coach_pc, &["team", "report"]);
    assert!(
        overview.contains("2 trainee(s)") && overview.contains("Ana") && overview.contains("Ben"),
        "{overview}"
    );
    let report = ok(&coach_pc, &["team", "report", "--trainee", "ben"]);
    assert!(report.contains("Ben"), "{report}");
    let json: Value = serde_json::from_str(&ok(
        &coach_pc,
        &["team", "report", "--trainee", "Ben", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(json["trainee"], "Ben");
    assert_eq!(json["sessions"].as_array().unwrap().len(), 1);
    // The coach overrides Ben's ticket 1 from the app: queued, then sent by sync, once.
    let ben_session = json["sessions"][0]["id"].to_string();
    let queued = ok(
        &coach_pc,
        &[
            "team",
            "override",
            "--session",
            &ben_session,
            "--ticket",
            "1",
            "--score",
            "90",
            "--reason",
            "Reviewed together: the escalation was defensible",
        ],
    );
    assert!(queued.contains("queued"), "{queued}");
    ok(
        &coach_pc,
        &[
            "team",
            "override",
            "--session",
            "999999",
            "--ticket",
            "1",
            "--score",
            "50",
            "--reason",
            "A session the server does not have",
        ],
    );
    let synced = ok(&coach_pc, &["team", "sync"]);
    assert!(
        synced.contains("overrides: 1 delivered, 1 refused"),
        "{synced}"
    );
    assert!(!ok(&coach_pc, &["team", "sync"]).contains("overrides:"));
    let s = status_json(&coach_pc);
    assert_eq!(s["overrides"]["sent"], 1);
    assert!(
        s["overrides"]["refused"][0]
            .as_str()
            .unwrap()
            .contains("404"),
        "{s}"
    );
    let json: Value = serde_json::from_str(&ok(
        &coach_pc,
        &["team", "report", "--trainee", "Ben", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(json["overrides"][0]["score"], 90, "{}", json["overrides"]);
    assert_eq!(json["overrides"][0]["trail"][0]["coach"], "Cora");
    let o = dojo(
        &pc1,
        &[
            "team",
            "override",
            "--session",
            "1",
            "--ticket",
            "1",
            "--score",
            "90",
            "--reason",
            "mine",
        ],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("overrides are a coach's"));
    let o = dojo(&coach_pc, &["team", "report", "--trainee", "Zed"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no trainee `Zed`"));
    let o = dojo(&pc1, &["team", "report"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("coaches and admins"));

    // The server goes down: Ana's next session waits in the outbox, the sync says so.
    let _ = running.stop.send(());
    rt.block_on(running.done).unwrap().unwrap();
    play(&pc1, "Ana", ideal, "8");
    let offline = dojo(&pc1, &["team", "sync"]);
    assert!(!offline.status.success());
    let stderr = String::from_utf8_lossy(&offline.stderr);
    assert!(stderr.contains("1 session(s) stay queued"), "{stderr}");
    let s = status_json(&pc1);
    assert_eq!(s["pending"], 1);
    assert!(
        s["last_error"].as_str().unwrap().contains("cannot reach"),
        "{s}"
    );

    // Back up at the same address: the queued session goes up.
    let (_, _running) = serve(&rt, &state, &addr);
    assert!(ok(&pc1, &["team", "sync"]).contains("1 stored"));
    let s = status_json(&pc1);
    assert_eq!(
        (s["pending"].clone(), s["stored"].clone()),
        (0.into(), 2.into())
    );
    assert_eq!(count("SELECT count(*) FROM sessions"), 3);
}

/// A graded ticket of the machine's first session: its number.
fn a_ticket(data: &Path) -> u32 {
    let store = dojo_store::Store::open_in(data).unwrap();
    let s = store.session(1).unwrap();
    s.tickets.iter().find(|t| !t.handed_over).unwrap().number
}

#[test]
fn a_dispute_queued_offline_reaches_the_coach_and_a_server_competition_is_played_and_handed_in_by_sync()
 {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = rt.block_on(crate::pg::fresh_database());
    let state = rt
        .block_on(AppState::start(&url))
        .expect("the server starts");
    let (addr, _running) = serve(&rt, &state, "127.0.0.1:0");
    let base = format!("http://{addr}");
    let (team, token, coach) = rt.block_on(async {
        let team = admin::team_add(&state.pool, "Desk A").await.unwrap();
        let token = admin::invite(&state.pool, "Ana", Role::Trainee, Some("Desk A"), 7)
            .await
            .unwrap()
            .token;
        let coach = admin::invite(&state.pool, "Cora", Role::Coach, Some("Desk A"), 7)
            .await
            .unwrap()
            .person;
        (team, token, coach)
    });
    let dir = tempfile::tempdir().unwrap();
    let pc = dir.path().join("pc");
    let root = crate::common::root();
    let ideal = root.join(format!("examples/scripts/{SHIFT}.ideal.ron"));
    ok(&pc, &["trainee", "add", "Ana", "--team", "Desk A"]);
    ok(
        &pc,
        &[
            "run",
            "--shift",
            SHIFT,
            "--actions",
            ideal.to_str().unwrap(),
            "--seed",
            "7",
            "--trainee",
            "Ana",
        ],
    );
    let ticket = a_ticket(&pc).to_string();

    // Disputed before the machine ever joined: queued, waiting for its session.
    let queued = ok(
        &pc,
        &[
            "team",
            "respond",
            "--session",
            "1",
            "--ticket",
            &ticket,
            "--dispute",
            "I escalated inside the window",
        ],
    );
    assert!(queued.contains("dispute of ticket"), "{queued}");
    for (args, says) in [
        (vec!["--ticket", "999", "--ack"], "no graded ticket"),
        (
            vec!["--ticket", ticket.as_str(), "--dispute", "  "],
            "give the reason",
        ),
        (vec!["--ticket", ticket.as_str()], "--ack"),
    ] {
        let o = dojo(
            &pc,
            &[&["team", "respond", "--session", "1"][..], &args].concat(),
        );
        assert!(!o.status.success());
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains(says), "{args:?}: {e}");
    }
    let s = status_json(&pc);
    assert_eq!(s["responses"]["pending"], 1);
    assert_eq!(s["responses"]["waiting_for_session"], 1);

    // Joined and synced: the session goes up first, then the dispute, to the coach's queue.
    ok(&pc, &["team", "join", &base, "--token", &token]);
    let synced = ok(&pc, &["team", "sync"]);
    assert!(
        synced.contains("1 stored") && synced.contains("1 delivered"),
        "{synced}"
    );
    let disputes = rt.block_on(async {
        let c = state.pool.get().await.unwrap();
        dojo_server::repo::open_disputes(&c, Some(team))
            .await
            .unwrap()
    });
    assert_eq!(disputes.len(), 1);
    assert_eq!(
        disputes[0].response.message,
        "I escalated inside the window"
    );
    // A repeated sync sends nothing again.
    assert!(!ok(&pc, &["team", "sync"]).contains("delivered"));
    let s = status_json(&pc);
    assert_eq!(
        (
            s["responses"]["pending"].clone(),
            s["responses"]["sent"].clone()
        ),
        (0.into(), 1.into())
    );

    // The coach creates a competition on the server; Ana's machine fetches it.
    let caller = dojo_server::auth::Caller {
        id: coach,
        name: "Cora".into(),
        role: Role::Coach,
        team: Some(team),
        via: dojo_server::auth::Via::Bearer,
    };
    let form = dojo_server::competitions::NewCompetition {
        csrf: String::new(),
        name: "Friday cup".into(),
        shift: "competition-mixed".into(),
        seed: "42".into(),
        freeze_at: String::new(),
        team: String::new(),
    };
    let created = rt
        .block_on(dojo_server::competitions::create(&state, &caller, &form))
        .unwrap();
    let fetched = ok(&pc, &["team", "competitions"]);
    assert!(fetched.contains("Friday cup"), "{fetched}");
    let file = fetched
        .lines()
        .find_map(|l| l.trim().strip_prefix("file: "))
        .unwrap()
        .to_string();
    assert!(fetched.contains("--trainee \"Ana\""), "{fetched}");
    assert!(ok(&pc, &["team", "competitions"]).contains("already saved"));
    let script = dir.path().join("cup.ron");
    ok(
        &pc,
        &[
            "script",
            "--shift",
            "competition-mixed",
            "--seed",
            "42",
            "--out",
            script.to_str().unwrap(),
        ],
    );
    ok(
        &pc,
        &[
            "run",
            "--competition",
            &file,
            "--trainee",
            "Ana",
            "--actions",
            script.to_str().unwrap(),
        ],
    );
    let synced = ok(&pc, &["team", "sync"]);
    assert!(synced.contains("1 stored"), "{synced}");
    // On the server's board, re-verified.
    let board = rt.block_on(async {
        let c = state.pool.get().await.unwrap();
        dojo_server::competitions::board(&c, &state, &created, None)
            .await
            .unwrap()
            .0
    });
    assert_eq!(board.individuals.len(), 1, "{:?}", board.rejected);
    assert_eq!(board.individuals[0].participant, "Ana");
}
