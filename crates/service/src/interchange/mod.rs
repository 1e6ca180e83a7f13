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

/// The largest file read, and the most data rows of a CSV file.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
pub const MAX_ROWS: usize = 2_000_000;
/// The most data rows of a workbook: Excel's own sheet holds 1,048,576 rows, the header one.
pub const MAX_XLSX_ROWS: usize = 1_048_575;
/// The widest row and the longest cell read (the widest file has 12 columns; the longest
/// text a firm's name or a reason).
pub const MAX_COLUMNS: usize = 64;
pub const MAX_CELL_CHARS: usize = 1_000;
/// The most an XLSX workbook may hold once decompressed (a guard against zip bombs), and the
/// most its shared strings may (they are held in memory while the sheet is read).
pub const MAX_XLSX_UNCOMPRESSED_BYTES: u64 = 1024 * 1024 * 1024;
pub const MAX_XLSX_SHARED_STRINGS_BYTES: u64 = 128 * 1024 * 1024;

/// Refuses a workbook whose entries would decompress beyond the bounds. The zip reader never
/// reads an entry past its declared size, so the declared sizes bound the real work.
fn check_uncompressed_size(bytes: &[u8], limit: u64) -> Result<(), RowError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| file_error(format!("not a readable XLSX workbook: {e}")))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| file_error(format!("not a readable XLSX workbook: {e}")))?;
        if entry
            .name()
            .is_ok_and(|n| n.eq_ignore_ascii_case("xl/sharedStrings.xml"))
            && entry.size() > MAX_XLSX_SHARED_STRINGS_BYTES
        {
            return Err(file_error(format!(
                "holds more than {} MiB of text",
                MAX_XLSX_SHARED_STRINGS_BYTES / (1024 * 1024)
            )));
        }
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
    let digest = jumpup_domain::digest::sha256_hex(&bytes);
    let mut sheet = if xlsx {
        read_xlsx(bytes)?
    } else {
        read_csv(&bytes)?
    };
    sheet.digest = digest;
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
    let mut limits = Limits::new(MAX_ROWS);
    limits.row()?;
    for (i, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| file_error(format!("record {}: unreadable CSV: {e}", i + 2)))?;
        limits.row()?;
        // The line the record starts on, as a spreadsheet numbers rows (blank lines count),
        // from its byte offset (after CRLF the reader places a record at the LF before it and
        // its own line count is one short).
        let number = record.position().map_or(i + 2, |p| {
            newlines.partition_point(|&n| n <= p.byte() as usize) + 1
        });
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        check_columns(number, record.len())?;
        for c in &record {
            check_cell(number, c)?;
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
    let unreadable =
        |e: calamine::XlsxError| file_error(format!("not a readable XLSX workbook: {e}"));
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| file_error("has no sheet"))?;
    // The sheet is read cell by cell as it decompresses, each limit checked as it is
    // crossed, so a workbook declaring (or holding) millions of rows costs seconds, not memory.
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|e| file_error(format!("unreadable first sheet: {e}")))?;
    let declared = cells.dimensions();
    let declared_rows = u64::from(declared.end.0.saturating_sub(declared.start.0));
    if declared_rows > MAX_XLSX_ROWS as u64 {
        return Err(too_many_rows(MAX_XLSX_ROWS));
    }
    let percent: Vec<bool> = cells
        .styles()
        .iter()
        .map(|st| {
            st.number_format
                .as_ref()
                .is_some_and(|f| f.format_code.contains('%'))
        })
        .collect();
    let mut sheet = Sheet::default();
    let mut limits = Limits::new(MAX_XLSX_ROWS);
    // The header is the first row holding anything; columns count from its first cell.
    let mut header: Option<(u32, u32)> = None;
    let mut current: Option<(u32, Vec<Cell>)> = None;
    let finish = |sheet: &mut Sheet, row: Option<(u32, Vec<Cell>)>| {
        if let Some((r, cells)) = row
            && !cells.iter().all(|c| *c == Cell::Empty)
        {
            sheet.rows.push(Row {
                number: r as usize + 1,
                cells,
            });
        }
    };
    while let Some((cell, style)) = cells
        .next_cell_with_style_id()
        .map_err(|e| file_error(format!("unreadable first sheet: {e}")))?
    {
        let (r, c) = cell.get_position();
        let value = match Data::from(cell.get_value().clone()) {
            Data::Empty => Cell::Empty,
            Data::String(s) if s.trim().is_empty() => Cell::Empty,
            Data::String(s) => Cell::Text(s.trim().to_owned()),
            Data::Int(n) => Cell::Number(n.to_string()),
            Data::Float(f) if percent.get(style).copied().unwrap_or(false) => {
                Cell::Percent(f.to_string())
            }
            Data::Float(f) => Cell::Number(f.to_string()),
            Data::DateTime(dt) => dt
                .as_datetime()
                .map_or(Cell::Text(dt.to_string()), |d| Cell::Date(d.date())),
            Data::DateTimeIso(s) => {
                parse_date(s.get(..10).unwrap_or(&s)).map_or(Cell::Text(s.clone()), Cell::Date)
            }
            other => Cell::Text(other.to_string()),
        };
        let Some((header_row, first_col)) = header else {
            if value == Cell::Empty {
                continue;
            }
            header = Some((r, c));
            current = Some((r, Vec::new()));
            limits.row()?;
            push_cell(&mut current, 0, value, r)?;
            continue;
        };
        if current.as_ref().is_none_or(|(at, _)| *at != r) {
            limits.row()?;
            match current.take() {
                Some((at, cells)) if at == header_row => sheet.headers = header_texts(cells),
                other => finish(&mut sheet, other),
            }
            current = Some((r, Vec::new()));
        }
        // A cell left of the header's first has no column and is not read.
        if let Some(col) = c.checked_sub(first_col) {
            push_cell(&mut current, col as usize, value, r)?;
        }
    }
    match current.take() {
        Some((at, cells)) if header.is_some_and(|(h, _)| h == at) => {
            sheet.headers = header_texts(cells);
        }
        other => finish(&mut sheet, other),
    }
    if header.is_none() {
        return Err(file_error("has no header row"));
    }
    Ok(sheet)
}

