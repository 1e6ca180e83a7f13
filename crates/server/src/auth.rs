//! Who is asking. Every API route but login takes a [`Viewer`]: an `Authorization: Bearer`
//! token (banks' systems and tools) or the session cookie (people). A state-changing request
//! that rides on the cookie must also carry the session's CSRF token in `X-CSRF-Token`, so
//! another site cannot make a signed-in browser act; bearer requests carry no ambient
//! credential and need none.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};

use crate::error::ApiError;
use crate::state::AppState;
use jumpup_service::sessions::{Credential, Viewer};

/// The session cookie's name.
pub const COOKIE: &str = "jumpup_session";
/// The header a cookie-authenticated state-changing request echoes its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of the cookie `name`, if the request has one that is not empty.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
        .filter(|v| !v.is_empty())
}

/// The value of the session cookie, if the request has one.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, COOKIE)
}

fn bearer(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        // RFC 9110: the scheme is case-insensitive.
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty())
        .map(Some)
        .ok_or_else(|| ApiError::unauthenticated("the Authorization header must be `Bearer TOKEN`"))
}

/// Whether a method changes state (everything but GET, HEAD and OPTIONS).
fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The user id of the request's viewer, for the request log (filled in once known).
#[derive(Debug, Clone, Default)]
pub struct LoggedUser(pub std::sync::Arc<std::sync::OnceLock<i64>>);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, ApiError> {
        let credential = match bearer(&parts.headers)? {
            Some(token) => Credential::Token(token),
            None => Credential::Session(
                session_cookie(&parts.headers)
                    .ok_or_else(|| ApiError::unauthenticated("sign in first"))?,
            ),
        };
        let viewer = state.services.authenticate(credential).await?;
        if let Some(session) = &viewer.session
            && changes_state(&parts.method)
        {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !sent.is_some_and(|t| constant_time_eq(t.as_bytes(), session.csrf_token.as_bytes()))
            {
                return Err(ApiError::forbidden(
                    "csrf_token_missing",
                    "a change made with the session cookie needs the session's X-CSRF-Token header",
                ));
            }
        }
        if let Some(slot) = parts.extensions.get::<LoggedUser>() {
            let _ = slot.0.set(viewer.user.user_id.0);
        }
        Ok(viewer)
    }
}

/// Compares two secrets in time that does not depend on where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
