//! The command line: `serve` (the default), `migrate`, `create-admin`, `purge-deleted`,
//! `backup`.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::accounts::{self, signup::AdminInput};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::users::User;
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(
    name = "cuentas",
    version,
    about = "Accounts and profiles for a small business"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an admin account (a business owner).
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        username: String,
        /// Read the password from standard input (one trailing newline is removed).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Remove the accounts whose deletion grace period has ended (the server also does this
    /// every few minutes) and print how many were removed.
    PurgeDeleted,
    /// Write a consistent copy of the SQLite database to a new file, while the server runs
    /// (PostgreSQL: use pg_dump).
    Backup {
        /// The file to create (it must not exist yet).
        file: std::path::PathBuf,
    },
}

/// Exit code for input the command refuses (bad value, duplicate account).
const BAD_INPUT: u8 = 2;

pub fn run(cli: Cli) -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => return fail(1, &format!("configuration error: {e}")),
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate => match crate::db::connect(&settings.database_url) {
            Ok(_) => {
                println!("migrations are up to date");
                ExitCode::SUCCESS
            }
            Err(e) => fail(1, &format!("{e:#}")),
        },
        Command::CreateAdmin {
            email, username, ..
        } => {
            let mut password = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut password) {
                return fail(
                    BAD_INPUT,
                    &format!("cannot read the password from stdin: {e}"),
                );
            }
            create_admin(&settings, &email, &username, strip_newline(&password))
        }
        Command::PurgeDeleted => purge_deleted(&settings),
        Command::Backup { file } => backup(&settings, &file),
    }
}

/// Purges the accounts past their deletion date, as the server's timer does.
fn purge_deleted(settings: &Settings) -> ExitCode {
    let purged = crate::db::connect(&settings.database_url).and_then(|pool| {
        let media = crate::media::MediaStore::open(&settings.media_location())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime
            .block_on(accounts::deletion::purge_due(
                &pool,
                &media,
                Clock::system().now(),
            ))
            .map_err(|e| anyhow::anyhow!(e))
    });
    match purged {
        Ok(accounts) => {
            println!("purged {accounts} deleted accounts");
            ExitCode::SUCCESS
        }
        Err(e) => fail(1, &format!("{e:#}")),
    }
}

/// Copies the SQLite database into `file`.
fn backup(settings: &Settings, file: &std::path::Path) -> ExitCode {
    use crate::db::backup::BackupError;
    match crate::db::backup::backup(&settings.database_url, file) {
        Ok(()) => {
            println!("database copied to {}", file.display());
            ExitCode::SUCCESS
        }
        Err(e @ (BackupError::Postgres | BackupError::TargetExists(_))) => {
            fail(BAD_INPUT, &e.to_string())
        }
        Err(e) => fail(1, &format!("{e:#}")),
    }
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("cuentas: {message}");
    ExitCode::from(code)
}

fn strip_newline(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

fn serve(settings: Settings) -> ExitCode {
    let result = actix_web::rt::System::new().block_on(async move {
        let bind = settings.bind;
        let sign_up = settings
            .signup_enabled
            .then(|| format!("{}registro/", settings.base_url));
        let app = Application::build(settings, Clock::system()).await?;
        tracing::info!("cuentas listening on http://{}:{}/", bind.ip(), app.port());
        if !app.has_accounts().await? {
            tracing::info!(
                "no accounts yet: create the first admin with \
                 `cargo run -- create-admin --email you@example.com --username you --password-stdin`"
            );
            if let Some(sign_up) = sign_up {
                tracing::info!("or sign up at {sign_up} (the confirmation link appears here)");
            }
        }
        app.run_until_stopped().await?;
        anyhow::Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(1, &format!("{e:#}")),
    }
}

/// Creates an admin with the same rules as the web forms.
pub fn create_admin(settings: &Settings, email: &str, username: &str, password: &str) -> ExitCode {
    let created = (|| -> anyhow::Result<Result<User, accounts::Error>> {
        let pool = crate::db::connect(&settings.database_url)?;
        let mut conn = pool.get()?;
        let input = AdminInput {
            username,
            email,
            password,
        };
        let policy = settings.password_policy();
        Ok(accounts::signup::create_admin(
            &mut conn,
            policy,
            input,
            Clock::system().now(),
        ))
    })();
    match created {
        Ok(Ok(user)) => {
            println!("created admin {} <{}>", user.username, user.email);
            ExitCode::SUCCESS
        }
        Ok(Err(accounts::Error::Invalid(problems))) => {
            // One line, in English: the first field at fault and all of its problems.
            let lang = crate::i18n::Lang::En;
            let Some((field, _)) = problems.iter().next() else {
                return fail(BAD_INPUT, "invalid input");
            };
            let messages: Vec<String> = problems
                .iter()
                .filter(|(f, _)| *f == field)
                .map(|(_, problem)| lang.problem(problem))
                .collect();
            let flag = match field {
                "password" => "password".to_owned(),
                other => format!("--{other}"),
            };
            fail(BAD_INPUT, &format!("{flag}: {}", messages.join(" ")))
        }
        Ok(Err(e)) => fail(1, &format!("{e:#}")),
        Err(e) => fail(1, &format!("{e:#}")),
    }
}