fn header_texts(cells: Vec<Cell>) -> Vec<String> {
    cells
        .into_iter()
        .map(|c| match c {
            Cell::Empty => String::new(),
            Cell::Text(s) | Cell::Number(s) | Cell::Percent(s) => s,
            Cell::Date(d) => d.to_string(),
        })
        .collect()
}

/// Places a cell in its row, refusing a row wider than the limit or a cell longer than it.
fn push_cell(
    row: &mut Option<(u32, Vec<Cell>)>,
    col: usize,
    value: Cell,
    r: u32,
) -> Result<(), RowError> {
    let Some((_, cells)) = row.as_mut() else {
        return Ok(());
    };
    check_columns(r as usize + 1, col + 1)?;
    if let Cell::Text(s) = &value {
        check_cell(r as usize + 1, s)?;
    }
    if cells.len() <= col {
        cells.resize(col + 1, Cell::Empty);
    }
    cells[col] = value;
    Ok(())
}

/// Counts a file's rows as they are read (the header included), refusing one past the limit.
struct Limits {
    max_rows: usize,
    rows: usize,
}

impl Limits {
    fn new(max_rows: usize) -> Limits {
        Limits { max_rows, rows: 0 }
    }

    fn row(&mut self) -> Result<(), RowError> {
        self.rows += 1;
        if self.rows > self.max_rows + 1 {
            return Err(too_many_rows(self.max_rows));
        }
        Ok(())
    }
}

/// Refuses row `number` when it has more than [`MAX_COLUMNS`] cells.
fn check_columns(number: usize, count: usize) -> Result<(), RowError> {
    if count > MAX_COLUMNS {
        return Err(RowError {
            row: number,
            column: String::new(),
            message: format!("has more than {MAX_COLUMNS} columns"),
        });
    }
    Ok(())
}

/// Refuses a cell of row `number` longer than [`MAX_CELL_CHARS`].
fn check_cell(number: usize, text: &str) -> Result<(), RowError> {
    // Bytes bound characters from above: most cells are decided without counting.
    if text.len() > MAX_CELL_CHARS && text.chars().count() > MAX_CELL_CHARS {
        return Err(RowError {
            row: number,
            column: String::new(),
            message: format!("has a cell longer than {MAX_CELL_CHARS} characters"),
        });
    }
    Ok(())
}

fn too_many_rows(limit: usize) -> RowError {
    file_error(format!("has more than {limit} data rows"))
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

/// One row's cells found by their column's name (its English header), each parsed with its
/// problem kept under that name: readers never count positions.
#[derive(Debug)]
pub struct Fields<'a> {
    row: &'a Row,
    at: &'a [Option<usize>],
    columns: &'static [Column],
    pub errors: Vec<RowError>,
}

