//! The demonstration portfolio (`jumpup demo seed`, `jumpup serve --demo`): a deterministic,
//! realistic story told through the same services real use goes through, on a clock that walks
//! from the predecessor's migration (2025-07-01) to [`STORY_END`].
//!
//! - The predecessor, `incheon-agreement-guarantee`: 1,183 firms recorded by the Technopark,
//!   their decided cases imported from a cases file (the migration path of FILES.md) and their
//!   loans from each bank's loans file: about 220,000,000,000 won of guarantees, 2020 to 2025.
//! - Jump-Up from 2025-07-22: firms register and are activated, apply, are reviewed, selected,
//!   checked, approved (or waitlisted once the budget runs short), guaranteed and lent to;
//!   banks report events of every kind and claim each month by file; the Technopark prepares
//!   and the City approves every month's settlement.
//!
//! Only a database with no users and no cases is built on; the `demo` marker row says whether a
//! database is a demo and whether it was finished, so a second run reuses it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use jumpup_domain::date::{Date, add_months};
use jumpup_domain::grade::KiboGrade;
use jumpup_domain::loan::{Event, EventKind, Loan};
use jumpup_domain::money::Won;
use jumpup_domain::pct::Pct;
use jumpup_domain::regno::BusinessNumber;
use jumpup_domain::workflow::{BankCode, Check, CheckItem, Command, LoanTerms, Role, Selection};
use jumpup_service::demo::{self, Start};
use jumpup_service::identity::{NewFirm, NewScope, PasswordCost, UserKey, hash_password};
use jumpup_service::imports::FileKind;
use jumpup_service::{Clock, Reason, Result, ServiceError, Services};

use crate::quotes::Rng;

/// Where the demo lives unless told otherwise: a file of its own, never the real database.
pub const DEMO_URL: &str = "sqlite:jumpup-demo.db";
/// The story's seed: the same portfolio on every machine.
pub const SEED: u64 = 20_250_722;
/// The last day of the story.
pub const STORY_END: (i32, u32, u32) = (2026, 11, 20);

const JUMPUP: &str = "incheon-jumpup";
const PREDECESSOR: &str = "incheon-agreement-guarantee";
/// Firms the predecessor supported, and its guarantee volume (RULES.md 1).
pub const PREDECESSOR_FIRMS: usize = 1_183;
pub const PREDECESSOR_GUARANTEES_WON: i64 = 220_000_000_000;

/// A clock the story moves: office hours in Korea on the story's day, a minute per action.
#[derive(Debug)]
struct StoryClock(Mutex<DateTime<Utc>>);

impl StoryClock {
    fn on(day: Date) -> StoryClock {
        StoryClock(Mutex::new(office_hours(day)))
    }

    /// Moves to `day` (never back), a minute later than the last action.
    fn advance_to(&self, day: Date) {
        if let Ok(mut now) = self.0.lock() {
            *now = (*now + Duration::minutes(1)).max(office_hours(day));
        }
    }
}

impl Clock for StoryClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|p| *p.into_inner())
    }
}

/// 09:00 in Korea on `day`.
fn office_hours(day: Date) -> DateTime<Utc> {
    let korea = chrono::FixedOffset::east_opt(9 * 3600).expect("invariant: +09:00");
    korea
        .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("09:00")))
        .single()
        .expect("invariant: +09:00 has no gaps")
        .with_timezone(&Utc)
}

fn ymd(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd_opt(y, m, d).expect("invariant: a valid story date")
}

fn story_end() -> Date {
    ymd(STORY_END.0, STORY_END.1, STORY_END.2)
}

/// The first working day on or after `day`.
fn workday(day: Date) -> Date {
    match day.weekday() {
        Weekday::Sat => day + Duration::days(2),
        Weekday::Sun => day + Duration::days(1),
        _ => day,
    }
}

fn pct(text: &str) -> Pct {
    Pct::parse(text).expect("invariant: a valid story percentage")
}

/// One sign-in the demo prints (the password exists nowhere else).
#[derive(Debug, Clone)]
pub struct Login {
    pub role: Role,
    pub user: String,
    pub password: String,
}

/// What the demo built.
#[derive(Debug, Clone)]
pub struct Built {
    pub logins: Vec<Login>,
    pub predecessor_firms: usize,
    pub predecessor_guarantees: Won,
    pub jumpup_cases: usize,
    pub loans: usize,
    pub events: usize,
    pub claims: usize,
    pub settled_months: usize,
}

/// What a run of the demo found or made.
#[derive(Debug, Clone)]
pub enum Demo {
    Built(Built),
    /// A finished demo built on `started_at`: it is used as it is.
    Reused {
        started_at: DateTime<Utc>,
    },
}

