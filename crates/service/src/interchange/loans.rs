//! The `loans` file of FILES.md: loan executions reported by a bank (or loaded by the
//! Technopark from the banks' files). Key: `bank_code` + `loan_no`.

use jumpup_domain::date::Date;
use jumpup_domain::money::Won;
use jumpup_domain::pct::Pct;
use jumpup_domain::workflow::BankCode;

use super::{
    Column, Fields, RowError, Sheet, date, locate, pct, required_bank, required_text, won,
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
        en: "guarantee_no",
        ko: "보증번호",
        required: true,
    },
    Column {
        en: "principal_won",
        ko: "대출금액",
        required: true,
    },
    Column {
        en: "annual_rate_pct",
        ko: "대출금리",
        required: true,
    },
    Column {
        en: "executed_on",
        ko: "대출실행일",
        required: true,
    },
    Column {
        en: "maturity_on",
        ko: "만기일",
        required: true,
    },
];

/// One row of a loans file, in its parsed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanRecord {
    pub row: usize,
    pub bank: BankCode,
    pub loan_no: String,
    pub guarantee_no: String,
    pub principal: Won,
    pub rate: Pct,
    pub executed_on: Date,
    pub maturity_on: Date,
}

/// A loans file read.
pub type Parsed = super::Parsed<LoanRecord>;

/// Checks every row's form, reporting problems by row and column; a file with a missing
/// column is refused before any row is read.
pub fn parse(sheet: &Sheet) -> Result<Parsed, Vec<RowError>> {
    let located = locate(&sheet.headers, COLUMNS)?;
    let mut parsed = Parsed::new(located.warnings.clone());
    let mut seen = std::collections::HashMap::new();
    for row in &sheet.rows {
        let mut f = Fields::new(row, &located, COLUMNS);
        let bank = f.get("bank_code", required_bank);
        let loan_no = f.get("loan_no", required_text);
        let guarantee_no = f.get("guarantee_no", required_text);
        let principal = f.get("principal_won", won);
        let rate = f.get("annual_rate_pct", pct);
        let executed_on = f.get("executed_on", date);
        let maturity_on = f.get("maturity_on", date);
        let mut errors = f.errors;
        if let (Some(bank), Some(loan_no)) = (bank, &loan_no)
            && let Some(first) = seen.insert((bank, loan_no.clone()), row.number)
        {
            errors.push(RowError {
                row: row.number,
                column: "loan_no".into(),
                message: format!("{bank} {loan_no} repeats row {first}"),
            });
        }
        match (
            bank,
            loan_no,
            guarantee_no,
            principal,
            rate,
            executed_on,
            maturity_on,
        ) {
            (
                Some(bank),
                Some(loan_no),
                Some(guarantee_no),
                Some(principal),
                Some(rate),
                Some(executed_on),
                Some(maturity_on),
            ) if errors.is_empty() => {
                parsed.records.push(LoanRecord {
                    row: row.number,
                    bank,
                    loan_no,
                    guarantee_no,
                    principal,
                    rate,
                    executed_on,
                    maturity_on,
                });
            }
            _ => parsed.errors.extend(errors),
        }
    }
    Ok(parsed)
}
