use jumpup_domain::date::{Date, DayCount, add_months};
use jumpup_domain::grade::KiboGrade;
use jumpup_domain::guarantee::GuaranteeTerms;
use jumpup_domain::loan::{Event, EventKind, History, Loan};
use jumpup_domain::money::Won;
use jumpup_domain::pct::Pct;
use jumpup_domain::quote::{Quote, QuoteInput, quote};
use jumpup_domain::rules::{ClaimPeriod, GuaranteeRules, Rules, SubsidyBase, SubsidyRules};
use proptest::prelude::*;

fn pct(units: u32) -> Pct {
    Pct::from_units(units).expect("test percentage")
}

fn day(offset: u32) -> Date {
    Date::from_ymd_opt(2024, 1, 1).expect("date") + chrono::Days::new(offset.into())
}

/// A loan, its rules and raw events, made valid by construction: events sorted by date,
/// repayments a share of the balance left, arrears toggled in turn.
#[derive(Debug, Clone)]
struct Case {
    rules: Rules,
    grade: Option<KiboGrade>,
    loan: Loan,
    coverage: Pct,
    events: Vec<Event>,
}

impl Case {
    fn input(&self) -> QuoteInput {
        let guarantee = GuaranteeTerms::new(self.coverage, pct(12_000), &self.rules.guarantee)
            .expect("coverage");
        let history = History::new(self.loan.principal(), self.loan.executed_on(), &self.events)
            .expect("valid events by construction");
        QuoteInput {
            rules: self.rules.clone(),
            grade: self.grade,
            loan: self.loan.clone(),
            guarantee,
            history,
        }
    }

    fn quote(&self) -> Quote {
        quote(&self.input())
    }
}

fn rules(
    claim_period: ClaimPeriod,
    base: SubsidyBase,
    day_count: DayCount,
    min_borrower: u32,
    unit: i64,
    term: u32,
    cap: i64,
) -> Rules {
    Rules {
        guarantee: GuaranteeRules {
            coverage_pct_min: pct(900_000),
            coverage_pct_max: pct(1_000_000),
            fee_discount_pct: pct(3_000),
            fee_discount_years: 3,
            fee_floor_pct: pct(5_000),
            fee_day_count: DayCount::Actual365,
        },
        subsidy: SubsidyRules {
            rate_pct: pct(20_000),
            term_months: term,
            min_borrower_rate_pct: pct(min_borrower),
            base,
            cap_won: Won::new(cap),
            cap_won_grade_a_or_above: Won::new(cap * 3),
            claim_period,
            day_count,
            payment_unit_won: Won::new(unit),
        },
    }
}

