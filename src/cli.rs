//! The command line: `serve` (the default), `migrate`, `create-admin`.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::users::{NewUser, Taken, User};
use crate::domain::{EmailAddress, NewPassword, PasswordPolicy, Role, Username};
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
    let lang = crate::i18n::Lang::En;
    let username = match Username::parse(username) {
        Ok(u) => u,
        Err(problem) => {
            return fail(
                BAD_INPUT,
                &format!("--username: {}", lang.t(problem.message_key())),
            );
        }
    };
    let email = match EmailAddress::parse(email) {
        Ok(e) => e,
        Err(problem) => {
            return fail(
                BAD_INPUT,
                &format!("--email: {}", lang.t(problem.message_key())),
            );
        }
    };
    let policy = PasswordPolicy {
        min_length: settings.password_min_length,
        require_letter_and_digit: settings.password_require_letter_and_digit,
    };
    let password = match NewPassword::parse(password, policy, &[username.as_ref(), email.as_ref()])
    {
        Ok(p) => p,
        Err(problems) => {
            let reasons: Vec<String> = problems
                .iter()
                .map(|p| crate::i18n::password_problem_message(lang, *p))
                .collect();
            return fail(BAD_INPUT, &format!("password: {}", reasons.join(" ")));
        }
    };
    let result = (|| -> anyhow::Result<Result<User, Taken>> {
        let pool = crate::db::connect(&settings.database_url)?;
        let hash = crate::auth::password::hash_password(password.expose())?;
        let now = Clock::system().now();
        let mut conn = pool.get()?;
        let normalized = username.normalized();
        Ok(User::insert(
            &mut conn,
            &NewUser {
                username: username.as_ref(),
                username_normalized: &normalized,
                email: email.as_ref(),
                password_hash: &hash,
                role: Role::Admin.as_str(),
                manager_id: None,
                email_verified: true,
                must_change_password: false,
                language: "es",
                created_at: now,
                updated_at: now,
            },
        )?)
    })();
    match result {
        Ok(Ok(user)) => {
            println!("created admin {} <{}>", user.username, user.email);
            ExitCode::SUCCESS
        }
        Ok(Err(Taken::Username)) => fail(BAD_INPUT, "--username: that username is already taken"),
        Ok(Err(Taken::Email)) => fail(
            BAD_INPUT,
            "--email: an account with that email already exists",
        ),
        Err(e) => fail(1, &format!("{e:#}")),
    }
}
