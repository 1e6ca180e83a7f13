//! The case page: the case and its firm (for those who may read firms), the actions the viewer
//! may take now as forms (each with its fields and the errors beside them), the eligibility
//! checklist, the timeline from the audit log, the loan with its events, the claims and
//! payments line by line, and the quote from the loan's stored history with its working.
//! Every action posts to `/cases/{id}/{step}` with the session's CSRF token; the services
//! check role, scope and state again.

use jumpup_domain::ids::CaseId;
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jumpup_domain::loan::Loan;
use jumpup_domain::workflow::{Check, CheckItem, Command, Selection};
use serde_json::Value;

use super::form::Field;
use super::{Frame, PageLang, PageViewer, Ui, csrf_of, page, service_error};
use crate::state::AppState;
use jumpup_service::cases::CaseView;
use jumpup_service::documents::{DOCUMENT_UPLOADERS, MAX_DOCUMENT_BYTES, takes_documents};
use jumpup_service::fields;
use jumpup_service::quote_json::{self, Detail};
use jumpup_service::sessions::Viewer;

const GRADES: [&str; 10] = ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D"];

/// One action the viewer may take, as a form.
struct Action {
    step: &'static str,
    label: &'static str,
    fields: Vec<Field>,
    /// What the services refused when it was last sent.
    error: Option<String>,
}

struct CheckLine {
    item: &'static str,
    result: &'static str,
    met: Option<bool>,
    evidence: String,
}

struct Moment {
    when: String,
    by: &'static str,
    what: &'static str,
    detail: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    f: Frame,
    csrf: String,
    case_id: CaseId,
    state: &'static str,
    done: Option<&'static str>,
    facts: Vec<(&'static str, String)>,
    firm: Vec<(&'static str, String)>,
    actions: Vec<Action>,
    checks: Vec<CheckLine>,
    timeline: Vec<Moment>,
    loan: Vec<(&'static str, String)>,
    events: Vec<Vec<String>>,
    lines: Vec<Vec<String>>,
    result: Option<super::quote::Breakdown>,
    reads_documents: bool,
    /// (id, file name, size, uploaded at).
    documents: Vec<(i64, String, String, String)>,
    uploads_documents: bool,
    document_error: Option<String>,
    max_document_mib: usize,
}

/// The values and errors of the form sent last, to show again.
struct Sent<'a> {
    step: &'a str,
    values: &'a HashMap<String, String>,
    errors: HashMap<&'static str, String>,
    refusal: Option<String>,
}

/// The fields of a step's form, with the values a new form starts from.
fn fields_of(
    t: &Ui,
    step: &str,
    view: &CaseView,
    banks: &[(String, String)],
    today: chrono::NaiveDate,
) -> Vec<Field> {
    let row = &view.row;
    let id = |name: &str| format!("{step}-{name}");
    let field = |name: &'static str, label: &'static str, kind: &'static str, value: String| {
        Field::text(id(name), name, label, value).of_kind(kind)
    };
    let select = |name: &'static str, label: &'static str, choices: Vec<(String, String)>| {
        Field::select(id(name), name, label, choices)
    };
    match step {
        "select" => vec![
            select(
                "grade",
                t.f_kibo_grade,
                GRADES
                    .iter()
                    .map(|g| ((*g).to_owned(), (*g).to_owned()))
                    .collect(),
            ),
            field("coverage_pct", t.coverage, "text", "95".into()),
            field("base_fee_rate_pct", t.base_fee, "text", String::new()),
            field(
                "approved_won",
                t.approved_amount,
                "text",
                row.requested_won.to_string(),
            ),
            select("bank_code", t.bank, banks.to_vec()),
        ],
        "reject" => vec![field("reason", t.reason, "textarea", String::new())],
        "check" => {
            let unchecked = CheckItem::ALL
                .into_iter()
                .filter(|i| !view.checks.iter().any(|c| c.item == i.as_str() && c.met));
            vec![
                select(
                    "item",
                    t.check_item,
                    unchecked
                        .map(|i| (i.as_str().to_owned(), t.check_item(i).to_owned()))
                        .collect(),
                ),
                select(
                    "met",
                    t.check_result,
                    vec![
                        ("yes".into(), t.met.to_owned()),
                        ("no".into(), t.not_met.to_owned()),
                    ],
                ),
                field("evidence", t.evidence, "text", String::new()),
            ]
        }
        "issue-guarantee" => vec![field("guarantee_no", t.guarantee_no, "text", String::new())],
        "execute-loan" => vec![
            field("loan_no", t.loan_no, "text", String::new()),
            field(
                "principal_won",
                t.f_principal,
                "text",
                row.approved_won.unwrap_or_default().to_string(),
            ),
            field("annual_rate_pct", t.f_rate, "text", String::new()),
            field("executed_on", t.f_executed_on, "date", today.to_string()),
            field("maturity_on", t.f_maturity_on, "date", String::new()),
        ],
        _ => Vec::new(),
    }
}

/// A form's fields read one by one, each bad one noted with what the catalogue says of it.
struct Reader<'a> {
    t: &'static Ui,
    form: &'a HashMap<String, String>,
    errors: Vec<(&'static str, String)>,
}

impl Reader<'_> {
    fn take<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.form.get(name).map_or("", |v| v.trim());
        let problem = self.t.problem(name);
        parse(value)
            .map_err(|_| self.errors.push((name, problem.to_owned())))
            .ok()
    }
}

