//! The budget as a double-entry ledger (RULES.md 6.4). Every posting moves a positive amount
//! from one account to another, so the ledger balances by construction; the programme-level
//! equation `available + reserved + paid + clawback_receivable = appropriation + top-ups +
//! overrun` and "no account is negative" are checked again whenever postings are loaded.
//! A posting's id is its idempotency key: the same posting again is `Exists`, the same id with
//! different content is an error, never a second posting. Postings are never updated.

use std::collections::HashMap;
use std::fmt;

use crate::money::Won;

/// A programme's budget accounts. `Funding` (appropriation and top-ups) and `Overrun` are the
/// sources money enters from; their balances are the negatives of what they supplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    Funding,
    Overrun,
    Available,
    Reserved,
    Paid,
    ClawbackReceivable,
}

impl Account {
    pub const ALL: [Account; 6] = [
        Account::Funding,
        Account::Overrun,
        Account::Available,
        Account::Reserved,
        Account::Paid,
        Account::ClawbackReceivable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Account::Funding => "funding",
            Account::Overrun => "overrun",
            Account::Available => "available",
            Account::Reserved => "reserved",
            Account::Paid => "paid",
            Account::ClawbackReceivable => "clawback_receivable",
        }
    }

    pub fn parse(text: &str) -> Option<Account> {
        Account::ALL.into_iter().find(|a| a.as_str() == text)
    }

    fn is_source(self) -> bool {
        matches!(self, Account::Funding | Account::Overrun)
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why money moves (RULES.md 6.4); each kind allows exactly one pair of accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostingKind {
    /// The appropriation, into `available`.
    Appropriation,
    /// A City top-up, into `available`.
    TopUp,
    /// `available` to `reserved`: an approval or a reservation increase.
    Reserve,
    /// `overrun` to `reserved`: an increase the available budget cannot cover.
    OverrunReserve,
    /// `available` back to `overrun`: a top-up clearing an overrun.
    OverrunClear,
    /// `reserved` back to `available`.
    Release,
    /// `reserved` to `paid`: settlement.
    Pay,
    /// `paid` to `clawback_receivable`.
    Clawback,
    /// `clawback_receivable` to `available`: a clawback recovered.
    Recover,
}

impl PostingKind {
    pub fn accounts(self) -> (Account, Account) {
        use Account as A;
        match self {
            PostingKind::Appropriation | PostingKind::TopUp => (A::Funding, A::Available),
            PostingKind::Reserve => (A::Available, A::Reserved),
            PostingKind::OverrunReserve => (A::Overrun, A::Reserved),
            PostingKind::OverrunClear => (A::Available, A::Overrun),
            PostingKind::Release => (A::Reserved, A::Available),
            PostingKind::Pay => (A::Reserved, A::Paid),
            PostingKind::Clawback => (A::Paid, A::ClawbackReceivable),
            PostingKind::Recover => (A::ClawbackReceivable, A::Available),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PostingKind::Appropriation => "appropriation",
            PostingKind::TopUp => "top_up",
            PostingKind::Reserve => "reserve",
            PostingKind::OverrunReserve => "overrun_reserve",
            PostingKind::OverrunClear => "overrun_clear",
            PostingKind::Release => "release",
            PostingKind::Pay => "pay",
            PostingKind::Clawback => "clawback",
            PostingKind::Recover => "recover",
        }
    }

    pub const ALL: [PostingKind; 9] = [
        PostingKind::Appropriation,
        PostingKind::TopUp,
        PostingKind::Reserve,
        PostingKind::OverrunReserve,
        PostingKind::OverrunClear,
        PostingKind::Release,
        PostingKind::Pay,
        PostingKind::Clawback,
        PostingKind::Recover,
    ];

    pub fn parse(text: &str) -> Option<PostingKind> {
        PostingKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One movement of money. Build it with [`Posting::new`]: the amount is positive and the
/// accounts follow from the kind, so a posting is balanced by construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Posting {
    id: String,
    kind: PostingKind,
    amount: Won,
}

impl Posting {
    pub fn new(
        id: impl Into<String>,
        kind: PostingKind,
        amount: Won,
    ) -> Result<Posting, LedgerError> {
        let id = id.into();
        if id.is_empty() {
            return Err(LedgerError::EmptyId);
        }
        if amount <= Won::ZERO {
            return Err(LedgerError::NotPositive { id });
        }
        Ok(Posting { id, kind, amount })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn kind(&self) -> PostingKind {
        self.kind
    }

    pub fn amount(&self) -> Won {
        self.amount
    }

    pub fn from(&self) -> Account {
        self.kind.accounts().0
    }

    pub fn to(&self) -> Account {
        self.kind.accounts().1
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("a posting needs an id")]
    EmptyId,
    #[error("posting {id}: the amount must be positive")]
    NotPositive { id: String },
    #[error("posting {id} exists with different content")]
    Conflict { id: String },
    #[error("posting {id} would take {account} below zero")]
    Overdrawn { id: String, account: Account },
}

/// Whether applying a posting changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Posted,
    /// The same posting was already there: nothing changes (idempotency).
    Exists,
}

/// A programme's balances with the postings that made them.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    balances: HashMap<Account, i64>,
    postings: HashMap<String, Posting>,
}

/// A broken invariant found by [`Ledger::check`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("{account} is negative: {balance} won")]
    Negative { account: Account, balance: Won },
    #[error(
        "available + reserved + paid + clawback_receivable = {held} won, but appropriation + top-ups + overrun = {sourced} won"
    )]
    Unbalanced { held: Won, sourced: Won },
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// The balance of an account; sources (`funding`, `overrun`) as the positive amount they
    /// supplied.
    pub fn balance(&self, account: Account) -> Won {
        let raw = self.balances.get(&account).copied().unwrap_or(0);
        Won::new(if account.is_source() { -raw } else { raw })
    }

    /// Applies a posting, refusing one that would overdraw a held account (sources may grow
    /// without bound; `overrun` may only be cleared down to zero).
    pub fn apply(&mut self, posting: Posting) -> Result<Applied, LedgerError> {
        if let Some(existing) = self.postings.get(posting.id()) {
            return if *existing == posting {
                Ok(Applied::Exists)
            } else {
                Err(LedgerError::Conflict {
                    id: posting.id.clone(),
                })
            };
        }
        let (from, to) = posting.kind.accounts();
        let amount = posting.amount.get();
        let from_after = self.balances.get(&from).copied().unwrap_or(0) - amount;
        if !from.is_source() && from_after < 0 {
            return Err(LedgerError::Overdrawn {
                id: posting.id.clone(),
                account: from,
            });
        }
        let to_after = self.balances.get(&to).copied().unwrap_or(0) + amount;
        if to == Account::Overrun && to_after > 0 {
            return Err(LedgerError::Overdrawn {
                id: posting.id.clone(),
                account: to,
            });
        }
        self.balances.insert(from, from_after);
        self.balances.insert(to, to_after);
        self.postings.insert(posting.id.clone(), posting);
        Ok(Applied::Posted)
    }

    /// RULES.md 6.4's equation and "no account is negative", checked from the balances.
    pub fn check(&self) -> Result<(), Violation> {
        check_balances(|a| self.balance(a))
    }
}

