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

-- Documents a firm uploads with its application, stored with the case (at most a few MiB
-- each; the type is checked from the content before storing).
create table case_document (
    document_id bigint generated always as identity primary key,
    case_id bigint not null constraint case_document_case_fk references support_case (case_id),
    file_name text not null,
    content_type text not null,
    size_bytes bigint not null,
    sha256 text not null,
    content bytea not null,
    uploaded_by bigint not null constraint case_document_user_fk references app_user (user_id),
    uploaded_at timestamptz not null
);

create index case_document_case_idx on case_document (case_id);
