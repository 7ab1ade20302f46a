//! The `dealreg` command line (PLT-7).

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use dealreg::Database;
use dealreg::files::FileKind;
use dealreg::mailer::{FileMailer, Mailer, SmtpMailer, SmtpSettings};
use dealreg::server::Limits;
use domain::Role;
use domain::access::input::{UserInput, parse_user};
use jiff::Timestamp;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use web::{Clock, SystemClock};

/// dealreg — deal registration for technology vendors and their partners.
///
/// Partners register opportunities, regional managers approve them with an SOR number, channel
/// conflicts are caught, registrations expire on time, and order entry prices partners' POs against
/// their SORs. Data lives in an embedded SQLite
/// database in --data-dir unless --database-url names PostgreSQL.
#[derive(Parser)]
#[command(name = "dealreg", version, propagate_version = true)]
struct Cli {
    /// Directory for the SQLite database and delivered .eml files; created on first use.
    #[arg(long, global = true, env = "DEALREG_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// postgres://user@host/db for PostgreSQL, or sqlite:PATH; default: DATA_DIR/dealreg.db.
    #[arg(long, global = true, env = "DEALREG_DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Store(StoreCommand),
    /// Measure throughput and latency on a fresh SQLite database, or on a fresh database created on
    /// the PostgreSQL server that --database-url names (dropped afterwards); see docs/BENCHMARKS.md.
    Bench(BenchArgs),
}

/// The commands that work on the configured database.
#[derive(Subcommand)]
enum StoreCommand {
    /// Serve the API (and run the expiry/notification worker) until Ctrl-C.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Load the demo program (regions, partners, customers, price list, registrations) into an empty database.
    Demo,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Create or revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Run background jobs.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Import the price list, partners or end customers from a CSV file (UTF-8, header line first).
    /// The whole file is checked first: any bad row is reported with its line and column, and then
    /// nothing is imported.
    Import {
        kind: FileKind,
        /// The CSV file.
        file: PathBuf,
    },
    /// Export the price list (every price version), partners or end customers as CSV; the file
    /// imports back unchanged.
    Export {
        kind: FileKind,
        /// Write to this new file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Write a consistent copy of the SQLite database while it is in use (PostgreSQL: use pg_dump).
    Backup {
        /// The new file to write; must not exist.
        destination: PathBuf,
    },
}

#[derive(Args)]
struct BenchArgs {
    /// Registrations to load before measuring.
    #[arg(long, default_value_t = 1_000_000)]
    registrations: usize,
    /// Requests per measured operation and raw insert transactions; in the mixed load, the most
    /// operations per client.
    #[arg(long, default_value_t = 2_000)]
    requests: usize,
    /// Concurrent HTTP clients (in the mixed load: half of them partners, plus three managers and
    /// one order entry clerk).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Upper bound in seconds of the mixed-load phase.
    #[arg(long, default_value_t = 30)]
    mixed_seconds: u64,
    /// Leads entered (and distributed) after the mixed load.
    #[arg(long, default_value_t = 10_000)]
    leads: usize,
    /// Partners placed for lead distribution (country, coordinates, capacity).
    #[arg(long, default_value_t = 1_000)]
    lead_partners: usize,
    /// Scratch directory for the benchmark database (default: DATA_DIR/bench).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Run the commissions benchmark instead: invoices paid one by one through the API, each payment
    /// writing its commission lines, then the statement and report reads over loaded lines. Uses
    /// `--concurrency`; the registration flags do not apply.
    #[arg(long)]
    commissions: bool,
    /// Commissions: invoices issued (bulk-loaded) and then paid in full, one payment each.
    #[arg(long, default_value_t = 100_000)]
    invoices: usize,
    /// Commissions: partners the invoices and the loaded lines are spread over.
    #[arg(long, default_value_t = 1_000)]
    commission_partners: usize,
    /// Commissions: commission lines loaded for the reads (ten per paid invoice, spread over the
    /// partners and the twelve months before this one); at least partners × 120.
    #[arg(long, default_value_t = 1_000_000)]
    commission_lines: usize,
    /// Commissions: calls per read operation, from one client and again from `--concurrency`.
    #[arg(long, default_value_t = 200)]
    reads: usize,
}

/// Where `serve` listens unless told otherwise (loopback: put a TLS proxy in front to open it up).
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DEALREG_LISTEN", default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Where people reach dealreg, e.g. https://deals.example.com: the base of links in e-mails
    /// (password resets). Default: http://LISTEN.
    #[arg(long, env = "DEALREG_PUBLIC_URL")]
    public_url: Option<String>,
    /// Seconds between worker passes (expiry, reminders, e-mail delivery); 0 disables the worker.
    #[arg(long, env = "DEALREG_WORKER_INTERVAL", default_value_t = 30)]
    worker_interval: u64,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    mail: MailArgs,
}

