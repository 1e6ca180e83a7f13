-- What happened to a loan (RULES.md 6.3), each event with its reporter; never deleted, a
-- wrong one is cancelled.

create table loan_event (
    loan_event_id bigint generated always as identity primary key,
    loan_id bigint not null constraint loan_event_loan_fk references loan (loan_id),
    on_date date not null,
    kind text not null constraint loan_event_kind_check check (kind in (
        'repayment', 'rate_change', 'arrears_start', 'arrears_end', 'relocation', 'closure', 'default', 'ineligible')),
    amount_won bigint,
    annual_rate_pct text,
    reported_by bigint not null constraint loan_event_user_fk references app_user (user_id),
    recorded_at timestamptz not null,
    cancelled_at timestamptz,
    cancelled_by bigint constraint loan_event_cancelled_by_fk references app_user (user_id),
    cancel_reason text
);

create index loan_event_loan_idx on loan_event (loan_id);
