-- Identity, programme versions, the budget ledger and the audit log (PostgreSQL dialect).
-- Applied migrations are never edited: change the schema with a new migration.

create table bank (
    bank_id bigint generated always as identity primary key,
    code text not null constraint bank_code_unique unique,
    name text not null,
    created_at timestamptz not null
);

create table firm (
    firm_id bigint generated always as identity primary key,
    business_no text not null constraint firm_business_no_unique unique,
    corporate_no text,
    name text not null,
    address text not null,
    district text not null,
    industry_code text not null,
    created_at timestamptz not null
);

create table app_user (
    user_id bigint generated always as identity primary key,
    name text not null constraint app_user_name_unique unique,
    role text not null constraint app_user_role_check
        check (role in ('city', 'tp', 'kibo', 'bank', 'firm', 'auditor', 'admin')),
    bank_id bigint constraint app_user_bank_fk references bank (bank_id),
    firm_id bigint constraint app_user_firm_fk references firm (firm_id),
    password_hash text,
    active boolean not null,
    created_at timestamptz not null,
    constraint app_user_scope_check
        check (((role = 'bank') = (bank_id is not null)) and ((role = 'firm') = (firm_id is not null)))
);

create table program_version (
    program_version_id bigint generated always as identity primary key,
    program_id text not null,
    name_ko text not null,
    name_en text not null,
    in_force_from date not null,
    digest text not null,
    content text not null,
    status text not null constraint program_version_status_check check (status in ('pending', 'approved')),
    imported_by bigint constraint program_version_imported_by_fk references app_user (user_id),
    imported_at timestamptz not null,
    approved_by bigint constraint program_version_approved_by_fk references app_user (user_id),
    approved_at timestamptz,
    constraint program_version_unique unique (program_id, in_force_from)
);

create table budget_posting (
    posting_id text primary key,
    program_id text not null,
    kind text not null,
    from_account text not null,
    to_account text not null,
    amount_won bigint not null constraint budget_posting_amount_check check (amount_won > 0),
    case_id bigint,
    created_at timestamptz not null
);

create index budget_posting_program_idx on budget_posting (program_id);

create table audit_entry (
    seq bigint primary key,
    at text not null,
    actor text not null,
    role text not null,
    action text not null,
    subject text not null,
    before text not null,
    after text not null,
    reason text not null,
    prev_hash text not null,
    hash text not null
);
