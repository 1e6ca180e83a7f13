//! The quote contract of `QUOTE.md`: the JSON input, checked into the domain's values with a
//! field path for every problem, and the JSON output. The command line and (later) the HTTP
//! API both go through here, so they cannot disagree.

use jumpup_domain::date::{Date, parse_date};
use jumpup_domain::grade::KiboGrade;
use jumpup_domain::guarantee::GuaranteeSchedule;
use jumpup_domain::guarantee::GuaranteeTerms;
use jumpup_domain::loan::{Event, EventKind, EventProblem, History, Loan, LoanError, MAX_EVENTS};
use jumpup_domain::money::{AmountError, MAX_AMOUNT_WON, Won};
use jumpup_domain::pct::Pct;
use jumpup_domain::program::{Catalog, Program, Version};
use jumpup_domain::quote::{Quote, QuoteInput, Warning};
use jumpup_domain::rules::{self, Param, ParamSetError, Raw, VersionParams};
use jumpup_domain::subsidy::{Period, Subsidy};
use serde::Serialize;
use serde_json::{Map, Value};

/// One problem with the input: the path of the field at fault and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A checked quote request: the programme, the version in force and the domain input.
#[derive(Debug)]
pub struct Request<'c> {
    pub program: &'c Program,
    pub version: &'c Version,
    /// The `rules` overrides applied on top of the version, in name order.
    pub overrides: Vec<(Param, rules::Value)>,
    pub input: QuoteInput,
}

/// Where a problem sits in QUOTE.md's field order, so problems are reported in that order
/// whichever check found them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Root,
    Program,
    DecidedOn,
    Rules,
    Firm,
    Loan(u8),
    Guarantee(u8),
    Events,
    Event(usize, u8),
}

struct Problems(Vec<(Place, Problem)>);

impl Problems {
    fn add(&mut self, place: Place, field: impl Into<String>, message: impl Into<String>) {
        self.0.push((
            place,
            Problem {
                field: field.into(),
                message: message.into(),
            },
        ));
    }

    fn into_sorted(mut self) -> Vec<Problem> {
        self.0.sort_by_key(|(place, _)| *place); // stable: checks in order within a place
        self.0.into_iter().map(|(_, p)| p).collect()
    }
}

/// [`parse`] for a request as bytes: bytes that are not UTF-8 text are refused like
/// unreadable JSON, naming where the text stops being UTF-8.
pub fn parse_bytes<'c>(bytes: &[u8], catalog: &'c Catalog) -> Result<Request<'c>, Vec<Problem>> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text, catalog),
        Err(e) => Err(vec![Problem {
            field: String::new(),
            message: format!(
                "unreadable JSON: not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ),
        }]),
    }
}

/// Parses and checks a quote request (QUOTE.md "Input" and "Errors"). Every problem is
/// reported, in the order of the fields in QUOTE.md and events by index.
pub fn parse<'c>(text: &str, catalog: &'c Catalog) -> Result<Request<'c>, Vec<Problem>> {
    let mut problems = Problems(Vec::new());
    let mut root: Map<String, Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            problems.add(Place::Root, "", "must be a JSON object");
            return Err(problems.into_sorted());
        }
        Err(e) => {
            problems.add(Place::Root, "", format!("unreadable JSON: {e}"));
            return Err(problems.into_sorted());
        }
    };
    let program = program_of(take(&mut root, "program"), catalog, &mut problems);
    let decided_on = decided_on_of(take(&mut root, "decided_on"), program, &mut problems);
    let overrides = rule_overrides(take(&mut root, "rules"), &mut problems);
    let grade = grade_of(take(&mut root, "firm"), &mut problems);
    let loan = loan_of(take(&mut root, "loan"), program, &mut problems);
    let version = program.and_then(|p| p.version_on(decided_on.or(loan.executed_on)?));
    let params = version_params(version, &overrides, &mut problems);
    let terms = guarantee_of(take(&mut root, "guarantee"), params.as_ref(), &mut problems);
    let history = history_of(take(&mut root, "events"), &loan, &mut problems);
    match (program, version, params, loan.loan, terms, history) {
        (
            Some(program),
            Some(version),
            Some(params),
            Some(loan),
            Some(guarantee),
            Some(history),
        ) if problems.0.is_empty() => Ok(Request {
            program,
            version,
            overrides,
            input: QuoteInput {
                rules: params.rules,
                grade,
                loan,
                guarantee,
                history,
            },
        }),
        _ => {
            assert!(
                !problems.0.is_empty(),
                "invariant: a refused quote names a problem"
            );
            Err(problems.into_sorted())
        }
    }
}

