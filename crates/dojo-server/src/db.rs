//! The database: a pool of PostgreSQL connections and the schema's migrations, applied at
//! start inside one transaction holding a transaction-level advisory lock, so server
//! processes starting at once on one database apply each migration exactly once (the
//! others wait on the lock, then find it applied).

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

/// The advisory lock's key (any constant the schema's users agree on): "dojo" in ASCII.
pub const MIGRATION_LOCK: i64 = 0x646f_6a6f;

/// The schema, one migration a step; a step is never edited once released, only added.
pub const MIGRATIONS: &[(i32, &str)] = &[
    (1, MIGRATION_1),
    (2, MIGRATION_2),
    (3, MIGRATION_3),
    (4, MIGRATION_4),
    (5, MIGRATION_5),
    (6, MIGRATION_6),
    (7, MIGRATION_7),
];

const MIGRATION_1: &str = r#"
CREATE TABLE organisation (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO organisation (id, name) VALUES (gen_random_uuid(), 'Service desk');

CREATE TABLE teams (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisation(id),
    name text NOT NULL,
    name_key text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE people (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisation(id),
    name text NOT NULL,
    name_key text NOT NULL UNIQUE,
    role text NOT NULL CHECK (role IN ('trainee', 'coach', 'admin')),
    team_id uuid REFERENCES teams(id),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One-time enrolment tokens: only their SHA-256 is kept.
CREATE TABLE enrolment_tokens (
    token_sha256 text PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);

-- Device credentials (a machine's bearer token): only their SHA-256 is kept.
CREATE TABLE devices (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    credential_sha256 text NOT NULL UNIQUE,
    machine text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- The coach's browser sessions (HttpOnly cookie), each with its CSRF token.
CREATE TABLE web_sessions (
    token_sha256 text PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    csrf text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

-- Verified sessions: the grade is the server's own, recomputed from the log; grades are
-- kept per pack and policy hash.
CREATE TABLE sessions (
    id bigserial PRIMARY KEY,
    log_sha256 text NOT NULL UNIQUE,
    person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    uploaded_by uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    machine text NOT NULL,
    pack_hash text NOT NULL,
    policy_hash text NOT NULL,
    shift_id text NOT NULL,
    seed bigint NOT NULL,
    score integer NOT NULL,
    critical boolean NOT NULL,
    played_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    log text NOT NULL,
    grade jsonb NOT NULL,
    summary jsonb NOT NULL,
    reviews jsonb NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id, played_at, id);
CREATE INDEX sessions_content ON sessions (pack_hash, policy_hash);

-- Uploads that failed verification, with the reason; never graded.
CREATE TABLE quarantine (
    id bigserial PRIMARY KEY,
    log_sha256 text NOT NULL UNIQUE,
    person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    uploaded_by uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    machine text NOT NULL,
    code text NOT NULL,
    reason text NOT NULL,
    log text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- Refused and notable requests (append-only).
CREATE TABLE audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor_id uuid REFERENCES people(id) ON DELETE SET NULL,
    action text NOT NULL,
    detail text NOT NULL
);
"#;

const MIGRATION_2: &str = r#"
-- Coach overrides of a ticket's grade, each with its written reason: an append-only
-- audit trail (the automatic grade stays in `sessions`; the latest override wins).
CREATE TABLE overrides (
    id bigserial PRIMARY KEY,
    session_id bigint NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    ticket integer NOT NULL CHECK (ticket >= 0),
    coach_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    automatic_score integer NOT NULL CHECK (automatic_score BETWEEN 0 AND 100),
    old_score integer NOT NULL CHECK (old_score BETWEEN 0 AND 100),
    new_score integer NOT NULL CHECK (new_score BETWEEN 0 AND 100),
    reason text NOT NULL CHECK (length(btrim(reason)) > 0)
);
CREATE INDEX overrides_by_ticket ON overrides (session_id, ticket, id);

-- Trainees' acknowledgements and disputes of a ticket's grade, and the coach's answers
-- to disputes: append-only. `client_key` makes a trainee's sync idempotent.
CREATE TABLE responses (
    id bigserial PRIMARY KEY,
    session_id bigint NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    ticket integer NOT NULL CHECK (ticket >= 0),
    person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('ack', 'dispute', 'answer')),
    message text NOT NULL,
    answers bigint REFERENCES responses(id) ON DELETE CASCADE,
    override_id bigint REFERENCES overrides(id) ON DELETE CASCADE,
    client_key text UNIQUE,
    at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'answer') = (answers IS NOT NULL)),
    CHECK (kind <> 'dispute' OR length(btrim(message)) > 0)
);
CREATE INDEX responses_by_ticket ON responses (session_id, ticket, id);

-- Append-only: rows are never edited; they are deleted only when a person's data is
-- erased on request (the erasure sets dojo.erase for its transaction).
CREATE FUNCTION dojo_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('dojo.erase', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the % trail is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER overrides_append_only BEFORE UPDATE OR DELETE ON overrides
    FOR EACH ROW EXECUTE FUNCTION dojo_append_only();
CREATE TRIGGER responses_append_only BEFORE UPDATE OR DELETE ON responses
    FOR EACH ROW EXECUTE FUNCTION dojo_append_only();
"#;

const MIGRATION_3: &str = r#"
-- Revocation: a person's access can be withdrawn (every device and browser session with
-- it), and a browser session belongs to the device credential it was signed in with, so
-- revoking that device ends it. Sessions signed in before this step had no device: they
-- end here (sign in again).
ALTER TABLE people ADD COLUMN revoked_at timestamptz;
DELETE FROM web_sessions;
ALTER TABLE web_sessions ADD COLUMN device_id uuid NOT NULL REFERENCES devices(id) ON DELETE CASCADE;

-- Erasure on request: what a coach wrote about others (overrides, answers) stays as the
-- trainee's record with the coach's name gone; everything of the erased person goes.
ALTER TABLE overrides ALTER COLUMN coach_id DROP NOT NULL;
ALTER TABLE overrides DROP CONSTRAINT overrides_coach_id_fkey,
    ADD CONSTRAINT overrides_coach_id_fkey FOREIGN KEY (coach_id) REFERENCES people(id) ON DELETE SET NULL;
ALTER TABLE responses ALTER COLUMN person_id DROP NOT NULL;
ALTER TABLE responses DROP CONSTRAINT responses_person_id_fkey,
    ADD CONSTRAINT responses_person_id_fkey FOREIGN KEY (person_id) REFERENCES people(id) ON DELETE SET NULL;
CREATE OR REPLACE FUNCTION dojo_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dojo.erase', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the % trail is append-only', TG_TABLE_NAME;
END $$;
"#;

const MIGRATION_4: &str = r#"
-- The patterns flagged in each session, beside its score and security verdict, and per
-- person the count of sessions and of sessions carrying each pattern, kept by triggers
-- in the transaction that stores or removes a session: the team overview aggregates
-- from these without reading every session.
ALTER TABLE sessions ADD COLUMN flags text[] NOT NULL DEFAULT '{}';
UPDATE sessions SET flags = ARRAY(
    SELECT f->>'flag' FROM jsonb_array_elements(summary->'flags') f);

CREATE TABLE person_counts (
    person_id uuid PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    sessions integer NOT NULL CHECK (sessions >= 0)
);
CREATE TABLE person_flag_counts (
    person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    flag text NOT NULL,
    sessions integer NOT NULL CHECK (sessions >= 0),
    PRIMARY KEY (person_id, flag)
);
INSERT INTO person_counts SELECT person_id, count(*) FROM sessions GROUP BY person_id;
INSERT INTO person_flag_counts
    SELECT person_id, f, count(*) FROM sessions, unnest(flags) AS f GROUP BY person_id, f;

CREATE FUNCTION dojo_count_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO person_counts VALUES (NEW.person_id, 1)
            ON CONFLICT (person_id) DO UPDATE SET sessions = person_counts.sessions + 1;
        INSERT INTO person_flag_counts
            SELECT NEW.person_id, f, 1 FROM (SELECT DISTINCT unnest(NEW.flags) AS f) d
            ON CONFLICT (person_id, flag)
            DO UPDATE SET sessions = person_flag_counts.sessions + 1;
        RETURN NEW;
    END IF;
    UPDATE person_counts SET sessions = sessions - 1 WHERE person_id = OLD.person_id;
    UPDATE person_flag_counts SET sessions = sessions - 1
        WHERE person_id = OLD.person_id AND flag = ANY(OLD.flags);
    RETURN OLD;
END $$;
CREATE TRIGGER sessions_counted AFTER INSERT OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION dojo_count_sessions();
"#;

const MIGRATION_5: &str = r#"
-- Competitions run on the server: the competition file (its SHA-256 is its identity, as
-- `dojo compete` has it), for a team or for everyone, with the time its board freezes.
CREATE TABLE competitions (
    id uuid PRIMARY KEY,
    team_id uuid REFERENCES teams(id) ON DELETE CASCADE,
    name text NOT NULL,
    file text NOT NULL,
    file_sha256 text NOT NULL UNIQUE,
    shift_id text NOT NULL,
    seed bigint NOT NULL,
    created_by uuid REFERENCES people(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    freeze_at timestamptz
);
-- A session played in a competition carries the competition's SHA-256 and, when it
-- verified, its result as `dojo compete` verifies results; a quarantined one its SHA-256.
ALTER TABLE sessions ADD COLUMN competition_sha256 text, ADD COLUMN competition_result text;
CREATE INDEX sessions_competition ON sessions (competition_sha256, received_at)
    WHERE competition_sha256 IS NOT NULL;
ALTER TABLE quarantine ADD COLUMN competition_sha256 text;
"#;

const MIGRATION_6: &str = r#"
-- A coach's override made in the app travels through sync like a trainee's response:
-- the app's key makes the insert idempotent.
ALTER TABLE overrides ADD COLUMN client_key text UNIQUE;
"#;

const MIGRATION_7: &str = r#"
-- Forwarding to the organisation's LRS (#17): every verified session's xAPI statements,
-- queued once (the body is sent byte for byte as built), marked as the LRS answers.
-- Erasing a person removes their unsent and sent statements with their sessions.
CREATE TABLE xapi_queued (
    session_id bigint PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    queued_at timestamptz NOT NULL
);
CREATE TABLE xapi_outbox (
    id bigserial PRIMARY KEY,
    statement_id text NOT NULL UNIQUE,
    session_id bigint NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    body text NOT NULL,
    queued_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error text,
    sent_at timestamptz,
    verdict text CHECK (verdict IS NULL OR verdict IN ('sent', 'already-there', 'quarantined')),
    reason text
);
CREATE INDEX xapi_outbox_pending ON xapi_outbox (id) WHERE verdict IS NULL;
CREATE FUNCTION dojo_xapi_body_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.body <> OLD.body OR NEW.statement_id <> OLD.statement_id THEN
        RAISE EXCEPTION 'a queued statement is never changed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER xapi_outbox_body_kept BEFORE UPDATE ON xapi_outbox
    FOR EACH ROW EXECUTE FUNCTION dojo_xapi_body_kept();
"#;

/// A database error, said as a sentence.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL does not parse.
    #[error("the database URL is not a PostgreSQL URL: {0}")]
    Url(String),
    /// No connection could be had.
    #[error("cannot connect to the database: {0}")]
    Pool(String),
    /// A statement failed.
    #[error("database error: {}", chain(.0))]
    Sql(#[from] tokio_postgres::Error),
}

/// An error with its sources, as one sentence ("error connecting to server: Connection
/// refused").
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

impl From<deadpool_postgres::PoolError> for DbError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => DbError::Sql(e),
            other => DbError::Pool(other.to_string()),
        }
    }
}

/// A pool on a `postgres://` URL (connections are made when first needed).
pub fn pool(url: &str, max_size: usize) -> Result<Pool, DbError> {
    let config: tokio_postgres::Config = url.parse().map_err(|e| DbError::Url(format!("{e}")))?;
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(max_size)
        .build()
        .map_err(|e| DbError::Pool(e.to_string()))
}

/// Applies the migrations not yet applied, in one transaction under the advisory lock.
/// Returns the versions this call applied (empty when another process had applied them).
pub async fn migrate(pool: &Pool) -> Result<Vec<i32>, DbError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let applied: Vec<i32> = tx
        .query("SELECT version FROM schema_migrations", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut done = Vec::new();
    for (version, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )
        .await?;
        done.push(*version);
    }
    tx.commit().await?;
    Ok(done)
}
