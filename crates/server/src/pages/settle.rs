//! Settlement pages: the batches with the preparation form (`tp`), a batch's totals per status
//! and bank, its lines filtered by bank and status, approval and rejection (by whoever the
//! services allow), and the payment and statement files. Every action is a form with the
//! session's CSRF token; the services check role and state again.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use jumpup_domain::ids::BatchId;
use serde::Deserialize;

use super::{Frame, PageLang, PageViewer, Ui, csrf_of, page, service_error};
use crate::state::AppState;
use jumpup_domain::settlement::{BatchState, Status};
use jumpup_service::sessions::Viewer;
use jumpup_service::settle::{APPROVE_ROLES, BatchSummary, PREPARE_ROLES, REJECT_ROLES, Totals};

/// A line's statuses as the filter offers them: the common first (the domain's precedence,
/// reversed).
fn statuses() -> impl Iterator<Item = Status> {
    Status::ALL.into_iter().rev()
}
/// Lines per page of a batch.
const LINES_PER_PAGE: i64 = 100;

#[derive(Template)]
#[template(path = "settlements.html")]
struct ListPage {
    f: Frame,
    csrf: String,
    may_prepare: bool,
    through: String,
    error: Option<String>,
    batches: Vec<(BatchId, String, &'static str)>,
}

async fn list_page(
    state: &AppState,
    lang: &PageLang,
    viewer: &Viewer,
    through: String,
    error: Option<(StatusCode, String)>,
) -> Response {
    let t = Ui::of(lang.lang);
    // Every batch, newest first (a programme settles monthly: a few dozen in its life).
    let mut batches = Vec::new();
    loop {
        let after = batches
            .last()
            .map_or(0, |b: &jumpup_service::settle::BatchRow| b.batch_id.0);
        match state
            .services
            .settle_list(&viewer.user.name, after, 200)
            .await
        {
            Ok(page) if page.is_empty() => break,
            Ok(page) => batches.extend(page),
            Err(e) => return service_error(lang, viewer, e),
        }
    }
    let p = ListPage {
        f: Frame::new(lang, t.settlements, Some(viewer)),
        csrf: csrf_of(viewer),
        may_prepare: PREPARE_ROLES.contains(&viewer.user.role),
        through,
        batches: batches
            .iter()
            .rev()
            .map(|b| (b.batch_id, t.date(b.through_on), t.batch_state(b.state)))
            .collect(),
        error: error.as_ref().map(|(_, e)| e.clone()),
    };
    page(lang, error.map_or(StatusCode::OK, |(s, _)| s), p.render())
}

pub(super) async fn list(
    State(state): State<AppState>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
) -> Result<Response, Response> {
    // The month just ended is the one to settle: its last day, unless chosen otherwise.
    let today = jumpup_service::korea_date(state.services.clock.now());
    let last_month_end = today.with_day(1).unwrap_or(today) - chrono::Days::new(1);
    Ok(list_page(&state, &lang, &viewer, last_month_end.to_string(), None).await)
}

#[derive(Deserialize)]
pub(super) struct PrepareForm {
    csrf: String,
    through: String,
}

pub(super) async fn prepare(
    State(state): State<AppState>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
    Form(form): Form<PrepareForm>,
) -> Result<Response, Response> {
    let t = Ui::of(lang.lang);
    // The role first: nothing of the form is read for someone who may not prepare.
    super::form_gate(&lang, &viewer, &form.csrf, PREPARE_ROLES)?;
    let through = match jumpup_service::fields::day(&form.through) {
        Ok(d) => d,
        Err(_) => {
            let error = Some((
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{}: {}", t.through, t.problem("through")),
            ));
            return Ok(list_page(&state, &lang, &viewer, form.through, error).await);
        }
    };
    let name = viewer.user.name.clone();
    let done = match state.job() {
        Ok(job) => {
            job.run(move |s| async move { s.settle_prepare(&name, through).await })
                .await
        }
        Err(busy) => Err(busy),
    };
    match done {
        Ok(batch) => Ok(Redirect::to(&format!("/settlements/{}", batch.batch_id)).into_response()),
        Err(e) => {
            let error = Some(super::form_refusal(&lang, &viewer, e)?);
            Ok(list_page(&state, &lang, &viewer, form.through, error).await)
        }
    }
}

#[derive(Deserialize)]
pub(super) struct LineFilter {
    bank: Option<String>,
    status: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "batch.html")]
