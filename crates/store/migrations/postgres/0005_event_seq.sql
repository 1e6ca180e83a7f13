-- FILES.md events: two events of the same kind on one day are told apart by `seq`.

alter table loan_event add column seq bigint not null default 1;

create unique index loan_event_key on loan_event (loan_id, on_date, kind, seq) where cancelled_at is null;
