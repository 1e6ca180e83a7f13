//! The `events` file of FILES.md: what happened to loans. Key: `bank_code` + `loan_no` + `on` +
//! `kind` + `seq`; a reporter without the bank's numbers (the Technopark, KIBO) gives
//! `guarantee_no` instead.

use jumpup_domain::loan::{Event, EventKind};
use jumpup_domain::workflow::BankCode;

use super::{Column, Fields, RowError, Sheet, bank_code, counter, date, locate, pct, text, won};

pub const COLUMNS: &[Column] = &[
    Column {
        en: "bank_code",
        ko: "은행코드",
        required: false,
    },
    Column {
        en: "loan_no",
        ko: "대출번호",
        required: false,
    },
    Column {
        en: "guarantee_no",
        ko: "보증번호",
        required: false,
    },
    Column {
        en: "on",
        ko: "발생일",
        required: true,
    },
    Column {
        en: "kind",
        ko: "구분",
        required: true,
    },
    Column {
        en: "amount_won",
        ko: "금액",
        required: false,
    },
    Column {
        en: "annual_rate_pct",
        ko: "금리",
        required: false,
    },
    Column {
        en: "seq",
        ko: "순번",
        required: false,
    },
];

/// How a row names its loan.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LoanRef {
    Bank { bank: BankCode, loan_no: String },
    Guarantee(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub row: usize,
    pub loan: LoanRef,
    pub event: Event,
    pub seq: i64,
}

/// A events file read.
pub type Parsed = super::Parsed<EventRecord>;

/// An event kind in English or Korean (FILES.md).
fn kind_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "repayment" | "상환" => "repayment",
        "rate_change" | "금리변경" => "rate_change",
        "arrears_start" | "연체시작" => "arrears_start",
        "arrears_end" | "연체해소" => "arrears_end",
        "relocation" | "관외이전" => "relocation",
        "closure" | "휴폐업" => "closure",
        "default" | "기한이익상실" | "보증사고" => "default",
        "ineligible" | "부정수급" => "ineligible",
        _ => return None,
    })
}

pub fn parse(sheet: &Sheet) -> Result<Parsed, Vec<RowError>> {
    let located = locate(&sheet.headers, COLUMNS)?;
    let mut parsed = Parsed::new(located.warnings.clone());
    let mut seen = std::collections::HashMap::new();
    for row in &sheet.rows {
        let mut f = Fields::new(row, &located, COLUMNS);
        let loan = match (
            bank_code(f.cell("bank_code")),
            text(f.cell("loan_no")),
            text(f.cell("guarantee_no")),
        ) {
            (Ok(Some(bank)), Some(loan_no), _) => Some(LoanRef::Bank { bank, loan_no }),
            (Err(m), _, _) => {
                f.fail("bank_code", m);
                None
            }
            (_, _, Some(g)) => Some(LoanRef::Guarantee(g)),
            _ => {
                f.fail("loan_no", "give bank_code and loan_no, or guarantee_no");
                None
            }
        };
        let on = f.get("on", date);
        let kind = text(f.cell("kind")).and_then(|k| kind_word(k.trim()));
        if kind.is_none() {
            f.fail(
                "kind",
                format!("must be one of: {}", EventKind::WORDS.join(", ")),
            );
        }
        let amount = text(f.cell("amount_won"));
        let rate = text(f.cell("annual_rate_pct"));
        let kind = match kind {
            Some("repayment") => f.get("amount_won", won).map(EventKind::Repayment),
            Some("rate_change") => f.get("annual_rate_pct", pct).map(EventKind::RateChange),
            Some(other) => {
                if amount.is_some() {
                    f.fail("amount_won", format!("a {other} event has no amount"));
                }
                if rate.is_some() {
                    f.fail("annual_rate_pct", format!("a {other} event has no rate"));
                }
                Some(match other {
                    "arrears_start" => EventKind::ArrearsStart,
                    "arrears_end" => EventKind::ArrearsEnd,
                    "relocation" => EventKind::Relocation,
                    "closure" => EventKind::Closure,
                    "default" => EventKind::Default,
                    _ => EventKind::Ineligible,
                })
            }
            None => None,
        };
        let seq = f.get("seq", counter);
        let mut errors = f.errors;
        if let (Some(loan), Some(on), Some(kind), Some(seq)) = (loan, on, kind, seq) {
            let key = (loan.clone(), on, kind.as_str(), seq);
            if let Some(first) = seen.insert(key, row.number) {
                errors.push(RowError {
                    row: row.number,
                    column: "seq".into(),
                    message: format!("repeats row {first}"),
                });
            } else if errors.is_empty() {
                parsed.records.push(EventRecord {
                    row: row.number,
                    loan,
                    event: Event { on, kind },
                    seq,
                });
            }
        }
        parsed.errors.extend(errors);
    }
    Ok(parsed)
}
