//! `jumpup demo seed`, and the demo half of `jumpup serve --demo`: builds the demonstration
//! portfolio (or finds it built) and prints what it holds and one sign-in per role.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;

use super::records::DbArgs;
use jumpup_bench::demo::{self, Demo};
use jumpup_service::ServiceError;
use jumpup_service::block_on;
use jumpup_service::identity::PasswordCost;

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Build the demonstration portfolio on an empty database (default: sqlite:jumpup-demo.db),
    /// or find it built; print its figures and one sign-in per role.
    Seed,
}

/// The demo's database: `--database` when given on the command line, else its own file;
/// never the database `JUMPUP_DATABASE_URL` names for everything else.
pub fn url(db: &DbArgs) -> &str {
    let from_environment = std::env::var("JUMPUP_DATABASE_URL").ok();
    match db.database.as_deref() {
        Some(url) if Some(url) != from_environment.as_deref() => url,
        _ => demo::DEMO_URL,
    }
}

pub fn demo(command: &DemoCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    match command {
        DemoCommand::Seed => block_on(build(url(db), PasswordCost::DEFAULT)),
    }
}

/// Builds or finds the demo at `url` and prints the outcome; a refusal exits with status 3.
pub async fn build(url: &str, cost: PasswordCost) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let db = jumpup_service::Db::open(url)
        .await
        .map_err(|e| jumpup_service::BadInput(format!("--database: {e}")))?;
    let result = demo::build(db.clone(), cost).await;
    db.close().await;
    let mut out = std::io::stdout();
    match result {
        Ok(Demo::Built(b)) => {
            writeln!(
                out,
                "Demo database {url}, built in {} s:",
                started.elapsed().as_secs()
            )?;
            writeln!(
                out,
                "  incheon-agreement-guarantee (2020-2025): {} firms, {} won of guarantees",
                b.predecessor_firms,
                b.predecessor_guarantees.grouped()
            )?;
            writeln!(
                out,
                "  incheon-jumpup (from 2025-07-22): {} cases, {} loans, {} events, {} claims, {} settled months",
                b.jumpup_cases, b.loans, b.events, b.claims, b.settled_months
            )?;
            writeln!(out, "Sign-ins (the passwords are shown only this once):")?;
            for login in &b.logins {
                writeln!(
                    out,
                    "  {:<8} {:<14} {}",
                    login.role.as_str(),
                    login.user,
                    login.password
                )?;
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(Demo::Reused { started_at }) => {
            writeln!(
                out,
                "Demo database {url} (built {}) reused: its sign-ins were printed when it was built. \
                 Delete the database to build the demo afresh.",
                started_at.format("%Y-%m-%d %H:%M UTC")
            )?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::Refused { reason, message }) => {
            eprintln!("refused ({}): {message}", reason.code());
            Ok(ExitCode::from(3))
        }
        Err(e) => Err(anyhow::anyhow!("building the demo failed: {e}")),
    }
}
