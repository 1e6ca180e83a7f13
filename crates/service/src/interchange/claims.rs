//! The `claims` file of FILES.md: a bank's subsidy claim for one loan and one claim period.
//! Import checks the form and the bank's scope only; whether a claim is payable is decided at
//! settlement, so every claim gets a recorded answer.

use jumpup_domain::date::Date;
use jumpup_domain::money::Won;
use jumpup_domain::workflow::BankCode;

use super::{
    Cell, Column, Fields, RowError, Sheet, counter, date, locate, required_bank, required_text,
    text,
};

pub const COLUMNS: &[Column] = &[
    Column {
        en: "bank_code",
        ko: "은행코드",
        required: true,
    },
    Column {
        en: "loan_no",
        ko: "대출번호",
        required: true,
    },
    Column {
        en: "period_from",
        ko: "청구시작일",
        required: true,
    },
    Column {
        en: "period_to",
        ko: "청구종료일",
        required: true,
    },
    Column {
        en: "claimed_won",
        ko: "청구금액",
        required: true,
    },
    Column {
        en: "revision",
        ko: "차수",
        required: false,
    },
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRecord {
    pub row: usize,
    pub bank: BankCode,
    pub loan_no: String,
    pub period_from: Date,
    pub period_to: Date,
    pub claimed: Won,
    pub revision: i64,
}

/// A claims file read.
pub type Parsed = super::Parsed<ClaimRecord>;

/// A claimed amount: a whole number of won, zero or more.
fn claimed(cell: &Cell) -> Result<Won, String> {
    match text(cell).as_deref().map(|s| s.replace(',', "")) {
        Some(s) if s == "0" => Ok(Won::ZERO),
        _ => super::won(cell),
    }
}

pub fn parse(sheet: &Sheet) -> Result<Parsed, Vec<RowError>> {
    let located = locate(&sheet.headers, COLUMNS)?;
    let mut parsed = Parsed::new(located.warnings.clone());
    let mut seen = std::collections::HashMap::new();
    for row in &sheet.rows {
        let mut f = Fields::new(row, &located, COLUMNS);
        let bank = f.get("bank_code", required_bank);
        let loan_no = f.get("loan_no", required_text);
        let from = f.get("period_from", date);
        let to = f.get("period_to", date);
        let amount = f.get("claimed_won", claimed);
        let revision = f.get("revision", counter);
        let mut errors = f.errors;
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.push(RowError {
                row: row.number,
                column: "period_to".into(),
                message: "must not be before period_from".into(),
            });
        }
        match (bank, loan_no, from, to, amount, revision) {
            (
                Some(bank),
                Some(loan_no),
                Some(period_from),
                Some(period_to),
                Some(claimed),
                Some(revision),
            ) if errors.is_empty() => {
                if let Some(first) =
                    seen.insert((bank, loan_no.clone(), period_from, revision), row.number)
                {
                    parsed.errors.push(RowError {
                        row: row.number,
                        column: "revision".into(),
                        message: format!("repeats row {first}"),
                    });
                } else {
                    parsed.records.push(ClaimRecord {
                        row: row.number,
                        bank,
                        loan_no,
                        period_from,
                        period_to,
                        claimed,
                        revision,
                    });
                }
            }
            _ => parsed.errors.extend(errors),
        }
    }
    Ok(parsed)
}
