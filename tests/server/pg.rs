//! A real PostgreSQL for the tests. With `DOJO_TEST_DATABASE_URL` set, that server is
//! used; otherwise one throwaway cluster per test binary: `initdb` into a temporary
//! folder and `postgres` on a free loopback port, its unix socket in that folder. As
//! root (PostgreSQL refuses to run as root) both run as the `postgres` user through
//! `runuser`. A small shell watchdog holds the cluster: it waits on a pipe from this
//! process and, when the pipe closes (the test binary ends, however it ends), stops the
//! server and removes the folder. No PostgreSQL binaries: every test fails, saying so.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// The watchdog: initdb, start postgres, say `ready`, wait for stdin to close, stop.
const WATCHDOG: &str = r#"
set -e
bin="$1"; dir="$2"; port="$3"
"$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 || { echo "initdb failed: $(tail -5 "$dir/initdb.log")"; exit 1; }
"$bin/postgres" -D "$dir/data" -p "$port" -k "$dir" -c listen_addresses=127.0.0.1 \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
    >"$dir/server.log" 2>&1 &
pid=$!
i=0
until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; do
    i=$((i + 1))
    if [ $i -gt 600 ] || ! kill -0 $pid 2>/dev/null; then echo "postgres did not start: $(tail -5 "$dir/server.log")"; exit 1; fi
    sleep 0.05
done
echo ready
read _ || true
kill -INT $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
rm -rf "$dir"
"#;

struct Cluster {
    /// The maintenance database's URL (CREATE DATABASE is run there).
    admin_url: String,
    /// The watchdog; its stdin is held open for the life of the process.
    _watchdog: Option<Mutex<Child>>,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

fn bin_dir() -> Option<PathBuf> {
    let has_all = |d: &Path| {
        ["initdb", "postgres", "pg_isready"]
            .iter()
            .all(|b| d.join(b).is_file())
    };
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| has_all(d))
        .collect();
    versions.sort();
    if let Some(d) = versions.pop() {
        return Some(d);
    }
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|d| has_all(d))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free local port: {e}"))
}

fn start_cluster() -> Result<Cluster, String> {
    if let Ok(url) = std::env::var("DOJO_TEST_DATABASE_URL")
        && !url.trim().is_empty()
    {
        return Ok(Cluster {
            admin_url: url.trim().to_string(),
            _watchdog: None,
        });
    }
    let bin = bin_dir().ok_or(
        "no PostgreSQL server binaries (initdb, postgres, pg_isready) on PATH or in /usr/lib/postgresql/*/bin: \
         install Debian's `postgresql` (as .ci/run does) or set DOJO_TEST_DATABASE_URL",
    )?;
    let dir = tempfile::Builder::new()
        .prefix("dojo-test-pg-")
        .tempdir()
        .map_err(|e| format!("no temporary folder: {e}"))?
        .keep();
    let port = free_port()?;
    let root = is_root();
    let mut command = if root {
        let chown = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status()
            .map_err(|e| format!("chown: {e}"))?;
        if !chown.success() {
            return Err("running as root, but the temporary folder cannot be given to the `postgres` user (no such user?)".into());
        }
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", "sh", "-c", WATCHDOG, "sh"]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", WATCHDOG, "sh"]);
        c
    };
    let mut child = command
        .arg(&bin)
        .arg(&dir)
        .arg(port.to_string())
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the PostgreSQL watchdog: {e}"))?;
    let stdout = child.stdout.take().ok_or("the watchdog has no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("the watchdog said nothing: {e}"))?;
    if line.trim() != "ready" {
        let _ = child.kill();
        return Err(format!(
            "the throwaway PostgreSQL did not start: {}",
            line.trim()
        ));
    }
    Ok(Cluster {
        admin_url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        _watchdog: Some(Mutex::new(child)),
    })
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, db: &str) -> String {
    let (query, base) = match url.split_once('?') {
        Some((b, q)) => (format!("?{q}"), b),
        None => (String::new(), url),
    };
    let start = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[start..].find('/').map_or(base.len(), |i| start + i);
    format!("{}/{db}{query}", &base[..host_end])
}

/// A fresh, empty database of its own for one test: its URL.
pub async fn fresh_database() -> String {
    let cluster = match CLUSTER.get_or_init(start_cluster) {
        Ok(c) => c,
        Err(e) => panic!("no PostgreSQL for the server tests: {e}"),
    };
    let (client, connection) = tokio_postgres::connect(&cluster.admin_url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", cluster.admin_url));
    tokio::spawn(connection);
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    with_database(&cluster.admin_url, &name)
}
