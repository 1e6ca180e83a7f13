-- Sign-in throttling by name and client address (issue 14): a counter per key
-- (digests of the name and the client address: 'pair:', 'name:', 'addr:', 'register:'
-- keys), replacing the per-name failure list; and the lockouts an administrator reviews.
drop table login_failure;

create table login_throttle (
    key text primary key,
    failures bigint not null check (failures >= 0),
    last_at timestamptz not null,
    next_at timestamptz not null
);

create index login_throttle_last_idx on login_throttle (last_at);

create table login_lockout (
    login_lockout_id bigint generated always as identity primary key,
    name text not null,
    locked_at timestamptz not null,
    unlocked_at timestamptz,
    unlocked_by text
);

create index login_lockout_name_idx on login_lockout (name, locked_at);
