//! The portal: server-rendered pages over the same services as the API and the command line,
//! usable without JavaScript. Pages sign in with the session cookie only (never a bearer token);
//! every form that changes state carries the session's CSRF token in a hidden `csrf` field.
//! Texts come from [`texts::Ui`] in Korean (the default) or English: `?lang=en|ko` switches
//! and is remembered in a cookie. Templates escape every value they print.

mod accounts;
mod case;
mod form;
mod quote;
mod settle;
mod texts;
mod uploads;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jumpup_domain::ids::{BatchId, CaseId};
use jumpup_domain::ledger::Account;
use jumpup_domain::workflow::State as CaseState;
use serde::Deserialize;

use crate::auth::session_cookie;
use crate::state::AppState;
use jumpup_service::ServiceError;
use jumpup_service::i18n::Lang;
use jumpup_service::sessions::{ABSOLUTE_TIMEOUT, Credential, Viewer};
pub use texts::Ui;

/// The cookie that remembers the chosen language.
const LANG_COOKIE: &str = "jumpup_lang";

/// The portal's router under construction, with every `(method, path)` it serves recorded
/// beside its handler: the list the pages' authorization table is checked against.
struct Pages {
    router: Router<AppState>,
    list: Vec<(&'static str, &'static str)>,
}

impl Pages {
    fn route(
        mut self,
        path: &'static str,
        methods: &[&'static str],
        handler: axum::routing::MethodRouter<AppState>,
    ) -> Pages {
        self.router = self.router.route(path, handler);
        self.list.extend(methods.iter().map(|m| (*m, path)));
        self
    }
}

fn pages() -> Pages {
    let documents = axum::extract::DefaultBodyLimit::max(
        jumpup_service::documents::MAX_DOCUMENT_BYTES + 64 * 1024,
    );
    Pages {
        router: Router::new(),
        list: Vec::new(),
    }
    .route("/", &["GET"], get(|| async { Redirect::to("/dashboard") }))
    .route("/login", &["GET", "POST"], get(login_form).post(login))
    .route(
        "/setup",
        &["GET", "POST"],
        get(accounts::setup_form).post(accounts::setup),
    )
    .route("/logout", &["POST"], post(logout))
    .route("/dashboard", &["GET"], get(dashboard))
    .route(
        "/register",
        &["GET", "POST"],
        get(accounts::register_form).post(accounts::register),
    )
    .route(
        "/accounts",
        &["GET", "POST"],
        get(accounts::accounts).post(accounts::add_user),
    )
    .route(
        "/accounts/{id}/{change}",
        &["POST"],
        post(accounts::set_active),
    )
    .route("/banks", &["POST"], post(accounts::add_bank))
    .route(
        "/apply",
        &["GET", "POST"],
        get(accounts::apply_form).post(accounts::apply),
    )
    .route("/cases", &["GET"], get(cases))
    .route("/cases/{id}", &["GET"], get(case::show))
    .route("/cases/{id}/{step}", &["POST"], post(case::step))
    .route(
        "/cases/{id}/documents",
        &["POST"],
        post(case::upload_document).layer(documents),
    )
    .route("/cases/{id}/documents/{doc}", &["GET"], get(case::document))
    .route("/quote", &["GET"], get(quote::quote))
    .route(
        "/settlements",
        &["GET", "POST"],
        get(settle::list).post(settle::prepare),
    )
    .route("/settlements/{id}", &["GET"], get(settle::show))
    .route(
        "/settlements/{id}/approve",
        &["POST"],
        post(settle::approve),
    )
    .route("/settlements/{id}/reject", &["POST"], post(settle::reject))
    .route(
        "/uploads",
        &["GET", "POST"],
        get(uploads::form)
            .post(uploads::upload)
            .layer(crate::uploads::body_limit()),
    )
    .route("/static/site.css", &["GET"], get(stylesheet))
    .route("/static/krds/{*path}", &["GET"], get(crate::assets::krds))
}

/// The portal's routes (merged into the server's router).
pub fn routes() -> Router<AppState> {
    pages().router
}

/// Every `(method, path)` the portal serves, paths as templates (`/cases/{id}`).
pub fn page_list() -> Vec<(&'static str, &'static str)> {
    pages().list
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("site.css"),
    )
}

