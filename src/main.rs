//! The `tipline` command: serve (default), migrate, user add | list, demo, report, audit verify.
//! Exit codes: 0 success, 2 bad usage or bad input (one line on stderr), 1 anything else.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::{BufRead, Write};
use std::process::ExitCode;
use tipline::config::{self, Settings};
use tipline::domain::roles::Role;
use tipline::services::exports::OversightFile;
use tipline::services::staff::NewStaff;
use tipline::services::{Clock, ServiceError, Services};
use tipline::startup::{self, Application};
use tipline::{db, telemetry};

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's options take effect only if set before its first arena is reserved, at the first
/// allocation, which Rust's runtime makes before `main` (the main thread's name): so the loader
/// runs this first, with the program's other constructors. Set from `main` instead, the same
/// minute of mixed load ended at 154 MB resident instead of 104 (BENCHMARKS.md).
#[cfg(all(feature = "mimalloc", target_os = "linux"))]
#[used]
#[unsafe(link_section = ".init_array")]
static TUNE_MIMALLOC: extern "C" fn() = {
    extern "C" fn tune() {
        startup::tune_mimalloc();
    }
    tune
};

#[derive(Parser)]
#[command(
    name = "tipline",
    version,
    about = "Work-safety hazard tip-off portal (安全生产隐患举报平台)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run pending migrations, then serve HTTP (the default).
    Serve {
        /// Load the demo data set first when the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Run pending migrations and exit.
    Migrate,
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Load the demo data set into an empty database.
    Demo,
    /// Write the periodic progress report (figures, evaluation, overdue cases and their
    /// explanations, lines to sign) for a department or sub-district, or the whole district.
    Report {
        /// Department or sub-district code; the whole district when left out.
        #[arg(long)]
        department: Option<String>,
        /// First day, YYYY-MM-DD (default: 83 days before --to).
        #[arg(long)]
        from: Option<String>,
        /// Last day, YYYY-MM-DD (default: today).
        #[arg(long)]
        to: Option<String>,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// `zh-CN` (default) or `en`.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
        /// CSV instead of a printable HTML page.
        #[arg(long)]
        csv: bool,
    },
    /// Run the background jobs once (deadline notices, overdue hazards, mail, clean-up,
    /// retention) and exit: what the server runs every `staff.jobs_interval_seconds`, for an
    /// instance that is not serving, or to catch a restored or seeded database up first.
    Jobs,
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain: exit 0 when every entry verifies, 1 naming the first that does not.
    Verify,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input (one line).
    Add {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = Role::parse)]
        role: Role,
        /// Department or sub-district code (officers and heads only).
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// The staff member's own mobile (kept only as a keyed hash, to flag reward claims).
        #[arg(long)]
        phone: Option<String>,
        /// An inspector's supervision group (督查组): a code of `supervision_groups`.
        #[arg(long)]
        group: Option<String>,
    },
    /// One account per line: username, role, department, active.
    List,
}

/// A failure and its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        // A configuration mistake is bad input, whichever layer noticed it.
        let code = if e.downcast_ref::<config::ConfigError>().is_some() {
            2
        } else {
            1
        };
        Failure {
            code,
            message: format!("{e:#}"),
        }
    }
}

impl From<config::ConfigError> for Failure {
    fn from(e: config::ConfigError) -> Self {
        Failure::usage(e.to_string())
    }
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Self {
        let en = tipline::i18n::Lang::En;
        match e {
            ServiceError::Validation(fields) => Failure::usage(
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, en.field(f.key, &f.args)))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ServiceError::Conflict(key) => Failure::usage(en.t(&format!("conflict-{key}"))),
            ServiceError::NotFound => Failure::usage("not found"),
            ServiceError::Forbidden => Failure::usage("forbidden"),
            ServiceError::Unauthenticated | ServiceError::SecondFactor => {
                Failure::usage("not signed in")
            }
            ServiceError::Internal(e) => e.into(),
        }
    }
}

