//! The `events` file of FILES.md: what happened to loans. Key: `bank_code` + `loan_no` + `on` +
//! `kind` + `seq`; a reporter without the bank's numbers (the Technopark, KIBO) gives
//! `guarantee_no` instead.

use jumpup_domain::loan::{Event, EventKind};
use jumpup_domain::workflow::BankCode;

use super::{
    Cell, Column, Located, RowError, Sheet, bank_code, counter, date, locate, pct, text, won,
};

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
    let Located { at, warnings } = locate(&sheet.headers, COLUMNS)?;
    let mut parsed = Parsed::new(warnings);
    let mut seen = std::collections::HashMap::new();
    for row in &sheet.rows {
        let cell = |i: usize| at[i].and_then(|c| row.cells.get(c)).unwrap_or(&Cell::Empty);
        let mut errors = Vec::new();
        let mut fail = |column: &str, message: String| {
            errors.push(RowError {
                row: row.number,
                column: column.into(),
                message,
            })
        };
        let loan = match (bank_code(cell(0)), text(cell(1)), text(cell(2))) {
            (Ok(Some(bank)), Some(loan_no), _) => Some(LoanRef::Bank { bank, loan_no }),
            (Err(m), _, _) => {
                fail("bank_code", m);
                None
            }
            (_, _, Some(g)) => Some(LoanRef::Guarantee(g)),
            _ => {
                fail(
                    "loan_no",
                    "give bank_code and loan_no, or guarantee_no".into(),
                );
                None
            }
        };
        let on = date(cell(3)).map_err(|m| fail("on", m)).ok();
        let kind = text(cell(4)).and_then(|k| kind_word(k.trim()));
        if kind.is_none() {
            fail(
                "kind",
                format!("must be one of: {}", EventKind::WORDS.join(", ")),
            );
        }
        let amount = text(cell(5));
        let rate = text(cell(6));
        let kind = match kind {
            Some("repayment") => match won(cell(5)) {
                Ok(w) => Some(EventKind::Repayment(w)),
                Err(m) => {
                    fail("amount_won", m);
                    None
                }
            },
            Some("rate_change") => match pct(cell(6)) {
                Ok(r) => Some(EventKind::RateChange(r)),
                Err(m) => {
                    fail("annual_rate_pct", m);
                    None
                }
            },
            Some(other) => {
                if amount.is_some() {
                    fail("amount_won", format!("a {other} event has no amount"));
                }
                if rate.is_some() {
                    fail("annual_rate_pct", format!("a {other} event has no rate"));
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
        let seq = counter(cell(7)).map_err(|m| fail("seq", m)).ok();
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