/// The page language: `?lang=ko|en` if given (then remembered), else the cookie's, else
/// Korean.
/// It also carries whether the pages are the demonstration's, for the banner.
pub(super) struct PageLang {
    lang: Lang,
    remember: bool,
    demo: bool,
    /// Where the language switch leads: this page (its query kept) in the other language; for
    /// a form's answer, which has no address of its own, the dashboard.
    switch: String,
}

impl axum::extract::FromRequestParts<AppState> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<PageLang, Self::Rejection> {
        let demo = state.config.demo;
        let query: Vec<&str> = parts
            .uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("lang="))
            .collect();
        let here = if parts.method == axum::http::Method::GET {
            parts.uri.path()
        } else {
            "/dashboard"
        };
        let switch = |lang: Lang| {
            let other = Ui::of(lang).other_lang_code;
            let mut q = query.clone();
            let pair = format!("lang={other}");
            q.push(&pair);
            format!("{here}?{}", q.join("&"))
        };
        let parse = |v: &str| match v {
            "en" => Some(Lang::En),
            "ko" => Some(Lang::Ko),
            _ => None,
        };
        let asked = parts
            .uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == "lang")
            .and_then(|(_, v)| parse(v));
        Ok(match asked {
            Some(lang) => PageLang {
                lang,
                remember: true,
                demo,
                switch: switch(lang),
            },
            None => {
                let lang = crate::auth::cookie(&parts.headers, LANG_COOKIE)
                    .and_then(parse)
                    .unwrap_or_default();
                PageLang {
                    lang,
                    remember: false,
                    demo,
                    switch: switch(lang),
                }
            }
        })
    }
}

/// Who is signed in, as the page header shows them.
struct Who {
    name: String,
    role: &'static str,
    csrf: String,
    /// Whether the case list is theirs to read (everyone but administrators).
    reads_cases: bool,
    /// Whether settlements are theirs to read.
    reads_settlements: bool,
    /// Whether they may upload any kind of bank file.
    uploads: bool,
    /// Whether they may open a case (firms).
    applies: bool,
    /// Whether they manage accounts (the Technopark's activations, administrators).
    manages_accounts: bool,
}

/// What every page's frame shows.
struct Frame {
    t: &'static Ui,
    title: &'static str,
    who: Option<Who>,
    /// The demonstration portfolio: a banner says the data is invented.
    demo: bool,
    /// The other language's address of this page.
    switch: String,
}

impl Frame {
    fn new(lang: &PageLang, title: &'static str, viewer: Option<&Viewer>) -> Frame {
        let t = Ui::of(lang.lang);
        let who = viewer.map(|v| Who {
            name: v.user.name.clone(),
            role: t.role(v.user.role),
            csrf: csrf_of(v),
            reads_cases: jumpup_service::cases::CASE_READERS.contains(&v.user.role),
            reads_settlements: jumpup_service::settle::SETTLEMENT_READERS.contains(&v.user.role),
            uploads: !uploads::kinds_of(v).is_empty(),
            applies: jumpup_service::cases::OPEN_CASE_ROLES.contains(&v.user.role),
            manages_accounts: jumpup_service::identity::ACCOUNT_MANAGERS.contains(&v.user.role)
                || jumpup_service::identity::CONFIRMERS.contains(&v.user.role),
        });
        Frame {
            t,
            title,
            who,
            demo: lang.demo,
            switch: lang.switch.clone(),
        }
    }
}

/// What the services refused, as a line above the form that asked: the code and the sentence.
/// A refusal is said from the catalogue by its code (a bad value by its field); the
/// service's own sentence only for a code the catalogue does not know.
pub(super) fn refusal(t: &Ui, e: &crate::error::ApiError) -> String {
    e.errors
        .first()
        .map(|f| {
            let said = match e.reason {
                Some(reason) => t.refusal(reason),
                None if f.code == "invalid" && !f.field.is_empty() => t.problem(&f.field),
                None => f.message.as_str(),
            };
            format!("{} ({}): {said}", t.refused, f.code)
        })
        .unwrap_or_else(|| t.refused.to_owned())
}

