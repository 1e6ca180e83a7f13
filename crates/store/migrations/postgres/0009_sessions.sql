-- Server sessions, API tokens and failed logins (PostgreSQL dialect). Only SHA-256 digests of
-- session ids and tokens are stored, so a copy of the database lets no one sign in.

create table user_session (
    session_hash text primary key,
    user_id bigint not null constraint user_session_user_fk references app_user (user_id),
    csrf_token text not null,
    created_at timestamptz not null,
    last_seen_at timestamptz not null
);

create index user_session_user_idx on user_session (user_id);

create table api_token (
    api_token_id bigint generated always as identity primary key,
    token_hash text not null constraint api_token_hash_unique unique,
    user_id bigint not null constraint api_token_user_fk references app_user (user_id),
    created_at timestamptz not null,
    revoked_at timestamptz
);

create index api_token_user_idx on api_token (user_id);

create table login_failure (
    login_failure_id bigint generated always as identity primary key,
    name text not null,
    failed_at timestamptz not null
);

create index login_failure_name_idx on login_failure (name, failed_at);
