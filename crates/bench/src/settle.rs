//! `jumpup bench settle --loans N`: a national-scale month on an empty database. Writes FILES.md
//! files for N decided cases, their loans at five banks, a realistic share of events and one
//! claim per loan; then imports, settles, approves and exports them through the same services
//! as the command line, timing each step. With `--compare`, the same four files are also bulk
//! loaded by the database's own tool (sqlite3 `.import`, psql `\copy`) into plain text tables,
//! as the floor any import is measured against.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use jumpup_domain::money::Won;
use jumpup_domain::workflow::{BankCode, Role};

use crate::quotes::{Rng, cases_csv};
use jumpup_service::BadInput;
use jumpup_service::Services;
use jumpup_service::export::{FileFormat, Kind};
use jumpup_service::identity::NewScope;
use jumpup_service::imports::FileKind;

#[derive(Debug, Clone)]
pub struct SettleOptions {
    /// How many loans the month has (one decided case and one claim each).
    pub loans: usize,
    /// Also time a plain bulk load of the same files with sqlite3 or psql.
    pub compare: bool,
    /// Also time the parts of each step (as its progress reports them).
    pub detail: bool,
}

/// Times the parts of a step from its progress reports: a part runs from its first report to
/// the first report of the next; the time before the first report is the step's reading.
#[derive(Debug, Default)]
struct Laps(std::sync::Mutex<Lapped>);

/// When the part under way began (none outside a step), and the parts so far.
type Lapped = (Option<Instant>, Vec<(String, Duration)>);

impl Laps {
    fn begin(&self) {
        if let Ok(mut l) = self.0.lock() {
            *l = (
                Some(Instant::now()),
                vec![("(reading)".to_owned(), Duration::ZERO)],
            );
        }
    }

    /// The parts timed since `begin`, the last one closed now.
    fn end(&self) -> Vec<(String, Duration)> {
        let Ok(mut l) = self.0.lock() else {
            return Vec::new();
        };
        let (since, parts) = &mut *l;
        if let (Some(t), Some(last)) = (since.take(), parts.last_mut()) {
            last.1 += t.elapsed();
        }
        std::mem::take(parts)
    }
}

impl jumpup_service::Progress for Laps {
    fn at(&self, step: &str, _done: u64, _total: u64) {
        let Ok(mut l) = self.0.lock() else { return };
        let (since, parts) = &mut *l;
        let Some(t) = since else { return };
        if parts.last().is_some_and(|(name, _)| name != step) {
            let now = Instant::now();
            if let Some(last) = parts.last_mut() {
                last.1 += now - *t;
            }
            *t = now;
            parts.push((step.to_owned(), Duration::ZERO));
        }
    }
}

const BANKS: [&str; 5] = ["004", "011", "020", "081", "088"];

/// The month's bank files: loans executed on 2025-09-01 (500,000 won at 4.5% for a year),
/// events for about 7% of them, and September's claim for each (a tenth of them above what the
/// rules give).
fn month_files(dir: &Path, n: usize) -> std::io::Result<[PathBuf; 4]> {
    let paths = ["cases.csv", "loans.csv", "events.csv", "claims.csv"].map(|f| dir.join(f));
    std::fs::write(&paths[0], cases_csv(n))?;
    let mut loans = String::with_capacity(n * 80);
    loans.push_str(
        "bank_code,loan_no,guarantee_no,principal_won,annual_rate_pct,executed_on,maturity_on\n",
    );
    let mut events = String::with_capacity(n * 8);
    events.push_str("bank_code,loan_no,on,kind,amount_won,annual_rate_pct\n");
    let mut claims = String::with_capacity(n * 60);
    claims.push_str("bank_code,loan_no,period_from,period_to,claimed_won\n");
    let mut rng = Rng::new(20250901);
    for i in 0..n {
        let bank = BANKS[i % BANKS.len()];
        let loan_no = format!("BL{i:07}");
        loans.push_str(&format!(
            "{bank},{loan_no},BENCH{i:07},500000,4.5,2025-09-01,2026-09-01\n"
        ));
        let roll = rng.range(0, 1000);
        match roll {
            0..=49 => events.push_str(&format!("{bank},{loan_no},2025-09-16,repayment,100000,\n")),
            50..=59 => {
                events.push_str(&format!("{bank},{loan_no},2025-09-10,arrears_start,,\n"));
                events.push_str(&format!("{bank},{loan_no},2025-09-20,arrears_end,,\n"));
            }
            60..=64 => events.push_str(&format!("{bank},{loan_no},2025-09-25,relocation,,\n")),
            65..=69 => events.push_str(&format!("{bank},{loan_no},2025-09-05,rate_change,,3.0\n")),
            _ => {}
        }
        // 500,000 won at 2% for 30 of 365 days: 821 won; a tenth of the banks ask a little more.
        let claimed = if rng.chance(100) { 830 } else { 821 };
        claims.push_str(&format!(
            "{bank},{loan_no},2025-09-01,2025-09-30,{claimed}\n"
        ));
    }
    std::fs::write(&paths[1], loans)?;
    std::fs::write(&paths[2], events)?;
    std::fs::write(&paths[3], claims)?;
    Ok(paths)
}

fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

async fn setup(s: &Services, n: usize) -> jumpup_service::Result<()> {
    s.add_user(None, "bench-admin", Role::Admin, NewScope::None, None)
        .await?;
    for (name, role) in [("bench-tp", Role::Tp), ("bench-city", Role::City)] {
        s.add_user(Some("bench-admin"), name, role, NewScope::None, None)
            .await?;
    }
    for code in BANKS {
        let code = BankCode::parse(code).expect("invariant: a bank code");
        s.add_bank("bench-admin", code, "벤치은행").await?;
    }
    // Each case reserves about 10,000 won; the appropriation alone covers 200,000 of them.
    let n = i64::try_from(n).expect("invariant: bounded by MAX_ROWS");
    s.top_up(
        "bench-city",
        crate::quotes::BENCH_PROGRAM,
        Won::new(n * 10_100),
        "BENCH-TOP-UP",
    )
    .await?;
    Ok(())
}

/// The month so far: its time and the highest peak memory of its steps.
#[derive(Default)]
struct Month {
    took: Duration,
    peak_kib: u64,
    /// With `--detail`: where the parts of each step are timed.
    laps: Option<std::sync::Arc<Laps>>,
}

/// Runs one step, printing its time and the process's peak memory during it, and adds it to
/// the month.
async fn step<T>(
    name: &str,
    month: &mut Month,
    f: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    crate::quotes::reset_peak_memory();
    if let Some(laps) = &month.laps {
        laps.begin();
    }
    let started = Instant::now();
    let value = f.await?;
    let took = started.elapsed();
    let peak = crate::quotes::peak_memory_kib().unwrap_or(0);
    writeln!(
        std::io::stdout(),
        "  {name:<16} {:>12}  peak {:>5} MiB",
        seconds(took),
        peak / 1024
    )?;
    if let Some(laps) = &month.laps {
        for (part, took) in laps.end() {
            writeln!(std::io::stdout(), "    {part:<24} {:>8}", seconds(took))?;
        }
    }
    month.took += took;
    month.peak_kib = month.peak_kib.max(peak);
    Ok(value)
}

