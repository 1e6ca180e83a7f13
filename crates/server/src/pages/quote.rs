//! The quote calculator page: a GET form (a quote changes nothing, so its address can be kept
//! and shared) checked by the same parser as `jumpup quote` and `POST /api/v1/quotes`, each
//! problem shown beside its field, and the result with every period's working.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Frame, PageLang, PageViewer, Ui, page, service_error};
use crate::state::AppState;
use jumpup_service::quote_json::{self, Detail};

/// A form field: its name, its label, where QUOTE.md puts it, whether it must be given.
type FieldSpec = (&'static str, fn(&Ui) -> &'static str, &'static str, bool);

const FIELDS: [FieldSpec; 9] = [
    ("program", |t| t.f_program, "program", true),
    ("decided_on", |t| t.f_decided_on, "decided_on", false),
    ("kibo_grade", |t| t.f_kibo_grade, "firm.kibo_grade", false),
    (
        "principal_won",
        |t| t.f_principal,
        "loan.principal_won",
        true,
    ),
    (
        "annual_rate_pct",
        |t| t.f_rate,
        "loan.annual_rate_pct",
        true,
    ),
    ("executed_on", |t| t.f_executed_on, "loan.executed_on", true),
    ("maturity_on", |t| t.f_maturity_on, "loan.maturity_on", true),
    (
        "coverage_pct",
        |t| t.f_coverage,
        "guarantee.coverage_pct",
        true,
    ),
    (
        "base_fee_rate_pct",
        |t| t.f_base_fee,
        "guarantee.base_fee_rate_pct",
        true,
    ),
];

const GRADES: [&str; 10] = ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D"];

struct Field {
    name: &'static str,
    label: &'static str,
    value: String,
    required: bool,
    inputmode: &'static str,
    choices: Vec<(String, String)>,
    error: Option<String>,
}

pub(super) struct Period {
    pub(super) span: String,
    pub(super) days: i64,
    pub(super) claim: String,
    pub(super) payment: String,
    pub(super) working: Vec<String>,
}

/// A quote as its page shows it.
pub(super) struct Breakdown {
    pub(super) summary: Vec<(&'static str, String)>,
    pub(super) fees: Vec<Vec<String>>,
    pub(super) periods: Vec<Period>,
    pub(super) warnings: Vec<String>,
}

#[derive(Template)]
#[template(path = "quote.html")]
struct QuotePage {
    f: Frame,
    fields: Vec<Field>,
    general: Vec<String>,
    result: Option<Breakdown>,
}

/// The quote request QUOTE.md describes, from the form's values (a number that does not read
/// as one is passed on as text, for the parser to name).
fn request(values: &std::collections::HashMap<String, String>) -> Value {
    let get = |k: &str| values.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let text = |k: &str| get(k).map_or(Value::Null, |v| json!(v));
    let principal = get("principal_won").map_or(Value::Null, |v| {
        v.replace(',', "")
            .parse::<i64>()
            .map_or_else(|_| json!(v), |n| json!(n))
    });
    json!({
        "program": text("program"),
        "decided_on": text("decided_on"),
        "firm": { "kibo_grade": text("kibo_grade") },
        "loan": {
            "principal_won": principal,
            "annual_rate_pct": text("annual_rate_pct"),
            "executed_on": text("executed_on"),
            "maturity_on": text("maturity_on"),
        },
        "guarantee": {
            "coverage_pct": text("coverage_pct"),
            "base_fee_rate_pct": text("base_fee_rate_pct"),
        },
    })
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

fn won_of(t: &Ui, v: &Value, k: &str) -> String {
    t.won(v[k].as_i64().unwrap_or_default())
}

fn span(t: &Ui, v: &Value) -> String {
    let date = |k: &str| {
        chrono::NaiveDate::parse_from_str(str_of(v, k), "%Y-%m-%d")
            .map(|d| t.date(d))
            .unwrap_or_default()
    };
    format!("{} – {}", date("from"), date("to"))
}

/// A period's working as an auditor redoes it: each balance segment, the exact sum, the
/// truncation and the payment.
fn working(t: &Ui, e: &Value) -> Vec<String> {
    let mut lines: Vec<String> = e["segments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            format!(
                "{} ({} {}): {} {} × {} {}% ÷ {}{}",
                span(t, s),
                s["days"].as_i64().unwrap_or_default(),
                t.days,
                t.balance,
                won_of(t, s, "base_won"),
                t.effective_rate,
                str_of(s, "effective_rate_pct"),
                s["year_days"].as_i64().unwrap_or_default(),
                if s["arrears"].as_bool() == Some(true) {
                    format!(" ({})", t.in_arrears)
                } else {
                    String::new()
                }
            )
        })
        .collect();
    lines.push(format!(
        "{}: {}/{} = {}",
        t.exact_sum,
        str_of(e, "sum_numerator"),
        str_of(e, "sum_denominator"),
        str_of(e, "sum_decimal")
    ));
    lines.push(format!(
        "{}: {}",
        t.truncated,
        won_of(t, e, "truncated_won")
    ));
    if e["forfeited"].as_bool() == Some(true) {
        lines.push(t.forfeited.to_owned());
    }
    lines.push(format!(
        "{} {}: {}",
        t.payment_unit,
        won_of(t, e, "payment_unit_won"),
        won_of(t, e, "payment_won")
    ));
    lines
}

pub(super) fn breakdown(t: &Ui, q: &Value) -> Breakdown {
    let g = &q["guarantee"];
    let s = &q["subsidy"];
    let subsidy_span = if s["to"].is_null() {
        t.no_subsidy.to_owned()
    } else {
        span(t, s)
    };
    Breakdown {
        summary: vec![
            (
                t.programme,
                format!(
                    "{} ({})",
                    str_of(&q["program"], "id"),
                    str_of(&q["program"], "version")
                ),
            ),
            (
                t.guaranteed,
                format!(
                    "{} ({}%)",
                    won_of(t, g, "guaranteed_won"),
                    str_of(g, "coverage_pct")
                ),
            ),
            (t.fee_total, won_of(t, g, "fee_total_won")),
            (t.refund, won_of(t, g, "refund_won")),
            (t.subsidy_span, subsidy_span),
            (
                t.end_reason,
                t.end_reason(str_of(s, "end_reason")).to_owned(),
            ),
            (t.claim_total, won_of(t, s, "claim_total_won")),
            (t.payment_total, won_of(t, s, "payment_total_won")),
            (t.reservation, won_of(t, s, "reservation_won")),
        ],
        fees: g["fees"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                vec![
                    f["year"].as_i64().unwrap_or_default().to_string(),
                    span(t, f),
                    f["days"].as_i64().unwrap_or_default().to_string(),
                    format!("{}%", str_of(f, "rate_pct")),
                    won_of(t, f, "fee_won"),
                ]
            })
            .collect(),
        periods: s["periods"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| Period {
                span: span(t, p),
                days: p["days"].as_i64().unwrap_or_default(),
                claim: won_of(t, p, "claim_won"),
                payment: won_of(t, p, "payment_won"),
                working: working(t, &p["explanation"]),
            })
            .collect(),
        warnings: q["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|w| w.as_str().map(str::to_owned))
            .collect(),
    }
}

pub(super) async fn quote(
    State(state): State<AppState>,
    Query(values): Query<std::collections::HashMap<String, String>>,
    lang: PageLang,
    PageViewer(viewer): PageViewer,
) -> std::result::Result<Response, Response> {
    let t = Ui::of(lang.lang);
    let catalog = state
        .services
        .catalog()
        .await
        .map_err(|e| service_error(&lang, &viewer, e))?;
    let submitted = values.contains_key("principal_won");
    // Unless chosen, the programme with the newest version: the one in force now.
    let newest = catalog
        .programs()
        .iter()
        .max_by_key(|p| p.versions().iter().map(|v| v.in_force_from).max())
        .map(|p| p.id().as_str().to_owned())
        .unwrap_or_default();
    let mut fields: Vec<Field> = FIELDS
        .iter()
        .map(|(name, label, _, required)| Field {
            name,
            label: label(t),
            value: match values.get(*name) {
                Some(v) => v.clone(),
                None if *name == "program" => newest.clone(),
                None => String::new(),
            },
            required: *required,
            inputmode: match *name {
                "principal_won" => "numeric",
                "annual_rate_pct" | "coverage_pct" | "base_fee_rate_pct" => "decimal",
                _ => "text",
            },
            choices: match *name {
                "program" => catalog
                    .programs()
                    .iter()
                    .map(|p| (p.id().as_str().to_owned(), p.id().as_str().to_owned()))
                    .collect(),
                "kibo_grade" => std::iter::once((String::new(), t.no_grade.to_owned()))
                    .chain(GRADES.iter().map(|g| ((*g).to_owned(), (*g).to_owned())))
                    .collect(),
                _ => Vec::new(),
            },
            error: None,
        })
        .collect();
    let mut general = Vec::new();
    let mut found = None;
    let mut status = StatusCode::OK;
    if submitted {
        let text = request(&values).to_string();
        match quote_json::parse(&text, &catalog) {
            Ok(request) => {
                let quote = jumpup_domain::quote::quote(&request.input);
                let value =
                    serde_json::to_value(quote_json::to_json(&request, &quote, Detail::Explained))
                        .unwrap_or(Value::Null);
                found = Some(breakdown(t, &value));
            }
            Err(problems) => {
                status = StatusCode::UNPROCESSABLE_ENTITY;
                for p in problems {
                    let at = FIELDS.iter().position(|(_, _, path, _)| {
                        p.field == *path || p.field.starts_with(&format!("{path}."))
                    });
                    match at.and_then(|i| fields.get_mut(i)) {
                        Some(field) if field.error.is_none() => field.error = Some(p.message),
                        Some(_) => {}
                        None => general.push(p.to_string()),
                    }
                }
            }
        }
    }
    let p = QuotePage {
        f: Frame::new(&lang, t.quote_calculator, Some(&viewer)),
        fields,
        general,
        result: found,
    };
    Ok(page(&lang, status, p.render()))
}