impl<'a> Fields<'a> {
    pub fn new(row: &'a Row, located: &'a Located, columns: &'static [Column]) -> Fields<'a> {
        Fields {
            row,
            at: &located.at,
            columns,
            errors: Vec::new(),
        }
    }

    /// The cell of column `name` (empty where the file has no such column).
    pub fn cell(&self, name: &str) -> &'a Cell {
        let i = self
            .columns
            .iter()
            .position(|c| c.en == name)
            .unwrap_or_else(|| panic!("invariant: {name} is one of the file's columns"));
        self.at[i]
            .and_then(|c| self.row.cells.get(c))
            .unwrap_or(&Cell::Empty)
    }

    /// Column `name` parsed, or its problem kept.
    pub fn get<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&Cell) -> Result<T, String>,
    ) -> Option<T> {
        match parse(self.cell(name)) {
            Ok(v) => Some(v),
            Err(message) => {
                self.fail(name, message);
                None
            }
        }
    }

    /// A problem with column `name` of this row.
    pub fn fail(&mut self, name: &str, message: impl Into<String>) {
        self.errors.push(RowError {
            row: self.row.number,
            column: name.into(),
            message: message.into(),
        });
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

/// The most problems a report lists (the first by row; FILES.md as amended by issue 14).
pub const MAX_REPORTED_ERRORS: usize = 1000;

/// A file's problems as they are found: every one counted, the first
/// [`MAX_REPORTED_ERRORS`] by row kept (file-level problems, row 0, first), so a file of a
/// million bad rows costs neither memory nor a huge answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowErrors {
    kept: Vec<RowError>,
    total: usize,
}