pub fn run(args: &SettleOptions, url: &str) -> anyhow::Result<ExitCode> {
    if args.loans == 0 || args.loans > jumpup_service::interchange::MAX_ROWS {
        return Err(BadInput(format!(
            "--loans: must be from 1 to {}",
            jumpup_service::interchange::MAX_ROWS
        ))
        .into());
    }
    let dir = std::env::temp_dir().join(format!("jumpup-bench-settle-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run_in(args, url, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_in(args: &SettleOptions, url: &str, dir: &Path) -> anyhow::Result<ExitCode> {
    let n = args.loans;
    let files = month_files(dir, n)?;
    jumpup_service::block_on(async {
        let mut s = Services::open(url).await?;
        let mut month = Month::default();
        if args.detail {
            let laps = std::sync::Arc::new(Laps::default());
            s = s.with_progress(laps.clone());
            month.laps = Some(laps);
        }
        setup(&s, n).await.map_err(|e| {
            BadInput(format!(
                "--database: the benchmark needs an empty database ({e})"
            ))
        })?;
        writeln!(
            std::io::stdout(),
            "a month of {n} loans on {}:",
            s.db.backend()
        )?;
        let kinds = [
            ("import cases", FileKind::Cases),
            ("import loans", FileKind::Loans),
            ("import events", FileKind::Events),
            ("import claims", FileKind::Claims),
        ];
        for ((name, kind), path) in kinds.into_iter().zip(&files) {
            let report = step(name, &mut month, async {
                let sheet =
                    jumpup_service::interchange::read(path).map_err(|e| anyhow::anyhow!("{e}"))?;
                s.import_sheet("bench-tp", kind, sheet)
                    .await
                    .map_err(|e| anyhow::anyhow!("{name}: {e}"))
            })
            .await?;
            anyhow::ensure!(
                report.errors.is_empty(),
                "{name}: {:?}",
                report.errors.first()
            );
        }
        let through = jumpup_domain::date::parse_date("2025-09-30").expect("a date");
        let batch = step("settle prepare", &mut month, async {
            s.settle_prepare("bench-tp", through)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
        })
        .await?;
        step("settle approve", &mut month, async {
            s.settle_approve("bench-city", batch.batch_id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
        })
        .await?;
        let out = dir.join("payments.csv");
        step("export payments", &mut month, async {
            let (lines, recovered) = s
                .settle_export("bench-city", batch.batch_id, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            jumpup_service::export::write(
                batch.batch_id,
                &lines,
                &recovered,
                Kind::Payments,
                FileFormat::Csv,
                &out,
                &mut |_| {},
            )?;
            anyhow::Ok(())
        })
        .await?;
        let backend = s.db.backend();
        s.db.close().await;
        let mut stdout = std::io::stdout();
        writeln!(stdout, "  {:<16} {:>12}", "the month", seconds(month.took))?;
        writeln!(
            stdout,
            "  {} lines, payable {} won; peak memory {} MiB",
            batch.totals.lines,
            Won::new(batch.totals.payable_won).grouped(),
            month.peak_kib / 1024
        )?;
        if args.compare {
            writeln!(
                stdout,
                "the same files bulk loaded by the database's own tool:"
            )?;
            let took = bulk_load(url, backend, &files)?;
            writeln!(stdout, "  {:<16} {:>12}", "bulk load", seconds(took))?;
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Loads the four files into fresh text tables with sqlite3 `.import` or psql `\copy`.
fn bulk_load(url: &str, backend: &str, files: &[PathBuf; 4]) -> anyhow::Result<Duration> {
    let script_for = |create: &dyn Fn(&str, &str) -> String| -> anyhow::Result<String> {
        let mut script = String::from(if backend == "sqlite" {
            ""
        } else {
            "set client_min_messages = warning;\n"
        });
        for path in files {
            let table = format!(
                "bulk_{}",
                path.file_stem().and_then(|s| s.to_str()).unwrap_or("file")
            );
            let header = std::fs::read_to_string(path)?
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned();
            let columns = header
                .split(',')
                .map(|c| format!("\"{c}\" text"))
                .collect::<Vec<_>>()
                .join(", ");
            script.push_str(&format!(
                "drop table if exists {table};\ncreate table {table} ({columns});\n"
            ));
            script.push_str(&create(&table, path.to_str().unwrap_or_default()));
        }
        Ok(script)
    };
    let (program, args, script) = if backend == "sqlite" {
        let path = url.strip_prefix("sqlite:").unwrap_or(url);
        let copy = format!("{path}.bulk");
        let script = script_for(&|table, file| format!(".import --csv --skip 1 {file} {table}\n"))?;
        ("sqlite3", vec![copy], script)
    } else {
        let script = script_for(&|table, file| {
            format!("\\copy {table} from '{file}' with (format csv, header true)\n")
        })?;
        (
            "psql",
            vec![
                url.to_owned(),
                "-q".into(),
                "-v".into(),
                "ON_ERROR_STOP=1".into(),
            ],
            script,
        )
    };
    let started = Instant::now();
    let mut child = std::process::Command::new(program)
        .args(&args)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| anyhow::anyhow!("{program}: {e}"))?;
    child
        .stdin
        .take()
        .expect("a piped stdin")
        .write_all(script.as_bytes())?;
    let status = child.wait()?;
    let took = started.elapsed();
    anyhow::ensure!(status.success(), "{program} failed: {status}");
    if backend == "sqlite" {
        let _ = std::fs::remove_file(&args[0]);
    } else {
        let mut drop = std::process::Command::new("psql")
            .args([url, "-q"])
            .stdin(std::process::Stdio::piped())
            .spawn()?;
        drop.stdin.take().expect("a piped stdin").write_all(
            b"drop table bulk_cases; drop table bulk_loans; drop table bulk_events; drop table bulk_claims;\n",
        )?;
        drop.wait()?;
    }
    Ok(took)
}
