//! Readable text output: aligned tables in the reader's language, won with thousands
//! separators. Column widths count a Hangul syllable as two cells, as terminals show it.

use std::fmt::Write;

use jumpup_domain::quote::Quote;
use jumpup_domain::rules::{Param, Value};

use jumpup_service::i18n::Lang;
use jumpup_service::quote_json::{EXPLAIN_DECIMALS, Request};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A text table: a header row and rows of cells, each column aligned one way.
#[derive(Debug)]
pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            columns: columns.iter().map(|(h, a)| ((*h).to_owned(), *a)).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        assert_eq!(
            cells.len(),
            self.columns.len(),
            "invariant: one cell per column"
        );
        self.rows.push(cells);
    }

    pub fn render(&self, indent: &str, out: &mut String) {
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| width(&r[c]))
                    .chain([width(&self.columns[c].0)])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let header: Vec<String> = self.columns.iter().map(|(h, _)| h.clone()).collect();
        for cells in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::from(indent);
            for (c, cell) in cells.iter().enumerate() {
                let pad = " ".repeat(widths[c] - width(cell));
                if c > 0 {
                    line.push_str("  ");
                }
                match self.columns[c].1 {
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&pad);
                    }
                    Align::Right => {
                        line.push_str(&pad);
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}

/// Display width: East Asian wide characters (Hangul, CJK) take two cells.
pub fn width(text: &str) -> usize {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFF00..=0xFF60 => 2,
            _ => 1,
        })
        .sum()
}

