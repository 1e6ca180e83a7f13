//! The case workflow through the services, on both databases, with a clock the test moves:
//! reservations, pinning, the waitlist in order, overruns and top-ups, expiry.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use jumpup_domain::date::{Date, parse_date};
use jumpup_domain::grade::KiboGrade;
use jumpup_domain::ids::CaseId;
use jumpup_domain::ledger::Account;
use jumpup_domain::loan::Loan;
use jumpup_domain::money::Won;
use jumpup_domain::pct::Pct;
use jumpup_domain::regno::BusinessNumber;
use jumpup_domain::workflow::{
    BankCode, Check, CheckItem, Command, LoanTerms, Role, Selection, State,
};
use jumpup_service::identity::NewScope;
use jumpup_service::{Clock, ServiceError, Services};
use jumpup_store::identity::NewFirm;
use jumpup_store::{Db, both};

/// A clock the test sets; it reads 01:00 Korea time (16:00 UTC the day before).
#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn on(day: &str) -> Arc<TestClock> {
        let clock = Arc::new(TestClock(Mutex::new(Utc::now())));
        clock.set(day);
        clock
    }

    pub fn set(&self, day: &str) {
        let d = parse_date(day).expect("date") - chrono::Days::new(1);
        let at = Utc.from_utc_datetime(&d.and_hms_opt(16, 0, 0).expect("time"));
        *self.0.lock().expect("clock") = at;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock")
    }
}

pub fn d(s: &str) -> Date {
    parse_date(s).expect("date")
}

pub fn pct(s: &str) -> Pct {
    Pct::parse(s).expect("pct")
}

/// A small fictional programme whose budget the tests can exhaust.
pub fn test_programme(budget_won: i64, per_firm_won: i64) -> String {
    format!(
        r#"
id = "test-city"
name_ko = "시험 도시"
name_en = "Test City"
[[versions]]
in_force_from = 2025-01-01
budget.subsidy_won = {budget_won}
budget.guarantee_supply_won = 0
limit.per_firm_won = {per_firm_won}
limit.per_firm_won_grade_a_or_above = {per_firm_won}
case.loan_deadline_days = 90
guarantee.coverage_pct_min = "90"
guarantee.coverage_pct_max = "100"
guarantee.fee_discount_pct = "0.3"
guarantee.fee_discount_years = 3
guarantee.fee_floor_pct = "0.5"
guarantee.fee_day_count = "actual_365"
subsidy.rate_pct = "2.0"
subsidy.term_months = 12
subsidy.min_borrower_rate_pct = "0"
subsidy.base = "loan"
subsidy.cap_won = 1_000_000_000
subsidy.cap_won_grade_a_or_above = 3_000_000_000
subsidy.claim_period = "month"
subsidy.day_count = "actual_actual"
subsidy.payment_unit_won = 1
"#
    )
}

/// The test programme's rules.
pub fn rules() -> jumpup_domain::rules::Rules {
    let program = jumpup_service::catalog::parse_program("test-city.toml", &test_programme(1, 1))
        .expect("programme");
    program.versions()[0].params.rules.clone()
}

/// What an approval of `amount` on `day` reserves under the test programme.
pub fn reservation(amount: i64, day: &str) -> Won {
    jumpup_domain::workflow::reservation_at_approval(
        &rules(),
        KiboGrade::Bbb,
        Won::new(amount),
        d(day),
    )
}

