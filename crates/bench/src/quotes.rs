//! `jumpup bench quote`: generated loans with a stated mix, quoted in memory on all cores. The
//! generator is deterministic for a seed, so the checksum printed here can be checked against
//! the JSON that `jumpup quote --json --batch` prints for the same cases (`--cases-out`).

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use jumpup_domain::date::{Date, add_months, parse_date};
use jumpup_domain::grade::KiboGrade;
use jumpup_domain::guarantee::GuaranteeTerms;
use jumpup_domain::loan::{Event, EventKind, History, Loan};
use jumpup_domain::money::Won;
use jumpup_domain::pct::Pct;
use jumpup_domain::program::{Catalog, Program};
use jumpup_domain::quote::{Fnv, QuoteInput, quote};
use jumpup_domain::rules::ClaimPeriod;
use serde_json::json;

use jumpup_service::BadInput;

/// The programme every generated loan is quoted under.
pub const BENCH_PROGRAM: &str = "incheon-jumpup";
/// The most loans one run generates.
pub const MAX_LOANS: usize = 50_000_000;

#[derive(Debug, Clone)]
pub struct QuoteOptions {
    /// How many loans to generate and quote.
    pub loans: usize,
    /// The generator's seed.
    pub seed: u64,
    /// Worker threads; default all cores.
    pub threads: Option<usize>,
    /// Also write the generated cases, one QUOTE.md input per line, to this file.
    pub cases_out: Option<std::path::PathBuf>,
}

/// One generated loan, as plain values that become both a domain input and a QUOTE.md case.
#[derive(Debug, Clone)]
pub struct CaseSpec {
    pub quarterly: bool,
    pub grade: Option<KiboGrade>,
    pub principal: Won,
    pub rate: Pct,
    pub executed_on: Date,
    pub maturity_on: Date,
    pub coverage: Pct,
    pub base_fee: Pct,
    pub events: Vec<Event>,
}

impl CaseSpec {
    /// The domain input under the version in force on the execution date, exactly as the JSON
    /// of [`CaseSpec::to_json`] parses.
    pub fn to_input(&self, program: &Program) -> QuoteInput {
        let version = program
            .version_on(self.executed_on)
            .expect("invariant: generated loans are executed after the programme's first version");
        let mut rules = version.params.rules.clone();
        if self.quarterly {
            rules.subsidy.claim_period = ClaimPeriod::Quarter;
        }
        let loan = Loan::new(
            self.principal,
            self.rate,
            self.executed_on,
            self.maturity_on,
        )
        .expect("invariant: generated loans are valid");
        let guarantee = GuaranteeTerms::new(self.coverage, self.base_fee, &rules.guarantee)
            .expect("invariant: generated coverage is in range");
        let history = History::new(loan.principal(), loan.executed_on(), &self.events)
            .expect("invariant: generated events are valid");
        QuoteInput {
            rules,
            grade: self.grade,
            loan,
            guarantee,
            history,
        }
    }

    /// The case as QUOTE.md's input.
    pub fn to_json(&self) -> serde_json::Value {
        let events: Vec<_> = self
            .events
            .iter()
            .map(|e| {
                let mut v = json!({ "on": e.on.to_string(), "kind": e.kind.as_str() });
                match e.kind {
                    EventKind::Repayment(w) => v["amount_won"] = json!(w.get()),
                    EventKind::RateChange(r) => v["annual_rate_pct"] = json!(r.to_string()),
                    _ => {}
                }
                v
            })
            .collect();
        let mut case = json!({
            "program": BENCH_PROGRAM,
            "loan": {
                "principal_won": self.principal.get(),
                "annual_rate_pct": self.rate.to_string(),
                "executed_on": self.executed_on.to_string(),
                "maturity_on": self.maturity_on.to_string(),
            },
            "guarantee": { "coverage_pct": self.coverage.to_string(), "base_fee_rate_pct": self.base_fee.to_string() },
            "events": events,
        });
        if self.quarterly {
            case["rules"] = json!({ "subsidy.claim_period": "quarter" });
        }
        if let Some(g) = self.grade {
            case["firm"] = json!({ "kibo_grade": g.as_str() });
        }
        case
    }
}

