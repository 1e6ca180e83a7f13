//! Files as they really arrive (FILES.md): CSV in UTF-8 (with or without BOM) or CP949, or the
//! first sheet of an XLSX workbook; headers in English or Korean, in any order, also as
//! decomposed Hangul from macOS; cells read exactly (no float ever becomes money). Rows are
//! numbered as a spreadsheet shows them: the header is row 1.

pub mod cases;
pub mod claims;
pub mod events;
pub mod loans;

use std::fmt;

use jumpup_domain::date::{Date, parse_date};
use jumpup_domain::money::Won;
use jumpup_domain::pct::Pct;
use jumpup_domain::regno::{BusinessNumber, CorporateNumber};
use jumpup_domain::workflow::BankCode;
use serde::Serialize;

/// The largest file read, and the most data rows.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
pub const MAX_ROWS: usize = 2_000_000;
/// The most an XLSX workbook may hold once decompressed (a guard against zip bombs).
pub const MAX_XLSX_UNCOMPRESSED_BYTES: u64 = 1024 * 1024 * 1024;

/// Refuses a workbook whose entries would decompress beyond the bound. The zip reader never
/// reads an entry past its declared size, so the declared sizes bound the real work.
fn check_uncompressed_size(bytes: &[u8], limit: u64) -> Result<(), RowError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| file_error(format!("not a readable XLSX workbook: {e}")))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| file_error(format!("not a readable XLSX workbook: {e}")))?;
        total = total.saturating_add(entry.size());
    }
    if total > limit {
        return Err(file_error(format!(
            "decompresses to more than {} MiB",
            limit / (1024 * 1024)
        )));
    }
    Ok(())
}

/// One cell as read: text from CSV, or a typed value from XLSX.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number cell, as its shortest exact decimal text (`4.5`, `1e20`).
    Number(String),
    /// A number cell formatted as a percentage (0.045 shown as 4.5%).
    Percent(String),
    Date(Date),
}

/// A data row with its spreadsheet number.
#[derive(Debug, Clone)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<Cell>,
}

/// A file's header and rows.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    /// The SHA-256 of the file's bytes (for the audit log).
    pub digest: String,
}

/// One problem: a row (0 for the whole file), a column, a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row == 0 {
            write!(f, "file: {}", self.message)
        } else {
            write!(f, "row {}, {}: {}", self.row, self.column, self.message)
        }
    }
}

pub fn file_error(message: impl Into<String>) -> RowError {
    RowError {
        row: 0,
        column: String::new(),
        message: message.into(),
    }
}

/// Reads a CSV or XLSX file (by its extension) into rows.
pub fn read(path: &std::path::Path) -> Result<Sheet, RowError> {
    let size = std::fs::metadata(path)
        .map_err(|e| file_error(format!("cannot read {}: {e}", path.display())))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(file_error("is larger than 512 MiB"));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| file_error(format!("cannot read {}: {e}", path.display())))?;
    let xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    read_bytes(bytes, xlsx)
}

/// Reads a file's bytes as XLSX or as CSV (an upload, or a file read from disk).
pub fn read_bytes(bytes: Vec<u8>, xlsx: bool) -> Result<Sheet, RowError> {
    if bytes.is_empty() {
        return Err(file_error("is empty"));
    }
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_FILE_BYTES {
        return Err(file_error("is larger than 512 MiB"));
    }
    let digest = crate::programs::digest_bytes(&bytes);
    let mut sheet = if xlsx {
        read_xlsx(bytes)?
    } else {
        read_csv(&bytes)?
    };
    sheet.digest = digest;
    if sheet.rows.len() > MAX_ROWS {
        return Err(file_error(format!("has more than {MAX_ROWS} rows")));
    }
    Ok(sheet)
}

/// UTF-8 (a BOM is dropped) or, failing that, CP949; anything else is an error.
fn decode(bytes: &[u8]) -> Result<String, RowError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::EUC_KR.decode(bytes);
    if had_errors {
        return Err(file_error("is neither UTF-8 nor CP949 text"));
    }
    Ok(text.into_owned())
}