/// Users of every role, a bank, a firm, and the test programme approved.
pub async fn setup(db: Db, clock: Arc<TestClock>, programme: &str) -> Services {
    let s = Services::start(db, clock).await.expect("start");
    s.add_user(None, "root", Role::Admin, NewScope::None, None)
        .await
        .expect("admin");
    s.add_bank("root", BankCode::parse("004").expect("code"), "KB")
        .await
        .expect("bank");
    let firm = NewFirm {
        business_no: BusinessNumber::parse("124-81-00998").expect("bno"),
        corporate_no: None,
        name: "주식회사 시험".into(),
        address: "인천 연수구".into(),
        district: "연수구".into(),
        industry_code: "C26".into(),
    };
    s.add_firm("root", &firm).await.expect("firm");
    for (name, role) in [
        ("mayor", Role::City),
        ("officer", Role::Tp),
        ("reviewer", Role::Kibo),
    ] {
        s.add_user(Some("root"), name, role, NewScope::None, None)
            .await
            .expect("user");
    }
    s.add_user(
        Some("root"),
        "clerk",
        Role::Bank,
        NewScope::Bank(BankCode::parse("004").expect("code")),
        None,
    )
    .await
    .expect("clerk");
    s.add_user(
        Some("root"),
        "owner",
        Role::Firm,
        NewScope::Firm(firm.business_no),
        None,
    )
    .await
    .expect("owner");
    let program =
        jumpup_service::catalog::parse_program("test-city.toml", programme).expect("programme");
    s.import_program("root", &program).await.expect("import");
    s.approve_program("mayor", "test-city", d("2025-01-01"))
        .await
        .expect("approve");
    s
}

/// A case of `amount` taken to eligibility review with every item met.
pub async fn reviewed_case(s: &Services, amount: i64) -> CaseId {
    let id = s
        .new_case("owner", "test-city", Won::new(amount))
        .await
        .expect("new")
        .case_id;
    s.case_command("owner", id, Command::Submit)
        .await
        .expect("submit");
    s.case_command("reviewer", id, Command::TakeIntoReview)
        .await
        .expect("review");
    let selection = Selection {
        grade: KiboGrade::Bbb,
        coverage: pct("95"),
        base_fee_rate: pct("1.2"),
        approved_amount: Won::new(amount),
        bank: BankCode::parse("004").expect("code"),
    };
    s.case_command("reviewer", id, Command::Select(selection))
        .await
        .expect("select");
    s.case_command("officer", id, Command::StartEligibilityReview)
        .await
        .expect("eligibility");
    for item in CheckItem::ALL {
        let check = Check {
            item,
            met: true,
            evidence: format!("document {}", item.as_str()),
        };
        s.case_command("officer", id, Command::Check(check))
            .await
            .expect("check");
    }
    id
}

async fn state(s: &Services, id: CaseId) -> State {
    s.read_cases("mayor", Some(id), None, 0, 1)
        .await
        .expect("read")[0]
        .state
}

async fn balance(s: &Services, account: Account) -> Won {
    let budgets = s.budgets().await.expect("budgets");
    let b = budgets
        .iter()
        .find(|b| b.program_id == "test-city")
        .expect("test-city budget");
    assert_eq!(b.check, Ok(()), "the ledger's invariants hold");
    assert_eq!(
        s.misplaced_reservations().await.expect("check"),
        Vec::new(),
        "reservations sit with holding cases"
    );
    b.balances
        .iter()
        .find(|(a, _)| *a == account)
        .expect("account")
        .1
}

fn execute(loan_no: &str, principal: i64, on: &str) -> Command {
    Command::ExecuteLoan(LoanTerms {
        loan_no: loan_no.into(),
        loan: Loan::new(Won::new(principal), pct("4.5"), d(on), d("2029-01-01")).expect("loan"),
    })
}

#[track_caller]
fn refused_with(result: Result<jumpup_store::cases::CaseRow, ServiceError>, code: &str) {
    match result {
        Err(ServiceError::Refused { reason, .. }) => assert_eq!(reason.code(), code),
        other => panic!("expected a refusal {code}, got {other:?}"),
    }
}

