//! What every handler shares: the services, the server's configuration, the slots of long
//! jobs, the operators' counters; and the client's address for throttling.

use std::sync::Arc;

use jumpup_service::Services;

use crate::error::{ApiError, ApiResult};
use crate::metrics;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub services: Services,
    pub config: Arc<Config>,
    /// The slots of the long jobs (imports, settlements) that may run at once.
    jobs: Arc<tokio::sync::Semaphore>,
    /// Requests counted for operators (`--metrics-listen`).
    pub metrics: Arc<metrics::Metrics>,
}

impl AppState {
    pub fn new(services: Services, mut config: Config) -> AppState {
        // At least one slot, said once: everything after reads `config.max_jobs`.
        config.max_jobs = config.max_jobs.max(1);
        let jobs = Arc::new(tokio::sync::Semaphore::new(config.max_jobs));
        AppState {
            services,
            config: Arc::new(config),
            jobs,
            metrics: Arc::default(),
        }
    }

    /// A slot for a long job, or 503 with `Retry-After` when every slot is taken: the job is
    /// refused before its upload is read, and reads keep their share of the machine.
    pub(crate) fn job(&self) -> ApiResult<Job> {
        match Arc::clone(&self.jobs).try_acquire_owned() {
            Ok(slot) => Ok(Job {
                services: self.services.clone(),
                _slot: slot,
            }),
            Err(_) => Err(ApiError::busy()),
        }
    }

    /// How many long jobs are running now.
    pub fn jobs_running(&self) -> usize {
        self.config.max_jobs - self.jobs.available_permits()
    }
}

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// Clients reach the server through a TLS-terminating proxy: cookies are marked `Secure`.
    pub tls_proxy: bool,
    /// The database is the demonstration portfolio: every page says so.
    pub demo: bool,
    /// How many imports and settlement jobs run at once (at least one).
    pub max_jobs: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            tls_proxy: false,
            demo: false,
            max_jobs: default_max_jobs(),
        }
    }
}

/// Half the machine's cores (at least one): the other half answers reads while jobs run.
pub fn default_max_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// Runs a long service call (a settlement over a whole batch, a file import) on a blocking
/// thread of its own, driven by the runtime's handle: the request's task stays free, and the
/// call's future need not be `Send` (its sliced bulk writes hold borrows across awaits).
/// A long job holding its slot until it ends (even when its client has gone).
pub(crate) struct Job {
    services: Services,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl Job {
    /// Runs the job on a blocking thread, so a long import or settlement never holds up the
    /// threads that answer other requests.
    pub(crate) async fn run<T, F, Fut>(self, f: F) -> ApiResult<T>
    where
        F: FnOnce(Services) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = jumpup_service::Result<T>>,
        T: Send + 'static,
    {
        let handle = tokio::runtime::Handle::current();
        let Job { services, _slot } = self;
        tokio::task::spawn_blocking(move || {
            let done = handle.block_on(f(services));
            drop(_slot);
            done
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "a worker thread failed");
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "",
                "internal",
                "the server could not complete the request",
            )
        })?
        .map_err(ApiError::from)
    }
}

/// The client's address, for throttling: the peer's, or behind the TLS proxy
/// (`--tls-proxy`) the last `X-Forwarded-For` hop, the one the proxy itself appended.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl axum::extract::FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<ClientAddress, Self::Rejection> {
        let forwarded = state
            .config
            .tls_proxy
            .then(|| parts.headers.get_all("x-forwarded-for").iter().next_back())
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|v| v.trim().to_owned());
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(ClientAddress(
            forwarded.or(peer).unwrap_or_else(|| "unknown".into()),
        ))
    }
}
