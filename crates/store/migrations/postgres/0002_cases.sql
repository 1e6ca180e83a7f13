-- Support cases, their eligibility checks and loans (PostgreSQL dialect).

create table support_case (
    case_id bigint generated always as identity primary key,
    program_id text not null,
    firm_id bigint not null constraint support_case_firm_fk references firm (firm_id),
    state text not null constraint support_case_state_check check (state in (
        'draft', 'submitted', 'kibo_review', 'selected', 'rejected', 'eligibility_review', 'approved',
        'waitlisted', 'guarantee_issued', 'loan_executed', 'completed', 'terminated', 'withdrawn', 'expired')),
    requested_won bigint not null constraint support_case_requested_check check (requested_won > 0),
    grade text,
    coverage_pct text,
    base_fee_rate_pct text,
    approved_won bigint,
    bank_id bigint constraint support_case_bank_fk references bank (bank_id),
    program_version_id bigint constraint support_case_version_fk references program_version (program_version_id),
    decided_on date,
    waitlist_seq bigint,
    guarantee_no text constraint support_case_guarantee_no_unique unique,
    created_at timestamptz not null,
    updated_at timestamptz not null
);

create index support_case_program_state_idx on support_case (program_id, state);
create index support_case_firm_idx on support_case (firm_id);

create table case_check (
    case_check_id bigint generated always as identity primary key,
    case_id bigint not null constraint case_check_case_fk references support_case (case_id),
    item text not null,
    met boolean not null,
    evidence text not null,
    checked_by bigint not null constraint case_check_user_fk references app_user (user_id),
    checked_at timestamptz not null
);

create index case_check_case_idx on case_check (case_id);

create table loan (
    loan_id bigint generated always as identity primary key,
    case_id bigint not null constraint loan_case_unique unique constraint loan_case_fk references support_case (case_id),
    bank_id bigint not null constraint loan_bank_fk references bank (bank_id),
    loan_no text not null,
    principal_won bigint not null constraint loan_principal_check check (principal_won > 0),
    annual_rate_pct text not null,
    executed_on date not null,
    maturity_on date not null,
    created_at timestamptz not null,
    constraint loan_no_unique unique (bank_id, loan_no)
);

create index budget_posting_case_idx on budget_posting (case_id);
