-- A demonstration database says so: the demo marks it when it starts building (finished_at
-- empty until the last step), so a later run reuses it, an interrupted one is named, and the
-- portal shows a demo banner. A database without this row is never touched by the demo.
create table demo (
    id integer primary key check (id = 1),
    seed bigint not null,
    started_at timestamptz not null,
    finished_at timestamptz
);

-- A case page's timeline reads the audit entries about its case.
create index audit_entry_subject_idx on audit_entry (subject);
