-- Banks' subsidy claims as filed (FILES.md `claims`): stored even when they name no known
-- loan or period, so that settlement gives every claim a recorded answer.

create table claim (
    claim_id integer primary key,
    bank_id bigint not null constraint claim_bank_fk references bank (bank_id),
    loan_no text not null,
    period_from text not null,
    period_to text not null,
    claimed_won bigint not null constraint claim_amount_check check (claimed_won >= 0),
    revision bigint not null constraint claim_revision_check check (revision >= 1),
    imported_by bigint not null constraint claim_user_fk references app_user (user_id),
    imported_at text not null,
    constraint claim_key unique (bank_id, loan_no, period_from, revision)
);