pub fn read_csv(bytes: &[u8]) -> Result<Sheet, RowError> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| file_error(format!("unreadable header: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    let newlines: Vec<usize> = text
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| file_error(format!("record {}: unreadable CSV: {e}", i + 2)))?;
        // The line the record starts on, as a spreadsheet numbers rows (blank lines count),
        // from its byte offset (after CRLF the reader places a record at the LF before it and
        // its own line count is one short).
        let number = record.position().map_or(i + 2, |p| {
            newlines.partition_point(|&n| n <= p.byte() as usize) + 1
        });
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells = record
            .iter()
            .map(|c| {
                if c.trim().is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(c.trim().to_owned())
                }
            })
            .collect();
        rows.push(Row { number, cells });
    }
    Ok(Sheet {
        headers,
        rows,
        digest: String::new(),
    })
}

fn read_xlsx(bytes: Vec<u8>) -> Result<Sheet, RowError> {
    use calamine::{Data, Reader, Xlsx};
    check_uncompressed_size(&bytes, MAX_XLSX_UNCOMPRESSED_BYTES)?;
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| file_error(format!("not a readable XLSX workbook: {e}")))?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| file_error("has no sheet"))?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| file_error(format!("unreadable first sheet: {e}")))?;
    let styles = book.worksheet_style(&name).ok();
    let percent_at = |row: usize, col: usize| -> bool {
        styles.as_ref().is_some_and(|s| {
            s.get((row as u32, col as u32))
                .and_then(|st| st.number_format.as_ref())
                .is_some_and(|f| f.format_code.contains('%'))
        })
    };
    // Rows are numbered as the sheet shows them, wherever its used range starts.
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let mut lines = range.rows();
    let headers = lines
        .next()
        .ok_or_else(|| file_error("has no header row"))?
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let cells: Vec<Cell> =
            line.iter()
                .enumerate()
                .map(|(col, c)| match c {
                    Data::Empty => Cell::Empty,
                    Data::String(s) if s.trim().is_empty() => Cell::Empty,
                    Data::String(s) => Cell::Text(s.trim().to_owned()),
                    Data::Int(n) => Cell::Number(n.to_string()),
                    Data::Float(f) if percent_at(i + 1, col) => Cell::Percent(f.to_string()),
                    Data::Float(f) => Cell::Number(f.to_string()),
                    Data::DateTime(dt) => dt
                        .as_datetime()
                        .map_or(Cell::Text(dt.to_string()), |d| Cell::Date(d.date())),
                    Data::DateTimeIso(s) => parse_date(s.get(..10).unwrap_or(s))
                        .map_or(Cell::Text(s.clone()), Cell::Date),
                    other => Cell::Text(other.to_string()),
                })
                .collect();
        if cells.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        rows.push(Row {
            number: first_row + i + 2,
            cells,
        });
    }
    Ok(Sheet {
        headers,
        rows,
        digest: String::new(),
    })
}

/// Composes decomposed Hangul (NFD from macOS) into syllables; other text is unchanged.
pub fn compose_hangul(text: &str) -> String {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        let code = c as u32;
        if let Some(&last) = out.last() {
            let last = last as u32;
            // A leading consonant followed by a vowel: an LV syllable.
            if (0x1100..=0x1112).contains(&last) && (0x1161..=0x1175).contains(&code) {
                let syllable = 0xAC00 + ((last - 0x1100) * 21 + (code - 0x1161)) * 28;
                *out.last_mut().expect("invariant: not empty") =
                    char::from_u32(syllable).expect("invariant: a syllable");
                continue;
            }
            // An LV syllable followed by a trailing consonant: an LVT syllable.
            if (0xAC00..=0xD7A3).contains(&last)
                && (last - 0xAC00).is_multiple_of(28)
                && (0x11A8..=0x11C2).contains(&code)
            {
                let syllable = last + (code - 0x11A7);
                *out.last_mut().expect("invariant: not empty") =
                    char::from_u32(syllable).expect("invariant: a syllable");
                continue;
            }
        }
        out.push(c);
    }
    out.into_iter().collect()
}

/// A column the reader expects: its English name, its Korean name, whether it is required.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub en: &'static str,
    pub ko: &'static str,
    pub required: bool,
}