/// A readable random password: 16 characters without look-alikes (about 80 bits).
fn password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("invariant: the operating system provides randomness");
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// Builds the demo on `db` (or finds it built). Refuses a database that holds users or cases of
/// its own, and one whose demo was interrupted.
pub async fn build(db: jumpup_service::Db, password_cost: PasswordCost) -> Result<Demo> {
    let clock = Arc::new(StoryClock::on(ymd(2025, 7, 1)));
    let seed = i64::try_from(SEED).expect("invariant: the seed fits");
    if let Start::Reused { started_at } = demo::begin(&db, seed, clock.now()).await? {
        return Ok(Demo::Reused { started_at });
    }
    let mut s = Services::start(db, clock.clone()).await?;
    s.password_cost = password_cost;
    let mut story = Story::new(&s, &clock);
    let mut logins = story.people().await?;
    let (predecessor_firms, predecessor_guarantees) = story.predecessor().await?;
    story.jumpup().await?;
    logins.extend(story.firm_login.take());
    demo::finish(&s).await?;
    Ok(Demo::Built(Built {
        logins,
        predecessor_firms,
        predecessor_guarantees,
        jumpup_cases: story.cases.len(),
        loans: story.loans,
        events: story.events,
        claims: story.claims,
        settled_months: story.settled_months,
    }))
}

/// The partner banks: code, name, and their share of the programmes' loans (per mille).
const BANKS: [(&str, &str, i64); 6] = [
    ("003", "IBK기업은행", 300),
    ("088", "신한은행", 180),
    ("081", "하나은행", 160),
    ("004", "KB국민은행", 140),
    ("020", "우리은행", 120),
    ("011", "NH농협은행", 100),
];

/// Districts (before 2026-07-01) by their share of Incheon's technology firms (per mille).
const DISTRICTS: [(&str, i64); 10] = [
    ("남동구", 300),
    ("서구", 190),
    ("연수구", 140),
    ("부평구", 120),
    ("미추홀구", 80),
    ("계양구", 60),
    ("중구", 50),
    ("동구", 30),
    ("강화군", 20),
    ("옹진군", 10),
];

/// Industries (KSIC divisions) of technology SMEs, with their shares (per mille).
const INDUSTRIES: [(&str, i64); 12] = [
    ("C26", 160),
    ("C29", 140),
    ("C25", 110),
    ("C28", 100),
    ("C20", 80),
    ("C30", 80),
    ("C27", 70),
    ("J62", 70),
    ("C22", 60),
    ("C21", 50),
    ("M70", 50),
    ("C24", 30),
];

const NAME_HEADS: [&str; 45] = [
    "한빛",
    "세온",
    "다온",
    "누리",
    "새솔",
    "하람",
    "가온",
    "이음",
    "온새",
    "미르",
    "태성",
    "동진",
    "대영",
    "삼정",
    "영진",
    "성우",
    "유진",
    "정우",
    "해동",
    "인성",
    "송도",
    "청라",
    "남동",
    "부평",
    "서해",
    "월미",
    "소래",
    "계양",
    "강화",
    "영종",
    "한울",
    "아라",
    "도담",
    "라온",
    "바른",
    "푸른",
    "한결",
    "으뜸",
    "다솜",
    "나래",
    "코아",
    "넥스",
    "유니",
    "에이스",
    "제이",
];
const NAME_TAILS: [&str; 30] = [
    "테크",
    "정밀",
    "소재",
    "바이오",
    "로보틱스",
    "에너지",
    "솔루션",
    "시스템",
    "이엔지",
    "메디칼",
    "전자",
    "기계",
    "화학",
    "반도체",
    "오토텍",
    "플라텍",
    "머티리얼즈",
    "랩스",
    "디스플레이",
    "모빌리티",
    "엔지니어링",
    "파마",
    "나노텍",
    "옵틱스",
    "인더스트리",
    "케미칼",
    "메탈",
    "센서",
    "포토닉스",
    "에이아이",
];
const ROADS: [&str; 12] = [
    "남동대로",
    "논현로",
    "인주대로",
    "송도과학로",
    "컨벤시아대로",
    "경인로",
    "봉수대로",
    "청라대로",
    "부평대로",
    "계양대로",
    "서곶로",
    "아암대로",
];

/// Picks from `(item, per-mille share)` pairs.
fn pick<T: Copy>(rng: &mut Rng, table: &[(T, i64)]) -> T {
    let total: i64 = table.iter().map(|(_, w)| w).sum();
    let mut roll = rng.range(0, total - 1);
    for (item, w) in table {
        if roll < *w {
            return *item;
        }
        roll -= w;
    }
    table[table.len() - 1].0
}