fn required(v: &str) -> Result<String, String> {
    if v.is_empty() {
        Err("is required".to_owned())
    } else {
        Ok(v.to_owned())
    }
}

/// The command a step's form asks for, or each bad field and why.
fn command(
    t: &'static Ui,
    step: &str,
    form: &HashMap<String, String>,
) -> Result<Command, Vec<(&'static str, String)>> {
    let mut r = Reader {
        t,
        form,
        errors: Vec::new(),
    };
    match read_command(step, &mut r) {
        Some(c) if r.errors.is_empty() => Ok(c),
        _ => Err(r.errors),
    }
}

/// Every field of the step's form is read (so every bad one is named) before any is used.
fn read_command(step: &str, r: &mut Reader<'_>) -> Option<Command> {
    match step {
        "submit" => Some(Command::Submit),
        "kibo-review" => Some(Command::TakeIntoReview),
        "eligibility-review" => Some(Command::StartEligibilityReview),
        "approve" => Some(Command::Approve),
        "withdraw" => Some(Command::Withdraw),
        "expire" => Some(Command::Expire),
        "reject" => r
            .take("reason", required)
            .map(|reason| Command::Reject { reason }),
        "issue-guarantee" => r
            .take("guarantee_no", required)
            .map(|guarantee_no| Command::IssueGuarantee { guarantee_no }),
        "select" => {
            let grade = r.take("grade", fields::grade);
            let coverage = r.take("coverage_pct", fields::pct);
            let base_fee_rate = r.take("base_fee_rate_pct", fields::pct);
            let approved_amount = r.take("approved_won", fields::won_grouped);
            let bank = r.take("bank_code", fields::bank);
            Some(Command::Select(Selection {
                grade: grade?,
                coverage: coverage?,
                base_fee_rate: base_fee_rate?,
                approved_amount: approved_amount?,
                bank: bank?,
            }))
        }
        "check" => {
            let item = r.take("item", fields::item);
            let met = r.take("met", |v| match v {
                "yes" => Ok(true),
                "no" => Ok(false),
                _ => Err("must be met or not met".to_owned()),
            });
            let evidence = r.take("evidence", |v| Ok::<_, String>(v.to_owned()));
            Some(Command::Check(Check {
                item: item?,
                met: met?,
                evidence: evidence?,
            }))
        }
        "execute-loan" => {
            let loan_no = r.take("loan_no", required);
            let principal = r.take("principal_won", fields::won_grouped);
            let rate = r.take("annual_rate_pct", fields::pct);
            let executed = r.take("executed_on", fields::day);
            let maturity = r.take("maturity_on", fields::day);
            let loan = Loan::new(principal?, rate?, executed?, maturity?)
                .map_err(|e| {
                    let (field, problem) = match e {
                        jumpup_domain::loan::LoanError::PrincipalNotPositive => {
                            ("principal_won", "principal_won")
                        }
                        _ => ("maturity_on", "loan_term"),
                    };
                    r.errors.push((field, r.t.problem(problem).to_owned()));
                })
                .ok()?;
            Some(Command::ExecuteLoan(jumpup_domain::workflow::LoanTerms {
                loan_no: loan_no?,
                loan,
            }))
        }
        _ => None,
    }
}