/// A rendered page, with the language cookie set when the language was just chosen.
fn page(lang: &PageLang, status: StatusCode, html: Result<String, askama::Error>) -> Response {
    let Ok(html) = html else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut response = (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response();
    if lang.remember {
        let code = Ui::of(lang.lang).lang_code;
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={code}; Path=/; SameSite=Lax; Max-Age=31536000"
        )) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// Whether a request that changes state comes from a page of this server: a browser says where
/// a request comes from (`Sec-Fetch-Site`, `Origin`), so another site cannot post a form here
/// (sign-in included, where no session token exists yet). Clients that say neither are not
/// browsers and carry no ambient credential of a victim.
fn same_origin(method: &axum::http::Method, headers: &HeaderMap) -> bool {
    if matches!(*method, axum::http::Method::GET | axum::http::Method::HEAD) {
        return true;
    }
    let value = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = value("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match (value("origin"), value("host")) {
        (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, h)| h == host),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// The signed-in viewer of a page, by the session cookie only (never a bearer token), recorded
/// for the request log as the API's viewers are. A signed-out browser is sent to sign in; a
/// state-changing request from another site is refused; a failure is the API's error.
#[derive(Debug)]
pub struct PageViewer(pub Viewer);

/// The session's CSRF token, for the hidden `csrf` field of a page's forms.
fn csrf_of(viewer: &Viewer) -> String {
    viewer
        .session
        .as_ref()
        .map(|s| s.csrf_token.clone())
        .unwrap_or_default()
}

/// Whether a form's `csrf` field is the session's token.
fn csrf_ok(viewer: &Viewer, sent: &str) -> bool {
    viewer
        .session
        .as_ref()
        .is_some_and(|s| crate::auth::constant_time_eq(sent.as_bytes(), s.csrf_token.as_bytes()))
}

/// A form's gate, before any of it is used: its token (a forged form gets a bare 403), then the
/// viewer's role (a role that may not send it gets the refusal page).
#[allow(
    clippy::result_large_err,
    reason = "the error is the page answered instead, built once per request"
)]
fn form_gate(
    lang: &PageLang,
    viewer: &Viewer,
    token: &str,
    roles: &[jumpup_domain::workflow::Role],
) -> Result<(), Response> {
    if !csrf_ok(viewer, token) {
        return Err(StatusCode::FORBIDDEN.into_response());
    }
    if !roles.contains(&viewer.user.role) {
        return Err(message(lang, viewer, StatusCode::FORBIDDEN));
    }
    Ok(())
}

/// A multipart form's token, its first field, checked: nothing of a file is read for a request
/// that does not carry it.
async fn multipart_token(
    parts: &mut axum::extract::Multipart,
    viewer: &Viewer,
) -> Result<(), Response> {
    let bad = || StatusCode::BAD_REQUEST.into_response();
    let first = parts
        .next_field()
        .await
        .map_err(|_| bad())?
        .ok_or_else(bad)?;
    let sent = if first.name() == Some("csrf") {
        first.text().await.map_err(|_| bad())?
    } else {
        String::new()
    };
    if !csrf_ok(viewer, &sent) {
        return Err(StatusCode::FORBIDDEN.into_response());
    }
    Ok(())
}

/// A service's refusal of a form, for the page that shows the form again: its status and the
/// sentence to show above the form. A refusal that leaves nothing to show (the viewer may not,
/// or there is no such thing) is a page of its own, and a failure is the error itself.
#[allow(
    clippy::result_large_err,
    reason = "the error is the page answered instead, built once per request"
)]
fn form_refusal(
    lang: &PageLang,
    viewer: &Viewer,
    e: impl Into<crate::error::ApiError>,
) -> Result<(StatusCode, String), Response> {
    let e = e.into();
    if matches!(
        e.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::SERVICE_UNAVAILABLE
    ) {
        return Err(message(lang, viewer, e.status));
    }
    if e.status.is_server_error() {
        return Err(e.into_response());
    }
    Ok((e.status, refusal(Ui::of(lang.lang), &e)))
}

