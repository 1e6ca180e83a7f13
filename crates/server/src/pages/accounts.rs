//! Accounts and applications: a firm registers itself (`/register`, no session), the
//! Technopark activates waiting firm accounts and an administrator manages users and banks
//! (`/accounts`), and a firm drafts an application (`/apply`). Each form shows the errors
//! beside its fields; the services check role and scope again.

use jumpup_domain::ids::UserId;
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jumpup_domain::workflow::Role;

use super::form::Field;
use super::{Frame, PageLang, PageViewer, Ui, csrf_of, page, same_origin};
use crate::error::ApiError;
use crate::state::AppState;
use jumpup_service::fields;
use jumpup_service::identity::{NewScope, UserKey};
use jumpup_service::sessions::Viewer;
use jumpup_service::{Field as ServiceField, ServiceError};

type Values = HashMap<String, String>;
type Errors = HashMap<&'static str, String>;

/// A form's value, trimmed.
fn value<'a>(values: &'a Values, name: &str) -> &'a str {
    values.get(name).map_or("", |v| v.trim())
}

/// A service's answer to a form: a bad field beside it (renamed from the service's name to the
/// form's, said from the catalogue), anything else as `form_refusal` says it (without a
/// session, as registration has none, above the form unless the server failed).
#[allow(
    clippy::result_large_err,
    reason = "the error is the page answered instead, built once per request"
)]
fn answer(
    lang: &PageLang,
    viewer: Option<&Viewer>,
    e: ServiceError,
    form_fields: &[ServiceField],
    errors: &mut Errors,
) -> Result<Option<String>, Response> {
    if let ServiceError::BadInput { field, .. } = &e
        && form_fields.contains(field)
    {
        let name = field.json_name();
        errors.insert(name, Ui::of(lang.lang).problem(name).to_owned());
        return Ok(None);
    }
    match viewer {
        Some(viewer) => super::form_refusal(lang, viewer, e).map(|(_, said)| Some(said)),
        None => {
            let e = ApiError::from(e);
            if e.status.is_server_error() {
                return Err(e.into_response());
            }
            Ok(Some(super::refusal(Ui::of(lang.lang), &e)))
        }
    }
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    f: Frame,
    done: bool,
    error: Option<String>,
    fields: Vec<Field>,
}

fn register_page(
    lang: &PageLang,
    status: StatusCode,
    sent: Option<(&Values, &Errors)>,
    error: Option<String>,
    done: bool,
) -> Response {
    let t = Ui::of(lang.lang);
    let today = jumpup_service::today();
    let districts = jumpup_domain::district::in_force_on(today)
        .into_iter()
        .map(|d| (d.to_owned(), d.to_owned()))
        .collect();
    let text = |name: &'static str, label| Field::text(name.into(), name, label, String::new());
    let fields = [
        text("business_no", t.business_no).required(),
        text("corporate_no", t.corporate_no),
        text("firm_name", t.firm_name)
            .required()
            .autocomplete("organization"),
        text("address", t.address).required(),
        Field::select("district".into(), "district", t.district, districts).required(),
        text("industry_code", t.industry_code).required(),
        text("user_name", t.user_name)
            .required()
            .autocomplete("username"),
        text("password", t.password)
            .of_kind("password")
            .required()
            .autocomplete("new-password"),
        text("password2", t.password_again)
            .of_kind("password")
            .required()
            .autocomplete("new-password"),
    ];
    let p = RegisterPage {
        f: Frame::new(lang, t.register_title, None),
        done,
        error,
        fields: fields
            .into_iter()
            .map(|f| match sent {
                Some((values, errors)) => f.sent(values, errors),
                None => f,
            })
            .collect(),
    };
    page(lang, status, p.render())
}

pub(super) async fn register_form(lang: PageLang, Query(q): Query<super::Done>) -> Response {
    register_page(&lang, StatusCode::OK, None, None, q.done.is_some())
}