/// The district a firm in `old` (a district before 2026-07-01) names on `day`: the
/// reorganisation of 2026-07-01 moved 중구, 동구 and part of 서구.
fn district_on(old: &'static str, serial: usize, day: Date) -> &'static str {
    if day < ymd(2026, 7, 1) {
        return old;
    }
    match old {
        "중구" if serial.is_multiple_of(2) => "영종구",
        "중구" | "동구" => "제물포구",
        "서구" if serial.is_multiple_of(3) => "검단구",
        other => other,
    }
}

/// A firm of the story: the `serial`-th firm, registered on `day`.
fn firm(rng: &mut Rng, serial: usize, day: Date) -> NewFirm {
    // Tax offices of Incheon, the corporation type digits, a unique serial: a valid number.
    const OFFICES: [u16; 5] = [121, 122, 131, 137, 149];
    let office = OFFICES[serial % OFFICES.len()];
    let kind = [81u16, 86, 87, 88][serial / OFFICES.len() % 4];
    let digits = format!("{office:03}{kind:02}{:04}", 1000 + serial);
    let mut first9 = [0u8; 9];
    for (slot, b) in first9.iter_mut().zip(digits.bytes()) {
        *slot = b - b'0';
    }
    let head = NAME_HEADS[serial % NAME_HEADS.len()];
    let tail = NAME_TAILS[serial / NAME_HEADS.len() % NAME_TAILS.len()];
    let name = if serial.is_multiple_of(3) {
        format!("주식회사 {head}{tail}")
    } else {
        format!("(주){head}{tail}")
    };
    let district = district_on(pick(rng, &DISTRICTS), serial, day);
    let road = ROADS[rng.range(0, ROADS.len() as i64 - 1) as usize];
    NewFirm {
        business_no: BusinessNumber::from_first9(first9),
        corporate_no: None,
        name,
        address: format!("인천광역시 {district} {road} {}", rng.range(10, 990)),
        district: district.to_owned(),
        industry_code: pick(rng, &INDUSTRIES).to_owned(),
    }
}

/// How far a Jump-Up case goes in the story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Draft,
    Submitted,
    KiboReview,
    Selected,
    EligibilityReview,
    Approved,
    Waitlisted,
    GuaranteeIssued,
    /// Lent to; completed or terminated as its loan's story and the settlements decide.
    Loan,
    RejectedByKibo,
    RejectedByTp,
    Withdrawn,
    Expired,
}

/// The story's Jump-Up cases: how many of each fate, and the window their application opens in.
/// A day of the story as (year, month, day).
type Ymd = (i32, u32, u32);

const FATES: [(Fate, usize, Ymd, Ymd); 13] = [
    (Fate::Loan, 112, (2025, 7, 22), (2026, 9, 10)),
    (Fate::RejectedByKibo, 5, (2025, 8, 4), (2026, 8, 28)),
    (Fate::RejectedByTp, 3, (2025, 9, 1), (2026, 7, 31)),
    (Fate::Withdrawn, 4, (2025, 8, 11), (2026, 9, 30)),
    (Fate::Expired, 3, (2026, 1, 5), (2026, 3, 31)),
    (Fate::GuaranteeIssued, 3, (2026, 9, 21), (2026, 9, 30)),
    (Fate::Approved, 3, (2026, 10, 1), (2026, 10, 8)),
    (Fate::EligibilityReview, 3, (2026, 10, 12), (2026, 10, 20)),
    (Fate::Selected, 3, (2026, 10, 15), (2026, 10, 23)),
    (Fate::Waitlisted, 3, (2026, 10, 26), (2026, 10, 28)),
    (Fate::KiboReview, 3, (2026, 10, 28), (2026, 11, 4)),
    (Fate::Submitted, 4, (2026, 11, 2), (2026, 11, 12)),
    (Fate::Draft, 3, (2026, 11, 10), (2026, 11, 18)),
];

/// Days from an application to each step of its case.
const SUBMIT: i64 = 2;
const REVIEW: i64 = 5;
const SELECT: i64 = 15;
const ELIGIBILITY: i64 = 17;
const CHECKS: i64 = 18;
const APPROVE: i64 = 19;
const GUARANTEE: i64 = 23;
const LOAN: i64 = 31;

/// One Jump-Up case as planned.
#[derive(Debug, Clone)]
struct Plan {
    fate: Fate,
    firm: NewFirm,
    user: String,
    opened: Date,
    grade: KiboGrade,
    coverage: Pct,
    base_fee: Pct,
    approved: Won,
    bank: usize,
    principal: Won,
    /// The loan's rate, an index into [`RATES`].
    rate: usize,
    maturity_months: u32,
}

/// Loan rates of the story's years (percent a year).
const RATES: [&str; 6] = ["3.85", "4.1", "4.35", "4.6", "4.85", "5.1"];

/// Who acts in a step of a case: its firm, its bank, or an official.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Firm,
    Bank,
    Tp,
    Kibo,
}

/// What happens on a day of the story, in the order listed within a day.
#[derive(Debug, Clone)]
enum Step {
    Register(usize),
    Open(usize),
    Command(usize, Command, Who),
    Lend(usize),
    Event {
        case: usize,
        event: Event,
        by: Who,
        /// Reported in error: cancelled the next working day.
        wrong: bool,
    },
    Cancel(usize),
    Claims(Date),
    Prepare(Date),
    Settle(Date),
}