impl axum::extract::FromRequestParts<AppState> for PageViewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<PageViewer, Response> {
        if !same_origin(&parts.method, &parts.headers) {
            return Err(StatusCode::FORBIDDEN.into_response());
        }
        let Some(cookie) = session_cookie(&parts.headers) else {
            return Err(Redirect::to("/login").into_response());
        };
        match state
            .services
            .authenticate(Credential::Session(cookie))
            .await
        {
            Ok(viewer) => {
                if let Some(slot) = parts.extensions.get::<crate::auth::LoggedUser>() {
                    let _ = slot.0.set(viewer.user.user_id.0);
                }
                Ok(PageViewer(viewer))
            }
            Err(ServiceError::Refused { .. }) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(crate::error::ApiError::from(e).into_response()),
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    f: Frame,
    name: String,
    error: Option<&'static str>,
}

async fn login_form(lang: PageLang) -> Response {
    let t = Ui::of(lang.lang);
    let p = LoginPage {
        f: Frame::new(&lang, t.sign_in, None),
        name: String::new(),
        error: None,
    };
    page(&lang, StatusCode::OK, p.render())
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    lang: PageLang,
    client: crate::state::ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, Response> {
    let t = Ui::of(lang.lang);
    if !same_origin(&axum::http::Method::POST, &headers) {
        return Err(StatusCode::FORBIDDEN.into_response());
    }
    match state
        .services
        .login(
            &form.name,
            &form.password,
            session_cookie(&headers),
            &client.0,
        )
        .await
    {
        Ok(opened) => {
            let set =
                crate::session::cookie(&state, &opened.secret, ABSOLUTE_TIMEOUT.num_seconds())
                    .map_err(IntoResponse::into_response)?;
            Ok(([(header::SET_COOKIE, set)], Redirect::to("/dashboard")).into_response())
        }
        Err(e @ (ServiceError::Refused { .. } | ServiceError::Throttled { .. })) => {
            let (status, error) = match &e {
                ServiceError::Throttled {
                    reason: jumpup_service::Reason::TooManyFailures,
                    ..
                } => (StatusCode::TOO_MANY_REQUESTS, t.too_many_failures),
                ServiceError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, t.slow_down),
                _ => (StatusCode::UNAUTHORIZED, t.wrong_credentials),
            };
            let retry = crate::error::ApiError::from(e).retry_after;
            let p = LoginPage {
                f: Frame::new(&lang, t.sign_in, None),
                name: form.name,
                error: Some(error),
            };
            let mut answer = page(&lang, status, p.render());
            if let Some(seconds) = retry {
                answer
                    .headers_mut()
                    .insert(header::RETRY_AFTER, seconds.into());
            }
            Ok(answer)
        }
        Err(e) => Err(crate::error::ApiError::from(e).into_response()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    PageViewer(viewer): PageViewer,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Response> {
    let Some(session) = viewer
        .session
        .as_ref()
        .filter(|_| csrf_ok(&viewer, &form.csrf))
    else {
        return Err(StatusCode::FORBIDDEN.into_response());
    };
    state
        .services
        .logout(session)
        .await
        .map_err(|e| crate::error::ApiError::from(e).into_response())?;
    let clear = crate::session::cookie(&state, "", 0).map_err(IntoResponse::into_response)?;
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}

/// One programme's budget as the dashboard shows it: the chart's parts in thousandths of what
/// the programme holds, and each account's balance as officials write it.
struct BudgetView {
    program: String,
    paid_permille: i64,
    reserved_permille: i64,
    available_permille: i64,
    rows: Vec<(&'static str, String)>,
}

/// A programme as people read it: its name in the page's language (the id only for one the
/// catalogue does not know, which a stored case never names).
fn programme_name(catalog: &jumpup_domain::program::Catalog, t: &Ui, id: &str) -> String {
    match catalog.get(id) {
        Some(p) if t.lang_code == "ko" => p.name_ko().to_owned(),
        Some(p) => p.name_en().to_owned(),
        None => id.to_owned(),
    }
}

fn budget_view(t: &Ui, name: String, b: &jumpup_service::budget::ProgramBudget) -> BudgetView {
    let balance = |a: Account| {
        b.balances
            .iter()
            .find(|(x, _)| *x == a)
            .map_or(0, |(_, w)| w.get())
    };
    let (paid, reserved, available) = (
        balance(Account::Paid),
        balance(Account::Reserved),
        balance(Account::Available),
    );
    let whole =
        i128::from(paid.max(0)) + i128::from(reserved.max(0)) + i128::from(available.max(0));
    let permille = |part: i64| {
        if whole <= 0 {
            0
        } else {
            i64::try_from(i128::from(part.max(0)) * 1000 / whole).unwrap_or(0)
        }
    };
    BudgetView {
        program: name,
        paid_permille: permille(paid),
        reserved_permille: permille(reserved),
        available_permille: permille(available),
        rows: Account::ALL
            .iter()
            .map(|a| (t.account(*a), t.won(balance(*a))))
            .collect(),
    }
}

/// The newest settlement batch as the dashboard shows it.
struct BatchView {
    id: BatchId,
    through: String,
    state: &'static str,
    lines: i64,
    payable: String,
    /// Whether the viewer may open it.
    link: bool,
}

/// A firm's case as its dashboard lists it.
struct OwnCase {
    id: CaseId,
    program: String,
    state: &'static str,
    requested: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    f: Frame,
    /// The programmes side by side, then each figure's row.
    programmes: Vec<String>,
    figures: Vec<(&'static str, Vec<String>)>,
    batch: Option<BatchView>,
    budgets: Vec<BudgetView>,
    counts: Vec<(&'static str, String)>,
    /// A bank's own figures and its latest statements (batch id, through).
    bank: Vec<(&'static str, String)>,
    bank_code: String,
    bank_name: String,
    statements: Vec<(i64, String)>,
    /// A firm's own cases.
    firm: bool,
    own_cases: Vec<OwnCase>,
}

/// Each role's dashboard: for officials the programmes' figures side by side, the newest
/// settlement, the budgets and the cases by state; for a bank its loans, claims and payments;
/// for a firm its cases.
async fn dashboard(
    State(state): State<AppState>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
) -> Result<Response, Response> {
    use jumpup_domain::workflow::Role;
    let t = Ui::of(lang.lang);
    let s = &state.services;
    let fail = |e: ServiceError| service_error(&lang, &viewer, e);
    let role = viewer.user.role;
    let mut p = DashboardPage {
        f: Frame::new(&lang, t.dashboard, Some(&viewer)),
        programmes: Vec::new(),
        figures: Vec::new(),
        batch: None,
        budgets: Vec::new(),
        counts: Vec::new(),
        bank: Vec::new(),
        bank_code: String::new(),
        bank_name: String::new(),
        statements: Vec::new(),
        firm: role == Role::Firm,
        own_cases: Vec::new(),
    };
    if jumpup_service::budget::BUDGET_READERS.contains(&role) {
        let o = s.overview(&viewer.user.name).await.map_err(fail)?;
        let catalog = s.catalog().await.map_err(fail)?;
        // The programme in force now first, its predecessors beside it.
        let mut figures: Vec<_> = o.figures.iter().collect();
        figures.sort_by(|a, b| b.program_id.cmp(&a.program_id));
        p.programmes = figures
            .iter()
            .map(|f| programme_name(&catalog, t, &f.program_id))
            .collect();
        p.figures = vec![
            (
                t.firms_supported,
                figures.iter().map(|f| t.count(f.firms)).collect(),
            ),
            (
                t.guarantees,
                figures.iter().map(|f| t.count(f.guarantees)).collect(),
            ),
            (
                t.guarantee_volume,
                figures
                    .iter()
                    .map(|f| t.won(f.guarantee_won.get()))
                    .collect(),
            ),
            (
                t.subsidy_paid,
                figures.iter().map(|f| t.won(f.paid.get())).collect(),
            ),
        ];
        p.batch = o.latest_batch.as_ref().map(|b| BatchView {
            id: b.batch_id,
            through: t.date(b.through),
            state: t.batch_state(b.state),
            lines: b.totals.lines,
            payable: t.won(b.totals.payable_won),
            link: jumpup_service::settle::SETTLEMENT_READERS.contains(&role),
        });
        p.budgets = o
            .budgets
            .iter()
            .filter(|b| {
                b.balances
                    .iter()
                    .any(|(a, w)| *a == Account::Funding && *w > jumpup_domain::money::Won::ZERO)
            })
            .map(|b| budget_view(t, programme_name(&catalog, t, &b.program_id), b))
            .collect();
        p.counts = o
            .counts
            .iter()
            .map(|(st, n)| (t.state(*st), t.count(*n)))
            .collect();
    } else if jumpup_service::cases::CASE_READERS.contains(&role) {
        p.counts = s
            .case_counts(&viewer.user.name)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|(st, n)| (t.state(st), t.count(n)))
            .collect();
    }
    if role == Role::Bank {
        let b = s.bank_figures(&viewer.user.name).await.map_err(fail)?;
        p.bank_code = viewer
            .user
            .bank
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default();
        // The bank by its name, its code beside it as officials write it.
        p.bank_name = s
            .read_banks()
            .await
            .map_err(fail)?
            .into_iter()
            .find(|bank| bank.code.as_str() == p.bank_code)
            .map(|bank| bank.name)
            .unwrap_or_default();
        p.bank = vec![
            (t.loans, t.count(b.loans)),
            (t.lent, t.won(b.principal_won)),
            (t.claims, t.count(b.claims)),
            (t.claimed, t.won(b.claimed_won)),
            (t.paid_to_bank, t.won(b.paid_won)),
        ];
        p.statements = b
            .batches
            .iter()
            .map(|(id, through)| (*id, t.date(*through)))
            .collect();
    }
    if role == Role::Firm {
        let catalog = s.catalog().await.map_err(fail)?;
        p.own_cases = s
            .read_cases(&viewer.user.name, None, None, 0, 50)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|r| OwnCase {
                id: r.case_id,
                program: programme_name(&catalog, t, &r.program_id),
                state: t.state(r.state),
                requested: t.won(r.requested_won),
            })
            .collect();
    }
    Ok(page(&lang, StatusCode::OK, p.render()))
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    f: Frame,
    text: &'static str,
}

/// A page that says why the viewer got nothing: refused (403), not found (404) or a request
/// the page cannot take (400).
fn message(lang: &PageLang, viewer: &Viewer, status: StatusCode) -> Response {
    message_page(lang, Some(viewer), status)
}

/// The page of one status, in the reader's language: the viewer's frame, or the signed-out
/// one where the viewer is not known.
fn message_page(lang: &PageLang, viewer: Option<&Viewer>, status: StatusCode) -> Response {
    let t = Ui::of(lang.lang);
    let text = match status {
        StatusCode::FORBIDDEN => t.not_allowed,
        StatusCode::NOT_FOUND => t.not_found,
        StatusCode::PAYLOAD_TOO_LARGE => t.too_large,
        StatusCode::METHOD_NOT_ALLOWED => t.method_not_allowed,
        StatusCode::SERVICE_UNAVAILABLE => t.busy,
        _ => t.bad_request,
    };
    let p = MessagePage {
        f: Frame::new(lang, text, viewer),
        text,
    };
    let mut answer = page(lang, status, p.render());
    if status == StatusCode::SERVICE_UNAVAILABLE {
        answer.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            crate::error::BUSY_RETRY_SECONDS.into(),
        );
    }
    answer
}

/// An answer the router gives by itself (405, 413) as a page in the reader's language: the
/// viewer is not known there, so the page is the signed-out frame.
pub(crate) async fn status_page(
    parts: &mut axum::http::request::Parts,
    state: &AppState,
    status: StatusCode,
) -> Response {
    let Ok(lang) =
        <PageLang as axum::extract::FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await;
    message_page(&lang, None, status)
}

/// A service's refusal or failure as a page: refusals that mean "not yours" or "no such thing"
/// (by the API's own mapping) as a message page, the rest as the API's error.
fn service_error(lang: &PageLang, viewer: &Viewer, e: ServiceError) -> Response {
    use jumpup_service::refusal::Kind;
    match e.reason().map(jumpup_service::Reason::kind) {
        Some(Kind::Forbidden) => message(lang, viewer, StatusCode::FORBIDDEN),
        Some(Kind::NotFound) => message(lang, viewer, StatusCode::NOT_FOUND),
        _ => crate::error::ApiError::from(e).into_response(),
    }
}

/// A page's `?done=` after a form's success: which step it says was done.
#[derive(Deserialize)]
pub(super) struct Done {
    done: Option<String>,
}

#[derive(Deserialize)]
struct CaseFilter {
    state: Option<String>,
    program: Option<String>,
    cursor: Option<String>,
}

/// One case as the list shows it.
struct CaseLine {
    case_id: CaseId,
    program: String,
    firm_id: i64,
    state: &'static str,
    requested: String,
    approved: String,
    bank: String,
    decided_on: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    f: Frame,
    states: Vec<(&'static str, &'static str, bool)>,
    /// The programmes to filter by: (id, name, chosen).
    programmes: Vec<(String, String, bool)>,
    error: Option<&'static str>,
    rows: Vec<CaseLine>,
    next: Option<String>,
}

/// Cases per page of the list.
const CASES_PER_PAGE: i64 = 50;

async fn cases(
    State(state): State<AppState>,
    Query(q): Query<CaseFilter>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
) -> Result<Response, Response> {
    let t = Ui::of(lang.lang);
    let chosen = q.state.as_deref().filter(|s| !s.is_empty());
    let wanted = chosen.map(CaseState::parse);
    let after = match q.cursor.as_deref().map(str::parse::<i64>) {
        None => 0,
        Some(Ok(n)) if n >= 0 => n,
        Some(_) => return Err(message(&lang, &viewer, StatusCode::BAD_REQUEST)),
    };
    let states = CaseState::ALL
        .iter()
        .map(|s| (s.as_str(), t.state(*s), Some(s.as_str()) == chosen))
        .collect();
    let catalog = state
        .services
        .catalog()
        .await
        .map_err(|e| service_error(&lang, &viewer, e))?;
    // Only a programme the catalogue knows is filtered by (anything else is no filter).
    let program = q
        .program
        .as_deref()
        .filter(|p| catalog.programs().iter().any(|c| c.id().as_str() == *p));
    let programmes = catalog
        .programs()
        .iter()
        .map(|p| {
            let id = p.id().as_str();
            (
                id.to_owned(),
                programme_name(&catalog, t, id),
                Some(id) == program,
            )
        })
        .collect();
    let (rows, error) = match wanted {
        Some(None) => (Vec::new(), Some(t.not_a_state)),
        _ => {
            let found = state
                .services
                .list_cases(
                    &viewer.user.name,
                    wanted.flatten(),
                    program,
                    after,
                    CASES_PER_PAGE,
                )
                .await
                .map_err(|e| service_error(&lang, &viewer, e))?;
            (found, None)
        }
    };
    let paging = crate::extract::Paging {
        limit: CASES_PER_PAGE,
        after,
    };
    let next = paging.next_after(&rows, |r| r.case_id.0).map(|last| {
        format!(
            "/cases?state={}&program={}&cursor={last}",
            chosen.unwrap_or_default(),
            program.unwrap_or_default()
        )
    });
    let rows = rows
        .iter()
        .map(|r| CaseLine {
            case_id: r.case_id,
            program: programme_name(&catalog, t, &r.program_id),
            firm_id: r.firm_id.0,
            state: t.state(r.state),
            requested: t.won(r.requested_won),
            approved: r.approved_won.map(|w| t.won(w)).unwrap_or_default(),
            bank: r.bank_code.clone().unwrap_or_default(),
            decided_on: r.decided_on.map(|d| t.date(d)).unwrap_or_default(),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let p = CasesPage {
        f: Frame::new(&lang, t.case_list, Some(&viewer)),
        states,
        programmes,
        error,
        rows,
        next,
    };
    Ok(page(&lang, status, p.render()))
}
