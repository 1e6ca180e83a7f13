//! The upload page: a FILES.md file sent by a form (`multipart/form-data`, with the session's
//! CSRF token first), imported all or nothing by the same service as `jumpup import` and the
//! upload API, and its report shown row by row.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{Frame, PageLang, PageViewer, Ui, csrf_of, message, page};
use crate::state::AppState;
use jumpup_service::ServiceError;
use jumpup_service::imports::{FileKind, ImportReport};
use jumpup_service::sessions::Viewer;

#[derive(Template)]
#[template(path = "uploads.html")]
struct UploadPage {
    f: Frame,
    csrf: String,
    kinds: Vec<(&'static str, &'static str)>,
    chosen: &'static str,
    report: Option<ImportReport>,
}

fn kind_label(t: &Ui, kind: FileKind) -> &'static str {
    match kind {
        FileKind::Cases => t.kind_cases,
        FileKind::Loans => t.kind_loans,
        FileKind::Events => t.kind_events,
        FileKind::Claims => t.kind_claims,
    }
}

/// The kinds of file the viewer may import.
pub(super) fn kinds_of(viewer: &Viewer) -> Vec<FileKind> {
    crate::uploads::KINDS
        .into_iter()
        .filter(|k| k.importers().contains(&viewer.user.role))
        .collect()
}

fn render(
    lang: &PageLang,
    viewer: &Viewer,
    chosen: Option<FileKind>,
    report: Option<ImportReport>,
) -> Response {
    let t = Ui::of(lang.lang);
    let kinds = kinds_of(viewer);
    if kinds.is_empty() {
        return message(lang, viewer, StatusCode::FORBIDDEN);
    }
    let status = match &report {
        Some(r) if !r.errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let p = UploadPage {
        f: Frame::new(lang, t.uploads, Some(viewer)),
        csrf: csrf_of(viewer),
        chosen: chosen
            .or(kinds.first().copied())
            .map_or("", FileKind::as_str),
        kinds: kinds
            .iter()
            .map(|k| (k.as_str(), kind_label(t, *k)))
            .collect(),
        report,
    };
    page(lang, status, p.render())
}

pub(super) async fn form(
    lang: PageLang,
    PageViewer(viewer): PageViewer,
) -> Result<Response, Response> {
    Ok(render(&lang, &viewer, None, None))
}

pub(super) async fn upload(
    State(state): State<AppState>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
    mut parts: Multipart,
) -> Result<Response, Response> {
    let bad = || StatusCode::BAD_REQUEST.into_response();
    super::multipart_token(&mut parts, &viewer).await?;
    // Nothing more is read for a viewer who may import no kind of file, nor the file of a
    // kind not theirs (the kind comes before the file in the form).
    let allowed = kinds_of(&viewer);
    if allowed.is_empty() {
        return Ok(message(&lang, &viewer, StatusCode::FORBIDDEN));
    }
    let mut kind = None;
    let mut file = None;
    while let Some(field) = parts.next_field().await.map_err(|_| bad())? {
        match field.name() {
            Some("kind") => {
                let text = field.text().await.map_err(|_| bad())?;
                match allowed.iter().find(|k| k.as_str() == text) {
                    Some(k) => kind = Some(*k),
                    None => return Ok(message(&lang, &viewer, StatusCode::FORBIDDEN)),
                }
            }
            Some("file") if kind.is_none() => return Err(bad()),
            Some("file") => {
                // The slot is taken before the file is read: a busy server reads nothing.
                let Ok(job) = state.job() else {
                    return Ok(message(&lang, &viewer, StatusCode::SERVICE_UNAVAILABLE));
                };
                let xlsx = field
                    .file_name()
                    .is_some_and(|n| n.to_ascii_lowercase().ends_with(".xlsx"))
                    || field
                        .content_type()
                        .is_some_and(|t| t.contains("spreadsheetml"));
                file = Some((field.bytes().await.map_err(|_| bad())?, xlsx, job));
            }
            _ => {}
        }
    }
    let Some(kind) = kind else {
        return Err(bad());
    };
    let refused = ImportReport::file_refused;
    let report = match file {
        None => refused(jumpup_service::interchange::RowError {
            row: 0,
            column: "file".into(),
            message: "is missing".into(),
        }),
        Some((bytes, xlsx, job)) => {
            match jumpup_service::interchange::read_bytes(Vec::from(bytes), xlsx) {
                Err(e) => refused(e),
                Ok(sheet) => {
                    let name = viewer.user.name.clone();
                    let done = job
                        .run(move |s| async move {
                            match s.import_sheet(&name, kind, sheet).await {
                                Err(ServiceError::Import(report)) => Ok(report),
                                other => other,
                            }
                        })
                        .await;
                    match done {
                        Ok(report) => report,
                        Err(e) if e.status == StatusCode::FORBIDDEN => {
                            return Ok(message(&lang, &viewer, e.status));
                        }
                        Err(e) => return Err(e.into_response()),
                    }
                }
            }
        }
    };
    Ok(render(&lang, &viewer, Some(kind), Some(report)))
}