/// What an audit entry says beyond its action: the state it left, and for those who review the
/// case a reason, a check, a loan or an event.
fn detail(t: &Ui, e: &jumpup_domain::audit::Entry, full: bool) -> String {
    let after: Value = serde_json::from_str(&e.after).unwrap_or(Value::Null);
    let mut parts = Vec::new();
    if let Some(state) = after["state"]
        .as_str()
        .and_then(jumpup_domain::workflow::State::parse)
    {
        parts.push(format!("{}: {}", t.state_after, t.state(state)));
    }
    if !full {
        return parts.join(" · ");
    }
    if let Some(item) = after["check"]["item"].as_str().and_then(CheckItem::parse) {
        let met = if after["check"]["met"].as_bool() == Some(true) {
            t.met
        } else {
            t.not_met
        };
        parts.push(format!(
            "{} {met} ({})",
            t.check_item(item),
            after["check"]["evidence"].as_str().unwrap_or_default()
        ));
    }
    if let Some(principal) = after["loan"]["principal_won"].as_i64() {
        parts.push(format!(
            "{} {}, {} {}%",
            after["loan"]["loan_no"].as_str().unwrap_or_default(),
            t.won(principal),
            t.f_rate,
            after["loan"]["annual_rate_pct"]
                .as_str()
                .unwrap_or_default()
        ));
    }
    if let Some(kind) = after["kind"].as_str() {
        parts.push(format!(
            "{} {}",
            t.event_kind(kind),
            after["on"].as_str().unwrap_or_default()
        ));
    }
    if !e.reason.is_empty() {
        parts.push(format!("{}: {}", t.reason, e.reason));
    }
    parts.join(" · ")
}

/// The case's quote as the calculator shows it.
fn breakdown_of(t: &Ui, q: &jumpup_service::cases::CaseQuote) -> Option<super::quote::Breakdown> {
    let request = quote_json::Request {
        program: &q.program,
        version: &q.version,
        overrides: Vec::new(),
        input: q.input.clone(),
    };
    let value =
        serde_json::to_value(quote_json::to_json(&request, &q.quote, Detail::Explained)).ok()?;
    Some(super::quote::breakdown(t, &value))
}

