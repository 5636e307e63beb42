//! The command line: `meldpunt serve`, `migrate`, `org …`, `user …`, `demo`,
//! `audit verify|head`, `backup`.

use crate::web::i18n::{Lang, Tr};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::domain::audit::ChainHead;
use crate::domain::credentials::totp_code_at;
use crate::domain::org::{NewOrganisation, OrgKind};
use crate::domain::user::{NewUser, Role};
use crate::service::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP_SECRET};
use crate::service::{
    accounts, demo, now_ms, orgs as org_service, tokens as token_service, Ctx, ServiceError,
};
use crate::store::{audit, orgs, tokens, users, Store, StoreError};
use crate::web::{self, AppState};

#[derive(Parser, Debug)]
#[command(
    name = "meldpunt",
    version,
    about = "Meldvoorziening online oproepen tot openbare-ordeverstoring"
)]
pub struct Cli {
    /// Configuration file (TOML); MELDPUNT_* environment variables override it.
    #[arg(long, env = "MELDPUNT_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// postgres://… to use PostgreSQL instead of the embedded SQLite database.
    #[arg(long, global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Directory of the embedded SQLite database.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start the web application.
    Serve(ServeArgs),
    /// Create or update the database schema.
    Migrate,
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage people.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage an organisation's API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Seed demo data into an empty database and print the demo accounts; with `--cases N`,
    /// also report N realistic reports (a scale data set for trials and benchmarks).
    Demo {
        /// How many reports to add, each through the real intake (most make a new case).
        #[arg(long)]
        cases: Option<u64>,
        /// Seed for the generated data (the same seed gives the same data).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Group the open cases that are in no situation yet into this many situations (by
        /// the municipality and time their reports expect), for trials and benchmarks.
        #[arg(long)]
        situations: Option<usize>,
    },
    /// Make the prints (text and image) of content stored before matching existed, and look
    /// up every print not yet looked up, proposing the copies found. Safe to run again and
    /// while `serve` runs.
    Index,
    /// Check or export the audit trail's hash chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write the trusted-flagger year report (DSA art. 22(3)) of a calendar year: CSV files in
    /// the shape of the EU templates (Implementing Regulation 2024/2835) and a printable
    /// report.html. The same data gives the same bytes; changed data a corrected edition.
    Report {
        /// The calendar year (it must be over, unless --draft).
        #[arg(long)]
        year: i64,
        /// The directory to write the files into (made if missing; files in it are replaced).
        #[arg(long)]
        out: PathBuf,
        /// A draft: also for a year not yet over, marked as such, and no edition is stored.
        #[arg(long)]
        draft: bool,
    },
    /// Write a consistent copy of the (running) SQLite database.
    Backup {
        /// The file to write; it must not exist yet.
        target: PathBuf,
    },
    /// Print the current TOTP code for the demo accounts (demo databases only).
    DemoCode,
    /// Print the OpenAPI document of the API (for linters and client generators).
    Openapi,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
    /// Seed demo data when the database has no people yet, and print how to sign in.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Add an organisation.
    Add {
        /// municipality, police_unit or central_team
        #[arg(long)]
        kind: String,
        /// CBS code for a municipality (GM0363), a short own code otherwise (POL-AMS).
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        mayor: Option<String>,
    },
    /// Load all 342 municipalities of 2025 (running it again changes nothing).
    Import,
    /// List organisations (code, kind, name), optionally of one kind or matching a search.
    List {
        /// municipality, police_unit or central_team
        #[arg(long)]
        kind: Option<String>,
        /// Part of the name or code.
        #[arg(long, default_value = "")]
        search: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a person; prints a one-time activation link.
    Add {
        /// Organisation code, e.g. GM0363 or MELDPUNT.
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// reporter, analyst, supervisor, auditor or administrator
        #[arg(long)]
        role: String,
    },
    /// Clear password and second factor; prints a new activation link.
    Reset {
        #[arg(long)]
        email: String,
    },
    /// Block an account and end its sessions.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// List the people of an organisation (e-mail, role, status, second factor).
    List {
        /// Organisation code, e.g. GM0363.
        #[arg(long)]
        org: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for an organisation; prints it once (only its hash is kept).
    Add {
        /// Organisation code, e.g. GM0363.
        #[arg(long)]
        org: String,
        /// What the token is for, e.g. the system that uses it.
        #[arg(long)]
        name: String,
    },
    /// Revoke an API token by its id (shown on the organisation page).
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Verify the whole chain; names the first edited, deleted, inserted or reordered entry.
    Verify {
        /// A head printed earlier by `meldpunt audit head` (`<seq>:<hash>`), kept outside the database.
        #[arg(long)]
        head: Option<String>,
    },
    /// Print the current head of the chain, to keep outside the database.
    Head,
}

/// Runs the command; returns the process exit code.
/// Ends a progress bar; where standard error is no terminal (the bar is hidden), the final
/// count is written as a line instead.
fn finish_progress(bar: &indicatif::ProgressBar, what: &str) {
    if bar.is_hidden() {
        eprintln!("{}/{} {what}", bar.position(), bar.length().unwrap_or(0));
    } else {
        bar.finish();
    }
}

/// A progress bar on standard error (hidden when it is not a terminal).
fn progress_bar(what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "[{{bar:40}}] {{pos}}/{{len}} {what} ({{eta}} left)"
    )) {
        bar.set_style(style.progress_chars("#>."));
    }
    bar
}

pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    let mut config = Config::load(cli.config.as_deref(), &|k| std::env::var(k).ok())?;
    if let Some(url) = cli.database_url {
        config.database_url = Some(url);
    }
    if let Some(dir) = cli.data_dir {
        config.data_dir = dir;
    }
    if let Command::Serve(args) = &cli.command {
        if let Some(listen) = args.listen {
            config.listen = listen;
        }
    }
    // Without a configured public address, links point at the listening address.
    if config.public_url == Config::default().public_url
        && config.listen != Config::default().listen
    {
        config.public_url = format!("http://{}", config.listen);
    }
    crate::logging::init(config.log_format);
    if let Command::Openapi = cli.command {
        let doc = crate::web::api::openapi_document(&config.public_url);
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(0);
    }
    if let Command::DemoCode = cli.command {
        println!(
            "{}",
            totp_code_at(DEMO_TOTP_SECRET, (now_ms() / 1000) as u64).unwrap_or_default()
        );
        return Ok(0);
    }
    let store = open(&config).await?;
    store.migrate().await?;
    let ctx = Ctx::cli(now_ms());
    match cli.command {
        Command::Serve(args) => {
            tracing::info!(config = ?config, durability = %store.durability().await?, "starting meldpunt");
            if !config.uses_tls()
                && !config.public_url.contains("127.0.0.1")
                && !config.public_url.contains("localhost")
            {
                tracing::warn!("public_url is not https: cookies are sent without Secure; serve meldpunt behind TLS");
            }
            if args.demo {
                let evidence =
                    crate::objects::EvidenceStore::open(&config.evidence_store, &config.data_dir)?;
                demo::seed(&store, &evidence, &ctx).await?;
                print_demo(&config);
            }
            web::serve(AppState::new(store, config)?).await?;
            Ok(0)
        }
        Command::Migrate => {
            println!("Database schema is up to date.");
            Ok(0)
        }
        Command::Demo {
            cases,
            seed,
            situations,
        } => {
            let evidence =
                crate::objects::EvidenceStore::open(&config.evidence_store, &config.data_dir)?;
            let seeded = demo::seed(&store, &evidence, &ctx).await?;
            if !seeded {
                println!("The database already has accounts; no demo data added.");
            }
            if let Some(n) = cases.filter(|n| *n > 0) {
                report(org_service::import_municipalities(&store, &ctx).await)?;
                let started = std::time::Instant::now();
                let bar = progress_bar("reports");
                let added = report(
                    demo::fill(&store, &ctx, n, seed, &|done, all| {
                        bar.set_length(all);
                        bar.set_position(done);
                    })
                    .await,
                )?;
                finish_progress(&bar, "reports");
                println!(
                    "{added} reports added in {:.1} s.",
                    started.elapsed().as_secs_f64()
                );
            }
            if let Some(n) = situations.filter(|n| *n > 0) {
                let started = std::time::Instant::now();
                let (made, linked) = report(demo::fill_situations(&store, &ctx, n).await)?;
                println!(
                    "{made} situations with {linked} cases added in {:.1} s.",
                    started.elapsed().as_secs_f64()
                );
            }
            print_demo(&config);
            Ok(0)
        }
        Command::Index => {
            let evidence =
                crate::objects::EvidenceStore::open(&config.evidence_store, &config.data_dir)?;
            let settings = crate::service::Settings {
                public_url: config.public_url.clone(),
                matching: config.matching(),
                ..Default::default()
            };
            let started = std::time::Instant::now();
            let bar = progress_bar("texts and files");
            let done = report(
                crate::service::matching::index_existing(
                    &store,
                    &evidence,
                    &settings,
                    now_ms(),
                    &|done, all| {
                        bar.set_length(all);
                        bar.set_position(done);
                    },
                )
                .await,
            )?;
            finish_progress(&bar, "texts and files");
            println!(
                "{} texts and files printed ({} compared, the rest say why not); {} copies \
                 proposed, {} re-uploads recognised, in {:.1} s.",
                done.printed,
                done.compared,
                done.found.proposed.len(),
                done.found.reuploads.len(),
                started.elapsed().as_secs_f64()
            );
            Ok(0)
        }
        Command::DemoCode | Command::Openapi => Ok(0),
        Command::Org(OrgCommand::Add {
            kind,
            code,
            name,
            mayor,
        }) => {
            let kind = OrgKind::parse(&kind).ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown kind {kind}: use municipality, police_unit or central_team"
                )
            })?;
            let org = NewOrganisation::new(kind, &code, &name, mayor.as_deref())?;
            let id = report(org_service::create(&store, &ctx, &org).await)?;
            println!(
                "Organisation {} ({}) added with id {id}.",
                org.name, org.code
            );
            Ok(0)
        }
        Command::Org(OrgCommand::Import) => {
            let added = report(org_service::import_municipalities(&store, &ctx).await)?;
            println!("{added} municipalities added ({} in the 2025 list).", 342);
            Ok(0)
        }
        Command::Org(OrgCommand::List { kind, search }) => {
            let kind = match kind {
                Some(k) => Some(OrgKind::parse(&k).ok_or_else(|| {
                    anyhow::anyhow!(
                        "unknown kind {k}: use municipality, police_unit or central_team"
                    )
                })?),
                None => None,
            };
            for o in orgs::list(&store, kind, &search, 10_000, 0).await? {
                println!("{}\t{}\t{}", o.code, o.kind.as_str(), o.name);
            }
            Ok(0)
        }
        Command::User(UserCommand::List { org }) => {
            let org = find_org(&store, &org).await?;
            let ctx = Ctx {
                actor_org_id: Some(org.id),
                ..ctx
            };
            let event = ctx.event(
                crate::domain::audit::AuditAction::ViewedUsers,
                "organisation",
                org.id,
                Some(org.id),
                crate::domain::audit::Outcome::Success,
                serde_json::json!({"via": "cli"}),
            );
            audit::record(&store, &event, ctx.now).await?;
            for u in users::list_by_org(&store, org.id).await? {
                let second = if u.has_second_factor() { "totp" } else { "-" };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.email,
                    u.role.as_str(),
                    u.status.as_str(),
                    second,
                    u.name
                );
            }
            Ok(0)
        }
        Command::User(UserCommand::Add {
            org,
            email,
            name,
            role,
        }) => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("unknown role {role}: use reporter, analyst, supervisor, auditor or administrator")
            })?;
            let org = find_org(&store, &org).await?;
            let new = NewUser::new(&email, &name, role)?;
            let activation = report(accounts::create_user(&store, &ctx, org.id, &new).await)?;
            println!(
                "Account for {} created. One-time activation link (valid 7 days):",
                new.email
            );
            println!("{}", activation.link(&config.public_url));
            Ok(0)
        }
        Command::User(UserCommand::Reset { email }) => {
            let user = find_user(&store, &email).await?;
            let activation = report(accounts::reset_user(&store, &ctx, user.id).await)?;
            println!(
                "Account {} reset. New one-time activation link (valid 7 days):",
                user.email
            );
            println!("{}", activation.link(&config.public_url));
            Ok(0)
        }
        Command::User(UserCommand::Disable { email }) => {
            let user = find_user(&store, &email).await?;
            report(accounts::disable_user(&store, &ctx, user.id).await)?;
            println!("Account {} disabled; its sessions have ended.", user.email);
            Ok(0)
        }
        Command::Token(TokenCommand::Add { org, name }) => {
            let org = find_org(&store, &org).await?;
            let (id, token) = report(token_service::create(&store, &ctx, org.id, &name).await)?;
            eprintln!("API token {id} for {} created. It is shown once:", org.name);
            println!("{token}");
            Ok(0)
        }
        Command::Token(TokenCommand::Revoke { id }) => {
            let token = match tokens::get(&store, id).await {
                Ok(t) => t,
                Err(StoreError::NotFound) => anyhow::bail!("no API token with id {id}"),
                Err(e) => return Err(e.into()),
            };
            report(token_service::revoke(&store, &ctx, &token).await)?;
            println!("API token {id} revoked.");
            Ok(0)
        }
        Command::Audit(AuditCommand::Verify { head }) => {
            let exported =
                match head {
                    Some(h) => Some(ChainHead::parse(&h).ok_or_else(|| {
                        anyhow::anyhow!("--head must look like 123:<64 hex digits>")
                    })?),
                    None => None,
                };
            match audit::verify(&store, exported).await? {
                Ok(v) => {
                    let head = v
                        .head
                        .map(|h| h.to_string())
                        .unwrap_or_else(|| "(empty)".into());
                    println!("OK: {} entries verified; head {head}", v.entries);
                    Ok(0)
                }
                Err(fault) => {
                    println!("TAMPERED: {fault}");
                    Ok(2)
                }
            }
        }
        Command::Audit(AuditCommand::Head) => {
            match audit::recorded_head(&store).await? {
                Some(h) => println!("{h}"),
                None => println!("0:{}", crate::domain::audit::GENESIS_HASH),
            }
            Ok(0)
        }
        Command::Report { year, out, draft } => {
            if out.exists() && !out.is_dir() {
                anyhow::bail!("{} exists and is not a directory", out.display());
            }
            let made = report(crate::service::year_report::make(&store, &ctx, year, draft).await)?;
            std::fs::create_dir_all(&out)?;
            for (name, bytes) in &made.files {
                std::fs::write(out.join(name), bytes)?;
            }
            let what = if draft {
                "a draft (no edition stored)".to_string()
            } else if made.new_edition {
                match made.edition.replaces {
                    Some((n, _)) => format!(
                        "edition {} (a corrected edition, replacing edition {n})",
                        made.edition.number
                    ),
                    None => format!("edition {}", made.edition.number),
                }
            } else {
                format!(
                    "edition {} again (the data have not changed)",
                    made.edition.number
                )
            };
            println!(
                "Year report {} written to {}: {what}; files: {}.",
                made.year,
                out.display(),
                made.files
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(0)
        }
        Command::Backup { target } => {
            store.backup_sqlite(&target).await?;
            println!("Consistent copy written to {}.", target.display());
            Ok(0)
        }
    }
}

