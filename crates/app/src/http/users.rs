//! Accounts over the API: a firm registers itself (no sign-in; the account starts inactive),
//! a `tp` user activates it, and `admin` users list and add users.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};
use super::session::user_json;
use super::{ApiQuery, AppState, Id, PageQuery, gate, json_body, new_firm};
use crate::fields;
use crate::service::ADMIN_ROLES;
use crate::service::identity::{NewScope, UserKey, hash_password};
use crate::service::sessions::Viewer;

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

/// `POST /api/v1/registrations`: a firm's new, inactive account.
pub async fn register(
    State(state): State<AppState>,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
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
        .await
        .map_err(|e| match e {
            crate::service::ServiceError::BadInput { field, message } if field == "name" => {
                ApiError::invalid("firm_name", message)
            }
            other => other.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "user_id": registered.user_id,
            "firm_id": registered.firm_id.0,
            "active": false,
        })),
    ))
}

/// `POST /api/v1/users/{id}/activate` (`tp` for firms' accounts, `admin` for any).
pub async fn activate(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
) -> ApiResult<axum::Json<Value>> {
    set_active(state, viewer, id, true).await
}

/// `POST /api/v1/users/{id}/deactivate`: the account's sessions end and its tokens are revoked.
pub async fn deactivate(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
) -> ApiResult<axum::Json<Value>> {
    set_active(state, viewer, id, false).await
}

/// `POST /api/v1/users/{id}/unlock`: lifts the account's sign-in locks and delays (`tp` for
/// firms' accounts, `admin` for any).
pub async fn unlock(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
) -> ApiResult<axum::Json<Value>> {
    let user = state
        .services
        .unlock_user(&viewer.user.name, UserKey::Id(id))
        .await?;
    Ok(axum::Json(with_active(&user)))
}

async fn set_active(
    state: AppState,
    viewer: Viewer,
    id: i64,
    active: bool,
) -> ApiResult<axum::Json<Value>> {
    let user = state
        .services
        .set_user_active(&viewer.user.name, UserKey::Id(id), active)
        .await?;
    Ok(axum::Json(with_active(&user)))
}

fn with_active(user: &jumpup_store::identity::User) -> Value {
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
    Ok(paging.page(&users, with_active, |u| u.user_id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
    role: String,
    bank_code: Option<String>,
    business_no: Option<String>,
    password: Option<String>,
}

/// `POST /api/v1/users` (`admin`): a user with one role, a bank's or a firm's when scoped.
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
    let hash = u
        .password
        .as_deref()
        .map(|p| hash_password(p, state.services.password_cost))
        .transpose()?;
    let id = state
        .services
        .add_user(
            Some(&viewer.user.name),
            &u.name,
            role,
            scope,
            hash.as_deref(),
        )
        .await
        .map_err(|e| match e {
            crate::service::ServiceError::BadInput { field, message } => {
                let field = match field.as_str() {
                    "NAME" => "name",
                    "--bank" => "bank_code",
                    "--firm" => "business_no",
                    "--role" => "role",
                    other => other,
                };
                ApiError::invalid(field, message)
            }
            other => other.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "user_id": id, "name": u.name.trim(), "role": role.as_str() })),
    ))
}
