//! The HTTP server: the JSON API under `/api/v1` over the same services as the command line.
//! No state lives in the process between requests (sessions, throttling and everything else
//! are in the database), so several servers can share one PostgreSQL. Every request is logged
//! as one structured line: method, path, status, time and the viewer's user id; never a query
//! string, a header, a body, a cookie, a token, a name or a business number.

pub mod auth;
pub mod error;
mod programs;
mod quotes;
mod session;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use crate::service::Services;
use error::{ApiError, ApiResult};

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub services: Services,
    pub config: Arc<Config>,
}

/// How the server is set up.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Clients reach the server through a TLS-terminating proxy: cookies are marked `Secure`.
    pub tls_proxy: bool,
}

/// The API's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/api/v1/session",
            get(session::show)
                .post(session::login)
                .delete(session::logout),
        )
        .route("/api/v1/session/password", post(session::change_password))
        .route("/api/v1/quotes", post(quotes::create))
        .route("/api/v1/programs", get(programs::list))
        .fallback(|| async { ApiError::not_found() })
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes the requests under
/// way.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// One log line per request (see the module comment for what it never holds).
async fn log_request(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let viewer = auth::LoggedUser::default();
    request.extensions_mut().insert(viewer.clone());
    let response = next.run(request).await;
    let micros = started.elapsed().as_micros();
    tracing::info!(
        %method,
        path = %path,
        status = response.status().as_u16(),
        ms = format_args!("{}.{:03}", micros / 1000, micros % 1000),
        user = viewer.0.get().copied(),
        "request"
    );
    response
}

/// A JSON request body, or a 422 naming what is wrong with it.
fn json_body<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        let field = match e.classify() {
            serde_json::error::Category::Data => data_field(&e.to_string()),
            _ => String::new(),
        };
        ApiError::invalid(
            &field,
            format!("the request body is not the expected JSON: {e}"),
        )
    })
}

/// The field serde names in a data error (`missing field `name``), if any.
fn data_field(message: &str) -> String {
    message
        .split('`')
        .nth(1)
        .filter(|_| message.starts_with("missing field") || message.starts_with("unknown field"))
        .unwrap_or_default()
        .to_owned()
}
