//! The `dojo-server` binary itself: `admin` commands on a database and `serve`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::common::{Server, http};

fn dojo_server(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dojo-server"))
        .args(args)
        .env_remove("DOJO_DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_add_teams_and_people_and_invite_prints_the_token_last() {
    let url = crate::pg::fresh_database().await;
    let db = ["--database-url", url.as_str()];
    let run = |args: &[&str]| dojo_server(&[&["admin"], args, &db].concat());

    let (ok, out, err) = run(&["team", "add", "Desk A"]);
    assert!(ok, "{out}{err}");
    let (ok, _, err) = run(&["team", "add", "desk a"]);
    assert!(!ok);
    assert!(err.contains("exists already"), "{err}");

    let (ok, out, err) = run(&[
        "invite", "--role", "coach", "--name", "Cora", "--team", "Desk A",
    ]);
    assert!(ok, "{out}{err}");
    let token = out.lines().last().unwrap().trim().to_string();
    assert_eq!(token.len(), 64, "{out}");
    let (ok, _, err) = run(&["invite", "--role", "coach", "--name", "Nobody"]);
    assert!(!ok);
    assert!(err.contains("--team"), "{err}");
    let (ok, _, err) = run(&["invite", "--role", "boss", "--name", "X"]);
    assert!(!ok);
    assert!(err.contains("not a role"), "{err}");
    let (ok, _, err) = run(&[
        "invite", "--role", "trainee", "--name", "Ana", "--team", "Desk Z",
    ]);
    assert!(!ok);
    assert!(err.contains("no team"), "{err}");

    let (ok, out, _) = run(&["team", "list"]);
    assert!(ok && out.contains("Desk A\t1 members"), "{out}");
    let (ok, out, _) = run(&["person", "list", "--team", "Desk A"]);
    assert!(ok && out.contains("Cora\tcoach\tDesk A"), "{out}");

    // The printed token enrols, once.
    let server = Server::on(&url).await;
    let r = http()
        .post(server.url("/api/enrol"))
        .json(&json!({ "token": token, "machine": "pc" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["person"]["role"], "coach");

    let (ok, _, err) = dojo_server(&["admin", "team", "list", "--database-url", "mysql://x"]);
    assert!(!ok);
    assert!(err.contains("not a PostgreSQL URL"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_listens_and_answers() {
    let url = crate::pg::fresh_database().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dojo-server"))
        .args(["serve", "--database-url", &url, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("dojo-server: listening on ")
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    let r = http().get(format!("{base}/healthz")).send().await;
    let r2 = http().get(format!("{base}/api/me")).send().await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(r.unwrap().status(), 200);
    assert_eq!(r2.unwrap().status(), 401);
}