/// SplitMix64: a small, fast, well-mixed generator, deterministic for a seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1000 < per_mille
    }
}

/// What share of the generated loans has each feature (counted, not assumed).
#[derive(Debug, Default, Clone, Copy)]
pub struct Mix {
    pub loans: usize,
    pub partial_repayments: usize,
    pub rate_changes: usize,
    pub arrears_across_months: usize,
    pub stops: usize,
    pub quarterly: usize,
    pub above_cap: usize,
    pub grade_a_or_above: usize,
}

fn pct_units(units: i64) -> Pct {
    Pct::from_units(units as u32).expect("invariant: generated percentages are at most 100")
}

/// The stated mix: about 30% with partial repayments, 10% rate changes, 5% arrears across
/// months, 3% stops (full repayment, relocation, closure, default, ineligible), 20% quarterly
/// claims, a spread of grades and principals around the caps.
pub fn generate(rng: &mut Rng, mix: &mut Mix) -> CaseSpec {
    let first_day = parse_date("2025-07-22").expect("invariant: a valid date");
    let executed_on = first_day + chrono::Days::new(rng.range(0, 530) as u64);
    let maturity_on = add_months(executed_on, [12, 24, 36, 60][rng.range(0, 3) as usize]);
    let principal = Won::new(match rng.range(0, 9) {
        0..=6 => rng.range(50, 1_000) * 1_000_000,
        7 | 8 => rng.range(1_000, 3_000) * 1_000_000,
        _ => rng.range(3_000, 5_000) * 1_000_000,
    });
    let grade = match rng.range(0, 99) {
        0..=2 => Some(KiboGrade::Aaa),
        3..=9 => Some(KiboGrade::Aa),
        10..=24 => Some(KiboGrade::A),
        25..=54 => Some(KiboGrade::Bbb),
        55..=79 => Some(KiboGrade::Bb),
        80..=89 => Some(KiboGrade::B),
        90..=92 => Some(KiboGrade::Ccc),
        93 => Some(KiboGrade::Cc),
        94 => Some(KiboGrade::C),
        _ => None,
    };
    let rate = pct_units(rng.range(250, 700) * 100);
    let coverage = pct_units(rng.range(180, 200) * 5_000);
    let base_fee = pct_units(rng.range(10, 40) * 500);
    let quarterly = rng.chance(200);

    // Events as (date, template); amounts of repayments are set in date order below.
    let day = |from: Date, offset: i64| from + chrono::Days::new(offset as u64);
    let mut drafts: Vec<(Date, EventKind)> = Vec::new();
    let partial = rng.chance(300);
    if partial {
        for _ in 0..rng.range(1, 3) {
            drafts.push((
                day(executed_on, rng.range(1, 420)),
                EventKind::Repayment(Won::ZERO),
            ));
        }
    }
    let rate_change = rng.chance(100);
    if rate_change {
        for _ in 0..rng.range(1, 2) {
            let new_rate = pct_units(rng.range(150, 800) * 100);
            drafts.push((
                day(executed_on, rng.range(1, 360)),
                EventKind::RateChange(new_rate),
            ));
        }
    }
    let arrears = rng.chance(50);
    if arrears {
        let start = day(executed_on, rng.range(10, 300));
        drafts.push((start, EventKind::ArrearsStart));
        if rng.chance(800) {
            // An end in a later month, so the arrears cross a month boundary.
            let end = day(
                jumpup_domain::date::next_month_start(start),
                rng.range(0, 45),
            );
            drafts.push((end, EventKind::ArrearsEnd));
        }
    }
    let stop = rng.chance(30);
    if stop {
        let on = day(executed_on, rng.range(30, 360));
        let kind = match rng.range(0, 4) {
            0 => EventKind::Repayment(principal), // to zero: the amount is set below
            1 => EventKind::Relocation,
            2 => EventKind::Closure,
            3 => EventKind::Default,
            _ => EventKind::Ineligible,
        };
        drafts.push((on, kind));
    }
    drafts.sort_by_key(|(on, _)| *on);
    let mut balance = principal;
    let mut events = Vec::with_capacity(drafts.len());
    for (on, kind) in drafts {
        let kind = match kind {
            EventKind::Repayment(_) if balance == Won::ZERO => continue,
            EventKind::Repayment(w) if w == principal => EventKind::Repayment(balance),
            EventKind::Repayment(_) => {
                let part = balance.get() / 1_000 * rng.range(5, 30) / 100 * 1_000;
                if part == 0 {
                    continue;
                }
                EventKind::Repayment(Won::new(part))
            }
            other => other,
        };
        if let EventKind::Repayment(w) = kind {
            balance = balance
                .checked_sub(w)
                .expect("invariant: repayments within the balance");
        }
        events.push(Event { on, kind });
    }

    mix.loans += 1;
    mix.partial_repayments += usize::from(partial);
    mix.rate_changes += usize::from(rate_change);
    mix.arrears_across_months += usize::from(arrears);
    mix.stops += usize::from(stop);
    mix.quarterly += usize::from(quarterly);
    let cap = if grade.is_some_and(KiboGrade::is_a_or_above) {
        3_000_000_000
    } else {
        1_000_000_000
    };
    mix.above_cap += usize::from(principal.get() > cap);
    mix.grade_a_or_above += usize::from(grade.is_some_and(KiboGrade::is_a_or_above));
    CaseSpec {
        quarterly,
        grade,
        principal,
        rate,
        executed_on,
        maturity_on,
        coverage,
        base_fee,
        events,
    }
}