struct BatchPage {
    f: Frame,
    csrf: String,
    batch_id: BatchId,
    state: &'static str,
    through: String,
    approved: bool,
    may_approve: bool,
    may_reject: bool,
    error: Option<String>,
    totals: Vec<String>,
    by_status: Vec<(&'static str, Vec<String>)>,
    by_bank: Vec<(String, Vec<String>)>,
    bank: String,
    status: &'static str,
    statuses: Vec<(&'static str, &'static str)>,
    lines: Vec<Vec<String>>,
    next: Option<String>,
}

fn cells(t: &Ui, x: &Totals) -> Vec<String> {
    vec![
        x.lines.to_string(),
        t.won(x.claimed_won),
        t.won(x.computed_won),
        t.won(x.payable_won),
    ]
}

async fn batch_page(
    state: &AppState,
    lang: &PageLang,
    viewer: &Viewer,
    batch_id: BatchId,
    filter: &LineFilter,
    error: Option<(StatusCode, String)>,
) -> Response {
    let t = Ui::of(lang.lang);
    let summary: BatchSummary = match state
        .services
        .settle_show(&viewer.user.name, batch_id)
        .await
    {
        Ok(s) => s,
        Err(e) => return service_error(lang, viewer, e),
    };
    let bank = filter
        .bank
        .as_deref()
        .and_then(|b| jumpup_service::fields::bank(b).ok())
        .map(|b| b.as_str().to_owned());
    let status = filter.status.as_deref().and_then(Status::parse);
    let after = filter
        .cursor
        .as_deref()
        .and_then(|c| c.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0);
    let rows = match state
        .services
        .settle_lines(
            &viewer.user.name,
            batch_id,
            bank.as_deref(),
            status,
            after,
            LINES_PER_PAGE,
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return service_error(lang, viewer, e),
    };
    let paging = crate::extract::Paging {
        limit: LINES_PER_PAGE,
        after,
    };
    let next = paging.next_after(&rows, |(_, l)| l.line_no).map(|last| {
        format!(
            "/settlements/{batch_id}?bank={}&status={}&cursor={last}",
            bank.as_deref().unwrap_or_default(),
            status.map_or("", Status::as_str),
        )
    });
    let prepared = summary.state == BatchState::Prepared;
    let p = BatchPage {
        f: Frame::new(lang, t.batch, Some(viewer)),
        csrf: csrf_of(viewer),
        batch_id,
        state: t.batch_state(summary.state),
        through: t.date(summary.through),
        approved: summary.state == BatchState::Approved,
        may_approve: prepared && APPROVE_ROLES.contains(&viewer.user.role),
        may_reject: prepared && REJECT_ROLES.contains(&viewer.user.role),
        error: error.as_ref().map(|(_, e)| e.clone()),
        totals: cells(t, &summary.totals),
        by_status: summary
            .by_status
            .iter()
            .filter_map(|(s, x)| Some((t.line_status(Status::parse(s)?), cells(t, x))))
            .collect(),
        by_bank: summary
            .by_bank
            .iter()
            .map(|(b, x)| (b.clone(), cells(t, x)))
            .collect(),
        bank: bank.unwrap_or_default(),
        status: status.map_or("", Status::as_str),
        statuses: statuses().map(|s| (s.as_str(), t.line_status(s))).collect(),
        lines: rows
            .iter()
            .map(|(code, l)| {
                vec![
                    l.line_no.to_string(),
                    code.clone(),
                    l.loan_no.clone(),
                    format!("{} – {}", t.date(l.period_from), t.date(l.period_to)),
                    t.won(l.claimed.get()),
                    t.won(l.computed.get()),
                    t.won(l.paid_before.get()),
                    t.won(l.payable.get()),
                    t.line_status(l.status).to_owned(),
                ]
            })
            .collect(),
        next,
    };
    page(lang, error.map_or(StatusCode::OK, |(s, _)| s), p.render())
}

pub(super) async fn show(
    State(state): State<AppState>,
    Path(batch_id): Path<BatchId>,
    Query(q): Query<LineFilter>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
) -> Result<Response, Response> {
    Ok(batch_page(&state, &lang, &viewer, batch_id, &q, None).await)
}

#[derive(Deserialize)]
pub(super) struct DecideForm {
    csrf: String,
    reason: Option<String>,
    /// The approver's "I have checked the figures" (required to approve).
    confirm: Option<String>,
}

/// Approves (`reject` false) or rejects a batch, then shows it again (with the refusal, if any).
async fn decide(
    state: AppState,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
    batch_id: BatchId,
    form: DecideForm,
    reject: bool,
) -> Result<Response, Response> {
    let t = Ui::of(lang.lang);
    let allowed = if reject { REJECT_ROLES } else { APPROVE_ROLES };
    super::form_gate(&lang, &viewer, &form.csrf, allowed)?;
    let no_filter = LineFilter {
        bank: None,
        status: None,
        cursor: None,
    };
    // Paying public money takes a deliberate act: the box ticked, not a stray click.
    if !reject && form.confirm.as_deref() != Some("yes") {
        let error = Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            t.confirm_needed.to_owned(),
        ));
        return Ok(batch_page(&state, &lang, &viewer, batch_id, &no_filter, error).await);
    }
    let name = viewer.user.name.clone();
    let reason = form.reason.unwrap_or_default();
    let done = match state.job() {
        Ok(job) => {
            job.run(move |s| async move {
                if reject {
                    s.settle_reject(&name, batch_id, &reason).await
                } else {
                    s.settle_approve(&name, batch_id).await
                }
            })
            .await
        }
        Err(busy) => Err(busy),
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/settlements/{batch_id}")).into_response()),
        Err(e) => {
            let error = Some(super::form_refusal(&lang, &viewer, e)?);
            Ok(batch_page(&state, &lang, &viewer, batch_id, &no_filter, error).await)
        }
    }
}

pub(super) async fn approve(
    State(state): State<AppState>,
    Path(batch_id): Path<BatchId>,
    lang: PageLang,
    viewer: PageViewer,
    Form(form): Form<DecideForm>,
) -> Result<Response, Response> {
    decide(state, lang, viewer, batch_id, form, false).await
}

pub(super) async fn reject(
    State(state): State<AppState>,
    Path(batch_id): Path<BatchId>,
    lang: PageLang,
    viewer: PageViewer,
    Form(form): Form<DecideForm>,
) -> Result<Response, Response> {
    decide(state, lang, viewer, batch_id, form, true).await
}
