//! What the tests share: a server on a loopback port over a fresh database, people
//! invited and enrolled as `admin invite` and `POST /api/enrol` do, and real session
//! logs played by dojo-core's personas and written as `sim::record` writes them.

use std::sync::{Arc, OnceLock};

use dojo_core::agents::{self, Persona};
use dojo_core::history::GradedSession;
use dojo_core::pack::Pack;
use dojo_core::sim::record::{self, LogHeader};
use dojo_core::sim::session::Session;
use dojo_server::auth::Role;
use dojo_server::{AppState, admin};
use serde_json::{Value, json};
use uuid::Uuid;

/// The body limit the test servers run with.
pub const MAX_BODY: usize = 256 * 1024;

/// A running server.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its state (the pool, for looking into the database).
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Server {
    /// A server over its own fresh database.
    pub async fn start() -> Server {
        Server::on(&crate::pg::fresh_database().await).await
    }

    /// A server over this database (migrating it first).
    pub async fn on(url: &str) -> Server {
        let state = AppState::start(url).await.expect("the server starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(dojo_server::serve(
            listener,
            state.clone(),
            MAX_BODY,
            async {
                let _ = stopped.await;
            },
        ));
        Server {
            base,
            state,
            stop: Some(stop),
        }
    }

    /// The URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Adds a team; its UUID.
    pub async fn team(&self, name: &str) -> Uuid {
        admin::team_add(&self.state.pool, name).await.unwrap()
    }

    /// Invites a person; their UUID and one-time token.
    pub async fn invite(&self, name: &str, role: Role, team: Option<&str>) -> (Uuid, String) {
        let inv = admin::invite(&self.state.pool, name, role, team, 7)
            .await
            .unwrap();
        (inv.person, inv.token)
    }

    /// Invites and enrols a person: their UUID and device credential.
    pub async fn enrolled(&self, name: &str, role: Role, team: Option<&str>) -> (Uuid, String) {
        let (id, token) = self.invite(name, role, team).await;
        let r = http()
            .post(self.url("/api/enrol"))
            .json(&json!({ "token": token, "machine": format!("pc-of-{name}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "enrolment: {}", r.text().await.unwrap());
        let body: Value = r.json().await.unwrap();
        (id, body["credential"].as_str().unwrap().to_string())
    }

    /// One value from the database.
    pub async fn count(&self, sql: &str) -> i64 {
        let client = self.state.pool.get().await.unwrap();
        client.query_one(sql, &[]).await.unwrap().get(0)
    }

    /// Uploads an envelope with a credential: status and JSON body.
    pub async fn upload(&self, credential: &str, envelope: &Value) -> (u16, Value) {
        let r = http()
            .post(self.url("/api/sessions"))
            .bearer_auth(credential)
            .json(envelope)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// GET with a credential: status and text.
    pub async fn get(&self, credential: &str, path: &str) -> (u16, String) {
        let r = http()
            .get(self.url(path))
            .bearer_auth(credential)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

/// Signs a coach in through the form: the session cookie and a page's CSRF token.
pub async fn sign_in(server: &Server, credential: &str) -> String {
    let form = http().get(server.url("/login")).send().await.unwrap();
    let html = form.text().await.unwrap();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = html[at..at + 64].to_string();
    let r = http()
        .post(server.url("/login"))
        .header("cookie", format!("dojo_login_csrf={csrf}"))
        .form(&[("credential", credential.to_string()), ("csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("dojo_session="))
        .unwrap()
        .to_string();
    set.split(';').next().unwrap().to_string()
}

/// A plain HTTP client (no redirects followed, so they can be checked).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The built-in pack, loaded once.
pub fn pack() -> Arc<Pack> {
    static PACK: OnceLock<Arc<Pack>> = OnceLock::new();
    Arc::clone(PACK.get_or_init(|| Arc::new(Pack::builtin().expect("the built-in pack loads"))))
}

/// A session played by a persona, as the app logs it: the log text and the score
/// dojo-core grades it with locally.
pub struct Played {
    /// The line log.
    pub log: String,
    /// dojo-core's grade of it, computed here, independently of the server.
    pub score: u32,
}

/// Plays a built-in shift as a persona (seed `seed`) for a trainee.
pub fn play(shift: &str, persona: Persona, seed: u64, trainee: &str) -> Played {
    let pack = pack();
    let script = agents::play(Arc::clone(&pack), &pack.shifts[shift], seed, persona).unwrap();
    let mut session = Session::new(Arc::clone(&pack), shift, seed).unwrap();
    record::play_script(&mut session, &script, 0, None, None).unwrap();
    let header = LogHeader::for_session(&session, Some(trainee.to_string()), None);
    let log = record::log_text(&header, &session.log);
    session.finish();
    let score = GradedSession::of(&session, header).grade.score;
    Played { log, score }
}

/// The upload envelope of a log for a person.
pub fn envelope(log: &str, person: Uuid) -> Value {
    let pack = pack();
    json!({
        "log": log,
        "pack_hash": pack.content_hash,
        "policy_hash": pack.policy_hash,
        "person": person,
        "machine": "test-pc-1",
    })
}

/// Where Debian installs Chromium (`.ci/run` installs it).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Renders a page's HTML in headless Chromium at 1280×720: the number of dark pixels
/// (text and rules) of the screenshot, or `None` (with a notice) when Chromium is not
/// installed. With `DOJO_KEEP_SCREENSHOTS=DIR` the PNG is kept as `DIR/NAME.png` to be
/// looked at.
pub fn screenshot(html: &str, name: &str) -> Option<usize> {
    if !std::path::Path::new(CHROMIUM).exists() {
        println!(
            "NOTICE: {CHROMIUM} not found; {name} was not rendered (.ci/run installs Debian's `chromium`)"
        );
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join(format!("{name}.html"));
    std::fs::write(&page, html).unwrap();
    let png = dir.path().join(format!("{name}.png"));
    let profile = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,720",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        png.exists(),
        "chromium wrote no screenshot of {name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    if let Ok(keep) = std::env::var("DOJO_KEEP_SCREENSHOTS") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(
            &png,
            std::path::Path::new(&keep).join(format!("{name}.png")),
        )
        .unwrap();
    }
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1280, 720), "{name}");
    let channels = info.color_type.samples();
    Some(
        buf[..info.buffer_size()]
            .chunks(channels)
            .map(|p| 0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2]))
            .filter(|l| *l < 100.0)
            .count(),
    )
}