fn case() -> impl Strategy<Value = Case> {
    let rule_parts = (
        prop_oneof![
            Just(ClaimPeriod::Month),
            Just(ClaimPeriod::Quarter),
            Just(ClaimPeriod::Term)
        ],
        prop_oneof![Just(SubsidyBase::Loan), Just(SubsidyBase::Guaranteed)],
        prop_oneof![Just(DayCount::ActualActual), Just(DayCount::Actual365)],
        prop_oneof![Just(0u32), 0u32..40_000],
        prop_oneof![Just(1i64), Just(10), Just(1000)],
        1u32..=36,
        prop_oneof![Just(1_000_000_000i64), 1i64..2_000_000_000],
    );
    let loan_parts = (
        0u32..2_500,
        1u32..=72,
        1i64..5_000_000_000,
        0u32..150_000,
        prop::option::of(0usize..9),
        180u32..=200,
    );
    let raw_events = prop::collection::vec((0u32..900, 0u8..8, 1u32..=100, 0u32..150_000), 0..8);
    (rule_parts, loan_parts, raw_events).prop_map(
        |(
            (cp, base, dc, minb, unit, term, cap),
            (exec, months, principal, rate, grade, cov),
            raw,
        )| {
            let executed_on = day(exec);
            let loan = Loan::new(
                Won::new(principal),
                pct(rate),
                executed_on,
                add_months(executed_on, months),
            )
            .expect("loan");
            let mut raw = raw;
            raw.sort_by_key(|r| r.0);
            let mut balance = principal;
            let mut in_arrears = false;
            let mut events = Vec::new();
            for (offset, kind, share, new_rate) in raw {
                let on = executed_on + chrono::Days::new(offset.into());
                let kind = match kind {
                    0 | 1 => {
                        // A share of the balance left; 100 repays it all.
                        let amount = balance * i64::from(share) / 100;
                        if amount == 0 {
                            continue;
                        }
                        balance -= amount;
                        EventKind::Repayment(Won::new(amount))
                    }
                    2 => EventKind::RateChange(pct(new_rate)),
                    3 | 4 => {
                        in_arrears = !in_arrears;
                        if in_arrears {
                            EventKind::ArrearsStart
                        } else {
                            EventKind::ArrearsEnd
                        }
                    }
                    5 => EventKind::Relocation,
                    6 => EventKind::Default,
                    _ => EventKind::Ineligible,
                };
                events.push(Event { on, kind });
            }
            Case {
                rules: rules(cp, base, dc, minb, unit, term, cap),
                grade: grade.map(|g| KiboGrade::ALL[g]),
                loan,
                coverage: pct(cov * 5_000),
                events,
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_payment_is_at_most_its_claim_and_every_claim_at_most_its_reservation(c in case()) {
        let q = c.quote();
        let s = &q.subsidy;
        for p in &s.periods {
            prop_assert!(p.payment <= p.claim);
            let reserved = s.reservation.iter().find(|r| r.from == p.from).expect("a reservation period for every claim period");
            prop_assert!(p.to <= reserved.to);
            prop_assert!(p.claim <= reserved.amount, "period {} claim {} reserved {}", p.from, p.claim, reserved.amount);
            let segs = s.segments_of(p);
            prop_assert_eq!(segs.iter().map(|x| x.days).sum::<i64>(), p.days);
            prop_assert_eq!(segs.first().map(|x| x.from), Some(p.from));
            prop_assert_eq!(segs.last().map(|x| x.to), Some(p.to));
        }
        prop_assert!(s.payment_total <= s.claim_total);
        prop_assert!(s.claim_total <= s.reservation_total);
    }

    #[test]
    fn monthly_claims_add_up_to_a_single_claim_less_at_most_one_won_a_month(c in case()) {
        let mut monthly = c.clone();
        monthly.rules.subsidy.claim_period = ClaimPeriod::Month;
        let mut single = c;
        single.rules.subsidy.claim_period = ClaimPeriod::Term;
        let months = monthly.quote().subsidy;
        let whole = single.quote().subsidy;
        let sum = months.claim_total.get();
        let one = whole.claim_total.get();
        prop_assert!(sum <= one);
        prop_assert!(one - sum < months.periods.len().max(1) as i64, "sum {} single {} months {}", sum, one, months.periods.len());
    }

    #[test]
    fn adding_a_repayment_never_raises_any_claim(c in case(), at in 0u32..900, share in 1i64..=100) {
        let before = c.quote();
        let on = c.loan.executed_on() + chrono::Days::new(at.into());
        // The most that can be repaid on `on` and keep every later repayment within the balance.
        let history = History::new(c.loan.principal(), c.loan.executed_on(), &c.events).expect("valid");
        let mut room = history.balance_on(c.loan.principal(), on).get();
        for e in history.events().iter().filter(|e| e.on > on) {
            room = room.min(history.balance_on(c.loan.principal(), e.on).get());
        }
        let amount = room * share / 100;
        prop_assume!(amount > 0);
        let mut more = c.clone();
        more.events.push(Event { on, kind: EventKind::Repayment(Won::new(amount)) });
        let after = more.quote();
        for p in &after.subsidy.periods {
            let old = before.subsidy.periods.iter().find(|o| o.from == p.from).expect("no new periods");
            prop_assert!(p.claim <= old.claim, "period {}: {} after, {} before", p.from, p.claim, old.claim);
        }
        prop_assert!(after.subsidy.periods.len() <= before.subsidy.periods.len());
    }

    #[test]
    fn the_guaranteed_amount_never_exceeds_the_principal(c in case()) {
        let q = c.quote();
        prop_assert!(q.guarantee.guaranteed <= c.loan.principal());
        for y in &q.guarantee.fees {
            prop_assert!(y.base <= q.guarantee.guaranteed);
        }
        prop_assert!(q.guarantee.refund_won() <= q.guarantee.fee_total);
    }
}

proptest! {
    #[test]
    fn any_sequence_of_accepted_postings_keeps_the_budget_equation(
        moves in prop::collection::vec((0usize..9, 1i64..1_000_000, 0usize..40), 1..200),
    ) {
        use jumpup_domain::ledger::{Ledger, Posting, PostingKind};
        let mut ledger = Ledger::new();
        for (kind, amount, id) in moves {
            let kind = PostingKind::ALL[kind];
            // Ids repeat on purpose: a repeat is either the same posting or a conflict.
            let posting = Posting::new(format!("p{id}-{}", kind.as_str()), kind, Won::new(amount)).expect("positive");
            let _ = ledger.apply(posting);
            prop_assert_eq!(ledger.check(), Ok(()));
        }
    }
}