both! {
    async fn the_whole_workflow_reserves_at_approval_and_recomputes_at_loan_execution(db) {
        let clock = TestClock::on("2025-09-01");
        let s = setup(db, clock.clone(), &test_programme(2_000_000_000, 1_000_000_000)).await;
        let id = reviewed_case(&s, 500_000_000).await;
        s.case_command("officer", id, Command::Approve).await.expect("approve");
        // 500,000,000 for 12 months from 2025-09-01 at 2%: 9,999,996 (as quote example 01).
        assert_eq!(balance(&s, Account::Reserved).await, Won::new(9_999_996));
        refused_with(s.case_command("clerk", id, execute("L-1", 500_000_000, "2025-09-10")).await, "wrong_state");
        s.case_command("reviewer", id, Command::IssueGuarantee { guarantee_no: "G-1".into() }).await.expect("guarantee");
        refused_with(s.case_command("clerk", id, execute("L-1", 500_000_001, "2025-09-10")).await, "above_approved_amount");
        refused_with(s.case_command("owner", id, execute("L-1", 400_000_000, "2025-09-10")).await, "role_not_allowed");
        clock.set("2025-09-10");
        let row = s.case_command("clerk", id, execute("L-1", 400_000_000, "2025-09-10")).await.expect("execute");
        assert_eq!(row.state, State::LoanExecuted);
        // Recomputed for the real loan: 400,000,000 from 2025-09-10 for 12 months, monthly.
        let loan = Loan::new(Won::new(400_000_000), pct("4.5"), d("2025-09-10"), d("2029-01-01")).expect("loan");
        let expected: Won = jumpup_domain::subsidy::reservation(&rules().subsidy, Some(KiboGrade::Bbb), &loan)
            .iter()
            .map(|p| p.amount)
            .sum();
        assert_eq!(balance(&s, Account::Reserved).await, expected);
        assert_eq!(balance(&s, Account::Available).await, Won::new(2_000_000_000).checked_sub(expected).expect("won"));
        refused_with(s.case_command("owner", id, Command::Withdraw).await, "wrong_state");
    }

    async fn approvals_beyond_the_budget_wait_and_are_promoted_in_order_when_budget_frees(db) {
        let _clock = TestClock::on("2025-09-01");
        let big = reservation(500_000_000, "2025-09-01");
        let small_reservation = reservation(50_000_000, "2025-09-01");
        assert_eq!(big, Won::new(9_999_996));
        // Room for two big reservations and a little more than a small one.
        let budget = 2 * big.get() + small_reservation.get() + 9;
        let s = setup(db, _clock.clone(), &test_programme(budget, 10_000_000_000)).await;
        let a = reviewed_case(&s, 500_000_000).await;
        let b = reviewed_case(&s, 500_000_000).await;
        let c = reviewed_case(&s, 500_000_000).await;
        let small = reviewed_case(&s, 50_000_000).await;
        for id in [a, b, c, small] {
            s.case_command("officer", id, Command::Approve).await.expect("approve or waitlist");
        }
        assert_eq!(state(&s, a).await, State::Approved);
        assert_eq!(state(&s, b).await, State::Approved);
        assert_eq!(state(&s, c).await, State::Waitlisted);
        // The small one would fit, but it queues behind the waitlisted case (strict order).
        assert_eq!(state(&s, small).await, State::Waitlisted);
        // A top-up that does not fit the head of the queue promotes nobody behind it either.
        s.top_up("mayor", "test-city", Won::new(5_000_000), "CITY-2025-1").await.expect("top up");
        // The same top-up again (a retried request) credits nothing.
        assert!(!s.top_up("mayor", "test-city", Won::new(5_000_000), "CITY-2025-1").await.expect("again"));
        match s.top_up("mayor", "test-city", Won::new(6_000_000), "CITY-2025-1").await {
            Err(ServiceError::Refused { reason, .. }) => assert_eq!(reason.code(), "reference_reused"),
            other => panic!("{other:?}"),
        }
        assert_eq!(state(&s, c).await, State::Waitlisted);
        assert_eq!(state(&s, small).await, State::Waitlisted);
        // Withdrawing an approved case frees its reservation and promotes, in the same
        // transaction and in order, both waiting cases.
        s.case_command("owner", a, Command::Withdraw).await.expect("withdraw");
        assert_eq!(state(&s, a).await, State::Withdrawn);
        assert_eq!(state(&s, c).await, State::Approved);
        assert_eq!(state(&s, small).await, State::Approved);
        let reserved = 2 * big.get() + small_reservation.get();
        assert_eq!(balance(&s, Account::Reserved).await, Won::new(reserved));
        assert_eq!(balance(&s, Account::Available).await, Won::new(budget + 5_000_000 - reserved));
        // Each posting is sealed by the entry of the step that wrote it: the release by the
        // withdrawal, each promoted case's reservation by its own promotion.
        let sealed_by = jumpup_store::testing::query_texts(&s.db, &format!(
            "select cast(p.case_id as text) || ' ' || p.kind || ' ' || a.action || ' ' || a.subject \
             from budget_posting p join audit_entry a on a.seq = p.audit_seq \
             where p.case_id in ({a}, {c}, {small}) order by p.audit_seq, p.case_id, p.kind")).await;
        assert_eq!(sealed_by, [
            format!("{a} reserve case.approve case:{a}"),
            format!("{a} release case.withdraw case:{a}"),
            format!("{c} reserve case.promote case:{c}"),
            format!("{small} reserve case.promote case:{small}"),
        ]);
        assert!(s.ledger_check().await.expect("ledger check").ok());
    }

    async fn a_loan_costing_more_than_available_books_an_overrun_that_a_top_up_clears(db) {
        // Approved 2027-02-01: the term has no 29 February. Executed 2027-03-05: its term holds
        // 29 February 2028, so the real reservation is higher than the approval's.
        let clock = TestClock::on("2027-02-01");
        let at_approval = reservation(500_000_000, "2027-02-01");
        let s = setup(db, clock.clone(), &test_programme(at_approval.get(), 10_000_000_000)).await;
        let id = reviewed_case(&s, 500_000_000).await;
        s.case_command("officer", id, Command::Approve).await.expect("approve");
        assert_eq!(state(&s, id).await, State::Approved);
        assert_eq!(balance(&s, Account::Available).await, Won::ZERO);
        s.case_command("reviewer", id, Command::IssueGuarantee { guarantee_no: "G-9".into() }).await.expect("guarantee");
        clock.set("2027-03-05");
        s.case_command("clerk", id, execute("L-9", 500_000_000, "2027-03-05")).await.expect("recorded despite the shortfall");
        let overrun = balance(&s, Account::Overrun).await;
        assert!(overrun > Won::ZERO, "the increase is booked as an overrun");
        assert_eq!(balance(&s, Account::Reserved).await, at_approval.checked_add(overrun).expect("won"));
        s.top_up("mayor", "test-city", Won::new(1_000_000), "CITY-2027-7").await.expect("top up");
        assert_eq!(balance(&s, Account::Overrun).await, Won::ZERO, "a top-up clears overruns first");
        assert_eq!(balance(&s, Account::Available).await, Won::new(1_000_000).checked_sub(overrun).expect("won"));
    }

    async fn an_approved_case_expires_after_the_loan_deadline_and_releases_its_reservation(db) {
        let clock = TestClock::on("2025-09-01");
        let s = setup(db, clock.clone(), &test_programme(2_000_000_000, 1_000_000_000)).await;
        let id = reviewed_case(&s, 500_000_000).await;
        s.case_command("officer", id, Command::Approve).await.expect("approve");
        clock.set("2025-11-30");
        refused_with(s.case_command("officer", id, Command::Expire).await, "deadline_not_passed");
        clock.set("2025-12-01");
        s.case_command("officer", id, Command::Expire).await.expect("expire");
        assert_eq!(state(&s, id).await, State::Expired);
        assert_eq!(balance(&s, Account::Reserved).await, Won::ZERO);
        assert_eq!(balance(&s, Account::Available).await, Won::new(2_000_000_000));
    }

    async fn the_per_firm_limit_counts_the_firms_open_selected_cases(db) {
        let _clock = TestClock::on("2025-09-01");
        let s = setup(db, _clock.clone(), &test_programme(2_000_000_000, 1_000_000_000)).await;
        reviewed_case(&s, 700_000_000).await;
        let id = s.new_case("owner", "test-city", Won::new(400_000_000)).await.expect("new").case_id;
        s.case_command("owner", id, Command::Submit).await.expect("submit");
        s.case_command("reviewer", id, Command::TakeIntoReview).await.expect("review");
        let selection = Selection {
            grade: KiboGrade::Bbb,
            coverage: pct("95"),
            base_fee_rate: pct("1.2"),
            approved_amount: Won::new(400_000_000),
            bank: BankCode::parse("004").expect("code"),
        };
        refused_with(s.case_command("reviewer", id, Command::Select(selection)).await, "limit_exceeded");
    }
}