/// A firm registers itself: the firm (unless known) and an inactive account.
pub(super) async fn register(
    State(state): State<AppState>,
    lang: PageLang,
    client: crate::state::ClientAddress,
    headers: HeaderMap,
    Form(values): Form<Values>,
) -> Result<Response, Response> {
    if !same_origin(&axum::http::Method::POST, &headers) {
        return Err(StatusCode::FORBIDDEN.into_response());
    }
    let t = Ui::of(lang.lang);
    let mut errors = Errors::new();
    if let Err(e) = state.services.count_registration(&client.0).await {
        let error = answer(&lang, None, e, &[], &mut errors)?;
        return Ok(register_page(
            &lang,
            StatusCode::TOO_MANY_REQUESTS,
            Some((&values, &errors)),
            error,
            false,
        ));
    }
    for name in [
        "business_no",
        "firm_name",
        "address",
        "district",
        "industry_code",
        "user_name",
        "password",
    ] {
        if value(&values, name).is_empty() {
            errors.insert(name, t.required_field.to_owned());
        }
    }
    let business_no = fields::business_no(value(&values, "business_no"));
    if let (Err(_), false) = (&business_no, errors.contains_key("business_no")) {
        errors.insert("business_no", t.problem("business_no").to_owned());
    }
    let corporate_no = match value(&values, "corporate_no") {
        "" => Ok(None),
        c => fields::corporate_no(c).map(Some),
    };
    if corporate_no.is_err() {
        errors.insert("corporate_no", t.problem("corporate_no").to_owned());
    }
    if values.get("password") != values.get("password2") {
        errors.insert("password2", t.passwords_differ.to_owned());
    }
    let mut error = None;
    if let (Ok(business_no), Ok(corporate_no), true) =
        (business_no, corporate_no, errors.is_empty())
    {
        let firm = jumpup_service::identity::NewFirm {
            business_no,
            corporate_no,
            name: value(&values, "firm_name").to_owned(),
            address: value(&values, "address").to_owned(),
            district: value(&values, "district").to_owned(),
            industry_code: value(&values, "industry_code").to_owned(),
        };
        let password = values.get("password").cloned().unwrap_or_default();
        match state
            .services
            .register_firm(&firm, value(&values, "user_name"), &password)
            .await
        {
            Ok(_) => return Ok(Redirect::to("/register?done=1").into_response()),
            Err(e) => {
                let form_fields = [
                    ServiceField::FirmName,
                    ServiceField::Address,
                    ServiceField::District,
                    ServiceField::IndustryCode,
                    ServiceField::UserName,
                    ServiceField::Password,
                ];
                error = answer(&lang, None, e, &form_fields, &mut errors)?;
            }
        }
    }
    Ok(register_page(
        &lang,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some((&values, &errors)),
        error,
        false,
    ))
}

/// One user as the administrator's list shows it.
struct UserLine {
    id: UserId,
    name: String,
    role: &'static str,
    scope: String,
    active: bool,
    itself: bool,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    f: Frame,
    csrf: String,
    done: Option<&'static str>,
    /// Firms' accounts waiting for activation: id, user, firm, business number, and whether
    /// it claims a firm already known.
    pending: Vec<(UserId, String, String, String, bool)>,
    /// Accounts an administrator made that wait for the viewer's confirmation: id, name,
    /// role, made by.
    proposed: Vec<(UserId, String, &'static str, String)>,
    /// The setup code of the account just confirmed (shown once): its name and the code.
    setup_code: Option<(String, String)>,
    /// Whether the viewer activates firms' accounts (`tp`, `admin`).
    manager: bool,
    admin: bool,
    /// Accounts locked out by failed sign-ins in the last seven days: id, name, how many
    /// times, the last time.
    lockouts: Vec<(UserId, String, i64, String)>,
    users: Vec<UserLine>,
    /// The next page of users.
    next: Option<String>,
    add_user: Vec<Field>,
    add_user_error: Option<String>,
    banks: Vec<(String, String)>,
    add_bank: Vec<Field>,
    add_bank_error: Option<String>,
}

/// Which form was sent back with its values and errors.
enum Sent<'a> {
    User(&'a Values, &'a Errors, Option<String>),
    Bank(&'a Values, &'a Errors, Option<String>),
}

