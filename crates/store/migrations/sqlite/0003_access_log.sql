-- Who read which firm data, when (RULES.md 8; Korean personal-information law).

create table access_log (
    access_id integer primary key,
    at text not null,
    user_id bigint not null constraint access_log_user_fk references app_user (user_id),
    action text not null,
    subject text not null
);

create index access_log_subject_idx on access_log (subject);
