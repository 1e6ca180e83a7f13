//! The `cases` file of FILES.md: decided support cases (migration from earlier records, or
//! KIBO/TP batch decisions). This module reads and checks each row's form; the import service
//! checks it against the rules and the stored data.

use jumpup_domain::date::Date;
use jumpup_domain::grade::KiboGrade;
use jumpup_domain::money::Won;
use jumpup_domain::pct::Pct;
use jumpup_domain::regno::{BusinessNumber, CorporateNumber};
use jumpup_domain::workflow::BankCode;

use super::{
    Column, RowError, Sheet, bank_code, business_no, corporate_no, date, locate, pct,
    required_text, won,
};

pub const COLUMNS: &[Column] = &[
    Column {
        en: "business_no",
        ko: "사업자등록번호",
        required: true,
    },
    Column {
        en: "corporate_no",
        ko: "법인등록번호",
        required: false,
    },
    Column {
        en: "firm_name",
        ko: "기업명",
        required: true,
    },
    Column {
        en: "district",
        ko: "구군",
        required: true,
    },
    Column {
        en: "kibo_grade",
        ko: "기술등급",
        required: true,
    },
    Column {
        en: "program",
        ko: "사업",
        required: true,
    },
    Column {
        en: "decided_on",
        ko: "결정일",
        required: true,
    },
    Column {
        en: "guarantee_no",
        ko: "보증번호",
        required: true,
    },
    Column {
        en: "bank_code",
        ko: "은행코드",
        required: false,
    },
    Column {
        en: "coverage_pct",
        ko: "보증비율",
        required: true,
    },
    Column {
        en: "base_fee_rate_pct",
        ko: "기본보증료율",
        required: true,
    },
    Column {
        en: "approved_won",
        ko: "승인금액",
        required: true,
    },
];

/// One row of a cases file, in its parsed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub row: usize,
    pub business_no: BusinessNumber,
    pub corporate_no: Option<CorporateNumber>,
    pub firm_name: String,
    pub district: String,
    pub grade: KiboGrade,
    pub program: String,
    pub decided_on: Date,
    pub guarantee_no: String,
    pub bank: Option<BankCode>,
    pub coverage: Pct,
    pub base_fee_rate: Pct,
    pub approved: Won,
}

/// A cases file read.
pub type Parsed = super::Parsed<CaseRecord>;

/// Checks every row's form, reporting problems by row and column; a file with a missing
/// column is refused before any row is read.
pub fn parse(sheet: &Sheet) -> Result<Parsed, Vec<RowError>> {
    let super::Located { at, warnings } = locate(&sheet.headers, COLUMNS)?;
    let mut records = Vec::with_capacity(sheet.rows.len());
    let mut errors = super::RowErrors::default();
    let mut seen = std::collections::HashMap::new();
    for row in &sheet.rows {
        let mut fail = |column: &str, message: String| {
            errors.push(RowError {
                row: row.number,
                column: column.into(),
                message,
            })
        };
        let cell = |i: usize| {
            at[i]
                .and_then(|c| row.cells.get(c))
                .unwrap_or(&super::Cell::Empty)
        };
        macro_rules! field {
            ($i:expr, $parse:expr) => {
                match $parse(cell($i)) {
                    Ok(v) => Some(v),
                    Err(message) => {
                        fail(COLUMNS[$i].en, message);
                        None
                    }
                }
            };
        }
        let business = field!(0, business_no);
        let corporate = field!(1, corporate_no);
        let firm_name = field!(2, required_text);
        let district = field!(3, required_text);
        let grade = field!(4, |c| required_text(c)
            .and_then(|g| KiboGrade::parse(&g).map_err(|e| e.to_string())));
        let program = field!(5, required_text);
        let decided_on = field!(6, date);
        let guarantee_no = field!(7, required_text);
        let bank = field!(8, bank_code);
        let coverage = field!(9, pct);
        let base_fee_rate = field!(10, pct);
        let approved = field!(11, won);
        if let Some(g) = &guarantee_no
            && let Some(first) = seen.insert(g.clone(), row.number)
        {
            fail("guarantee_no", format!("{g} repeats row {first}"));
            continue;
        }
        if let (
            Some(business_no),
            Some(corporate_no),
            Some(firm_name),
            Some(district),
            Some(grade),
            Some(program),
            Some(decided_on),
            Some(guarantee_no),
            Some(bank),
            Some(coverage),
            Some(base_fee_rate),
            Some(approved),
        ) = (
            business,
            corporate,
            firm_name,
            district,
            grade,
            program,
            decided_on,
            guarantee_no,
            bank,
            coverage,
            base_fee_rate,
            approved,
        ) {
            records.push(CaseRecord {
                row: row.number,
                business_no,
                corporate_no,
                firm_name,
                district,
                grade,
                program,
                decided_on,
                guarantee_no,
                bank,
                coverage,
                base_fee_rate,
                approved,
            });
        }
    }
    Ok(Parsed {
        records,
        warnings,
        errors,
    })
}
