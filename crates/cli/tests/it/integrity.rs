//! Money rows bound to the audit chain (issue 14): on the demo portfolio, each write an
//! insider could make directly in the database is caught by `ledger check` and `audit verify`,
//! naming the row and the audit entry; undone, both pass again.

use jumpup_store::both_url;
use jumpup_store::testing::{execute_raw, query_texts};

use crate::demo::jumpup;

/// Both checks refuse, and each names every one of `expected` in its report.
fn detected(url: &str, expected: &[String]) {
    for check in [["ledger", "check"], ["audit", "verify"]] {
        let (ok, text) = jumpup(url, &check);
        assert!(!ok, "{check:?} passes a tampered database:\n{text}");
        assert!(text.contains("money rows TAMPERED"), "{check:?}:\n{text}");
        for e in expected {
            assert!(
                text.contains(e.as_str()),
                "{check:?} does not say {e:?}:\n{text}"
            );
        }
    }
}

fn clean(url: &str) {
    for check in [["ledger", "check"], ["audit", "verify"]] {
        let (ok, text) = jumpup(url, &check);
        assert!(
            ok && text.contains("money rows sealed"),
            "{check:?}:\n{text}"
        );
    }
}

async fn one(db: &jumpup_store::Db, sql: &str) -> String {
    let v = query_texts(db, sql).await;
    assert_eq!(v.len(), 1, "{sql}: {v:?}");
    v[0].clone()
}