/// Generates `n` cases for `seed`.
pub fn generate_cases(seed: u64, n: usize) -> (Vec<CaseSpec>, Mix) {
    let mut rng = Rng::new(seed);
    let mut mix = Mix::default();
    let cases = (0..n).map(|_| generate(&mut rng, &mut mix)).collect();
    (cases, mix)
}

/// The checksum of a run: FNV-1a over the per-loan digests in loan order.
pub fn combine(digests: impl IntoIterator<Item = u64>) -> u64 {
    let mut h = Fnv::new();
    for d in digests {
        h.int(d as i64);
    }
    h.finish()
}

pub fn run(args: &QuoteOptions, catalog: &Catalog) -> anyhow::Result<ExitCode> {
    if args.loans == 0 || args.loans > MAX_LOANS {
        return Err(BadInput(format!("--loans: must be from 1 to {MAX_LOANS}")).into());
    }
    let program = catalog
        .get(BENCH_PROGRAM)
        .expect("invariant: the built-in programme exists");
    let (cases, mix) = generate_cases(args.seed, args.loans);
    let threads = jumpup_service::worker_threads(args.threads);
    let chunk = cases.len().div_ceil(threads);

    let started = Instant::now();
    let digests: Vec<u64> = std::thread::scope(|s| {
        let workers: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|c| quote(&c.to_input(program)).digest())
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .expect("invariant: a quoting thread does not panic")
            })
            .collect()
    });
    let elapsed = started.elapsed();
    let checksum = combine(digests);

    let share = |n: usize| {
        let per_mille = n * 1000 / mix.loans;
        format!("{}.{}%", per_mille / 10, per_mille % 10)
    };
    writeln!(
        std::io::stdout(),
        "loans: {}  threads: {threads}  seed: {}  programme: {BENCH_PROGRAM}",
        args.loans,
        args.seed
    )?;
    writeln!(
        std::io::stdout(),
        "mix: partial repayments {}, rate changes {}, arrears across months {}, stops {}, quarterly claims {}, grade A or above {}, principal above cap {}",
        share(mix.partial_repayments),
        share(mix.rate_changes),
        share(mix.arrears_across_months),
        share(mix.stops),
        share(mix.quarterly),
        share(mix.grade_a_or_above),
        share(mix.above_cap),
    )?;
    let micros = elapsed.as_micros().max(1);
    writeln!(
        std::io::stdout(),
        "quoted in {}.{:03} s: {} loans/s",
        micros / 1_000_000,
        micros % 1_000_000 / 1_000,
        args.loans as u128 * 1_000_000 / micros
    )?;
    if let Some(kib) = peak_memory_kib() {
        writeln!(std::io::stdout(), "peak memory: {} MiB", kib / 1024)?;
    }
    writeln!(std::io::stdout(), "checksum: {checksum:016x}")?;

    if let Some(path) = &args.cases_out {
        let file =
            std::fs::File::create(path).map_err(|e| BadInput(format!("--cases-out: {e}")))?;
        let mut out = std::io::BufWriter::new(file);
        for c in &cases {
            serde_json::to_writer(&mut out, &c.to_json())?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The process's peak resident memory, from Linux's `/proc/self/status` (`VmHWM`).
/// Starts measuring peak memory afresh from what the process holds now (Linux `clear_refs`).
pub fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A FILES.md `cases` file of `n` distinct decided cases of Jump-Up (distinct firms and
/// guarantee numbers; small amounts, so that even 100,000 of them fit the budget).
pub fn cases_csv(n: usize) -> String {
    let mut out = String::with_capacity(n * 120 + 200);
    out.push_str("business_no,firm_name,district,kibo_grade,program,decided_on,guarantee_no,coverage_pct,base_fee_rate_pct,approved_won\n");
    for i in 0..n {
        let digits = format!("{:09}", 100_000_000 + i);
        let mut first9 = [0u8; 9];
        for (slot, b) in first9.iter_mut().zip(digits.bytes()) {
            *slot = b - b'0';
        }
        let business_no = jumpup_domain::regno::BusinessNumber::from_first9(first9);
        out.push_str(&format!("{business_no},벤치기업{i},연수구,BBB,incheon-jumpup,2025-09-01,BENCH{i:07},95,1.0,500000\n"));
    }
    out
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// How many decided cases to import.
    pub cases: usize,
}

/// `jumpup bench import --cases N`: imports a generated cases file into an empty database and
/// prints the time and rows per second.
pub fn run_import(args: &ImportOptions, url: &str) -> anyhow::Result<ExitCode> {
    if args.cases == 0 || args.cases > jumpup_service::interchange::MAX_ROWS {
        return Err(BadInput(format!(
            "--cases: must be from 1 to {}",
            jumpup_service::interchange::MAX_ROWS
        ))
        .into());
    }
    let dir = std::env::temp_dir().join(format!("jumpup-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("cases.csv");
    std::fs::write(&file, cases_csv(args.cases))?;
    let result = jumpup_service::block_on(async {
        let s = jumpup_service::Services::open(url).await?;
        let setup = async {
            s.add_user(
                None,
                "bench-admin",
                jumpup_domain::workflow::Role::Admin,
                jumpup_service::identity::NewScope::None,
                None,
            )
            .await?;
            s.add_user(
                Some("bench-admin"),
                "bench-tp",
                jumpup_domain::workflow::Role::Tp,
                jumpup_service::identity::NewScope::None,
                None,
            )
            .await
        };
        setup.await.map_err(|e| {
            BadInput(format!(
                "--database: the benchmark needs an empty database ({e})"
            ))
        })?;
        let started = Instant::now();
        let sheet = jumpup_service::interchange::read(&file).map_err(|e| anyhow::anyhow!("{e}"))?;
        let report = s
            .import_sheet("bench-tp", jumpup_service::imports::FileKind::Cases, sheet)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let elapsed = started.elapsed();
        anyhow::Ok((report, elapsed, s.db.backend()))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let (report, elapsed, backend) = result?;
    let micros = elapsed.as_micros().max(1);
    writeln!(
        std::io::stdout(),
        "imported {} cases into {backend} in {}.{:03} s: {} rows/s",
        report.stored,
        micros / 1_000_000,
        micros % 1_000_000 / 1_000,
        report.stored as u128 * 1_000_000 / micros
    )?;
    Ok(ExitCode::SUCCESS)
}