/// What one client can hold of the server (`dealreg::server::Limits`).
#[derive(Args)]
struct LimitArgs {
    /// Seconds a client has to send a request's line and headers, counted from connecting or, on a
    /// kept-alive connection, from the request's first byte; a slower client is disconnected.
    #[arg(long, env = "DEALREG_HEADER_TIMEOUT", value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..),
        default_value_t = Limits::default().header_read.as_secs())]
    header_timeout: u64,
    /// Seconds a request body may pause between two pieces; the request then fails and the
    /// connection is closed.
    #[arg(long, env = "DEALREG_BODY_TIMEOUT", value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..),
        default_value_t = Limits::default().body.as_secs())]
    body_timeout: u64,
    /// Seconds a kept-alive connection may go without a request in progress and without a byte
    /// either way before it is closed. Behind a reverse proxy or load balancer, keep it above the
    /// proxy's own idle timeout (often 60).
    #[arg(long, env = "DEALREG_IDLE_TIMEOUT", value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..),
        default_value_t = Limits::default().idle.as_secs())]
    idle_timeout: u64,
    /// Connections served at once; further clients wait to be accepted until one closes. Keep it
    /// below the process's open-file limit (ulimit -n), which each connection counts against.
    #[arg(long, env = "DEALREG_MAX_CONNECTIONS", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..),
        default_value_t = Limits::default().connections)]
    max_connections: usize,
}

impl From<LimitArgs> for Limits {
    fn from(args: LimitArgs) -> Limits {
        Limits {
            header_read: Duration::from_secs(args.header_timeout),
            body: Duration::from_secs(args.body_timeout),
            idle: Duration::from_secs(args.idle_timeout),
            connections: args.max_connections,
        }
    }
}