/// RULES.md 6.4's invariants over a programme's balances (sources as what they supplied):
/// no account negative, and `available + reserved + paid + clawback_receivable =
/// appropriation + top-ups + overrun`.
pub fn check_balances(balance: impl Fn(Account) -> Won) -> Result<(), Violation> {
    for account in Account::ALL {
        let b = balance(account);
        if b < Won::ZERO {
            return Err(Violation::Negative {
                account,
                balance: b,
            });
        }
    }
    let held = [
        Account::Available,
        Account::Reserved,
        Account::Paid,
        Account::ClawbackReceivable,
    ]
    .into_iter()
    .map(&balance)
    .sum::<Won>();
    let sourced = balance(Account::Funding)
        .checked_add(balance(Account::Overrun))
        .expect("invariant: bounded");
    if held != sourced {
        return Err(Violation::Unbalanced { held, sourced });
    }
    Ok(())
}

/// How a case's holding moves from what it holds to a new target (RULES.md 6.4): the
/// difference released to `available`, or reserved from it with whatever it cannot cover
/// booked as an overrun.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub release: Won,
    pub reserve: Won,
    pub overrun: Won,
}

impl Move {
    pub fn new(current: Won, target: Won, available: Won) -> Move {
        if target < current {
            return Move {
                release: current - target,
                reserve: Won::ZERO,
                overrun: Won::ZERO,
            };
        }
        let increase = target - current;
        let reserve = increase.min(available.max(Won::ZERO));
        Move {
            release: Won::ZERO,
            reserve,
            overrun: increase - reserve,
        }
    }

