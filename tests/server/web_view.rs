//! The coach's web view: the team overview (dojo-core's `report::overview`), the sign-in
//! form with its CSRF token, the quarantine, escaping.

use dojo_core::agents::Persona;
use dojo_server::auth::Role;

use crate::common::{Server, envelope, http, play, screenshot};

const SHIFT: &str = "onboarding-1-l1-scope";

fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

fn hidden_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..at + 64].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_team_overview_lists_both_trainees_of_the_team_and_no_one_else() {
    let server = Server::start().await;
    let team_a = server.team("Desk A").await;
    server.team("Desk B").await;
    let (_, coach) = server.enrolled("Cora", Role::Coach, Some("Desk A")).await;
    let (ana, ana_cred) = server.enrolled("Ana", Role::Trainee, Some("Desk A")).await;
    let (ben, ben_cred) = server.enrolled("Ben", Role::Trainee, Some("Desk A")).await;
    server.enrolled("Cleo", Role::Trainee, Some("Desk B")).await;
    let ana_play = play(SHIFT, Persona::Ideal, 7, "Ana");
    let ben_play = play(SHIFT, Persona::OverEscalator, 7, "Ben");
    assert_eq!(
        server
            .upload(&ana_cred, &envelope(&ana_play.log, ana))
            .await
            .0,
        201
    );
    assert_eq!(
        server
            .upload(&ben_cred, &envelope(&ben_play.log, ben))
            .await
            .0,
        201
    );

    let (status, html) = server.get(&coach, &format!("/teams/{team_a}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&format!("<a href=\"/people/{ana}\">Ana</a>")),
        "{html}"
    );
    assert!(
        html.contains(&format!("<a href=\"/people/{ben}\">Ben</a>")),
        "{html}"
    );
    assert!(!html.contains("Cleo"));
    assert!(html.contains(&format!("<td>{}</td>", ana_play.score)));
    assert!(html.contains(&format!("<td>{}</td>", ben_play.score)));
    // The overview ranks by attention: the over-escalator's flagged session comes first
    // when its score is the lower one (dojo-core's ranking, not the server's).
    if ben_play.score < ana_play.score {
        assert!(html.find(">Ben<").unwrap() < html.find(">Ana<").unwrap());
    }

    // The trainee's page is dojo-core's HTML report.
    let (status, page) = server.get(&coach, &format!("/people/{ben}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ben"));
    assert!(page.to_lowercase().contains("<!doctype html>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coach_signs_in_through_the_form_and_every_post_needs_its_csrf_token() {
    let server = Server::start().await;
    let team = server.team("Desk A").await;
    let (_, coach) = server.enrolled("Cora", Role::Coach, Some("Desk A")).await;
    let (_, trainee) = server.enrolled("Ana", Role::Trainee, Some("Desk A")).await;

    // Not signed in: to the sign-in form.
    let r = http().get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");

    let form = http().get(server.url("/login")).send().await.unwrap();
    let login_cookie = set_cookie(&form, "dojo_login_csrf").expect("a login csrf cookie");
    assert!(login_cookie.contains("HttpOnly") && login_cookie.contains("SameSite=Strict"));
    let csrf = hidden_csrf(&form.text().await.unwrap());
    assert_eq!(cookie_value(&login_cookie), csrf);

    // Without the cookie (a cross-site post): refused.
    let r = http()
        .post(server.url("/login"))
        .form(&[("credential", coach.as_str()), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A trainee's credential: refused.
    let login = |credential: String| {
        http()
            .post(server.url("/login"))
            .header("cookie", format!("dojo_login_csrf={csrf}"))
            .form(&[("credential", credential), ("csrf", csrf.clone())])
            .send()
    };
    assert_eq!(login(trainee).await.unwrap().status(), 403);
    assert_eq!(login("0".repeat(64)).await.unwrap().status(), 401);

    let r = login(coach).await.unwrap();
    assert_eq!(r.status(), 303);
    let session = set_cookie(&r, "dojo_session").expect("a session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
    let session = format!("dojo_session={}", cookie_value(&session));

    let r = http()
        .get(server.url("/"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/teams/{team}"));
    let page = http()
        .get(server.url(&format!("/teams/{team}")))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let page_csrf = hidden_csrf(&html);

    // The browser session cannot upload (uploads need the device credential).
    let r = http()
        .post(server.url("/api/sessions"))
        .header("cookie", &session)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let logout = |csrf: String| {
        http()
            .post(server.url("/logout"))
            .header("cookie", &session)
            .form(&[("csrf", csrf)])
            .send()
    };
    assert_eq!(logout("0".repeat(64)).await.unwrap().status(), 403);
    assert_eq!(logout(page_csrf).await.unwrap().status(), 303);
    let r = http()
        .get(server.url(&format!("/teams/{team}")))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "signed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quarantine_page_shows_a_rejected_upload_and_names_are_escaped() {
    let server = Server::start().await;
    server.team("Desk <A>").await;
    let (_, coach) = server.enrolled("Cora", Role::Coach, Some("Desk <A>")).await;
    let name = "Eve <b>\"x\"</b>";
    let (eve, eve_cred) = server.enrolled(name, Role::Trainee, Some("Desk <A>")).await;
    let played = play(SHIFT, Persona::Ideal, 7, name);
    let mut env = envelope(&played.log, eve);
    env["claimed_score"] = serde_json::json!(101);
    assert_eq!(server.upload(&eve_cred, &env).await.0, 202);

    let (status, html) = server.get(&coach, "/quarantine").await;
    assert_eq!(status, 200);
    assert!(html.contains("score-claim"), "{html}");
    assert!(html.contains("claims a score of 101"));
    assert!(
        html.contains("Eve &lt;b&gt;&quot;x&quot;&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<b>\"x\""));
    let (_, html) = server.get(&coach, "/").await;
    assert!(!html.contains("Desk <A>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_team_overview_renders_in_headless_chromium() {
    let server = Server::start().await;
    let team = server.team("Desk A").await;
    let (_, coach) = server.enrolled("Cora", Role::Coach, Some("Desk A")).await;
    for (name, persona) in [("Ana", Persona::Ideal), ("Ben", Persona::UnderEscalator)] {
        let (id, cred) = server.enrolled(name, Role::Trainee, Some("Desk A")).await;
        let played = play(SHIFT, persona, 7, name);
        assert_eq!(
            server.upload(&cred, &envelope(&played.log, id)).await.0,
            201
        );
    }
    let (status, html) = server.get(&coach, &format!("/teams/{team}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(">Ana</a>") && html.contains(">Ben</a>"));
    let Some(dark) = screenshot(&html, "team-overview") else {
        return;
    };
    assert!(dark > 2_000, "no text to speak of ({dark} dark pixels)");
}