/// Users per page of the administrator's list.
const USERS_PER_PAGE: i64 = 100;

async fn accounts_page(
    state: &AppState,
    lang: &PageLang,
    viewer: &Viewer,
    done: Option<&str>,
    after: i64,
    sent: Option<Sent<'_>>,
    confirmed: Option<(String, String)>,
) -> Response {
    let t = Ui::of(lang.lang);
    use jumpup_service::identity::{ACCOUNT_MANAGERS, CONFIRMERS};
    let role = viewer.user.role;
    if !ACCOUNT_MANAGERS.contains(&role) && !CONFIRMERS.contains(&role) {
        return super::message(lang, viewer, StatusCode::FORBIDDEN);
    }
    let s = &state.services;
    let mut pending = Vec::new();
    if ACCOUNT_MANAGERS.contains(&role) {
        match s.read_pending_accounts(&viewer.user.name).await {
            Ok(p) => pending = p,
            Err(e) => return super::service_error(lang, viewer, e),
        }
    }
    let mut proposed = Vec::new();
    if CONFIRMERS.contains(&role) {
        match s.read_proposed_accounts(&viewer.user.name).await {
            Ok(p) => proposed = p,
            Err(e) => return super::service_error(lang, viewer, e),
        }
    }
    let admin = viewer.user.role == Role::Admin;
    let mut users = Vec::new();
    let mut banks = Vec::new();
    let mut lockouts = Vec::new();
    if admin {
        match s.read_lockouts(&viewer.user.name).await {
            Ok(list) => {
                lockouts = list
                    .into_iter()
                    .map(|(id, name, times, last)| (id, name, times, t.moment(last)))
                    .collect();
            }
            Err(e) => return super::service_error(lang, viewer, e),
        }
        match s.read_users(&viewer.user.name, after, USERS_PER_PAGE).await {
            Ok(list) => users = list,
            Err(e) => return super::service_error(lang, viewer, e),
        }
        match s.read_banks().await {
            Ok(list) => banks = list,
            Err(e) => return super::service_error(lang, viewer, e),
        }
    }
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), t.role(*r).to_owned()))
        .collect();
    let text =
        |id: &str, name: &'static str, label| Field::text(id.into(), name, label, String::new());
    let mut add_user = vec![
        text("user-name", "name", t.user_name).required(),
        Field::select("user-role".into(), "role", t.role, roles),
        text("user-bank", "bank_code", t.bank_code),
        text("user-business-no", "business_no", t.business_no),
    ];
    let mut add_bank = vec![
        text("bank-code", "code", t.bank_code).required(),
        text("bank-name", "name", t.bank_name).required(),
    ];
    let (mut add_user_error, mut add_bank_error) = (None, None);
    match sent {
        Some(Sent::User(values, errors, e)) => {
            add_user = add_user
                .into_iter()
                .map(|f| f.sent(values, errors))
                .collect();
            add_user_error = e;
        }
        Some(Sent::Bank(values, errors, e)) => {
            add_bank = add_bank
                .into_iter()
                .map(|f| f.sent(values, errors))
                .collect();
            add_bank_error = e;
        }
        None => {}
    }
    let next = crate::extract::Paging {
        limit: USERS_PER_PAGE,
        after,
    }
    .next_after(&users, |u| u.user_id.0)
    .map(|last| format!("/accounts?after={last}"));
    let failed = add_user_error.is_some()
        || add_bank_error.is_some()
        || add_user.iter().chain(&add_bank).any(|f| f.error.is_some());
    let p = AccountsPage {
        f: Frame::new(lang, t.accounts, Some(viewer)),
        csrf: csrf_of(viewer),
        done: done.map(|d| match d {
            "deactivate" => t.deactivate,
            "unlock" => t.unlock,
            "user" => t.add_user,
            "bank" => t.add_bank,
            _ => t.activate,
        }),
        pending: pending
            .into_iter()
            .map(|(u, firm, bno, claim)| (u.user_id, u.name, firm, bno, claim))
            .collect(),
        proposed: proposed
            .into_iter()
            .map(|(u, by)| (u.user_id, u.name, t.role(u.role), by))
            .collect(),
        setup_code: confirmed,
        manager: ACCOUNT_MANAGERS.contains(&role),
        admin,
        lockouts,
        users: users
            .into_iter()
            .map(|u| UserLine {
                id: u.user_id,
                itself: u.user_id == viewer.user.user_id,
                role: t.role(u.role),
                scope: u
                    .bank
                    .map(|b| b.as_str().to_owned())
                    .or(u.firm.map(|f| format!("{} #{}", t.firm, f.0)))
                    .unwrap_or_default(),
                active: u.active,
                name: u.name,
            })
            .collect(),
        next,
        add_user,
        add_user_error,
        banks: banks
            .into_iter()
            .map(|b| (b.code.as_str().to_owned(), b.name))
            .collect(),
        add_bank,
        add_bank_error,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(lang, status, p.render())
}