/// Where each expected column sits in a file, with a warning for each extra column.
#[derive(Debug, Clone)]
pub struct Located {
    pub at: Vec<Option<usize>>,
    pub warnings: Vec<String>,
}

/// Finds the expected columns among a file's headers; a missing required one is an error.
pub fn locate(headers: &[String], columns: &[Column]) -> Result<Located, Vec<RowError>> {
    let normal: Vec<String> = headers
        .iter()
        .map(|h| compose_hangul(h.trim()).to_ascii_lowercase())
        .collect();
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for col in columns {
        let at = normal.iter().position(|h| h == col.en || h == col.ko);
        if at.is_none() && col.required {
            errors.push(file_error(format!(
                "missing column {} ({})",
                col.en, col.ko
            )));
        }
        found.push(at);
    }
    let warnings = normal
        .iter()
        .enumerate()
        .filter(|(i, _)| !found.contains(&Some(*i)))
        .map(|(_, h)| format!("column {h:?} is not used"))
        .collect();
    if errors.is_empty() {
        Ok(Located {
            at: found,
            warnings,
        })
    } else {
        Err(errors)
    }
}

/// A cell's text for parsing, or `None` when empty.
pub fn text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Empty => None,
        Cell::Text(s) | Cell::Number(s) | Cell::Percent(s) => Some(s.clone()),
        Cell::Date(d) => Some(d.to_string()),
    }
}

fn scientific(s: &str) -> bool {
    s.bytes().any(|b| b == b'e' || b == b'E') && s.bytes().any(|b| b.is_ascii_digit())
}

/// A positive whole amount of won, with or without thousands separators.
pub fn won(cell: &Cell) -> Result<Won, String> {
    let s = text(cell).ok_or("is required")?;
    if scientific(&s) {
        return Err(format!(
            "{s:?} is in scientific notation; write the whole number"
        ));
    }
    let plain = s.replace(',', "");
    if plain.contains('.') {
        let (whole, frac) = plain.split_once('.').unwrap_or_default();
        if frac.bytes().all(|b| b == b'0') && !whole.is_empty() {
            return won(&Cell::Text(whole.to_owned()));
        }
        return Err(format!("{s:?} is not a whole number of won"));
    }
    let n: i64 = plain
        .parse()
        .map_err(|_| "must be a positive integer".to_owned())?;
    Won::positive(n).map_err(|e| e.to_string())
}

/// A decimal percentage; a percentage-formatted XLSX cell (0.045) means 4.5.
pub fn pct(cell: &Cell) -> Result<Pct, String> {
    let s = text(cell).ok_or("is required")?;
    if scientific(&s) {
        return Err(format!("{s:?} is in scientific notation"));
    }
    let s = s.trim_end_matches('%').trim().to_owned();
    let s = if matches!(cell, Cell::Percent(_)) {
        shift_two_places(&s)
    } else {
        s
    };
    Pct::parse(&s).map_err(|e| e.to_string())
}

/// Multiplies a decimal text by 100 exactly, by moving its point.
fn shift_two_places(s: &str) -> String {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let frac = format!("{frac:0<2}");
    let (moved, rest) = frac.split_at(2);
    let whole = format!("{whole}{moved}").trim_start_matches('0').to_owned();
    let whole = if whole.is_empty() {
        "0".to_owned()
    } else {
        whole
    };
    if rest.is_empty() {
        whole
    } else {
        format!("{whole}.{rest}")
    }
}

pub fn date(cell: &Cell) -> Result<Date, String> {
    match cell {
        Cell::Date(d) => Ok(*d),
        other => parse_date(&text(other).ok_or("is required")?).map_err(|e| e.to_string()),
    }
}

pub fn business_no(cell: &Cell) -> Result<BusinessNumber, String> {
    let s = text(cell).ok_or("is required")?;
    if scientific(&s) {
        return Err(format!("{s:?} is in scientific notation"));
    }
    BusinessNumber::parse(&s).map_err(|e| e.to_string())
}

