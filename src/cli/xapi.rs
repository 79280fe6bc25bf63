//! `dojo xapi`: results to the organisation's learning record store (#17). `configure`
//! writes the LRS's address, credentials and the organisation's naming to `xapi.ron` in
//! the data folder (owner-only); `send` queues every finished session's statements and
//! posts the queue (`xapi_client::deliver`); `status` shows the queue. The secret is never
//! printed. Run `send` after sessions, or from a timer: a failed send loses nothing.

use std::io::Write;

use clap::Subcommand;
use serde_json::json;

use crate::cli::common::{fail, load_pack, open_store};
use crate::cli::{Cli, Format};
use crate::clock::now;
use crate::xapi_client::{self, DEFAULT_BATCH, Stop};
use dojo_xapi::XapiConfig;

/// `dojo xapi …`.
#[derive(Debug, Subcommand)]
pub enum XapiCommand {
    /// Set the LRS this machine reports to (replaces earlier settings; the queue is kept).
    Configure {
        /// The LRS's xAPI endpoint, e.g. https://lrs.example.org/xAPI (statements are
        /// posted to ENDPOINT/statements).
        #[arg(long)]
        endpoint: String,
        /// The Basic-auth key (the LRS's client key or user name).
        #[arg(long)]
        key: String,
        /// The Basic-auth secret (stored owner-only, never printed).
        #[arg(long)]
        secret: String,
        /// Base IRI of activity and extension ids (default: https://escalation-dojo.org/xapi).
        #[arg(long)]
        base_iri: Option<String>,
        /// People are accounts on this home page (the default naming; default
        /// https://escalation-dojo.org).
        #[arg(long, conflicts_with = "email_domain")]
        home_page: Option<String>,
        /// People are e-mail addresses at this domain instead (Ana Lopez → ana.lopez@DOMAIN).
        #[arg(long)]
        email_domain: Option<String>,
    },
    /// Queue every finished session's statements and send the queue.
    Send {
        /// Statements per request.
        #[arg(long, default_value_t = DEFAULT_BATCH)]
        batch: usize,
        /// Try statements still waiting out a backoff too.
        #[arg(long)]
        now: bool,
    },
    /// The settings (without the secret) and what the queue holds.
    Status {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// `dojo xapi …`.
pub fn cmd_xapi(
    cli: &Cli,
    command: &XapiCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let dir = match dojo_store::data_dir(cli.data_dir.as_deref()) {
        Ok(d) => d,
        Err(e) => return fail(err, e),
    };
    match command {
        XapiCommand::Configure {
            endpoint,
            key,
            secret,
            base_iri,
            home_page,
            email_domain,
        } => {
            let checked = XapiConfig::new(
                endpoint,
                key,
                secret,
                base_iri.as_deref(),
                home_page.as_deref(),
                email_domain.as_deref(),
            );
            let config = match checked {
                Ok(c) => c,
                Err(e) => {
                    writeln!(err, "error: {e}")?;
                    return Ok(2);
                }
            };
            if let Err(e) = config.save(&dir) {
                return fail(err, e);
            }
            writeln!(
                out,
                "xAPI: statements go to {} as {} (secret stored owner-only in {}); `dojo xapi send` sends them",
                xapi_client::statements_url(&config.endpoint),
                config.key,
                XapiConfig::path(&dir).display()
            )?;
            Ok(0)
        }
        XapiCommand::Send { batch, now: force } => {
            let config = match XapiConfig::load(&dir) {
                Ok(Some(c)) => c,
                Ok(None) => {
                    writeln!(
                        err,
                        "error: no LRS configured; run `dojo xapi configure --endpoint URL --key K --secret S` first"
                    )?;
                    return Ok(1);
                }
                Err(e) => return fail(err, e),
            };
            let Some(pack) = load_pack(cli, err)? else {
                return Ok(1);
            };
            let Some(store) = open_store(cli, Some(&pack), err)? else {
                return Ok(1);
            };
            let at = now();
            let (sessions, queued) = match xapi_client::queue_all(&store, &config, Some(&pack), at)
            {
                Ok(q) => q,
                Err(e) => return fail(err, e),
            };
            if queued > 0 {
                writeln!(out, "queued {queued} statement(s) of {sessions} session(s)")?;
            }
            let d = match xapi_client::deliver(&store, &config, *batch, *force, at) {
                Ok(d) => d,
                Err(e) => return fail(err, e),
            };
            writeln!(
                out,
                "xAPI: {} sent, {} already in the LRS, {} quarantined, {} left queued",
                d.sent,
                d.already_there,
                d.quarantined.len(),
                d.left
            )?;
            for q in &d.quarantined {
                writeln!(
                    err,
                    "quarantined (the LRS refused it as malformed; please report it): {q}"
                )?;
            }
            match &d.stopped {
                Some(Stop::Configuration(m)) => {
                    writeln!(err, "error: {m}")?;
                    Ok(1)
                }
                Some(Stop::Retry(m)) => {
                    writeln!(
                        err,
                        "warning: {m}; nothing was lost — `dojo xapi send` again later"
                    )?;
                    Ok(3)
                }
                None => Ok(0),
            }
        }
        XapiCommand::Status { format } => {
            let config = match XapiConfig::load(&dir) {
                Ok(c) => c,
                Err(e) => return fail(err, e),
            };
            let Some(store) = open_store(cli, None, err)? else {
                return Ok(1);
            };
            let status = match store.xapi_status(now()) {
                Ok(s) => s,
                Err(e) => return fail(err, e),
            };
            if *format == Format::Json {
                let value = json!({
                    "configured": config.is_some(),
                    "endpoint": config.as_ref().map(|c| &c.endpoint),
                    "key": config.as_ref().map(|c| &c.key),
                    "base_iri": config.as_ref().map(|c| &c.profile.base_iri),
                    "queue": status,
                });
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                )?;
                return Ok(0);
            }
            match &config {
                Some(c) => writeln!(
                    out,
                    "LRS: {} as {} (base IRI {})",
                    xapi_client::statements_url(&c.endpoint),
                    c.key,
                    c.profile.base_iri
                )?,
                None => writeln!(out, "LRS: not configured (`dojo xapi configure`)")?,
            }
            writeln!(
                out,
                "statements of {} session(s): {} sent, {} already in the LRS, {} pending ({} waiting to retry), {} quarantined",
                status.sessions,
                status.sent,
                status.already_there,
                status.pending,
                status.waiting,
                status.quarantined.len()
            )?;
            if let Some(at) = status.last_sent {
                writeln!(out, "last accepted: {}", at.to_rfc3339())?;
            }
            if let Some(e) = &status.last_error {
                writeln!(out, "last error: {e}")?;
            }
            for q in &status.quarantined {
                writeln!(out, "quarantined: {q}")?;
            }
            Ok(0)
        }
    }
}
