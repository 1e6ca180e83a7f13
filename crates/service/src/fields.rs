//! Parsers of single text fields at the boundary (command-line arguments, API bodies and
//! queries) into the domain's types, each failing with the reason a user should read.

use jumpup_domain::audit::Head;
use jumpup_domain::date::{Date, parse_date};
use jumpup_domain::grade::KiboGrade;
use jumpup_domain::money::Won;
use jumpup_domain::pct::Pct;
use jumpup_domain::regno::{BusinessNumber, CorporateNumber};
use jumpup_domain::workflow::{BankCode, CheckItem, Role, State};

pub fn won(s: &str) -> Result<Won, String> {
    s.replace(',', "")
        .parse::<i64>()
        .ok()
        .and_then(|n| Won::positive(n).ok())
        .ok_or_else(|| "must be a positive whole number of won".into())
}

/// Won as people type them in a form, thousands separators allowed (`300,000,000`).
pub fn won_grouped(s: &str) -> Result<Won, String> {
    won(&s.replace(',', ""))
}

pub fn pct(s: &str) -> Result<Pct, String> {
    Pct::parse(s).map_err(|e| e.to_string())
}

pub fn day(s: &str) -> Result<Date, String> {
    parse_date(s).map_err(|e| e.to_string())
}

pub fn grade(s: &str) -> Result<KiboGrade, String> {
    KiboGrade::parse(s).map_err(|e| e.to_string())
}

pub fn bank(s: &str) -> Result<BankCode, String> {
    BankCode::parse(s).ok_or_else(|| "must be a 3-digit bank code".into())
}

pub fn item(s: &str) -> Result<CheckItem, String> {
    CheckItem::parse(s).ok_or_else(|| {
        "must be one of incheon_site, not_closed, no_tax_arrears, not_delinquent, not_listed".into()
    })
}

pub fn state(s: &str) -> Result<State, String> {
    State::parse(s).ok_or_else(|| "must be a case state such as approved".into())
}

pub fn role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "must be one of city, tp, kibo, bank, firm, auditor, admin".into())
}

pub fn business_no(s: &str) -> Result<BusinessNumber, String> {
    BusinessNumber::parse(s).map_err(|e| e.to_string())
}

pub fn corporate_no(s: &str) -> Result<CorporateNumber, String> {
    CorporateNumber::parse(s).map_err(|e| e.to_string())
}

pub fn anchor(s: &str) -> Result<Head, String> {
    Head::parse(s).ok_or_else(|| "must be SEQ:HASH as `jumpup audit head` prints it".into())
}

/// An event's kind with its amount or rate (RULES.md 5): a repayment needs an amount, a rate
/// change a rate, and no other kind takes either. An error names the field at fault
/// (`amount_won` or `annual_rate_pct`).
pub fn event_kind(
    kind: &str,
    amount: Option<Won>,
    rate: Option<Pct>,
) -> Result<jumpup_domain::loan::EventKind, (&'static str, String)> {
    use jumpup_domain::loan::EventKind;
    Ok(match (kind, amount, rate) {
        ("repayment", Some(w), None) => EventKind::Repayment(w),
        ("repayment", None, _) => return Err(("amount_won", "a repayment needs an amount".into())),
        ("rate_change", None, Some(r)) => EventKind::RateChange(r),
        ("rate_change", _, None) => {
            return Err(("annual_rate_pct", "a rate_change needs a rate".into()));
        }
        ("repayment", _, Some(_)) => {
            return Err(("annual_rate_pct", "a repayment takes no rate".into()));
        }
        ("rate_change", Some(_), _) => {
            return Err(("amount_won", "a rate_change takes no amount".into()));
        }
        (_, Some(_), _) => return Err(("amount_won", format!("a {kind} event takes no amount"))),
        (_, _, Some(_)) => {
            return Err(("annual_rate_pct", format!("a {kind} event takes no rate")));
        }
        ("arrears_start", ..) => EventKind::ArrearsStart,
        ("arrears_end", ..) => EventKind::ArrearsEnd,
        ("relocation", ..) => EventKind::Relocation,
        ("closure", ..) => EventKind::Closure,
        ("default", ..) => EventKind::Default,
        ("ineligible", ..) => EventKind::Ineligible,
        _ => {
            return Err((
                "kind",
                format!("must be one of: {}", EventKind::WORDS.join(", ")),
            ));
        }
    })
}
