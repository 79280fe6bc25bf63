//! The team overview aggregated in SQL ranks, scores and advises exactly as dojo-core's
//! report overview does over every trainee's full report — with falling and rising
//! scores, flagged patterns, a missed security incident, overrides on a first and on a
//! latest session, a trainee with no session yet, and another team left out.

use dojo_core::agents::Persona;
use dojo_server::auth::Role;
use dojo_server::reports;

use crate::common::{Server, envelope, http, play};

/// Shifts a trainee plays, in order, each as a persona.
type Plays<'a> = &'a [(&'a str, Persona)];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_overview_is_the_reports_overview() {
    let server = Server::start().await;
    let team = server.team("Desk A").await;
    server.team("Desk B").await;
    let (_, coach) = server.enrolled("Cora", Role::Coach, Some("Desk A")).await;
    let plays: &[(&str, &str, Plays)] = &[
        (
            "Ana",
            "Desk A",
            &[
                ("onboarding-1-l1-scope", Persona::Ideal),
                ("onboarding-2-windows", Persona::OverEscalator),
            ],
        ),
        (
            "Ben",
            "Desk A",
            &[
                ("onboarding-1-l1-scope", Persona::OverEscalator),
                ("onboarding-1-l1-scope", Persona::VagueNotes),
                ("onboarding-3-impact", Persona::Ideal),
            ],
        ),
        (
            "Cleo",
            "Desk A",
            &[("onboarding-5-security", Persona::UnderEscalator)],
        ),
        (
            "Dev",
            "Desk A",
            &[
                ("onboarding-4-escalation-note", Persona::FabricatedNotes),
                ("onboarding-2-windows", Persona::Slow),
            ],
        ),
        ("Eve", "Desk A", &[]),
        (
            "Finn",
            "Desk B",
            &[("onboarding-5-security", Persona::UnderEscalator)],
        ),
    ];
    let mut sessions = Vec::new();
    for (name, team_name, shifts) in plays {
        let (id, cred) = server.enrolled(name, Role::Trainee, Some(team_name)).await;
        for (i, (shift, persona)) in shifts.iter().enumerate() {
            let played = play(shift, *persona, 11 + i as u64, name);
            let mut env = envelope(&played.log, id);
            env["played_at"] = serde_json::json!(format!("2026-11-{:02}T09:00:00Z", 10 + i));
            let (status, body) = server.upload(&cred, &env).await;
            assert_eq!(status, 201, "{name} {shift}: {body}");
            sessions.push((name.to_string(), body["session"].as_i64().unwrap()));
        }
    }
    // Overrides: on Ana's latest session and on Ben's first.
    let latest_ana = sessions.iter().rfind(|(n, _)| n == "Ana").unwrap().1;
    let first_ben = sessions.iter().find(|(n, _)| n == "Ben").unwrap().1;
    for (sid, score) in [(latest_ana, 100), (first_ben, 5)] {
        let r = http()
            .post(server.url(&format!("/sessions/{sid}/overrides")))
            .bearer_auth(&coach)
            .form(&[
                ("csrf", String::new()),
                ("ticket", "1".into()),
                ("score", score.to_string()),
                ("reason", "reviewed with the trainee".into()),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection() || r.status().is_success());
    }

    // The trigger-kept counts agree with the sessions.
    assert_eq!(
        server
            .count("SELECT COALESCE(sum(sessions), 0)::bigint FROM person_counts")
            .await,
        server.count("SELECT count(*) FROM sessions").await
    );
    assert_eq!(
        server
            .count("SELECT COALESCE(sum(sessions), 0)::bigint FROM person_flag_counts")
            .await,
        server
            .count("SELECT count(*) FROM sessions, LATERAL (SELECT DISTINCT unnest(flags)) f")
            .await
    );
    assert!(
        server
            .count("SELECT count(*) FROM person_flag_counts")
            .await
            > 0
    );

    let client = server.state.pool.get().await.unwrap();
    let by_sql = reports::team_overview(&client, &server.state, team)
        .await
        .unwrap();
    let by_reports = reports::team_overview_by_reports(&client, &server.state, team)
        .await
        .unwrap();
    assert_eq!(by_sql, by_reports);
    let names: Vec<&str> = by_sql.iter().map(|(r, _)| r.trainee.as_str()).collect();
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(!names.contains(&"Finn"));
    // The figures the ranking rests on are there to compare.
    assert!(by_sql.iter().any(|(r, _)| r.missed_security), "{by_sql:#?}");
    assert!(
        by_sql.iter().any(|(r, _)| !r.flags.is_empty()),
        "{by_sql:#?}"
    );
    assert!(by_sql.iter().any(|(r, _)| r.score_change.is_some()));
    let eve = by_sql.iter().find(|(r, _)| r.trainee == "Eve").unwrap();
    assert_eq!(eve.0.sessions, 0);
    assert!(eve.0.coach_this.contains("No finished session"));
    // Ben's first session as overridden: his change is from the override, not the grade.
    let ben = &by_sql.iter().find(|(r, _)| r.trainee == "Ben").unwrap().0;
    assert_eq!(ben.sessions, 3);

    // And the page draws it.
    let (status, html) = server.get(&coach, &format!("/teams/{team}")).await;
    assert_eq!(status, 200);
    let first = html.find(&by_sql[0].0.trainee).unwrap();
    let last = html.find(&by_sql[4].0.trainee).unwrap();
    assert!(first < last, "the page keeps the ranking");
}
