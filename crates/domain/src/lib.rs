//! Jump-Up's domain: the pure rules of public SME-finance programmes (see `RULES.md`).
//!
//! This crate does no I/O, reads no clock and holds no async code: it takes checked values and
//! returns values and their working. Money is whole won in an integer, rates are exact
//! decimals, and the only rounding is a named truncation. Callers (the command line, the
//! server, settlement) decide what the results become.

pub mod approval;
pub mod audit;
pub mod date;
pub mod digest;
pub mod district;
pub mod grade;
pub mod guarantee;
pub mod ids;
pub mod ledger;
pub mod loan;
pub mod money;
pub mod pct;
pub mod program;
pub mod quote;
pub mod ratio;
pub mod regno;
pub mod rules;
pub mod settlement;
pub mod subsidy;
pub mod workflow;

pub use date::{Date, DayCount};
pub use grade::KiboGrade;
pub use money::Won;
pub use pct::Pct;