async fn case_page(
    state: &AppState,
    lang: &PageLang,
    viewer: &Viewer,
    case_id: CaseId,
    done: Option<&str>,
    sent: Option<Sent<'_>>,
) -> Response {
    let t = Ui::of(lang.lang);
    let view = match state
        .services
        .read_case_view(&viewer.user.name, case_id)
        .await
    {
        Ok(v) => v,
        Err(e) => return service_error(lang, viewer, e),
    };
    let banks: Vec<(String, String)> = match state.services.read_banks().await {
        Ok(b) => b
            .into_iter()
            .map(|b| {
                (
                    b.code.as_str().to_owned(),
                    format!("{} {}", b.code.as_str(), b.name),
                )
            })
            .collect(),
        Err(e) => return service_error(lang, viewer, e),
    };
    let today = jumpup_service::korea_date(state.services.clock.now());
    let row = &view.row;
    let actions = Command::available(row.state, viewer.user.role)
        .into_iter()
        .map(|step| {
            let mut fields = fields_of(t, step, &view, &banks, today);
            let mut error = None;
            if let Some(sent) = sent.as_ref().filter(|s| s.step == step) {
                fields = fields
                    .into_iter()
                    .map(|f| f.sent(sent.values, &sent.errors))
                    .collect();
                error = sent.refusal.clone();
            }
            Action {
                step,
                label: t.step(step),
                fields,
                error,
            }
        })
        .collect();
    let mut facts = vec![
        (t.programme, row.program_id.clone()),
        (t.state, t.state(row.state).to_owned()),
        (t.requested, t.won(row.requested_won)),
    ];
    let optional = [
        (t.f_kibo_grade, row.grade.clone()),
        (
            t.coverage,
            row.coverage_pct.as_ref().map(|c| format!("{c}%")),
        ),
        (
            t.base_fee,
            row.base_fee_rate_pct.as_ref().map(|c| format!("{c}%")),
        ),
        (t.approved_amount, row.approved_won.map(|w| t.won(w))),
        (t.bank, row.bank_code.clone()),
        (t.decided_on, row.decided_on.map(|d| t.date(d))),
        (t.guarantee_no, row.guarantee_no.clone()),
        (t.waitlist_seq, row.waitlist_seq.map(|n| n.to_string())),
    ];
    facts.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    let firm = view
        .firm
        .as_ref()
        .map(|f| {
            vec![
                (t.firm, f.name.clone()),
                (t.business_no, f.business_no.to_string()),
                (t.district, f.district.clone()),
                (t.industry, f.industry_code.clone()),
                (t.address, f.address.clone()),
            ]
        })
        .unwrap_or_default();
    // A bank lends on the decision; the review behind it (evidence, reasons) is not its to read.
    let reviews = viewer.user.role != jumpup_domain::workflow::Role::Bank;
    let checks = CheckItem::ALL
        .into_iter()
        .filter(|_| reviews)
        .map(|item| {
            let last = view.checks.iter().rev().find(|c| c.item == item.as_str());
            CheckLine {
                item: t.check_item(item),
                result: match last.map(|c| c.met) {
                    Some(true) => t.met,
                    Some(false) => t.not_met,
                    None => t.not_checked,
                },
                met: last.map(|c| c.met),
                evidence: last.map(|c| c.evidence.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let timeline = view
        .timeline
        .iter()
        .map(|e| Moment {
            when: chrono::DateTime::parse_from_rfc3339(&e.at)
                .map(|at| t.moment(at.with_timezone(&chrono::Utc)))
                .unwrap_or_else(|_| e.at.clone()),
            by: fields::role(&e.role).map(|r| t.role(r)).unwrap_or("-"),
            what: t.action(&e.action),
            detail: detail(t, e, reviews),
        })
        .collect();
    let (loan, events) = match &view.loan {
        Some(l) => (
            vec![
                (t.loan_no, l.loan.loan_no.clone()),
                (t.bank, l.loan.bank_code.clone()),
                (t.f_principal, t.won(l.loan.principal_won)),
                (t.f_rate, format!("{}%", l.loan.annual_rate_pct)),
                (t.f_executed_on, t.date(l.loan.executed_on)),
                (t.f_maturity_on, t.date(l.loan.maturity_on)),
            ],
            l.events
                .iter()
                .map(|e| {
                    vec![
                        t.date(e.event.on),
                        t.event_kind(&e.event.kind).to_owned(),
                        e.event
                            .amount_won
                            .map(|w| t.won(w))
                            .or_else(|| e.event.annual_rate_pct.as_ref().map(|r| format!("{r}%")))
                            .unwrap_or_default(),
                        if e.cancelled {
                            t.cancelled.to_owned()
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let lines = view
        .lines
        .iter()
        .map(|(batch, _, through, l)| {
            vec![
                format!("#{batch} ({})", t.date(*through)),
                format!("{} – {}", t.date(l.period_from), t.date(l.period_to)),
                t.won(l.claimed.get()),
                t.won(l.computed.get()),
                t.won(l.payable.get()),
                t.line_status(l.status).to_owned(),
                l.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let result = view.quote.as_ref().and_then(|q| breakdown_of(t, q));
    let reads_documents = view.documents.is_some();
    let documents = view
        .documents
        .iter()
        .flatten()
        .map(|d| {
            let kib = (d.size_bytes + 1023) / 1024;
            (
                d.document_id,
                d.file_name.clone(),
                format!("{kib} KiB"),
                t.moment(d.uploaded_at),
            )
        })
        .collect();
    let document_error = sent
        .as_ref()
        .filter(|s| s.step == "document")
        .and_then(|s| s.refusal.clone());
    let status = match &sent {
        Some(s) if !s.errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        Some(s) if s.refusal.is_some() => StatusCode::CONFLICT,
        _ => StatusCode::OK,
    };
    let p = CasePage {
        f: Frame::new(lang, t.case_title, Some(viewer)),
        csrf: csrf_of(viewer),
        case_id,
        state: t.state(row.state),
        done: done.map(|d| t.step(d)).filter(|d| !d.is_empty()),
        facts,
        firm,
        actions,
        checks,
        timeline,
        loan,
        events,
        lines,
        result,
        reads_documents,
        documents,
        uploads_documents: DOCUMENT_UPLOADERS.contains(&viewer.user.role)
            && takes_documents(row.state),
        document_error,
        max_document_mib: MAX_DOCUMENT_BYTES / 1024 / 1024,
    };
    page(lang, status, p.render())
}

pub(super) async fn show(
    State(state): State<AppState>,
    Path(case_id): Path<CaseId>,
    Query(q): Query<super::Done>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
) -> Result<Response, Response> {
    Ok(case_page(&state, &lang, &viewer, case_id, q.done.as_deref(), None).await)
}

/// One workflow step sent by its form: on success back to the case page (which says it was
/// done); a bad field or a refusal shows the page again with the form as it was sent.
pub(super) async fn step(
    State(state): State<AppState>,
    Path((case_id, step)): Path<(CaseId, String)>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, Response> {
    let Some(step) = Command::NAMES.into_iter().find(|n| *n == step) else {
        return Ok(super::message(&lang, &viewer, StatusCode::NOT_FOUND));
    };
    let token = form.get("csrf").map(String::as_str).unwrap_or_default();
    super::form_gate(&lang, &viewer, token, Command::roles_of(step))?;
    let t = Ui::of(lang.lang);
    let command = match command(t, step, &form) {
        Ok(c) => c,
        Err(errors) => {
            let sent = Sent {
                step,
                values: &form,
                errors: errors.into_iter().collect(),
                refusal: None,
            };
            return Ok(case_page(&state, &lang, &viewer, case_id, None, Some(sent)).await);
        }
    };
    match state
        .services
        .case_command(&viewer.user.name, case_id, command)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{case_id}?done={step}")).into_response()),
        Err(e) => {
            let (_, refusal) = super::form_refusal(&lang, &viewer, e)?;
            let sent = Sent {
                step,
                values: &form,
                errors: HashMap::new(),
                refusal: Some(refusal),
            };
            Ok(case_page(&state, &lang, &viewer, case_id, None, Some(sent)).await)
        }
    }
}

/// A firm uploads a document with its case: the token first, nothing of the file read for
/// anyone else; a refused file is shown above the upload form.
pub(super) async fn upload_document(
    State(state): State<AppState>,
    Path(case_id): Path<CaseId>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
    mut parts: axum::extract::Multipart,
) -> Result<Response, Response> {
    super::multipart_token(&mut parts, &viewer).await?;
    if !DOCUMENT_UPLOADERS.contains(&viewer.user.role) {
        return Ok(super::message(&lang, &viewer, StatusCode::FORBIDDEN));
    }
    let bad = || StatusCode::BAD_REQUEST.into_response();
    let mut file = None;
    while let Some(field) = parts.next_field().await.map_err(|_| bad())? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or_default().to_owned();
            file = Some((name, field.bytes().await.map_err(|_| bad())?));
        }
    }
    let outcome = match file {
        None => Err(jumpup_service::ServiceError::bad_input(
            jumpup_service::Field::File,
            "is missing",
        )),
        Some((name, bytes)) => {
            state
                .services
                .add_document(&viewer.user.name, case_id, &name, &bytes)
                .await
        }
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{case_id}?done=document")).into_response()),
        Err(e) => {
            let (status, refusal) = super::form_refusal(&lang, &viewer, e)?;
            let values = HashMap::new();
            let sent = Sent {
                step: "document",
                values: &values,
                errors: HashMap::new(),
                refusal: Some(refusal),
            };
            let mut r = case_page(&state, &lang, &viewer, case_id, None, Some(sent)).await;
            *r.status_mut() = status;
            Ok(r)
        }
    }
}

/// `filename*` of a Content-Disposition header (RFC 5987): UTF-8, percent-encoded.
fn encoded_name(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One document of a case, downloaded as an attachment (never shown inline).
pub(super) async fn document(
    State(state): State<AppState>,
    Path((case_id, document_id)): Path<(CaseId, i64)>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
) -> Result<Response, Response> {
    use axum::http::header;
    let (doc, content) = state
        .services
        .read_document(&viewer.user.name, case_id, document_id)
        .await
        .map_err(|e| service_error(&lang, &viewer, e))?;
    let disposition = format!(
        "attachment; filename=\"document-{}\"; filename*=UTF-8''{}",
        doc.document_id,
        encoded_name(&doc.file_name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, doc.content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        content,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_names_its_file_in_utf8() {
        assert_eq!(
            encoded_name("사업 계획.pdf"),
            "%EC%82%AC%EC%97%85%20%EA%B3%84%ED%9A%8D.pdf"
        );
        assert_eq!(encoded_name("a\"b;.pdf"), "a%22b%3B.pdf");
    }

    #[test]
    fn every_step_has_a_label_in_both_languages() {
        for lang in [
            jumpup_service::i18n::Lang::Ko,
            jumpup_service::i18n::Lang::En,
        ] {
            for step in Command::NAMES {
                assert!(!Ui::of(lang).step(step).is_empty(), "{step}");
            }
        }
    }
}
