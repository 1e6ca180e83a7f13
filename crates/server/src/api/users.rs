//! Accounts over the API: a firm registers itself (no sign-in; the account starts inactive),
//! a `tp` user activates it, and `admin` users list and add users.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use jumpup_domain::ids::UserId;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Id, PageQuery, gate, json_body, new_firm};
use crate::session::user_json;
use crate::state::AppState;
use jumpup_service::ADMIN_ROLES;
use jumpup_service::fields;
use jumpup_service::identity::{NewScope, UserKey};
use jumpup_service::sessions::Viewer;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Registration {
    business_no: String,
    corporate_no: Option<String>,
    firm_name: String,
    address: String,
    district: String,
    industry_code: String,
    user_name: String,
    password: String,
}

/// `POST /api/v1/registrations`: a firm's new, inactive account (a claim when the firm is
/// known: the answer is the same). Throttled per client address.
pub async fn register(
    State(state): State<AppState>,
    client: crate::state::ClientAddress,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    state.services.count_registration(&client.0).await?;
    let r: Registration = json_body(&body)?;
    let firm = new_firm(
        &r.business_no,
        r.corporate_no.as_deref(),
        r.firm_name,
        r.address,
        r.district,
        r.industry_code,
    )?;
    let registered = state
        .services
        .register_firm(&firm, &r.user_name, &r.password)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "user_id": registered.user_id,
            "active": false,
        })),
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Activation {
    /// For an account claiming a known firm: the evidence checked.
    evidence: Option<String>,
}

/// `POST /api/v1/users/{id}/activate [{"evidence"}]` (`tp` for firms' accounts, `admin` for
/// any; an account claiming a known firm needs the evidence checked).
pub async fn activate(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<UserId>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    use jumpup_service::identity::ACCOUNT_MANAGERS;
    gate(&viewer, ACCOUNT_MANAGERS, "activate accounts")?;
    state.services.require_user(id).await?;
    let a: Activation = if body.is_empty() {
        Activation::default()
    } else {
        json_body(&body)?
    };
    let user = state
        .services
        .set_user_active(
            &viewer.user.name,
            UserKey::Id(id),
            true,
            a.evidence.as_deref(),
        )
        .await?;
    Ok(axum::Json(with_active(&user)))
}

/// `POST /api/v1/users/{id}/deactivate`: the account's sessions end and its tokens are revoked.
pub async fn deactivate(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<UserId>,
) -> ApiResult<axum::Json<Value>> {
    let user = state
        .services
        .set_user_active(&viewer.user.name, UserKey::Id(id), false, None)
        .await?;
    Ok(axum::Json(with_active(&user)))
}

/// `POST /api/v1/users/{id}/unlock`: lifts the account's sign-in locks and delays (`tp` for
/// firms' accounts, `admin` for any).
pub async fn unlock(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<UserId>,
) -> ApiResult<axum::Json<Value>> {
    let user = state
        .services
        .unlock_user(&viewer.user.name, UserKey::Id(id))
        .await?;
    Ok(axum::Json(with_active(&user)))
}

/// `POST /api/v1/users/{id}/confirm` (`city` for officials' and administrators' accounts, `tp`
/// for banks' and firms'; not the administrator who made it): the account an administrator
/// proposed becomes active, and its one-time setup code is answered, once.
pub async fn confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<UserId>,
) -> ApiResult<axum::Json<Value>> {
    let (user, code) = state
        .services
        .confirm_user(&viewer.user.name, UserKey::Id(id))
        .await?;
    let mut v = with_active(&user);
    v["setup_code"] = json!(code);
    Ok(axum::Json(v))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Setup {
    name: String,
    setup_code: String,
    new_password: String,
}

/// `POST /api/v1/session/setup {"name", "setup_code", "new_password"}` (no sign-in): a
/// confirmed account's user sets the password with the setup code the confirmer handed over.
pub async fn set_up(State(state): State<AppState>, body: Bytes) -> ApiResult<axum::Json<Value>> {
    let s: Setup = json_body(&body)?;
    let user = state
        .services
        .set_up_password(&s.name, &s.setup_code, &s.new_password)
        .await
        .map_err(|e| match e {
            jumpup_service::ServiceError::BadInput { message, .. } => {
                ApiError::invalid("new_password", message)
            }
            other => other.into(),
        })?;
    Ok(axum::Json(with_active(&user)))
}

fn with_active(user: &jumpup_service::identity::User) -> Value {
    let mut v = user_json(user);
    v["active"] = json!(user.active);
    v
}

/// `GET /api/v1/users?limit=&cursor=` (`admin`).
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<axum::Json<Value>> {
    let paging = q.paging()?;
    let users = state
        .services
        .read_users(&viewer.user.name, paging.after, paging.limit)
        .await?;
    Ok(paging.page(&users, with_active, |u| u.user_id.0))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
    role: String,
    bank_code: Option<String>,
    business_no: Option<String>,
}

/// `POST /api/v1/users` (`admin`): proposes a user with one role, a bank's or a firm's when
/// scoped: inactive and without a password until a second person confirms it.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    gate(&viewer, ADMIN_ROLES, "add users")?;
    let u: NewUser = json_body(&body)?;
    let role = fields::role(&u.role).map_err(|e| ApiError::invalid("role", e))?;
    let scope = match (u.bank_code.as_deref(), u.business_no.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "business_no",
                "give a bank_code or a business_no, not both",
            ));
        }
        (Some(b), None) => {
            NewScope::Bank(fields::bank(b).map_err(|e| ApiError::invalid("bank_code", e))?)
        }
        (None, Some(f)) => {
            NewScope::Firm(fields::business_no(f).map_err(|e| ApiError::invalid("business_no", e))?)
        }
        (None, None) => NewScope::None,
    };
    let id = state
        .services
        .propose_user(&viewer.user.name, &u.name, role, scope)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "user_id": id,
            "name": u.name.trim(),
            "role": role.as_str(),
            "active": false,
            "awaiting_confirmation": true,
        })),
    ))
}
