//! The HTTP server: the JSON API under `/api/v1` over the same services as the command line.
//! No state lives in the process between requests (sessions, throttling and everything else
//! are in the database), so several servers can share one PostgreSQL. Every request is logged
//! as one structured line: method, path, status, time and the viewer's user id; never a query
//! string, a header, a body, a cookie, a token, a name or a business number.

pub mod auth;
mod cases;
pub mod error;
mod loans;
pub mod metrics;
pub mod openapi;
mod programs;
mod quotes;
pub(crate) mod records;
pub(crate) mod session;
mod settlements;
pub(crate) mod uploads;
mod users;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{MethodRouter, delete, get, post};
use serde::de::DeserializeOwned;

use crate::service::Services;
use error::{ApiError, ApiResult};

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

/// The router under construction, with every `(method, path)` it serves recorded: the route
/// set the OpenAPI document and the authorization tests are checked against.
struct Routes {
    router: Router<AppState>,
    list: Vec<(&'static str, String)>,
}

impl Routes {
    fn add(mut self, method: &'static str, path: &str, handler: MethodRouter<AppState>) -> Routes {
        self.router = self.router.route(path, handler);
        self.list.push((method, path.to_owned()));
        self
    }
}

fn routes() -> Routes {
    let mut r = Routes {
        router: Router::new(),
        list: Vec::new(),
    }
    .add("POST", "/api/v1/session", post(session::login))
    .add("GET", "/api/v1/session", get(session::show))
    .add("DELETE", "/api/v1/session", delete(session::logout))
    .add(
        "POST",
        "/api/v1/session/password",
        post(session::change_password),
    )
    .add("POST", "/api/v1/registrations", post(users::register))
    .add("GET", "/api/v1/users", get(users::list))
    .add("POST", "/api/v1/users", post(users::create))
    .add("POST", "/api/v1/users/{id}/activate", post(users::activate))
    .add(
        "POST",
        "/api/v1/users/{id}/deactivate",
        post(users::deactivate),
    )
    .add("POST", "/api/v1/users/{id}/unlock", post(users::unlock))
    .add("POST", "/api/v1/users/{id}/confirm", post(users::confirm))
    .add("POST", "/api/v1/session/setup", post(users::set_up))
    .add("GET", "/api/v1/banks", get(records::banks))
    .add("POST", "/api/v1/banks", post(records::add_bank))
    .add("POST", "/api/v1/firms", post(records::add_firm))
    .add("GET", "/api/v1/firms", get(records::firms))
    .add("GET", "/api/v1/firms/{id}", get(records::firm))
    .add("GET", "/api/v1/programs", get(programs::list))
    .add("POST", "/api/v1/programs", post(programs::import))
    .add(
        "POST",
        "/api/v1/programs/{program}/versions/{date}/approve",
        post(programs::approve),
    )
    .add("POST", "/api/v1/quotes", post(quotes::create))
    .add("GET", "/api/v1/cases", get(cases::list))
    .add("POST", "/api/v1/cases", post(cases::create))
    .add("GET", "/api/v1/cases/{id}", get(cases::show))
    .add("GET", "/api/v1/cases/{id}/loan", get(loans::show))
    .add("GET", "/api/v1/cases/{id}/quote", get(quotes::of_case))
    .add("GET", "/api/v1/loans", get(loans::list));
    for step in cases::steps() {
        r = r.add(
            "POST",
            &format!("/api/v1/cases/{{id}}/{step}"),
            post(
                move |State(state): State<AppState>,
                      viewer: crate::service::sessions::Viewer,
                      Id(id): Id,
                      body: axum::body::Bytes| {
                    cases::step(state, viewer, id, step, body)
                },
            ),
        );
    }
    r = r
        .add("POST", "/api/v1/cases/{id}/loan", post(loans::execute))
        .add("POST", "/api/v1/cases/{id}/events", post(loans::report))
        .add("POST", "/api/v1/events/{id}/cancel", post(loans::cancel));
    for kind in uploads::KINDS {
        r = r.add(
            "POST",
            &format!("/api/v1/uploads/{}", kind.as_str()),
            post(
                move |State(state): State<AppState>,
                      viewer: crate::service::sessions::Viewer,
                      headers: axum::http::HeaderMap,
                      body: axum::body::Body| {
                    uploads::upload(state, viewer, kind, headers, body)
                },
            ),
        );
    }
    r.add("GET", "/api/v1/settlements", get(settlements::list))
        .add("POST", "/api/v1/settlements", post(settlements::prepare))
        .add("GET", "/api/v1/settlements/{id}", get(settlements::show))
        .add(
            "POST",
            "/api/v1/settlements/{id}/approve",
            post(settlements::approve),
        )
        .add(
            "POST",
            "/api/v1/settlements/{id}/reject",
            post(settlements::reject),
        )
        .add(
            "GET",
            "/api/v1/settlements/{id}/verify",
            get(settlements::verify),
        )
        .add(
            "GET",
            "/api/v1/settlements/{id}/payments",
            get(settlements::payments),
        )
        .add(
            "GET",
            "/api/v1/settlements/{id}/statement",
            get(settlements::statement),
        )
        .add("GET", "/api/v1/budgets", get(records::budgets))
        .add(
            "POST",
            "/api/v1/budgets/{program}/top-ups",
            post(records::top_up),
        )
        .add("GET", "/api/v1/ledger/check", get(records::ledger_check))
        .add("GET", "/api/v1/audit/head", get(records::audit_head))
        .add("GET", "/api/v1/audit/verify", get(records::audit_verify))
        .add("GET", "/api/v1/audit/entries", get(records::audit_entries))
        .add("GET", "/api/v1/openapi.json", get(openapi_json))
}

/// The OpenAPI document as served: written once, when the router is built.
#[derive(Debug, Clone)]
struct Document(axum::body::Bytes);

/// `GET /api/v1/openapi.json` (public: it describes, it holds no data).
async fn openapi_json(axum::Extension(doc): axum::Extension<Document>) -> Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        doc.0,
    )
        .into_response()
}