fn main() -> ExitCode {
    startup::tune_allocators();
    db::configure_sqlite();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("tipline: {}", f.message.replace('\n', " "));
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let dir = config::config_dir();
    let settings = Settings::load(&dir)?;
    telemetry::init(&settings.log);
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(&settings, &dir, demo),
        Command::Migrate => {
            let db = db::Db::connect(&settings)?;
            db.migrate()?;
            println!("migrations are up to date");
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let services = startup::services(&settings, &dir, Clock::System)?;
            let report = services.verify_audit()?;
            match report.broken_at {
                None => {
                    println!("audit log: {} entries, the chain verifies", report.entries);
                    if let Some(head) = &report.head {
                        // Kept outside the database, it shows whether entries were cut from the end.
                        println!("newest entry's hash: {head}");
                    }
                    Ok(())
                }
                Some(seq) => Err(Failure {
                    code: 1,
                    message: format!(
                        "audit log: entry {seq} does not verify: it was edited, or an entry before it was deleted"
                    ),
                }),
            }
        }
        Command::Report {
            department,
            from,
            to,
            out,
            lang,
            csv,
        } => {
            let lang = tipline::i18n::Lang::parse(&lang).ok_or_else(|| {
                Failure::usage(format!("unknown language `{lang}` (zh-CN or en)"))
            })?;
            let services = startup::services(&settings, &dir, Clock::System)?;
            let o = services.oversight_of(department.as_deref(), from.as_deref(), to.as_deref())?;
            let bytes = if csv {
                services
                    .oversight_csv(OversightFile::Report, lang, &o)?
                    .bytes
            } else {
                tipline::web::oversight::standalone_report(&services, lang, &o)?.into_bytes()
            };
            match out {
                Some(path) => {
                    std::fs::write(&path, bytes).map_err(|e| Failure {
                        code: 1,
                        message: format!("writing {}: {e}", path.display()),
                    })?;
                    eprintln!("report written to {}", path.display());
                }
                None => std::io::stdout()
                    .write_all(&bytes)
                    .context("writing the report")?,
            }
            Ok(())
        }
        Command::Jobs => {
            let services = startup::services(&settings, &dir, Clock::System)?;
            let r = services.run_jobs()?;
            println!(
                "jobs ran: {} limits warned of, {} escalated, {} messages sent, {} hazards overdue",
                r.warned, r.escalated, r.mailed, r.hazards_overdue
            );
            Ok(())
        }
        Command::Demo => {
            let services = startup::services(&settings, &dir, Clock::System)?;
            load_demo(&services, &dir)
        }
        Command::User { command } => {
            let services = startup::services(&settings, &dir, Clock::System)?;
            match command {
                UserCommand::Add {
                    username,
                    role,
                    department,
                    display_name,
                    phone,
                    group,
                } => {
                    let password = read_password()?;
                    services.add_staff(&NewStaff {
                        username: &username,
                        role,
                        unit: department.as_deref(),
                        display_name: display_name.as_deref(),
                        password: &password,
                        phone: phone.as_deref(),
                        group: group.as_deref(),
                    })?;
                    println!("created {username} ({role})");
                    Ok(())
                }
                UserCommand::List => {
                    for u in services.list_staff()? {
                        println!(
                            "{}\t{}\t{}\t{}",
                            u.username,
                            u.role,
                            u.unit.as_deref().unwrap_or("-"),
                            if u.active { "active" } else { "inactive" }
                        );
                    }
                    Ok(())
                }
            }
        }
    }
}

fn read_password() -> Result<zeroize::Zeroizing<String>, Failure> {
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("reading the password from standard input: {e}")))?;
    let trimmed = zeroize::Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
    if trimmed.is_empty() {
        return Err(Failure::usage(
            "give the password on standard input (one line)",
        ));
    }
    Ok(trimmed)
}

fn load_demo(services: &Services, dir: &std::path::Path) -> Result<(), Failure> {
    let report = services.load_demo(dir)?;
    println!("Loaded {} demo tips.", report.tips);
    println!("Demo staff sign-ins (shown once; the passwords are not stored in clear):");
    for (user, role, unit, password) in &report.users {
        println!(
            "  {user:<20} {password}   {role}{}",
            unit.as_deref()
                .map(|u| format!(" ({u})"))
                .unwrap_or_default()
        );
    }
    println!("Receipts of the first demo tips, to try the follow-up:");
    for (case, receipt) in &report.receipts {
        println!("  {case}   {receipt}");
    }
    Ok(())
}

fn serve(settings: &Settings, dir: &std::path::Path, demo: bool) -> Result<(), Failure> {
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(settings, dir, Clock::System)?;
        if demo {
            if app.services.is_empty()? {
                load_demo(&app.services, dir)?;
            } else {
                println!("The database already holds data; demo data not loaded.");
            }
        }
        println!(
            "Tipline is listening on http://{}",
            display_addr(&settings.bind, app.port())
        );
        app.run()
            .await
            .map_err(|e| Failure::from(anyhow::Error::from(e)))
    })
}

fn display_addr(bind: &str, port: u16) -> String {
    let host = bind.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1");
    let host = if host == "0.0.0.0" || host.is_empty() {
        "127.0.0.1"
    } else {
        host
    };
    format!("{host}:{port}")
}
