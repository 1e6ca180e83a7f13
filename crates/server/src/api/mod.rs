//! The JSON API under `/api/v1`: its routes, each handler a thin adapter over one service
//! call, and the OpenAPI document describing every route.

mod cases;
mod loans;
pub mod openapi;
mod programs;
mod quotes;
mod records;
mod settlements;
mod users;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{MethodRouter, delete, get, post};

use crate::extract::Id;
use crate::state::AppState;
use crate::{session, uploads};

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

/// The API's routes (the OpenAPI document's own among them, built here once; building it
/// panics on an undescribed route).
pub(crate) fn router() -> Router<AppState> {
    let routes = routes();
    let doc = serde_json::to_vec(&openapi::document(&routes.list))
        .expect("invariant: a JSON value serialises");
    routes.router.layer(axum::Extension(Document(doc.into())))
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
                      viewer: jumpup_service::sessions::Viewer,
                      Id(id): Id<jumpup_domain::ids::CaseId>,
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
                      viewer: jumpup_service::sessions::Viewer,
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
