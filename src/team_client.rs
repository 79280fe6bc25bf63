//! The team server's client, shared by `dojo team` and the desktop trainer's dashboard: a
//! small blocking HTTP client (ureq; the app has no async runtime), and the reads of the
//! coach's model — the team overview and a trainee's report, dojo-core's types as the
//! server sends them. The window calls these on a thread of its own, never on a frame.

use std::time::Duration;

use dojo_core::report::{AttentionRow, TrainerReport};
use dojo_store::TeamLink;
use serde_json::Value;

/// The HTTP agent: a minute's time-out, HTTP error statuses as answers.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// An HTTP answer: status and JSON body (`Null` when the body is not JSON).
pub type Answer = (u16, Value);

/// POSTs JSON (with the device credential when given).
pub fn post(
    agent: &ureq::Agent,
    url: &str,
    bearer: Option<&str>,
    body: &Value,
) -> Result<Answer, String> {
    let mut request = agent.post(url).header("Content-Type", "application/json");
    if let Some(credential) = bearer {
        request = request.header("Authorization", &format!("Bearer {credential}"));
    }
    let mut response = request
        .send(body.to_string())
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(1024 * 1024)
        .read_to_string()
        .unwrap_or_default();
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// GETs JSON with the device credential.
pub fn get(agent: &ureq::Agent, url: &str, bearer: &str) -> Result<Answer, String> {
    let mut response = agent
        .get(url)
        .header("Authorization", &format!("Bearer {bearer}"))
        .call()
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(8 * 1024 * 1024)
        .read_to_string()
        .unwrap_or_default();
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// The server's error sentence of an answer.
pub fn server_error(body: &Value) -> String {
    body["error"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| "no reason given".into())
}

/// A trainee of the server's overview: their UUID and row.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerTrainee {
    /// Their UUID on the server.
    pub person: String,
    /// The overview's row.
    pub row: AttentionRow,
}

/// The team overview the server computes for this machine's coach (or admin).
pub fn overview(link: &TeamLink) -> Result<Vec<ServerTrainee>, String> {
    let url = format!("{}/api/overview", link.server);
    match get(&agent(), &url, &link.credential)? {
        (200, Value::Array(items)) => items
            .into_iter()
            .map(|v| {
                let person = v["person"].as_str().unwrap_or_default().to_string();
                serde_json::from_value::<AttentionRow>(v["row"].clone())
                    .map(|row| ServerTrainee { person, row })
                    .map_err(|e| format!("the server's overview does not read: {e}"))
            })
            .collect(),
        (status, body) => Err(format!(
            "the server did not give the overview ({status}): {}",
            server_error(&body)
        )),
    }
}

/// A trainee's report as the server builds it from their verified sessions.
pub fn report(link: &TeamLink, person: &str) -> Result<TrainerReport, String> {
    let url = format!("{}/api/people/{person}/report", link.server);
    match get(&agent(), &url, &link.credential)? {
        (200, body) => serde_json::from_value(body)
            .map_err(|e| format!("the server's report does not read: {e}")),
        (status, body) => Err(format!(
            "the server did not give the report ({status}): {}",
            server_error(&body)
        )),
    }
}
