//! The approval plan's properties (RULES.md 6.4), over generated batches: what it pays and
//! claws back is exactly the batch's; no account of any case goes negative; a bank never has
//! more recovered than it is paid, per programme; recovery takes the oldest case first; a
//! finishing case ends holding nothing; the available budget never goes negative (overruns
//! take what it cannot cover).

use std::collections::BTreeMap;

use jumpup_domain::approval::{ApprovalInput, CaseMoney, Receivable, plan};
use jumpup_domain::ids::{BankId, BatchId, CaseId};
use jumpup_domain::ledger::{Account, PostingKind};
use jumpup_domain::money::Won;
use proptest::prelude::*;

const PROGRAMS: [&str; 2] = ["incheon-jumpup", "incheon-agreement-guarantee"];

fn input() -> impl Strategy<Value = ApprovalInput> {
    let case = (
        0usize..2,
        1i64..4,
        0i64..1_000_000_000,
        0i64..50_000_000,
        0i64..1_000_000_000,
    );
    (
        prop::collection::btree_map(1i64..40, case, 0..16),
        prop::collection::vec((1i64..40, 0usize..2, 1i64..4, 0i64..80_000_000), 0..12),
        prop::collection::btree_set(1i64..40, 0..10),
        (0i64..2_000_000_000, 0i64..2_000_000_000),
    )
        .prop_map(|(cases, owed, finishing, (a0, a1))| {
            let mut input = ApprovalInput {
                available: [
                    (PROGRAMS[0].to_owned(), Won::new(a0)),
                    (PROGRAMS[1].to_owned(), Won::new(a1)),
                ]
                .into_iter()
                .collect(),
                ..ApprovalInput::new(BatchId(7))
            };
            // A case has one programme and one bank, whichever list names it first.
            let mut of_case: BTreeMap<i64, (usize, i64)> = BTreeMap::new();
            for (id, (program, bank, paid, clawed, reserved)) in cases {
                of_case.insert(id, (program, bank));
                input.cases.insert(
                    CaseId(id),
                    CaseMoney {
                        program: PROGRAMS[program].to_owned(),
                        bank_id: BankId(bank),
                        paid: Won::new(paid),
                        clawed: Won::new(clawed),
                    },
                );
                input.reserved.insert(CaseId(id), Won::new(reserved));
            }
            for (id, program, bank, amount) in owed {
                let (program, bank) = *of_case.entry(id).or_insert((program, bank));
                input
                    .receivables
                    .entry(BankId(bank))
                    .or_default()
                    .push(Receivable {
                        case_id: CaseId(id),
                        program: PROGRAMS[program].to_owned(),
                        owed: Won::new(amount),
                    });
            }
            for list in input.receivables.values_mut() {
                list.sort_by_key(|r| r.case_id);
                list.dedup_by_key(|r| r.case_id);
            }
            for id in finishing {
                let (program, _) = *of_case.entry(id).or_insert((0, 1));
                input
                    .finishing
                    .insert(CaseId(id), PROGRAMS[program].to_owned());
                input
                    .reserved
                    .entry(CaseId(id))
                    .or_insert(Won::new(id * 1_000_000));
            }
            input
        })
}

/// Each (case, account)'s change under the plan's postings, and each programme's available.
fn effects(input: &ApprovalInput) -> (BTreeMap<(CaseId, Account), Won>, BTreeMap<String, Won>) {
    let p = plan(input);
    let mut by_case: BTreeMap<(CaseId, Account), Won> = BTreeMap::new();
    let mut available = input.available.clone();
    for (program, posting, case_id) in p.postings() {
        let (from, to) = posting.kind().accounts();
        *by_case.entry((case_id, from)).or_insert(Won::ZERO) -= posting.amount();
        *by_case.entry((case_id, to)).or_insert(Won::ZERO) += posting.amount();
        let a = available.entry(program.to_owned()).or_insert(Won::ZERO);
        if from == Account::Available {
            *a -= posting.amount();
        }
        if to == Account::Available {
            *a += posting.amount();
        }
    }
    (by_case, available)
}

