//! Whether a case is finished, and its state kept true to that as its events change: the rule
//! itself is the domain's (`subsidy::Ending::is_finished`); this reads what it needs (the
//! case's subsidy as its events now stand, its settled periods) and writes the outcome.

use jumpup_domain::ids::{CaseId, LoanId};
use std::collections::HashSet;

use jumpup_domain::date::Date;
use jumpup_domain::money::Won;
use jumpup_domain::subsidy::Ending;
use jumpup_domain::workflow::{self, State};
use jumpup_store::settlement as store;
use jumpup_store::{StoreError, Tx, audit, cases};

use super::settle::{NOW, for_each_subsidy};
use super::{Quiet, Result, ServiceError, entry};

fn corrupt(what: String) -> ServiceError {
    StoreError::Corrupt(what).into()
}

/// Re-derives a finished case's state after its events changed (RULES.md 6.3): a late
/// `ineligible` moves a completed case to `terminated`; cancelling the event that ended it
/// moves it back to `loan_executed`, reserving again what its unsettled periods need.
pub(crate) async fn reconcile_finished(
    tx: &mut Tx,
    user: Option<&jumpup_store::identity::User>,
    case_id: CaseId,
    loan_id: LoanId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let mut row = cases::get(tx, case_id)
        .await?
        .ok_or_else(|| corrupt(format!("case {case_id}")))?;
    let today = crate::korea_date(at);
    let (all_settled, unsettled, ended) = settlement_state(tx, case_id, loan_id, today).await?;
    let target = if all_settled {
        ended
    } else {
        State::LoanExecuted
    };
    if target == row.state {
        return Ok(());
    }
    let before = super::cases::case_json(&row);
    row.state = target;
    // A finished case has a loan, lent by the case's bank.
    let bank_id = jumpup_store::events::loan_of_case(tx, case_id)
        .await?
        .map(|(_, l)| l.bank_id);
    cases::update(tx, &row, bank_id, at).await?;
    if target == State::LoanExecuted {
        super::cases::set_reservation(tx, &row, unsettled, at).await?;
    }
    audit::append(
        tx,
        entry(
            at,
            user,
            "case.reconcile",
            format!("case:{case_id}"),
            before.to_string(),
            super::cases::case_json(&row).to_string(),
        ),
    )
    .await?;
    Ok(())
}

/// Whether a case is finished by `today` (`Ending::is_finished`), what its unsettled periods still
/// reserve (RULES.md 6.4), and the state it ends in, as the events now stand.
pub(crate) async fn settlement_state(
    tx: &mut Tx,
    case_id: CaseId,
    loan_id: LoanId,
    today: Date,
) -> Result<(bool, Won, State)> {
    let mut found = None;
    for_each_subsidy(tx, &[loan_id], NOW, None, (&Quiet, ""), |_, s, _| {
        found = Some(s);
        Ok(())
    })
    .await?;
    let s = found.ok_or_else(|| corrupt(format!("loan {loan_id}")))?;
    let ending = Ending::of(&s);
    let settled: HashSet<Date> = store::settled_periods(tx, &[case_id])
        .await?
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    let unsettled: Won = s
        .reservation
        .iter()
        .filter(|r| !settled.contains(&r.from))
        .map(|r| r.amount)
        .sum();
    Ok((
        ending.is_finished(today, |from| settled.contains(&from)),
        unsettled,
        workflow::ended_state(ending.end_reason, ending.forfeited),
    ))
}
