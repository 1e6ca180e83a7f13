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
    Column, Fields, RowError, Sheet, bank_code, business_no, corporate_no, date, locate, pct,
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
    let located = locate(&sheet.headers, COLUMNS)?;
    let mut records = Vec::with_capacity(sheet.rows.len());
    let mut errors = super::RowErrors::default();
    let mut seen = std::collections::HashMap::new();
    for row in &sheet.rows {
        let mut f = Fields::new(row, &located, COLUMNS);
        let business = f.get("business_no", business_no);
        let corporate = f.get("corporate_no", corporate_no);
        let firm_name = f.get("firm_name", required_text);
        let district = f.get("district", required_text);
        let grade = f.get("kibo_grade", |c| {
            required_text(c).and_then(|g| KiboGrade::parse(&g).map_err(|e| e.to_string()))
        });
        let program = f.get("program", required_text);
        let decided_on = f.get("decided_on", date);
        let guarantee_no = f.get("guarantee_no", required_text);
        let bank = f.get("bank_code", bank_code);
        let coverage = f.get("coverage_pct", pct);
        let base_fee_rate = f.get("base_fee_rate_pct", pct);
        let approved = f.get("approved_won", won);
        let repeated = guarantee_no
            .as_ref()
            .and_then(|g| Some((g, seen.insert(g.clone(), row.number)?)));
        if let Some((g, first)) = repeated {
            f.fail("guarantee_no", format!("{g} repeats row {first}"));
        }
        for e in f.errors {
            errors.push(e);
        }
        if repeated.is_some() {
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
        warnings: located.warnings,
        errors,
    })
}