#[derive(serde::Deserialize)]
pub(super) struct AccountsQuery {
    done: Option<String>,
    after: Option<String>,
}

pub(super) async fn accounts(
    State(state): State<AppState>,
    Query(q): Query<AccountsQuery>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
) -> Response {
    let after = match q.after.as_deref().map(str::parse::<i64>) {
        None => 0,
        Some(Ok(n)) if n >= 0 => n,
        Some(_) => return super::message(&lang, &viewer, StatusCode::BAD_REQUEST),
    };
    accounts_page(&state, &lang, &viewer, q.done.as_deref(), after, None, None).await
}

/// The accounts page just after a confirmation, with the account's one-time setup code.
async fn confirmed_page(
    state: &AppState,
    lang: &PageLang,
    viewer: &Viewer,
    name: String,
    code: String,
) -> Response {
    accounts_page(state, lang, viewer, None, 0, None, Some((name, code))).await
}

/// Activates or deactivates an account (`tp` firms' accounts, `admin` any).
pub(super) async fn set_active(
    State(state): State<AppState>,
    Path((user_id, change)): Path<(UserId, String)>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
    Form(values): Form<Values>,
) -> Result<Response, Response> {
    use jumpup_service::identity::{ACCOUNT_MANAGERS, CONFIRMERS};
    let s = &state.services;
    let who = UserKey::Id(user_id);
    if change == "confirm" {
        super::form_gate(&lang, &viewer, value(&values, "csrf"), CONFIRMERS)?;
        return match s.confirm_user(&viewer.user.name, who).await {
            // The setup code is shown once, on this answer, never in an address.
            Ok((user, code)) => Ok(confirmed_page(&state, &lang, &viewer, user.name, code).await),
            Err(e) => Ok(super::service_error(&lang, &viewer, e)),
        };
    }
    super::form_gate(&lang, &viewer, value(&values, "csrf"), ACCOUNT_MANAGERS)?;
    let evidence = Some(value(&values, "evidence")).filter(|e| !e.is_empty());
    let done = match change.as_str() {
        "activate" => {
            s.set_user_active(&viewer.user.name, who, true, evidence)
                .await
        }
        "deactivate" => s.set_user_active(&viewer.user.name, who, false, None).await,
        "unlock" => s.unlock_user(&viewer.user.name, who).await,
        _ => return Ok(super::message(&lang, &viewer, StatusCode::NOT_FOUND)),
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/accounts?done={change}")).into_response()),
        Err(e) => Ok(super::service_error(&lang, &viewer, e)),
    }
}

