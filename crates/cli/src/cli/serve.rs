//! `jumpup serve`: the HTTP server on the database, until SIGINT or SIGTERM, after which the
//! requests under way finish. It prints `listening on http://ADDR` once bound (port 0 picks a
//! free port) and logs one line per request to standard error.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Args;

use super::records::{DbArgs, services};
use jumpup_server::{AppState, Config};
use jumpup_service::block_on;
use jumpup_service::identity::PasswordCost;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Clients reach the server through a TLS-terminating proxy: cookies are marked Secure.
    #[arg(long)]
    tls_proxy: bool,
    /// Memory of a new password hash (argon2id), in KiB.
    #[arg(long, value_name = "KIB", default_value_t = PasswordCost::DEFAULT.memory_kib)]
    argon2_memory_kib: u32,
    /// Passes of a new password hash (argon2id).
    #[arg(long, value_name = "N", default_value_t = PasswordCost::DEFAULT.iterations)]
    argon2_iterations: u32,
    /// Serve the demonstration portfolio (default database: sqlite:jumpup-demo.db), building
    /// it first on an empty database and printing one sign-in per role.
    #[arg(long)]
    demo: bool,
    /// How many imports and settlement jobs run at once; others are answered 503 with
    /// Retry-After (default: half the cores, at least one).
    #[arg(long, value_name = "N", default_value_t = jumpup_server::default_max_jobs(),
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    max_jobs: usize,
    /// Serve Prometheus metrics (`/metrics`) and the health checks on this separate address,
    /// for operators only (never on the public one).
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
}

pub fn serve(args: &ServeArgs, db: &DbArgs) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
    let cost = PasswordCost {
        memory_kib: args.argon2_memory_kib,
        iterations: args.argon2_iterations,
    };
    jumpup_service::identity::hash_password("a password of sixteen", cost).map_err(|e| {
        jumpup_service::BadInput(format!("--argon2-memory-kib, --argon2-iterations: {e}"))
    })?;
    let db = DbArgs {
        database: Some(if args.demo {
            super::demo::url(db).to_owned()
        } else {
            db.url().to_owned()
        }),
    };
    block_on(async {
        if args.demo {
            let built = super::demo::build(db.url(), cost).await?;
            if built != ExitCode::SUCCESS {
                return Ok(built);
            }
        }
        let mut s = services(&db).await?;
        s.password_cost = cost;
        let demo = jumpup_service::demo::is_demo(&s).await?;
        // The routes are built before the address is announced, so a client never meets a
        // server that cannot serve.
        let state = AppState::new(
            s.clone(),
            Config {
                tls_proxy: args.tls_proxy,
                demo,
                max_jobs: args.max_jobs,
            },
        );
        if let Some(at) = args.metrics_listen {
            let listener = tokio::net::TcpListener::bind(at)
                .await
                .map_err(|e| jumpup_service::BadInput(format!("--metrics-listen {at}: {e}")))?;
            let addr = listener.local_addr()?;
            std::io::Write::write_fmt(
                &mut std::io::stdout(),
                format_args!("metrics on http://{addr}/metrics\n"),
            )?;
            let operators = jumpup_server::operators::serve_operators(listener, state.clone());
            tokio::spawn(async move {
                if let Err(e) = operators.await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            });
        }
        let app = jumpup_server::router(state);
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| jumpup_service::BadInput(format!("--listen {}: {e}", args.listen)))?;
        let addr = listener.local_addr()?;
        {
            use std::io::Write;
            let mut out = std::io::stdout();
            writeln!(out, "listening on http://{addr}")?;
            out.flush()?;
        }
        tracing::info!(%addr, database = s.db.backend(), "serving");
        jumpup_server::serve(listener, app, shutdown_signal()).await?;
        tracing::info!("stopped");
        s.db.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing the requests under way");
}
