//! Health and metrics for operators: `GET /healthz` (the process answers), `GET /readyz` (the
//! database answers and its schema is this build's), and the metrics at `GET /metrics` on the
//! separate address `--metrics-listen` gives (never on the public one).

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::metrics::Gauges;
use crate::state::AppState;

/// `GET /healthz`: the process answers.
pub async fn healthz() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "ok\n",
    )
        .into_response()
}

/// `GET /readyz`: 200 when the database answers and its schema is this build's, else 503.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let (status, text) = match state.services.db.ready().await {
        Ok(true) => (StatusCode::OK, "ready\n"),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the database schema is not this build's\n",
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer\n",
            )
        }
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// `GET /metrics` (on `--metrics-listen` only).
async fn metrics(State(state): State<AppState>) -> Response {
    let audit_head = match state.services.audit_head().await {
        Ok(head) => head.seq,
        Err(e) => {
            tracing::warn!(error = %e, "metrics: the audit head could not be read");
            -1
        }
    };
    let gauges = Gauges {
        pool: state.services.db.pool_use(),
        jobs_running: state.jobs_running(),
        jobs_max: state.config.max_jobs,
        audit_head,
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&gauges),
    )
        .into_response()
}

/// Serves the operators' router on its own listener until the process ends.
pub async fn serve_operators(
    listener: tokio::net::TcpListener,
    state: AppState,
) -> std::io::Result<()> {
    axum::serve(listener, operator_router(state)).await
}

/// The operators' router for `--metrics-listen`: metrics and both health checks.
fn operator_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
}