both! {
    async fn a_decided_case_keeps_computing_under_its_pinned_version(db) {
        let clock = TestClock::on("2025-09-01");
        let s = setup(db, clock.clone(), &test_programme(2_000_000_000, 1_000_000_000)).await;
        let id = reviewed_case(&s, 500_000_000).await;
        let row = s.case_command("officer", id, Command::Approve).await.expect("approve");
        let pinned = row.program_version_id.expect("pinned at approval");
        s.case_command("reviewer", id, Command::IssueGuarantee { guarantee_no: "G-7".into() }).await.expect("guarantee");
        // A newer version, in force before the loan, raises the subsidy rate to 3%.
        let newer = format!(
            "{}\n[[versions]]\nin_force_from = 2025-09-05\nsubsidy.rate_pct = \"3.0\"\n",
            test_programme(2_000_000_000, 1_000_000_000)
        );
        let dir = crate::support::TempDir::new();
        let file = dir.write("test-city.toml", &newer);
        let text = std::fs::read_to_string(&file).expect("read the programme file");
        let program = jumpup_service::catalog::parse_program(&file.display().to_string(), &text).expect("programme");
        s.import_program("root", &program).await.expect("import");
        s.approve_program("mayor", "test-city", d("2025-09-05")).await.expect("approve version");
        clock.set("2025-09-10");
        let row = s.case_command("clerk", id, execute("L-7", 500_000_000, "2025-09-10")).await.expect("execute");
        assert_eq!(row.program_version_id, Some(pinned));
        // The reservation is recomputed at the pinned 2%, not the newer 3%.
        let loan = Loan::new(Won::new(500_000_000), pct("4.5"), d("2025-09-10"), d("2029-01-01")).expect("loan");
        let at_two: Won = jumpup_domain::subsidy::reservation(&rules().subsidy, Some(KiboGrade::Bbb), &loan).iter().map(|p| p.amount).sum();
        assert_eq!(balance(&s, Account::Reserved).await, at_two);
        // A case decided now pins the newer version.
        let later = reviewed_case(&s, 500_000_000).await;
        let row = s.case_command("officer", later, Command::Approve).await.expect("approve");
        assert_ne!(row.program_version_id, Some(pinned));
    }
}