/// `program`: a programme of the catalogue.
fn program_of<'c>(
    value: Option<Value>,
    catalog: &'c Catalog,
    problems: &mut Problems,
) -> Option<&'c Program> {
    match value {
        Some(Value::String(id)) => match catalog.get(&id) {
            Some(p) => Some(p),
            None => {
                problems.add(
                    Place::Program,
                    "program",
                    format!("unknown programme {id:?}"),
                );
                None
            }
        },
        Some(_) => {
            problems.add(Place::Program, "program", "must be a programme id string");
            None
        }
        None => {
            problems.add(Place::Program, "program", "is required");
            None
        }
    }
}

/// The programme's first day, when `day` falls before it.
fn before_first(program: Option<&Program>, day: Date) -> Option<Date> {
    program
        .filter(|p| day < p.first_day())
        .map(|p| p.first_day())
}

/// `decided_on`: optional, not before the programme's first version.
fn decided_on_of(
    value: Option<Value>,
    program: Option<&Program>,
    problems: &mut Problems,
) -> Option<Date> {
    match date_value(&value?) {
        Ok(day) => match before_first(program, day) {
            Some(first) => {
                problems.add(
                    Place::DecidedOn,
                    "decided_on",
                    format!("is before the programme's first version ({first})"),
                );
                None
            }
            None => Some(day),
        },
        Err(msg) => {
            problems.add(Place::DecidedOn, "decided_on", msg);
            None
        }
    }
}

/// `rules`: names and types now; the coverage range once the version is known.
fn rule_overrides(value: Option<Value>, problems: &mut Problems) -> Vec<(Param, rules::Value)> {
    let mut overrides = Vec::new();
    match value {
        None => {}
        Some(Value::Object(rules)) => {
            for (name, value) in &rules {
                if value.is_null() {
                    continue; // an optional field given as null counts as absent
                }
                let field = format!("rules.{name}");
                let Some(param) = Param::from_name(name).filter(|p| p.is_rule()) else {
                    problems.add(Place::Rules, field, "unknown rule parameter");
                    continue;
                };
                match param.parse_value(raw(value)) {
                    Ok(v) => overrides.push((param, v)),
                    Err(e) => problems.add(Place::Rules, field, e.to_string()),
                }
            }
        }
        Some(_) => problems.add(
            Place::Rules,
            "rules",
            "must be an object of rule parameters",
        ),
    }
    overrides
}

/// `firm.kibo_grade`: optional.
fn grade_of(value: Option<Value>, problems: &mut Problems) -> Option<KiboGrade> {
    match value? {
        Value::Object(mut firm) => match take(&mut firm, "kibo_grade")? {
            Value::String(g) => match KiboGrade::parse(&g) {
                Ok(g) => Some(g),
                Err(e) => {
                    problems.add(Place::Firm, "firm.kibo_grade", e.to_string());
                    None
                }
            },
            _ => {
                problems.add(
                    Place::Firm,
                    "firm.kibo_grade",
                    "must be a grade string such as \"BBB\"",
                );
                None
            }
        },
        _ => {
            problems.add(Place::Firm, "firm", "must be an object");
            None
        }
    }
}

/// The loan as read: the whole loan when every field holds, and the principal and execution
/// date on their own (the version and the events' checks need them even so).
struct LoanRead {
    principal: Option<Won>,
    executed_on: Option<Date>,
    loan: Option<Loan>,
}

