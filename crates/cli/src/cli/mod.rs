//! The `jumpup` command line: thin commands over the library. Exit codes: 0 ok, 1 failure,
//! 2 bad input or usage, 3 refused by the rules (role, scope, state, budget).

mod cases;
mod demo;
mod progress;
mod records;
mod serve;
mod settle;

use jumpup_service::BadInput;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use jumpup_domain::date::parse_date;
use jumpup_domain::program::Catalog;
use jumpup_domain::rules::Param;

use crate::render::{self, Align, Table};
use jumpup_bench::quotes as bench;
use jumpup_service::batch;
use jumpup_service::catalog::load_catalog;
use jumpup_service::i18n::Lang;
use jumpup_service::quote_json::{self, Detail};

#[derive(Debug, Parser)]
#[command(
    name = "jumpup",
    version,
    about = "Jump-Up: public SME-finance programmes, exact to the won"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    database: records::DbArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// What does this loan get? The guarantee, its fees and every subsidy claim (QUOTE.md).
    Quote(QuoteArgs),
    /// The programmes and their rule parameters.
    #[command(subcommand)]
    Programs(ProgramsCommand),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// The database's schema: migrate, status.
    #[command(subcommand)]
    Db(records::DbCommand),
    /// Users (one role each: city, tp, kibo, bank, firm, auditor, admin).
    #[command(subcommand)]
    User(records::UserCommand),
    /// Partner banks.
    #[command(subcommand)]
    Bank(records::BankCommand),
    /// Firms.
    #[command(subcommand)]
    Firm(records::FirmCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(records::AuditCommand),
    /// Bulk imports of FILES.md files.
    #[command(subcommand)]
    Import(records::ImportCommand),
    /// Support cases and their workflow.
    #[command(subcommand)]
    Case(cases::CaseCommand),
    /// Loans.
    #[command(subcommand)]
    Loan(cases::LoanCommand),
    /// What happened to a loan.
    #[command(subcommand)]
    Event(cases::EventCommand),
    /// The subsidy budget: top-ups and balances.
    #[command(subcommand)]
    Budget(cases::BudgetCommand),
    /// The budget ledger's trial balance and invariants.
    #[command(subcommand)]
    Ledger(cases::LedgerCommand),
    /// Monthly settlement batches: prepare, show, approve, reject, verify.
    #[command(subcommand)]
    Settle(settle::SettleCommand),
    /// Files out: payments and bank statements of approved batches.
    #[command(subcommand)]
    Export(settle::ExportCommand),
    /// The HTTP server: the portal's pages and the JSON API under /api/v1.
    Serve(serve::ServeArgs),
    /// The demonstration portfolio.
    #[command(subcommand)]
    Demo(demo::DemoCommand),
}

