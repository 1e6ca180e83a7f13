//! The claims file (FILES.md `claims`): a `bank` user its own bank's, a `tp` user any bank's.
//! The same claim again is skipped; a stored key with another amount or period end is an
//! error (a correction is a higher `revision`).

use jumpup_domain::ids::BankId;
use std::collections::HashMap;

use chrono::NaiveDate;
use jumpup_domain::workflow::Actor;
use jumpup_store::claims::{self, ClaimRow};
use jumpup_store::{Tx, identity};
use serde_json::json;

use super::{Decided, FileKind, ImportReport, conclude, outside_scope, row_error};
use crate::interchange::claims::{ClaimRecord, Parsed};
use crate::{Result, Services, in_write_tx};

/// A claim's key: bank, loan number, period start, revision.
type Key = (BankId, String, NaiveDate, i64);

fn key(row: &ClaimRow) -> Key {
    (
        row.bank_id,
        row.loan_no.clone(),
        row.period_from,
        row.revision,
    )
}

/// What a claims file's rows refer to, read once for all of them.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// The partner banks' ids by code.
    pub banks: HashMap<String, BankId>,
    /// The stored claims with the rows' keys.
    pub stored: HashMap<Key, ClaimRow>,
}

/// A row as the claim it would store, where its bank is a partner bank.
fn claim_row(r: &ClaimRecord, banks: &HashMap<String, BankId>) -> Option<ClaimRow> {
    Some(ClaimRow {
        bank_id: *banks.get(r.bank.as_str())?,
        loan_no: r.loan_no.clone(),
        period_from: r.period_from,
        period_to: r.period_to,
        claimed: r.claimed,
        revision: r.revision,
    })
}

/// Reads what `records` refer to.
async fn load(tx: &mut Tx, records: &[ClaimRecord]) -> Result<Known> {
    let banks = identity::bank_ids(tx).await?;
    let keyed: Vec<ClaimRow> = records
        .iter()
        .filter_map(|r| claim_row(r, &banks))
        .collect();
    let stored = claims::existing(tx, &keyed)
        .await?
        .into_iter()
        .map(|c| (key(&c), c))
        .collect();
    Ok(Known { banks, stored })
}

/// Judges every row as `who`: its scope, its bank, and any stored claim with its key.
pub(super) fn decide(
    parsed: &Parsed,
    known: &Known,
    who: Actor,
    mut progress: impl FnMut(usize),
) -> Decided<ClaimRow> {
    let mut decided = Decided::new(parsed);
    for (i, r) in parsed.records.iter().enumerate() {
        progress(i + 1);
        if outside_scope(who, r.bank) {
            decided.errors.push(row_error(
                r.row,
                "bank_code",
                format!("{} is another bank's claim", r.bank),
            ));
            continue;
        }
        let Some(row) = claim_row(r, &known.banks) else {
            decided.errors.push(row_error(
                r.row,
                "bank_code",
                format!("no partner bank {}", r.bank),
            ));
            continue;
        };
        match known.stored.get(&key(&row)) {
            Some(stored) if *stored == row => decided.skipped += 1,
            Some(_) => decided.errors.push(row_error(
                r.row,
                "revision",
                "contradicts the stored claim with this revision; send a higher revision",
            )),
            None => decided.new.push(row),
        }
    }
    decided
}

impl Services {
    /// Imports claims (`bank`, `tp`). All or nothing.
    pub(super) async fn import_claims(
        &self,
        actor_name: &str,
        parsed: &Parsed,
        digest: &str,
    ) -> Result<ImportReport> {
        let records = &parsed.records;
        in_write_tx!(self, |tx| {
            let (user, who, at) = self.importer(tx, actor_name, FileKind::Claims).await?;
            let known = load(tx, records).await?;
            let decided = decide(parsed, &known, who, self.checking(records.len()));
            decided.refuse_if_any()?;
            self.write_in_slices(
                "storing claims",
                tx,
                "claim",
                &decided.new,
                async |tx, slice| Ok(claims::insert_many(tx, slice, user.user_id, at).await?),
            )
            .await?;
            let details =
                json!({ "claims": decided.new.len(), "rows": records.len(), "digest": digest });
            conclude(tx, &user, at, FileKind::Claims, &decided, details).await
        })
    }
}

#[cfg(test)]
mod tests {
    use jumpup_domain::money::Won;
    use jumpup_domain::workflow::BankCode;

    use super::*;

    fn record(row: usize, bank: &str, claimed: i64, revision: i64) -> ClaimRecord {
        ClaimRecord {
            row,
            bank: BankCode::parse(bank).expect("a code"),
            loan_no: "L-1".into(),
            period_from: "2025-10-01".parse().expect("a date"),
            period_to: "2025-10-31".parse().expect("a date"),
            claimed: Won::new(claimed),
            revision,
        }
    }

    #[test]
    fn claims_are_new_repeated_or_contradicting_by_their_key_within_the_actors_scope() {
        let banks = HashMap::from([
            ("003".to_owned(), BankId(3)),
            ("020".to_owned(), BankId(20)),
        ]);
        let stored = claim_row(&record(0, "003", 1_000, 1), &banks).expect("a partner bank");
        let known = Known {
            stored: HashMap::from([(key(&stored), stored)]),
            banks,
        };
        let parsed = Parsed {
            records: vec![
                record(2, "003", 1_000, 1),
                record(3, "003", 999, 1),
                record(4, "003", 999, 2),
                record(5, "020", 5, 1),
                record(6, "088", 5, 1),
            ],
            ..Parsed::new(Vec::new())
        };
        let as_tp = decide(&parsed, &known, Actor::Tp, |_| {});
        assert_eq!(as_tp.skipped, 1);
        assert_eq!(
            as_tp
                .new
                .iter()
                .map(|c| (c.bank_id, c.revision))
                .collect::<Vec<_>>(),
            vec![(BankId(3), 2), (BankId(20), 1)]
        );
        let refused = |d: &Decided<ClaimRow>| -> Vec<(usize, String)> {
            d.errors
                .clone()
                .into_listed()
                .into_iter()
                .map(|e| (e.row, e.column))
                .collect()
        };
        assert_eq!(
            refused(&as_tp),
            vec![(3, "revision".to_owned()), (6, "bank_code".to_owned())]
        );
        let as_bank = decide(
            &parsed,
            &known,
            Actor::Bank(BankCode::parse("003").expect("a code")),
            |_| {},
        );
        assert_eq!(
            refused(&as_bank),
            vec![
                (3, "revision".to_owned()),
                (5, "bank_code".to_owned()),
                (6, "bank_code".to_owned())
            ]
        );
    }
}