    /// The postings it makes, each of a positive amount.
    pub fn postings(self) -> impl Iterator<Item = (PostingKind, Won)> {
        [
            (PostingKind::Release, self.release),
            (PostingKind::Reserve, self.reserve),
            (PostingKind::OverrunReserve, self.overrun),
        ]
        .into_iter()
        .filter(|(_, amount)| *amount > Won::ZERO)
    }

    /// The available budget after it.
    pub fn available_after(self, available: Won) -> Won {
        available + self.release - self.reserve
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_releases_the_difference_or_reserves_it_with_an_overrun_for_the_shortfall() {
        let w = Won::new;
        let down = Move::new(w(100), w(70), w(5));
        assert_eq!(
            (down.release, down.reserve, down.overrun),
            (w(30), w(0), w(0))
        );
        assert_eq!(down.available_after(w(5)), w(35));
        let up = Move::new(w(70), w(100), w(20));
        assert_eq!((up.release, up.reserve, up.overrun), (w(0), w(20), w(10)));
        assert_eq!(up.available_after(w(20)), w(0));
        let kinds: Vec<PostingKind> = up.postings().map(|(k, _)| k).collect();
        assert_eq!(
            kinds,
            vec![PostingKind::Reserve, PostingKind::OverrunReserve]
        );
        assert_eq!(Move::new(w(50), w(50), w(9)).postings().count(), 0);
    }

    fn post(
        ledger: &mut Ledger,
        id: &str,
        kind: PostingKind,
        won: i64,
    ) -> Result<Applied, LedgerError> {
        ledger.apply(Posting::new(id, kind, Won::new(won)).expect("valid posting"))
    }

    #[test]
    fn postings_keep_the_equation_and_refuse_overdrafts() {
        let mut l = Ledger::new();
        assert_eq!(
            post(&mut l, "appropriation", PostingKind::Appropriation, 100),
            Ok(Applied::Posted)
        );
        assert_eq!(
            post(&mut l, "case-1/reserve", PostingKind::Reserve, 80),
            Ok(Applied::Posted)
        );
        assert!(matches!(
            post(&mut l, "case-2/reserve", PostingKind::Reserve, 30),
            Err(LedgerError::Overdrawn { .. })
        ));
        assert_eq!(
            post(&mut l, "case-1/overrun", PostingKind::OverrunReserve, 5),
            Ok(Applied::Posted)
        );
        assert_eq!(
            post(&mut l, "case-1/pay", PostingKind::Pay, 50),
            Ok(Applied::Posted)
        );
        assert_eq!(
            post(&mut l, "case-1/clawback", PostingKind::Clawback, 10),
            Ok(Applied::Posted)
        );
        assert_eq!(
            post(&mut l, "case-1/recover", PostingKind::Recover, 10),
            Ok(Applied::Posted)
        );
        assert_eq!(
            post(&mut l, "top-up-1", PostingKind::TopUp, 20),
            Ok(Applied::Posted)
        );
        assert_eq!(
            post(&mut l, "top-up-1/clear", PostingKind::OverrunClear, 5),
            Ok(Applied::Posted)
        );
        assert!(matches!(
            post(&mut l, "too-much-clear", PostingKind::OverrunClear, 1),
            Err(LedgerError::Overdrawn { .. })
        ));
        assert_eq!(l.check(), Ok(()));
        assert_eq!(l.balance(Account::Available), Won::new(45));
        assert_eq!(l.balance(Account::Reserved), Won::new(35));
        assert_eq!(l.balance(Account::Paid), Won::new(40));
        assert_eq!(l.balance(Account::Overrun), Won::ZERO);
        assert_eq!(l.balance(Account::Funding), Won::new(120));
    }

    #[test]
    fn a_posting_id_is_an_idempotency_key() {
        let mut l = Ledger::new();
        assert_eq!(
            post(&mut l, "a", PostingKind::Appropriation, 100),
            Ok(Applied::Posted)
        );
        assert_eq!(
            post(&mut l, "a", PostingKind::Appropriation, 100),
            Ok(Applied::Exists)
        );
        assert_eq!(l.balance(Account::Available), Won::new(100));
        assert_eq!(
            post(&mut l, "a", PostingKind::Appropriation, 99),
            Err(LedgerError::Conflict { id: "a".into() })
        );
        assert!(Posting::new("b", PostingKind::Reserve, Won::ZERO).is_err());
    }
}