#[derive(Debug, Args)]
struct ProgramSource {
    /// A directory of programme files (*.toml) to add to the built-in programmes.
    #[arg(long, value_name = "DIR")]
    programs: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct QuoteArgs {
    /// The case as JSON (QUOTE.md), or - for standard input.
    #[arg(value_name = "CASE")]
    case: String,
    /// Print QUOTE.md's JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// Show each claim period's working: balance segments, exact sum and truncation.
    #[arg(long)]
    explain: bool,
    /// With --json: CASE holds one case per line; print one JSON result per line.
    #[arg(long, requires = "json")]
    batch: bool,
    /// Language of the tables.
    #[arg(long, value_parser = one_of(Lang::ALL), default_value = "ko")]
    lang: Lang,
    #[command(flatten)]
    source: ProgramSource,
}

#[derive(Debug, Subcommand)]
enum ProgramsCommand {
    /// List the programmes and their versions.
    List {
        #[command(flatten)]
        view: ProgramView,
    },
    /// Print every parameter of the version in force on a day.
    Show {
        /// The programme id.
        id: String,
        /// The day (YYYY-MM-DD); default today.
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        #[command(flatten)]
        view: ProgramView,
    },
    /// Store every version of a programme file in the database, pending approval (admin).
    Import {
        file: PathBuf,
        #[arg(long)]
        actor: String,
    },
    /// Approve a pending programme version (city).
    Approve {
        /// The programme id.
        id: String,
        /// The version's in-force date.
        #[arg(long, value_name = "DATE")]
        on: String,
        #[arg(long)]
        actor: String,
    },
}

/// Where the programmes come from and how to print them.
#[derive(Debug, Args)]
struct ProgramView {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Language of the table.
    #[arg(long, value_parser = one_of(Lang::ALL), default_value = "ko")]
    lang: Lang,
    #[command(flatten)]
    source: ProgramSource,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Quote generated loans in memory on all cores; print throughput, peak memory, checksum.
    Quote(QuoteBenchArgs),
    /// Import a generated file of decided cases into an empty database; print rows per second.
    Import(ImportBenchArgs),
    /// A month of N loans on an empty database: import its files, settle, approve, export;
    /// time each step (and, with --compare, a plain bulk load by sqlite3 or psql).
    Settle(SettleBenchArgs),
}

#[derive(Debug, Args)]
struct QuoteBenchArgs {
    /// How many loans to generate and quote.
    #[arg(long)]
    loans: usize,
    /// The generator's seed.
    #[arg(long, default_value_t = 20250722)]
    seed: u64,
    /// Worker threads; default all cores.
    #[arg(long)]
    threads: Option<usize>,
    /// Also write the generated cases, one QUOTE.md input per line, to this file.
    #[arg(long, value_name = "FILE")]
    cases_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ImportBenchArgs {
    /// How many decided cases to import.
    #[arg(long)]
    cases: usize,
}

#[derive(Debug, Args)]
struct SettleBenchArgs {
    /// How many loans the month has (one decided case and one claim each).
    #[arg(long)]
    loans: usize,
    /// Also time a plain bulk load of the same files with sqlite3 or psql.
    #[arg(long)]
    compare: bool,
    /// Also time the parts of each step (as its progress reports them).
    #[arg(long)]
    detail: bool,
}

/// A value named by one of its words (`--lang ko`, `--format xlsx`); clap lists the words in
/// the help and in the error for any other.
fn one_of<T: Copy + Send + Sync + 'static>(
    values: [(&'static str, T); 2],
) -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(values.map(|(name, _)| name)).map(move |name| {
        values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .expect("invariant: clap passes only the words listed")
    })
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A reader that went away (`jumpup ... | head`) is not a failure to report.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            if let Some(bad) = e.downcast_ref::<BadInput>() {
                eprintln!("{bad}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Quote(args) => quote(args, &cli.database),
        Command::Programs(ProgramsCommand::List { view }) => {
            programs_list(&catalog(&view.source, &cli.database)?, view.json, view.lang)
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Programs(ProgramsCommand::Show { id, on, view }) => programs_show(
            &catalog(&view.source, &cli.database)?,
            &id,
            on.as_deref(),
            view.json,
            view.lang,
        )
        .map(|()| ExitCode::SUCCESS),
        Command::Bench(BenchCommand::Quote(args)) => bench::run(
            &bench::QuoteOptions {
                loans: args.loans,
                seed: args.seed,
                threads: args.threads,
                cases_out: args.cases_out,
            },
            &load_catalog(None).map_err(|e| BadInput(e.to_string()))?,
        ),
        Command::Programs(ProgramsCommand::Import { file, actor }) => {
            records::import_program(&file, &actor, &cli.database)
        }
        Command::Programs(ProgramsCommand::Approve { id, on, actor }) => {
            records::approve_program(&id, &on, &actor, &cli.database)
        }
        Command::Bench(BenchCommand::Import(args)) => bench::run_import(
            &bench::ImportOptions { cases: args.cases },
            cli.database.url(),
        ),
        Command::Bench(BenchCommand::Settle(args)) => {
            let options = jumpup_bench::settle::SettleOptions {
                loans: args.loans,
                compare: args.compare,
                detail: args.detail,
            };
            jumpup_bench::settle::run(&options, cli.database.url())
        }
        Command::Db(c) => records::db(c, &cli.database),
        Command::User(c) => records::user(c, &cli.database),
        Command::Serve(args) => serve::serve(&args, &cli.database),
        Command::Demo(c) => demo::demo(&c, &cli.database),
        Command::Bank(c) => records::bank(c, &cli.database),
        Command::Firm(c) => records::firm(c, &cli.database),
        Command::Audit(c) => records::audit(c, &cli.database),
        Command::Import(c) => records::import(c, &cli.database),
        Command::Case(c) => cases::case(c, &cli.database),
        Command::Loan(c) => cases::loan(c, &cli.database),
        Command::Event(c) => cases::event(c, &cli.database),
        Command::Budget(c) => cases::budget(c, &cli.database),
        Command::Ledger(c) => cases::ledger(c, &cli.database),
        Command::Settle(c) => settle::settle(c, &cli.database),
        Command::Export(c) => settle::export(c, &cli.database),
    }
}

/// The programmes a command computes with: the database's approved versions when a database
/// is configured (`--database`, `JUMPUP_DATABASE_URL`) or `jumpup.db` exists here, so the
/// command line and the API agree; otherwise the built-in and `--programs` files.
fn catalog(source: &ProgramSource, db: &records::DbArgs) -> anyhow::Result<Catalog> {
    if db.database.is_some() || Path::new("jumpup.db").exists() {
        if source.programs.is_some() {
            return Err(BadInput(
                "--programs: a database is in use; store programme files with `jumpup programs import`".into(),
            )
            .into());
        }
        return records::catalog(db);
    }
    load_catalog(source.programs.as_deref()).map_err(|e| BadInput(e.to_string()).into())
}

/// The case's bytes as given (whether they are UTF-8 is the parser's to say).
fn read_case(path: &str) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| BadInput(format!("CASE: cannot read standard input: {e}")))?;
    } else {
        bytes = std::fs::read(Path::new(path))
            .map_err(|e| BadInput(format!("CASE: cannot read {path}: {e}")))?;
    }
    Ok(bytes)
}

fn quote(args: QuoteArgs, db: &records::DbArgs) -> anyhow::Result<ExitCode> {
    let catalog = catalog(&args.source, db)?;
    let detail = if args.explain {
        Detail::Explained
    } else {
        Detail::Figures
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.batch {
        let report = if args.case == "-" {
            batch::quote_lines(&catalog, std::io::stdin().lock(), detail, &mut out)?
        } else {
            let file = std::fs::File::open(&args.case)
                .map_err(|e| BadInput(format!("CASE: cannot read {}: {e}", args.case)))?;
            batch::quote_lines(&catalog, std::io::BufReader::new(file), detail, &mut out)?
        };
        out.flush()?;
        for (line, problem) in &report.problems {
            eprintln!("line {line}: {problem}");
        }
        return Ok(if report.problems.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        });
    }
    let bytes = read_case(&args.case)?;
    match quote_json::parse_bytes(&bytes, &catalog) {
        Ok(request) => {
            let quote = jumpup_domain::quote::quote(&request.input);
            if args.json {
                serde_json::to_writer_pretty(
                    &mut out,
                    &quote_json::to_json(&request, &quote, detail),
                )?;
                writeln!(out)?;
            } else {
                out.write_all(
                    render::quote_text(&request, &quote, args.lang, args.explain).as_bytes(),
                )?;
            }
            out.flush().context("writing the quote")?;
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            if args.json {
                serde_json::to_writer(&mut out, &quote_json::error_json(&problems))?;
                writeln!(out)?;
                out.flush()?;
            }
            Ok(ExitCode::from(2))
        }
    }
}

fn programs_list(catalog: &Catalog, json: bool, lang: Lang) -> anyhow::Result<()> {
    let today = jumpup_service::today();
    if json {
        let list = jumpup_service::catalog::programs_json(catalog, today);
        writeln!(
            std::io::stdout(),
            "{}",
            serde_json::to_string_pretty(&list)?
        )?;
        return Ok(());
    }
    let t = lang.texts();
    let mut table = Table::new(&[
        (t.id, Align::Left),
        (t.name, Align::Left),
        (t.versions, Align::Left),
        (t.current_version, Align::Left),
    ]);
    for p in catalog.programs() {
        let name = match lang {
            Lang::Ko => p.name_ko(),
            Lang::En => p.name_en(),
        };
        let versions: Vec<String> = p
            .versions()
            .iter()
            .map(|v| v.in_force_from.to_string())
            .collect();
        let current = p
            .version_on(today)
            .map_or_else(|| "-".to_owned(), |v| v.in_force_from.to_string());
        table.row(vec![
            p.id().to_string(),
            name.to_owned(),
            versions.join(", "),
            current,
        ]);
    }
    let mut out = String::new();
    table.render("", &mut out);
    write!(std::io::stdout(), "{out}")?;
    Ok(())
}

fn programs_show(
    catalog: &Catalog,
    id: &str,
    on: Option<&str>,
    json: bool,
    lang: Lang,
) -> anyhow::Result<()> {
    let program = catalog
        .get(id)
        .ok_or_else(|| BadInput(format!("ID: unknown programme {id:?}")))?;
    let day = match on {
        Some(text) => parse_date(text).map_err(|e| BadInput(format!("--on: {e}")))?,
        None => jumpup_service::today(),
    };
    let version = program.version_on(day).ok_or_else(|| {
        BadInput(format!(
            "--on: {id} has no version in force on {day}; its first is {}",
            program.first_day()
        ))
    })?;
    if json {
        let mut params = serde_json::Map::new();
        for &p in Param::ALL {
            let value = match version.params.value(p) {
                jumpup_domain::rules::Value::Int(n) => serde_json::Value::from(n),
                other => serde_json::Value::from(render::value_text(other)),
            };
            params.insert(p.name().to_owned(), value);
        }
        let out = serde_json::json!({
            "id": program.id().as_str(),
            "name_ko": program.name_ko(),
            "name_en": program.name_en(),
            "on": day.to_string(),
            "version": version.in_force_from.to_string(),
            "parameters": params,
        });
        writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&out)?)?;
        return Ok(());
    }
    let t = lang.texts();
    let name = match lang {
        Lang::Ko => program.name_ko(),
        Lang::En => program.name_en(),
    };
    writeln!(
        std::io::stdout(),
        "{}: {name} ({}), {} {day}: {} {}",
        t.programme,
        program.id(),
        t.in_force_on,
        t.version_from,
        version.in_force_from
    )?;
    let mut table = Table::new(&[
        (t.parameter, Align::Left),
        (t.value, Align::Right),
        (t.meaning, Align::Left),
    ]);
    for &p in Param::ALL {
        table.row(vec![
            p.name().to_owned(),
            render::value_readable(p, version.params.value(p)),
            lang.param_meaning(p).to_owned(),
        ]);
    }
    let mut out = String::new();
    table.render("", &mut out);
    write!(std::io::stdout(), "{out}")?;
    Ok(())
}