both_url! {
    async fn direct_writes_to_money_rows_are_named_with_their_audit_entry(db, url) {
        let (ok, text) = jumpup(&url, &["demo", "seed"]);
        assert!(ok, "{text}");
        clean(&url);

        // The budget doubled: every appropriation and top-up is named with its entry.
        let funding = query_texts(&db, "select posting_id || '|' || cast(audit_seq as text) from budget_posting \
             where kind in ('appropriation', 'top_up') order by posting_id").await;
        assert!(!funding.is_empty());
        execute_raw(&db, "update budget_posting set amount_won = amount_won * 2 where kind in ('appropriation', 'top_up')").await;
        let named: Vec<String> = funding.iter().map(|f| {
            let (id, seq) = f.split_once('|').expect("id|seq");
            format!("budget_posting {id} was altered outside the services: its fields differ from what audit entry {seq} wrote")
        }).collect();
        detected(&url, &named);
        execute_raw(&db, "update budget_posting set amount_won = amount_won / 2 where kind in ('appropriation', 'top_up')").await;
        clean(&url);

        // An approved settlement line's payable raised by 1,000 won.
        let line = one(&db, "select cast(s.batch_id as text) || '|' || cast(s.line_no as text) || '|' || cast(s.audit_seq as text) \
             from settlement_line s join settlement_batch b on b.batch_id = s.batch_id \
             where b.state = 'approved' and s.status = 'match' order by s.batch_id desc, s.line_no limit 1").await;
        let parts: Vec<&str> = line.split('|').collect();
        let (batch, line_no, seq) = (parts[0], parts[1], parts[2]);
        let key = format!("batch_id = {batch} and line_no = {line_no}");
        execute_raw(&db, &format!("update settlement_line set payable_won = payable_won + 1000 where {key}")).await;
        detected(&url, &[format!("settlement_line batch {batch} line {line_no} was altered outside the services: its fields differ from what audit entry {seq} wrote")]);
        execute_raw(&db, &format!("update settlement_line set payable_won = payable_won - 1000 where {key}")).await;
        clean(&url);

        // A case's reservation raised and its fingerprint overwritten: the row is named, and
        // the entry's seal no longer holds either.
        let reserve = one(&db, "select posting_id || '|' || cast(audit_seq as text) || '|' || row_hash from budget_posting \
             where kind = 'reserve' order by posting_id limit 1").await;
        let parts: Vec<&str> = reserve.split('|').collect();
        let (id, seq, hash) = (parts[0], parts[1], parts[2]);
        execute_raw(&db, &format!("update budget_posting set amount_won = amount_won + 1, row_hash = 'forged' where posting_id = '{id}'")).await;
        detected(&url, &[
            format!("budget_posting {id} was altered outside the services"),
            format!("audit entry {seq} wrote"),
            "(rows were replaced)".to_owned(),
        ]);
        execute_raw(&db, &format!("update budget_posting set amount_won = amount_won - 1, row_hash = '{hash}' where posting_id = '{id}'")).await;
        clean(&url);

        // The same raise with the fingerprint recomputed as the algorithm says (an insider who
        // read the source): the row now matches itself, and only the entry's seal, inside the
        // chain's hashes, still names the change.
        let row = one(&db, &format!("select program_id || '|' || kind || '|' || from_account || '|' || to_account || '|' || \
             cast(amount_won as text) || '|' || cast(case_id as text) from budget_posting where posting_id = '{id}'")).await;
        let f: Vec<&str> = row.split('|').collect();
        let amount: i64 = f[4].parse().expect("an amount");
        let case_id: jumpup_domain::ids::CaseId = f[5].parse().expect("a case");
        let recomputed = jumpup_store::seal::posting_hash(id, f[0], f[1], f[2], f[3], amount + 1, Some(case_id));
        execute_raw(&db, &format!("update budget_posting set amount_won = amount_won + 1, row_hash = '{}' where posting_id = '{id}'", recomputed.hex())).await;
        detected(&url, &[format!("audit entry {seq} wrote"), "(rows were replaced)".to_owned()]);
        execute_raw(&db, &format!("update budget_posting set amount_won = amount_won - 1, row_hash = '{hash}' where posting_id = '{id}'")).await;
        clean(&url);

        // A posting added outside the services: with no entry, or claiming one that wrote none.
        execute_raw(&db, "insert into budget_posting (posting_id, program_id, kind, from_account, to_account, amount_won, case_id, created_at) \
             values ('top_up:incheon-jumpup:forged', 'incheon-jumpup', 'top_up', 'funding', 'available', 1000000, null, '2026-11-01T00:00:00Z')").await;
        detected(&url, &["budget_posting top_up:incheon-jumpup:forged was not written by any audited change".to_owned()]);
        let quiet = one(&db, "select cast(min(seq) as text) from audit_entry where seals = ''").await;
        execute_raw(&db, &format!("update budget_posting set audit_seq = {quiet}, row_hash = 'x' where posting_id = 'top_up:incheon-jumpup:forged'")).await;
        detected(&url, &[format!("budget_posting top_up:incheon-jumpup:forged names audit entry {quiet}, which wrote no such row")]);
        execute_raw(&db, "delete from budget_posting where posting_id = 'top_up:incheon-jumpup:forged'").await;
        clean(&url);

        // An approved batch turned into a rejected one (its claims would be settled again), and
        // a batch's period moved: each named with the entry that decided or prepared it.
        let approved = one(&db, "select cast(batch_id as text) || '|' || cast(decision_audit_seq as text) || '|' || cast(audit_seq as text) \
             from settlement_batch where state = 'approved' order by batch_id desc limit 1").await;
        let parts: Vec<&str> = approved.split('|').collect();
        let (batch, decided, prepared) = (parts[0], parts[1], parts[2]);
        execute_raw(&db, &format!("update settlement_batch set state = 'rejected', reason = 'x' where batch_id = {batch}")).await;
        detected(&url, &[format!("settlement_batch_decision {batch} was altered outside the services: its fields differ from what audit entry {decided} wrote")]);
        execute_raw(&db, &format!("update settlement_batch set state = 'approved', reason = null where batch_id = {batch}")).await;
        clean(&url);
        let through = one(&db, &format!("select cast(through_on as text) from settlement_batch where batch_id = {batch}")).await;
        execute_raw(&db, &format!("update settlement_batch set through_on = '2020-01-31' where batch_id = {batch}")).await;
        detected(&url, &[format!("settlement_batch {batch} was altered outside the services: its fields differ from what audit entry {prepared} wrote")]);
        execute_raw(&db, &format!("update settlement_batch set through_on = '{through}' where batch_id = {batch}")).await;
        clean(&url);

        // The cancelled event made active again.
        let cancelled = one(&db, "select cast(loan_event_id as text) || '|' || cast(cancel_audit_seq as text) \
             from loan_event where cancelled_at is not null").await;
        let (event, seq) = cancelled.split_once('|').expect("id|seq");
        let at = one(&db, &format!("select cast(cancelled_at as text) from loan_event where loan_event_id = {event}")).await;
        execute_raw(&db, &format!("update loan_event set cancelled_at = null where loan_event_id = {event}")).await;
        detected(&url, &[format!("loan_event_cancel {event} was altered outside the services: its fields differ from what audit entry {seq} wrote")]);
        execute_raw(&db, &format!("update loan_event set cancelled_at = '{at}' where loan_event_id = {event}")).await;
        clean(&url);

        // A loan's principal changed.
        let loan = one(&db, "select cast(loan_id as text) || '|' || cast(audit_seq as text) from loan order by loan_id desc limit 1").await;
        let (loan_id, seq) = loan.split_once('|').expect("id|seq");
        execute_raw(&db, &format!("update loan set principal_won = principal_won + 1 where loan_id = {loan_id}")).await;
        detected(&url, &[format!("loan {loan_id} was altered outside the services: its fields differ from what audit entry {seq} wrote")]);
        execute_raw(&db, &format!("update loan set principal_won = principal_won - 1 where loan_id = {loan_id}")).await;
        clean(&url);

        // A reported event deleted: its entry is named, its rows gone.
        let reported = one(&db, "select cast(loan_event_id as text) || '|' || cast(audit_seq as text) from loan_event \
             where cancelled_at is null and audit_seq in (select audit_seq from loan_event group by audit_seq having count(*) = 1) \
             order by loan_event_id desc limit 1").await;
        let (event, seq) = reported.split_once('|').expect("id|seq");
        execute_raw(&db, &format!("delete from loan_event where loan_event_id = {event}")).await;
        detected(&url, &[format!("audit entry {seq} wrote 1 rows of loan_event; 0 now carry it, and they are not the rows it wrote (rows were removed)")]);
    }
}