#[derive(Args)]
struct MailArgs {
    /// SMTP relay host; without it, messages are written as .eml files into DATA_DIR/outbox.
    #[arg(long, env = "DEALREG_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "DEALREG_SMTP_PORT", default_value_t = 25)]
    smtp_port: u16,
    #[arg(long, env = "DEALREG_SMTP_FROM", default_value = "dealreg <dealreg@localhost>")]
    smtp_from: String,
    #[arg(long, env = "DEALREG_SMTP_USERNAME")]
    smtp_username: Option<String>,
    #[arg(long, env = "DEALREG_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Deactivate a user: their tokens stop working at once; nothing is deleted.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Reactivate a deactivated user.
    Activate {
        #[arg(long)]
        email: String,
    },
    /// Add a user and print a new API token for it (shown once).
    Add {
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// admin, channel_manager, order_entry, sales, finance, partner_admin or partner_user.
        #[arg(long)]
        role: String,
        /// Partner id, for partner roles.
        #[arg(long)]
        partner: Option<i64>,
        /// Make this user the regional manager of region ID (channel managers).
        #[arg(long)]
        region: Option<i64>,
        /// Read a password for web sign-in from standard input (at least 12 characters).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it (shown once).
    Create {
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// Days the token works, from now; without it, the token works until revoked.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=3650))]
        valid_days: Option<u16>,
    },
    /// Revoke a token by its id; requests with it fail from now on.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// One worker pass: expire lapsed registrations, queue reminders, deliver notifications.
    Run {
        /// Run as of this business date (YYYY-MM-DD, at noon in the company's zone) instead of now.
        /// Everything the pass records (expiries, audit entries, delivery times) carries that
        /// time: for catching up on a missed day or trying rules out, not for everyday runs.
        #[arg(long)]
        as_of: Option<jiff::civil::Date>,
        #[command(flatten)]
        mail: MailArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain of the audit trail; exits non-zero if any entry was altered or removed.
    Verify,
}

fn mailer(args: &MailArgs, data_dir: &std::path::Path) -> anyhow::Result<Arc<dyn Mailer>> {
    Ok(match &args.smtp_host {
        Some(host) => Arc::new(
            SmtpMailer::new(&SmtpSettings {
                host: host.clone(),
                port: args.smtp_port,
                from: args.smtp_from.clone(),
                username: args.smtp_username.clone(),
                password: args.smtp_password.clone(),
            })
            .map_err(anyhow::Error::msg)?,
        ),
        None => Arc::new(FileMailer::new(data_dir.join("outbox"))),
    })
}

async fn set_active(store: &dyn Store, email: &str, active: bool) -> anyhow::Result<()> {
    let user = store
        .find_user_by_email(email)
        .await?
        .with_context(|| format!("no user {email}"))?;
    let user = store.set_user_active(None, user.id, active, Timestamp::now()).await?;
    println!(
        "{} is now {}",
        user.email,
        if user.active { "active" } else { "inactive" }
    );
    Ok(())
}

/// Creates a token for `user_id`, working for `valid_days` if given; returns its id (for
/// `token revoke`) and the secret, shown once.
async fn issue_token(
    store: &dyn Store,
    user_id: i64,
    label: &str,
    valid_days: Option<u16>,
) -> anyhow::Result<(i64, String)> {
    let (secret, hash) = web::credentials::new_token().map_err(anyhow::Error::msg)?;
    let now = Timestamp::now();
    let expires = valid_days
        .map(|d| now.checked_add(jiff::SignedDuration::from_hours(24 * i64::from(d))))
        .transpose()?;
    let token = store.create_token(None, user_id, label, &hash, expires, now).await?;
    if let Some(expires) = token.expires_at {
        eprintln!("the token works until {expires}");
    }
    Ok((token.id, secret))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("DEALREG_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let command = match cli.command {
        Command::Bench(args) => {
            let config = dealreg::bench::BenchConfig {
                registrations: args.registrations,
                requests: args.requests,
                concurrency: args.concurrency.max(1),
                dir: args.dir.unwrap_or_else(|| cli.data_dir.join("bench")),
                database: match Database::choose(cli.database_url.as_deref(), &cli.data_dir) {
                    Database::Postgres(server_url) => dealreg::bench::BenchDatabase::Postgres { server_url },
                    Database::Sqlite(_) => dealreg::bench::BenchDatabase::Sqlite,
                },
                mixed_for: Duration::from_secs(args.mixed_seconds),
                leads: args.leads,
                lead_partners: args.lead_partners,
            };
            if args.commissions {
                let commissions = dealreg::bench::CommissionConfig {
                    invoices: args.invoices,
                    partners: args.commission_partners,
                    lines: args.commission_lines,
                    reads: args.reads,
                    concurrency: config.concurrency,
                };
                let report = dealreg::bench::run_commissions(config, commissions).await?;
                println!("{}", report.markdown());
            } else {
                println!("{}", dealreg::bench::run(config).await?.markdown());
            }
            return Ok(());
        }
        Command::Store(command) => command,
    };
    let database = Database::choose(cli.database_url.as_deref(), &cli.data_dir);
    let store = database.open().await.with_context(|| format!("opening {database:?}"))?;
    run(command, store, &cli.data_dir).await
}

async fn run(command: StoreCommand, store: Arc<dyn Store>, data_dir: &std::path::Path) -> anyhow::Result<()> {
    match command {
        StoreCommand::Migrate => println!("schema is up to date ({})", store.backend()),
        StoreCommand::Serve(args) => serve(args, store, data_dir).await?,
        StoreCommand::Demo => {
            let report = dealreg::demo::load(store, Timestamp::now()).await?;
            println!(
                "Loaded the demo program: {} registrations, {} orders, {} more opportunities, {} leads, {} invoices, \
                 {} commission orders.",
                report.registrations,
                report.orders,
                report.opportunities,
                report.leads,
                report.invoices,
                report.commission_orders
            );
            let listen = std::env::var("DEALREG_LISTEN").unwrap_or_else(|_| DEFAULT_LISTEN.to_owned());
            println!("\nStart it with `dealreg serve`, then open http://{listen}/ and sign in as any of:\n");
            let password = dealreg::demo::DEMO_PASSWORD;
            let rows: Vec<(String, &str)> = report
                .users
                .iter()
                .map(|u| {
                    let role = match &u.of {
                        Some(of) => format!("{} ({of})", u.role.label()),
                        None => u.role.label().into_owned(),
                    };
                    (role, u.email.as_str())
                })
                .collect();
            let role_width = rows.iter().map(|(r, _)| r.chars().count()).max().unwrap_or(0);
            let email_width = rows.iter().map(|(_, e)| e.len()).max().unwrap_or(0);
            println!("  {:<role_width$}  {:<email_width$}  Password", "Role", "E-mail");
            for (role, email) in &rows {
                println!("  {role:<role_width$}  {email:<email_width$}  {password}");
            }
            println!("\nAPI tokens (shown once; the API takes tokens, not passwords):");
            for (email, role, token) in report.tokens {
                println!("  {email:<36} {:<22} {token}", role.label());
            }
        }
        StoreCommand::User(UserCommand::Add {
            email,
            name,
            role,
            partner,
            region,
            password_stdin,
        }) => {
            let password = password_stdin.then(read_password).transpose()?;
            let input = UserInput {
                email: Some(email),
                display_name: Some(name),
                role: Some(role),
                partner_id: partner,
                password,
            };
            add_user(store.as_ref(), &input, region).await?;
        }
        StoreCommand::User(UserCommand::Deactivate { email }) => set_active(store.as_ref(), &email, false).await?,
        StoreCommand::User(UserCommand::Activate { email }) => set_active(store.as_ref(), &email, true).await?,
        StoreCommand::Token(TokenCommand::Create {
            email,
            label,
            valid_days,
        }) => {
            let user = store
                .find_user_by_email(&email)
                .await?
                .with_context(|| format!("no user {email}"))?;
            let (token_id, token) = issue_token(store.as_ref(), user.id, &label, valid_days).await?;
            eprintln!("token id {token_id} (revoke with: dealreg token revoke {token_id})");
            println!("{token}");
        }
        StoreCommand::Token(TokenCommand::Revoke { id }) => {
            let token = store.revoke_token(None, id, Timestamp::now()).await?;
            println!(
                "revoked token {} ('{}') of user {}",
                token.id, token.label, token.user_id
            );
        }
        StoreCommand::Jobs(JobsCommand::Run { as_of, mail }) => {
            let now = match as_of {
                Some(date) => {
                    let zone = store.settings().await?.zone();
                    date.at(12, 0, 0, 0).to_zoned(zone)?.timestamp()
                }
                None => SystemClock.now(),
            };
            let mailer = mailer(&mail, data_dir)?;
            let report = dealreg::worker::run_once(store.as_ref(), mailer.as_ref(), now).await?;
            println!("{}", serde_json::to_string(&report)?);
        }
        StoreCommand::Audit(AuditCommand::Verify) => {
            let verification = store.verify_audit().await?;
            match verification.first_bad_id {
                None => println!(
                    "audit trail intact: {} entries; head hash {} (keep it outside the database to detect a rewritten chain)",
                    verification.entries, verification.head_hash
                ),
                Some(id) => bail!(
                    "audit trail broken at entry {id} ({} entries verified before it)",
                    verification.entries
                ),
            }
        }
        StoreCommand::Import { kind, file } => {
            let report = dealreg::files::import(store.as_ref(), kind, &file, Timestamp::now()).await?;
            println!(
                "imported {}: {} rows, {} new, {} updated",
                file.display(),
                report.rows,
                report.created,
                report.updated
            );
        }
        StoreCommand::Export { kind, output } => {
            let text = dealreg::files::export(store.as_ref(), kind).await?;
            dealreg::files::write_out(&text, output.as_deref())?;
        }
        StoreCommand::Backup { destination } => {
            store.backup(&destination).await?;
            dealreg::private_files::make_private(&destination)?;
            println!("wrote {}", destination.display());
        }
    }
    Ok(())
}

async fn serve(args: ServeArgs, store: Arc<dyn Store>, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let mailer = mailer(&args.mail, data_dir)?;
    let every = (args.worker_interval > 0).then(|| Duration::from_secs(args.worker_interval));
    let running = dealreg::server::start(
        args.listen,
        store,
        Arc::new(SystemClock),
        mailer,
        every,
        args.public_url,
        args.limits.into(),
    )
    .await
    .with_context(|| format!("listening on {}", args.listen))?;
    eprintln!(
        "dealreg serving http://{}/api/v1 (OpenAPI at /api/v1/openapi.json)",
        running.addr
    );
    tokio::select! {
        result = shutdown_signal() => result?,
        result = async { running.wait().await } => return result.context("server stopped"),
    }
    eprintln!("shutting down");
    Ok(())
}

/// The password of `user add --password-stdin`: one line, without its line break.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_to_string(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `user add`: creates the user (a regional manager of `region` if given) and prints its first token.
async fn add_user(store: &dyn Store, input: &UserInput, region: Option<i64>) -> anyhow::Result<()> {
    let user = parse_user(input).map_err(|e| anyhow::anyhow!("{e}"))?;
    if region.is_some() && !matches!(user.role, Role::ChannelManager | Role::Admin) {
        bail!("--region makes a regional manager: the role must be channel_manager or admin");
    }
    let record = web::credentials::user_record(user).await.map_err(anyhow::Error::msg)?;
    let created = store.create_user(None, record, Timestamp::now()).await?;
    if let Some(region) = region {
        store
            .assign_region_manager(None, region, created.id, Timestamp::now())
            .await?;
    }
    let (token_id, token) = issue_token(store, created.id, "cli", None).await?;
    println!(
        "created user {} ({}, id {})",
        created.email,
        created.role.as_str(),
        created.id
    );
    println!("API token id {token_id} (shown once): {token}");
    Ok(())
}

async fn shutdown_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = term.recv() => {}
    }
    Ok(())
}
