//! `rakshaayan`: the server binary. Only dispatches the CLI; the work is in the library.

use std::io::BufRead;

use anyhow::Context;
use clap::{Parser, Subcommand};
use rakshaayan::{App, config::Config, db, services, telemetry};
use secrecy::{ExposeSecret, SecretString};

/// mimalloc instead of glibc's malloc: the request path allocates many small, short-lived
/// objects (GraphQL values, rows, headers), which mimalloc's per-thread free lists serve
/// faster, and it returns freed memory to the system instead of keeping it in arenas.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rakshaayan API server.
#[derive(Parser)]
#[command(name = "rakshaayan", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Manage database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (SDL); `schema.graphql` is this output.
    Schema,
    /// Create an administrator account. The password is read from ADMIN_PASSWORD or,
    /// when that is unset, from the first line of standard input (never a flag).
    CreateAdmin {
        /// Username of the new admin.
        #[arg(long)]
        username: String,
        /// Email address.
        #[arg(long)]
        email: String,
        /// Phone number (10–15 digits, optional leading +).
        #[arg(long)]
        phone: String,
    },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert migrations (the last one by default).
    Down {
        /// How many to revert; `--all` reverts everything.
        #[arg(long, default_value_t = 1, conflicts_with = "all")]
        steps: u32,
        /// Revert every migration.
        #[arg(long)]
        all: bool,
    },
    /// List applied and pending migrations.
    Status,
    /// Drop every table and apply all migrations again (destroys data).
    Fresh,
}

fn main() -> std::process::ExitCode {
    // One worker per core the process may use (affinity mask and CPU quota count). With
    // a single core, a single-threaded runtime does the same work without the
    // work-stealing scheduler's cross-thread bookkeeping on every task wake-up.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = if cores == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(cores)
            .enable_all()
            .build()
    };
    match runtime {
        Ok(runtime) => runtime.block_on(cli_main()),
        Err(e) => {
            eprintln!("starting the async runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn cli_main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Schema) = cli.command {
        print!("{}", rakshaayan::graphql::schema::sdl());
        return std::process::ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(&config);
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = ?e, "fatal");
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config).await,
        Command::Schema => Ok(()),
        Command::Migrate { action } => {
            let (conn, _) = db::connect(&config).await?;
            match action {
                MigrateAction::Up => db::migrate_up(&conn, &config.database_url).await?,
                MigrateAction::Down { steps, all } => {
                    db::migrate_down(&conn, (!all).then_some(steps)).await?;
                }
                MigrateAction::Fresh => db::migrate_fresh(&conn).await?,
                MigrateAction::Status => {
                    for (name, applied) in db::migration_status(&conn).await? {
                        println!("{} {name}", if applied { "applied" } else { "pending" });
                    }
                }
            }
            conn.close().await.ok();
            Ok(())
        }
        Command::CreateAdmin {
            username,
            email,
            phone,
        } => create_admin(config, username, email, phone).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    if config.jwt_secret_generated {
        tracing::warn!(
            "JWT_SECRET is not set: generated a random one for this run (development only); \
             tokens will not survive a restart"
        );
    }
    let app = App::build(config).await?;
    let addr = app.local_addr()?;
    let state = app.state();
    tracing::info!(
        address = %addr,
        environment = ?state.config().environment,
        database = if state.config().is_sqlite() { "sqlite" } else { "postgres" },
        "Rakshaayan API listening"
    );
    if state.config().graphql_playground {
        tracing::info!("GraphQL playground at http://{addr}/graphql");
    }
    app.serve(rakshaayan::shutdown_signal()).await
}

async fn create_admin(
    config: Config,
    username: String,
    email: String,
    phone: String,
) -> anyhow::Result<()> {
    let password = match config.admin_password.clone() {
        Some(p) => p,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned())
        }
    };
    let (conn, _) = db::connect(&config).await?;
    db::migrate_up(&conn, &config.database_url).await?;
    let passwords = rakshaayan::auth::password::PasswordHasherPool::new(1)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let result = services::users::create_admin(
        &conn,
        &passwords,
        services::users::NewUserInput {
            username,
            email,
            phone_number: phone,
            password: password.expose_secret().to_owned(),
            user_type: rakshaayan::auth::permission::UserType::Admin,
        },
    )
    .await;
    conn.close().await.ok();
    match result {
        Ok(user) => {
            println!("created admin {} (id {})", user.username, user.id);
            Ok(())
        }
        Err(rakshaayan::error::AppError::BadUserInput { field_errors, .. })
        | Err(rakshaayan::error::AppError::Conflict { field_errors, .. }) => {
            anyhow::bail!(
                "invalid admin: {}",
                serde_json::to_string(&field_errors).unwrap_or_default()
            )
        }
        Err(e) => Err(anyhow::anyhow!("creating the admin: {e:?}")),
    }
}