/// An administrator proposes a user with one role (a bank's with its code, a firm's with its
/// business number): inactive and without a password until a second person confirms it.
pub(super) async fn add_user(
    State(state): State<AppState>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
    Form(values): Form<Values>,
) -> Result<Response, Response> {
    super::form_gate(&lang, &viewer, value(&values, "csrf"), &[Role::Admin])?;
    let t = Ui::of(lang.lang);
    let mut errors = Errors::new();
    let role = fields::role(value(&values, "role"));
    let scope = match &role {
        Ok(Role::Bank) => fields::bank(value(&values, "bank_code"))
            .map(NewScope::Bank)
            .map_err(|e| ("bank_code", e)),
        Ok(Role::Firm) => fields::business_no(value(&values, "business_no"))
            .map(NewScope::Firm)
            .map_err(|e| ("business_no", e)),
        Ok(_) => Ok(NewScope::None),
        Err(e) => Err(("role", e.clone())),
    };
    let mut error = None;
    match (role, scope) {
        (Ok(role), Ok(scope)) => {
            match state
                .services
                .propose_user(&viewer.user.name, value(&values, "name"), role, scope)
                .await
            {
                Ok(_) => return Ok(Redirect::to("/accounts?done=user").into_response()),
                Err(e) => {
                    let form_fields = [
                        ServiceField::Name,
                        ServiceField::Bank,
                        ServiceField::Firm,
                        ServiceField::Role,
                    ];
                    error = answer(&lang, Some(&viewer), e, &form_fields, &mut errors)?;
                }
            }
        }
        (_, Err((field, _))) => {
            errors.insert(field, t.problem(field).to_owned());
        }
        (Err(_), _) => {
            errors.insert("role", t.problem("role").to_owned());
        }
    }
    Ok(accounts_page(
        &state,
        &lang,
        &viewer,
        None,
        0,
        Some(Sent::User(&values, &errors, error)),
        None,
    )
    .await)
}

/// An administrator adds a partner bank.
pub(super) async fn add_bank(
    State(state): State<AppState>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
    Form(values): Form<Values>,
) -> Result<Response, Response> {
    super::form_gate(&lang, &viewer, value(&values, "csrf"), &[Role::Admin])?;
    let t = Ui::of(lang.lang);
    let mut errors = Errors::new();
    let mut error = None;
    let name = value(&values, "name");
    if name.is_empty() {
        errors.insert("name", t.required_field.to_owned());
    }
    match fields::bank(value(&values, "code")) {
        Err(_) => {
            errors.insert("code", t.problem("code").to_owned());
        }
        Ok(_) if !errors.is_empty() => {}
        Ok(code) => match state.services.add_bank(&viewer.user.name, code, name).await {
            Ok(_) => return Ok(Redirect::to("/accounts?done=bank").into_response()),
            Err(e) => error = answer(&lang, Some(&viewer), e, &[ServiceField::Name], &mut errors)?,
        },
    }
    Ok(accounts_page(
        &state,
        &lang,
        &viewer,
        None,
        0,
        Some(Sent::Bank(&values, &errors, error)),
        None,
    )
    .await)
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    f: Frame,
    csrf: String,
    error: Option<String>,
    fields: Vec<Field>,
}