/// Every `(method, path)` the API serves, paths as templates (`/api/v1/cases/{id}`).
pub fn route_list() -> Vec<(&'static str, String)> {
    routes().list
}

/// The API's routes. Every route must be described in the OpenAPI document: building the
/// router builds the document, once, which panics on an undescribed route.
pub fn router(state: AppState) -> Router {
    let routes = routes();
    let doc = serde_json::to_vec(&openapi::document(&routes.list))
        .expect("invariant: a JSON value serialises");
    routes
        .router
        .merge(crate::web::routes())
        .route("/healthz", get(metrics::healthz))
        .route("/readyz", get(metrics::readyz))
        .route_layer(axum::middleware::from_fn(metrics::note_route))
        .layer(axum::Extension(Document(doc.into())))
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
        crate::web::status_page(&mut parts, &state, status).await
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
        Fut: std::future::Future<Output = crate::service::Result<T>>,
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

/// A resource id from the path; anything but a non-negative integer is no such resource.
#[derive(Debug, Clone, Copy)]
pub struct Id(pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> ApiResult<Id> {
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found())?;
        text.parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Id)
            .ok_or_else(ApiError::not_found)
    }
}

/// A query string, or a 422 naming what is wrong with it.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S>
    for ApiQuery<T>
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> ApiResult<ApiQuery<T>> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| {
                let text = e.body_text();
                ApiError::invalid(&data_field(&text), text)
            })
    }
}

/// The query of a list that takes nothing but its page.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    limit: Option<i64>,
    cursor: Option<String>,
}

impl PageQuery {
    pub fn paging(&self) -> ApiResult<Paging> {
        Paging::parse(self.limit, self.cursor.as_deref())
    }
}

/// A list request's page: at most `limit` items (1 to 200, 50 when not given) after the id
/// an opaque `cursor` names (the last id of the page before).
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub limit: i64,
    pub after: i64,
}

impl Paging {
    /// The most a list returns at once, and what it returns when not told.
    pub const MAX_LIMIT: i64 = 200;
    const DEFAULT_LIMIT: i64 = 50;

    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> ApiResult<Paging> {
        let limit = match limit {
            None => Paging::DEFAULT_LIMIT,
            Some(n) if (1..=Paging::MAX_LIMIT).contains(&n) => n,
            Some(_) => {
                return Err(ApiError::invalid(
                    "limit",
                    format!("must be from 1 to {}", Paging::MAX_LIMIT),
                ));
            }
        };
        let after = match cursor {
            None => 0,
            Some(c) => c
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this API gave"))?,
        };
        Ok(Paging { limit, after })
    }

    /// The id a next page starts after: the last row's, when the page is full.
    pub fn next_after<T>(&self, rows: &[T], id: impl Fn(&T) -> i64) -> Option<i64> {
        let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) == self.limit;
        rows.last().filter(|_| full).map(id)
    }

    /// `{"items", "next_cursor"}`: each row as `json` shows it, and the cursor after the last
    /// row's `id` when the page is full, else null.
    pub fn page<T>(
        &self,
        rows: &[T],
        json: impl Fn(&T) -> serde_json::Value,
        id: impl Fn(&T) -> i64,
    ) -> axum::Json<serde_json::Value> {
        let next = self.next_after(rows, &id).map(|n| n.to_string());
        let items: Vec<serde_json::Value> = rows.iter().map(json).collect();
        axum::Json(serde_json::json!({ "items": items, "next_cursor": next }))
    }
}

/// The viewer's role checked before a request body is read: what is wrong with a body is
/// nobody's business who may not send it. The services check role and scope again.
fn gate(
    viewer: &crate::service::sessions::Viewer,
    roles: &[jumpup_domain::workflow::Role],
    what: &str,
) -> ApiResult<()> {
    Ok(crate::service::require_role(&viewer.user, roles, what)?)
}

/// A field parsed by one of [`crate::fields`]' parsers, or a 422 naming it.
fn field<T>(name: &str, parsed: Result<T, String>) -> ApiResult<T> {
    parsed.map_err(|e| ApiError::invalid(name, e))
}

/// A body that is only a reason (a rejection, a cancellation).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Reason {
    reason: String,
}

/// A firm's fields from a request body, parsed.
fn new_firm(
    business_no: &str,
    corporate_no: Option<&str>,
    name: String,
    address: String,
    district: String,
    industry_code: String,
) -> ApiResult<jumpup_store::identity::NewFirm> {
    Ok(jumpup_store::identity::NewFirm {
        business_no: field("business_no", crate::fields::business_no(business_no))?,
        corporate_no: corporate_no
            .filter(|c| !c.trim().is_empty())
            .map(|c| field("corporate_no", crate::fields::corporate_no(c)))
            .transpose()?,
        name,
        address,
        district,
        industry_code,
    })
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

/// The field serde names in a data error (``missing field `name` ``), if any.
fn data_field(message: &str) -> String {
    ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|start| message.split_once(start))
        .and_then(|(_, rest)| rest.split('`').next())
        .unwrap_or_default()
        .to_owned()
}