pub fn corporate_no(cell: &Cell) -> Result<Option<CorporateNumber>, String> {
    match text(cell) {
        None => Ok(None),
        Some(s) if scientific(&s) => Err(format!("{s:?} is in scientific notation")),
        Some(s) => CorporateNumber::parse(&s)
            .map(Some)
            .map_err(|e| e.to_string()),
    }
}

/// A 3-digit bank code, left-padded where a spreadsheet dropped leading zeros (`4` is `004`).
pub fn bank_code(cell: &Cell) -> Result<Option<BankCode>, String> {
    match text(cell) {
        None => Ok(None),
        Some(s) => {
            let s = s.strip_suffix(".0").unwrap_or(&s).to_owned();
            if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err("must be a 3-digit bank code".into());
            }
            Ok(BankCode::parse(&format!("{s:0>3}")))
        }
    }
}

/// A file read: its well-formed rows, its warnings, and every row's problems.
#[derive(Debug, Clone)]
pub struct Parsed<R> {
    pub records: Vec<R>,
    pub warnings: Vec<String>,
    pub errors: Vec<RowError>,
}

impl<R> Parsed<R> {
    pub fn new(warnings: Vec<String>) -> Parsed<R> {
        Parsed {
            records: Vec::new(),
            warnings,
            errors: Vec::new(),
        }
    }
}

/// A required 3-digit bank code (leading zeros restored).
pub fn required_bank(cell: &Cell) -> Result<BankCode, String> {
    bank_code(cell).and_then(|b| b.ok_or_else(|| "is required".to_owned()))
}

/// An optional counter (`seq`, `revision`): 1 when absent, otherwise a whole number from 1.
pub fn counter(cell: &Cell) -> Result<i64, String> {
    match text(cell) {
        None => Ok(1),
        Some(s) => match s.strip_suffix(".0").unwrap_or(&s).parse::<i64>() {
            Ok(n) if (1..=1000).contains(&n) => Ok(n),
            _ => Err("must be a whole number from 1 to 1000".into()),
        },
    }
}

/// Required text.
pub fn required_text(cell: &Cell) -> Result<String, String> {
    text(cell)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| "is required".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_that_decompresses_beyond_the_bound_is_refused() {
        use std::io::Write;
        let mut buffer = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", options)
            .expect("entry");
        zip.write_all(&vec![b'0'; 4 * 1024 * 1024]).expect("write");
        zip.finish().expect("finish");
        let bytes = buffer.into_inner();
        assert!(bytes.len() < 64 * 1024, "it compresses well");
        assert!(check_uncompressed_size(&bytes, 8 * 1024 * 1024).is_ok());
        let err = check_uncompressed_size(&bytes, 2 * 1024 * 1024).expect_err("too big");
        assert_eq!(err.message, "decompresses to more than 2 MiB");
    }

    #[test]
    fn cells_are_read_exactly_as_files_really_arrive() {
        assert_eq!(
            won(&Cell::Text("1,000,000".into())),
            Ok(Won::new(1_000_000))
        );
        assert_eq!(
            won(&Cell::Number("500000000".into())),
            Ok(Won::new(500_000_000))
        );
        assert!(won(&Cell::Text("1.5".into())).is_err());
        assert!(
            won(&Cell::Number("1.23e15".into()))
                .expect_err("scientific")
                .contains("scientific")
        );
        assert!(won(&Cell::Text("-100".into())).is_err());
        assert_eq!(
            pct(&Cell::Percent("0.045".into())).map(|p| p.to_string()),
            Ok("4.5".into())
        );
        assert_eq!(
            pct(&Cell::Percent("1".into())).map(|p| p.to_string()),
            Ok("100".into())
        );
        assert_eq!(
            pct(&Cell::Text("4.5".into())).map(|p| p.to_string()),
            Ok("4.5".into())
        );
        assert_eq!(
            bank_code(&Cell::Number("4".into())),
            Ok(BankCode::parse("004"))
        );
        assert_eq!(
            compose_hangul("\u{1100}\u{1161}\u{11A8}\u{1100}\u{1161}"),
            "각가"
        );
        assert!(
            decode(b"\xb0\xa1").is_ok_and(|t| t == "가"),
            "CP949 is decoded"
        );
    }
}