impl RowErrors {
    pub fn push(&mut self, error: RowError) {
        self.total += 1;
        self.kept.push(error);
        // Keeping twice the bound between trims makes the cost per problem constant.
        if self.kept.len() >= 2 * MAX_REPORTED_ERRORS {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.kept.sort_by_key(|e| e.row);
        self.kept.truncate(MAX_REPORTED_ERRORS);
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many problems were found, listed or not.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The problems to list, by row, at most [`MAX_REPORTED_ERRORS`].
    pub fn into_listed(mut self) -> Vec<RowError> {
        self.trim();
        self.kept
    }
}

impl Extend<RowError> for RowErrors {
    fn extend<I: IntoIterator<Item = RowError>>(&mut self, errors: I) {
        for e in errors {
            self.push(e);
        }
    }
}

impl From<Vec<RowError>> for RowErrors {
    fn from(errors: Vec<RowError>) -> RowErrors {
        let mut all = RowErrors::default();
        all.extend(errors);
        all
    }
}

/// A file read: its well-formed rows, its warnings, and its rows' problems.
#[derive(Debug, Clone)]
pub struct Parsed<R> {
    pub records: Vec<R>,
    pub warnings: Vec<String>,
    pub errors: RowErrors,
}

impl<R> Parsed<R> {
    pub fn new(warnings: Vec<String>) -> Parsed<R> {
        Parsed {
            records: Vec::new(),
            warnings,
            errors: RowErrors::default(),
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
    use std::io::Write;

    /// A minimal workbook of one sheet: `dimension` as the sheet declares its extent (or none)
    /// and `rows` writing its `<row>` elements.
    fn workbook(dimension: Option<&str>, rows: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
        let mut buffer = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut file = |name: &str, text: &str| {
            zip.start_file(name, options).expect("entry");
            zip.write_all(text.as_bytes()).expect("write");
        };
        file(
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        );
        file(
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        );
        file(
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="loans" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        );
        file(
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        );
        zip.start_file("xl/worksheets/sheet1.xml", options)
            .expect("entry");
        write!(
            zip,
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{}<sheetData>"#,
            dimension.map_or(String::new(), |d| format!(r#"<dimension ref="{d}"/>"#))
        )
        .expect("write");
        rows(&mut zip);
        zip.write_all(b"</sheetData></worksheet>").expect("write");
        zip.finish().expect("finish");
        buffer.into_inner()
    }

    /// The loans header, then `count` rows of a bank code and a loan number.
    fn loan_rows(count: usize) -> impl FnOnce(&mut dyn Write) {
        move |out| {
            write!(out, r#"<row r="1">"#).expect("write");
            for (i, name) in ["bank_code", "loan_no", "guarantee_no", "principal_won"]
                .iter()
                .enumerate()
            {
                let col = char::from(b'A' + i as u8);
                write!(
                    out,
                    r#"<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>"#
                )
                .expect("write");
            }
            out.write_all(b"</row>").expect("write");
            for r in 2..count + 2 {
                write!(
                    out,
                    r#"<row r="{r}"><c r="A{r}"><v>4</v></c><c r="B{r}" t="inlineStr"><is><t>L{r}</t></is></c></row>"#
                )
                .expect("write");
            }
        }
    }

    /// The most memory this process has held (Linux), in MiB.
    fn peak_mib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").expect("proc status");
        let line = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .expect("VmHWM");
        let kib: u64 = line
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .expect("a number");
        kib / 1024
    }

    #[test]
    fn a_workbook_is_read_cell_by_cell_as_a_spreadsheet_numbers_it() {
        let bytes = workbook(Some("A1:D3"), |out| {
            loan_rows(2)(out);
        });
        let sheet = read_bytes(bytes, true).expect("read");
        assert_eq!(
            sheet.headers,
            ["bank_code", "loan_no", "guarantee_no", "principal_won"]
        );
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[1].number, 3);
        assert_eq!(
            sheet.rows[1].cells,
            [Cell::Number("4".into()), Cell::Text("L3".into())]
        );
    }

    #[test]
    fn a_workbook_declaring_ten_million_rows_is_refused_before_reading_them() {
        let bytes = workbook(Some("A1:D10000000"), loan_rows(3));
        let err = read_bytes(bytes, true).expect_err("refused");
        assert_eq!(err.row, 0);
        assert_eq!(
            err.message,
            format!("has more than {MAX_XLSX_ROWS} data rows")
        );
    }

    #[test]
    fn a_workbook_of_three_million_rows_is_refused_at_the_limit_in_flat_memory() {
        // No dimension: the rows themselves must be counted as they stream.
        let bytes = workbook(None, loan_rows(3_000_000));
        assert!(bytes.len() < 64 * 1024 * 1024, "{} bytes", bytes.len());
        let before = peak_mib();
        let err = read_bytes(bytes, true).expect_err("refused");
        assert_eq!(
            err.message,
            format!("has more than {MAX_XLSX_ROWS} data rows")
        );
        // The old reader held the whole declared range (about 1.4 GB for ten million rows);
        // streaming holds the rows read so far and the compressed file.
        let grown = peak_mib().saturating_sub(before);
        assert!(grown < 400, "peak memory grew by {grown} MiB");
    }

    #[test]
    fn rows_too_wide_and_cells_too_long_are_refused_with_their_row() {
        let wide = format!("a\n{}\n", vec!["x"; MAX_COLUMNS + 1].join(","));
        let err = read_csv(wide.as_bytes()).expect_err("too wide");
        assert_eq!(
            (err.row, err.message.as_str()),
            (2, "has more than 64 columns")
        );
        let long = format!("a,b\n1,2\n3,{}\n", "가".repeat(MAX_CELL_CHARS + 1));
        let err = read_csv(long.as_bytes()).expect_err("too long");
        assert_eq!(
            (err.row, err.message.as_str()),
            (3, "has a cell longer than 1000 characters")
        );
        let fits = format!("a,b\n1,{}\n", "가".repeat(MAX_CELL_CHARS));
        assert!(read_csv(fits.as_bytes()).is_ok());
    }

    #[test]
    fn a_report_lists_the_first_problems_by_row_and_counts_them_all() {
        let mut errors = RowErrors::default();
        // Found out of order, as two passes find them: the smallest rows are kept.
        for row in (2..5_002).rev() {
            errors.push(RowError {
                row,
                column: "loan_no".into(),
                message: "is required".into(),
            });
        }
        errors.push(file_error("has a problem"));
        assert_eq!(errors.total(), 5_001);
        let listed = errors.into_listed();
        assert_eq!(listed.len(), MAX_REPORTED_ERRORS);
        assert_eq!(listed[0].row, 0);
        assert_eq!(listed[1].row, 2);
        assert_eq!(listed[MAX_REPORTED_ERRORS - 1].row, MAX_REPORTED_ERRORS);
    }

    #[test]
    fn a_workbook_that_decompresses_beyond_the_bound_is_refused() {
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
