//! Withdrawing access and erasing a person on request, through the `dojo-server admin`
//! binary on the database a running server uses: a revoked device's credential and the
//! browser sign-ins made with it stop working at once; a revoked person can neither call,
//! sign in nor enrol until restored and invited again; an erasure removes everything of
//! the person in one transaction — and only there do the append-only trails give way —
//! while what a coach wrote about others stays as their record without the coach's name.

use std::process::Command;

use dojo_core::agents::Persona;
use dojo_server::auth::Role;
use serde_json::json;
use uuid::Uuid;

use crate::common::{Server, envelope, http, play, sign_in};

const SHIFT: &str = "onboarding-1-l1-scope";

fn admin(url: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dojo-server"))
        .arg("admin")
        .args(args)
        .args(["--database-url", url])
        .env_remove("DOJO_DATABASE_URL")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn page(server: &Server, cookie: &str, path: &str) -> (u16, String) {
    let r = http()
        .get(server.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn device_of(list: &str, machine: &str) -> Uuid {
    let line = list
        .lines()
        .find(|l| l.contains(&format!("\t{machine}\t")))
        .unwrap_or_else(|| panic!("no {machine} in {list}"));
    line.split('\t').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_or_person_is_shut_out_everywhere_at_once() {
    let url = crate::pg::fresh_database().await;
    let server = Server::on(&url).await;
    server.team("Desk A").await;
    let (_, laptop) = server.enrolled("Cora", Role::Coach, Some("Desk A")).await;
    // Cora's second machine.
    let (_, token) = server.invite("Cora", Role::Coach, Some("Desk A")).await;
    let r = http()
        .post(server.url("/api/enrol"))
        .json(&json!({ "token": token, "machine": "wall-screen" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let wall: String = r.json::<serde_json::Value>().await.unwrap()["credential"]
        .as_str()
        .unwrap()
        .into();
    let laptop_web = sign_in(&server, &laptop).await;
    let wall_web = sign_in(&server, &wall).await;
    assert_eq!(page(&server, &laptop_web, "/queue").await.0, 200);

    let (ok, list) = admin(&url, &["device", "list", "--person", "cora"]);
    assert!(ok, "{list}");
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(list.lines().all(|l| l.ends_with("active")), "{list}");

    // Revoking the laptop ends its credential and the browser session signed in with it;
    // the wall screen goes on.
    let id = device_of(&list, "pc-of-Cora");
    let (ok, out) = admin(&url, &["device", "revoke", &id.to_string()]);
    assert!(ok && out.contains("revoked device"), "{out}");
    let (status, body) = server.get(&laptop, "/api/me").await;
    assert_eq!(status, 401);
    assert!(body.contains("revoked"), "{body}");
    let (status, _) = page(&server, &laptop_web, "/queue").await;
    assert_ne!(
        status, 200,
        "a revoked device's web sign-in still reads pages"
    );
    assert_eq!(server.get(&wall, "/api/me").await.0, 200);
    assert_eq!(page(&server, &wall_web, "/queue").await.0, 200);
    let (_, list) = admin(&url, &["device", "list"]);
    assert!(list.contains("\trevoked "), "{list}");
    let (ok, out) = admin(&url, &["device", "revoke", &Uuid::new_v4().to_string()]);
    assert!(!ok && out.contains("no device"), "{out}");

    // Revoking the person: every device, every sign-in, every unused invitation.
    let (_, pending) = server.invite("Cora", Role::Coach, Some("Desk A")).await;
    let (ok, out) = admin(&url, &["person", "revoke", "Cora"]);
    assert!(ok && out.contains("1 devices revoked"), "{out}");
    assert_eq!(server.get(&wall, "/api/me").await.0, 401);
    assert_ne!(page(&server, &wall_web, "/queue").await.0, 200);
    let r = http()
        .post(server.url("/api/enrol"))
        .json(&json!({ "token": pending, "machine": "new-pc" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (ok, out) = admin(
        &url,
        &[
            "invite", "--role", "coach", "--name", "Cora", "--team", "Desk A",
        ],
    );
    assert!(!ok && out.contains("restore"), "{out}");
    let (_, people) = admin(&url, &["person", "list"]);
    assert!(people.contains("Cora\tcoach\tDesk A\trevoked"), "{people}");
    assert!(
        server
            .count(
                "SELECT count(*) FROM audit WHERE action IN ('device-revoked', 'person-revoked')"
            )
            .await
            == 2
    );

    // Restored and invited again, Cora enrols a new machine; the old ones stay revoked.
    let (ok, out) = admin(&url, &["person", "restore", "Cora"]);
    assert!(ok, "{out}");
    let (ok, out) = admin(
        &url,
        &[
            "invite", "--role", "coach", "--name", "Cora", "--team", "Desk A",
        ],
    );
    assert!(ok, "{out}");
    let token = out.lines().last().unwrap().trim().to_string();
    let r = http()
        .post(server.url("/api/enrol"))
        .json(&json!({ "token": token, "machine": "new-pc" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(server.get(&wall, "/api/me").await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasing_a_person_removes_their_data_and_leaves_others_records_whole() {
    let url = crate::pg::fresh_database().await;
    let server = Server::on(&url).await;
    server.team("Desk A").await;
    let (_, coach) = server.enrolled("Cora", Role::Coach, Some("Desk A")).await;
    let mut trainees = Vec::new();
    for (name, seed) in [("Ana", 7), ("Ben", 8)] {
        let (id, cred) = server.enrolled(name, Role::Trainee, Some("Desk A")).await;
        let played = play(SHIFT, Persona::OverEscalator, seed, name);
        let (status, body) = server.upload(&cred, &envelope(&played.log, id)).await;
        assert_eq!(status, 201, "{body}");
        let sid = body["session"].as_i64().unwrap();
        // A dispute of ticket 1, and the coach's override of it.
        let r = http()
            .post(server.url("/api/responses"))
            .bearer_auth(&cred)
            .json(&json!({ "session": sid, "ticket": 1, "kind": "dispute",
                           "message": "I escalated on time", "key": Uuid::new_v4().to_string() }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let r = http()
            .post(server.url(&format!("/sessions/{sid}/overrides")))
            .bearer_auth(&coach)
            .form(&[
                ("csrf", String::new()),
                ("ticket", "1".into()),
                ("score", "90".into()),
                ("reason", format!("{name} escalated within the window")),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success() || r.status() == 303,
            "{}",
            r.status()
        );
        trainees.push((id, cred, sid));
    }
    // A false score claim of Ana's goes to the quarantine.
    let played = play(SHIFT, Persona::OverEscalator, 9, "Ana");
    let mut claim = envelope(&played.log, trainees[0].0);
    claim["claimed_score"] = json!((played.score + 1) % 101);
    let (status, _) = server.upload(&trainees[0].1, &claim).await;
    assert_eq!(status, 202);
    assert_eq!(server.count("SELECT count(*) FROM overrides").await, 2);

    // The trails refuse deletion outside an erasure.
    let client = server.state.pool.get().await.unwrap();
    let e = client
        .execute("DELETE FROM overrides", &[])
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("append-only"), "{e:?}");

    // A mistyped confirmation erases nothing.
    let (ok, out) = admin(&url, &["person", "erase", "Ana", "--confirm", "Ben"]);
    assert!(!ok && out.contains("--confirm"), "{out}");
    assert_eq!(server.count("SELECT count(*) FROM sessions").await, 2);

    let (ok, out) = admin(&url, &["person", "erase", "Ana", "--confirm", "ana"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("1 sessions, 1 quarantined uploads, 1 devices"),
        "{out}"
    );
    let ana = trainees[0].0;
    for table in [
        "sessions",
        "quarantine",
        "devices",
        "responses",
        "person_counts",
        "person_flag_counts",
    ] {
        let n: i64 = client
            .query_one(
                &format!("SELECT count(*) FROM {table} WHERE person_id = $1"),
                &[&ana],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 0, "{table} keeps Ana's rows");
    }
    assert_eq!(
        server
            .count("SELECT count(*) FROM people WHERE name = 'Ana'")
            .await,
        0
    );
    assert_eq!(
        server
            .count("SELECT count(*) FROM audit WHERE position('Ana' in detail) > 0")
            .await,
        0,
        "the audit still names Ana"
    );
    // Ana's override went with her session; Ben's is whole.
    assert_eq!(server.count("SELECT count(*) FROM overrides").await, 1);
    assert_eq!(server.count("SELECT count(*) FROM responses").await, 1);
    let (status, _) = server.get(&trainees[0].1, "/api/me").await;
    assert_eq!(status, 401);

    // Erasing the coach keeps Ben's override as Ben's record, without Cora's name.
    let (ok, out) = admin(&url, &["person", "erase", "Cora", "--confirm", "Cora"]);
    assert!(
        ok && out.contains("1 overrides or answers about others"),
        "{out}"
    );
    let (_, ben_cred, ben_sid) = &trainees[1];
    assert_eq!(server.count("SELECT count(*) FROM overrides").await, 1);
    let (_, admin_cred) = server.enrolled("Ada", Role::Admin, None).await;
    let (status, html) = server
        .get(&admin_cred, &format!("/sessions/{ben_sid}"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("an erased coach"), "{html}");
    assert!(!html.contains("Cora"), "{html}");
    let (status, report) = server
        .get(ben_cred, &format!("/api/people/{}/report", trainees[1].0))
        .await;
    assert_eq!(status, 200);
    assert!(
        report.contains("Ben escalated within the window"),
        "{report}"
    );
    // After the erasure the trails are append-only again.
    let e = client
        .execute("DELETE FROM overrides", &[])
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("append-only"), "{e:?}");
}