/// `loan`: its four fields, each checked; a loan cannot predate its programme.
fn loan_of(value: Option<Value>, program: Option<&Program>, problems: &mut Problems) -> LoanRead {
    let map = object_or_empty(value, Place::Loan(0), "loan", problems);
    let principal = required(
        &map,
        "principal_won",
        "loan.principal_won",
        Place::Loan(0),
        problems,
        won_value,
    );
    let annual_rate = required(
        &map,
        "annual_rate_pct",
        "loan.annual_rate_pct",
        Place::Loan(1),
        problems,
        pct_value,
    );
    let executed_on = required(
        &map,
        "executed_on",
        "loan.executed_on",
        Place::Loan(2),
        problems,
        date_value,
    );
    // A loan cannot predate its programme; the date still serves the other checks.
    let executed_too_early = match executed_on.and_then(|day| before_first(program, day)) {
        Some(first) => {
            problems.add(
                Place::Loan(2),
                "loan.executed_on",
                format!("is before the programme's first version ({first})"),
            );
            true
        }
        None => false,
    };
    let maturity_on = required(
        &map,
        "maturity_on",
        "loan.maturity_on",
        Place::Loan(3),
        problems,
        date_value,
    );
    let loan = match (principal, annual_rate, executed_on, maturity_on) {
        (Some(p), Some(r), Some(e), Some(m)) => match Loan::new(p, r, e, m) {
            Ok(loan) => Some(loan),
            Err(err) => {
                let (place, field) = match err {
                    LoanError::PrincipalNotPositive => (Place::Loan(0), "loan.principal_won"),
                    LoanError::MaturityNotAfterExecution | LoanError::TooLong => {
                        (Place::Loan(3), "loan.maturity_on")
                    }
                };
                problems.add(place, field, err.to_string());
                None
            }
        },
        (_, _, Some(e), Some(m)) if m <= e => {
            problems.add(
                Place::Loan(3),
                "loan.maturity_on",
                LoanError::MaturityNotAfterExecution.to_string(),
            );
            None
        }
        _ => None,
    }
    .filter(|_| !executed_too_early);
    LoanRead {
        principal,
        executed_on,
        loan,
    }
}

/// The parameters of the version in force with the overrides applied; without a version only
/// an overridden coverage range can be checked (both ends given).
fn version_params(
    version: Option<&Version>,
    overrides: &[(Param, rules::Value)],
    problems: &mut Problems,
) -> Option<VersionParams> {
    let Some(version) = version else {
        let given = |p: Param| overrides.iter().find(|(q, _)| *q == p).map(|(_, v)| *v);
        if let (Some(rules::Value::Pct(min)), Some(rules::Value::Pct(max))) = (
            given(Param::GuaranteeCoveragePctMin),
            given(Param::GuaranteeCoveragePctMax),
        ) && min > max
        {
            problems.add(
                Place::Rules,
                format!("rules.{}", Param::GuaranteeCoveragePctMin.name()),
                ParamSetError::CoverageRange.reason(),
            );
        }
        return None;
    };
    if overrides.is_empty() {
        return Some(version.params.clone());
    }
    let mut set = version.params.to_set();
    for (param, value) in overrides {
        set.set(*param, *value);
    }
    match VersionParams::from_set(&set) {
        Ok(params) => Some(params),
        Err(e) => {
            problems.add(
                Place::Rules,
                format!("rules.{}", e.param().name()),
                e.reason(),
            );
            None
        }
    }
}

/// `guarantee`: coverage (within the version's range) and base fee rate.
fn guarantee_of(
    value: Option<Value>,
    params: Option<&VersionParams>,
    problems: &mut Problems,
) -> Option<GuaranteeTerms> {
    let map = object_or_empty(value, Place::Guarantee(0), "guarantee", problems);
    let coverage = required(
        &map,
        "coverage_pct",
        "guarantee.coverage_pct",
        Place::Guarantee(0),
        problems,
        pct_value,
    );
    let base_fee = required(
        &map,
        "base_fee_rate_pct",
        "guarantee.base_fee_rate_pct",
        Place::Guarantee(1),
        problems,
        pct_value,
    );
    let coverage = match (params, coverage) {
        (Some(params), Some(c)) => match GuaranteeTerms::check_coverage(c, &params.rules.guarantee)
        {
            Ok(()) => Some(c),
            Err(e) => {
                problems.add(Place::Guarantee(0), "guarantee.coverage_pct", e.to_string());
                None
            }
        },
        (_, c) => c,
    };
    match (params, coverage, base_fee) {
        (Some(params), Some(c), Some(f)) => GuaranteeTerms::new(c, f, &params.rules.guarantee).ok(),
        _ => None,
    }
}

