//! Enrolment (a token exchanged once for a device credential) and authentication.

use dojo_server::auth::Role;
use serde_json::{Value, json};

use crate::common::{Server, http};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolment_token_is_exchanged_once_for_a_working_credential() {
    let server = Server::start().await;
    server.team("Desk A").await;
    let (id, token) = server.invite("Ana", Role::Trainee, Some("Desk A")).await;
    let url = server.url("/api/enrol");
    let enrol = |token: String| {
        let url = url.clone();
        async move {
            http()
                .post(url)
                .json(&json!({ "token": token, "machine": "pc-1" }))
                .send()
                .await
                .unwrap()
        }
    };
    let first = enrol(token.clone()).await;
    assert_eq!(first.status(), 201);
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["person"]["id"], json!(id));
    assert_eq!(body["person"]["team"], "Desk A");
    let credential = body["credential"].as_str().unwrap().to_string();
    assert_eq!(credential.len(), 64);

    let (status, me) = server.get(&credential, "/api/me").await;
    assert_eq!(status, 200);
    let me: Value = serde_json::from_str(&me).unwrap();
    assert_eq!(me["name"], "Ana");
    assert_eq!(me["role"], "trainee");

    let second = enrol(token).await;
    assert_eq!(second.status(), 401);
    let err: Value = second.json().await.unwrap();
    assert!(
        err["error"].as_str().unwrap().contains("used already"),
        "{err}"
    );
    assert_eq!(server.count("SELECT count(*) FROM devices").await, 1);
    assert_eq!(
        server
            .count("SELECT count(*) FROM audit WHERE action = 'enrol-refused'")
            .await,
        1
    );
    // Only the hashes are stored.
    assert_eq!(
        server
            .count(&format!(
                "SELECT count(*) FROM devices WHERE credential_sha256 = '{credential}'"
            ))
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_or_unknown_enrolment_token_is_refused() {
    let server = Server::start().await;
    let (_, token) = server.invite("Ana", Role::Trainee, None).await;
    let client = server.state.pool.get().await.unwrap();
    client
        .execute(
            "UPDATE enrolment_tokens SET expires_at = now() - interval '1 minute'",
            &[],
        )
        .await
        .unwrap();
    for (token, says) in [(token, "expired"), ("f".repeat(64), "unknown")] {
        let r = http()
            .post(server.url("/api/enrol"))
            .json(&json!({ "token": token, "machine": "pc-1" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let err: Value = r.json().await.unwrap();
        assert!(err["error"].as_str().unwrap().contains(says), "{err}");
    }
    assert_eq!(server.count("SELECT count(*) FROM devices").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_missing_or_revoked_credential_is_401() {
    let server = Server::start().await;
    let (_, credential) = server.enrolled("Ana", Role::Trainee, None).await;
    let (status, body) = server.get(&"0".repeat(64), "/api/me").await;
    assert_eq!(status, 401);
    assert!(body.contains("unknown device credential"), "{body}");

    let r = http().get(server.url("/api/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http()
        .get(server.url("/api/me"))
        .header("Authorization", "Basic YW5hOnB3")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let client = server.state.pool.get().await.unwrap();
    client
        .execute("UPDATE devices SET revoked_at = now()", &[])
        .await
        .unwrap();
    let (status, body) = server.get(&credential, "/api/me").await;
    assert_eq!(status, 401);
    assert!(body.contains("revoked"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coach_of_team_a_cannot_read_team_b() {
    let server = Server::start().await;
    let team_a = server.team("Desk A").await;
    let team_b = server.team("Desk B").await;
    let (_, coach_a) = server.enrolled("Cora", Role::Coach, Some("Desk A")).await;
    let (ana, _) = server.invite("Ana", Role::Trainee, Some("Desk A")).await;
    let (bo, _) = server.invite("Bo", Role::Trainee, Some("Desk B")).await;

    let (status, body) = server
        .get(&coach_a, &format!("/api/people/{ana}/report"))
        .await;
    assert_eq!(status, 200, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["trainee"], "Ana");

    for path in [
        format!("/api/people/{bo}/report"),
        format!("/people/{bo}"),
        format!("/teams/{team_b}"),
    ] {
        let (status, body) = server.get(&coach_a, &path).await;
        assert_eq!(status, 403, "{path}: {body}");
    }
    let (status, _) = server.get(&coach_a, &format!("/teams/{team_a}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        server
            .count("SELECT count(*) FROM audit WHERE action = 'read-refused'")
            .await,
        3
    );
}