both! {
    async fn each_role_reads_only_the_cases_it_may_see(db) {
        let clock = TestClock::on("2025-09-01");
        let s = setup(db, clock, &test_programme(2_000_000_000, 1_000_000_000)).await;
        let ours = reviewed_case(&s, 100_000_000).await;
        // Another firm with its own user and a case at another bank.
        s.add_bank("root", BankCode::parse("088").expect("code"), "신한").await.expect("bank");
        let other = NewFirm {
            business_no: BusinessNumber::parse("130-86-55023").expect("bno"),
            corporate_no: None,
            name: "다른 기업".into(),
            address: "인천 남동구".into(),
            district: "남동구".into(),
            industry_code: "C27".into(),
        };
        s.add_firm("root", &other).await.expect("firm");
        s.add_user(Some("root"), "other-owner", Role::Firm, NewScope::Firm(other.business_no), None).await.expect("user");
        s.add_user(Some("root"), "other-clerk", Role::Bank, NewScope::Bank(BankCode::parse("088").expect("code")), None).await.expect("user");
        let theirs = s.new_case("other-owner", "test-city", Won::new(100_000_000)).await.expect("new").case_id;

        let ids = |rows: Vec<jumpup_store::cases::CaseRow>| rows.iter().map(|r| r.case_id).collect::<Vec<_>>();
        assert_eq!(ids(s.read_cases("mayor", None, None, 0, 50).await.expect("city")), [ours, theirs]);
        assert_eq!(ids(s.read_cases("owner", None, None, 0, 50).await.expect("firm")), [ours]);
        assert_eq!(ids(s.read_cases("other-owner", None, None, 0, 50).await.expect("firm")), [theirs]);
        // A bank sees its cases from the guarantee's issue on: 004 lends `ours`, 088 nothing.
        assert!(s.read_cases("clerk", None, None, 0, 50).await.expect("bank").is_empty());
        s.case_command("officer", ours, Command::Approve).await.expect("approve");
        s.case_command("reviewer", ours, Command::IssueGuarantee { guarantee_no: "G-R".into() }).await.expect("guarantee");
        assert_eq!(ids(s.read_cases("clerk", None, None, 0, 50).await.expect("bank")), [ours]);
        assert!(s.read_cases("other-clerk", None, None, 0, 50).await.expect("bank").is_empty());
        for (who, id) in [("owner", theirs), ("other-owner", ours), ("other-clerk", ours)] {
            match s.read_cases(who, Some(id), None, 0, 1).await {
                Err(ServiceError::Refused { reason, .. }) => assert_eq!(reason.code(), "unknown_case", "{who} reading case {id}"),
                other => panic!("{who} read case {id}: {other:?}"),
            }
        }
        match s.read_cases("root", None, None, 0, 50).await {
            Err(ServiceError::Refused { reason, .. }) => assert_eq!(reason.code(), "role_not_allowed"),
            other => panic!("an admin read cases: {other:?}"),
        }
        // Every read was logged: the City's list, the firm's, and the bank's once it could see
        // the case; the refused reads of other scopes logged nothing.
        let reads = jumpup_store::access::reads_of(&s.db, &format!("case:{ours}")).await.expect("access log");
        assert_eq!(reads.iter().map(|(_, a)| a.as_str()).collect::<Vec<_>>(), ["case.list", "case.list", "case.list"]);
        let theirs_reads = jumpup_store::access::reads_of(&s.db, &format!("case:{theirs}")).await.expect("access log");
        assert_eq!(theirs_reads.len(), 2, "the City's list and its own firm's");
        // A firm cannot act on another firm's case.
        refused_with(s.case_command("other-owner", ours, Command::Withdraw).await, "not_your_firm");
    }
}