proptest! {
    #[test]
    fn it_pays_and_claws_back_exactly_the_batch(input in input()) {
        let p = plan(&input);
        let total = |kind: PostingKind| -> Won {
            p.postings().filter(|(_, x, _)| x.kind() == kind).map(|(_, x, _)| x.amount()).sum()
        };
        prop_assert_eq!(total(PostingKind::Pay), input.cases.values().map(|m| m.paid).sum::<Won>());
        prop_assert_eq!(total(PostingKind::Clawback), input.cases.values().map(|m| m.clawed).sum::<Won>());
        let ids: std::collections::BTreeSet<&str> = p.postings().map(|(_, x, _)| x.id()).collect();
        prop_assert_eq!(ids.len(), p.postings().count(), "posting ids are unique");
        let paid: Won = p.transfers.values().map(|t| t.paid).sum();
        prop_assert_eq!(paid, total(PostingKind::Pay));
        let recovered: Won = p.transfers.values().map(|t| t.recovered).sum();
        prop_assert_eq!(recovered, total(PostingKind::Recover));
    }

    #[test]
    fn no_case_account_and_no_budget_goes_negative(input in input()) {
        let (by_case, available) = effects(&input);
        for (&case_id, &held) in &input.reserved {
            let after = held + by_case.get(&(case_id, Account::Reserved)).copied().unwrap_or(Won::ZERO);
            prop_assert!(after >= Won::ZERO, "case {case_id} holds {after}");
            if input.finishing.contains_key(&case_id) {
                prop_assert_eq!(after, Won::ZERO, "finishing case {} releases all it holds", case_id);
            }
        }
        for ((case_id, account), change) in &by_case {
            if *account == Account::ClawbackReceivable {
                let before: Won = input.receivables.values().flatten()
                    .filter(|r| r.case_id == *case_id).map(|r| r.owed).sum();
                prop_assert!(before + *change >= Won::ZERO, "case {case_id} owes {}", before + *change);
            }
        }
        for (program, after) in available {
            prop_assert!(after >= Won::ZERO, "{program} has {after} available");
        }
    }

    #[test]
    fn recovery_never_exceeds_payments_and_takes_the_oldest_case_first(input in input()) {
        let p = plan(&input);
        for t in p.transfers.values() {
            prop_assert!(t.recovered <= t.paid && t.amount() >= Won::ZERO);
        }
        let mut paid: BTreeMap<(BankId, &str), Won> = BTreeMap::new();
        for m in input.cases.values() {
            *paid.entry((m.bank_id, m.program.as_str())).or_insert(Won::ZERO) += m.paid;
        }
        let bank_of = |case_id: CaseId| -> Option<BankId> {
            input.cases.get(&case_id).map(|m| m.bank_id).or_else(|| {
                input.receivables.iter()
                    .find(|(_, list)| list.iter().any(|r| r.case_id == case_id))
                    .map(|(b, _)| *b)
            })
        };
        let mut recovered: BTreeMap<(BankId, &str), Vec<(CaseId, Won)>> = BTreeMap::new();
        for (program, list) in &p.recoveries {
            for (posting, case_id) in list {
                let bank = bank_of(*case_id).expect("a recovered case has a bank");
                recovered.entry((bank, program.as_str())).or_default().push((*case_id, posting.amount()));
            }
        }
        for (key, list) in &recovered {
            let total: Won = list.iter().map(|(_, w)| *w).sum();
            prop_assert!(total <= paid.get(key).copied().unwrap_or(Won::ZERO));
            // Every case but the last recovered in full: oldest first.
            for (case_id, took) in &list[..list.len() - 1] {
                let owed: Won = input.receivables.values().flatten()
                    .filter(|r| r.case_id == *case_id).map(|r| r.owed).sum::<Won>()
                    + input.cases.get(case_id).map_or(Won::ZERO, |m| m.clawed);
                prop_assert_eq!(*took, owed, "case {} before a later one is recovered in full", case_id);
            }
            prop_assert!(list.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }
}

#[test]
fn a_case_paid_beyond_its_reservation_reserves_the_rest_then_overruns() {
    let input = ApprovalInput {
        cases: [(
            CaseId(10),
            CaseMoney {
                program: PROGRAMS[0].into(),
                bank_id: BankId(1),
                paid: Won::new(500),
                clawed: Won::ZERO,
            },
        )]
        .into_iter()
        .collect(),
        reserved: [(CaseId(10), Won::new(100))].into_iter().collect(),
        available: [(PROGRAMS[0].to_owned(), Won::new(150))]
            .into_iter()
            .collect(),
        ..ApprovalInput::new(BatchId(3))
    };
    let p = plan(&input);
    let kinds: Vec<(PostingKind, i64, &str)> = p.payments[PROGRAMS[0]]
        .iter()
        .map(|(x, _)| (x.kind(), x.amount().get(), x.id()))
        .collect();
    assert_eq!(
        kinds,
        [
            (PostingKind::Reserve, 150, "settle:3:reserve:10"),
            (
                PostingKind::OverrunReserve,
                250,
                "settle:3:overrun_reserve:10"
            ),
            (PostingKind::Pay, 500, "settle:3:pay:10"),
        ]
    );
    assert_eq!(p.transfers[&BankId(1)].amount(), Won::new(500));
}

#[test]
fn a_clawback_is_recovered_from_the_same_banks_payments_in_the_same_programme() {
    let money = |program: &str, bank, paid, clawed| CaseMoney {
        program: program.into(),
        bank_id: BankId(bank),
        paid: Won::new(paid),
        clawed: Won::new(clawed),
    };
    let input = ApprovalInput {
        cases: [
            (CaseId(1), money(PROGRAMS[0], 1, 0, 300)),
            (CaseId(2), money(PROGRAMS[0], 1, 200, 0)),
            (CaseId(3), money(PROGRAMS[1], 1, 1_000, 0)),
            (CaseId(4), money(PROGRAMS[0], 2, 1_000, 0)),
        ]
        .into_iter()
        .collect(),
        reserved: [
            (CaseId(2), Won::new(200)),
            (CaseId(3), Won::new(1_000)),
            (CaseId(4), Won::new(1_000)),
        ]
        .into_iter()
        .collect(),
        ..ApprovalInput::new(BatchId(4))
    };
    let p = plan(&input);
    let recovered: Vec<(i64, i64)> = p.recoveries[PROGRAMS[0]]
        .iter()
        .map(|(x, c)| (c.0, x.amount().get()))
        .collect();
    assert_eq!(
        recovered,
        [(1, 200)],
        "bank 1 pays 200 in this programme; bank 2's payments are its own"
    );
    assert!(!p.recoveries.contains_key(PROGRAMS[1]));
    assert_eq!(p.transfers[&BankId(1)].amount(), Won::new(1_000));
    assert_eq!(p.transfers[&BankId(2)].amount(), Won::new(1_000));
}