async fn apply_page(
    state: &AppState,
    lang: &PageLang,
    viewer: &Viewer,
    sent: Option<(&Values, &Errors)>,
    error: Option<String>,
) -> Response {
    let t = Ui::of(lang.lang);
    if !jumpup_service::cases::OPEN_CASE_ROLES.contains(&viewer.user.role) {
        return super::message(lang, viewer, StatusCode::FORBIDDEN);
    }
    let catalog = match state.services.catalog().await {
        Ok(c) => c,
        Err(e) => return super::service_error(lang, viewer, e),
    };
    let today = jumpup_service::korea_date(state.services.clock.now());
    // The programmes open today, the newest first.
    let mut open: Vec<_> = catalog
        .programs()
        .iter()
        .filter_map(|p| p.version_on(today).map(|v| (v.in_force_from, p)))
        .collect();
    open.sort_by_key(|(from, _)| std::cmp::Reverse(*from));
    let programmes = open
        .iter()
        .map(|(_, p)| {
            let name = if lang.lang == jumpup_service::i18n::Lang::Ko {
                p.name_ko()
            } else {
                p.name_en()
            };
            (
                p.id().as_str().to_owned(),
                format!("{name} ({})", p.id().as_str()),
            )
        })
        .collect();
    let fields = [
        Field::select("program".into(), "program", t.programme, programmes),
        Field::text(
            "requested_won".into(),
            "requested_won",
            t.requested_won,
            String::new(),
        )
        .required(),
    ];
    let failed = sent.is_some();
    let p = ApplyPage {
        f: Frame::new(lang, t.apply, Some(viewer)),
        csrf: csrf_of(viewer),
        error,
        fields: fields
            .into_iter()
            .map(|f| match sent {
                Some((values, errors)) => f.sent(values, errors),
                None => f,
            })
            .collect(),
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(lang, status, p.render())
}

pub(super) async fn apply_form(
    State(state): State<AppState>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
) -> Response {
    apply_page(&state, &lang, &viewer, None, None).await
}

/// A firm drafts an application; its case page follows.
pub(super) async fn apply(
    State(state): State<AppState>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
    Form(values): Form<Values>,
) -> Result<Response, Response> {
    let openers = jumpup_service::cases::OPEN_CASE_ROLES;
    super::form_gate(&lang, &viewer, value(&values, "csrf"), openers)?;
    let t = Ui::of(lang.lang);
    let mut errors = Errors::new();
    let mut error = None;
    match fields::won_grouped(value(&values, "requested_won")) {
        Err(_) => {
            errors.insert("requested_won", t.problem("requested_won").to_owned());
        }
        Ok(amount) => {
            match state
                .services
                .new_case(&viewer.user.name, value(&values, "program"), amount)
                .await
            {
                Ok(row) => {
                    return Ok(
                        Redirect::to(&format!("/cases/{}?done=apply", row.case_id)).into_response()
                    );
                }
                Err(e) => {
                    error = answer(
                        &lang,
                        Some(&viewer),
                        e,
                        &[ServiceField::Requested],
                        &mut errors,
                    )?;
                }
            }
        }
    }
    Ok(apply_page(&state, &lang, &viewer, Some((&values, &errors)), error).await)
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    f: Frame,
    name: String,
    error: Option<String>,
    done: bool,
}

/// The page where a confirmed account's user sets the password with the setup code.
pub(super) async fn setup_form(lang: PageLang) -> Response {
    let t = Ui::of(lang.lang);
    let p = SetupPage {
        f: Frame::new(&lang, t.setup, None),
        name: String::new(),
        error: None,
        done: false,
    };
    page(&lang, StatusCode::OK, p.render())
}

pub(super) async fn setup(
    State(state): State<AppState>,
    lang: PageLang,
    headers: HeaderMap,
    Form(values): Form<Values>,
) -> Result<Response, Response> {
    if !same_origin(&axum::http::Method::POST, &headers) {
        return Err(StatusCode::FORBIDDEN.into_response());
    }
    let t = Ui::of(lang.lang);
    let name = value(&values, "name").to_owned();
    let (status, error) = if values.get("password") != values.get("password2") {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(t.passwords_differ.to_owned()),
        )
    } else {
        match state
            .services
            .set_up_password(
                &name,
                value(&values, "setup_code"),
                value(&values, "password"),
            )
            .await
        {
            Ok(_) => (StatusCode::OK, None),
            Err(ServiceError::BadInput { .. }) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{}: {}", t.password, t.problem("password"))),
            ),
            Err(e) => {
                let e = crate::error::ApiError::from(e);
                if e.status.is_server_error() {
                    return Err(e.into_response());
                }
                (e.status, Some(super::refusal(t, &e)))
            }
        }
    };
    let p = SetupPage {
        f: Frame::new(&lang, t.setup, None),
        done: error.is_none(),
        name,
        error,
    };
    Ok(page(&lang, status, p.render()))
}