/// The quote as readable tables; with `explain`, each period's working follows it.
pub fn quote_text(request: &Request<'_>, quote: &Quote, lang: Lang, explain: bool) -> String {
    let t = lang.texts();
    let mut out = String::new();
    let program = request.program;
    let name = match lang {
        Lang::Ko => program.name_ko(),
        Lang::En => program.name_en(),
    };
    let _ = writeln!(
        out,
        "{}: {name} ({}), {} {}",
        t.programme,
        program.id(),
        t.version_from,
        request.version.in_force_from
    );

    let input = &request.input;
    let loan = &input.loan;
    let _ = writeln!(
        out,
        "{}: {}{}, {} {}%, {} {}, {} {}, {} {}",
        t.loan,
        loan.principal().grouped(),
        t.won,
        t.annual_rate,
        loan.annual_rate(),
        t.executed_on,
        loan.executed_on(),
        t.maturity_on,
        loan.maturity_on(),
        t.grade,
        input.grade.map_or("-", |g| g.as_str()),
    );
    for (param, value) in &request.overrides {
        let _ = writeln!(
            out,
            "{}: {} = {}",
            t.override_rule,
            param.name(),
            value_text(*value)
        );
    }

    let g = &quote.guarantee;
    let _ = writeln!(
        out,
        "\n{}: {} {}%, {} {}{}",
        t.guarantee,
        t.coverage,
        g.coverage,
        t.guaranteed,
        g.guaranteed.grouped(),
        t.won
    );
    let mut fees = Table::new(&[
        (t.fee_year, Align::Right),
        (t.period, Align::Left),
        (t.days, Align::Right),
        (t.fee_base, Align::Right),
        (t.fee_rate, Align::Right),
        (t.fee, Align::Right),
    ]);
    for y in &g.fees {
        fees.row(vec![
            y.year.to_string(),
            format!("{} ~ {}", y.from, y.to),
            y.days.to_string(),
            y.base.grouped(),
            y.rate.to_string(),
            y.fee.grouped(),
        ]);
    }
    fees.render("  ", &mut out);
    let _ = writeln!(out, "  {}: {}{}", t.fee_total, g.fee_total.grouped(), t.won);
    let _ = writeln!(out, "  {}: {}{}", t.refund, g.refund_won().grouped(), t.won);
    if let (true, Some(r)) = (explain, &g.refund) {
        let _ = writeln!(
            out,
            "    {}: {} {}, {}{}: {} - {} = {}{}",
            t.refund_working,
            r.repaid_on,
            t.repaid_in_full,
            r.used_days,
            t.days_used,
            g.fees[r.year as usize - 1].fee.grouped(),
            r.used.grouped(),
            r.refund.grouped(),
            t.won
        );
    }

    let s = &quote.subsidy;
    let span = match s.to {
        Some(to) => format!("{} ~ {to}", s.from),
        None => t.no_subsidy_days.to_owned(),
    };
    let _ = writeln!(
        out,
        "\n{}: {span} ({}: {})",
        t.subsidy,
        t.end_reason,
        lang.end_reason(s.end_reason)
    );
    let mut periods = Table::new(&[
        (t.period, Align::Left),
        (t.days, Align::Right),
        (t.claim, Align::Right),
        (t.payment, Align::Right),
    ]);
    for p in &s.periods {
        periods.row(vec![
            format!("{} ~ {}", p.from, p.to),
            p.days.to_string(),
            p.claim.grouped(),
            p.payment.grouped(),
        ]);
    }
    periods.row(vec![
        t.total.into(),
        String::new(),
        s.claim_total.grouped(),
        s.payment_total.grouped(),
    ]);
    periods.render("  ", &mut out);
    let _ = writeln!(
        out,
        "  {}: {}{}",
        t.reservation,
        s.reservation_total.grouped(),
        t.won
    );
    if explain {
        let _ = writeln!(out, "\n{}:", t.working);
        for p in &s.periods {
            let _ = writeln!(out, "\n  {} {} ~ {}", t.period, p.from, p.to);
            let mut segs = Table::new(&[
                (t.segment, Align::Left),
                (t.days, Align::Right),
                (t.balance, Align::Right),
                (t.base, Align::Right),
                (t.loan_rate, Align::Right),
                (t.effective_rate, Align::Right),
                (t.year_days, Align::Right),
                ("", Align::Left),
            ]);
            for seg in s.segments_of(p) {
                segs.row(vec![
                    format!("{} ~ {}", seg.from, seg.to),
                    seg.days.to_string(),
                    seg.balance.grouped(),
                    seg.base.grouped(),
                    format!("{}%", seg.loan_rate),
                    format!("{}%", seg.effective_rate),
                    seg.year_days.to_string(),
                    if seg.arrears {
                        t.arrears.into()
                    } else {
                        String::new()
                    },
                ]);
            }
            segs.render("    ", &mut out);
            let (n, d) = p.accrued.reduced();
            let (decimal, exact) = p.accrued.decimal(EXPLAIN_DECIMALS);
            let ellipsis = if exact { "" } else { "…" };
            let _ = writeln!(
                out,
                "    {} = Σ base x rate / 100 x days / year_days = {n}/{d} = {decimal}{ellipsis}",
                t.exact_sum
            );
            let _ = write!(
                out,
                "    {}: {}{}",
                t.truncated,
                p.accrued.truncate().grouped(),
                t.won
            );
            if s.forfeited_on.is_some() {
                let _ = write!(out, " → {}: 0{}", t.forfeited, t.won);
            }
            let _ = writeln!(
                out,
                " → {} {}{}: {}{}",
                t.payment_unit,
                s.payment_unit.grouped(),
                t.won,
                p.payment.grouped(),
                t.won
            );
        }
    }

    if !quote.warnings.is_empty() {
        let _ = writeln!(out, "\n{}:", t.warnings);
        for w in &quote.warnings {
            let _ = writeln!(out, "  - {}", lang.warning(*w));
        }
    }
    out
}

/// A parameter value as programme files and quotes write it.
pub fn value_text(value: Value) -> String {
    match value {
        Value::Pct(p) => p.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Word(w) => w.to_owned(),
    }
}

/// A parameter value for reading: won grouped, percentages with `%`.
pub fn value_readable(param: Param, value: Value) -> String {
    match value {
        Value::Pct(p) => format!("{p}%"),
        // Every amount parameter has `_won` in its name (units last, or before a qualifier).
        Value::Int(n) if param.name().contains("_won") => jumpup_domain::Won::new(n).grouped(),
        other => value_text(other),
    }
}
