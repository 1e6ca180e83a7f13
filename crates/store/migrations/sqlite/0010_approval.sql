-- What approval reads, kept small as the ledger grows.

-- The digest of a batch's lines as prepared (lines never change afterwards), so approval can
-- record it without reading every line again. Batches prepared before this migration have none.
alter table settlement_batch add column lines_digest text;

-- Clawbacks and their recoveries, the only postings a bank's receivable is summed from (without
-- it, each approval scanned every posting ever made, once per bank).
create index budget_posting_receivable_idx on budget_posting (case_id)
    where kind in ('clawback', 'recover');