struct Story<'a> {
    s: &'a Services,
    clock: &'a StoryClock,
    rng: Rng,
    /// The predecessor's firms, as the Technopark recorded them.
    predecessors: Vec<NewFirm>,
    plans: Vec<Plan>,
    cases: Vec<Option<jumpup_domain::ids::CaseId>>,
    lent: HashSet<usize>,
    firm_login: Option<Login>,
    /// (case, period start) already claimed by its bank.
    claimed: HashSet<(usize, Date)>,
    /// Events reported in error, by case, waiting to be cancelled.
    wrong: HashMap<usize, i64>,
    batches: BTreeMap<Date, jumpup_domain::ids::BatchId>,
    loans: usize,
    events: usize,
    claims: usize,
    settled_months: usize,
}

fn clerk(bank: usize) -> String {
    if bank == 0 {
        "demo-bank".into()
    } else {
        format!("clerk-{}", BANKS[bank].0)
    }
}

fn bank_code(bank: usize) -> BankCode {
    BankCode::parse(BANKS[bank].0).expect("invariant: a valid story bank code")
}

impl<'a> Story<'a> {
    fn new(s: &'a Services, clock: &'a StoryClock) -> Story<'a> {
        Story {
            s,
            clock,
            rng: Rng::new(SEED),
            predecessors: Vec::new(),
            plans: Vec::new(),
            cases: Vec::new(),
            lent: HashSet::new(),
            firm_login: None,
            claimed: HashSet::new(),
            wrong: HashMap::new(),
            batches: BTreeMap::new(),
            loans: 0,
            events: 0,
            claims: 0,
            settled_months: 0,
        }
    }

    /// The officials, the banks and their clerks; one login per role is returned.
    async fn people(&mut self) -> Result<Vec<Login>> {
        let s = self.s;
        let mut logins = Vec::new();
        let user = async |actor: Option<&str>, name: &str, role: Role, scope: NewScope| {
            let pw = password();
            let hash = hash_password(&pw, s.password_cost)?;
            s.add_user(actor, name, role, scope, Some(&hash)).await?;
            Ok::<_, ServiceError>(Login {
                role,
                user: name.to_owned(),
                password: pw,
            })
        };
        logins.push(user(None, "demo-admin", Role::Admin, NewScope::None).await?);
        for (code, name, _) in BANKS {
            let code = BankCode::parse(code).expect("invariant: a valid story bank code");
            s.add_bank("demo-admin", code, name).await?;
        }
        for (name, role) in [
            ("demo-city", Role::City),
            ("demo-tp", Role::Tp),
            ("demo-kibo", Role::Kibo),
            ("demo-auditor", Role::Auditor),
        ] {
            logins.push(user(Some("demo-admin"), name, role, NewScope::None).await?);
        }
        for bank in 0..BANKS.len() {
            let login = user(
                Some("demo-admin"),
                &clerk(bank),
                Role::Bank,
                NewScope::Bank(bank_code(bank)),
            )
            .await?;
            if bank == 0 {
                logins.push(login);
            }
        }
        Ok(logins)
    }

    /// The predecessor's 1,183 firms, their cases (a cases file) and their loans (each bank's
    /// loans file), recorded on the migration day.
    async fn predecessor(&mut self) -> Result<(usize, Won)> {
        // Amounts first: weights of a plausible spread, scaled to the published volume in
        // units of 10,000,000 won.
        let weights: Vec<i64> = (0..PREDECESSOR_FIRMS)
            .map(|_| match self.rng.range(0, 99) {
                0..=29 => self.rng.range(5, 10),
                30..=69 => self.rng.range(10, 20),
                70..=89 => self.rng.range(20, 40),
                90..=97 => self.rng.range(40, 70),
                _ => self.rng.range(70, 100),
            })
            .collect();
        let total_weight: i64 = weights.iter().sum();
        let unit = 10_000_000_i64;
        let mut amounts: Vec<i64> = weights
            .iter()
            .map(|w| (PREDECESSOR_GUARANTEES_WON / unit * w / total_weight).max(1) * unit)
            .collect();
        // What the rounding down left over, 10,000,000 won to each of the first cases.
        let rest = (PREDECESSOR_GUARANTEES_WON - amounts.iter().sum::<i64>()) / unit;
        for amount in amounts.iter_mut().take(usize::try_from(rest).unwrap_or(0)) {
            *amount += unit;
        }
        let mut cases = String::from(
            "business_no,firm_name,district,kibo_grade,program,decided_on,guarantee_no,bank_code,coverage_pct,base_fee_rate_pct,approved_won\n",
        );
        let mut loans: Vec<String> = vec![
            String::from(
                "bank_code,loan_no,guarantee_no,principal_won,annual_rate_pct,executed_on,maturity_on\n",
            );
            BANKS.len()
        ];
        let grades = [
            ("AAA", 30),
            ("AA", 80),
            ("A", 150),
            ("BBB", 300),
            ("BB", 250),
            ("B", 120),
            ("CCC", 50),
            ("CC", 15),
            ("C", 5),
        ];
        let start = ymd(2020, 3, 2);
        let span = (ymd(2025, 6, 20) - start).num_days();
        for (i, amount) in amounts.iter().enumerate() {
            let decided =
                workday(start + Duration::days(span * i as i64 / PREDECESSOR_FIRMS as i64));
            let f = firm(&mut self.rng, i, decided);
            self.s.add_firm("demo-tp", &f).await?;
            let grade = pick(&mut self.rng, &grades);
            let fee = match grade {
                "AAA" | "AA" => "0.8",
                "A" => "1.0",
                "BBB" => "1.2",
                "BB" => "1.5",
                _ => "1.8",
            };
            let bank = pick(
                &mut self.rng,
                &[
                    (0usize, 300),
                    (1, 180),
                    (2, 160),
                    (3, 140),
                    (4, 120),
                    (5, 100),
                ],
            );
            let guarantee = format!("AG-{}-{:05}", decided.year(), i + 1);
            cases.push_str(&format!(
                "{},{},{},{grade},{PREDECESSOR},{decided},{guarantee},{},100,{fee},{amount}\n",
                f.business_no, f.name, f.district, BANKS[bank].0
            ));
            let executed = workday(decided + Duration::days(self.rng.range(7, 28)));
            let years = u32::try_from(self.rng.range(1, 5)).expect("1 to 5");
            let rate = ["3.2", "3.5", "3.9", "4.4", "4.9", "5.3"][self.rng.range(0, 5) as usize];
            loans[bank].push_str(&format!(
                "{},AGL{:06},{guarantee},{amount},{rate},{executed},{}\n",
                BANKS[bank].0,
                i + 1,
                add_months(executed, years * 12)
            ));
            self.predecessors.push(f);
        }
        // The migration, the day before Jump-Up opens.
        self.clock.advance_to(ymd(2025, 7, 21));
        self.import("demo-tp", FileKind::Cases, cases).await?;
        for (bank, file) in loans.into_iter().enumerate() {
            self.import(&clerk(bank), FileKind::Loans, file).await?;
        }
        Ok((PREDECESSOR_FIRMS, Won::new(amounts.iter().sum())))
    }

    async fn import(&mut self, actor: &str, kind: FileKind, csv: String) -> Result<usize> {
        let sheet = jumpup_service::interchange::read_csv(csv.as_bytes())
            .map_err(|e| ServiceError::refused(Reason::DemoStory, e.message))?;
        match self.s.import_sheet(actor, kind, sheet).await {
            Ok(report) => Ok(report.stored),
            Err(ServiceError::Import(report)) => Err(ServiceError::refused(
                Reason::DemoStory,
                format!(
                    "the story's {} file was refused: {:?}",
                    kind.as_str(),
                    report.errors
                ),
            )),
            Err(e) => Err(e),
        }
    }

    /// Plans every Jump-Up case.
    fn plan(&mut self) {
        let grades = [
            (KiboGrade::Aaa, 50),
            (KiboGrade::Aa, 120),
            (KiboGrade::A, 280),
            (KiboGrade::Bbb, 300),
            (KiboGrade::Bb, 170),
            (KiboGrade::B, 80),
        ];
        let mut serial = PREDECESSOR_FIRMS;
        let mut returning = HashSet::new();
        for (fate, count, from, to) in FATES {
            let (from, to) = (ymd(from.0, from.1, from.2), ymd(to.0, to.1, to.2));
            let span = (to - from).num_days();
            for k in 0..count {
                let offset = if count > 1 {
                    span * k as i64 / (count as i64 - 1)
                } else {
                    0
                };
                let opened = workday(from + Duration::days(offset));
                // About one firm in ten supported before comes back: a firm the system knows,
                // registering its first account.
                let old = self.rng.range(0, PREDECESSOR_FIRMS as i64 - 1) as usize;
                let firm = if self.rng.chance(100) && returning.insert(old) {
                    self.predecessors[old].clone()
                } else {
                    serial += 1;
                    firm(&mut self.rng, serial, opened)
                };
                let grade = if fate == Fate::Waitlisted {
                    KiboGrade::A
                } else {
                    pick(&mut self.rng, &grades)
                };
                let a_or_above = matches!(grade, KiboGrade::Aaa | KiboGrade::Aa | KiboGrade::A);
                let hundred_millions = match (fate, a_or_above) {
                    (Fate::Waitlisted, _) => 30,
                    (Fate::Approved | Fate::GuaranteeIssued, _) => self.rng.range(5, 9),
                    (_, true) => self.rng.range(7, 16),
                    (_, false) => self.rng.range(5, 10),
                };
                let approved = Won::new(hundred_millions * 100_000_000);
                let principal = if self.rng.chance(250) {
                    Won::new((hundred_millions * 10 - self.rng.range(1, 3)) * 10_000_000)
                } else {
                    approved
                };
                let base_fee = match grade {
                    KiboGrade::Aaa | KiboGrade::Aa => "0.8",
                    KiboGrade::A => "1.0",
                    KiboGrade::Bbb => "1.2",
                    KiboGrade::Bb => "1.5",
                    _ => "1.8",
                };
                let coverage = ["90", "95", "95", "100"][self.rng.range(0, 3) as usize];
                let user = if self.plans.is_empty() {
                    "demo-firm".to_owned()
                } else {
                    format!("firm-{:04}", self.plans.len() + 1)
                };
                self.plans.push(Plan {
                    fate,
                    firm,
                    user,
                    opened,
                    grade,
                    coverage: pct(coverage),
                    base_fee: pct(base_fee),
                    approved,
                    bank: pick(
                        &mut self.rng,
                        &[
                            (0usize, 300),
                            (1, 180),
                            (2, 160),
                            (3, 140),
                            (4, 120),
                            (5, 100),
                        ],
                    ),
                    principal,
                    rate: self.rng.range(1, 5) as usize,
                    maturity_months: [12, 24, 36][self.rng.range(0, 2) as usize],
                });
            }
        }
        self.cases = vec![None; self.plans.len()];
    }

    /// The story's steps for one case.
    fn case_steps(&mut self, i: usize, out: &mut Vec<(Date, Step)>) {
        let p = self.plans[i].clone();
        let at = |days: i64| workday(p.opened + Duration::days(days));
        let tp = Who::Tp;
        let kibo = Who::Kibo;
        out.push((p.opened - Duration::days(3), Step::Register(i)));
        out.push((p.opened, Step::Open(i)));
        if p.fate == Fate::Draft {
            return;
        }
        out.push((at(SUBMIT), Step::Command(i, Command::Submit, Who::Firm)));
        match p.fate {
            Fate::Submitted => return,
            Fate::Withdrawn => {
                out.push((
                    at(SUBMIT + 1),
                    Step::Command(i, Command::Withdraw, Who::Firm),
                ));
                return;
            }
            _ => {}
        }
        out.push((at(REVIEW), Step::Command(i, Command::TakeIntoReview, kibo)));
        match p.fate {
            Fate::KiboReview => return,
            Fate::RejectedByKibo => {
                let reason = "기술혁신선도형 요건 미충족: 기술사업계획 평가 점수 미달".to_owned();
                out.push((
                    at(SELECT),
                    Step::Command(i, Command::Reject { reason }, kibo),
                ));
                return;
            }
            _ => {}
        }
        let selection = Selection {
            grade: p.grade,
            coverage: p.coverage,
            base_fee_rate: p.base_fee,
            approved_amount: p.approved,
            bank: bank_code(p.bank),
        };
        out.push((
            at(SELECT),
            Step::Command(i, Command::Select(selection), kibo),
        ));
        if p.fate == Fate::Selected {
            return;
        }
        out.push((
            at(ELIGIBILITY),
            Step::Command(i, Command::StartEligibilityReview, tp),
        ));
        let evidence = |item: CheckItem| match item {
            CheckItem::IncheonSite => format!("사업장 소재지 확인: {}", p.firm.address),
            CheckItem::NotClosed => "휴·폐업 사실 없음 (국세청 사업자 상태 조회)".to_owned(),
            CheckItem::NoTaxArrears => "국세·지방세 완납증명서 제출".to_owned(),
            CheckItem::NotDelinquent => "신용정보 조회: 연체 없음".to_owned(),
            CheckItem::NotListed => "비상장 확인 (한국거래소 상장법인 목록)".to_owned(),
        };
        let checked = if p.fate == Fate::EligibilityReview {
            3
        } else {
            CheckItem::ALL.len()
        };
        for item in CheckItem::ALL.into_iter().take(checked) {
            let met = !(p.fate == Fate::RejectedByTp && item == CheckItem::NoTaxArrears);
            let evidence = if met {
                evidence(item)
            } else {
                "지방세 체납 확인 (2026년 체납액 있음)".to_owned()
            };
            out.push((
                at(CHECKS),
                Step::Command(
                    i,
                    Command::Check(Check {
                        item,
                        met,
                        evidence,
                    }),
                    tp,
                ),
            ));
        }
        match p.fate {
            Fate::EligibilityReview => return,
            Fate::RejectedByTp => {
                let reason = "자격 요건 미충족: 지방세 체납".to_owned();
                out.push((
                    at(APPROVE),
                    Step::Command(i, Command::Reject { reason }, tp),
                ));
                return;
            }
            _ => {}
        }
        out.push((at(APPROVE), Step::Command(i, Command::Approve, tp)));
        if matches!(p.fate, Fate::Approved | Fate::Waitlisted) {
            return;
        }
        let guarantee_no = format!("JU-{}-{:04}", at(GUARANTEE).year(), i + 1);
        out.push((
            at(GUARANTEE),
            Step::Command(i, Command::IssueGuarantee { guarantee_no }, kibo),
        ));
        match p.fate {
            Fate::GuaranteeIssued => return,
            Fate::Expired => {
                out.push((at(APPROVE + 95), Step::Command(i, Command::Expire, tp)));
                return;
            }
            _ => {}
        }
        let executed = at(LOAN);
        out.push((executed, Step::Lend(i)));
        self.loan_events(i, executed, out);
    }

    /// The events of case `i`'s loan: every kind somewhere in the portfolio, each reported a
    /// few days after its date (two arrears late enough to claw back what was paid).
    fn loan_events(&mut self, i: usize, executed: Date, out: &mut Vec<(Date, Step)>) {
        let p = self.plans[i].clone();
        let loan_index = self.plans[..i]
            .iter()
            .filter(|q| q.fate == Fate::Loan)
            .count();
        let mut push = |on: Date, kind: EventKind, by: Who, lag: i64, wrong: bool| {
            let reported = workday(on + Duration::days(lag));
            if reported <= story_end() {
                out.push((
                    reported,
                    Step::Event {
                        case: i,
                        event: Event { on, kind },
                        by,
                        wrong,
                    },
                ));
                if wrong {
                    out.push((workday(reported + Duration::days(1)), Step::Cancel(i)));
                }
            }
        };
        let day = |d: i64| executed + Duration::days(d);
        let bank = Who::Bank;
        // Terminal events on fixed cases, early enough to be settled within the story.
        match loan_index {
            3 | 9 | 15 => push(day(130), EventKind::Closure, Who::Tp, 4, false),
            21 | 27 => push(day(160), EventKind::Relocation, Who::Tp, 6, false),
            33 => push(day(110), EventKind::Default, bank, 1, false),
            39 => push(day(140), EventKind::Default, Who::Kibo, 2, false),
            45 => push(day(200), EventKind::Ineligible, Who::Tp, 10, false),
            _ => {}
        }
        let roll = self.rng.range(0, 99);
        if loan_index == 0 || roll < 30 {
            let share = self.rng.range(10, 30);
            let amount = Won::new(p.principal.get() / 100 / 1_000_000 * share * 1_000_000);
            push(
                day(self.rng.range(60, 300)),
                EventKind::Repayment(amount),
                bank,
                2,
                false,
            );
        } else if roll < 36 {
            push(
                day(self.rng.range(150, 330)),
                EventKind::Repayment(p.principal),
                bank,
                1,
                false,
            );
        }
        if loan_index == 0 || self.rng.chance(120) {
            let new = if self.rng.chance(700) || p.rate == RATES.len() - 1 {
                p.rate - 1
            } else {
                p.rate + 1
            };
            let rate = pct(RATES[new]);
            push(
                day(self.rng.range(30, 250)),
                EventKind::RateChange(rate),
                bank,
                2,
                false,
            );
        }
        if self.rng.chance(60) || loan_index == 5 || loan_index == 11 {
            let start = day(self.rng.range(40, 250));
            let late = if loan_index == 5 || loan_index == 11 {
                45
            } else {
                3
            };
            push(start, EventKind::ArrearsStart, bank, late, false);
            if loan_index != 11 {
                let end = start + Duration::days(self.rng.range(10, 40));
                push(end, EventKind::ArrearsEnd, bank, late, false);
            }
        }
        if loan_index == 7 {
            push(
                day(70),
                EventKind::Repayment(Won::new(50_000_000)),
                bank,
                2,
                true,
            );
        }
    }

    /// Who acts for case `i`.
    fn actor(&self, i: usize, who: Who) -> String {
        match who {
            Who::Firm => self.plans[i].user.clone(),
            Who::Bank => clerk(self.plans[i].bank),
            Who::Tp => "demo-tp".into(),
            Who::Kibo => "demo-kibo".into(),
        }
    }

    fn case_id(&self, i: usize) -> Result<jumpup_domain::ids::CaseId> {
        self.cases[i].ok_or_else(|| {
            ServiceError::refused(
                Reason::DemoStory,
                format!("the story's case {i} was never opened"),
            )
        })
    }

    /// Jump-Up from its first day to the end of the story.
    async fn jumpup(&mut self) -> Result<()> {
        self.plan();
        let mut steps = Vec::new();
        for i in 0..self.plans.len() {
            self.case_steps(i, &mut steps);
        }
        // Each month: the banks' claims, the Technopark's batch, the City's approval.
        let mut month = ymd(2025, 8, 1);
        while month < ymd(2026, 11, 1) {
            let end = add_months(month, 1) - Duration::days(1);
            steps.push((workday(end + Duration::days(3)), Step::Claims(end)));
            steps.push((workday(end + Duration::days(8)), Step::Prepare(end)));
            steps.push((workday(end + Duration::days(12)), Step::Settle(end)));
            month = add_months(month, 1);
        }
        steps.retain(|(day, _)| *day <= story_end());
        // A stable sort: within a day, the steps keep the order they were planned in.
        steps.sort_by_key(|(day, _)| *day);
        for (day, step) in steps {
            self.clock.advance_to(day);
            self.step(day, step).await?;
        }
        Ok(())
    }

    async fn step(&mut self, day: Date, step: Step) -> Result<()> {
        let s = self.s;
        match step {
            Step::Register(i) => {
                let p = &self.plans[i];
                let pw = password();
                s.register_firm(&p.firm, &p.user, &pw).await?;
                // A firm already known makes the registration a claim: the Technopark checks it.
                let evidence = Some("사업자등록증 사본 확인");
                s.set_user_active("demo-tp", UserKey::Name(&p.user), true, evidence)
                    .await?;
                if p.user == "demo-firm" {
                    self.firm_login = Some(Login {
                        role: Role::Firm,
                        user: p.user.clone(),
                        password: pw,
                    });
                }
            }
            Step::Open(i) => {
                let p = &self.plans[i];
                let row = s.new_case(&p.user, JUMPUP, p.approved).await?;
                self.cases[i] = Some(row.case_id);
            }
            Step::Command(i, command, who) => {
                s.case_command(&self.actor(i, who), self.case_id(i)?, command)
                    .await?;
            }
            Step::Lend(i) => {
                let p = &self.plans[i];
                let loan = Loan::new(
                    p.principal,
                    pct(RATES[p.rate]),
                    day,
                    add_months(day, p.maturity_months),
                )
                .map_err(|e| ServiceError::refused(Reason::DemoStory, format!("{e:?}")))?;
                let terms = LoanTerms {
                    loan_no: format!("JL{:06}", i + 1),
                    loan,
                };
                s.case_command(
                    &clerk(p.bank),
                    self.case_id(i)?,
                    Command::ExecuteLoan(terms),
                )
                .await?;
                self.lent.insert(i);
                self.loans += 1;
            }
            Step::Event {
                case,
                event,
                by,
                wrong,
            } => {
                let id = s
                    .report_event(&self.actor(case, by), self.case_id(case)?, event)
                    .await?;
                self.events += 1;
                if wrong {
                    self.wrong.insert(case, id);
                }
            }
            Step::Cancel(i) => {
                if let Some(id) = self.wrong.remove(&i) {
                    s.cancel_event(
                        &self.actor(i, Who::Bank),
                        id,
                        "상환금액 입력 오류 (중복 입력)",
                    )
                    .await?;
                }
            }
            Step::Claims(end) => self.claims(end).await?,
            Step::Prepare(end) => {
                let batch = s.settle_prepare("demo-tp", end).await?;
                self.batches.insert(end, batch.batch_id);
            }
            Step::Settle(end) => {
                if let Some(batch) = self.batches.get(&end) {
                    s.settle_approve("demo-city", *batch).await?;
                    self.settled_months += 1;
                }
            }
        }
        Ok(())
    }

    /// Each bank claims, by file, every period of its loans that ended by `end` and that it has
    /// not claimed: mostly what the rules give, now and then a little more (reduced at
    /// settlement) or a period that is not the loan's (rejected at settlement).
    async fn claims(&mut self, end: Date) -> Result<()> {
        let mut files: Vec<String> =
            vec!["bank_code,loan_no,period_from,period_to,claimed_won\n".to_owned(); BANKS.len()];
        let mut lent: Vec<usize> = self.lent.iter().copied().collect();
        lent.sort_unstable();
        for i in lent {
            let bank = self.plans[i].bank;
            let quote = self.s.case_quote(&clerk(bank), self.case_id(i)?).await?;
            for period in &quote.quote.subsidy.periods {
                if period.to > end
                    || period.claim == Won::ZERO
                    || !self.claimed.insert((i, period.from))
                {
                    continue;
                }
                let mut claimed = period.claim.get();
                let mut from = period.from;
                match self.rng.range(0, 99) {
                    0..=7 => claimed += self.rng.range(1, 50) * 100,
                    8 => from += Duration::days(1),
                    _ => {}
                }
                files[bank].push_str(&format!(
                    "{},JL{:06},{from},{},{claimed}\n",
                    BANKS[bank].0,
                    i + 1,
                    period.to
                ));
                self.claims += 1;
            }
        }
        for (bank, file) in files.into_iter().enumerate() {
            if file.lines().count() > 1 {
                self.import(&clerk(bank), FileKind::Claims, file).await?;
            }
        }
        Ok(())
    }
}
