//! Jump-Up's server: the JSON API under `/api/v1` (`api`) and the pages (`pages`) over the
//! same services as the command line, and what both share: the server's state (`state`), the
//! viewer (`auth`), errors (`error`), sign-in (`session`), uploads (`uploads`), request
//! extractors (`extract`) and the operators' metrics (`metrics`). `api` and `pages` never use
//! each other; this root joins them.
//!
//! No state lives in the process between requests (sessions, throttling and everything else
//! are in the database), so several servers can share one PostgreSQL. Every request is logged
//! as one structured line: method, path, status, time and the viewer's user id; never a query
//! string, a header, a body, a cookie, a token, a name or a business number.

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod operators;
pub mod pages;
pub mod session;
pub mod state;
pub mod uploads;

use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;

pub use api::route_list;
pub use pages::page_list;
pub use state::{AppState, Config, default_max_jobs};

use error::ApiError;

/// The whole server: the API (every route described in the OpenAPI document, built once here,
/// which panics on an undescribed route), the pages, and the health checks, behind the
/// layers every answer passes: route metrics, the router's own answers said like ours,
/// security headers and one log line.
pub fn router(state: AppState) -> Router {
    api::router()
        .merge(pages::routes())
        .route("/healthz", get(operators::healthz))
        .route("/readyz", get(operators::readyz))
        .route_layer(axum::middleware::from_fn(metrics::note_route))
        .fallback(|| async { ApiError::not_found() })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            router_answers,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            log_request,
        ))
        .with_state(state)
}

/// The answers the router gives by itself in plain text (405 for a method a route does not
/// take, 413 for a body over its limit) said like every other: the error shape under
/// `/api/`, a page elsewhere. The `Allow` header of a 405 is kept.
async fn router_answers(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let uri = request.uri().clone();
    let cookie = request.headers().get(axum::http::header::COOKIE).cloned();
    let response = next.run(request).await;
    let status = response.status();
    let said = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    if said
        || !matches!(
            status,
            axum::http::StatusCode::METHOD_NOT_ALLOWED | axum::http::StatusCode::PAYLOAD_TOO_LARGE
        )
    {
        return response;
    }
    use axum::response::IntoResponse;
    let allow = response.headers().get(axum::http::header::ALLOW).cloned();
    let mut answer = if uri.path().starts_with("/api/") {
        let (code, message) = if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            (
                "payload_too_large",
                "the request body is over its size limit",
            )
        } else {
            (
                "method_not_allowed",
                "this resource does not take this method",
            )
        };
        ApiError::new(status, "", code, message).into_response()
    } else {
        let mut probe = Request::new(axum::body::Body::empty());
        *probe.method_mut() = method;
        *probe.uri_mut() = uri;
        if let Some(c) = cookie {
            probe.headers_mut().insert(axum::http::header::COOKIE, c);
        }
        let (mut parts, _) = probe.into_parts();
        pages::status_page(&mut parts, &state, status).await
    };
    if let Some(allow) = allow {
        answer
            .headers_mut()
            .insert(axum::http::header::ALLOW, allow);
    }
    answer
}

/// The headers every answer carries so a browser runs no script but the site's own (there is
/// none inline), never frames a page, sends no address to other sites and never guesses a type.
const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("x-content-type-options", "nosniff"),
];

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(
            axum::http::HeaderName::from_static(name),
            axum::http::HeaderValue::from_static(value),
        );
    }
    response
}

/// Serves `app` (from [`router`]) on `listener` until `shutdown` completes, then finishes the
/// requests under way.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// One log line per request (see the module comment for what it never holds), and the
/// request counted for the operators' metrics under its route template.
async fn log_request(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let viewer = auth::LoggedUser::default();
    let route = metrics::RouteSlot::default();
    request.extensions_mut().insert(viewer.clone());
    request.extensions_mut().insert(route.clone());
    let response = next.run(request).await;
    let took = started.elapsed();
    state.metrics.observe(
        method.as_str(),
        route.route(),
        response.status().as_u16(),
        took,
    );
    let micros = took.as_micros();
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
