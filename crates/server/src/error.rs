//! The API's one error shape: `{"error": {"field", "message", "code"}, "errors": [...]}` with
//! the status that says what went wrong (401 who are you, 403 not yours, 404 no such thing,
//! 409 not in this state or against the rules, 422 the input is wrong, 429 slow down). A 500
//! logs its cause and shows the client nothing internal.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use jumpup_service::refusal::Kind;
use jumpup_service::{Field, Reason, ServiceError};

/// One problem: the field at fault (`""` for the request as a whole), why, and a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub code: String,
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: Vec<FieldError>,
    /// Keys added beside `error` and `errors` (an import report's fields).
    pub extra: serde_json::Map<String, Value>,
    /// Seconds a client should wait before trying again (`Retry-After`, with 429 and 503).
    pub retry_after: Option<i64>,
    /// The services' reason, when this is their refusal (the pages say it in their language).
    pub reason: Option<Reason>,
}

/// How long a client refused for a busy server waits before trying again.
pub const BUSY_RETRY_SECONDS: i64 = 30;

impl ApiError {
    pub fn new(
        status: StatusCode,
        field: &str,
        code: &str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            errors: vec![FieldError {
                field: field.to_owned(),
                message: message.into(),
                code: code.to_owned(),
            }],
            extra: serde_json::Map::new(),
            retry_after: None,
            reason: None,
        }
    }

    /// The services' refusal: its status by its kind, its code and the field it concerns.
    pub fn refused(reason: Reason, message: impl Into<String>) -> ApiError {
        ApiError {
            reason: Some(reason),
            ..ApiError::new(
                refusal_status(reason.kind()),
                reason.field().map_or("", Field::json_name),
                reason.code(),
                message,
            )
        }
    }

    /// Several fields wrong at once (422, each `invalid`).
    pub fn invalid_fields(problems: impl IntoIterator<Item = (String, String)>) -> ApiError {
        ApiError {
            errors: problems
                .into_iter()
                .map(|(field, message)| FieldError {
                    field,
                    message,
                    code: "invalid".into(),
                })
                .collect(),
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "", "invalid", "")
        }
    }

    /// Every slot for long jobs is taken: try again shortly.
    pub fn busy() -> ApiError {
        ApiError {
            retry_after: Some(BUSY_RETRY_SECONDS),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "",
                "busy",
                "other imports or settlements are running; try again shortly",
            )
        }
    }

    pub fn unauthenticated(message: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "", "unauthenticated", message)
    }

    pub fn forbidden(code: &str, message: &str) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "", code, message)
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "", "not_found", "no such resource")
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, field, "invalid", message)
    }

    /// A service error whose field this route's body spells its own way (`FirmName` as
    /// `name` where the body is a firm's).
    pub fn with_field_named(e: ServiceError, field: Field, name: &str) -> ApiError {
        match e {
            ServiceError::BadInput { field: f, message } if f == field => {
                ApiError::invalid(name, message)
            }
            other => other.into(),
        }
    }
}

/// The status a kind of refusal is answered with.
fn refusal_status(kind: Kind) -> StatusCode {
    match kind {
        Kind::Unauthenticated => StatusCode::UNAUTHORIZED,
        Kind::Forbidden => StatusCode::FORBIDDEN,
        Kind::NotFound => StatusCode::NOT_FOUND,
        Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Kind::Conflict => StatusCode::CONFLICT,
        Kind::Throttled => StatusCode::TOO_MANY_REQUESTS,
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        use jumpup_service::StoreError;
        match e {
            ServiceError::Refused { reason, message } => ApiError::refused(reason, message),
            ServiceError::Throttled { reason, until } => {
                // Whole seconds, rounded up: a client waiting that long is heard.
                let millis = (until - chrono::Utc::now()).num_milliseconds();
                let seconds = ((millis + 999) / 1000).max(1);
                let message = match reason {
                    Reason::TooManyFailures => format!(
                        "this name is locked for this address after {} failed sign-ins; try \
                         again in {} minutes, or ask an administrator (firms: the Technopark) \
                         to unlock it",
                        jumpup_service::throttle::PAIR_LIMIT,
                        (seconds + 59) / 60
                    ),
                    Reason::TooManyRegistrations => format!(
                        "too many registrations from this address; try again in {} minutes",
                        (seconds + 59) / 60
                    ),
                    _ => format!(
                        "too many failed sign-ins for this name or from this address; try \
                         again in {seconds} seconds"
                    ),
                };
                ApiError {
                    retry_after: Some(seconds),
                    ..ApiError::refused(reason, message)
                }
            }
            ServiceError::BadInput { field, message } => {
                ApiError::invalid(field.json_name(), message)
            }
            ServiceError::Import(report) => {
                let mut extra = serde_json::Map::new();
                if let Value::Object(fields) = json!(report) {
                    extra = fields;
                }
                extra.remove("errors");
                ApiError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    errors: report
                        .errors
                        .iter()
                        .map(|r| FieldError {
                            field: if r.row == 0 {
                                String::new()
                            } else {
                                format!("rows[{}].{}", r.row, r.column)
                            },
                            message: r.message.clone(),
                            code: "invalid_row".into(),
                        })
                        .collect(),
                    extra,
                    retry_after: None,
                    reason: None,
                }
            }
            ServiceError::Store(StoreError::NotFound) => ApiError::not_found(),
            ServiceError::Store(StoreError::Conflict { constraint }) => ApiError::new(
                StatusCode::CONFLICT,
                "",
                "conflict",
                format!("conflicts with an existing record ({constraint})"),
            ),
            ServiceError::Store(other) => {
                tracing::error!(error = %other, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "",
                    "internal",
                    "the server could not complete the request",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let first = self.errors.first().cloned().unwrap_or(FieldError {
            field: String::new(),
            message: "error".into(),
            code: "error".into(),
        });
        let mut body = serde_json::Map::new();
        body.insert("error".into(), json!(first));
        body.insert("errors".into(), json!(self.errors));
        body.extend(self.extra);
        let mut response = (self.status, axum::Json(Value::Object(body))).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;
