//! A real learning record store for the tests (#17): Ralph's LRS (PyPI `ralph-malph`,
//! run by `.ci/ralph_lrs.py` with its filesystem backend), which `.ci/run` installs into a
//! virtual environment and names in `DOJO_TEST_RALPH_PYTHON`. Each test starts its own
//! LRS on a free loopback port with its own folder and reads statements back through the
//! LRS's own xAPI (`GET /xAPI/statements`). Shared by the app's and the server's test
//! binaries (`#[path]`), so not every binary uses every item.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub const KEY: &str = "dojo-ci";
pub const SECRET: &str = "s3cret-Ralph-pass";

/// The Python with Ralph, or None (the test is skipped, outside CI).
pub fn ralph_python() -> Option<PathBuf> {
    match std::env::var_os("DOJO_TEST_RALPH_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("CI").is_some() => {
            panic!(
                "DOJO_TEST_RALPH_PYTHON is not set: .ci/run installs Ralph's LRS for these tests"
            )
        }
        None => {
            eprintln!(
                "skipped: DOJO_TEST_RALPH_PYTHON is not set (bash .ci/run installs Ralph's LRS)"
            );
            None
        }
    }
}

/// A running Ralph LRS.
pub struct Lrs {
    python: PathBuf,
    pub dir: PathBuf,
    pub port: u16,
    /// Every POST waits this long first (a slow LRS), 0 for none.
    pub delay_ms: u32,
    child: Option<Child>,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Lrs {
    /// Credentials written with Ralph's own `ralph auth`, then the server started.
    pub fn start(python: &Path, dir: &Path) -> Lrs {
        Self::start_slow(python, dir, 0)
    }

    /// As [`Lrs::start`], with every POST waiting `delay_ms` first.
    pub fn start_slow(python: &Path, dir: &Path, delay_ms: u32) -> Lrs {
        std::fs::create_dir_all(dir).unwrap();
        let ralph = python.with_file_name("ralph");
        let auth = Command::new(&ralph)
            .env("RALPH_RUNSERVER_BACKEND", "fs")
            .env("RALPH_APP_DIR", dir)
            .env("RALPH_AUTH_FILE", dir.join("auth.json"))
            .args([
                "auth",
                "-u",
                KEY,
                "-p",
                SECRET,
                "-s",
                "all",
                "-A",
                KEY,
                "https://escalation-dojo.org",
                "-w",
            ])
            .output()
            .expect("ralph auth runs");
        assert!(auth.status.success(), "ralph auth: {}", text(&auth));
        let mut lrs = Lrs {
            python: python.to_path_buf(),
            dir: dir.to_path_buf(),
            port: free_port(),
            delay_ms,
            child: None,
        };
        lrs.restart();
        lrs
    }

    fn launcher() -> PathBuf {
        // The workspace's `.ci/`, from the app's or a member crate's manifest folder.
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|d| d.join(".ci/ralph_lrs.py"))
            .find(|p| p.exists())
            .expect(".ci/ralph_lrs.py in the workspace")
    }

    /// (Re)starts the server on the same port and folder; returns once it answers.
    pub fn restart(&mut self) {
        let child = Command::new(&self.python)
            .arg(Self::launcher())
            .arg(self.port.to_string())
            .arg(&self.dir)
            .arg(self.delay_ms.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(self.dir.join("server.log")).unwrap(),
            ))
            .spawn()
            .expect("the LRS starts");
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok((200, _)) = self.get_raw("/__heartbeat__") {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "the LRS did not answer within 60 s: {}",
            std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
        );
    }

    /// Stops the server the way a process manager or a shutdown does: SIGTERM, then wait.
    /// (Not SIGKILL: Ralph's filesystem backend appends to one JSON-lines file, and a
    /// process killed in the middle of a line leaves a file it cannot read again — every
    /// later request answers 500. That is the backend's own durability, not the client's.)
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(30) {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/xAPI", self.port)
    }

    pub fn get_raw(&self, path: &str) -> Result<(u16, String), String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let auth = base64_basic(KEY, SECRET);
        let mut r = agent
            .get(&format!("http://127.0.0.1:{}{path}", self.port))
            .header("X-Experience-API-Version", "1.0.3")
            .header("Authorization", &auth)
            .call()
            .map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        let body = r
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .unwrap_or_default();
        Ok((status, body))
    }

    /// Every statement the LRS holds, through its xAPI.
    pub fn statements(&self) -> Vec<Value> {
        let (status, body) = self.get_raw("/xAPI/statements?limit=1000").unwrap();
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        v["statements"].as_array().unwrap().clone()
    }

    /// Lines in the backend's file (what it stored, counted without asking it).
    pub fn stored_lines(&self) -> usize {
        std::fs::read_to_string(self.dir.join("fs_lrs.jsonl"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }
}

impl Drop for Lrs {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn base64_basic(key: &str, secret: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"))
    )
}

/// Every field we sent is in what the LRS stored, equal (it adds `stored`, `authority`).
pub fn contains(stored: &Value, sent: &Value, at: &str) {
    match (stored, sent) {
        (Value::Object(s), Value::Object(t)) => {
            for (k, v) in t {
                let inner = s
                    .get(k)
                    .unwrap_or_else(|| panic!("{at}.{k} missing in the LRS's copy"));
                contains(inner, v, &format!("{at}.{k}"));
            }
        }
        (Value::Array(s), Value::Array(t)) => {
            assert_eq!(s.len(), t.len(), "{at}: lengths");
            for (i, (a, b)) in s.iter().zip(t).enumerate() {
                contains(a, b, &format!("{at}[{i}]"));
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            assert!(
                (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-9,
                "{at}: {a} ≠ {b}"
            )
        }
        (Value::String(a), Value::String(b)) if at.ends_with(".timestamp") => {
            let a = chrono::DateTime::parse_from_rfc3339(a).unwrap();
            let b = chrono::DateTime::parse_from_rfc3339(b).unwrap();
            assert_eq!(a, b, "{at}");
        }
        (a, b) => assert_eq!(a, b, "{at}"),
    }
}
