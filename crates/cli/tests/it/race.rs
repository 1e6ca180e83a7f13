//! Two processes race 200 approvals for a budget that fits 100, on both databases: exactly
//! 100 are approved, the rest waitlisted, each process approves at least one, and the
//! ledger's invariants hold. The processes are this test binary run again as workers; they
//! start together when the parent writes to their standard input (the barrier).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command as Process, Stdio};

use jumpup_domain::ledger::Account;
use jumpup_domain::workflow::{Command, State};
use jumpup_service::Services;
use jumpup_store::{Db, both_url};

use crate::cases::{TestClock, reservation, reviewed_case, setup, test_programme};

const CASES: usize = 200;
const FITS: usize = 100;
const TASKS_PER_PROCESS: usize = 16;

/// The worker: approves the case ids it is given with many tasks, after the barrier.
#[test]
fn race_worker() {
    let Ok(spec) = std::env::var("JUMPUP_RACE_WORKER") else {
        return;
    };
    let (url, ids) = spec.split_once('|').expect("URL|ids");
    let ids: Vec<jumpup_domain::ids::CaseId> =
        ids.split(',').map(|i| i.parse().expect("id")).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let s = Services::start(
            Db::open(url).await.expect("open"),
            TestClock::on("2025-09-01"),
        )
        .await
        .expect("start");
        println!("ready");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).expect("barrier");
        let mut tasks = Vec::new();
        for part in ids.chunks(ids.len().div_ceil(TASKS_PER_PROCESS)) {
            let s = s.clone();
            let part = part.to_vec();
            tasks.push(tokio::spawn(async move {
                let mut approved = 0;
                for id in part {
                    let row = s
                        .case_command("officer", id, Command::Approve)
                        .await
                        .expect("approve or waitlist");
                    approved += usize::from(row.state == State::Approved);
                }
                approved
            }));
        }
        let mut approved = 0;
        for t in tasks {
            approved += t.await.expect("task");
        }
        println!("approved {approved}");
    });
}

both_url! {
    async fn two_processes_racing_200_approvals_for_a_budget_of_100_approve_exactly_100(db, url) {
        let clock = TestClock::on("2025-09-01");
        let each = reservation(500_000_000, "2025-09-01");
        let budget = each.get() * FITS as i64 + each.get() / 2;
        let s = setup(db, clock, &test_programme(budget, 1_000_000_000_000)).await;
        let mut ids = Vec::new();
        for _ in 0..CASES {
            ids.push(reviewed_case(&s, 500_000_000).await);
        }
        // Interleave: each process gets every other case.
        let halves: Vec<Vec<String>> = (0..2)
            .map(|p| ids.iter().skip(p).step_by(2).map(ToString::to_string).collect())
            .collect();
        let mut workers: Vec<_> = halves
            .iter()
            .map(|half| {
                Process::new(std::env::current_exe().expect("test binary"))
                    .args(["race::race_worker", "--exact", "--nocapture", "--test-threads", "1"])
                    .env("JUMPUP_RACE_WORKER", format!("{url}|{}", half.join(",")))
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .expect("spawn a worker")
            })
            .collect();
        let mut outputs: Vec<_> = workers.iter_mut().map(|w| BufReader::new(w.stdout.take().expect("stdout"))).collect();
        for out in &mut outputs {
            let mut line = String::new();
            while !line.contains("ready") {
                line.clear();
                assert!(out.read_line(&mut line).expect("worker output") > 0, "a worker ended before the barrier");
            }
        }
        for w in &mut workers {
            w.stdin.take().expect("stdin").write_all(b"go\n").expect("release the barrier");
        }
        let mut per_process = Vec::new();
        for (w, mut out) in workers.into_iter().zip(outputs) {
            let mut rest = String::new();
            std::io::Read::read_to_string(&mut out, &mut rest).expect("worker output");
            let status = w.wait_with_output().expect("worker ends").status;
            assert!(status.success(), "a worker failed: {rest}");
            let approved: usize = rest
                .lines()
                .find_map(|l| l.strip_prefix("approved "))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| panic!("no result in {rest}"));
            per_process.push(approved);
        }
        assert!(per_process.iter().all(|&n| n >= 1), "each process approved at least one: {per_process:?}");
        assert_eq!(per_process.iter().sum::<usize>(), FITS);
        let approved = s.read_cases("mayor", None, Some(State::Approved), 0, 200).await.expect("list").len();
        let waitlisted = s.read_cases("mayor", None, Some(State::Waitlisted), 0, 200).await.expect("list").len();
        assert_eq!((approved, waitlisted), (FITS, CASES - FITS));
        let budgets = s.budgets().await.expect("budgets");
        let b = budgets.iter().find(|b| b.program_id == "test-city").expect("budget");
        assert_eq!(b.check, Ok(()));
        assert_eq!(s.misplaced_reservations().await.expect("check"), Vec::new(), "every reservation sits with an approved case");
        let reserved = b.balances.iter().find(|(a, _)| *a == Account::Reserved).expect("reserved").1;
        assert_eq!(reserved.get(), each.get() * FITS as i64);
        let entries = jumpup_store::audit::load(&s.db).await.expect("audit");
        assert!(jumpup_domain::audit::verify(entries, None).is_ok());
    }
}
