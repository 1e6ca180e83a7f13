//! `/api/v1/session`: sign in (a new session cookie and its CSRF token), who am I, sign out,
//! and changing one's own password.

use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jumpup_service::identity::User;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{COOKIE, LoggedUser, session_cookie};
use crate::error::{ApiError, ApiResult};
use crate::extract::json_body;
use crate::state::AppState;
use jumpup_service::sessions::{ABSOLUTE_TIMEOUT, Viewer};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    name: String,
    password: String,
}

pub fn user_json(user: &User) -> Value {
    json!({
        "user_id": user.user_id,
        "name": user.name,
        "role": user.role.as_str(),
        "bank_code": user.bank.map(|b| b.to_string()),
        "firm_id": user.firm.map(|f| f.0),
    })
}

pub(crate) fn cookie(
    state: &AppState,
    value: &str,
    max_age_seconds: i64,
) -> ApiResult<HeaderValue> {
    let secure = if state.config.tls_proxy {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}"
    ))
    .map_err(|_| ApiError::invalid("", "a cookie could not be made"))
}

/// `POST /api/v1/session {"name", "password"}`: a new session (any session the client held
/// ends: the id rotates at every login).
pub async fn login(
    State(state): State<AppState>,
    Extension(logged): Extension<LoggedUser>,
    client: crate::state::ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let login: Login = json_body(&body)?;
    let opened = state
        .services
        .login(
            &login.name,
            &login.password,
            session_cookie(&headers),
            &client.0,
        )
        .await?;
    let _ = logged.0.set(opened.user.user_id.0);
    let set = cookie(&state, &opened.secret, ABSOLUTE_TIMEOUT.num_seconds())?;
    let body = json!({ "user": user_json(&opened.user), "csrf_token": opened.csrf_token });
    Ok(([(header::SET_COOKIE, set)], axum::Json(body)).into_response())
}

/// `GET /api/v1/session`: the viewer, and the session's CSRF token for later changes.
pub async fn show(viewer: Viewer) -> axum::Json<Value> {
    axum::Json(json!({
        "user": user_json(&viewer.user),
        "csrf_token": viewer.session.as_ref().map(|s| s.csrf_token.clone()),
    }))
}

/// `DELETE /api/v1/session`: signs out (the cookie is cleared).
pub async fn logout(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    let Some(session) = &viewer.session else {
        return Err(ApiError::invalid(
            "",
            "a token is not a session: there is nothing to sign out of",
        ));
    };
    state.services.logout(session).await?;
    let clear = cookie(&state, "", 0)?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    current_password: String,
    new_password: String,
}

/// `POST /api/v1/session/password {"current_password", "new_password"}`: every other session
/// of the user ends.
pub async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let change: NewPassword = json_body(&body)?;
    state
        .services
        .change_password(&viewer, &change.current_password, &change.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
