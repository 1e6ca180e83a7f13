-- Settlement batches (FILES.md `payments`, RULES.md 6.4): one line per claim or recomputed
-- paid period. At most one batch is prepared at a time; a rejected batch's claims are pending
-- again. `event_mark` is the last event recorded when the batch was prepared, so the batch can
-- be recomputed later from the history it saw. Batch ids are given in order under the write
-- lock, without gaps (a refused preparation takes none).

create table settlement_batch (
    batch_id bigint primary key,
    through_on date not null,
    state text not null constraint settlement_batch_state_check check (state in ('prepared', 'approved', 'rejected')),
    event_mark bigint not null,
    prepared_by bigint not null constraint settlement_batch_preparer_fk references app_user (user_id),
    prepared_at timestamptz not null,
    decided_by bigint constraint settlement_batch_decider_fk references app_user (user_id),
    decided_at timestamptz,
    reason text
);

create unique index settlement_batch_one_prepared on settlement_batch (state) where state = 'prepared';

create table settlement_line (
    batch_id bigint not null constraint settlement_line_batch_fk references settlement_batch (batch_id),
    line_no bigint not null,
    bank_id bigint not null constraint settlement_line_bank_fk references bank (bank_id),
    loan_no text not null,
    case_id bigint constraint settlement_line_case_fk references support_case (case_id),
    claim_id bigint constraint settlement_line_claim_fk references claim (claim_id),
    period_from date not null,
    period_to date not null,
    claimed_won bigint not null,
    computed_won bigint not null,
    paid_before_won bigint not null,
    payable_won bigint not null,
    status text not null constraint settlement_line_status_check check (status in (
        'match', 'reduced', 'under_claimed', 'adjustment', 'clawback', 'rejected')),
    reason text,
    constraint settlement_line_pk primary key (batch_id, line_no)
);

create index settlement_line_claim_idx on settlement_line (claim_id);
create index settlement_line_case_idx on settlement_line (case_id, period_from);
create index settlement_line_key_idx on settlement_line (bank_id, loan_no, period_from);

-- The batch that was the latest when an event was cancelled: the cancelled event still
-- counts for that batch and the ones before it.
alter table loan_event add column cancelled_after_batch bigint;

update loan_event set cancelled_after_batch = 0 where cancelled_at is not null;
