//! What handlers take from a request, checked: a resource id, a query, a page of a list, a
//! JSON body, a role gate, a parsed field; each failure said in the API's error shape.

use axum::extract::Path;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// A resource id from the path, as the id type the handler names (`Id<CaseId>`, or `Id<i64>`
/// for records without one); anything but a non-negative integer is no such resource.
#[derive(Debug, Clone, Copy)]
pub struct Id<T>(pub T);

/// What an id in a path becomes.
pub trait PathId: Sized {
    fn of(n: i64) -> Self;
}

impl PathId for i64 {
    fn of(n: i64) -> i64 {
        n
    }
}

macro_rules! path_ids {
    ($($id:ident),*) => {$(
        impl PathId for jumpup_domain::ids::$id {
            fn of(n: i64) -> Self {
                jumpup_domain::ids::$id(n)
            }
        }
    )*};
}
path_ids!(CaseId, BatchId, FirmId, UserId);

impl<T: PathId, S: Send + Sync> axum::extract::FromRequestParts<S> for Id<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> ApiResult<Id<T>> {
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found())?;
        text.parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(|n| Id(T::of(n)))
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
pub(crate) fn gate(
    viewer: &jumpup_service::sessions::Viewer,
    roles: &[jumpup_domain::workflow::Role],
    what: &str,
) -> ApiResult<()> {
    Ok(jumpup_service::require_role(&viewer.user, roles, what)?)
}

/// A field parsed by one of [`jumpup_service::fields`]' parsers, or a 422 naming it.
pub(crate) fn field<T>(name: &str, parsed: Result<T, String>) -> ApiResult<T> {
    parsed.map_err(|e| ApiError::invalid(name, e))
}

/// A body that is only a reason (a rejection, a cancellation).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Reason {
    pub(crate) reason: String,
}

/// A firm's fields from a request body, parsed.
pub(crate) fn new_firm(
    business_no: &str,
    corporate_no: Option<&str>,
    name: String,
    address: String,
    district: String,
    industry_code: String,
) -> ApiResult<jumpup_service::identity::NewFirm> {
    Ok(jumpup_service::identity::NewFirm {
        business_no: field(
            "business_no",
            jumpup_service::fields::business_no(business_no),
        )?,
        corporate_no: corporate_no
            .filter(|c| !c.trim().is_empty())
            .map(|c| field("corporate_no", jumpup_service::fields::corporate_no(c)))
            .transpose()?,
        name,
        address,
        district,
        industry_code,
    })
}

/// A JSON request body, or a 422 naming what is wrong with it.
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
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
pub(crate) fn data_field(message: &str) -> String {
    ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|start| message.split_once(start))
        .and_then(|(_, rest)| rest.split('`').next())
        .unwrap_or_default()
        .to_owned()
}