/// `events`: each read, then the whole history checked against the loan whenever its
/// execution date is known (an unreadable principal only skips the balance check).
fn history_of(value: Option<Value>, loan: &LoanRead, problems: &mut Problems) -> Option<History> {
    let events = match value {
        None => Some(ParsedEvents::default()),
        Some(Value::Array(items)) if items.len() > MAX_EVENTS => {
            problems.add(
                Place::Events,
                "events",
                format!("at most {MAX_EVENTS} events"),
            );
            None
        }
        Some(Value::Array(items)) => parse_events(&items, problems),
        Some(_) => {
            problems.add(Place::Events, "events", "must be an array");
            None
        }
    };
    let (
        Some(executed_on),
        Some(ParsedEvents {
            events,
            indexes,
            dated_only,
        }),
    ) = (loan.executed_on, events)
    else {
        return None;
    };
    for (index, on) in dated_only {
        if on < executed_on {
            problems.add(
                Place::Event(index, 0),
                format!("events[{index}].on"),
                EventProblem::BeforeExecution.to_string(),
            );
        }
    }
    let principal = loan.principal.unwrap_or(Won::new(MAX_AMOUNT_WON));
    match History::new(principal, executed_on, &events) {
        Ok(h) => Some(h),
        Err(errors) => {
            for e in errors {
                let index = indexes[e.index];
                let (sub, name) = match e.problem {
                    EventProblem::BeforeExecution => (0, "on"),
                    EventProblem::ArrearsAlreadyOpen | EventProblem::NoArrearsOpen => (1, "kind"),
                    EventProblem::ExceedsBalance => (2, "amount_won"),
                };
                problems.add(
                    Place::Event(index, sub),
                    format!("events[{index}].{name}"),
                    e.problem.to_string(),
                );
            }
            None
        }
    }
}

/// The events whose own fields are well formed (with the input index of each), and the dates
/// of those that are not, so every event can still be checked against the execution date.
#[derive(Debug, Default)]
struct ParsedEvents {
    events: Vec<Event>,
    indexes: Vec<usize>,
    dated_only: Vec<(usize, Date)>,
}

/// Reads every event; the problems of malformed ones are recorded and the rest are kept, so
/// one bad event does not hide the problems of the others.
fn parse_events(items: &[Value], problems: &mut Problems) -> Option<ParsedEvents> {
    let mut parsed = ParsedEvents {
        events: Vec::with_capacity(items.len()),
        indexes: Vec::with_capacity(items.len()),
        dated_only: Vec::new(),
    };
    for (i, item) in items.iter().enumerate() {
        let at = |name: &str| format!("events[{i}].{name}");
        let Value::Object(map) = item else {
            problems.add(
                Place::Event(i, 0),
                format!("events[{i}]"),
                "must be an object",
            );
            continue;
        };
        let on = required(
            map,
            "on",
            &at("on"),
            Place::Event(i, 0),
            problems,
            date_value,
        );
        let kind = match map.get("kind").filter(|v| !v.is_null()) {
            Some(Value::String(k)) => match k.as_str() {
                "repayment" => required(
                    map,
                    "amount_won",
                    &at("amount_won"),
                    Place::Event(i, 2),
                    problems,
                    won_value,
                )
                .map(EventKind::Repayment),
                "rate_change" => required(
                    map,
                    "annual_rate_pct",
                    &at("annual_rate_pct"),
                    Place::Event(i, 3),
                    problems,
                    pct_value,
                )
                .map(EventKind::RateChange),
                "arrears_start" => Some(EventKind::ArrearsStart),
                "arrears_end" => Some(EventKind::ArrearsEnd),
                "relocation" => Some(EventKind::Relocation),
                "closure" => Some(EventKind::Closure),
                "default" => Some(EventKind::Default),
                "ineligible" => Some(EventKind::Ineligible),
                other => {
                    problems.add(
                        Place::Event(i, 1),
                        at("kind"),
                        format!(
                            "unknown event kind {other:?}; one of: {}",
                            EventKind::WORDS.join(", ")
                        ),
                    );
                    None
                }
            },
            Some(_) => {
                problems.add(
                    Place::Event(i, 1),
                    at("kind"),
                    "must be an event kind string",
                );
                None
            }
            None => {
                problems.add(Place::Event(i, 1), at("kind"), "is required");
                None
            }
        };
        match (on, kind) {
            (Some(on), Some(kind)) => {
                parsed.events.push(Event { on, kind });
                parsed.indexes.push(i);
            }
            (Some(on), None) => parsed.dated_only.push((i, on)),
            _ => {}
        }
    }
    Some(parsed)
}

/// A JSON value as a raw parameter value: strings and integers are what parameters take.
pub fn raw(value: &Value) -> Raw<'_> {
    match value {
        Value::String(s) => Raw::Str(s),
        Value::Number(n) => n.as_i64().map_or(Raw::Other("number"), Raw::Int),
        _ => Raw::Other("other"),
    }
}

/// Moves a field out of its object; `null` counts as absent (QUOTE.md).
fn take(map: &mut Map<String, Value>, key: &str) -> Option<Value> {
    map.remove(key).filter(|v| !v.is_null())
}