both! {
    async fn a_case_quotes_from_its_stored_loan_and_events_as_quote_example_01(db) {
        let clock = TestClock::on("2025-09-01");
        let s = setup(db, clock.clone(), &test_programme(2_000_000_000, 1_000_000_000)).await;
        let id = reviewed_case(&s, 500_000_000).await;
        s.case_command("officer", id, Command::Approve).await.expect("approve");
        s.case_command("reviewer", id, Command::IssueGuarantee { guarantee_no: "G-01".into() }).await.expect("guarantee");
        s.case_command("clerk", id, execute("L-01", 500_000_000, "2025-09-01")).await.expect("execute");
        // Example 01's loan, but maturing 2029-01-01 instead of 2028-09-01: the subsidy and the
        // first fee year do not depend on that.
        let repayment = jumpup_domain::loan::Event {
            on: d("2026-03-16"),
            kind: jumpup_domain::loan::EventKind::Repayment(Won::new(200_000_000)),
        };
        match s.report_event("clerk", id, repayment).await {
            Err(ServiceError::Refused { reason, .. }) => assert_eq!(reason.code(), "event_in_future"),
            other => panic!("{other:?}"),
        }
        clock.set("2026-09-01");
        let relocation = jumpup_domain::loan::Event { on: d("2026-05-11"), kind: jumpup_domain::loan::EventKind::Relocation };
        match s.report_event("clerk", id, relocation).await {
            Err(ServiceError::Refused { reason, .. }) => assert_eq!(reason.code(), "role_not_allowed", "relocation is the Technopark's to report"),
            other => panic!("{other:?}"),
        }
        let too_much = jumpup_domain::loan::Event {
            on: d("2026-03-16"),
            kind: jumpup_domain::loan::EventKind::Repayment(Won::new(600_000_000)),
        };
        match s.report_event("clerk", id, too_much).await {
            Err(ServiceError::Refused { reason, .. }) => assert_eq!(reason.code(), "event_invalid"),
            other => panic!("{other:?}"),
        }
        s.report_event("clerk", id, repayment).await.expect("the lending bank reports the repayment");
        let q = s.case_quote("owner", id).await.expect("the firm reads its own quote");
        // RULES.md 10 / example 01: 8,147,941 won over 12 monthly claims, first fee year 4,275,000.
        assert_eq!(q.quote.subsidy.claim_total, Won::new(8_147_941));
        assert_eq!(q.quote.subsidy.periods.len(), 12);
        assert_eq!(q.quote.guarantee.fees[0].fee, Won::new(4_275_000));
        assert_eq!(q.version.in_force_from, d("2025-01-01"), "the pinned version");
    }
}