async fn open(config: &Config) -> anyhow::Result<Store> {
    let store = match &config.database_url {
        Some(url) => Store::connect(url).await?,
        None => Store::open_sqlite_dir(&config.data_dir).await?,
    };
    if config.sqlite_max_mb > 0 {
        store.set_sqlite_size_limit(Some(config.sqlite_max_mb as u64 * 1_000_000));
    }
    Ok(store)
}

async fn find_org(store: &Store, code: &str) -> anyhow::Result<orgs::Organisation> {
    match orgs::by_code(store, code).await {
        Ok(o) => Ok(o),
        Err(StoreError::NotFound) => anyhow::bail!("no organisation with code {code}"),
        Err(e) => Err(e.into()),
    }
}

async fn find_user(store: &Store, email: &str) -> anyhow::Result<users::User> {
    match users::by_email(store, email).await {
        Ok(u) => Ok(u),
        Err(StoreError::NotFound) => anyhow::bail!("no account with e-mail address {email}"),
        Err(e) => Err(e.into()),
    }
}

/// A refused command, worded for the operator (in English, like the rest of the CLI).
fn report<T>(r: Result<T, ServiceError>) -> anyhow::Result<T> {
    let tr = Tr::new(Lang::En);
    r.map_err(|e| match e {
        ServiceError::Invalid { message, .. }
        | ServiceError::Conflict(message)
        | ServiceError::Unprocessable(message)
        | ServiceError::Denied(message) => anyhow::anyhow!(tr.message(&message)),
        ServiceError::Rejected(errors) => anyhow::anyhow!(errors
            .iter()
            .map(|e| format!("{}: {}", e.field, tr.message(&e.message)))
            .collect::<Vec<_>>()
            .join("; ")),
        e => anyhow::anyhow!(e.to_string()),
    })
}

fn print_demo(config: &Config) {
    use crate::logging::say;
    let url = config.public_url.trim_end_matches('/');
    say("");
    say(&format!("meldpunt demo — sign in at {url}/aanmelden"));
    say(&format!("Password for every demo account: {DEMO_PASSWORD}"));
    say(&format!("Every account also asks for a code from an authenticator app with secret {DEMO_TOTP_SECRET}"));
    say("(or print the current code with `meldpunt demo-code`; in the source tree `cargo run -- demo-code`)");
    for a in DEMO_ACCOUNTS.iter() {
        say(&format!(
            "  {:<28} {:<14} {}",
            a.email,
            a.role.label_nl(),
            a.org_code
        ));
    }
    say("");
}