fn object_or_empty(
    value: Option<Value>,
    place: Place,
    field: &str,
    problems: &mut Problems,
) -> Map<String, Value> {
    match value {
        Some(Value::Object(map)) => map,
        None => Map::new(),
        Some(_) => {
            problems.add(place, field, "must be an object");
            Map::new()
        }
    }
}

/// A required field: absent or `null` is "is required", otherwise `parse` decides.
fn required<T>(
    map: &Map<String, Value>,
    key: &str,
    field: &str,
    place: Place,
    problems: &mut Problems,
    parse: fn(&Value) -> Result<T, String>,
) -> Option<T> {
    match map.get(key).filter(|v| !v.is_null()).map(parse) {
        Some(Ok(v)) => Some(v),
        Some(Err(msg)) => {
            problems.add(place, field, msg);
            None
        }
        None => {
            problems.add(place, field, "is required");
            None
        }
    }
}

fn pct_value(value: &Value) -> Result<Pct, String> {
    match value {
        Value::String(s) => Pct::parse(s).map_err(|e| e.to_string()),
        _ => Err("must be a percentage string such as \"4.5\", not a number".into()),
    }
}

fn date_value(value: &Value) -> Result<Date, String> {
    match value {
        Value::String(s) => parse_date(s).map_err(|e| e.to_string()),
        _ => Err("must be a date string written YYYY-MM-DD".into()),
    }
}

fn won_value(value: &Value) -> Result<Won, String> {
    let positive = "must be a positive integer";
    match value {
        Value::Number(n) => match n.as_i64() {
            Some(w) => Won::positive(w).map_err(|e| e.to_string()),
            None if n.is_u64() => Err(AmountError::TooLarge.to_string()),
            None => Err(positive.into()),
        },
        _ => Err(positive.into()),
    }
}

// Output

/// A date serialised as `YYYY-MM-DD` without an intermediate string.
struct D(Date);

impl Serialize for D {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A percentage serialised as its shortest exact decimal string.
struct P(Pct);

impl Serialize for P {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// Whether to add each period's working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Figures,
    Explained,
}

/// The places of the explanation's decimal.
pub const EXPLAIN_DECIMALS: usize = 10;

/// QUOTE.md's output object, serialised straight from the domain's values.
#[derive(Debug)]
pub struct QuoteJson<'a> {
    request: &'a Request<'a>,
    quote: &'a Quote,
    detail: Detail,
}

/// The quote as QUOTE.md's JSON object (`serde_json::to_writer` it, or `to_value`).
pub fn to_json<'a>(request: &'a Request<'a>, quote: &'a Quote, detail: Detail) -> QuoteJson<'a> {
    QuoteJson {
        request,
        quote,
        detail,
    }
}

impl Serialize for QuoteJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (g, sub) = (&self.quote.guarantee, &self.quote.subsidy);
        let explained = self.detail == Detail::Explained;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(
            "program",
            &ProgramOut {
                id: self.request.program.id().as_str(),
                version: D(self.request.version.in_force_from),
            },
        )?;
        m.serialize_entry("guarantee", &GuaranteeOut { g, explained })?;
        m.serialize_entry("subsidy", &SubsidyOut { s: sub, explained })?;
        let warnings: Vec<String> = self.quote.warnings.iter().map(|w| warning_en(*w)).collect();
        m.serialize_entry("warnings", &warnings)?;
        m.end()
    }
}

#[derive(Serialize)]
struct ProgramOut<'a> {
    id: &'a str,
    version: D,
}

struct GuaranteeOut<'a> {
    g: &'a GuaranteeSchedule,
    explained: bool,
}

impl Serialize for GuaranteeOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let g = self.g;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("coverage_pct", &P(g.coverage))?;
        m.serialize_entry("guaranteed_won", &g.guaranteed.get())?;
        let fees: Vec<FeeOut> = g
            .fees
            .iter()
            .map(|y| FeeOut {
                year: y.year,
                from: D(y.from),
                to: D(y.to),
                days: y.days,
                base_won: y.base.get(),
                rate_pct: P(y.rate),
                fee_won: y.fee.get(),
            })
            .collect();
        m.serialize_entry("fees", &fees)?;
        m.serialize_entry("fee_total_won", &g.fee_total.get())?;
        m.serialize_entry("refund_won", &g.refund_won().get())?;
        if let (true, Some(r)) = (self.explained, &g.refund) {
            m.serialize_entry(
                "refund_explanation",
                &RefundOut {
                    year: r.year,
                    repaid_on: D(r.repaid_on),
                    used_days: r.used_days,
                    used_won: r.used.get(),
                },
            )?;
        }
        m.end()
    }
}

