//! `dojo-server`: `serve` the API and the coach's web view, or run an `admin` command.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dojo_server::auth::Role;
use dojo_server::{AppState, DEFAULT_MAX_BODY, admin, db, repo};

#[derive(Parser)]
#[command(
    name = "dojo-server",
    version,
    about = "The Escalation Dojo team server (PostgreSQL)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the coach's web view (applies the migrations first).
    Serve {
        /// postgres://user@host/db (or env DOJO_DATABASE_URL).
        #[arg(long, env = "DOJO_DATABASE_URL")]
        database_url: String,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8480")]
        listen: String,
        /// Largest request body in bytes (larger: 413).
        #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
        max_body: usize,
        /// Forward every verified session's xAPI statements to the LRS in this settings
        /// file (written by `admin xapi configure`; owner-only). Or env DOJO_SERVER_XAPI.
        #[arg(long, env = "DOJO_SERVER_XAPI")]
        xapi: Option<std::path::PathBuf>,
    },
    /// Teams, people and invitations.
    Admin {
        /// postgres://user@host/db (or env DOJO_DATABASE_URL).
        #[arg(long, env = "DOJO_DATABASE_URL", global = true)]
        database_url: Option<String>,
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a person if new and print a one-time enrolment token (last line).
    Invite {
        /// trainee, coach or admin.
        #[arg(long)]
        role: String,
        /// Their name.
        #[arg(long)]
        name: String,
        /// Their team (required for a coach).
        #[arg(long)]
        team: Option<String>,
        /// Days the token stays valid.
        #[arg(long, default_value_t = repo::ENROLMENT_DAYS)]
        days: i64,
    },
    /// Teams.
    Team {
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// People.
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// Enrolled machines.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Forwarding to the organisation's learning record store (xAPI).
    Xapi {
        #[command(subcommand)]
        command: XapiCommand,
    },
}

#[derive(Subcommand)]
enum XapiCommand {
    /// Write the LRS settings file `serve --xapi FILE` reads (owner-only; the secret is
    /// never printed).
    Configure {
        /// The settings file to write.
        #[arg(long)]
        file: std::path::PathBuf,
        /// The LRS's xAPI endpoint, e.g. https://lrs.example.org/xAPI.
        #[arg(long)]
        endpoint: String,
        /// The Basic-auth key.
        #[arg(long)]
        key: String,
        /// The Basic-auth secret.
        #[arg(long)]
        secret: String,
        /// Base IRI of activity and extension ids (default: https://escalation-dojo.org/xapi).
        #[arg(long)]
        base_iri: Option<String>,
        /// People are accounts on this home page (the default naming).
        #[arg(long, conflicts_with = "email_domain")]
        home_page: Option<String>,
        /// People are e-mail addresses at this domain instead.
        #[arg(long)]
        email_domain: Option<String>,
    },
    /// What the forwarding queue holds.
    Status,
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// List the devices (all, or one person's).
    List {
        /// Only this person's.
        #[arg(long)]
        person: Option<String>,
    },
    /// Revoke a device: its credential and the web sign-ins made with it stop working.
    Revoke {
        /// The device's UUID (from `admin device list`).
        id: uuid::Uuid,
    },
}

#[derive(Subcommand)]
enum TeamCommand {
    /// Add a team.
    Add {
        /// Its name.
        name: String,
    },
    /// List the teams.
    List,
}

#[derive(Subcommand)]
enum PersonCommand {
    /// List people (all, or one team's).
    List {
        /// Only this team.
        #[arg(long)]
        team: Option<String>,
    },
    /// Revoke a person's access: every device, web sign-in and unused invitation.
    Revoke {
        /// Their name.
        name: String,
    },
    /// Let a revoked person be invited again (their old devices stay revoked).
    Restore {
        /// Their name.
        name: String,
    },
    /// Erase a person and their data on request (cannot be undone).
    Erase {
        /// Their name.
        name: String,
        /// The name again, to confirm.
        #[arg(long)]
        confirm: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dojo-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dojo-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    if let Command::Admin {
        command:
            AdminCommand::Xapi {
                command:
                    XapiCommand::Configure {
                        file,
                        endpoint,
                        key,
                        secret,
                        base_iri,
                        home_page,
                        email_domain,
                    },
            },
        ..
    } = &cli.command
    {
        // No database needed: the settings are a file beside the server.
        let config = dojo_xapi::XapiConfig::new(
            endpoint,
            key,
            secret,
            base_iri.as_deref(),
            home_page.as_deref(),
            email_domain.as_deref(),
        )?;
        config.save_file(file).map_err(|e| e.to_string())?;
        println!(
            "xAPI: `serve --xapi {}` forwards statements to {} as {} (secret stored owner-only)",
            file.display(),
            dojo_xapi::statements_url(&config.endpoint),
            config.key
        );
        return Ok(());
    }
    match cli.command {
        Command::Serve {
            database_url,
            listen,
            max_body,
            xapi,
        } => {
            let forward = match &xapi {
                Some(file) => Some(std::sync::Arc::new(
                    dojo_xapi::XapiConfig::load_file(file)
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| {
                            format!(
                                "{}: no such xAPI settings file (write it with `dojo-server admin xapi configure --file {}`)",
                                file.display(),
                                file.display()
                            )
                        })?,
                )),
                None => None,
            };
            let state = AppState::start(&database_url).await?;
            if let Some(config) = forward {
                println!(
                    "dojo-server: forwarding xAPI statements to {} as {}",
                    dojo_xapi::statements_url(&config.endpoint),
                    config.key
                );
                tokio::spawn(dojo_server::xapi::forward(state.clone(), config));
            }
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            println!("dojo-server: listening on http://{addr}");
            dojo_server::serve(listener, state, max_body, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| e.to_string())
        }
        Command::Admin {
            database_url,
            command,
        } => {
            let url = database_url
                .ok_or("give --database-url postgres://… (or set DOJO_DATABASE_URL)")?;
            let pool = db::pool(&url, 2).map_err(|e| e.to_string())?;
            db::migrate(&pool).await.map_err(|e| e.to_string())?;
            admin_command(&pool, command)
                .await
                .map_err(|e| e.to_string())
        }
    }
}

async fn admin_command(
    pool: &deadpool_postgres::Pool,
    command: AdminCommand,
) -> Result<(), dojo_server::error::ApiError> {
    use dojo_server::error::ApiError;
    match command {
        AdminCommand::Invite {
            role,
            name,
            team,
            days,
        } => {
            let role = Role::parse(&role).map_err(ApiError::BadRequest)?;
            let inv = admin::invite(pool, &name, role, team.as_deref(), days).await?;
            println!(
                "{} {name} ({}), person {}",
                if inv.created {
                    "added"
                } else {
                    "invited again:"
                },
                role.as_str(),
                inv.person
            );
            println!(
                "one-time enrolment token, valid {days} days (join with `dojo team join URL --token TOKEN`):"
            );
            println!("{}", inv.token);
        }
        AdminCommand::Team { command } => match command {
            TeamCommand::Add { name } => {
                let id = admin::team_add(pool, &name).await?;
                println!("added team {name} ({id})");
            }
            TeamCommand::List => {
                let client = pool.get().await?;
                for t in repo::teams(&client).await? {
                    println!("{}\t{}\t{} members", t.id, t.name, t.members);
                }
            }
        },
        AdminCommand::Person { command } => match command {
            PersonCommand::List { team } => {
                let client = pool.get().await?;
                let team_id = match &team {
                    Some(t) => Some(
                        repo::team_by_name(&client, t)
                            .await?
                            .ok_or_else(|| ApiError::NotFound(format!("no team `{t}`")))?,
                    ),
                    None => None,
                };
                for p in repo::people(&client, team_id).await? {
                    println!(
                        "{}\t{}\t{}\t{}{}",
                        p.id,
                        p.name,
                        p.role.as_str(),
                        p.team.as_deref().unwrap_or("-"),
                        if p.revoked { "\trevoked" } else { "" }
                    );
                }
            }
            PersonCommand::Revoke { name } => {
                let n = admin::set_person_revoked(pool, &name, true).await?;
                println!("revoked {name}'s access ({n} devices revoked with it)");
            }
            PersonCommand::Restore { name } => {
                admin::set_person_revoked(pool, &name, false).await?;
                println!("restored {name}: invite them again with `admin invite`");
            }
            PersonCommand::Erase { name, confirm } => {
                let (id, e) = admin::erase(pool, &name, &confirm).await?;
                println!(
                    "erased person {id}: {} sessions, {} quarantined uploads, {} devices; \
                     {} overrides or answers about others kept without the name; \
                     {} audit entries rewritten",
                    e.sessions, e.quarantined, e.devices, e.anonymised, e.audit_rewritten
                );
            }
        },
        AdminCommand::Device { command } => match command {
            DeviceCommand::List { person } => {
                for d in admin::devices(pool, person.as_deref()).await? {
                    println!(
                        "{}\t{}\t{}\tenrolled {}\t{}",
                        d.id,
                        d.person,
                        d.machine,
                        d.created_at.format("%Y-%m-%d %H:%M"),
                        d.revoked_at.map_or("active".to_string(), |t| format!(
                            "revoked {}",
                            t.format("%Y-%m-%d %H:%M")
                        ))
                    );
                }
            }
            DeviceCommand::Revoke { id } => {
                let d = admin::revoke_device(pool, id).await?;
                println!(
                    "revoked device {} ({}, machine {})",
                    d.id, d.person, d.machine
                );
            }
        },
        AdminCommand::Xapi { command } => match command {
            XapiCommand::Configure { .. } => unreachable!("handled before the database"),
            XapiCommand::Status => {
                let s = dojo_server::xapi::status(pool, chrono::Utc::now()).await?;
                println!(
                    "statements of {} session(s): {} sent, {} already in the LRS, {} pending ({} waiting to retry), {} quarantined; {} session(s) not queued yet",
                    s.sessions,
                    s.sent,
                    s.already_there,
                    s.pending,
                    s.waiting,
                    s.quarantined.len(),
                    s.unqueued
                );
                if let Some(e) = &s.last_error {
                    println!("last error: {e}");
                }
                for q in &s.quarantined {
                    println!("quarantined: {q}");
                }
            }
        },
    }
    Ok(())
}