#[derive(Serialize)]
struct FeeOut {
    year: u32,
    from: D,
    to: D,
    days: i64,
    base_won: i64,
    rate_pct: P,
    fee_won: i64,
}

#[derive(Serialize)]
struct RefundOut {
    year: u32,
    repaid_on: D,
    used_days: i64,
    used_won: i64,
}

struct SubsidyOut<'a> {
    s: &'a Subsidy,
    explained: bool,
}

impl Serialize for SubsidyOut<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let s = self.s;
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("from", &D(s.from))?;
        m.serialize_entry("to", &s.to.map(D))?;
        m.serialize_entry("end_reason", s.end_reason.as_str())?;
        let periods: Vec<PeriodOut> = s
            .periods
            .iter()
            .map(|p| PeriodOut {
                from: D(p.from),
                to: D(p.to),
                days: p.days,
                claim_won: p.claim.get(),
                payment_won: p.payment.get(),
                explanation: self.explained.then(|| explanation(s, p)),
            })
            .collect();
        m.serialize_entry("periods", &periods)?;
        m.serialize_entry("claim_total_won", &s.claim_total.get())?;
        m.serialize_entry("payment_total_won", &s.payment_total.get())?;
        m.serialize_entry("reservation_won", &s.reservation_total.get())?;
        m.end()
    }
}

#[derive(Serialize)]
struct PeriodOut {
    from: D,
    to: D,
    days: i64,
    claim_won: i64,
    payment_won: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<ExplanationOut>,
}

/// A claim period's working (`--explain`): enough to redo the claim by hand.
#[derive(Serialize)]
struct ExplanationOut {
    segments: Vec<SegmentOut>,
    /// The exact sum of the daily accruals, in lowest terms.
    sum_numerator: String,
    sum_denominator: String,
    /// The same sum as a decimal, truncated to [`EXPLAIN_DECIMALS`] places.
    sum_decimal: String,
    sum_decimal_is_exact: bool,
    /// The sum truncated to whole won (before any forfeiture).
    truncated_won: i64,
    forfeited: bool,
    claim_won: i64,
    payment_unit_won: i64,
    payment_won: i64,
}

#[derive(Serialize)]
struct SegmentOut {
    from: D,
    to: D,
    days: i64,
    balance_won: i64,
    base_won: i64,
    loan_rate_pct: P,
    effective_rate_pct: P,
    year_days: i64,
    arrears: bool,
}

fn explanation(subsidy: &Subsidy, period: &Period) -> ExplanationOut {
    let (numerator, denominator) = period.accrued.reduced();
    let (decimal, exact) = period.accrued.decimal(EXPLAIN_DECIMALS);
    ExplanationOut {
        segments: subsidy
            .segments_of(period)
            .iter()
            .map(|s| SegmentOut {
                from: D(s.from),
                to: D(s.to),
                days: s.days,
                balance_won: s.balance.get(),
                base_won: s.base.get(),
                loan_rate_pct: P(s.loan_rate),
                effective_rate_pct: P(s.effective_rate),
                year_days: s.year_days,
                arrears: s.arrears,
            })
            .collect(),
        sum_numerator: numerator.to_string(),
        sum_denominator: denominator.to_string(),
        sum_decimal: decimal,
        sum_decimal_is_exact: exact,
        truncated_won: period.accrued.truncate().get(),
        forfeited: subsidy.forfeited_on.is_some(),
        claim_won: period.claim.get(),
        payment_unit_won: subsidy.payment_unit.get(),
        payment_won: period.payment.get(),
    }
}

/// A warning in English, for the JSON contract.
pub fn warning_en(warning: Warning) -> String {
    match warning {
        Warning::PrincipalAboveCap { .. } => "principal exceeds the subsidy cap".into(),
        Warning::Forfeited { on } => format!("ineligible on {on}: the whole subsidy is forfeited"),
        Warning::NoSubsidy => "this programme pays no interest subsidy".into(),
    }
}

/// QUOTE.md's error object for the first problem.
pub fn error_json(problems: &[Problem]) -> Value {
    let first = problems.first().expect("invariant: at least one problem");
    serde_json::json!({ "error": { "field": first.field, "message": first.message } })
}
